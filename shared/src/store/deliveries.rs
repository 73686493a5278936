//! Delivery attempts: partition `endpoint_id`, sort `id` (time-ordered); index `by_event`
//! (`event_id`, `id`). Kept 30 days.

use aws_sdk_dynamodb::types::AttributeValue;

use super::listing::{ListPage, NewestFirst};
use super::{StoreError, put_item, to_item};
use crate::App;
use crate::ids::{AttemptId, EndpointId, EventId};
use crate::webhooks::attempt::Attempt;

const RETENTION: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// One write per attempt.
pub async fn record(app: &App, attempt: &Attempt) -> Result<(), StoreError> {
    let mut item = to_item(attempt)?;
    item.insert(
        "ttl".into(),
        AttributeValue::N(attempt.created_at.plus(RETENTION).unix().to_string()),
    );
    put_item(app, &app.settings.deliveries_table, item, None).await
}

pub async fn for_endpoint(
    app: &App,
    endpoint: &EndpointId,
    limit: u32,
    after: Option<&AttemptId>,
) -> Result<ListPage<Attempt>, StoreError> {
    NewestFirst {
        table: &app.settings.deliveries_table,
        index: None,
        partition: ("endpoint_id", endpoint.to_string()),
        sort_key: "id",
        limit,
        after: after.map(ToString::to_string),
    }
    .fetch(app, |a: &Attempt| a.id.as_str())
    .await
}

pub async fn for_event(app: &App, event: &EventId) -> Result<Vec<Attempt>, StoreError> {
    let page = NewestFirst {
        table: &app.settings.deliveries_table,
        index: Some("by_event"),
        partition: ("event_id", event.to_string()),
        sort_key: "id",
        limit: 100,
        after: None,
    }
    .fetch(app, |a: &Attempt| a.id.as_str())
    .await?;
    Ok(page.items)
}

/// The attempts to `endpoint` made at or after `since`, oldest first, at most `cap` of them;
/// the flag says whether more were left unread. Attempt ids are time-ordered, so this is a
/// key-range query on the endpoint's partition, never a scan.
pub async fn since(
    app: &App,
    endpoint: &EndpointId,
    since: crate::domain::Timestamp,
    cap: usize,
) -> Result<(Vec<Attempt>, bool), StoreError> {
    let from = AttemptId::lower_bound(since);
    let mut attempts = Vec::new();
    let mut start = None;
    loop {
        let out = app
            .dynamodb
            .query()
            .table_name(&app.settings.deliveries_table)
            .key_condition_expression("endpoint_id = :ep AND id >= :from")
            .expression_attribute_values(":ep", AttributeValue::S(endpoint.to_string()))
            .expression_attribute_values(":from", AttributeValue::S(from.clone()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(super::classify)?;
        for item in out.items.unwrap_or_default() {
            if attempts.len() == cap {
                return Ok((attempts, true));
            }
            attempts.push(super::from_item(item)?);
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok((attempts, false));
        }
    }
}
