//! Domain types that can only hold valid values. Each is parsed once, at the edge; code that
//! holds one never checks it again.

pub mod contact;
pub mod metadata;
pub mod money;
pub mod text;
pub mod timestamp;
pub mod web_url;

pub use contact::Email;
pub use metadata::Metadata;
pub use money::{Currency, Money};
pub use text::{BoundedText, OrderUuid};
pub use timestamp::Timestamp;
pub use web_url::WebUrl;
