use aws_lambda_events::event::dynamodb::Event as StreamEvent;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    payrail::lambda::serve_events(
        |_| (),
        |app, _, batch: StreamEvent| async move {
            webhook_dispatch::handle(app, webhook_dispatch::new_events(batch)?).await
        },
    )
    .await
}
