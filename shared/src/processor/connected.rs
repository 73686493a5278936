//! The processor a merchant collects through, chosen per payment from its settings.

use lambda_http::http::HeaderMap;

use super::stripe::Stripe;
use super::{
    ChargeOutcome, Instrument, PaymentFacts, Processor, ProcessorError, ProcessorKind,
    ProcessorRefund, RefundOutcome, Report, Sandbox, Tender, WebhookError,
};
use crate::App;
use crate::domain::{Money, Timestamp};
use crate::error::{ApiError, ErrorCode, FieldErrors};
use crate::ids::MerchantId;
use crate::input::JsonObject;
use crate::merchants::Merchant;
use crate::payments::transaction::Transaction;
use crate::refunds::refund::Refund;

/// One of the processors Payrail speaks to.
pub enum Connected {
    Sandbox(Sandbox),
    Stripe(Stripe),
}

/// The processor of the merchant `id` names.
pub async fn connect_merchant(app: &App, id: &MerchantId) -> Result<Connected, ApiError> {
    let merchant = crate::store::merchants::get(app, id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("merchant {id} is missing")))?;
    connect(app, &merchant).await
}

/// The merchant's processor: Stripe when it connected Stripe; else the sandbox, where this
/// deployment allows it (409 where it does not: nothing can be collected yet).
pub async fn connect(app: &App, merchant: &Merchant) -> Result<Connected, ApiError> {
    match merchant.processor.as_ref() {
        Some(config) if config.kind == ProcessorKind::Stripe => {
            let secrets = crate::store::processor_secrets::get(app, &merchant.id)
                .await?
                .ok_or_else(|| ApiError::internal("Stripe is connected but has no secrets"))?;
            Ok(Connected::Stripe(Stripe::new(
                app,
                secrets.secret_key,
                secrets.webhook_secret,
                config.livemode,
                config.account_id.clone(),
            )))
        }
        _ if app.settings.allow_sandbox => Ok(Connected::Sandbox(Sandbox)),
        _ => Err(ApiError::Conflict(
            ErrorCode::ProcessorNotConnected,
            "this merchant has no payment processor connected yet".into(),
        )),
    }
}

/// Which processor refunds a payment: the one that took it, whatever the merchant uses today.
pub enum Through {
    /// The merchant's connected processor took it.
    Connected,
    /// The sandbox took it (no money moved), though the merchant now uses another processor.
    Sandbox,
    /// A processor, account mode or key the merchant no longer has took it: nothing can return
    /// the money from here.
    Refused(String),
}

pub fn through(connected: &impl Processor, txn: &Transaction) -> Through {
    let took = txn.processor.unwrap_or(connected.kind());
    if took == ProcessorKind::Sandbox && connected.kind() != ProcessorKind::Sandbox {
        return Through::Sandbox;
    }
    if took != connected.kind() {
        return Through::Refused(format!(
            "this payment was taken through {}, which this merchant no longer has connected: \
             connect it again to refund the payment",
            took.as_str()
        ));
    }
    if txn
        .livemode
        .is_some_and(|live| live != connected.livemode())
    {
        let mode = |live: bool| if live { "live" } else { "test" };
        return Through::Refused(format!(
            "this payment was taken in {} mode and {} is now connected in {} mode: connect the \
             {} keys again to refund it",
            mode(!connected.livemode()),
            took.as_str(),
            mode(connected.livemode()),
            mode(!connected.livemode()),
        ));
    }
    if let (Some(paid_to), Some(current)) = (txn.processor_account.as_deref(), connected.account())
        && paid_to != current
    {
        return Through::Refused(format!(
            "this payment was taken through {} account {paid_to}, and the account connected now \
             is {current}: connect {paid_to} again to refund it",
            took.as_str()
        ));
    }
    Through::Connected
}

/// Why the processor of `kind` would refuse to charge `amount` (the field, and what to say), so
/// a payment request is refused at creation rather than left unpayable.
pub fn refusal_at_creation(kind: ProcessorKind, amount: &Money) -> Option<(&'static str, String)> {
    match kind {
        ProcessorKind::Sandbox => None,
        ProcessorKind::Stripe => super::stripe::limits::refusal(amount),
    }
}

/// Whether any processor would refuse `amount`: only then does the merchant's choice matter.
pub fn some_processor_refuses(amount: &Money) -> bool {
    [ProcessorKind::Sandbox, ProcessorKind::Stripe]
        .into_iter()
        .any(|kind| refusal_at_creation(kind, amount).is_some())
}

/// The processor to ask about `txn`'s payment: the one that took it, as the merchant has it
/// connected now; the reason when it is connected no longer.
pub async fn connect_for_payment(
    app: &App,
    txn: &Transaction,
) -> Result<Result<Connected, String>, ApiError> {
    if txn.processor == Some(ProcessorKind::Sandbox) {
        return Ok(Ok(Connected::Sandbox(Sandbox)));
    }
    let connected = connect_merchant(app, &txn.merchant_id).await?;
    Ok(match through(&connected, txn) {
        Through::Connected => Ok(connected),
        Through::Sandbox => Ok(Connected::Sandbox(Sandbox)),
        Through::Refused(why) => Err(why),
    })
}

/// Runs `$call` on whichever processor `$self` is.
macro_rules! each {
    ($self:expr, $p:ident => $call:expr) => {
        match $self {
            Connected::Sandbox($p) => $call,
            Connected::Stripe($p) => $call,
        }
    };
}

impl Processor for Connected {
    fn kind(&self) -> ProcessorKind {
        each!(self, p => p.kind())
    }

    fn livemode(&self) -> bool {
        each!(self, p => p.livemode())
    }

    fn read_tender(&self, form: &JsonObject, now: Timestamp) -> Result<Tender, FieldErrors> {
        each!(self, p => p.read_tender(form, now))
    }

    async fn verify_credentials(&self) -> Result<Option<String>, ProcessorError> {
        each!(self, p => p.verify_credentials().await)
    }

    fn account(&self) -> Option<&str> {
        each!(self, p => p.account())
    }

    fn read_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Report, WebhookError> {
        each!(self, p => p.read_webhook(headers, body, now))
    }

    async fn charge(
        &self,
        txn: &Transaction,
        instrument: Instrument<'_>,
    ) -> Result<ChargeOutcome, ProcessorError> {
        each!(self, p => p.charge(txn, instrument).await)
    }

    async fn outcome(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> Result<ChargeOutcome, ProcessorError> {
        each!(self, p => p.outcome(txn, payment_id).await)
    }

    async fn refund(
        &self,
        payment: &Transaction,
        refund: &Refund,
    ) -> Result<RefundOutcome, ProcessorError> {
        each!(self, p => p.refund(payment, refund).await)
    }

    async fn find_charge(
        &self,
        txn: &Transaction,
    ) -> Result<Option<ChargeOutcome>, ProcessorError> {
        each!(self, p => p.find_charge(txn).await)
    }

    async fn cancel(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> Result<ChargeOutcome, ProcessorError> {
        each!(self, p => p.cancel(txn, payment_id).await)
    }

    async fn refund_duplicate(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> Result<RefundOutcome, ProcessorError> {
        each!(self, p => p.refund_duplicate(txn, payment_id).await)
    }

    async fn payment(&self, payment_id: &str) -> Result<PaymentFacts, ProcessorError> {
        each!(self, p => p.payment(payment_id).await)
    }

    async fn refunds_of(
        &self,
        payment: &Transaction,
    ) -> Result<Vec<ProcessorRefund>, ProcessorError> {
        each!(self, p => p.refunds_of(payment).await)
    }
}
