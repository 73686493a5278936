//! OwnPay's dialect (`/ownpay/api/v1`): a shop written against OwnPay's own clients (its
//! WooCommerce plugin, WHMCS module, Laravel package, Node.js SDK) pays through Payrail with
//! only its base URL and key changed. An OwnPay payment is a Payrail transaction; its
//! `reference` is the transaction's order reference.

pub mod customer;
pub mod keys;
pub mod paging;
pub mod payment;
pub mod refund;
pub mod service;
pub mod webhooks;

pub use paging::Paging;
pub use payment::{
    intent_to_new_payment, payment_json, status_word, to_new_payment, transaction_json,
};
pub use refund::{refund_json, refund_request};
