#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    payrail::lambda::serve_events(
        |_| (),
        |app, _, event: serde_json::Value| expire_payments::handle(app, event),
    )
    .await
}
