//! The seam to payment processors: charging, the customer's bank step (3-D Secure), refunding,
//! and the processors' own webhooks.
//!
//! [`Processor`] is what a processor's connector implements; the checkout and refunds never
//! know which one answered. The sandbox decides by test card number; Stripe charges a payment
//! method tokenised in the customer's browser, so no card number ever reaches Payrail. A new
//! connector is a folder like `stripe/`, a variant of [`Connected`], and a [`ProcessorKind`].

pub mod config;
mod connected;
mod connector;
mod sandbox;
pub mod service;
pub mod stripe;

pub use crate::payments::transaction::ProcessorKind;
pub use connected::{
    Connected, Through, connect, connect_for_payment, connect_merchant, refusal_at_creation,
    some_processor_refuses, through,
};
pub use connector::{
    ChargeOutcome, Instrument, PaymentFacts, Processor, ProcessorError, ProcessorRefund,
    RefundOutcome, Report, Tender, WebhookError,
};
pub use sandbox::{DECLINED_CARD, INSUFFICIENT_FUNDS_CARD, REFUND_FAILS_CARD, Sandbox};
