//! The hosted checkout: the page a payment request's `url` points to and the card form, charged
//! through a [`crate::processor::Processor`].

pub mod html;
pub mod service;

pub use service::{PayOutcome, pay, pay_with, view};
