//! The processor a merchant collects through, chosen per payment from its settings.

use lambda_http::http::HeaderMap;

use super::stripe::Stripe;
use super::{
    ChargeOutcome, Instrument, Processor, ProcessorError, ProcessorKind, RefundOutcome, Report,
    Sandbox, Tender, WebhookError,
};
use crate::App;
use crate::domain::Timestamp;
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
            )))
        }
        _ if app.settings.allow_sandbox => Ok(Connected::Sandbox(Sandbox)),
        _ => Err(ApiError::Conflict(
            ErrorCode::ProcessorNotConnected,
            "this merchant has no payment processor connected yet".into(),
        )),
    }
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

    async fn verify_credentials(&self) -> Result<(), ProcessorError> {
        each!(self, p => p.verify_credentials().await)
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
}
