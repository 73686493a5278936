//! The smaller commands: keys, the access log, resending an event.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::api::Api;
use crate::error::CliError;
use crate::out::Out;

pub async fn keys_create(
    api: &Api,
    out: &Out,
    label: &str,
    scope: &str,
    format: Option<&str>,
) -> Result<(), CliError> {
    let mut body = json!({"label": label, "scope": scope});
    if let Some(format) = format {
        body["format"] = json!(format);
    }
    let key = api.post("/keys", body).await?;
    out.result(&key, || {
        format!(
            "{}  {} ({})\n{}\nStore the key now: it is not shown again.",
            key["id"].as_str().unwrap_or_default(),
            key["label"].as_str().unwrap_or_default(),
            key["scope"].as_str().unwrap_or_default(),
            key["key"].as_str().unwrap_or_default(),
        )
    });
    Ok(())
}

pub async fn keys_list(api: &Api, out: &Out) -> Result<(), CliError> {
    let keys = api.all("/keys").await?;
    out.result(&Value::Array(keys.clone()), || {
        keys.iter()
            .map(|k| {
                format!(
                    "{}  {:<8} {:<10} {:<24} last used {}",
                    k["id"].as_str().unwrap_or_default(),
                    k["status"].as_str().unwrap_or_default(),
                    k["scope"].as_str().unwrap_or_default(),
                    k["label"].as_str().unwrap_or_default(),
                    k["last_used_at"].as_str().unwrap_or("never"),
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

pub async fn keys_revoke(api: &Api, out: &Out, id: &str) -> Result<(), CliError> {
    let key = api
        .call(reqwest::Method::DELETE, &format!("/keys/{id}"), &[], None)
        .await?;
    out.result(&key, || {
        format!("{} revoked", key["id"].as_str().unwrap_or(id))
    });
    Ok(())
}

pub async fn events_resend(
    api: &Api,
    out: &Out,
    id: &str,
    endpoint: Option<&str>,
) -> Result<(), CliError> {
    let body = match endpoint {
        Some(ep) => json!({"endpoint_id": ep}),
        None => json!({}),
    };
    let answer = api.post(&format!("/events/{id}/resend"), body).await?;
    out.result(&answer, || {
        format!("{id} queued for delivery again: {answer}")
    });
    Ok(())
}

/// Whether an access-log entry's status matches `filter`: a status (`429`) or a class (`4xx`).
fn status_matches(filter: &str, status: u64) -> bool {
    match filter.strip_suffix("xx") {
        Some(class) => class.parse::<u64>().is_ok_and(|c| status / 100 == c),
        None => filter.parse::<u64>().is_ok_and(|s| s == status),
    }
}

/// `payrail logs tail`: the newest entries that match, then each new one as it comes.
pub async fn logs_tail(
    api: &Api,
    out: &Out,
    status: Option<&str>,
    path: Option<&str>,
    interval: Duration,
) -> Result<(), CliError> {
    if let Some(s) = status
        && !(s.len() == 3 && (s.parse::<u16>().is_ok() || s.ends_with("xx")))
    {
        return Err(CliError::Other(format!(
            "--status '{s}' must be a status (429) or a class (4xx)"
        )));
    }
    let keep = |e: &Value| {
        status.is_none_or(|f| status_matches(f, e["status"].as_u64().unwrap_or(0)))
            && path.is_none_or(|p| e["path"].as_str().unwrap_or_default().starts_with(p))
    };
    let show = |e: &Value| {
        out.result(e, || {
            format!(
                "{}  {} {:<6} {}  {}",
                e["created_at"].as_str().unwrap_or_default(),
                e["status"],
                e["method"].as_str().unwrap_or_default(),
                e["path"].as_str().unwrap_or_default(),
                e["key_id"].as_str().unwrap_or("-"),
            )
        })
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut first = true;
    loop {
        let page = api.get("/logs", &[("limit", "100".to_owned())]).await?;
        let mut fresh: Vec<Value> = page["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| seen.insert(e["id"].as_str().unwrap_or_default().to_owned()))
            .filter(keep)
            .collect();
        fresh.reverse();
        // At the start, only the last few: a tail, not the whole log.
        let skip = if first {
            fresh.len().saturating_sub(10)
        } else {
            0
        };
        fresh.iter().skip(skip).for_each(show);
        first = false;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_filter_is_one_status_or_a_class() {
        assert!(status_matches("429", 429));
        assert!(!status_matches("429", 401));
        assert!(status_matches("4xx", 404));
        assert!(!status_matches("4xx", 500));
    }
}
