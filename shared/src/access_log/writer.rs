//! Writing the queued entries (see [`super::queue`]) after the response has gone out.

use super::queue::{AccessLogReceiver, Record};
use crate::App;
use crate::store;

/// Writes a batch; failures are logged, never answered (the response is gone).
async fn write(app: &App, records: Vec<Record>) {
    let (mut access, mut audit) = (Vec::new(), Vec::new());
    for record in records {
        match record {
            Record::Access(e) => access.push(e),
            Record::Audit(e) => audit.push(e),
        }
    }
    if !access.is_empty()
        && let Err(e) = store::access_log::put_all(app, &access).await
    {
        tracing::error!(error = %e, count = access.len(), "access log write failed");
    }
    if !audit.is_empty()
        && let Err(e) = store::audit_log::put_all(app, &audit).await
    {
        tracing::error!(error = %e, count = audit.len(), "audit log write failed");
    }
}

/// Writes every queued entry now.
pub async fn flush(app: &App, receiver: &mut AccessLogReceiver) {
    let mut records = Vec::new();
    while let Ok(record) = receiver.try_recv() {
        records.push(record);
    }
    if !records.is_empty() {
        write(app, records).await;
    }
}

/// Writes entries as they arrive, until the sender side is dropped. For long-running
/// processes (the local server); Lambda uses [`flush`] from its extension instead.
pub async fn run_writer(app: &App, mut receiver: AccessLogReceiver) {
    while let Some(first) = receiver.recv().await {
        let mut records = vec![first];
        while let Ok(more) = receiver.try_recv() {
            records.push(more);
        }
        write(app, records).await;
    }
}
