//! The operator's audit log: every change made with the admin token (merchants, keys, and what
//! it does acting for a merchant), refused attempts included, with the time, the route, what it
//! acted on and the request id. Written after the answer, like the access log; kept for good
//! (no TTL), readable only with the admin token (`GET /api/v1/audit-log`).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::Timestamp;
use crate::ids::AuditId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: AuditId,
    /// The route, as template.yaml names it: `PATCH /api/v1/merchants/{id}`.
    pub action: String,
    pub path: String,
    /// The object acted on: the id in the path, or the one a create answered with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The merchant whose data it was: named by `?merchant_id=` or the body, or the merchant
    /// itself for the merchant routes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    pub status: u16,
    pub request_id: String,
    pub created_at: Timestamp,
}

/// Text that names an object: an id-shaped value, never free text from a body.
fn id_like(raw: &str) -> Option<String> {
    let ok = (1..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then(|| raw.to_owned())
}

/// What of an admin request the audit log keeps, as the HTTP edge read it.
#[derive(Debug, Clone, Copy)]
pub struct AuditedRequest<'a> {
    /// As template.yaml names it: `PATCH /api/v1/merchants/{id}`.
    pub route: &'a str,
    pub path: &'a str,
    /// The `{id}` path parameter.
    pub id_param: Option<&'a str>,
    /// The `merchant_id` query parameter.
    pub merchant_param: Option<&'a str>,
    pub body: &'a [u8],
    pub request_id: &'a str,
}

impl AuditEntry {
    /// The entry for an admin request answered `status` with `answer` (the envelope).
    pub fn of(req: AuditedRequest<'_>, status: u16, answer: &Value) -> Self {
        let created = answer["data"]["id"].as_str().filter(|_| status == 201);
        let target = req.id_param.or(created).and_then(id_like);
        let from_body = || {
            serde_json::from_slice::<Value>(req.body)
                .ok()
                .and_then(|b| b["merchant_id"].as_str().map(str::to_owned))
        };
        let merchant_id = if req.route.contains("/api/v1/merchants") {
            target.clone()
        } else {
            req.merchant_param
                .map(str::to_owned)
                .or_else(from_body)
                .and_then(|m| id_like(&m))
        };
        Self {
            id: AuditId::generate(),
            action: req.route.chars().take(200).collect(),
            path: req.path.chars().take(512).collect(),
            target,
            merchant_id,
            status,
            request_id: req.request_id.chars().take(128).collect(),
            created_at: Timestamp::now(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "action": self.action,
            "path": self.path,
            "target": self.target,
            "merchant_id": self.merchant_id,
            "status": self.status,
            "request_id": self.request_id,
            "created_at": self.created_at,
        })
    }
}
