//! The processor a merchant collects through, chosen per payment from its settings.

use super::Sandbox;
use super::{ChargeOutcome, Instrument, Processor, ProcessorError, ProcessorKind, RefundOutcome};
use crate::App;
use crate::error::{ApiError, ErrorCode};
use crate::ids::MerchantId;
use crate::merchants::Merchant;
use crate::payments::transaction::Transaction;
use crate::refunds::refund::Refund;

/// One of the processors Payrail speaks to.
pub enum Connected {
    Sandbox(Sandbox),
    #[cfg(feature = "stripe")]
    Stripe(super::stripe::Stripe),
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
            stripe(app, secrets.secret_key, config.livemode)
        }
        _ if app.settings.allow_sandbox => Ok(Connected::Sandbox(Sandbox)),
        _ => Err(ApiError::Conflict(
            ErrorCode::ProcessorNotConnected,
            "this merchant has no payment processor connected yet".into(),
        )),
    }
}

#[cfg(feature = "stripe")]
fn stripe(app: &App, secret_key: String, livemode: bool) -> Result<Connected, ApiError> {
    Ok(Connected::Stripe(super::stripe::Stripe::new(
        app, secret_key, livemode,
    )))
}

#[cfg(not(feature = "stripe"))]
fn stripe(_app: &App, _secret_key: String, _livemode: bool) -> Result<Connected, ApiError> {
    Err(ApiError::internal(
        "this function was built without Stripe support",
    ))
}

impl Processor for Connected {
    fn kind(&self) -> ProcessorKind {
        match self {
            Self::Sandbox(p) => p.kind(),
            #[cfg(feature = "stripe")]
            Self::Stripe(p) => p.kind(),
        }
    }

    fn livemode(&self) -> bool {
        match self {
            Self::Sandbox(p) => p.livemode(),
            #[cfg(feature = "stripe")]
            Self::Stripe(p) => p.livemode(),
        }
    }

    async fn charge(
        &self,
        txn: &Transaction,
        instrument: Instrument<'_>,
    ) -> Result<ChargeOutcome, ProcessorError> {
        match self {
            Self::Sandbox(p) => p.charge(txn, instrument).await,
            #[cfg(feature = "stripe")]
            Self::Stripe(p) => p.charge(txn, instrument).await,
        }
    }

    async fn outcome(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> Result<ChargeOutcome, ProcessorError> {
        match self {
            Self::Sandbox(p) => p.outcome(txn, payment_id).await,
            #[cfg(feature = "stripe")]
            Self::Stripe(p) => p.outcome(txn, payment_id).await,
        }
    }

    async fn refund(
        &self,
        payment: &Transaction,
        refund: &Refund,
    ) -> Result<RefundOutcome, ProcessorError> {
        match self {
            Self::Sandbox(p) => p.refund(payment, refund).await,
            #[cfg(feature = "stripe")]
            Self::Stripe(p) => p.refund(payment, refund).await,
        }
    }
}
