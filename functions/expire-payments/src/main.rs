use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    payrail::logging::init();
    let app: &'static payrail::App = Box::leak(Box::new(payrail::App::from_env().await?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let meter = app.aws_calls.meter();
        let result = expire_payments::handle(app, event.payload).await;
        meter.finish("invocation");
        result
    }))
    .await
}
