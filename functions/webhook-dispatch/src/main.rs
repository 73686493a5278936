#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    payrail::lambda::serve_events(
        |_| (),
        |app, _, input: serde_json::Value| webhook_dispatch::handle(app, input),
    )
    .await
}
