//! The Stripe connector: a PaymentIntent per payment, confirmed with the payment method
//! Stripe.js made in the customer's browser (so no card number ever reaches Payrail), read back
//! after the bank step, refunded, and Stripe's webhooks read.
//!
//! A small typed client of the few calls Payrail makes, over the HTTPS stack the AWS SDK already
//! links, rather than a general Stripe crate whose hundreds of generated types would weigh on
//! every cold start of the functions that charge.

use lambda_http::http::HeaderMap;

use super::api::{Balance, CreatePaymentIntent, CreateRefund, PaymentIntent, StripeRefund};
use super::client::{Answer, Client, Method};
use super::status::{card_of, decline_reason, outcome_of, refund_outcome};
use crate::App;
use crate::domain::Timestamp;
use crate::error::FieldErrors;
use crate::input::JsonObject;
use crate::payments::transaction::Transaction;
use crate::processor::{
    ChargeOutcome, Instrument, Processor, ProcessorError, ProcessorKind, RefundOutcome, Report,
    Tender, WebhookError,
};
use crate::refunds::Refund;

/// A merchant's Stripe account: its secret key for calls, its webhook secret for events.
pub struct Stripe {
    client: Client,
    webhook_secret: String,
    livemode: bool,
}

impl Stripe {
    pub fn new(app: &App, secret_key: String, webhook_secret: String, livemode: bool) -> Self {
        Self {
            client: Client::new(app.settings.stripe_api_base.clone(), secret_key),
            webhook_secret,
            livemode,
        }
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: &str,
    ) -> Result<Answer<T>, ProcessorError> {
        let url = self.client.url(path, &[])?;
        self.client
            .call(Method::Post, url, form, Some(idempotency_key))
            .await
    }
}

/// A `pm_…` id made by Stripe.js in the customer's browser.
fn payment_method(form: &JsonObject) -> Option<String> {
    let raw = form.string("payment_method").ok().flatten()?;
    let ok = raw.starts_with("pm_")
        && raw.len() <= 255
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then_some(raw)
}

impl Processor for Stripe {
    fn kind(&self) -> ProcessorKind {
        ProcessorKind::Stripe
    }

    fn livemode(&self) -> bool {
        self.livemode
    }

    fn read_tender(&self, form: &JsonObject, _now: Timestamp) -> Result<Tender, FieldErrors> {
        payment_method(form)
            .map(Tender::PaymentMethod)
            .ok_or_else(|| {
                FieldErrors::from([(
                    "payment_method".to_owned(),
                    vec!["Enter your card details".to_owned()],
                )])
            })
    }

    /// One harmless call (the account's balance): `Rejected` when Stripe does not know the key.
    async fn verify_credentials(&self) -> Result<(), ProcessorError> {
        let url = self.client.url("v1/balance", &[])?;
        self.client
            .call::<Balance>(Method::Get, url, &[], None)
            .await
            .map(|_| ())
    }

    fn read_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Report, WebhookError> {
        let signature = headers
            .get("stripe-signature")
            .and_then(|v| v.to_str().ok());
        super::webhook::read(&self.webhook_secret, signature, body, now)
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
        let create = CreatePaymentIntent {
            txn,
            payment_method,
        };
        let created: PaymentIntent = match self
            .post("v1/payment_intents", &create.form(), txn.id.as_str())
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
        let card = card_of(&created);
        if created.status != super::api::PaymentIntentStatus::RequiresConfirmation {
            // A replay of a create that was already confirmed: its state is the outcome.
            return outcome_of(&created, card);
        }
        let confirm_key = format!("{}:confirm", txn.id);
        let path = format!("v1/payment_intents/{}/confirm", created.id);
        match self.post::<PaymentIntent>(&path, &[], &confirm_key).await? {
            Answer::Object(pi) => outcome_of(&pi, card),
            Answer::CardError(error) => Ok(ChargeOutcome::Declined {
                reason: decline_reason(&error),
                card,
                payment_id: Some(created.id),
            }),
        }
    }

    async fn outcome(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> Result<ChargeOutcome, ProcessorError> {
        let url = self.client.url(
            &format!("v1/payment_intents/{payment_id}"),
            &[("expand[]", "payment_method")],
        )?;
        let pi: PaymentIntent = match self.client.call(Method::Get, url, &[], None).await? {
            Answer::Object(pi) => pi,
            Answer::CardError(e) => return Err(ProcessorError::Rejected(decline_reason(&e))),
        };
        if pi.transaction_id() != Some(txn.id.as_str()) || pi.money() != Some(txn.amount) {
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
        let payment_intent = payment.processor_payment_id.as_deref().ok_or_else(|| {
            ProcessorError::Rejected("the payment has no Stripe PaymentIntent".into())
        })?;
        let create = CreateRefund {
            payment_intent,
            payment,
            refund,
        };
        let answer = self
            .post::<StripeRefund>("v1/refunds", &create.form(), refund.id.as_str())
            .await?;
        Ok(match answer {
            Answer::Object(re) => refund_outcome(&re),
            Answer::CardError(_) => RefundOutcome::Failed("refund_failed".into()),
        })
    }
}
