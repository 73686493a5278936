//! SQS, in one place: the delivery queues' messages are JSON, sent one or ten at a time,
//! received, hidden and deleted here, with errors sorted as DynamoDB's are (throttling and an
//! unreachable service are a 503, worth a retry).

use std::time::Duration;

use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, QueueAttributeName, SendMessageBatchRequestEntry,
};
use serde::Serialize;

use super::{StoreError, classify};
use crate::App;

/// The longest SQS delays a message (15 minutes).
pub const MAX_SEND_DELAY: Duration = Duration::from_secs(900);

fn body_of(message: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(message).map_err(|e| StoreError::Dynamo(format!("encoding: {e}")))
}

/// Sends one message, delivered after `delay` (at most [`MAX_SEND_DELAY`]).
pub async fn send(
    app: &App,
    queue_url: &str,
    message: &impl Serialize,
    delay: Duration,
) -> Result<(), StoreError> {
    app.sqs
        .send_message()
        .queue_url(queue_url)
        .message_body(body_of(message)?)
        .delay_seconds(delay.min(MAX_SEND_DELAY).as_secs() as i32)
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

/// Sends every message, ten per request; any message SQS refuses fails the call.
pub async fn send_all<T: Serialize>(
    app: &App,
    queue_url: &str,
    messages: &[T],
) -> Result<(), StoreError> {
    for chunk in messages.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, m)| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(body_of(m)?)
                    .build()
                    .map_err(|e| StoreError::Dynamo(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let out = app
            .sqs
            .send_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(classify)?;
        if !out.failed().is_empty() {
            return Err(StoreError::Dynamo(format!(
                "SQS refused {} of {} messages",
                out.failed().len(),
                chunk.len()
            )));
        }
    }
    Ok(())
}

/// One received message: its body, and the handle that deletes or hides it.
pub struct Received {
    pub body: String,
    pub receipt_handle: String,
}

/// Receives up to `max` (1–10) messages without waiting, hidden from other receivers for
/// `visibility`.
pub async fn receive(
    app: &App,
    queue_url: &str,
    max: i32,
    visibility: Duration,
) -> Result<Vec<Received>, StoreError> {
    let out = app
        .sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(max.clamp(1, 10))
        .visibility_timeout(visibility.as_secs() as i32)
        .wait_time_seconds(0)
        .send()
        .await
        .map_err(classify)?;
    Ok(out
        .messages
        .unwrap_or_default()
        .into_iter()
        .map(|m| Received {
            body: m.body.unwrap_or_default(),
            receipt_handle: m.receipt_handle.unwrap_or_default(),
        })
        .collect())
}

/// Hides a received message from receivers for `wait` (at most SQS's 12 hours).
pub async fn hide(
    app: &App,
    queue_url: &str,
    receipt_handle: &str,
    wait: Duration,
) -> Result<(), StoreError> {
    app.sqs
        .change_message_visibility()
        .queue_url(queue_url)
        .receipt_handle(receipt_handle)
        .visibility_timeout(wait.min(Duration::from_secs(12 * 3600)).as_secs() as i32)
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

/// Deletes received messages, ten per request.
pub async fn delete_all(
    app: &App,
    queue_url: &str,
    receipt_handles: &[String],
) -> Result<(), StoreError> {
    for chunk in receipt_handles.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, r)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(r)
                    .build()
                    .map_err(|e| StoreError::Dynamo(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        app.sqs
            .delete_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(classify)?;
    }
    Ok(())
}

/// About how many messages wait on the queue (SQS's own estimate).
pub async fn approximate_messages(app: &App, queue_url: &str) -> Result<u64, StoreError> {
    let out = app
        .sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .map_err(classify)?;
    Ok(out
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessages))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0))
}
