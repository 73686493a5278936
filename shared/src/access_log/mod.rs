//! The API access log: one entry per authenticated request (`id, method, path, status, key_id,
//! created_at`), kept 30 days by DynamoDB TTL. Never bodies, keys or secrets.
//!
//! Handlers only queue an entry; it is written after the response has gone out, so the caller
//! never waits for it. In Lambda, an internal extension writes the queue after each invocation,
//! before the execution environment is frozen (see [`crate::lambda`]); locally a background
//! task does.

pub mod audit;
pub mod entry;
mod queue;
mod service;
mod writer;

pub use audit::{AuditEntry, AuditedRequest};
pub use entry::{LogEntry, RETENTION};
pub use queue::{AccessLog, AccessLogReceiver};
pub use service::{audit_log, list};
pub use writer::{flush, run_writer};
