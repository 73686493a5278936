//! The queue of entries written after each response.

use tokio::sync::mpsc;

use super::LogEntry;
use crate::App;
use crate::store;

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
