//! AWS access: DynamoDB (one module per table), Secrets Manager ([`secrets`]) and SQS
//! ([`queue`]). Only this module knows item layouts, key names, index names, secret names and
//! queue messages; the rest of the crate sees domain types.
//!
//! Tables (declared in template.yaml, which is also what the local stack is built from):
//! - merchants: `id`; index `by_created` (`kind`, `id`) lists merchants newest first.
//! - keys: `id`; index `by_merchant` (`merchant_id`, `id`).
//! - transactions: `pk` holds a transaction id, or a uniqueness guard
//!   (`order#<merchant>#<order_uuid>`, `idem#<merchant>#<key>`) written in the same
//!   transaction as the payment; index `by_merchant` (`merchant_id`, `pk`) holds only payments.
//! - audit log: `log` (`admin`), `id`.
//! - payment links: `id`; index `by_merchant` (`merchant_id`, `id`).
//! - customers: `id` (derived from merchant and e-mail); index `by_merchant` (`merchant_id`, `seq`).
//! - two-step: `merchant_id`; a merchant's authenticator enrolment (see [`two_step`]).

pub mod access_log;
pub mod admin_token;
pub mod audit_log;
pub mod customers;
pub mod deliveries;
pub mod dynamo;
pub mod endpoints;
pub mod events;
pub mod keys;
pub mod links;
pub mod listing;
pub mod merchants;
pub mod processor_secrets;
pub mod queue;
pub mod refunds;
pub mod secrets;
pub mod transactions;
pub mod two_step;
pub mod two_step_secret;
pub mod webhook_keys;

mod error;
mod owned;

pub(crate) use dynamo::{from_item, get_item, put_item, to_item};
pub use error::StoreError;
pub(crate) use error::classify;
pub use owned::Owned;
pub(crate) use owned::owned;
