use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use payrail::webhooks::deliver::Deliverer;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    payrail::logging::init();
    let app: &'static payrail::App = Box::leak(Box::new(payrail::App::from_env().await?));
    let deliverer: &'static Deliverer = Box::leak(Box::new(Deliverer::new(app)));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let meter = app.aws_calls.meter();
        let keep =
            webhook_fanout::handle(app, deliverer, webhook_fanout::received(event.payload)).await;
        meter.finish("invocation");
        Ok::<_, lambda_runtime::Error>(webhook_fanout::response(keep))
    }))
    .await
}
