//! The webhooks API: endpoints, their secrets, test events, the delivery log, the event log,
//! and resending.

use serde_json::{Value, json};

use super::attempt::Attempt;
use super::dispatch::enqueue;
use super::endpoint::{EndpointInput, ROTATION_OVERLAP, WebhookEndpoint};
use super::job::Job;
use super::{secrets, ssrf};
use crate::App;
use crate::auth::MerchantCaller;
use crate::domain::{Timestamp, WebUrl};
use crate::error::{ApiError, ErrorCode, FieldErrorsBuilder};
use crate::events::{Event, EventType};
use crate::ids::{AttemptId, EndpointId, EventId};
use crate::input::{JsonObject, ListParams};
use crate::store::listing::ListPage;
use crate::store::{self, StoreError};
use crate::tenant::find;
use crate::two_step::HubCheck;

/// Refuses URLs whose host resolves to an internal address (unless local mode allows it).
async fn guard_target(app: &App, url: &WebUrl) -> Result<(), ApiError> {
    let u = url.as_url();
    let host = u.host_str().unwrap_or_default();
    let port = u.port_or_known_default().unwrap_or(443);
    ssrf::check_host(host, port, app.settings.allow_private_targets)
        .await
        .map(|_| ())
        .map_err(|e| ApiError::validation("url", e.to_string()))
}

async fn owned(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
) -> Result<WebhookEndpoint, ApiError> {
    find(app, caller, raw_id).await
}

/// Times a read-modify-write starts over after a concurrent change before giving up.
const WRITE_ATTEMPTS: usize = 8;

/// Reads the caller's endpoint, applies `change`, and writes it back only if nothing changed it
/// meanwhile; after a concurrent change it starts again from a fresh read, so every write sees
/// the one before it (and a deleted endpoint is 404, never brought back).
async fn modify(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
    change: impl Fn(&mut WebhookEndpoint),
) -> Result<WebhookEndpoint, ApiError> {
    for _ in 0..WRITE_ATTEMPTS {
        let mut endpoint = owned(app, caller, raw_id).await?;
        change(&mut endpoint);
        endpoint.updated_at = Timestamp::now();
        match store::endpoints::replace(app, &endpoint).await {
            Ok(written) => return Ok(written),
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict(
        ErrorCode::ConcurrentChange,
        format!("webhook endpoint '{raw_id}' kept changing while this request ran; try again"),
    ))
}

/// Endpoints one merchant may register: every event, and every resend, goes to each of them.
pub const MAX_ENDPOINTS_PER_MERCHANT: usize = 20;

/// Registers an endpoint; answers it with its signing secret. `hub` is the Developer Hub's
/// second step, passed once the request is otherwise valid.
///
/// The cap is counted before the write, on an index that can lag a write by a moment, so
/// creates racing each other at the cap can each pass it: a merchant may end up a few over,
/// never unboundedly.
pub async fn create(
    app: &App,
    caller: &MerchantCaller,
    body: &JsonObject,
    hub: &HubCheck,
) -> Result<Value, ApiError> {
    let mut errors = FieldErrorsBuilder::default();
    let input = EndpointInput::parse(body, &app.settings.webhook_schemes, &mut errors);
    if input.url.is_none() && !body.contains("url") {
        errors.add("url", "is required");
    }
    errors.into_result()?;
    let url = input
        .url
        .ok_or_else(|| ApiError::validation("url", "is required"))?;
    let existing = store::endpoints::list(
        app,
        &caller.merchant_id,
        MAX_ENDPOINTS_PER_MERCHANT as u32,
        None,
    )
    .await?;
    if existing.items.len() >= MAX_ENDPOINTS_PER_MERCHANT {
        return Err(ApiError::validation(
            "url",
            format!(
                "a merchant can have at most {MAX_ENDPOINTS_PER_MERCHANT} webhook endpoints; \
                 delete one to add another"
            ),
        ));
    }
    guard_target(app, &url).await?;
    hub.pass(app, &caller.merchant_id).await?;
    let master = secrets::master_key(app, &caller.merchant_id, true).await?;
    let now = Timestamp::now();
    let endpoint = WebhookEndpoint {
        id: EndpointId::generate(),
        merchant_id: caller.merchant_id.clone(),
        url: url.to_string(),
        description: input.description.unwrap_or_default(),
        events: input.events.unwrap_or_default(),
        enabled: input.enabled.unwrap_or(true),
        format: input.format.unwrap_or_default(),
        headers: input.headers.unwrap_or_default(),
        disabled_reason: None,
        secret_generation: 1,
        previous_valid_until: None,
        failing_since: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    store::endpoints::insert(app, &endpoint).await?;
    let mut data = endpoint.to_json();
    data["secret"] = json!(secrets::secret_of(&master, &endpoint));
    data["token"] = json!(secrets::token_of(&master, &endpoint));
    Ok(data)
}

pub async fn get(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
) -> Result<WebhookEndpoint, ApiError> {
    owned(app, caller, raw_id).await
}

pub async fn list(
    app: &App,
    caller: &MerchantCaller,
    page: &ListParams<EndpointId>,
) -> Result<ListPage<WebhookEndpoint>, ApiError> {
    Ok(store::endpoints::list(app, &caller.merchant_id, page.limit, page.after.as_ref()).await?)
}

/// Changes URL, description, events, enabled, format or headers (given headers replace them
/// all). Enabling again clears a disabled reason and
/// the failure history.
pub async fn update(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
    body: &JsonObject,
    hub: &HubCheck,
) -> Result<WebhookEndpoint, ApiError> {
    let mut errors = FieldErrorsBuilder::default();
    let input = EndpointInput::parse(body, &app.settings.webhook_schemes, &mut errors);
    if errors.is_empty()
        && input.url.is_none()
        && input.description.is_none()
        && input.events.is_none()
        && input.enabled.is_none()
        && input.format.is_none()
        && input.headers.is_none()
    {
        errors.add(
            "url",
            "give url, description, events, enabled, format or headers to change",
        );
    }
    errors.into_result()?;
    if let Some(url) = &input.url {
        guard_target(app, url).await?;
    }
    if hub.is_required() {
        owned(app, caller, raw_id).await?;
        hub.pass(app, &caller.merchant_id).await?;
    }
    modify(app, caller, raw_id, |endpoint| {
        if let Some(url) = &input.url {
            endpoint.url = url.to_string();
        }
        if let Some(d) = &input.description {
            endpoint.description = d.clone();
        }
        if let Some(events) = &input.events {
            endpoint.events = events.clone();
        }
        if let Some(format) = input.format {
            endpoint.format = format;
        }
        if let Some(headers) = &input.headers {
            endpoint.headers = headers.clone();
        }
        if let Some(enabled) = input.enabled {
            if enabled && !endpoint.enabled {
                endpoint.disabled_reason = None;
                endpoint.failing_since = None;
            }
            endpoint.enabled = enabled;
        }
    })
    .await
}

pub async fn delete(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
    hub: &HubCheck,
) -> Result<Value, ApiError> {
    let endpoint = owned(app, caller, raw_id).await?;
    hub.pass(app, &caller.merchant_id).await?;
    store::endpoints::delete(app, &endpoint.id).await?;
    Ok(json!({"id": endpoint.id, "deleted": true}))
}

/// The current signing secret and token (and, during a rotation, until when the old secret
/// still signs).
pub async fn reveal_secret(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
    hub: &HubCheck,
) -> Result<Value, ApiError> {
    let endpoint = owned(app, caller, raw_id).await?;
    // Revealing a signing secret hands out a credential: the Hub asks for the second step.
    hub.pass(app, &caller.merchant_id).await?;
    let master = secrets::master_key(app, &caller.merchant_id, true).await?;
    Ok(json!({
        "secret": secrets::secret_of(&master, &endpoint),
        "token": secrets::token_of(&master, &endpoint),
        "previous_secret_valid_until": endpoint.previous_valid_until.filter(|t| *t > Timestamp::now()),
    }))
}

/// A new secret and token; the old secret keeps signing `webhook-signature` beside it for 24
/// hours (the `ovgc`, `onepay` and `ownpay` formats use only the new ones, at once).
pub async fn rotate_secret(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
    hub: &HubCheck,
) -> Result<Value, ApiError> {
    if hub.is_required() {
        owned(app, caller, raw_id).await?;
        hub.pass(app, &caller.merchant_id).await?;
    }
    let master = secrets::master_key(app, &caller.merchant_id, true).await?;
    // The answer is the secret of the generation this request wrote, whatever ran beside it.
    let endpoint = modify(app, caller, raw_id, |endpoint| {
        endpoint.secret_generation += 1;
        endpoint.previous_valid_until = Some(Timestamp::now().plus(ROTATION_OVERLAP));
    })
    .await?;
    Ok(json!({
        "secret": secrets::secret_of(&master, &endpoint),
        "token": secrets::token_of(&master, &endpoint),
        "previous_secret_valid_until": endpoint.previous_valid_until,
    }))
}

/// Sends a `webhook.test` event to this endpoint, through the normal delivery path.
pub async fn send_test(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
) -> Result<Value, ApiError> {
    let endpoint = owned(app, caller, raw_id).await?;
    let event = Event::test(&caller.merchant_id, &endpoint.id, Timestamp::now());
    store::events::put(app, &event).await?;
    Ok(event.to_json())
}

pub async fn deliveries(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
    page: &ListParams<AttemptId>,
) -> Result<ListPage<Attempt>, ApiError> {
    let endpoint = owned(app, caller, raw_id).await?;
    Ok(store::deliveries::for_endpoint(app, &endpoint.id, page.limit, page.after.as_ref()).await?)
}

pub async fn events(
    app: &App,
    caller: &MerchantCaller,
    kind: Option<&str>,
    page: &ListParams<EventId>,
) -> Result<ListPage<Event>, ApiError> {
    let kind = kind
        .map(|k| {
            EventType::parse(k).ok_or_else(|| {
                ApiError::bad_query("type", format!("must be one of {}", EventType::names(true)))
            })
        })
        .transpose()?;
    Ok(store::events::list(
        app,
        &caller.merchant_id,
        kind,
        page.limit,
        page.after.as_ref(),
    )
    .await?)
}

/// One event with every delivery attempt of it.
pub async fn event(app: &App, caller: &MerchantCaller, raw_id: &str) -> Result<Value, ApiError> {
    let event: Event = find(app, caller, raw_id).await?;
    let attempts = store::deliveries::for_event(app, &event.id).await?;
    let mut data = event.to_json();
    data["attempts"] = json!(attempts.iter().map(Attempt::to_json).collect::<Vec<_>>());
    Ok(data)
}

/// Delivers an event again (same `webhook-id`): to `endpoint_id`, or to every enabled
/// endpoint subscribed to its type.
pub async fn resend(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
    body: &JsonObject,
) -> Result<Value, ApiError> {
    let event: Event = find(app, caller, raw_id).await?;
    let endpoint_id = body
        .string("endpoint_id")
        .map_err(|e| ApiError::validation("endpoint_id", e))?;
    let targets: Vec<WebhookEndpoint> = match endpoint_id {
        Some(raw) => {
            let endpoint = owned(app, caller, &raw)
                .await
                .map_err(|_| ApiError::validation("endpoint_id", "no such webhook endpoint"))?;
            if !endpoint.format.carries(event.kind) {
                return Err(ApiError::validation(
                    "endpoint_id",
                    format!(
                        "this endpoint's format ({}) does not carry {} events",
                        endpoint.format.as_str(),
                        event.kind.as_str()
                    ),
                ));
            }
            vec![endpoint]
        }
        None => store::endpoints::all_of(app, &caller.merchant_id)
            .await?
            .into_iter()
            .filter(|e| {
                e.enabled
                    && (e.subscribes(event.kind) || event.target_endpoint.as_ref() == Some(&e.id))
            })
            .collect(),
    };
    let jobs: Vec<Job> = targets
        .iter()
        .map(|e| Job {
            event_id: event.id.clone(),
            endpoint_id: e.id.clone(),
        })
        .collect();
    enqueue(app, &jobs).await?;
    Ok(json!({
        "event_id": event.id,
        "queued": jobs.iter().map(|j| j.endpoint_id.clone()).collect::<Vec<_>>(),
    }))
}
