//! Stripe's webhooks: verified by `Stripe-Signature` over the raw body (see [`super::signature`])
//! before anything is parsed, then read as a typed event. Payrail acts on the PaymentIntent
//! events that decide a payment it started, on refunds however they were made, and on disputes.

use super::api::{Charge, Event, PaymentIntent, StripeDispute, StripeRefund, money_from_stripe};
use super::signature::{self, SignatureError};
use super::status::decline_reason;
use crate::domain::Timestamp;
use crate::ids::TransactionId;
use crate::payments::dispute::DisputeStatus;
use crate::processor::{ChargeOutcome, Report, WebhookError};

/// What the event `body`, signed with `webhook_secret`, reports.
pub fn read(
    webhook_secret: &str,
    signature: Option<&str>,
    body: &[u8],
    now: Timestamp,
) -> Result<Report, WebhookError> {
    let bad = |e: SignatureError| WebhookError::Signature(format!("Stripe-Signature: {e}"));
    let header = signature.ok_or_else(|| bad(SignatureError::Malformed))?;
    signature::verify(webhook_secret, header, body, now.unix()).map_err(bad)?;
    let event: Event =
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    let object = |what: &str| WebhookError::Malformed(format!("data.object is no {what}"));
    let paid = match event.kind.as_str() {
        "payment_intent.succeeded" => true,
        "payment_intent.payment_failed" => false,
        // A refund made or changed, through Payrail or in Stripe's Dashboard: the refunds of
        // its PaymentIntent are read again, so two events about one refund make one refund.
        "refund.created" | "refund.updated" | "refund.failed" | "charge.refund.updated" => {
            let refund: StripeRefund =
                serde_json::from_value(event.data.object).map_err(|_| object("refund"))?;
            return Ok(refund
                .payment_intent
                .map_or(Report::Ignored, |payment_id| Report::Refunds { payment_id }));
        }
        "charge.refunded" => {
            let charge: Charge =
                serde_json::from_value(event.data.object).map_err(|_| object("charge"))?;
            return Ok(charge
                .payment_intent
                .map_or(Report::Ignored, |payment_id| Report::Refunds { payment_id }));
        }
        "charge.dispute.created" | "charge.dispute.updated" | "charge.dispute.closed" => {
            let dispute: StripeDispute =
                serde_json::from_value(event.data.object).map_err(|_| object("dispute"))?;
            let (Some(payment_id), Some(status)) = (
                dispute.payment_intent,
                DisputeStatus::parse(&dispute.status),
            ) else {
                return Ok(Report::Ignored);
            };
            return Ok(Report::Dispute {
                payment_id,
                id: dispute.id,
                status,
                amount: money_from_stripe(dispute.amount, &dispute.currency),
                reason: dispute.reason,
                created_at: Timestamp::from_unix(dispute.created),
            });
        }
        _ => return Ok(Report::Ignored),
    };
    let pi: PaymentIntent = serde_json::from_value(event.data.object)
        .map_err(|e| WebhookError::Malformed(format!("data.object: {e}")))?;
    let Some(transaction_id) = pi.transaction_id().and_then(TransactionId::parse) else {
        return Ok(Report::Ignored);
    };
    let payment_id = Some(pi.id.clone());
    let outcome = if paid {
        ChargeOutcome::Approved {
            card: None,
            payment_id,
        }
    } else {
        ChargeOutcome::Declined {
            reason: pi
                .last_payment_error
                .as_ref()
                .map(decline_reason)
                .unwrap_or_else(|| "card_declined".into()),
            card: None,
            payment_id,
        }
    };
    Ok(Report::Payment {
        transaction_id,
        charged: pi.money(),
        payment_id: pi.id,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SECRET: &str = "whsec_test_secret";

    fn signed(body: &serde_json::Value, now: i64) -> (String, Vec<u8>) {
        let bytes = body.to_string().into_bytes();
        let header = format!("t={now},v1={}", signature::sign(SECRET, now, &bytes));
        (header, bytes)
    }

    #[test]
    fn a_signed_payment_event_reports_its_outcome_and_nothing_else_is_trusted() {
        let now = 1_800_000_000;
        let txn = TransactionId::generate();
        let event = json!({"id": "evt_1", "type": "payment_intent.payment_failed",
            "data": {"object": {"id": "pi_1", "status": "requires_payment_method",
                "amount": 500_000, "currency": "isk",
                "metadata": {"transaction_id": txn.as_str()},
                "last_payment_error": {"code": "card_declined", "decline_code": "do_not_honor"}}}});
        let (header, body) = signed(&event, now);
        let report = read(SECRET, Some(&header), &body, Timestamp::from_unix(now)).unwrap();
        assert_eq!(
            report,
            Report::Payment {
                transaction_id: txn.clone(),
                charged: Some(
                    crate::domain::Money::from_minor(
                        5000,
                        crate::domain::Currency::parse("ISK").unwrap()
                    )
                    .unwrap()
                ),
                payment_id: "pi_1".into(),
                outcome: ChargeOutcome::Declined {
                    reason: "do_not_honor".into(),
                    card: None,
                    payment_id: Some("pi_1".into()),
                },
            }
        );
        // Unsigned, signed with another secret, or too old: refused before parsing.
        let later = Timestamp::from_unix(now + 301);
        assert!(matches!(
            read(SECRET, None, &body, later),
            Err(WebhookError::Signature(_))
        ));
        assert!(matches!(
            read(
                "whsec_other",
                Some(&header),
                &body,
                Timestamp::from_unix(now)
            ),
            Err(WebhookError::Signature(_))
        ));
        assert!(matches!(
            read(SECRET, Some(&header), &body, later),
            Err(WebhookError::Signature(_))
        ));
        // Other events, and payments Payrail did not start, are nothing to act on.
        let other = json!({"type": "customer.created", "data": {"object": {}}});
        let (h, b) = signed(&other, now);
        assert_eq!(
            read(SECRET, Some(&h), &b, Timestamp::from_unix(now)),
            Ok(Report::Ignored)
        );
        let foreign = json!({"type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_2", "status": "succeeded"}}});
        let (h, b) = signed(&foreign, now);
        assert_eq!(
            read(SECRET, Some(&h), &b, Timestamp::from_unix(now)),
            Ok(Report::Ignored)
        );
    }
}
