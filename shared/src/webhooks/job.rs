//! The messages on the delivery queues: which event goes to which endpoint, and for a retry,
//! which attempt and when.

use serde::{Deserialize, Serialize};

use crate::ids::{EndpointId, EventId};

/// A delivery job: the body of a message on the deliveries queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub event_id: EventId,
    pub endpoint_id: EndpointId,
}

/// A job on the retry queue: a retry, or a delivery to an endpoint in a failure run. Each
/// message is one attempt; a failed attempt queues the next as a new message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryJob {
    #[serde(flatten)]
    pub job: Job,
    /// Which attempt this message is for (1 is the first).
    pub attempt: u32,
    /// Unix seconds before which it is not attempted.
    pub due: i64,
}
