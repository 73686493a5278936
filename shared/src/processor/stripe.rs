//! The Stripe connector: a small typed client of the few calls Payrail makes (create and
//! confirm a PaymentIntent, read one back, refund, check a key), over the HTTPS stack the AWS
//! SDK already links, rather than a general Stripe crate whose hundreds of generated types
//! would weigh on every cold start of the functions that charge.
//!
//! Every write carries an idempotency key derived from Payrail's own id (the transaction, the
//! refund), so a retry after a network error or a 5xx never charges or refunds twice. Card
//! numbers never pass here: the customer's browser turned the card into a PaymentMethod.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::{ChargeOutcome, Instrument, Processor, ProcessorError, ProcessorKind, RefundOutcome};
use crate::App;
use crate::payments::transaction::{Card, Transaction};
use crate::refunds::refund::Refund;

/// Attempts of one call when Stripe is unreachable or answers 5xx/429.
const ATTEMPTS: u32 = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// One attempt, well inside the checkout function's timeout with its retries.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(6);

/// One HTTPS client per process: connections to Stripe are reused across invocations.
fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(ATTEMPT_TIMEOUT)
            .user_agent("Payrail")
            .build()
            .expect("an HTTPS client builds with a static configuration")
    })
}

/// A merchant's Stripe account, reached with its secret key.
pub struct Stripe {
    base: Url,
    secret_key: String,
    livemode: bool,
}

/// Stripe's answer: the object, or the error object of a card problem (HTTP 402).
enum Answer {
    Object(Value),
    CardError(Value),
}

impl Stripe {
    pub fn new(app: &App, secret_key: String, livemode: bool) -> Self {
        Self {
            base: app.settings.stripe_api_base.clone(),
            secret_key,
            livemode,
        }
    }

    fn url(&self, path: &str) -> Result<Url, ProcessorError> {
        self.base
            .join(path)
            .map_err(|e| ProcessorError::Rejected(format!("bad Stripe URL: {e}")))
    }

    /// One call, retried with the same idempotency key when Stripe could not answer.
    async fn call(
        &self,
        method: reqwest::Method,
        url: Url,
        form: &[(&str, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Answer, ProcessorError> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            let mut req = http()
                .request(method.clone(), url.clone())
                .bearer_auth(&self.secret_key);
            if method == reqwest::Method::POST {
                req = req
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body.clone());
            }
            if let Some(key) = idempotency_key {
                req = req.header("idempotency-key", key);
            }
            match req.send().await {
                Ok(res) => {
                    let status = res.status().as_u16();
                    let json: Value = res.json().await.unwrap_or(Value::Null);
                    let message = json["error"]["message"].as_str().unwrap_or("no message");
                    match status {
                        200..=299 => return Ok(Answer::Object(json)),
                        402 => return Ok(Answer::CardError(json["error"].clone())),
                        401 | 403 => {
                            return Err(ProcessorError::Rejected(format!(
                                "Stripe refused the secret key ({status})"
                            )));
                        }
                        429 | 500..=599 => last = format!("Stripe answered {status}: {message}"),
                        _ => {
                            return Err(ProcessorError::Rejected(format!(
                                "Stripe answered {status}: {message}"
                            )));
                        }
                    }
                }
                Err(e) => last = format!("Stripe could not be reached: {e}"),
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
        }
        Err(ProcessorError::Unavailable(last))
    }

    async fn post(
        &self,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: &str,
    ) -> Result<Answer, ProcessorError> {
        let url = self.url(path)?;
        self.call(reqwest::Method::POST, url, form, Some(idempotency_key))
            .await
    }
}

/// The card a PaymentIntent's expanded payment method names, for the transaction.
fn card_of(payment_method: &Value) -> Option<Card> {
    let card = &payment_method["card"];
    Some(Card {
        brand: card["brand"].as_str()?.to_owned(),
        last4: card["last4"].as_str()?.to_owned(),
    })
}

/// Why a card was refused: Stripe's decline code when it gives one, else its error code.
fn decline_reason(error: &Value) -> String {
    error["decline_code"]
        .as_str()
        .or(error["code"].as_str())
        .unwrap_or("card_declined")
        .to_owned()
}

/// A PaymentIntent's state as an outcome for the transaction.
fn outcome_of(pi: &Value, card: Option<Card>) -> Result<ChargeOutcome, ProcessorError> {
    let payment_id = pi["id"]
        .as_str()
        .ok_or_else(|| ProcessorError::Rejected("Stripe answered without an id".into()))?
        .to_owned();
    let card = card.or_else(|| card_of(&pi["payment_method"]));
    Ok(match pi["status"].as_str().unwrap_or_default() {
        "succeeded" => ChargeOutcome::Approved {
            card,
            payment_id: Some(payment_id),
        },
        "requires_action" => ChargeOutcome::RequiresAction {
            client_secret: pi["client_secret"]
                .as_str()
                .ok_or_else(|| ProcessorError::Rejected("no client_secret to confirm with".into()))?
                .to_owned(),
            payment_id,
            card,
        },
        "requires_payment_method" | "canceled" => ChargeOutcome::Declined {
            reason: if pi["last_payment_error"].is_object() {
                decline_reason(&pi["last_payment_error"])
            } else {
                "canceled".into()
            },
            card,
            payment_id: Some(payment_id),
        },
        "processing" | "requires_capture" => ChargeOutcome::Pending { payment_id },
        other => {
            return Err(ProcessorError::Rejected(format!(
                "PaymentIntent {payment_id} is {other}"
            )));
        }
    })
}

impl Processor for Stripe {
    fn kind(&self) -> ProcessorKind {
        ProcessorKind::Stripe
    }

    fn livemode(&self) -> bool {
        self.livemode
    }

    /// Creates the PaymentIntent (keyed by the transaction id, the payment method's card
    /// expanded), then confirms it: two calls, so the PaymentIntent's id is known whatever the
    /// confirmation answers.
    async fn charge(
        &self,
        txn: &Transaction,
        instrument: Instrument<'_>,
    ) -> Result<ChargeOutcome, ProcessorError> {
        let Instrument::PaymentMethod(payment_method) = instrument else {
            return Err(ProcessorError::Rejected(
                "Stripe takes a payment method made by Stripe.js, never card details".into(),
            ));
        };
        let form = [
            ("amount", txn.amount.minor().to_string()),
            (
                "currency",
                txn.amount.currency().code().to_ascii_lowercase(),
            ),
            ("payment_method", payment_method.to_owned()),
            ("payment_method_types[]", "card".to_owned()),
            ("metadata[transaction_id]", txn.id.to_string()),
            ("metadata[order_uuid]", txn.order_uuid.as_str().to_owned()),
            ("metadata[merchant_id]", txn.merchant_id.to_string()),
            ("expand[]", "payment_method".to_owned()),
        ];
        let created = match self
            .post("v1/payment_intents", &form, txn.id.as_str())
            .await?
        {
            Answer::Object(pi) => pi,
            Answer::CardError(error) => {
                return Ok(ChargeOutcome::Declined {
                    reason: decline_reason(&error),
                    card: None,
                    payment_id: None,
                });
            }
        };
        let id = created["id"]
            .as_str()
            .ok_or_else(|| ProcessorError::Rejected("Stripe answered without an id".into()))?
            .to_owned();
        let card = card_of(&created["payment_method"]);
        if created["status"] != "requires_confirmation" {
            // A replay of a create that was already confirmed: its state is the outcome.
            return outcome_of(&created, card);
        }
        let confirm_key = format!("{}:confirm", txn.id);
        match self
            .post(
                &format!("v1/payment_intents/{id}/confirm"),
                &[],
                &confirm_key,
            )
            .await?
        {
            Answer::Object(pi) => outcome_of(&pi, card),
            Answer::CardError(error) => Ok(ChargeOutcome::Declined {
                reason: decline_reason(&error),
                card,
                payment_id: Some(id),
            }),
        }
    }

    async fn outcome(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> Result<ChargeOutcome, ProcessorError> {
        let mut url = self.url(&format!("v1/payment_intents/{payment_id}"))?;
        url.query_pairs_mut()
            .append_pair("expand[]", "payment_method");
        let pi = match self.call(reqwest::Method::GET, url, &[], None).await? {
            Answer::Object(pi) => pi,
            Answer::CardError(e) => {
                return Err(ProcessorError::Rejected(decline_reason(&e)));
            }
        };
        if pi["metadata"]["transaction_id"].as_str() != Some(txn.id.as_str()) {
            return Err(ProcessorError::Rejected(format!(
                "PaymentIntent {payment_id} is not this transaction's"
            )));
        }
        outcome_of(&pi, txn.card.clone())
    }

    async fn refund(
        &self,
        payment: &Transaction,
        refund: &Refund,
    ) -> Result<RefundOutcome, ProcessorError> {
        let payment_intent = payment.processor_payment_id.clone().ok_or_else(|| {
            ProcessorError::Rejected("the payment has no Stripe PaymentIntent".into())
        })?;
        let form = [
            ("payment_intent", payment_intent),
            ("amount", refund.amount.minor().to_string()),
            ("metadata[refund_id]", refund.id.to_string()),
            ("metadata[transaction_id]", payment.id.to_string()),
        ];
        let answer = self.post("v1/refunds", &form, refund.id.as_str()).await?;
        let Answer::Object(re) = answer else {
            return Ok(RefundOutcome::Failed("refund_failed".into()));
        };
        Ok(match re["status"].as_str().unwrap_or_default() {
            "succeeded" => RefundOutcome::Succeeded,
            "failed" | "canceled" => RefundOutcome::Failed(
                re["failure_reason"]
                    .as_str()
                    .unwrap_or("refund_failed")
                    .to_owned(),
            ),
            _ => RefundOutcome::Pending,
        })
    }
}

/// Checks a secret key with one harmless call (the account's balance): `Rejected` when Stripe
/// does not know it.
pub async fn check_key(app: &App, secret_key: &str) -> Result<(), ProcessorError> {
    let stripe = Stripe::new(app, secret_key.to_owned(), false);
    let url = stripe.url("v1/balance")?;
    stripe
        .call(reqwest::Method::GET, url, &[], None)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payment_intent_states_become_outcomes() {
        let succeeded = json!({"id": "pi_1", "status": "succeeded",
            "payment_method": {"card": {"brand": "visa", "last4": "4242"}}});
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
        let action =
            json!({"id": "pi_2", "status": "requires_action", "client_secret": "pi_2_secret_x"});
        assert!(matches!(
            outcome_of(&action, None).unwrap(),
            ChargeOutcome::RequiresAction { client_secret, .. } if client_secret == "pi_2_secret_x"
        ));
        let declined = json!({"id": "pi_3", "status": "requires_payment_method",
            "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds"}});
        assert!(matches!(
            outcome_of(&declined, None).unwrap(),
            ChargeOutcome::Declined { reason, .. } if reason == "insufficient_funds"
        ));
        let failed_3ds = json!({"id": "pi_4", "status": "requires_payment_method",
            "last_payment_error": {"code": "payment_intent_authentication_failure"}});
        assert!(matches!(
            outcome_of(&failed_3ds, None).unwrap(),
            ChargeOutcome::Declined { reason, .. } if reason == "payment_intent_authentication_failure"
        ));
        assert!(matches!(
            outcome_of(&json!({"id": "pi_5", "status": "processing"}), None).unwrap(),
            ChargeOutcome::Pending { .. }
        ));
        assert!(outcome_of(&json!({"status": "succeeded"}), None).is_err());
    }
}
