//! Audit log items: partition `log` (always `admin`: a low-volume log the operator reads whole),
//! sort `id` (time-ordered). Kept for good.

use super::access_log::batch_put;
use super::listing::{ListPage, NewestFirst};
use super::{StoreError, to_item};
use crate::App;
use crate::access_log::AuditEntry;
use crate::ids::AuditId;

const PARTITION: &str = "admin";

pub async fn put_all(app: &App, entries: &[AuditEntry]) -> Result<(), StoreError> {
    let mut items = Vec::with_capacity(entries.len());
    for entry in entries {
        let mut item = to_item(entry)?;
        item.insert(
            "log".into(),
            aws_sdk_dynamodb::types::AttributeValue::S(PARTITION.into()),
        );
        items.push(item);
    }
    batch_put(app, &app.settings.audit_log_table, items).await
}

pub async fn list(
    app: &App,
    limit: u32,
    after: Option<&AuditId>,
) -> Result<ListPage<AuditEntry>, StoreError> {
    NewestFirst {
        table: &app.settings.audit_log_table,
        index: None,
        partition: ("log", PARTITION.to_owned()),
        sort_key: "id",
        limit,
        after: after.map(ToString::to_string),
    }
    .fetch(app, |e: &AuditEntry| e.id.as_str())
    .await
}
