//! Reading the access log and the operator's audit log.

use crate::App;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::ids::LogId;
use crate::input::ListParams;
use crate::store::{self, listing::ListPage};

use super::{AuditEntry, LogEntry};

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
