//! Stripe's states as Payrail's outcomes: a PaymentIntent's as a charge's, a refund's as a
//! refund's, a card error as a decline reason.

use super::api::{
    ErrorObject, Expandable, PaymentIntent, PaymentIntentStatus, RefundStatus, StripeRefund,
};
use crate::payments::card::Card;
use crate::processor::{ChargeOutcome, ProcessorError, RefundOutcome};

/// The card a PaymentIntent's expanded payment method names, for the transaction.
pub fn card_of(pi: &PaymentIntent) -> Option<Card> {
    match &pi.payment_method {
        Some(Expandable::Object(pm)) => pm.card.as_ref().map(|c| Card {
            brand: c.brand.clone(),
            last4: c.last4.clone(),
        }),
        _ => None,
    }
}

/// Why a card was refused: Stripe's decline code when it gives one, else its error code.
pub fn decline_reason(error: &ErrorObject) -> String {
    error
        .decline_code
        .as_deref()
        .or(error.code.as_deref())
        .unwrap_or("card_declined")
        .to_owned()
}

/// A PaymentIntent's state as an outcome for the transaction.
pub fn outcome_of(pi: &PaymentIntent, card: Option<Card>) -> Result<ChargeOutcome, ProcessorError> {
    let payment_id = pi.id.clone();
    let card = card.or_else(|| card_of(pi));
    Ok(match pi.status {
        PaymentIntentStatus::Succeeded => ChargeOutcome::Approved {
            card,
            payment_id: Some(payment_id),
        },
        PaymentIntentStatus::RequiresAction => ChargeOutcome::RequiresAction {
            client_secret: pi.client_secret.clone().ok_or_else(|| {
                ProcessorError::Unknown("no client_secret to confirm with".into())
            })?,
            payment_id,
            card,
        },
        PaymentIntentStatus::RequiresPaymentMethod | PaymentIntentStatus::Canceled => {
            ChargeOutcome::Declined {
                reason: match &pi.last_payment_error {
                    Some(error) => decline_reason(error),
                    None => "canceled".into(),
                },
                card,
                payment_id: Some(payment_id),
            }
        }
        PaymentIntentStatus::Processing | PaymentIntentStatus::RequiresCapture => {
            ChargeOutcome::Pending { payment_id }
        }
        // Created but not confirmed, or a state Stripe added later: nothing Payrail can decide.
        other => {
            return Err(ProcessorError::Unknown(format!(
                "PaymentIntent {payment_id} is {other:?}"
            )));
        }
    })
}

/// A refund's state as the refund's outcome.
pub fn refund_outcome(refund: &StripeRefund) -> RefundOutcome {
    match refund.status {
        RefundStatus::Succeeded => RefundOutcome::Succeeded,
        RefundStatus::Failed | RefundStatus::Canceled => RefundOutcome::Failed(
            refund
                .failure_reason
                .clone()
                .unwrap_or_else(|| "refund_failed".into()),
        ),
        _ => RefundOutcome::Pending,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pi(v: serde_json::Value) -> PaymentIntent {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn payment_intent_states_become_outcomes() {
        let succeeded = pi(json!({"id": "pi_1", "status": "succeeded",
            "payment_method": {"id": "pm_1", "card": {"brand": "visa", "last4": "4242"}}}));
        assert_eq!(
            outcome_of(&succeeded, None).unwrap(),
            ChargeOutcome::Approved {
                card: Some(Card {
                    brand: "visa".into(),
                    last4: "4242".into()
                }),
                payment_id: Some("pi_1".into())
            }
        );
        let action = pi(
            json!({"id": "pi_2", "status": "requires_action", "client_secret": "pi_2_secret_x"}),
        );
        assert!(matches!(
            outcome_of(&action, None).unwrap(),
            ChargeOutcome::RequiresAction { client_secret, .. } if client_secret == "pi_2_secret_x"
        ));
        let declined = pi(json!({"id": "pi_3", "status": "requires_payment_method",
            "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds"}}));
        assert!(matches!(
            outcome_of(&declined, None).unwrap(),
            ChargeOutcome::Declined { reason, .. } if reason == "insufficient_funds"
        ));
        let failed_3ds = pi(json!({"id": "pi_4", "status": "requires_payment_method",
            "last_payment_error": {"code": "payment_intent_authentication_failure"}}));
        assert!(matches!(
            outcome_of(&failed_3ds, None).unwrap(),
            ChargeOutcome::Declined { reason, .. } if reason == "payment_intent_authentication_failure"
        ));
        assert!(matches!(
            outcome_of(&pi(json!({"id": "pi_5", "status": "processing"})), None).unwrap(),
            ChargeOutcome::Pending { .. }
        ));
        // A status Stripe adds later is no outcome, not a parse failure.
        assert!(outcome_of(&pi(json!({"id": "pi_6", "status": "on_hold"})), None).is_err());
        // The payment method as a bare id carries no card.
        let bare = pi(json!({"id": "pi_7", "status": "succeeded", "payment_method": "pm_7"}));
        assert_eq!(card_of(&bare), None);
        assert!(serde_json::from_value::<PaymentIntent>(json!({"status": "succeeded"})).is_err());
        let bare = pi(json!({"id": "pi_8"}));
        assert!(outcome_of(&bare, None).is_err());
    }

    #[test]
    fn refund_states_become_outcomes() {
        let refund = |status: &str, reason: Option<&str>| -> StripeRefund {
            serde_json::from_value(
                json!({"id": "re_1", "status": status, "failure_reason": reason}),
            )
            .unwrap()
        };
        assert_eq!(
            refund_outcome(&refund("succeeded", None)),
            RefundOutcome::Succeeded
        );
        assert_eq!(
            refund_outcome(&refund("pending", None)),
            RefundOutcome::Pending
        );
        assert_eq!(
            refund_outcome(&refund("failed", Some("expired_or_canceled_card"))),
            RefundOutcome::Failed("expired_or_canceled_card".into())
        );
        assert_eq!(
            refund_outcome(&refund("canceled", None)),
            RefundOutcome::Failed("refund_failed".into())
        );
    }
}
