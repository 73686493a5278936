//! The hosted checkout: the page a payment request's `url` points to, the card form, and the
//! sandbox processor behind a [`processor::Processor`] trait a real processor can implement.

pub mod card;
pub mod page;
pub mod processor;
pub mod service;

pub use service::{PayOutcome, pay, view};
