//! A merchant's customers: one per e-mail address, created by the API or on the first payment
//! from a new address, and linked from their transactions.

pub mod customer;
pub mod service;

pub use customer::{Customer, CustomerName, NewCustomer, Phone};
