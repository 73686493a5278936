//! `webhook-dispatch`: reads new events from the events table's DynamoDB stream and queues
//! one delivery job per endpoint that should receive each. The event is already committed
//! when this runs, so nothing between the change and its delivery can lose it.
//!
//! A failure is reported per record (partial batch response): the stream retries from the
//! first event that failed, bisecting, until the record is too old, and its failure goes to
//! an on-failure queue. Whatever the stream never dispatched stays in the outbox, which the
//! same function sweeps on a schedule (the reconciler).

use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use payrail::App;
use payrail::domain::Timestamp;
use payrail::events::Event;
use payrail::lambda::EventError;
use payrail::webhooks::dispatch::{Dispatched, dispatch, reconcile};
use serde_json::{Value, json};

/// Handles either trigger: a stream batch (it has `Records`) or the reconciler's schedule.
pub async fn handle(app: &App, input: Value) -> Result<Value, EventError> {
    if input.get("Records").is_some() {
        let batch: StreamEvent = serde_json::from_value(input)
            .map_err(|e| EventError::new("reading a stream batch", &e))?;
        return Ok(stream_batch(app, batch).await);
    }
    sweep(app).await
}

/// Dispatches a batch's new events; answers the first failed record's sequence number, from
/// which the stream retries (`batchItemFailures`).
pub async fn stream_batch(app: &App, batch: StreamEvent) -> Value {
    let mut events = Vec::new();
    let mut sequence = Vec::new();
    for record in batch
        .records
        .into_iter()
        .filter(|r| r.event_name == "INSERT")
    {
        let id = record.change.sequence_number.clone().unwrap_or_default();
        match serde_dynamo::from_item::<_, Event>(record.change.new_image) {
            Ok(event) => {
                events.push(event);
                sequence.push(id);
            }
            // Not an event this code wrote: nothing to deliver, and retrying cannot help.
            Err(e) => tracing::error!(error = %e, sequence = %id, "unreadable event on the stream"),
        }
    }
    let outcome = dispatch(app, &events).await;
    let failures: Vec<Value> = outcome
        .failed_from
        .map(|i| json!({"itemIdentifier": sequence[i]}))
        .into_iter()
        .collect();
    json!({"batchItemFailures": failures})
}

/// The reconciler: events still undispatched after the grace period.
pub async fn sweep(app: &App) -> Result<Value, EventError> {
    let cutoff = Timestamp::from_unix(
        Timestamp::now().unix() - app.settings.dispatch_grace.as_secs() as i64,
    );
    let Dispatched {
        queued,
        already_done,
        failed_from,
    } = reconcile(app, cutoff)
        .await
        .map_err(|e| EventError::new("reconciling the outbox", &e))?;
    if let Some(i) = failed_from {
        // The rest stays in the outbox for the next run; the error counts in the alarm.
        let err = std::io::Error::other(format!("dispatch stopped at the {i}th event"));
        return Err(EventError::new("reconciling the outbox", &err));
    }
    Ok(json!({"queued": queued, "already_done": already_done}))
}
