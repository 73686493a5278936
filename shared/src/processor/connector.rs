//! What a processor's connector implements: charging, the customer's bank step (3-D Secure),
//! refunding, checking its credentials, and reading the webhooks it sends. The checkout, the
//! refunds and the webhook route never know which processor answered.

use std::future::Future;

use lambda_http::http::HeaderMap;

use crate::domain::{Money, Timestamp};
use crate::error::FieldErrors;
use crate::ids::{RefundId, TransactionId};
use crate::input::JsonObject;
use crate::payments::card::{Card, CardDetails};
use crate::payments::dispute::DisputeStatus;
use crate::payments::transaction::{ProcessorKind, Transaction};
use crate::refunds::Refund;

/// What pays: card details typed on the sandbox's page, or a payment method the processor's own
/// script made in the customer's browser.
#[derive(Debug, Clone, Copy)]
pub enum Instrument<'a> {
    Card(&'a CardDetails),
    PaymentMethod(&'a str),
}

/// What the customer's checkout form brought to pay with, owned: see [`Instrument`].
#[derive(Debug)]
pub enum Tender {
    Card(CardDetails),
    PaymentMethod(String),
}

impl Tender {
    pub fn instrument(&self) -> Instrument<'_> {
        match self {
            Self::Card(card) => Instrument::Card(card),
            Self::PaymentMethod(id) => Instrument::PaymentMethod(id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Approved {
        card: Option<Card>,
        payment_id: Option<String>,
    },
    /// Declined, with the reason kept on the transaction (`card_declined`, …).
    Declined {
        reason: String,
        card: Option<Card>,
        payment_id: Option<String>,
    },
    /// The customer's bank asks them to confirm (3-D Secure): the page hands `client_secret` to
    /// the processor's script, then posts back for [`Processor::outcome`].
    RequiresAction {
        client_secret: String,
        payment_id: String,
        card: Option<Card>,
    },
    /// Accepted, outcome later (the processor's webhook settles it).
    Pending { payment_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    Succeeded,
    /// Refused, with the processor's reason kept on the refund.
    Failed(String),
    /// Accepted, outcome later.
    Pending,
}

/// The processor gave no outcome, and whether the request may still have taken effect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcessorError {
    /// Never reached: nothing happened.
    #[error("the processor is unavailable: {0}")]
    Unavailable(String),
    /// It refused the request itself, so nothing happened: a bad key, an unknown payment
    /// method, an instrument this processor does not take.
    #[error("the processor refused the request: {0}")]
    Rejected(String),
    /// It holds no such object (a payment or refund of another account): nothing happened.
    #[error("the processor has no such object: {0}")]
    Missing(String),
    /// The request may have taken effect, but no answer says how (a lost answer, a 5xx, a
    /// key still in use): the outcome must be asked for again before anything is decided.
    #[error("the processor's answer is unknown: {0}")]
    Unknown(String),
}

impl ProcessorError {
    /// Whether the processor is known to have done nothing.
    pub fn nothing_happened(&self) -> bool {
        !matches!(self, Self::Unknown(_))
    }
}

/// What a processor's webhook says, once its signature was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// A payment of a Payrail transaction reached an outcome (only `Approved` or `Declined`).
    Payment {
        transaction_id: TransactionId,
        payment_id: String,
        outcome: ChargeOutcome,
        /// The amount the processor's payment is for, when it says: a report settles a
        /// transaction only when it is the transaction's amount.
        charged: Option<Money>,
    },
    /// The refunds of the processor's payment `payment_id` changed: made through Payrail or
    /// outside it (the processor's dashboard).
    Refunds { payment_id: String },
    /// A customer disputes the processor's payment `payment_id`, or the dispute changed.
    Dispute {
        payment_id: String,
        id: String,
        status: DisputeStatus,
        amount: Option<Money>,
        reason: Option<String>,
        created_at: Timestamp,
    },
    /// Nothing Payrail acts on: another type of event, or a payment Payrail did not start.
    Ignored,
}

/// What a processor says about one of its payments: which transaction it was made for, and
/// for how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFacts {
    pub transaction_id: Option<TransactionId>,
    pub amount: Option<Money>,
}

/// A refund as the processor holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessorRefund {
    /// The processor's id (`re_…`).
    pub id: String,
    /// The Payrail refund it was made for; `None` for one made outside Payrail.
    pub refund_id: Option<RefundId>,
    pub amount: Option<Money>,
    pub outcome: RefundOutcome,
    pub created_at: Timestamp,
}

/// Why a webhook was not read: nothing of it may be trusted (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("invalid signature: {0}")]
    Signature(String),
    #[error("the event is not what the processor sends: {0}")]
    Malformed(String),
    #[error("this processor sends no webhooks")]
    Unsupported,
}

pub trait Processor: Send + Sync {
    fn kind(&self) -> ProcessorKind;

    /// Whether money really moves (a live key).
    fn livemode(&self) -> bool;

    /// What the checkout form brought to pay with, or the form's field errors. By default the
    /// page's own card form, as the sandbox takes it.
    fn read_tender(&self, form: &JsonObject, now: Timestamp) -> Result<Tender, FieldErrors> {
        CardDetails::parse(form, now.year_month()).map(Tender::Card)
    }

    /// Checks the credentials with the processor itself (a revoked or mistyped key is
    /// `Rejected`), before they are stored; the account they belong to, where the processor
    /// has accounts.
    fn verify_credentials(
        &self,
    ) -> impl Future<Output = Result<Option<String>, ProcessorError>> + Send {
        async { Ok(None) }
    }

    /// The processor's account this connection charges through, where it has accounts.
    fn account(&self) -> Option<&str> {
        None
    }

    /// Reads a webhook the processor sent, verifying its signature over the raw `body` before
    /// anything of it is parsed.
    fn read_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Report, WebhookError> {
        let _ = (headers, body, now);
        Err(WebhookError::Unsupported)
    }

    /// Charges `txn`'s amount to `instrument`, with the transaction id as idempotency key, so
    /// a retry after an unknown outcome never charges twice. A decline is an outcome; an error
    /// means no outcome is known.
    fn charge(
        &self,
        txn: &Transaction,
        instrument: Instrument<'_>,
    ) -> impl Future<Output = Result<ChargeOutcome, ProcessorError>> + Send;

    /// The outcome of payment `payment_id` of `txn` now, after the customer's bank step.
    fn outcome(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> impl Future<Output = Result<ChargeOutcome, ProcessorError>> + Send;

    /// Refunds `refund.amount` of `payment`, with the refund id as idempotency key.
    fn refund(
        &self,
        payment: &Transaction,
        refund: &Refund,
    ) -> impl Future<Output = Result<RefundOutcome, ProcessorError>> + Send;

    /// What became of the charge of `txn` whose answer was lost: the outcome of the payment the
    /// processor made for it, or `None` when it made none. By default nothing can be lost.
    fn find_charge(
        &self,
        txn: &Transaction,
    ) -> impl Future<Output = Result<Option<ChargeOutcome>, ProcessorError>> + Send {
        let _ = txn;
        async { Ok(None) }
    }

    /// Cancels payment `payment_id` of `txn`, which expired while it waited on the customer's
    /// bank; the payment's outcome after that (declined `canceled`, or approved when it had
    /// succeeded meanwhile).
    fn cancel(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> impl Future<Output = Result<ChargeOutcome, ProcessorError>> + Send {
        let _ = (txn, payment_id);
        async {
            Err(ProcessorError::Rejected(
                "this processor has no payments to cancel".into(),
            ))
        }
    }

    /// One of the processor's payments, as it describes it.
    fn payment(
        &self,
        payment_id: &str,
    ) -> impl Future<Output = Result<PaymentFacts, ProcessorError>> + Send {
        let _ = payment_id;
        async {
            Err(ProcessorError::Rejected(
                "this processor has no payments to read".into(),
            ))
        }
    }

    /// Refunds in full the processor's payment `payment_id`: a second charge for `txn`, which
    /// was paid through another payment.
    fn refund_duplicate(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> impl Future<Output = Result<RefundOutcome, ProcessorError>> + Send {
        let _ = (txn, payment_id);
        async {
            Err(ProcessorError::Rejected(
                "this processor has no payments to refund".into(),
            ))
        }
    }

    /// Every refund the processor holds of `payment`, however it was made.
    fn refunds_of(
        &self,
        payment: &Transaction,
    ) -> impl Future<Output = Result<Vec<ProcessorRefund>, ProcessorError>> + Send {
        let _ = payment;
        async { Ok(Vec::new()) }
    }
}
