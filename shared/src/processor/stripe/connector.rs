//! The Stripe connector: a PaymentIntent per payment, confirmed with the payment method
//! Stripe.js made in the customer's browser (so no card number ever reaches Payrail), read back
//! after the bank step, refunded, and Stripe's webhooks read.
//!
//! A small typed client of the few calls Payrail makes, over the HTTPS stack the AWS SDK already
//! links, rather than a general Stripe crate whose hundreds of generated types would weigh on
//! every cold start of the functions that charge.

use lambda_http::http::HeaderMap;

use super::api::{
    Account, CreatePaymentIntent, CreateRefund, ErrorObject, ListOf, PaymentIntent,
    PaymentIntentStatus, StripeRefund,
};
use super::client::{Answer, Client, Method};
use super::status::{card_of, decline_reason, outcome_of, refund_outcome};
use crate::App;
use crate::domain::Timestamp;
use crate::error::FieldErrors;
use crate::ids::{RefundId, TransactionId};
use crate::input::JsonObject;
use crate::payments::transaction::Transaction;
use crate::processor::{
    ChargeOutcome, Instrument, PaymentFacts, Processor, ProcessorError, ProcessorKind,
    ProcessorRefund, RefundOutcome, Report, Tender, WebhookError,
};
use crate::refunds::Refund;

/// A merchant's Stripe account: its secret key for calls, its webhook secret for events.
pub struct Stripe {
    client: Client,
    webhook_secret: String,
    livemode: bool,
    /// The account the keys belong to (`acct_…`), once known.
    account_id: Option<String>,
}

impl Stripe {
    pub fn new(
        app: &App,
        secret_key: String,
        webhook_secret: String,
        livemode: bool,
        account_id: Option<String>,
    ) -> Self {
        Self {
            client: Client::new(app.settings.stripe_api_base.clone(), secret_key),
            webhook_secret,
            livemode,
            account_id,
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

    /// Reads (changing nothing) what Payrail writes, PaymentIntents and Refunds, and the
    /// account the key belongs to. `Rejected` when Stripe does not know the key, or a
    /// restricted key (`rk_…`) lacks one of them.
    async fn verify_credentials(&self) -> Result<Option<String>, ProcessorError> {
        for path in ["v1/payment_intents", "v1/refunds"] {
            let url = self.client.url(path, &[("limit", "1")])?;
            self.client
                .call::<serde_json::Value>(Method::Get, url, &[], None)
                .await?;
        }
        let url = self.client.url("v1/account", &[])?;
        match self
            .client
            .call::<Account>(Method::Get, url, &[], None)
            .await?
        {
            Answer::Object(account) => Ok(Some(account.id)),
            Answer::CardError(e) => Err(ProcessorError::Rejected(decline_reason(&e))),
        }
    }

    fn account(&self) -> Option<&str> {
        self.account_id.as_deref()
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

    /// Creates and confirms the PaymentIntent in one call, keyed by the charge attempt's
    /// idempotency key: a retry after a lost answer gets Stripe's saved answer, never a second
    /// charge.
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
        match self
            .post::<PaymentIntent>("v1/payment_intents", &create.form(), &txn.charge_key())
            .await?
        {
            Answer::Object(pi) => outcome_of(&pi, None),
            Answer::CardError(error) => Ok(declined_by(error)),
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
        let created = match answer {
            Answer::Object(re) => re,
            Answer::CardError(_) => return Ok(RefundOutcome::Failed("refund_failed".into())),
        };
        // A replayed answer is the refund as it was created: ask how it stands now.
        if refund_outcome(&created) != RefundOutcome::Pending {
            return Ok(refund_outcome(&created));
        }
        let url = self
            .client
            .url(&format!("v1/refunds/{}", created.id), &[])?;
        match self
            .client
            .call::<StripeRefund>(Method::Get, url, &[], None)
            .await
        {
            Ok(Answer::Object(now)) => Ok(refund_outcome(&now)),
            _ => Ok(RefundOutcome::Pending),
        }
    }

    /// Searches Stripe's PaymentIntents by the transaction id Payrail puts in their metadata
    /// (Stripe's search index lags by up to a minute, hence `PAYRAIL_RECONCILE_AFTER_SECONDS`).
    async fn find_charge(
        &self,
        txn: &Transaction,
    ) -> Result<Option<ChargeOutcome>, ProcessorError> {
        let query = format!("metadata['transaction_id']:'{}'", txn.id);
        let url = self
            .client
            .url("v1/payment_intents/search", &[("query", query.as_str())])?;
        let found: ListOf<PaymentIntent> =
            match self.client.call(Method::Get, url, &[], None).await? {
                Answer::Object(list) => list,
                Answer::CardError(e) => return Err(ProcessorError::Rejected(decline_reason(&e))),
            };
        // This attempt's only: an earlier attempt (one Stripe was known to have declined or
        // never received) decides nothing about this one.
        let key = txn.charge_key();
        let mine: Vec<&PaymentIntent> = found
            .data
            .iter()
            .filter(|pi| {
                pi.transaction_id() == Some(txn.id.as_str())
                    && pi.money() == Some(txn.amount)
                    && pi.metadata.get("charge_key") == Some(&key)
            })
            .collect();
        // A success wins over any other payment; else the latest says.
        let decisive = mine
            .iter()
            .find(|pi| pi.status == PaymentIntentStatus::Succeeded)
            .or_else(|| mine.iter().max_by_key(|pi| pi.created));
        decisive
            .map(|pi| outcome_of(pi, txn.card.clone()))
            .transpose()
    }

    async fn cancel(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> Result<ChargeOutcome, ProcessorError> {
        let path = format!("v1/payment_intents/{payment_id}/cancel");
        let key = format!("{}:cancel", txn.charge_key());
        match self.post::<PaymentIntent>(&path, &[], &key).await {
            Ok(Answer::Object(pi)) if pi.status == PaymentIntentStatus::Canceled => {
                outcome_of(&pi, txn.card.clone())
            }
            // It can no longer be canceled (it succeeded, or is being processed): what is it?
            Ok(_) | Err(ProcessorError::Rejected(_)) => self.outcome(txn, payment_id).await,
            Err(e) => Err(e),
        }
    }

    async fn refund_duplicate(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> Result<RefundOutcome, ProcessorError> {
        let form = [
            ("payment_intent", payment_id.to_owned()),
            ("metadata[transaction_id]", txn.id.to_string()),
            ("metadata[payrail_reason]", "duplicate_charge".to_owned()),
        ];
        let key = format!("duplicate:{payment_id}");
        match self.post::<StripeRefund>("v1/refunds", &form, &key).await? {
            Answer::Object(re) => Ok(refund_outcome(&re)),
            Answer::CardError(_) => Ok(RefundOutcome::Failed("refund_failed".into())),
        }
    }

    async fn payment(&self, payment_id: &str) -> Result<PaymentFacts, ProcessorError> {
        let url = self
            .client
            .url(&format!("v1/payment_intents/{payment_id}"), &[])?;
        match self
            .client
            .call::<PaymentIntent>(Method::Get, url, &[], None)
            .await?
        {
            Answer::Object(pi) => Ok(PaymentFacts {
                transaction_id: pi.transaction_id().and_then(TransactionId::parse),
                amount: pi.money(),
            }),
            Answer::CardError(e) => Err(ProcessorError::Rejected(decline_reason(&e))),
        }
    }

    async fn refunds_of(
        &self,
        payment: &Transaction,
    ) -> Result<Vec<ProcessorRefund>, ProcessorError> {
        let Some(payment_intent) = payment.processor_payment_id.as_deref() else {
            return Ok(Vec::new());
        };
        let url = self.client.url(
            "v1/refunds",
            &[("payment_intent", payment_intent), ("limit", "100")],
        )?;
        let list: ListOf<StripeRefund> = match self.client.call(Method::Get, url, &[], None).await?
        {
            Answer::Object(list) => list,
            Answer::CardError(e) => return Err(ProcessorError::Rejected(decline_reason(&e))),
        };
        Ok(list
            .data
            .iter()
            .map(|re| ProcessorRefund {
                id: re.id.clone(),
                refund_id: re
                    .metadata
                    .get("refund_id")
                    .and_then(|id| RefundId::parse(id)),
                amount: re.money(),
                outcome: refund_outcome(re),
                created_at: Timestamp::from_unix(re.created),
            })
            .collect())
    }
}

/// A card error's answer as a decline, with the PaymentIntent Stripe attached to it.
fn declined_by(error: ErrorObject) -> ChargeOutcome {
    let reason = decline_reason(&error);
    let pi = error.payment_intent;
    ChargeOutcome::Declined {
        reason,
        card: pi.as_deref().and_then(card_of),
        payment_id: pi.map(|pi| pi.id),
    }
}
