use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_http::tracing::init_default_subscriber();
    let app: &'static payrail::App = Box::leak(Box::new(payrail::App::from_env().await?));
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<StreamEvent>| async move {
            let events = webhook_dispatch::new_events(event.payload)?;
            webhook_dispatch::handle(app, events).await
        },
    ))
    .await
}
