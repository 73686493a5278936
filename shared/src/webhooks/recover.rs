//! Getting deliveries going again after an outage: re-sending what failed to one endpoint since
//! a time (`POST /webhook-endpoints/{id}/recover`), and moving the jobs in the dead-letter queue
//! back to the delivery queue (`POST /dead-letters/redrive`, the operator's).
//!
//! Both only queue jobs for events that exist: each delivery keeps its event's `webhook-id`, so
//! a receiver that already has one recognises it. Running either twice queues twice; nothing is
//! lost either way.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use super::dispatch::enqueue;
use super::endpoint::WebhookEndpoint;
use super::job::Job;
use crate::App;
use crate::auth::MerchantCaller;
use crate::domain::Timestamp;
use crate::error::{ApiError, ErrorCode};
use crate::ids::EventId;
use crate::input::JsonObject;
use crate::store;
use crate::tenant::find;

/// How far back a recovery may reach: attempts are kept 30 days.
pub const RECOVER_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);
/// Events re-sent by one call at most; the answer says where to continue.
pub const RECOVER_MAX_EVENTS: usize = 1000;
/// Attempts read by one call at most (a failed delivery is a handful of attempts).
const RECOVER_MAX_ATTEMPTS: usize = 20_000;

/// Outcomes that end a delivery without it arriving.
fn gave_up(outcome: &str) -> bool {
    matches!(outcome, "failed" | "endpoint_disabled")
}

/// Re-sends every event whose delivery to the endpoint ended failed at or after `since` (and
/// was not delivered by a later attempt), oldest first.
pub async fn recover(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
    body: &JsonObject,
) -> Result<Value, ApiError> {
    // The endpoint first: another merchant's is 404 whatever the body says.
    let endpoint: WebhookEndpoint = find(app, caller, raw_id).await?;
    let now = Timestamp::now();
    let since = parse_since(body, now)?;
    if !endpoint.enabled {
        return Err(ApiError::Conflict(
            ErrorCode::InvalidState,
            "this endpoint is disabled: enable it, then recover its failed deliveries".into(),
        ));
    }
    // One recovery per endpoint at a time: concurrent ones would each queue every failed event.
    let until = now.plus(RECOVERY_LEASE);
    if !store::endpoints::begin_recovery(app, &endpoint.id, now, until).await? {
        return Err(ApiError::Conflict(
            ErrorCode::ConcurrentChange,
            "a recovery of this endpoint is running; its deliveries are being queued, so try \
             again once it has answered"
                .into(),
        ));
    }
    let queued = queue_failed(app, &endpoint, since).await;
    store::endpoints::end_recovery(app, &endpoint.id, until).await?;
    let (jobs, more, next_since) = queued?;
    Ok(json!({
        "endpoint_id": endpoint.id,
        "since": since,
        "queued": jobs.len(),
        "event_ids": jobs.iter().map(|j| j.event_id.clone()).collect::<Vec<_>>(),
        "more": more,
        "next_since": if more { next_since } else { None },
    }))
}

/// How long a recovery may hold its endpoint before another may start (it answers in seconds).
const RECOVERY_LEASE: Duration = Duration::from_secs(120);

/// Queues a delivery of each event whose delivery to `endpoint` ended failed since `since`:
/// the jobs, whether more are left, and where a follow-up call starts.
async fn queue_failed(
    app: &App,
    endpoint: &WebhookEndpoint,
    since: Timestamp,
) -> Result<(Vec<Job>, bool, Option<Timestamp>), ApiError> {
    let (attempts, unread) =
        store::deliveries::since(app, &endpoint.id, since, RECOVER_MAX_ATTEMPTS).await?;
    // The last attempt of each event decides: oldest event first, by its first attempt here.
    let mut last: BTreeMap<EventId, (usize, &str, Timestamp)> = BTreeMap::new();
    for (i, a) in attempts.iter().enumerate() {
        let first = last.get(&a.event_id).map_or(i, |(first, ..)| *first);
        last.insert(
            a.event_id.clone(),
            (first, a.outcome.as_str(), a.created_at),
        );
    }
    let mut failed: Vec<(usize, EventId, Timestamp)> = last
        .into_iter()
        .filter(|(_, (_, outcome, _))| gave_up(outcome))
        .map(|(event, (first, _, at))| (first, event, at))
        .collect();
    failed.sort();
    let more = failed.len() > RECOVER_MAX_EVENTS || unread;
    // Where a follow-up call starts: after the last event queued now.
    let next_since = failed
        .get(RECOVER_MAX_EVENTS)
        .map(|(first, ..)| attempts[*first].created_at)
        .or_else(|| {
            unread
                .then(|| attempts.last().map(|a| a.created_at))
                .flatten()
        });
    failed.truncate(RECOVER_MAX_EVENTS);
    let jobs: Vec<Job> = failed
        .iter()
        .map(|(_, event, _)| Job {
            event_id: event.clone(),
            endpoint_id: endpoint.id.clone(),
        })
        .collect();
    enqueue(app, &jobs).await?;
    Ok((jobs, more, next_since))
}

fn parse_since(body: &JsonObject, now: Timestamp) -> Result<Timestamp, ApiError> {
    let raw = body
        .string("since")
        .map_err(|e| ApiError::validation("since", e))?
        .ok_or_else(|| ApiError::validation("since", "is required"))?;
    let since = Timestamp::parse(raw.trim()).ok_or_else(|| {
        ApiError::validation(
            "since",
            "must be an RFC 3339 time such as 2026-11-23T08:00:00Z",
        )
    })?;
    if since > now {
        return Err(ApiError::validation("since", "must not be in the future"));
    }
    if since.plus(RECOVER_WINDOW) < now {
        return Err(ApiError::validation(
            "since",
            "must be within the last 30 days (older attempts are no longer kept)",
        ));
    }
    Ok(since)
}

/// The dead-letter queue of webhook deliveries, as the operator sees it.
pub async fn dead_letters(app: &App) -> Result<Value, ApiError> {
    Ok(json!({
        "queue_url": app.settings.delivery_dlq_url,
        "approximate_messages": approximate_messages(app).await?,
    }))
}

async fn approximate_messages(app: &App) -> Result<u64, ApiError> {
    let queue = &app.settings.delivery_dlq_url;
    Ok(store::queue::approximate_messages(app, queue).await?)
}

/// Most jobs one redrive moves when the request names no `max`.
pub const REDRIVE_DEFAULT: u64 = 1000;
pub const REDRIVE_MAX: i64 = 10_000;

/// Moves up to `max` jobs from the dead-letter queue back to the delivery queue, each as a
/// fresh delivery (attempt 1). A message that is not a delivery job stays where it is, counted.
/// A job is deleted from the dead-letter queue only once it is queued again.
pub async fn redrive(app: &App, body: &JsonObject) -> Result<Value, ApiError> {
    let max = match body
        .integer("max")
        .map_err(|e| ApiError::validation("max", e))?
    {
        None => REDRIVE_DEFAULT,
        Some(n) if (1..=REDRIVE_MAX).contains(&n) => n as u64,
        Some(_) => {
            return Err(ApiError::validation(
                "max",
                format!("must be between 1 and {REDRIVE_MAX}"),
            ));
        }
    };
    let (mut moved, mut unreadable) = (0u64, 0u64);
    while moved < max {
        let batch = (max - moved).min(10) as i32;
        // Hidden long enough to queue and delete this batch; an unreadable message shows
        // again after it, for the operator to inspect.
        let dlq = &app.settings.delivery_dlq_url;
        let messages = store::queue::receive(app, dlq, batch, Duration::from_secs(60)).await?;
        if messages.is_empty() {
            break;
        }
        let mut jobs = Vec::new();
        let mut done = Vec::new();
        for m in messages {
            match serde_json::from_str::<Job>(&m.body) {
                Ok(job) => {
                    jobs.push(job);
                    done.push(m.receipt_handle);
                }
                Err(_) => unreadable += 1,
            }
        }
        enqueue(app, &jobs).await?;
        store::queue::delete_all(app, dlq, &done).await?;
        moved += jobs.len() as u64;
        if jobs.is_empty() {
            // Only unreadable messages are left in view.
            break;
        }
    }
    Ok(json!({
        "moved": moved,
        "unreadable": unreadable,
        "approximate_remaining": approximate_messages(app).await?,
    }))
}
