//! `webhook-dispatch`: reads new events from the events table's DynamoDB stream and queues
//! one delivery job per endpoint that should receive each. The event is already committed
//! when this runs, so nothing between the change and its delivery can lose it.

use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use payrail::App;
use payrail::events::Event;
use payrail::lambda::EventError;

/// The new events in a stream batch (inserts only; events are never updated).
pub fn new_events(batch: StreamEvent) -> Result<Vec<Event>, EventError> {
    batch
        .records
        .into_iter()
        .filter(|r| r.event_name == "INSERT")
        .map(|r| {
            serde_dynamo::from_item(r.change.new_image)
                .map_err(|e| EventError::new("reading an event from the stream", &e))
        })
        .collect()
}

/// Queues the deliveries of a batch; a failure fails the batch, which the stream retries.
pub async fn handle(app: &App, events: Vec<Event>) -> Result<usize, EventError> {
    payrail::webhooks::dispatch::dispatch(app, &events)
        .await
        .map_err(|e| EventError::new("dispatch", &e))
}
