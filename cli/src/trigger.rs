//! `payrail trigger <event>`: makes an event happen with a sandbox payment, driven as a
//! customer and a merchant would drive it (the hosted checkout's form, a refund, a cancel),
//! and answers the event once it is in the log.

use std::time::Duration;

use payrail::domain::Timestamp;
use serde_json::{Value, json};

use crate::api::{Api, root_cause};
use crate::error::CliError;

/// The events `trigger` can make happen.
pub const EVENTS: [&str; 5] = [
    "payment.succeeded",
    "payment.declined",
    "payment.refunded",
    "payment.canceled",
    "payment.expired",
];

/// What happened: the transaction, and the event it produced.
pub struct Triggered {
    pub transaction_id: String,
    pub event: Value,
}

pub async fn run(api: &Api, event: &str, wait: Duration) -> Result<Triggered, CliError> {
    if !EVENTS.contains(&event) {
        return Err(CliError::Other(format!(
            "cannot trigger '{event}': one of {}",
            EVENTS.join(", ")
        )));
    }
    let processor = api.get("/processor", &[]).await?;
    if processor["type"].as_str() != Some("sandbox") {
        return Err(CliError::Other(format!(
            "trigger pays with the sandbox's test cards; this merchant's processor is {}",
            processor["type"].as_str().unwrap_or("none")
        )));
    }
    let order = format!("cli-{}", &payrail::crypto::random_secret()[..16]);
    let txn = api
        .post(
            "/payment-requests",
            json!({
                "order_uuid": order, "total_amount": "25.00", "currency": "USD",
                "email": "trigger@example.com", "product_title": format!("payrail trigger {event}"),
                "success_url": "https://example.com/paid", "cancel_url": "https://example.com/cancel",
                "metadata": {"source": "payrail trigger"},
            }),
        )
        .await?;
    let id = txn["transaction_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let url = txn["url"].as_str().unwrap_or_default().to_owned();
    let mut wait_for = Duration::from_secs(15);
    match event {
        "payment.succeeded" => pay(api, &url, "4242424242424242").await?,
        "payment.declined" => pay(api, &url, payrail::processor::DECLINED_CARD).await?,
        "payment.refunded" => {
            pay(api, &url, "4242424242424242").await?;
            api.post(&format!("/transactions/{id}/refunds"), json!({}))
                .await?;
        }
        "payment.canceled" => {
            api.post(&format!("/transactions/{id}/cancel"), json!({}))
                .await?;
        }
        _ => {
            // payment.expired: the deployment's sweep expires it once its lifetime is over.
            let expires = txn["expires_at"]
                .as_str()
                .and_then(Timestamp::parse)
                .map_or(0, Timestamp::unix);
            let lifetime = (expires - Timestamp::now().unix()).max(0) as u64;
            // The sweep runs every minute.
            let needed = Duration::from_secs(lifetime + 70);
            if needed > wait {
                return Err(CliError::Other(format!(
                    "{id} expires in {lifetime} s on this deployment (its checkout lifetime), \
                     and the sweep runs each minute: run with --wait {} or against a stack \
                     with a shorter PAYRAIL_CHECKOUT_TTL_SECONDS",
                    needed.as_secs()
                )));
            }
            wait_for = needed;
        }
    }
    let found = event_of(api, event, &id, wait_for).await?;
    Ok(Triggered {
        transaction_id: id,
        event: found,
    })
}

/// Pays on the hosted checkout page as a customer's browser would: the page's form, with the
/// token it carries and a test card.
async fn pay(api: &Api, url: &str, card: &str) -> Result<(), CliError> {
    let unreachable =
        |e: reqwest::Error| CliError::Unreachable(format!("{url}: {}", root_cause(&e)));
    let page = api
        .http()
        .get(url)
        .send()
        .await
        .map_err(unreachable)?
        .text()
        .await
        .map_err(unreachable)?;
    let token = form_token(&page)
        .ok_or_else(|| CliError::Other(format!("{url} has no payment form to fill in")))?;
    let year = (time_year() + 3).to_string();
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| CliError::Other(e.to_string()))?;
    let res = no_redirect
        .post(url)
        .form(&[
            ("token", token.as_str()),
            ("card_number", card),
            ("exp_month", "12"),
            ("exp_year", year.as_str()),
            ("cvc", "123"),
            ("cardholder_name", "Payrail Trigger"),
        ])
        .send()
        .await
        .map_err(unreachable)?;
    match res.status().as_u16() {
        303 | 200 | 402 => Ok(()),
        other => Err(CliError::Other(format!(
            "the checkout page answered {other} to the test card"
        ))),
    }
}

fn time_year() -> i64 {
    // Days since 1970 / 365.25: the year, near enough for a card's expiry three years out.
    1970 + Timestamp::now().unix() / 31_557_600
}

/// The value of the form's hidden `token` field.
fn form_token(page: &str) -> Option<String> {
    let at = page.find("name=\"token\"")?;
    let tag_start = page[..at].rfind('<')?;
    let tag_end = at + page[at..].find('>')?;
    let tag = &page[tag_start..tag_end];
    let value = tag.split("value=\"").nth(1)?;
    Some(value.split('"').next()?.to_owned())
}

/// The event of `kind` about transaction `id`, once it is in the log.
async fn event_of(api: &Api, kind: &str, id: &str, within: Duration) -> Result<Value, CliError> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let page = api
            .get(
                "/events",
                &[("type", kind.to_owned()), ("limit", "50".to_owned())],
            )
            .await?;
        if let Some(found) = page["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|e| e["payload"]["data"]["transaction_id"].as_str() == Some(id))
        }) {
            return Ok(found.clone());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(CliError::Other(format!(
                "{id} was driven, but no {kind} event about it reached the log within {} s",
                within.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_the_form() {
        let page =
            r#"<form><input type="hidden" name="token" value="abc123"><input name="x"></form>"#;
        assert_eq!(form_token(page).as_deref(), Some("abc123"));
        let page = r#"<input value="t0k" type="hidden" name="token">"#;
        assert_eq!(form_token(page).as_deref(), Some("t0k"));
        assert_eq!(form_token("<p>paid</p>"), None);
    }
}
