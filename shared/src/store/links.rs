//! Payment link items: `id`; index `by_merchant` (`merchant_id`, `id`). `paid_count` is only
//! ever changed by [`count_paid_in_transaction`], inside the write that marks a payment paid.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::dynamo::{n, s};
use super::listing::{ListPage, NewestFirst};
use super::{StoreError, classify, from_item, get_item, put_item, to_item};
use crate::App;
use crate::domain::{Currency, Metadata, Money, Timestamp, WebUrl};
use crate::ids::{MerchantId, PaymentLinkId};
use crate::links::{LinkChange, LinkPrice, PaymentLink};

#[derive(Serialize, Deserialize)]
struct LinkItem {
    id: PaymentLinkId,
    merchant_id: MerchantId,
    title: String,
    currency: String,
    /// A fixed price, or the bounds of the customer's choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    amount_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantity_limit: Option<u32>,
    #[serde(default)]
    paid_count: u64,
    #[serde(default)]
    reserved: u64,
    active: bool,
    success_url: String,
    cancel_url: String,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
    url: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<&PaymentLink> for LinkItem {
    fn from(l: &PaymentLink) -> Self {
        let (amount, min, max) = match l.price {
            LinkPrice::Fixed(m) => (Some(m.minor()), None, None),
            LinkPrice::CustomerChooses { min, max } => (None, Some(min.minor()), Some(max.minor())),
        };
        Self {
            id: l.id.clone(),
            merchant_id: l.merchant_id.clone(),
            title: l.title.clone(),
            currency: l.price.currency().code().to_owned(),
            amount_minor: amount,
            min_minor: min,
            max_minor: max,
            quantity_limit: l.quantity_limit,
            paid_count: l.paid_count,
            reserved: l.reserved,
            active: l.active,
            success_url: l.success_url.as_str().to_owned(),
            cancel_url: l.cancel_url.as_str().to_owned(),
            metadata: l.metadata.as_map().clone(),
            url: l.url.clone(),
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

impl TryFrom<LinkItem> for PaymentLink {
    type Error = StoreError;

    fn try_from(i: LinkItem) -> Result<Self, StoreError> {
        let key = i.id.to_string();
        let bad = |what: &str| StoreError::corrupt(key.clone(), what);
        let currency = Currency::parse(&i.currency).map_err(|_| bad("currency"))?;
        let money = |minor: i64| Money::from_minor(minor, currency).map_err(|_| bad("amount"));
        let price = match (i.amount_minor, i.min_minor, i.max_minor) {
            (Some(amount), None, None) => LinkPrice::Fixed(money(amount)?),
            (None, Some(min), Some(max)) => LinkPrice::CustomerChooses {
                min: money(min)?,
                max: money(max)?,
            },
            _ => return Err(bad("price")),
        };
        Ok(Self {
            success_url: WebUrl::parse(&i.success_url).map_err(|_| bad("success_url"))?,
            cancel_url: WebUrl::parse(&i.cancel_url).map_err(|_| bad("cancel_url"))?,
            id: i.id,
            merchant_id: i.merchant_id,
            title: i.title,
            price,
            quantity_limit: i.quantity_limit,
            paid_count: i.paid_count,
            reserved: i.reserved,
            active: i.active,
            metadata: Metadata::from_map(i.metadata),
            url: i.url,
            created_at: i.created_at,
            updated_at: i.updated_at,
        })
    }
}

fn decode(item: HashMap<String, AttributeValue>) -> Result<PaymentLink, StoreError> {
    from_item::<LinkItem>(item)?.try_into()
}

pub async fn insert(app: &App, link: &PaymentLink) -> Result<(), StoreError> {
    put_item(
        app,
        &app.settings.payment_links_table,
        to_item(&LinkItem::from(link))?,
        Some("attribute_not_exists(id)"),
    )
    .await
}

super::owned!(PaymentLink, PaymentLinkId, "payment link", merchant_id);

pub async fn get(app: &App, id: &PaymentLinkId) -> Result<Option<PaymentLink>, StoreError> {
    get_item::<LinkItem>(
        app,
        &app.settings.payment_links_table,
        ("id", id.to_string()),
        true,
    )
    .await?
    .map(PaymentLink::try_from)
    .transpose()
}

pub async fn list(
    app: &App,
    merchant: &MerchantId,
    limit: u32,
    after: Option<&PaymentLinkId>,
) -> Result<ListPage<PaymentLink>, StoreError> {
    let page = NewestFirst {
        table: &app.settings.payment_links_table,
        index: Some("by_merchant"),
        partition: ("merchant_id", merchant.to_string()),
        sort_key: "id",
        limit,
        after: after.map(ToString::to_string),
    }
    .fetch(app, |l: &LinkItem| l.id.as_str())
    .await?;
    Ok(ListPage {
        items: page
            .items
            .into_iter()
            .map(PaymentLink::try_from)
            .collect::<Result<_, _>>()?,
        next_cursor: page.next_cursor,
    })
}

/// Writes only the fields `change` names, so a payment counted meanwhile is never overwritten;
/// answers the link as it is after the write.
pub async fn update(
    app: &App,
    id: &PaymentLinkId,
    change: &LinkChange,
    now: Timestamp,
) -> Result<PaymentLink, StoreError> {
    let mut sets = vec!["updated_at = :now".to_owned()];
    let mut removes = Vec::new();
    let mut values = HashMap::from([(":now".to_owned(), s(now.to_rfc3339()))]);
    if let Some(title) = &change.title {
        sets.push("title = :title".into());
        values.insert(":title".into(), s(title.as_str()));
    }
    if let Some(active) = change.active {
        sets.push("active = :active".into());
        values.insert(":active".into(), AttributeValue::Bool(active));
    }
    match change.quantity_limit {
        Some(Some(limit)) => {
            sets.push("quantity_limit = :limit".into());
            values.insert(":limit".into(), AttributeValue::N(limit.to_string()));
        }
        Some(None) => removes.push("quantity_limit"),
        None => {}
    }
    if let Some(url) = &change.success_url {
        sets.push("success_url = :success".into());
        values.insert(":success".into(), s(url.as_str()));
    }
    if let Some(url) = &change.cancel_url {
        sets.push("cancel_url = :cancel".into());
        values.insert(":cancel".into(), s(url.as_str()));
    }
    if let Some(metadata) = &change.metadata {
        sets.push("metadata = :metadata".into());
        let map = metadata
            .as_map()
            .iter()
            .map(|(k, v)| (k.clone(), s(v.clone())))
            .collect();
        values.insert(":metadata".into(), AttributeValue::M(map));
    }
    let mut expression = format!("SET {}", sets.join(", "));
    if !removes.is_empty() {
        expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
    }
    let out = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.payment_links_table)
        .key("id", s(id.to_string()))
        .update_expression(expression)
        .condition_expression("attribute_exists(id)")
        .set_expression_attribute_values(Some(values))
        .return_values(ReturnValue::AllNew)
        .send()
        .await
        .map_err(classify)?;
    decode(out.attributes.unwrap_or_default())
}

/// Adds `delta` to the link's counter `attribute`, as one item of the caller's transaction.
/// No condition: nothing about the link may stop the payment's own change from being recorded.
fn add_in_transaction(
    app: &App,
    id: &PaymentLinkId,
    attribute: &str,
    delta: i64,
) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(&app.settings.payment_links_table)
        .key("id", s(id.to_string()))
        .update_expression("ADD #counter :delta")
        .expression_attribute_names("#counter", attribute)
        .expression_attribute_values(":delta", n(delta))
        .build()
        .map_err(|e| StoreError::Dynamo(e.to_string()))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// The increment of a link's paid payments, for the transaction that marks one paid.
pub(crate) fn count_paid_in_transaction(
    app: &App,
    id: &PaymentLinkId,
) -> Result<TransactWriteItem, StoreError> {
    add_in_transaction(app, id, "paid_count", 1)
}

/// Takes a unit of the link's quantity for a payment about to start: `false` when `limit`
/// units are held (paid, or being paid). One conditional write, so concurrent visits never
/// hold more than the limit. Without a limit the unit is counted all the same, so that giving
/// it back stays exact.
pub async fn reserve(
    app: &App,
    id: &PaymentLinkId,
    limit: Option<u32>,
) -> Result<bool, StoreError> {
    let mut req = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.payment_links_table)
        .key("id", s(id.to_string()))
        .update_expression("ADD reserved :one")
        .expression_attribute_values(":one", n(1));
    req = match limit {
        Some(limit) => req
            .condition_expression(
                "attribute_exists(id) AND (attribute_not_exists(reserved) OR reserved < :limit)",
            )
            .expression_attribute_values(":limit", n(limit)),
        None => req.condition_expression("attribute_exists(id)"),
    };
    match req.send().await.map_err(classify) {
        Ok(_) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Gives back a unit taken for a payment that was not started.
pub async fn release(app: &App, id: &PaymentLinkId) -> Result<(), StoreError> {
    app.dynamodb
        .update_item()
        .table_name(&app.settings.payment_links_table)
        .key("id", s(id.to_string()))
        .update_expression("ADD reserved :minus")
        .condition_expression("attribute_exists(id)")
        .expression_attribute_values(":minus", n(-1))
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

/// Gives back the unit of a payment that ended unpaid (expired, declined, canceled), for the
/// transaction that records it.
pub(crate) fn release_in_transaction(
    app: &App,
    id: &PaymentLinkId,
) -> Result<TransactWriteItem, StoreError> {
    add_in_transaction(app, id, "reserved", -1)
}

/// Counts a visit that starts a payment in the link's current minute; `false` when `limit`
/// were already counted in it. One conditional write: the same minute under the limit adds
/// one, a later minute starts again at one.
pub async fn count_visit(
    app: &App,
    id: &PaymentLinkId,
    now: Timestamp,
    limit: u32,
) -> Result<bool, StoreError> {
    let minute = AttributeValue::N((now.unix() / 60).to_string());
    let one = AttributeValue::N("1".into());
    let update = || {
        app.dynamodb
            .update_item()
            .table_name(&app.settings.payment_links_table)
            .key("id", s(id.to_string()))
            .expression_attribute_values(":m", minute.clone())
            .expression_attribute_values(":one", one.clone())
    };
    // Twice: a visit that loses the race to start a new minute counts in it on the second go.
    for _ in 0..2 {
        let same = update()
            .update_expression("ADD visits :one")
            .condition_expression("visit_minute = :m AND visits < :limit")
            .expression_attribute_values(":limit", AttributeValue::N(limit.to_string()))
            .send()
            .await
            .map_err(classify);
        match same {
            Ok(_) => return Ok(true),
            Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e),
        }
        let fresh = update()
            .update_expression("SET visit_minute = :m, visits = :one")
            .condition_expression(
                "attribute_exists(id) AND (attribute_not_exists(visit_minute) OR visit_minute < :m)",
            )
            .send()
            .await
            .map_err(classify);
        match fresh {
            Ok(_) => return Ok(true),
            Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}
