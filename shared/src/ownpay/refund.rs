//! OwnPay's refunds as Payrail's: `POST /refunds` names the transaction in its body
//! (`trx_id` or `transaction_id`), and a refund is shown in OwnPay's fields and words.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::input::JsonObject;
use crate::payments::Transaction;
use crate::refunds::{Refund, RefundStatus};

/// The transaction a `POST /refunds` names, and the body Payrail's refund takes
/// (`amount`, `reason`).
pub fn refund_request(body: &JsonObject) -> Result<(String, JsonObject), ApiError> {
    let named = ["trx_id", "transaction_id"].iter().find_map(|field| {
        match (body.string(field), body.integer(field)) {
            (Ok(Some(id)), _) if !id.trim().is_empty() => Some(id.trim().to_owned()),
            (_, Ok(Some(n))) => Some(n.to_string()),
            _ => None,
        }
    });
    let Some(id) = named else {
        return Err(ApiError::validation(
            "transaction_id",
            "transaction_id or trx_id is required",
        ));
    };
    let mut refund = serde_json::Map::new();
    if let Ok(Some(amount)) = body.decimal_text("amount") {
        let text = match amount {
            crate::domain::money::DecimalText::Number(t)
            | crate::domain::money::DecimalText::Text(t) => t,
        };
        refund.insert("amount".into(), Value::String(text));
    }
    if let Ok(Some(reason)) = body.string("reason")
        && !reason.trim().is_empty()
    {
        refund.insert("reason".into(), Value::String(reason));
    }
    let body = crate::input::parse_json_object(Value::Object(refund).to_string().as_bytes())?;
    Ok((id, body))
}

/// A refund in OwnPay's fields, for its transaction.
pub fn refund_json(refund: &Refund, txn: &Transaction) -> Value {
    let status = match refund.status {
        RefundStatus::Pending => "pending",
        RefundStatus::Succeeded => "completed",
        RefundStatus::Failed => "failed",
    };
    json!({
        "id": refund.id,
        "uuid": refund.id,
        "transaction_id": txn.id,
        "trx_id": txn.id,
        "gateway_trx_id": txn.processor_payment_id,
        "amount": refund.amount.to_major_string(),
        "currency": refund.amount.currency().code(),
        "reason": refund.reason,
        "status": status,
        "processed_at": (refund.status != RefundStatus::Pending).then_some(refund.created_at),
        "created_at": refund.created_at,
    })
}
