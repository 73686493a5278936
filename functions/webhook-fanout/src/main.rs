use aws_lambda_events::event::sqs::SqsEvent;
use payrail::webhooks::deliver::Deliverer;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    payrail::lambda::serve_events(
        Deliverer::new,
        |app, deliverer, batch: SqsEvent| async move {
            let keep =
                webhook_fanout::handle(app, deliverer, webhook_fanout::received(batch)).await;
            Ok(webhook_fanout::response(keep))
        },
    )
    .await
}
