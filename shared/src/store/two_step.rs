//! A merchant's two-step enrolment, one item per merchant (`merchant_id`):
//! - `status`: `pending` (set up, not yet confirmed) or `on`; `version` names the enrolment
//!   and its secret in Secrets Manager;
//! - `recovery`: a string set of the SHA-256 of each unused recovery code;
//! - `last_step`: the newest time step whose code was accepted, so no code is used twice;
//! - `fail_window` (unix second / 300) and `fail_count`: code attempts counted in it.
//!
//! Every check and use of a code is one conditional write, so the limits hold across any
//! number of concurrent requests and instances.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::dynamo::{Item, n, num, s, text};
use super::{StoreError, classify};
use crate::App;
use crate::domain::Timestamp;
use crate::ids::MerchantId;

/// Code attempts a merchant may make per window; a correct code gives its attempt back.
pub const MAX_ATTEMPTS: i64 = 5;
pub const WINDOW_SECONDS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    On,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::On => "on",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Enrolment {
    pub status: Status,
    pub version: String,
    pub recovery_left: usize,
    pub started_at: Option<Timestamp>,
    pub enabled_at: Option<Timestamp>,
}

fn enrolment(item: &Item) -> Result<Enrolment, StoreError> {
    let corrupt =
        |reason: &str| StoreError::corrupt(text(item, "merchant_id").unwrap_or(""), reason);
    let status = match text(item, "status") {
        Some("pending") => Status::Pending,
        Some("on") => Status::On,
        _ => return Err(corrupt("unknown two-step status")),
    };
    Ok(Enrolment {
        status,
        version: text(item, "version")
            .ok_or_else(|| corrupt("no version"))?
            .to_owned(),
        recovery_left: item
            .get("recovery")
            .and_then(|v| v.as_ss().ok())
            .map_or(0, Vec::len),
        started_at: text(item, "started_at").and_then(Timestamp::parse),
        enabled_at: text(item, "enabled_at").and_then(Timestamp::parse),
    })
}

pub async fn get(app: &App, merchant: &MerchantId) -> Result<Option<Enrolment>, StoreError> {
    let out = app
        .dynamodb
        .get_item()
        .table_name(&app.settings.two_step_table)
        .key("merchant_id", s(merchant.to_string()))
        .consistent_read(true)
        .send()
        .await
        .map_err(classify)?;
    out.item.as_ref().map(enrolment).transpose()
}

/// Starts (or starts over) an enrolment; `ConditionFailed` when two-step is already on.
pub async fn begin(
    app: &App,
    merchant: &MerchantId,
    version: &str,
    recovery_hashes: Vec<String>,
    now: Timestamp,
) -> Result<(), StoreError> {
    app.dynamodb
        .put_item()
        .table_name(&app.settings.two_step_table)
        .item("merchant_id", s(merchant.to_string()))
        .item("status", s(Status::Pending.as_str()))
        .item("version", s(version))
        .item("recovery", AttributeValue::Ss(recovery_hashes))
        .item("started_at", s(now.to_rfc3339()))
        .item("fail_window", n(0))
        .item("fail_count", n(0))
        .condition_expression("attribute_not_exists(merchant_id) OR #st = :pending")
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":pending", s(Status::Pending.as_str()))
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

/// One conditional `UpdateItem`: `Ok(())` if `condition` held, `Err(old item)` if not.
async fn update(
    app: &App,
    merchant: &MerchantId,
    expression: &str,
    condition: &str,
    values: Vec<(&str, AttributeValue)>,
) -> Result<Result<(), Option<Item>>, StoreError> {
    let mut req = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.two_step_table)
        .key("merchant_id", s(merchant.to_string()))
        .update_expression(expression)
        .condition_expression(condition)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    if expression.contains("#st") || condition.contains("#st") {
        req = req.expression_attribute_names("#st", "status");
    }
    for (name, value) in values {
        req = req.expression_attribute_values(name, value);
    }
    match req.send().await {
        Ok(_) => Ok(Ok(())),
        Err(e) => match e.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                Ok(Err(failed.item.clone()))
            }
            _ => Err(classify(e)),
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted in `window`; a correct code gives it back.
    Counted { window: i64 },
    /// Too many attempts: the next window starts at this unix second.
    Limited { until: i64 },
    /// No enrolment (any more).
    Missing,
}

/// Counts one code attempt against the merchant's window, before the code is looked at, so
/// concurrent guesses cannot all pass a limit that was read before any of them was counted.
pub async fn count_attempt(
    app: &App,
    merchant: &MerchantId,
    now: Timestamp,
) -> Result<Attempt, StoreError> {
    let mut window = now.unix().div_euclid(WINDOW_SECONDS);
    for _ in 0..3 {
        let counted = update(
            app,
            merchant,
            "ADD fail_count :one",
            "fail_window = :w AND fail_count < :max",
            vec![(":one", n(1)), (":w", n(window)), (":max", n(MAX_ATTEMPTS))],
        )
        .await?;
        let Err(old) = counted else {
            return Ok(Attempt::Counted { window });
        };
        let Some(old) = old else {
            return Ok(Attempt::Missing);
        };
        let stored = num(&old, "fail_window").unwrap_or(0);
        if stored == window {
            return Ok(Attempt::Limited {
                until: (window + 1) * WINDOW_SECONDS,
            });
        }
        if stored > window {
            // Another instance's clock is ahead: count in its window.
            window = stored;
            continue;
        }
        let opened = update(
            app,
            merchant,
            "SET fail_window = :w, fail_count = :one",
            "attribute_exists(merchant_id) AND fail_window < :w",
            vec![(":one", n(1)), (":w", n(window))],
        )
        .await?;
        match opened {
            Ok(()) => return Ok(Attempt::Counted { window }),
            Err(None) => return Ok(Attempt::Missing),
            // Someone else opened this window first; count in it.
            Err(Some(_)) => continue,
        }
    }
    Err(StoreError::Throttled(
        "two-step attempt window kept changing".into(),
    ))
}

/// How a code was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Used {
    Accepted,
    /// The code's step was already used (or a later one), or the recovery code is spent; its
    /// attempt was given back, since a right code used twice is no guess.
    Spent,
    /// The enrolment changed meanwhile (turned off, set up again, or not in `status`).
    Changed,
}

/// What a correct code uses up.
#[derive(Debug, Clone)]
pub enum Spend {
    /// An authenticator code's time step; with `activate`, a pending enrolment turns on.
    Step { step: u64, activate: bool },
    /// A recovery code's hash, removed from the set.
    Recovery(String),
}

/// Uses a correct code, once: the step must be newer than any used before, or the recovery
/// code still unused, in enrolment `version` with `status`. Gives the attempt counted in
/// `window` back while that window lasts.
pub async fn spend(
    app: &App,
    merchant: &MerchantId,
    version: &str,
    status: Status,
    spend: &Spend,
    window: i64,
    now: Timestamp,
) -> Result<Used, StoreError> {
    let mut refund = true;
    for _ in 0..2 {
        let mut sets = Vec::new();
        let mut condition = String::from("version = :v AND #st = :status");
        let mut values = vec![(":v", s(version)), (":status", s(status.as_str()))];
        let mut tail = String::new();
        match spend {
            Spend::Step { step, activate } => {
                sets.push("last_step = :step".to_owned());
                condition.push_str(" AND (attribute_not_exists(last_step) OR last_step < :step)");
                values.push((":step", n(step)));
                if *activate {
                    sets.push("#st = :on".to_owned());
                    sets.push("enabled_at = :now".to_owned());
                    values.push((":on", s(Status::On.as_str())));
                    values.push((":now", s(now.to_rfc3339())));
                }
            }
            Spend::Recovery(hash) => {
                condition.push_str(" AND contains(recovery, :h)");
                values.push((":h", s(hash.clone())));
                values.push((":hs", AttributeValue::Ss(vec![hash.clone()])));
                tail.push_str(" DELETE recovery :hs");
            }
        }
        if refund {
            condition.push_str(" AND fail_window = :w");
            values.push((":w", n(window)));
            sets.push("fail_count = fail_count - :one".to_owned());
            values.push((":one", n(1)));
        }
        let expression = if sets.is_empty() {
            tail.trim().to_owned()
        } else {
            format!("SET {}{tail}", sets.join(", "))
        };
        let Err(old) = update(app, merchant, &expression, &condition, values).await? else {
            return Ok(Used::Accepted);
        };
        let Some(old) = old else {
            return Ok(Used::Changed);
        };
        if text(&old, "version") != Some(version) {
            return Ok(Used::Changed);
        }
        let spent = match spend {
            Spend::Step { step, .. } => {
                num(&old, "last_step").is_some_and(|last| last >= *step as i64)
            }
            Spend::Recovery(hash) => !old
                .get("recovery")
                .and_then(|v| v.as_ss().ok())
                .is_some_and(|set| set.contains(hash)),
        };
        // The same right code, used a moment ago by a concurrent request (which may have
        // turned the enrolment on): not a guess, so its attempt is given back.
        let activated_by_it = status == Status::Pending
            && text(&old, "status") == Some(Status::On.as_str())
            && matches!(spend, Spend::Step { activate: true, .. });
        if spent && (text(&old, "status") == Some(status.as_str()) || activated_by_it) {
            if refund {
                give_back(app, merchant, window).await?;
            }
            return Ok(Used::Spent);
        }
        if text(&old, "status") != Some(status.as_str()) {
            return Ok(Used::Changed);
        }
        // Only the attempt window moved on: use the code without giving an attempt back.
        refund = false;
    }
    Err(StoreError::ConditionFailed)
}

/// Gives back an attempt counted in `window` while that window lasts.
async fn give_back(app: &App, merchant: &MerchantId, window: i64) -> Result<(), StoreError> {
    let _ = update(
        app,
        merchant,
        "SET fail_count = fail_count - :one",
        "fail_window = :w AND fail_count > :zero",
        vec![(":one", n(1)), (":w", n(window)), (":zero", n(0))],
    )
    .await?;
    Ok(())
}

/// Ends enrolment `version`: `ConditionFailed` if it was set up again meanwhile.
pub async fn remove(app: &App, merchant: &MerchantId, version: &str) -> Result<(), StoreError> {
    app.dynamodb
        .delete_item()
        .table_name(&app.settings.two_step_table)
        .key("merchant_id", s(merchant.to_string()))
        .condition_expression("version = :v")
        .expression_attribute_values(":v", s(version))
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}
