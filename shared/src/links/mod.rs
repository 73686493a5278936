//! Payment links: reusable pages (`/pay/<id>`) where each customer starts a payment.

pub mod html;
mod link;
pub mod service;

pub use link::{
    Availability, LinkChange, LinkPrice, LinkTitle, MAX_QUANTITY_LIMIT, NewLink, PaymentLink, Visit,
};
