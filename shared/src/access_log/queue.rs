//! The queue of entries written after each response: access-log entries, and the operator's
//! audit entries.

use tokio::sync::mpsc;

use super::{AuditEntry, LogEntry};

/// One entry to write after the response.
#[derive(Debug)]
pub enum Record {
    Access(LogEntry),
    Audit(AuditEntry),
}

pub type AccessLogReceiver = mpsc::UnboundedReceiver<Record>;

/// Queues entries for writing after the response.
#[derive(Debug, Clone)]
pub struct AccessLog(mpsc::UnboundedSender<Record>);

impl AccessLog {
    pub fn channel() -> (Self, AccessLogReceiver) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self(tx), rx)
    }

    pub fn record(&self, entry: LogEntry) {
        // The receiver lives as long as the process; if it is gone there is nowhere to write.
        let _ = self.0.send(Record::Access(entry));
    }

    pub fn audit(&self, entry: AuditEntry) {
        let _ = self.0.send(Record::Audit(entry));
    }
}
