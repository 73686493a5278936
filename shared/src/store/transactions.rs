//! Transaction items and the uniqueness guards written beside them.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::dynamo::{Transacted, n, s, transact};
use super::listing::{Filter, ListPage, Numbered, NumberedPage};
use super::{StoreError, classify, from_item, to_item};
use crate::App;
use crate::domain::{Currency, Email, Metadata, Money, OrderUuid, Timestamp, WebUrl};
use crate::events::{Event, EventType};
use crate::ids::{MerchantId, PaymentLinkId, TransactionId};
use crate::input::encode_cursor;
use crate::payments::dispute::{Dispute, DisputeStatus};
use crate::payments::transaction::{Card, PaymentStatus, ReturnStyle, Transaction};
use crate::processor::ProcessorKind;

/// How long an `Idempotency-Key` is remembered.
const IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Attempts when DynamoDB reports a conflicting concurrent transaction on the same guard.
const CONFLICT_ATTEMPTS: u32 = 5;
/// Query pages read at most per list call when a filter discards items.
const MAX_FILTERED_PAGES: usize = 5;

#[derive(Serialize, Deserialize)]
struct TransactionItem {
    pk: TransactionId,
    merchant_id: MerchantId,
    order_uuid: String,
    status: PaymentStatus,
    amount_minor: i64,
    currency: String,
    email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    product_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
    url: String,
    success_url: String,
    cancel_url: String,
    created_at: Timestamp,
    expires_at: Timestamp,
    /// `expires_at` as a number, for filter expressions.
    expires_at_epoch: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    paid_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    card: Option<Card>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decline_reason: Option<String>,
    fingerprint: String,
    #[serde(default)]
    checkout_token: String,
    /// Minor units refunded, and held by refunds (succeeded or pending); absent reads as 0.
    #[serde(default)]
    refunded_minor: i64,
    #[serde(default)]
    refund_held_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    processor: Option<ProcessorKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    processor_payment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    livemode: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    processor_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payment_link_id: Option<PaymentLinkId>,
    /// While processing: the submission that holds the claim, and until when it holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claim_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claim_until_epoch: Option<i64>,
    /// Present only while pending: puts the item in the sparse `pending_by_expiry` index,
    /// spread over a few partitions so heavy traffic does not heat one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending_shard: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    charge_attempt: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dispute: Option<DisputeItem>,
    #[serde(default, skip_serializing_if = "ReturnStyle::is_default")]
    return_style: ReturnStyle,
    /// Present only while an outcome is unknown or a refund pending: puts the item in the
    /// sparse `reconcile_due` index the reconciliation sweep reads (see [`due_for_reconcile`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reconcile_shard: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reconcile_at_epoch: Option<i64>,
    /// Changes with every mark, so a sweep clears only the mark it saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reconcile_token: Option<String>,
    /// When the oldest thing still unresolved became unknown or pending, for the alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reconcile_since_epoch: Option<i64>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Serialize, Deserialize)]
struct DisputeItem {
    id: String,
    status: DisputeStatus,
    amount_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    created_at: Timestamp,
}

impl From<&Dispute> for DisputeItem {
    fn from(d: &Dispute) -> Self {
        Self {
            id: d.id.clone(),
            status: d.status,
            amount_minor: d.amount.minor(),
            reason: d.reason.clone(),
            created_at: d.created_at,
        }
    }
}

/// Partitions of the `pending_by_expiry` index.
pub const PENDING_SHARDS: u32 = 8;

fn pending_shard(id: &TransactionId) -> String {
    let last = id.as_str().bytes().last().unwrap_or(0);
    format!("p{}", u32::from(last) % PENDING_SHARDS)
}

impl From<&Transaction> for TransactionItem {
    fn from(t: &Transaction) -> Self {
        Self {
            pk: t.id.clone(),
            merchant_id: t.merchant_id.clone(),
            order_uuid: t.order_uuid.as_str().to_owned(),
            status: t.status,
            amount_minor: t.amount.minor(),
            currency: t.amount.currency().code().to_owned(),
            email: t.email.as_str().to_owned(),
            product_title: t.product_title.clone(),
            first_name: t.first_name.clone(),
            last_name: t.last_name.clone(),
            metadata: t.metadata.as_map().clone(),
            url: t.url.clone(),
            success_url: t.success_url.as_str().to_owned(),
            cancel_url: t.cancel_url.as_str().to_owned(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            expires_at_epoch: t.expires_at.unix(),
            paid_at: t.paid_at,
            card: t.card.clone(),
            decline_reason: t.decline_reason.clone(),
            fingerprint: t.fingerprint.clone(),
            checkout_token: t.checkout_token.clone(),
            refunded_minor: t.refunded_minor,
            refund_held_minor: t.refund_held_minor,
            processor: t.processor,
            processor_payment_id: t.processor_payment_id.clone(),
            livemode: t.livemode,
            processor_account: t.processor_account.clone(),
            payment_link_id: t.payment_link_id.clone(),
            claim_id: None,
            claim_until_epoch: None,
            pending_shard: (t.status == PaymentStatus::Pending).then(|| pending_shard(&t.id)),
            charge_attempt: t.charge_attempt,
            dispute: t.dispute.as_ref().map(DisputeItem::from),
            return_style: t.return_style,
            reconcile_shard: None,
            reconcile_at_epoch: None,
            reconcile_token: None,
            reconcile_since_epoch: None,
        }
    }
}

impl TryFrom<TransactionItem> for Transaction {
    type Error = StoreError;

    fn try_from(i: TransactionItem) -> Result<Self, StoreError> {
        let key = i.pk.to_string();
        let bad = |what: &str| StoreError::corrupt(key.clone(), what);
        let currency = Currency::parse(&i.currency).map_err(|_| bad("currency"))?;
        let dispute = match i.dispute {
            Some(d) => Some(Dispute {
                amount: Money::from_minor(d.amount_minor, currency)
                    .map_err(|_| bad("dispute amount"))?,
                id: d.id,
                status: d.status,
                reason: d.reason,
                created_at: d.created_at,
            }),
            None => None,
        };
        Ok(Self {
            amount: Money::from_minor(i.amount_minor, currency).map_err(|_| bad("amount"))?,
            order_uuid: OrderUuid::parse(&i.order_uuid).map_err(|_| bad("order_uuid"))?,
            email: Email::parse(&i.email).map_err(|_| bad("email"))?,
            success_url: WebUrl::parse(&i.success_url).map_err(|_| bad("success_url"))?,
            cancel_url: WebUrl::parse(&i.cancel_url).map_err(|_| bad("cancel_url"))?,
            id: i.pk,
            merchant_id: i.merchant_id,
            status: i.status,
            product_title: i.product_title,
            first_name: i.first_name,
            last_name: i.last_name,
            metadata: Metadata::from_map(i.metadata),
            url: i.url,
            created_at: i.created_at,
            expires_at: i.expires_at,
            paid_at: i.paid_at,
            card: i.card,
            decline_reason: i.decline_reason,
            fingerprint: i.fingerprint,
            checkout_token: i.checkout_token,
            refunded_minor: i.refunded_minor,
            refund_held_minor: i.refund_held_minor,
            processor: i.processor,
            processor_payment_id: i.processor_payment_id,
            livemode: i.livemode,
            processor_account: i.processor_account,
            payment_link_id: i.payment_link_id,
            charge_attempt: i.charge_attempt,
            dispute,
            return_style: i.return_style,
        })
    }
}

fn decode(item: HashMap<String, AttributeValue>) -> Result<Transaction, StoreError> {
    from_item::<TransactionItem>(item)?.try_into()
}

/// Which uniqueness rule a guard enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    Order,
    Idempotency,
}

/// A guard found in place: the transaction it protects and that request's fingerprint.
#[derive(Debug, Clone)]
pub struct GuardHit {
    pub guard: Guard,
    pub transaction_id: TransactionId,
    pub fingerprint: String,
    /// For an order guard: every transaction made for the order, oldest first (the last is
    /// `transaction_id`).
    pub attempts: Vec<TransactionId>,
}

pub enum Insert {
    Created,
    /// A guard already existed; nothing was written.
    Duplicate(Vec<GuardHit>),
}

fn order_guard_key(merchant: &MerchantId, order_uuid: &OrderUuid) -> String {
    format!("order#{merchant}#{order_uuid}")
}

fn idempotency_guard_key(merchant: &MerchantId, key: &str) -> String {
    format!("idem#{merchant}#{key}")
}

/// Writes the transaction and its guards in one DynamoDB transaction (one round trip).
///
/// `retry_of` is the order guard of an earlier transaction for the same order that ended
/// unpaid: the guard then moves to the new transaction, only if it still points at that one.
pub async fn insert(
    app: &App,
    txn: &Transaction,
    idempotency_key: Option<&str>,
    retry_of: Option<&GuardHit>,
) -> Result<Insert, StoreError> {
    let table = &app.settings.transactions_table;
    let now = Timestamp::now();
    let guard = |pk: String| {
        HashMap::from([
            ("pk".to_owned(), s(pk)),
            ("transaction_id".to_owned(), s(txn.id.to_string())),
            ("fingerprint".to_owned(), s(txn.fingerprint.clone())),
        ])
    };
    let mut order = guard(order_guard_key(&txn.merchant_id, &txn.order_uuid));
    let mut attempts: Vec<AttributeValue> = retry_of
        .map(|hit| hit.attempts.iter().map(|id| s(id.to_string())).collect())
        .unwrap_or_default();
    attempts.push(s(txn.id.to_string()));
    order.insert("attempts".into(), AttributeValue::L(attempts));
    let mut guards = vec![(
        Guard::Order,
        order_guard_key(&txn.merchant_id, &txn.order_uuid),
        order,
    )];
    if let Some(key) = idempotency_key {
        let pk = idempotency_guard_key(&txn.merchant_id, key);
        let mut item = guard(pk.clone());
        item.insert("ttl".into(), n(now.plus(IDEMPOTENCY_WINDOW).unix()));
        guards.push((Guard::Idempotency, pk, item));
    }

    let put = |item: HashMap<String, AttributeValue>, guard: Option<Guard>| {
        let mut put = Put::builder().table_name(table).set_item(Some(item));
        put = match (guard, retry_of) {
            (Some(Guard::Order), Some(previous)) => put
                .condition_expression("transaction_id = :previous")
                .expression_attribute_values(":previous", s(previous.transaction_id.to_string())),
            (None | Some(Guard::Order), _) => put.condition_expression("attribute_not_exists(pk)"),
            // An idempotency guard past its window counts as absent even before TTL deletes it.
            (Some(Guard::Idempotency), _) => put
                .condition_expression("attribute_not_exists(pk) OR #ttl < :now")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":now", n(now.unix())),
        };
        put.build()
            .map(|p| TransactWriteItem::builder().put(p).build())
            .map_err(|e| StoreError::Dynamo(e.to_string()))
    };
    let mut items = vec![put(to_item(&TransactionItem::from(txn))?, None)?];
    for (kind, _, item) in &guards {
        items.push(put(item.clone(), Some(*kind))?);
    }
    // The event goes last so cancellation reasons keep the guards at indexes 1 and 2.
    let created = Event::for_transaction(EventType::PaymentCreated, txn, txn.created_at);
    items.push(super::events::put_in_transaction(app, &created)?);

    for attempt in 1..=CONFLICT_ATTEMPTS {
        let outcome = transact(app, items.clone()).await?;
        if outcome == Transacted::Written {
            return Ok(Insert::Created);
        }
        // Item 0 is the transaction; guards follow in order.
        let failed: Vec<&(Guard, String, _)> = guards
            .iter()
            .enumerate()
            .filter(|(i, _)| outcome.condition_failed(i + 1))
            .map(|(_, g)| g)
            .collect();
        if !failed.is_empty() {
            let mut hits = Vec::new();
            for (kind, pk, _) in failed {
                if let Some(hit) = read_guard(app, *kind, pk).await? {
                    hits.push(hit);
                }
            }
            if !hits.is_empty() {
                return Ok(Insert::Duplicate(hits));
            }
        }
        // A concurrent transaction held a guard (TransactionConflict) or an expired guard
        // vanished between write and read: try again shortly.
        tokio::time::sleep(Duration::from_millis(15 * u64::from(attempt))).await;
    }
    Err(StoreError::Throttled(
        "transaction kept conflicting with concurrent writes".into(),
    ))
}

/// A uniqueness guard of the transactions table, read strongly consistent, as its text fields;
/// `None` when it is absent or, for a guard that carries a `ttl`, past it (TTL deletion lags).
pub(crate) struct GuardItem<'a> {
    pk: &'a str,
    item: HashMap<String, AttributeValue>,
}

impl GuardItem<'_> {
    pub(crate) async fn read<'a>(
        app: &App,
        pk: &'a str,
        now: Timestamp,
    ) -> Result<Option<GuardItem<'a>>, StoreError> {
        let out = app
            .dynamodb
            .get_item()
            .table_name(&app.settings.transactions_table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let ttl = item
            .get("ttl")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<i64>().ok());
        if ttl.is_some_and(|t| t < now.unix()) {
            return Ok(None);
        }
        Ok(Some(GuardItem { pk, item }))
    }

    pub(crate) fn text(&self, name: &str) -> Result<String, StoreError> {
        self.item
            .get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .ok_or_else(|| StoreError::corrupt(self.pk, format!("guard without {name}")))
    }

    /// A field holding an id of type `I`.
    pub(crate) fn id<I: crate::ids::PrefixedId>(&self, name: &str) -> Result<I, StoreError> {
        I::parse(&self.text(name)?)
            .ok_or_else(|| StoreError::corrupt(self.pk, format!("guard with a bad {name}")))
    }
}

async fn read_guard(app: &App, guard: Guard, pk: &str) -> Result<Option<GuardHit>, StoreError> {
    // An idempotency guard lapses with its ttl; an order guard carries none.
    let Some(found) = GuardItem::read(app, pk, Timestamp::now()).await? else {
        return Ok(None);
    };
    let item = &found.item;
    let transaction_id: TransactionId = found.id("transaction_id")?;
    // Guards written before orders could be retried name one transaction only.
    let attempts = match item.get("attempts").and_then(|v| v.as_l().ok()) {
        Some(list) => list
            .iter()
            .map(|v| v.as_s().ok().and_then(|id| TransactionId::parse(id)))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| StoreError::corrupt(pk, "guard with a bad attempt"))?,
        None => vec![transaction_id.clone()],
    };
    Ok(Some(GuardHit {
        guard,
        transaction_id,
        fingerprint: found.text("fingerprint")?,
        attempts,
    }))
}

super::owned!(Transaction, TransactionId, "transaction", merchant_id);

/// A transaction by id (strongly consistent, so a create is visible to the next read).
pub async fn get(app: &App, id: &TransactionId) -> Result<Option<Transaction>, StoreError> {
    let out = app
        .dynamodb
        .get_item()
        .table_name(&app.settings.transactions_table)
        .key("pk", s(id.to_string()))
        .consistent_read(true)
        .send()
        .await
        .map_err(classify)?;
    out.item.map(decode).transpose()
}

/// Every transaction made for an order, newest first.
pub async fn find_by_order(
    app: &App,
    merchant: &MerchantId,
    order_uuid: &OrderUuid,
) -> Result<Vec<Transaction>, StoreError> {
    let Some(hit) = read_guard(app, Guard::Order, &order_guard_key(merchant, order_uuid)).await?
    else {
        return Ok(Vec::new());
    };
    let mut found = Vec::with_capacity(hit.attempts.len());
    for id in hit.attempts.iter().rev() {
        if let Some(txn) = get(app, id).await?.filter(|t| &t.merchant_id == merchant) {
            found.push(txn);
        }
    }
    Ok(found)
}

/// The filter that keeps transactions whose status, as clients see it at `now`, is `status`
/// (a pending transaction past its expiry reads as expired).
fn status_filter(status: PaymentStatus, now: Timestamp) -> Filter {
    let (expression, uses_now) = match status {
        PaymentStatus::Pending => ("#st = :pending AND expires_at_epoch > :now", true),
        PaymentStatus::Expired => (
            "#st = :expired OR (#st = :pending AND expires_at_epoch <= :now)",
            true,
        ),
        PaymentStatus::Processing => ("#st = :processing", false),
        PaymentStatus::Canceled => ("#st = :canceled", false),
        PaymentStatus::Refunded => ("#st = :refunded", false),
        PaymentStatus::Paid => ("#st = :paid", false),
        PaymentStatus::Declined => ("#st = :declined", false),
    };
    let mut values = HashMap::new();
    for st in [
        "pending",
        "processing",
        "expired",
        "paid",
        "declined",
        "canceled",
        "refunded",
    ] {
        if expression.contains(&format!(":{st}")) {
            values.insert(format!(":{st}"), s(st));
        }
    }
    if uses_now {
        values.insert(":now".to_owned(), n(now.unix()));
    }
    Filter {
        expression: expression.to_owned(),
        names: HashMap::from([("#st".to_owned(), "status".to_owned())]),
        values,
    }
}

/// Page `page` of a merchant's transactions created within `created` (inclusive), optionally of
/// one status, and how many match (see [`Numbered`]).
pub async fn numbered_page(
    app: &App,
    merchant: &MerchantId,
    status: Option<PaymentStatus>,
    created: (Timestamp, Timestamp),
    now: Timestamp,
    page: u32,
    per_page: u32,
) -> Result<NumberedPage<Transaction>, StoreError> {
    let found = Numbered {
        table: &app.settings.transactions_table,
        index: "by_merchant",
        partition: ("merchant_id", merchant.to_string()),
        sort_key: "pk",
        key: &["pk"],
        range: Some((
            TransactionId::lower_bound(created.0),
            TransactionId::lower_bound(created.1.plus(Duration::from_secs(1))),
        )),
        filter: status.map(|st| status_filter(st, now)),
        page,
        per_page,
    }
    .fetch::<TransactionItem>(app)
    .await?;
    Ok(NumberedPage {
        items: found
            .items
            .into_iter()
            .map(Transaction::try_from)
            .collect::<Result<_, _>>()?,
        total: found.total,
    })
}

/// A merchant's transactions, newest first, from the `by_merchant` index. A status filter is
/// applied by DynamoDB (with expiry taken into account), reading a few pages at most to fill
/// the requested size.
pub async fn list(
    app: &App,
    merchant: &MerchantId,
    status: Option<PaymentStatus>,
    now: Timestamp,
    limit: u32,
    after: Option<&TransactionId>,
) -> Result<ListPage<Transaction>, StoreError> {
    let mut items = Vec::new();
    let mut start = after.map(|id| {
        HashMap::from([
            ("merchant_id".to_owned(), s(merchant.to_string())),
            ("pk".to_owned(), s(id.to_string())),
        ])
    });
    let mut last_seen: Option<String> = None;
    for _ in 0..MAX_FILTERED_PAGES {
        let remaining = limit as usize - items.len();
        let mut query = app
            .dynamodb
            .query()
            .table_name(&app.settings.transactions_table)
            .index_name("by_merchant")
            .key_condition_expression("merchant_id = :m")
            .expression_attribute_values(":m", s(merchant.to_string()))
            .scan_index_forward(false)
            .limit(remaining as i32)
            .set_exclusive_start_key(start.take());
        if let Some(filter) = status.map(|st| status_filter(st, now)) {
            query = query
                .filter_expression(filter.expression)
                .set_expression_attribute_names(Some(filter.names));
            for (k, v) in filter.values {
                query = query.expression_attribute_values(k, v);
            }
        }
        let out = query.send().await.map_err(classify)?;
        for item in out.items.unwrap_or_default() {
            items.push(decode(item)?);
        }
        match out.last_evaluated_key {
            Some(key) => {
                last_seen = key.get("pk").and_then(|v| v.as_s().ok()).cloned();
                if items.len() >= limit as usize {
                    break;
                }
                start = Some(key);
            }
            None => {
                last_seen = None;
                break;
            }
        }
    }
    Ok(ListPage {
        items,
        next_cursor: last_seen.map(|id| encode_cursor(&id)),
    })
}

/// How long a checkout submission holds a transaction while the processor charges: longer
/// than the checkout function may run, so a live holder is never overtaken, short enough that a
/// holder that died frees the payment for the customer's next try.
pub const CLAIM_HOLD: Duration = Duration::from_secs(30);

/// A submission's hold on a transaction, taken before any charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim(String);

/// The processor, mode and account a charge goes through, recorded when it is claimed so that
/// refunds and late answers go back to the same one.
#[derive(Debug, Clone, Copy)]
pub struct ChargedBy<'a> {
    pub kind: ProcessorKind,
    pub livemode: bool,
    pub account: Option<&'a str>,
}

/// Takes the transaction for one checkout submission: pending and unexpired (or held by a
/// submission whose hold has lapsed) becomes processing, in one conditional write. Only the
/// winner charges; `ConditionFailed` means another submission holds it or it is no longer
/// payable, and nothing may be charged.
pub async fn claim(
    app: &App,
    id: &TransactionId,
    now: Timestamp,
    hold: Duration,
    by: ChargedBy<'_>,
) -> Result<(Transaction, Claim), StoreError> {
    let claim = Claim(crate::crypto::random_secret());
    let mut expression = "SET #st = :processing, claim_id = :claim, claim_until_epoch = :until, \
                          processor = :processor, livemode = :live"
        .to_owned();
    expression.push_str(match by.account {
        Some(_) => ", processor_account = :account",
        None => " REMOVE processor_account",
    });
    let mut update = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.transactions_table)
        .key("pk", s(id.to_string()))
        .update_expression(expression)
        .condition_expression(
            "expires_at_epoch > :now AND (#st = :pending \
             OR (#st = :processing AND claim_until_epoch < :now))",
        )
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":processing", s("processing"))
        .expression_attribute_values(":pending", s("pending"))
        .expression_attribute_values(":claim", s(claim.0.clone()))
        .expression_attribute_values(":until", n(now.plus(hold).unix()))
        .expression_attribute_values(":now", n(now.unix()))
        .expression_attribute_values(":processor", s(by.kind.as_str()))
        .expression_attribute_values(":live", AttributeValue::Bool(by.livemode));
    if let Some(account) = by.account {
        update = update.expression_attribute_values(":account", s(account));
    }
    let out = update
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send()
        .await
        .map_err(classify)?;
    Ok((decode(out.attributes.unwrap_or_default())?, claim))
}

/// Who may move a processing transaction on: the checkout submission holding its claim, or
/// (once that submission could not learn the charge's outcome) the sweep that reconciles it.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    Claim(&'a Claim),
    /// The mark the sweep saw (its token), left by [`keep_unknown`].
    Unknown(&'a str),
}

impl Holder<'_> {
    /// The condition, and its values, that the transaction is still so held.
    fn condition(&self, values: &mut HashMap<String, AttributeValue>) -> &'static str {
        values.insert(":processing".into(), s("processing"));
        match self {
            Self::Claim(claim) => {
                values.insert(":claim".into(), s(claim.0.clone()));
                "#st = :processing AND claim_id = :claim"
            }
            Self::Unknown(token) => {
                values.insert(":token".into(), s(*token));
                "#st = :processing AND reconcile_token = :token"
            }
        }
    }
}

/// One conditional update of a held transaction; `ConditionFailed` when it is no longer held.
async fn update_held(
    app: &App,
    id: &TransactionId,
    holder: Holder<'_>,
    expression: &str,
    mut values: HashMap<String, AttributeValue>,
) -> Result<(), StoreError> {
    let condition = holder.condition(&mut values);
    app.dynamodb
        .update_item()
        .table_name(&app.settings.transactions_table)
        .key("pk", s(id.to_string()))
        .update_expression(expression)
        .condition_expression(condition)
        .expression_attribute_names("#st", "status")
        .set_expression_attribute_values(Some(values))
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

/// Keeps a held transaction processing while the customer's bank asks them to confirm (and
/// the sweeper away from it), recording the processor's payment id that will settle it.
pub async fn await_bank(
    app: &App,
    id: &TransactionId,
    holder: Holder<'_>,
    payment_id: &str,
    until: Timestamp,
) -> Result<(), StoreError> {
    let values = HashMap::from([
        (":pid".to_owned(), s(payment_id)),
        (":until".to_owned(), n(until.unix())),
    ]);
    update_held(
        app,
        id,
        holder,
        "SET processor_payment_id = :pid, claim_until_epoch = :until \
         REMOVE reconcile_shard, reconcile_at_epoch, reconcile_token, reconcile_since_epoch",
        values,
    )
    .await
}

/// Gives a held transaction back (pending) once the processor is known to have charged
/// nothing, so the customer can try again, under a new idempotency key; a no-op if it is no
/// longer held.
pub async fn release(app: &App, id: &TransactionId, holder: Holder<'_>) -> Result<(), StoreError> {
    let values = HashMap::from([
        (":pending".to_owned(), s("pending")),
        (":one".to_owned(), n(1)),
    ]);
    let result = update_held(
        app,
        id,
        holder,
        "SET #st = :pending ADD charge_attempt :one \
         REMOVE claim_id, claim_until_epoch, reconcile_shard, reconcile_at_epoch, reconcile_token, \
         reconcile_since_epoch",
        values,
    )
    .await;
    match result {
        Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e),
    }
}

/// How long nothing but the reconciliation sweep may move a transaction whose charge has an
/// unknown outcome: past any expiry, so neither a new submission nor the expiry sweep can.
const UNKNOWN_HOLD: Duration = Duration::from_secs(366 * 24 * 3600);

/// A charge's outcome is unknown: the transaction stays processing, kept from new submissions
/// and from expiry, and is marked for the reconciliation sweep from `reconcile_at`.
pub async fn keep_unknown(
    app: &App,
    id: &TransactionId,
    claim: &Claim,
    now: Timestamp,
    reconcile_at: Timestamp,
) -> Result<(), StoreError> {
    let mut values = HashMap::from([(":until".to_owned(), n(now.plus(UNKNOWN_HOLD).unix()))]);
    let mut sets = vec!["claim_until_epoch = :until".to_owned()];
    for (name, value) in reconcile_mark(id, now, reconcile_at) {
        sets.push(set_clause(name, &format!(":{name}")));
        values.insert(format!(":{name}"), value);
    }
    update_held(
        app,
        id,
        Holder::Claim(claim),
        &format!("SET {}", sets.join(", ")),
        values,
    )
    .await
}

/// Partitions of the `reconcile_due` index.
const RECONCILE_SHARDS: u32 = 8;

/// The attributes that put a transaction in the `reconcile_due` index from `at`, with a fresh
/// token; `reconcile_since_epoch` keeps an earlier value (see [`set_clause`]).
pub(crate) fn reconcile_mark(
    id: &TransactionId,
    now: Timestamp,
    at: Timestamp,
) -> [(&'static str, AttributeValue); 4] {
    let last = id.as_str().bytes().last().unwrap_or(0);
    [
        (
            "reconcile_shard",
            s(format!("r{}", u32::from(last) % RECONCILE_SHARDS)),
        ),
        ("reconcile_at_epoch", n(at.unix())),
        ("reconcile_token", s(crate::crypto::random_secret())),
        (RECONCILE_SINCE, n(now.unix())),
    ]
}

const RECONCILE_SINCE: &str = "reconcile_since_epoch";

/// `name = placeholder`, except that the time something first became unresolved is kept.
pub(crate) fn set_clause(name: &str, placeholder: &str) -> String {
    if name == RECONCILE_SINCE {
        format!("{name} = if_not_exists({name}, {placeholder})")
    } else {
        format!("{name} = {placeholder}")
    }
}

/// A transaction the reconciliation sweep is due to look at, with its mark.
pub struct Due {
    pub txn: Transaction,
    /// When it became due.
    pub at: Timestamp,
    /// When the oldest thing still unresolved about it became unknown or pending.
    pub since: Timestamp,
    pub token: String,
}

/// Transactions marked for reconciliation whose time has come, oldest first per partition,
/// from the sparse `reconcile_due` index.
pub async fn due_for_reconcile(
    app: &App,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<Due>, StoreError> {
    let mut due = Vec::new();
    for shard in 0..RECONCILE_SHARDS {
        let mut start = None;
        loop {
            let out = app
                .dynamodb
                .query()
                .table_name(&app.settings.transactions_table)
                .index_name("reconcile_due")
                .key_condition_expression("reconcile_shard = :r AND reconcile_at_epoch <= :now")
                .expression_attribute_values(":r", s(format!("r{shard}")))
                .expression_attribute_values(":now", n(now.unix()))
                .set_exclusive_start_key(start)
                .limit(100)
                .send()
                .await
                .map_err(classify)?;
            for item in out.items.unwrap_or_default() {
                let at = item
                    .get("reconcile_at_epoch")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse::<i64>().ok());
                let token = item
                    .get("reconcile_token")
                    .and_then(|v| v.as_s().ok())
                    .cloned();
                let since = item
                    .get(RECONCILE_SINCE)
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse::<i64>().ok());
                let txn = decode(item)?;
                let (Some(at), Some(token)) = (at, token) else {
                    return Err(StoreError::corrupt(
                        txn.id.to_string(),
                        "a bad reconcile mark",
                    ));
                };
                due.push(Due {
                    txn,
                    at: Timestamp::from_unix(at),
                    since: Timestamp::from_unix(since.unwrap_or(at)),
                    token,
                });
            }
            start = out.last_evaluated_key;
            if start.is_none() || due.len() >= limit {
                break;
            }
        }
        if due.len() >= limit {
            break;
        }
    }
    Ok(due)
}

/// Takes a transaction out of the `reconcile_due` index once nothing about it is unknown or
/// pending, unless it was marked again since the sweep read `token`.
pub async fn clear_reconcile(app: &App, id: &TransactionId, token: &str) -> Result<(), StoreError> {
    let result = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.transactions_table)
        .key("pk", s(id.to_string()))
        .update_expression(
            "REMOVE reconcile_shard, reconcile_at_epoch, reconcile_token, reconcile_since_epoch",
        )
        .condition_expression("reconcile_token = :token")
        .expression_attribute_values(":token", s(token))
        .send()
        .await
        .map_err(classify);
    match result {
        Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Keeps a lapsed processing transaction the processor could not decide yet from the expiry
/// sweep until `until`, so it does not hold up the ones behind it.
pub async fn postpone_expiry(
    app: &App,
    id: &TransactionId,
    now: Timestamp,
    until: Timestamp,
) -> Result<(), StoreError> {
    let result = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.transactions_table)
        .key("pk", s(id.to_string()))
        .update_expression("SET claim_until_epoch = :until")
        .condition_expression("#st = :processing AND claim_until_epoch < :now")
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":processing", s("processing"))
        .expression_attribute_values(":now", n(now.unix()))
        .expression_attribute_values(":until", n(until.unix()))
        .send()
        .await
        .map_err(classify);
    match result {
        Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Moves the mark of a transaction the sweep could not settle to `at`, so it is asked about
/// again then rather than at every run.
pub async fn postpone_reconcile(
    app: &App,
    id: &TransactionId,
    token: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    let result = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.transactions_table)
        .key("pk", s(id.to_string()))
        .update_expression("SET reconcile_at_epoch = :at")
        .condition_expression("reconcile_token = :token")
        .expression_attribute_values(":token", s(token))
        .expression_attribute_values(":at", n(at.unix()))
        .send()
        .await
        .map_err(classify);
    match result {
        Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Moves a recorded dispute to a new open status, only if it still has the status `seen`.
pub async fn update_dispute(
    app: &App,
    id: &TransactionId,
    dispute: &Dispute,
    seen: DisputeStatus,
) -> Result<(), StoreError> {
    app.dynamodb
        .update_item()
        .table_name(&app.settings.transactions_table)
        .key("pk", s(id.to_string()))
        .update_expression("SET dispute = :d")
        .condition_expression("dispute.id = :id AND dispute.#dst = :seen")
        .expression_attribute_names("#dst", "status")
        .expression_attribute_values(
            ":d",
            AttributeValue::M(to_item(&DisputeItem::from(dispute))?),
        )
        .expression_attribute_values(":id", s(dispute.id.clone()))
        .expression_attribute_values(":seen", s(seen.as_str()))
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

/// Records the processor's report of a dispute on the payment, with its event, once: a
/// dispute opened is recorded if the transaction has no record of it; a dispute closed, if the
/// record is not closed yet. `ConditionFailed` when already so recorded.
pub async fn record_dispute(
    app: &App,
    txn: &Transaction,
    dispute: &Dispute,
    event: &Event,
) -> Result<(), StoreError> {
    let item = AttributeValue::M(to_item(&DisputeItem::from(dispute))?);
    let mut update = aws_sdk_dynamodb::types::Update::builder()
        .table_name(&app.settings.transactions_table)
        .key("pk", s(txn.id.to_string()))
        .update_expression("SET dispute = :d")
        .expression_attribute_values(":d", item)
        .expression_attribute_values(":id", s(dispute.id.clone()));
    update = if dispute.status.is_closed() {
        update
            .condition_expression(
                "attribute_not_exists(dispute) OR dispute.id <> :id \
                 OR NOT (dispute.#dst IN (:won, :lost, :wclosed))",
            )
            .expression_attribute_names("#dst", "status")
            .expression_attribute_values(":won", s(DisputeStatus::Won.as_str()))
            .expression_attribute_values(":lost", s(DisputeStatus::Lost.as_str()))
            .expression_attribute_values(":wclosed", s(DisputeStatus::WarningClosed.as_str()))
    } else {
        update.condition_expression("attribute_not_exists(dispute) OR dispute.id <> :id")
    };
    let update = update
        .build()
        .map_err(|e| StoreError::Dynamo(e.to_string()))?;
    let items = vec![
        TransactWriteItem::builder().update(update).build(),
        super::events::put_in_transaction(app, event)?,
    ];
    match transact(app, items).await? {
        Transacted::Written => Ok(()),
        Transacted::Cancelled(_) => Err(StoreError::ConditionFailed),
    }
}

/// The state a [`finish`] moves a transaction from.
#[derive(Debug, Clone, Copy)]
pub enum FromState<'a> {
    /// Canceling: pending, unexpired and not claimed by a checkout submission.
    Payable,
    /// Settling after the customer's bank step: processing, awaiting this processor payment.
    AwaitingBank(&'a str),
    /// Settling from the processor's own report (its webhook) about this payment: any state
    /// before an outcome; a success is recorded even past expiry, since the money has moved.
    Reported { payment_id: &'a str, paid: bool },
    /// Settling a charge: only its holder (the submission, or the reconciliation sweep) may.
    Held(Holder<'a>),
    /// Expiring: pending (or held by a submission whose hold lapsed) and past `expires_at`.
    Due,
}

/// Moves a transaction to its final state together with the event that records it, in one
/// DynamoDB transaction conditional on `from`; `ConditionFailed` if it is no longer in that
/// state, so a transaction changes state at most once.
pub async fn finish(
    app: &App,
    from: FromState<'_>,
    before: &Transaction,
    after: &Transaction,
    event: &Event,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut names = HashMap::from([("#st".to_owned(), "status".to_owned())]);
    let mut values = HashMap::from([(":new".to_owned(), s(after.status.as_str()))]);
    let mut sets = vec!["#st = :new"];
    if let Some(paid_at) = after.paid_at {
        sets.push("paid_at = :paid_at");
        values.insert(":paid_at".into(), s(paid_at.to_rfc3339()));
    }
    if let Some(card) = &after.card {
        sets.push("card = :card");
        values.insert(
            ":card".into(),
            AttributeValue::M(HashMap::from([
                ("brand".to_owned(), s(card.brand.clone())),
                ("last4".to_owned(), s(card.last4.clone())),
            ])),
        );
    }
    if let Some(payment_id) = &after.processor_payment_id {
        sets.push("processor_payment_id = :payment_id");
        values.insert(":payment_id".into(), s(payment_id.clone()));
    }
    if let Some(processor) = after.processor {
        sets.push("processor = :processor");
        values.insert(":processor".into(), s(processor.as_str()));
    }
    if let Some(live) = after.livemode {
        sets.push("livemode = :live");
        values.insert(":live".into(), AttributeValue::Bool(live));
    }
    if let Some(reason) = &after.decline_reason {
        sets.push("decline_reason = :reason");
        values.insert(":reason".into(), s(reason.clone()));
    }
    let condition = match from {
        // A charge that succeeded is settled even if the clock passed `expires_at` meanwhile:
        // the claim kept the sweeper away, and the money has moved.
        FromState::Held(holder) => holder.condition(&mut values),
        FromState::AwaitingBank(payment_id) => {
            values.insert(":processing".into(), s("processing"));
            values.insert(":pid".into(), s(payment_id));
            "#st = :processing AND processor_payment_id = :pid"
        }
        FromState::Reported { payment_id, paid } => {
            values.insert(":pending".into(), s("pending"));
            values.insert(":processing".into(), s("processing"));
            values.insert(":pid".into(), s(payment_id));
            if paid {
                values.insert(":expired".into(), s("expired"));
                "(#st = :pending OR #st = :processing OR #st = :expired) \
                 AND (attribute_not_exists(processor_payment_id) OR processor_payment_id = :pid)"
            } else {
                "(#st = :pending OR #st = :processing) \
                 AND (attribute_not_exists(processor_payment_id) OR processor_payment_id = :pid)"
            }
        }
        FromState::Payable => {
            values.insert(":now".into(), n(now.unix()));
            values.insert(":pending".into(), s("pending"));
            "#st = :pending AND expires_at_epoch > :now"
        }
        FromState::Due => {
            values.insert(":now".into(), n(now.unix()));
            values.insert(":pending".into(), s("pending"));
            values.insert(":processing".into(), s("processing"));
            "expires_at_epoch <= :now AND (#st = :pending \
             OR (#st = :processing AND claim_until_epoch < :now))"
        }
    };
    names.insert("#shard".into(), "pending_shard".into());
    let update = aws_sdk_dynamodb::types::Update::builder()
        .table_name(&app.settings.transactions_table)
        .key("pk", s(before.id.to_string()))
        .update_expression(format!(
            "SET {} REMOVE #shard, claim_id, claim_until_epoch, reconcile_shard, \
             reconcile_at_epoch, reconcile_token, reconcile_since_epoch",
            sets.join(", ")
        ))
        .condition_expression(condition)
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(|e| StoreError::Dynamo(e.to_string()))?;
    let mut items = vec![
        TransactWriteItem::builder().update(update).build(),
        super::events::put_in_transaction(app, event)?,
    ];
    // A link's count of paid payments moves with the payment, exactly once: the condition on
    // the transaction admits one transition to paid.
    if let Some(link) = &after.payment_link_id
        && after.status == PaymentStatus::Paid
        && before.status != PaymentStatus::Paid
    {
        items.push(super::links::count_paid_in_transaction(app, link)?);
    }
    // A payment that ends unpaid gives its unit of the link's quantity back.
    let ends_unpaid = matches!(
        after.status,
        PaymentStatus::Declined | PaymentStatus::Expired | PaymentStatus::Canceled
    );
    if let Some(link) = &after.payment_link_id
        && ends_unpaid
        && matches!(
            before.status,
            PaymentStatus::Pending | PaymentStatus::Processing
        )
    {
        items.push(super::links::release_in_transaction(app, link)?);
    }
    match transact(app, items).await? {
        Transacted::Written => Ok(()),
        Transacted::Cancelled(_) => Err(StoreError::ConditionFailed),
    }
}

/// Pending transactions whose `expires_at` has passed, oldest first, from the sparse
/// `pending_by_expiry` index (which holds only pending transactions: no table scan).
pub async fn due_for_expiry(
    app: &App,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<Transaction>, StoreError> {
    let mut due = Vec::new();
    for shard in 0..PENDING_SHARDS {
        let mut start = None;
        loop {
            let out = app
                .dynamodb
                .query()
                .table_name(&app.settings.transactions_table)
                .index_name("pending_by_expiry")
                .key_condition_expression("pending_shard = :p AND expires_at_epoch <= :now")
                // Not one a checkout submission, the customer's bank step or an unknown
                // outcome still holds.
                .filter_expression("#st = :pending OR claim_until_epoch < :now")
                .expression_attribute_names("#st", "status")
                .expression_attribute_values(":pending", s("pending"))
                .expression_attribute_values(":p", s(format!("p{shard}")))
                .expression_attribute_values(":now", n(now.unix()))
                .set_exclusive_start_key(start)
                .limit(100)
                .send()
                .await
                .map_err(classify)?;
            for item in out.items.unwrap_or_default() {
                due.push(decode(item)?);
            }
            start = out.last_evaluated_key;
            if start.is_none() || due.len() >= limit {
                break;
            }
        }
        if due.len() >= limit {
            break;
        }
    }
    Ok(due)
}
