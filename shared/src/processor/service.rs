//! `GET` and `PUT /processor`: which processor a merchant collects through, and connecting
//! one (a Stripe key is checked with Stripe before anything is stored).

use serde_json::Value;

use super::config::{ProcessorConfig, ProcessorSecrets, to_json};
use crate::App;
use crate::domain::Timestamp;
use crate::error::{ApiError, FieldErrorsBuilder};
use crate::ids::MerchantId;
use crate::input::JsonObject;
use crate::payments::ProcessorKind;

/// `GET /processor` for the merchant.
pub async fn get(app: &App, merchant: &MerchantId) -> Result<Value, ApiError> {
    let found = crate::store::merchants::get(app, merchant)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no merchant with id '{merchant}'")))?;
    Ok(to_json(
        found.processor.as_ref(),
        app.settings.allow_sandbox,
    ))
}

/// `PUT /processor`, validated: the sandbox, or Stripe with its keys.
enum Requested {
    Sandbox,
    Stripe {
        secrets: ProcessorSecrets,
        publishable_key: String,
        livemode: bool,
    },
}

/// `sk_test_…`/`sk_live_…` (or a restricted `rk_…`): the mode, if the key has the shape of one.
fn key_mode(key: &str, prefixes: &[&str]) -> Option<bool> {
    prefixes.iter().find_map(|prefix| {
        let rest = key.strip_prefix(prefix)?;
        let (mode, body) = rest.split_once('_')?;
        let well_formed = body.len() >= 4 && body.bytes().all(|b| b.is_ascii_alphanumeric());
        match (mode, well_formed) {
            ("test", true) => Some(false),
            ("live", true) => Some(true),
            _ => None,
        }
    })
}

fn parse(body: &JsonObject, allow_sandbox: bool) -> Result<Requested, ApiError> {
    let mut errors = FieldErrorsBuilder::default();
    let text = |errors: &mut FieldErrorsBuilder, field: &str| match body.string(field) {
        Ok(Some(v)) if !v.trim().is_empty() => Some(v.trim().to_owned()),
        Ok(_) => {
            errors.add(field, "is required");
            None
        }
        Err(e) => {
            errors.add(field, e);
            None
        }
    };
    let kind = text(&mut errors, "type");
    match kind.as_deref() {
        None => {}
        Some("sandbox") if allow_sandbox => {
            errors.into_result()?;
            return Ok(Requested::Sandbox);
        }
        Some("sandbox") => errors.add(
            "type",
            "this deployment collects real money only: connect a processor such as stripe",
        ),
        Some("stripe") => {
            let secret_key = text(&mut errors, "secret_key");
            let publishable_key = text(&mut errors, "publishable_key");
            let webhook_secret = text(&mut errors, "webhook_secret");
            let secret_mode = secret_key
                .as_deref()
                .and_then(|k| key_mode(k, &["sk_", "rk_"]));
            if secret_key.is_some() && secret_mode.is_none() {
                errors.add(
                    "secret_key",
                    "must be a Stripe secret key (sk_test_… or sk_live_…)",
                );
            }
            let publishable_mode = publishable_key
                .as_deref()
                .and_then(|k| key_mode(k, &["pk_"]));
            match (publishable_key.is_some(), publishable_mode, secret_mode) {
                (true, None, _) => errors.add(
                    "publishable_key",
                    "must be a Stripe publishable key (pk_test_… or pk_live_…)",
                ),
                (_, Some(p), Some(s)) if p != s => errors.add(
                    "publishable_key",
                    "must be of the same mode (test or live) as the secret key",
                ),
                _ => {}
            }
            if let Some(w) = &webhook_secret
                && !(w.starts_with("whsec_") && w.len() > 10)
            {
                errors.add(
                    "webhook_secret",
                    "must be a Stripe webhook signing secret (whsec_…)",
                );
            }
            errors.into_result()?;
            let (Some(secret_key), Some(publishable_key), Some(webhook_secret), Some(livemode)) =
                (secret_key, publishable_key, webhook_secret, secret_mode)
            else {
                return Err(ApiError::internal("validated processor fields missing"));
            };
            return Ok(Requested::Stripe {
                secrets: ProcessorSecrets {
                    secret_key,
                    webhook_secret,
                },
                publishable_key,
                livemode,
            });
        }
        Some(_) => errors.add("type", "must be 'stripe' or 'sandbox'"),
    }
    errors.into_result()?;
    Err(ApiError::validation("type", "is required"))
}

/// Connects the merchant's processor. A Stripe key is checked with Stripe once (a bad key is
/// 422 on `secret_key`) before anything is stored.
pub async fn put(app: &App, merchant: &MerchantId, body: &JsonObject) -> Result<Value, ApiError> {
    let requested = parse(body, app.settings.allow_sandbox)?;
    let now = Timestamp::now();
    let config = match requested {
        Requested::Sandbox => ProcessorConfig {
            kind: ProcessorKind::Sandbox,
            livemode: false,
            publishable_key: None,
            secret_key_last4: None,
            updated_at: now,
        },
        Requested::Stripe {
            secrets,
            publishable_key,
            livemode,
        } => {
            check_stripe_key(app, &secrets.secret_key).await?;
            crate::store::processor_secrets::put(app, merchant, &secrets).await?;
            let key = &secrets.secret_key;
            ProcessorConfig {
                kind: ProcessorKind::Stripe,
                livemode,
                publishable_key: Some(publishable_key),
                secret_key_last4: Some(key[key.len().saturating_sub(4)..].to_owned()),
                updated_at: now,
            }
        }
    };
    crate::store::merchants::set_processor(app, merchant, &config)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no merchant with id '{merchant}'")))?;
    Ok(to_json(Some(&config), app.settings.allow_sandbox))
}

#[cfg(feature = "stripe")]
async fn check_stripe_key(app: &App, secret_key: &str) -> Result<(), ApiError> {
    use super::ProcessorError;
    match super::stripe::check_key(app, secret_key).await {
        Ok(()) => Ok(()),
        Err(ProcessorError::Rejected(_)) => Err(ApiError::validation(
            "secret_key",
            "Stripe refused this key: check that it is a current secret key of your account",
        )),
        Err(e @ ProcessorError::Unavailable(_)) => Err(ApiError::Unavailable(Box::new(e))),
    }
}

#[cfg(not(feature = "stripe"))]
async fn check_stripe_key(_app: &App, _secret_key: &str) -> Result<(), ApiError> {
    Err(ApiError::internal(
        "this function was built without Stripe support",
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(v: Value) -> JsonObject {
        crate::input::parse_json_object(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn stripe_keys_are_checked_for_shape_and_mode() {
        let ok = parse(
            &body(json!({"type": "stripe", "secret_key": "sk_live_abcd1234",
                         "publishable_key": "pk_live_abcd1234", "webhook_secret": "whsec_abcdefgh"})),
            false,
        );
        assert!(matches!(ok, Ok(Requested::Stripe { livemode: true, .. })));
        let mixed = parse(
            &body(json!({"type": "stripe", "secret_key": "sk_test_abcd1234",
                         "publishable_key": "pk_live_abcd1234", "webhook_secret": "whsec_abcdefgh"})),
            true,
        );
        let err = mixed.err().unwrap();
        assert!(err.field_errors().unwrap().contains_key("publishable_key"));
        let bad = parse(
            &body(json!({"type": "stripe", "secret_key": "pk_test_abcd", "webhook_secret": "x"})),
            true,
        )
        .err()
        .unwrap();
        let fields = bad.field_errors().unwrap();
        assert!(fields.contains_key("secret_key"));
        assert!(fields.contains_key("publishable_key"));
        assert!(fields.contains_key("webhook_secret"));
    }

    #[test]
    fn the_sandbox_is_refused_where_the_deployment_forbids_it() {
        assert!(matches!(
            parse(&body(json!({"type": "sandbox"})), true),
            Ok(Requested::Sandbox)
        ));
        let err = parse(&body(json!({"type": "sandbox"})), false)
            .err()
            .unwrap();
        assert!(err.field_errors().unwrap().contains_key("type"));
        assert!(parse(&body(json!({"type": "paypal"})), true).is_err());
        assert!(parse(&body(json!({})), true).is_err());
    }
}
