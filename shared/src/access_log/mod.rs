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

pub use audit::AuditEntry;
pub use entry::{LogEntry, RETENTION};
pub use queue::{AccessLog, AccessLogReceiver, flush, run_writer};

use crate::App;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::input::ListParams;
use crate::ids::LogId;
use crate::store::{self, listing::ListPage};

/// The operator's audit log, newest first.
pub async fn audit_log(
    app: &App,
    page: &ListParams<crate::ids::AuditId>,
) -> Result<ListPage<AuditEntry>, ApiError> {
    Ok(store::audit_log::list(app, page.limit, page.after.as_ref()).await?)
}

/// A merchant's log, newest first. The admin token names the merchant with `merchant_id`.
pub async fn list(
    app: &App,
    principal: &Principal,
    merchant_id: Option<&str>,
    page: &ListParams<LogId>,
) -> Result<ListPage<LogEntry>, ApiError> {
    let merchant = crate::keys::merchant_in_scope(app, principal, merchant_id).await?;
    Ok(store::access_log::list(app, &merchant, page.limit, page.after.as_ref()).await?)
}
