//! The API access log: one entry per authenticated request (`id, method, path, status, key_id,
//! created_at`), kept 30 days by DynamoDB TTL. Never bodies, keys or secrets.
//!
//! Handlers only queue an entry; it is written after the response has gone out, so the caller
//! never waits for it. In Lambda, an internal extension writes the queue after each invocation,
//! before the execution environment is frozen (see [`crate::lambda`]); locally a background
//! task does.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::App;
use crate::auth::Principal;
use crate::domain::Timestamp;
use crate::error::ApiError;
use crate::http::Page;
use crate::ids::{KeyId, LogId, MerchantId};
use crate::store::{self, page::PageOf};

/// How long entries are kept.
pub const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub id: LogId,
    pub merchant_id: MerchantId,
    pub method: String,
    /// The path as requested, without the query string (which may carry filters, never secrets,
    /// but is not needed to audit access).
    pub path: String,
    pub status: u16,
    pub key_id: KeyId,
    pub created_at: Timestamp,
}

impl LogEntry {
    pub fn new(
        merchant_id: &MerchantId,
        key_id: &KeyId,
        method: &str,
        path: &str,
        status: u16,
    ) -> Self {
        Self {
            id: LogId::generate(),
            merchant_id: merchant_id.clone(),
            method: method.to_owned(),
            path: path.chars().take(512).collect(),
            status,
            key_id: key_id.clone(),
            created_at: Timestamp::now(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "key_id": self.key_id,
            "created_at": self.created_at,
        })
    }
}

pub type AccessLogReceiver = mpsc::UnboundedReceiver<LogEntry>;

/// Queues entries for writing after the response.
#[derive(Debug, Clone)]
pub struct AccessLog(mpsc::UnboundedSender<LogEntry>);

impl AccessLog {
    pub fn channel() -> (Self, AccessLogReceiver) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self(tx), rx)
    }

    pub fn record(&self, entry: LogEntry) {
        // The receiver lives as long as the process; if it is gone there is nowhere to write.
        let _ = self.0.send(entry);
    }
}

/// Writes every queued entry now; failures are logged, never answered (the response is gone).
pub async fn flush(app: &App, receiver: &mut AccessLogReceiver) {
    let mut entries = Vec::new();
    while let Ok(entry) = receiver.try_recv() {
        entries.push(entry);
    }
    if entries.is_empty() {
        return;
    }
    if let Err(e) = store::access_log::put_all(app, &entries).await {
        tracing::error!(error = %e, count = entries.len(), "access log write failed");
    }
}

/// Writes entries as they arrive, until the sender side is dropped. For long-running
/// processes (the local server); Lambda uses [`flush`] from its extension instead.
pub async fn run_writer(app: &App, mut receiver: AccessLogReceiver) {
    while let Some(first) = receiver.recv().await {
        let mut entries = vec![first];
        while let Ok(more) = receiver.try_recv() {
            entries.push(more);
        }
        if let Err(e) = store::access_log::put_all(app, &entries).await {
            tracing::error!(error = %e, count = entries.len(), "access log write failed");
        }
    }
}

/// A merchant's log, newest first. The admin token names the merchant with `merchant_id`.
pub async fn list(
    app: &App,
    principal: &Principal,
    merchant_id: Option<&str>,
    page: &Page,
) -> Result<PageOf<LogEntry>, ApiError> {
    let merchant =
        crate::keys::merchant_in_scope(app, principal, merchant_id, crate::auth::Access::Read)
            .await?;
    let after = page
        .cursor
        .as_deref()
        .map(|c| store::page::decode_cursor(c, LogId::parse))
        .transpose()?;
    Ok(store::access_log::list(app, &merchant, page.limit, after.as_ref()).await?)
}
