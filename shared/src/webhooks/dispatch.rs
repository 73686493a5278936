//! From events to delivery jobs: one SQS message per (event, endpoint that should receive it).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::App;
use crate::error::ApiError;
use crate::events::Event;
use crate::ids::{EventId, MerchantId};
use crate::store;
use crate::webhooks::WebhookEndpoint;
use crate::webhooks::job::Job;

/// What a dispatch of a batch of events came to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Dispatched {
    /// Delivery jobs queued.
    pub queued: usize,
    /// Events skipped because their deliveries were already queued (a retried batch, or one
    /// the reconciler got to first).
    pub already_done: usize,
    /// The first event (index in the batch) that failed: it and every later one are to be
    /// tried again; everything before it is done and out of the outbox.
    pub failed_from: Option<usize>,
}

/// Queues the deliveries of new events, in order: to every enabled endpoint of the merchant
/// subscribed to the type, or for a test event to its one endpoint; then takes the events out
/// of the outbox. A failure stops at the event it happened on (see [`Dispatched::failed_from`]);
/// at-least-once, so receivers de-duplicate by `webhook-id`.
pub async fn dispatch(app: &App, events: &[Event]) -> Dispatched {
    let mut out = Dispatched::default();
    let ids: Vec<EventId> = events.iter().map(|e| e.id.clone()).collect();
    let pending = match store::events::undispatched_of(app, &ids).await {
        Ok(pending) => pending,
        Err(e) => {
            tracing::error!(error = %e, "reading which events are dispatched");
            out.failed_from = (!events.is_empty()).then_some(0);
            return out;
        }
    };
    // A busy merchant has many events in a batch: its endpoints are read once for all of them.
    let mut endpoints_of: HashMap<MerchantId, Vec<WebhookEndpoint>> = HashMap::new();
    // Each event's jobs, in order, up to the first event whose endpoints could not be read.
    let mut planned: Vec<(usize, Vec<Job>)> = Vec::new();
    for (i, event) in events.iter().enumerate() {
        if !pending.contains(&event.id) {
            out.already_done += 1;
            continue;
        }
        match targets(app, event, &mut endpoints_of).await {
            Ok(endpoints) => planned.push((
                i,
                endpoints
                    .into_iter()
                    .map(|e| Job {
                        event_id: event.id.clone(),
                        endpoint_id: e.id,
                    })
                    .collect(),
            )),
            Err(e) => {
                tracing::error!(error = %e, event_id = %event.id, "reading an event's endpoints");
                out.failed_from = Some(i);
                break;
            }
        }
    }
    let mut done = Vec::new();
    for (i, jobs) in planned {
        if let Err(e) = enqueue(app, &jobs).await {
            tracing::error!(error = %e, event_id = %events[i].id, "queueing deliveries");
            out.failed_from = Some(i);
            break;
        }
        out.queued += jobs.len();
        done.push(events[i].id.clone());
    }
    // Queued but still marked: the reconciler would queue them again, which receivers
    // de-duplicate. Worth a log line, not a retry of the batch.
    if let Err(e) = store::events::mark_dispatched(app, &done).await {
        tracing::warn!(error = %e, count = done.len(), "taking dispatched events out of the outbox");
    }
    out
}

async fn targets(
    app: &App,
    event: &Event,
    endpoints_of: &mut HashMap<MerchantId, Vec<WebhookEndpoint>>,
) -> Result<Vec<WebhookEndpoint>, ApiError> {
    Ok(match &event.target_endpoint {
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
                .collect()
        }
    })
}

/// Events the reconciler takes per run at most; a longer backlog takes a few runs.
pub const RECONCILE_BATCH: usize = 1000;

/// The reconciler: dispatches every event still in the outbox that was written before
/// `cutoff` (the stream had time to get to it and did not: a dispatch outage, or records older
/// than the stream keeps). Running it twice queues nothing twice.
pub async fn reconcile(
    app: &App,
    cutoff: crate::domain::Timestamp,
) -> Result<Dispatched, ApiError> {
    let events = store::events::undispatched_before(app, cutoff, RECONCILE_BATCH).await?;
    if !events.is_empty() {
        tracing::warn!(
            count = events.len(),
            "events the stream did not dispatch; dispatching them now"
        );
    }
    Ok(dispatch(app, &events).await)
}

/// Sends jobs to the deliveries queue, ten per request.
pub async fn enqueue(app: &App, jobs: &[Job]) -> Result<(), ApiError> {
    Ok(store::queue::send_all(app, &app.settings.delivery_queue_url, jobs).await?)
}
