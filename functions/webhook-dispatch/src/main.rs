use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    payrail::logging::init();
    let app: &'static payrail::App = Box::leak(Box::new(payrail::App::from_env().await?));
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<StreamEvent>| async move {
            let meter = app.aws_calls.meter();
            let events = webhook_dispatch::new_events(event.payload)?;
            let result = webhook_dispatch::handle(app, events).await;
            meter.finish("invocation");
            result
        },
    ))
    .await
}
