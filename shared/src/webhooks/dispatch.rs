//! From events to delivery jobs: one SQS message per (event, endpoint that should receive it).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::error::ApiError;
use crate::events::Event;
use crate::ids::{EndpointId, EventId, MerchantId};
use crate::store;
use crate::webhooks::WebhookEndpoint;

/// A delivery job: the body of a message on the deliveries queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub event_id: EventId,
    pub endpoint_id: EndpointId,
}

/// A job on the retry queue: a retry, or a delivery to an endpoint in a failure run. Each
/// message is one attempt; a failed attempt queues the next as a new message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryJob {
    #[serde(flatten)]
    pub job: Job,
    /// Which attempt this message is for (1 is the first).
    pub attempt: u32,
    /// Unix seconds before which it is not attempted.
    pub due: i64,
}

/// Queues the deliveries of new events: to every enabled endpoint of the merchant subscribed
/// to the type, or for a test event to its one endpoint. Answers how many jobs were queued.
/// A failure fails the whole batch, which the stream delivers again (at-least-once; receivers
/// de-duplicate by `webhook-id`).
pub async fn dispatch(app: &App, events: &[Event]) -> Result<usize, ApiError> {
    // A busy merchant has many events in a batch: its endpoints are read once for all of them.
    let mut endpoints_of: HashMap<MerchantId, Vec<WebhookEndpoint>> = HashMap::new();
    let mut jobs = Vec::new();
    for event in events {
        let targets = match &event.target_endpoint {
            Some(id) => store::endpoints::get(app, id)
                .await?
                .filter(|e| e.merchant_id == event.merchant_id)
                .into_iter()
                .collect(),
            None => {
                let all = match endpoints_of.entry(event.merchant_id.clone()) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(slot) => {
                        slot.insert(store::endpoints::all_of(app, &event.merchant_id).await?)
                    }
                };
                all.iter()
                    .filter(|e| e.enabled && e.subscribes(event.kind))
                    .cloned()
                    .collect::<Vec<_>>()
            }
        };
        jobs.extend(targets.into_iter().map(|e| Job {
            event_id: event.id.clone(),
            endpoint_id: e.id,
        }));
    }
    enqueue(app, &jobs).await?;
    Ok(jobs.len())
}

/// Sends jobs to the deliveries queue, ten per request.
pub async fn enqueue(app: &App, jobs: &[Job]) -> Result<(), ApiError> {
    for chunk in jobs.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, job)| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(serde_json::to_string(job).expect("a job serialises"))
                    .build()
                    .map_err(|e| ApiError::internal(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let out = app
            .sqs
            .send_message_batch()
            .queue_url(&app.settings.delivery_queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| {
                ApiError::internal(format!("queueing deliveries: {}", DisplayErrorContext(&e)))
            })?;
        if !out.failed().is_empty() {
            return Err(ApiError::internal(format!(
                "queueing deliveries: {} of {} refused",
                out.failed().len(),
                chunk.len()
            )));
        }
    }
    Ok(())
}
