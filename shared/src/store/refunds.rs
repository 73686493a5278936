//! Refund items: partition `transaction_id`, sort `id` (time-ordered), and the writes that hold
//! and settle a refund's amount on its transaction.
//!
//! A refund is made in two steps so the processor is called only for an amount already held:
//! [`hold`] writes the refund (pending) and raises the transaction's `refund_held_minor`, in one
//! transaction conditional on the value it read, so concurrent refunds can never hold more than
//! was paid; [`settle`] then records the processor's answer with its events.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::dynamo::{Transacted, transact};
use super::dynamo::{n, s};
use super::listing::{Filter, ListPage, Numbered, NumberedPage};
use super::transactions::GuardItem;
use super::{StoreError, classify, from_item, to_item};
use crate::App;
use crate::domain::{Currency, Money, Timestamp};
use crate::events::Event;
use crate::ids::{MerchantId, RefundId, TransactionId};
use crate::input::encode_cursor;
use crate::payments::transaction::{PaymentStatus, Transaction};
use crate::refunds::refund::{Refund, RefundStatus};

/// How long a refund's `Idempotency-Key` is remembered.
const IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(24 * 3600);

#[derive(Serialize, Deserialize)]
struct RefundItem {
    transaction_id: TransactionId,
    id: RefundId,
    merchant_id: MerchantId,
    amount_minor: i64,
    currency: String,
    status: RefundStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure_reason: Option<String>,
    fingerprint: String,
    created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    processor_refund_id: Option<String>,
}

impl From<&Refund> for RefundItem {
    fn from(r: &Refund) -> Self {
        Self {
            transaction_id: r.transaction_id.clone(),
            id: r.id.clone(),
            merchant_id: r.merchant_id.clone(),
            amount_minor: r.amount.minor(),
            currency: r.amount.currency().code().to_owned(),
            status: r.status,
            reason: r.reason.clone(),
            failure_reason: r.failure_reason.clone(),
            fingerprint: r.fingerprint.clone(),
            created_at: r.created_at,
            processor_refund_id: r.processor_refund_id.clone(),
        }
    }
}

impl TryFrom<RefundItem> for Refund {
    type Error = StoreError;

    fn try_from(i: RefundItem) -> Result<Self, StoreError> {
        let bad = |what: &str| StoreError::corrupt(i.id.to_string(), what);
        let currency = Currency::parse(&i.currency).map_err(|_| bad("currency"))?;
        Ok(Self {
            amount: Money::from_minor(i.amount_minor, currency).map_err(|_| bad("amount"))?,
            id: i.id,
            transaction_id: i.transaction_id,
            merchant_id: i.merchant_id,
            status: i.status,
            reason: i.reason,
            failure_reason: i.failure_reason,
            fingerprint: i.fingerprint,
            created_at: i.created_at,
            processor_refund_id: i.processor_refund_id,
        })
    }
}

fn idempotency_guard_key(merchant: &MerchantId, key: &str) -> String {
    format!("refund-idem#{merchant}#{key}")
}

fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Dynamo(e.to_string()))
}

/// `SET <counter> = :new`, only if the counter still holds `old` (absent counts as 0).
fn counter_update(
    app: &App,
    txn: &Transaction,
    counter: &str,
    old: i64,
    new: i64,
    extra_sets: &[(&str, AttributeValue)],
    condition: &str,
) -> Result<TransactWriteItem, StoreError> {
    let mut values = HashMap::from([(":old".to_owned(), n(old)), (":new".to_owned(), n(new))]);
    let mut sets = vec![format!("{counter} = :new")];
    for (i, (name, value)) in extra_sets.iter().enumerate() {
        sets.push(super::transactions::set_clause(name, &format!(":x{i}")));
        values.insert(format!(":x{i}"), value.clone());
    }
    let unchanged = if old == 0 {
        format!("(attribute_not_exists({counter}) OR {counter} = :old)")
    } else {
        format!("{counter} = :old")
    };
    let condition = format!("{unchanged}{condition}");
    let uses_status = condition.contains("#st") || sets.iter().any(|set| set.contains("#st"));
    let names = uses_status.then(|| HashMap::from([("#st".to_owned(), "status".to_owned())]));
    if condition.contains(":paid") {
        values.insert(":paid".into(), s(PaymentStatus::Paid.as_str()));
    }
    let update = built(
        Update::builder()
            .table_name(&app.settings.transactions_table)
            .key("pk", s(txn.id.to_string()))
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(Some(values))
            .build(),
    )?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// What [`hold`] found.
pub enum Hold {
    Held,
    /// The transaction changed since it was read (another refund, or it is no longer paid):
    /// read it again and decide again.
    Stale,
    /// The `Idempotency-Key` was used before.
    Duplicate(Earlier),
}

/// The refund an `Idempotency-Key` made, and the fingerprint of the request that made it.
#[derive(Debug, Clone)]
pub struct Earlier {
    pub transaction_id: TransactionId,
    pub refund_id: RefundId,
    pub fingerprint: String,
}

/// What an `Idempotency-Key` made before, if it is still remembered.
pub async fn replay_of(
    app: &App,
    merchant: &MerchantId,
    key: &str,
) -> Result<Option<Earlier>, StoreError> {
    read_guard(app, &idempotency_guard_key(merchant, key), Timestamp::now()).await
}

/// Writes `refund` (pending) and holds its amount on `txn` as read, with the refund's
/// `Idempotency-Key` guard, in one transaction.
pub async fn hold(
    app: &App,
    txn: &Transaction,
    refund: &Refund,
    idempotency_key: Option<&str>,
    now: Timestamp,
    reconcile_after: Duration,
) -> Result<Hold, StoreError> {
    let old = txn.refund_held_minor;
    // Marked for the reconciliation sweep from the start: a refund whose answer is lost, or
    // whose function stops before it records one, is still asked about.
    let mark = super::transactions::reconcile_mark(&txn.id, now, now.plus(reconcile_after));
    let mut items = vec![counter_update(
        app,
        txn,
        "refund_held_minor",
        old,
        old + refund.amount.minor(),
        &mark,
        " AND #st = :paid",
    )?];
    let put = built(
        Put::builder()
            .table_name(&app.settings.refunds_table)
            .set_item(Some(to_item(&RefundItem::from(refund))?))
            .condition_expression("attribute_not_exists(id)")
            .build(),
    )?;
    items.push(TransactWriteItem::builder().put(put).build());
    let guard_key = idempotency_key.map(|k| idempotency_guard_key(&refund.merchant_id, k));
    if let Some(pk) = &guard_key {
        let guard = built(
            Put::builder()
                .table_name(&app.settings.transactions_table)
                .item("pk", s(pk.clone()))
                .item("transaction_id", s(refund.transaction_id.to_string()))
                .item("refund_id", s(refund.id.to_string()))
                .item("fingerprint", s(refund.fingerprint.clone()))
                .item("ttl", n(now.plus(IDEMPOTENCY_WINDOW).unix()))
                // A guard past its window counts as absent even before TTL deletes it.
                .condition_expression("attribute_not_exists(pk) OR #ttl < :now")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":now", n(now.unix()))
                .build(),
        )?;
        items.push(TransactWriteItem::builder().put(guard).build());
    }
    let outcome = transact(app, items).await?;
    if outcome == Transacted::Written {
        return Ok(Hold::Held);
    }
    if let Some(pk) = &guard_key
        && outcome.condition_failed(2)
        && let Some(earlier) = read_guard(app, pk, now).await?
    {
        return Ok(Hold::Duplicate(earlier));
    }
    // The transaction changed (or a concurrent transaction touched it): read it again.
    Ok(Hold::Stale)
}

async fn read_guard(app: &App, pk: &str, now: Timestamp) -> Result<Option<Earlier>, StoreError> {
    let Some(found) = GuardItem::read(app, pk, now).await? else {
        return Ok(None);
    };
    Ok(Some(Earlier {
        transaction_id: found.id("transaction_id")?,
        refund_id: found.id("refund_id")?,
        fingerprint: found.text("fingerprint")?,
    }))
}

/// Records the processor's answer for a held refund, with its events, in one transaction:
/// succeeded raises `refunded_minor` (and marks the transaction `refunded` once all of it is);
/// failed gives the held amount back. `txn` is the transaction as read just before: a
/// concurrent change answers `Stale`, to read again; a refund no longer pending is `Done`.
pub async fn settle(
    app: &App,
    txn: &Transaction,
    settled: &Refund,
    events: &[Event],
) -> Result<Settle, StoreError> {
    let amount = settled.amount.minor();
    let counter = match settled.status {
        RefundStatus::Succeeded => {
            let new = txn.refunded_minor + amount;
            let mut extra = Vec::new();
            if new == txn.amount.minor() {
                extra.push(("#st", s(PaymentStatus::Refunded.as_str())));
            }
            counter_update(
                app,
                txn,
                "refunded_minor",
                txn.refunded_minor,
                new,
                &extra,
                "",
            )?
        }
        RefundStatus::Failed => counter_update(
            app,
            txn,
            "refund_held_minor",
            txn.refund_held_minor,
            txn.refund_held_minor - amount,
            &[],
            "",
        )?,
        RefundStatus::Pending => return Err(StoreError::Dynamo("settling to pending".into())),
    };
    let mut values = HashMap::from([
        (":pending".to_owned(), s(RefundStatus::Pending.as_str())),
        (":new".to_owned(), s(settled.status.as_str())),
    ]);
    let mut expression = "SET #st = :new".to_owned();
    if let Some(reason) = &settled.failure_reason {
        expression.push_str(", failure_reason = :reason");
        values.insert(":reason".into(), s(reason.clone()));
    }
    let refund = built(
        Update::builder()
            .table_name(&app.settings.refunds_table)
            .key("transaction_id", s(settled.transaction_id.to_string()))
            .key("id", s(settled.id.to_string()))
            .update_expression(expression)
            .condition_expression("#st = :pending")
            .expression_attribute_names("#st", "status")
            .set_expression_attribute_values(Some(values))
            .build(),
    )?;
    let mut items = vec![TransactWriteItem::builder().update(refund).build(), counter];
    for event in events {
        items.push(super::events::put_in_transaction(app, event)?);
    }
    let outcome = transact(app, items).await?;
    Ok(match outcome {
        Transacted::Written => Settle::Settled,
        _ if outcome.condition_failed(0) => Settle::Done,
        Transacted::Cancelled(_) => Settle::Stale,
    })
}

pub enum Settle {
    Settled,
    /// The transaction changed since it was read: read it again and settle again.
    Stale,
    /// The refund was already settled (by another attempt).
    Done,
}

pub async fn get(
    app: &App,
    transaction: &TransactionId,
    id: &RefundId,
) -> Result<Option<Refund>, StoreError> {
    let out = app
        .dynamodb
        .get_item()
        .table_name(&app.settings.refunds_table)
        .key("transaction_id", s(transaction.to_string()))
        .key("id", s(id.to_string()))
        .consistent_read(true)
        .send()
        .await
        .map_err(classify)?;
    out.item
        .map(|item| from_item::<RefundItem>(item)?.try_into())
        .transpose()
}

/// One page of a transaction's refunds, newest first, read strongly consistent so a refund
/// just made is listed.
pub async fn page(
    app: &App,
    transaction: &TransactionId,
    limit: u32,
    after: Option<&RefundId>,
) -> Result<ListPage<Refund>, StoreError> {
    let mut query = app
        .dynamodb
        .query()
        .table_name(&app.settings.refunds_table)
        .key_condition_expression("transaction_id = :t")
        .expression_attribute_values(":t", s(transaction.to_string()))
        .scan_index_forward(false)
        .consistent_read(true)
        .limit(limit as i32);
    if let Some(after) = after {
        query = query
            .exclusive_start_key("transaction_id", s(transaction.to_string()))
            .exclusive_start_key("id", s(after.to_string()));
    }
    let out = query.send().await.map_err(classify)?;
    let items: Vec<Refund> = out
        .items
        .unwrap_or_default()
        .into_iter()
        .map(|item| from_item::<RefundItem>(item)?.try_into())
        .collect::<Result<_, _>>()?;
    let next_cursor = match (&out.last_evaluated_key, items.last()) {
        (Some(_), Some(last)) => Some(encode_cursor(last.id.as_str())),
        _ => None,
    };
    Ok(ListPage { items, next_cursor })
}

/// A transaction's refunds, newest first (a handful per transaction).
pub async fn of_transaction(
    app: &App,
    transaction: &TransactionId,
) -> Result<Vec<Refund>, StoreError> {
    let mut refunds = Vec::new();
    let mut start = None;
    loop {
        let out = app
            .dynamodb
            .query()
            .table_name(&app.settings.refunds_table)
            .key_condition_expression("transaction_id = :t")
            .expression_attribute_values(":t", s(transaction.to_string()))
            .scan_index_forward(false)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(classify)?;
        for item in out.items.unwrap_or_default() {
            refunds.push(from_item::<RefundItem>(item)?.try_into()?);
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(refunds);
        }
    }
}

/// Page `page` of a merchant's refunds created within `created` (inclusive), newest first,
/// optionally of one status or one transaction, and how many match (see [`Numbered`]).
pub async fn numbered_page(
    app: &App,
    merchant: &MerchantId,
    filter: &RefundFilter,
    page: u32,
    per_page: u32,
) -> Result<NumberedPage<Refund>, StoreError> {
    let mut expression = Vec::new();
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    if let Some(status) = filter.status {
        expression.push("#st = :st");
        names.insert("#st".to_owned(), "status".to_owned());
        values.insert(":st".to_owned(), s(status.as_str()));
    }
    if let Some(txn) = &filter.transaction {
        expression.push("transaction_id = :txn");
        values.insert(":txn".to_owned(), s(txn.to_string()));
    }
    let found = Numbered {
        table: &app.settings.refunds_table,
        index: "by_merchant",
        partition: ("merchant_id", merchant.to_string()),
        sort_key: "id",
        key: &["transaction_id", "id"],
        range: Some((
            RefundId::lower_bound(filter.created.0),
            RefundId::lower_bound(filter.created.1.plus(Duration::from_secs(1))),
        )),
        filter: (!expression.is_empty()).then(|| Filter {
            expression: expression.join(" AND "),
            names,
            values,
        }),
        page,
        per_page,
    }
    .fetch::<RefundItem>(app)
    .await?;
    Ok(NumberedPage {
        items: found
            .items
            .into_iter()
            .map(Refund::try_from)
            .collect::<Result<_, _>>()?,
        total: found.total,
    })
}

/// Which of a merchant's refunds a numbered page lists.
#[derive(Debug, Clone)]
pub struct RefundFilter {
    pub status: Option<RefundStatus>,
    pub transaction: Option<TransactionId>,
    /// Created from the first instant to the second, inclusive.
    pub created: (Timestamp, Timestamp),
}
