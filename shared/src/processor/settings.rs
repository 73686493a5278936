//! A merchant's processor: which one, and its credentials. The choice and what may be shown of
//! it live on the merchant's item; the Stripe secret key and webhook secret live in Secrets
//! Manager (one secret per merchant), are cached per instance, and are never logged or
//! answered (the last four characters of the key only).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::ProcessorKind;
use crate::App;
use crate::domain::Timestamp;
use crate::error::{ApiError, FieldErrorsBuilder};
use crate::input::JsonObject;
use crate::ids::MerchantId;

/// How long an instance trusts its copy of a merchant's credentials.
const CACHE_FOR: Duration = Duration::from_secs(300);

/// What is stored on the merchant, and shown: never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessorConfig {
    #[serde(rename = "type")]
    pub kind: ProcessorKind,
    pub livemode: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publishable_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_last4: Option<String>,
    pub updated_at: Timestamp,
}

/// The answer of `GET /processor` for `config` (`None`: nothing connected, the sandbox when
/// this deployment allows it).
pub fn to_json(config: Option<&ProcessorConfig>, allow_sandbox: bool) -> Value {
    match config {
        Some(c) => json!({
            "type": c.kind.as_str(),
            "livemode": c.livemode,
            "publishable_key": c.publishable_key,
            "secret_key_last4": c.secret_key_last4,
            "updated_at": c.updated_at,
        }),
        None => json!({
            "type": allow_sandbox.then_some("sandbox"),
            "livemode": false,
            "publishable_key": null,
            "secret_key_last4": null,
            "updated_at": null,
        }),
    }
}

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

/// A connected processor's secrets.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessorSecrets {
    pub secret_key: String,
    pub webhook_secret: String,
}

impl std::fmt::Debug for ProcessorSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProcessorSecrets { .. }")
    }
}

#[derive(Default)]
pub(crate) struct SecretCache(Mutex<HashMap<MerchantId, (Instant, ProcessorSecrets)>>);

fn secret_name(app: &App, merchant: &MerchantId) -> String {
    format!(
        "{}/{merchant}",
        app.settings.processor_secret_prefix.trim_end_matches('/')
    )
}

fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("{what}: {e}"))
}

/// The merchant's processor secrets; `None` when none were ever stored.
pub async fn secrets(
    app: &App,
    merchant: &MerchantId,
) -> Result<Option<ProcessorSecrets>, ApiError> {
    if let Some((at, secrets)) = app
        .processor_secrets
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(merchant)
        && at.elapsed() < CACHE_FOR
    {
        return Ok(Some(secrets.clone()));
    }
    let read = app
        .secrets
        .get_secret_value()
        .secret_id(secret_name(app, merchant))
        .send()
        .await;
    let secrets: ProcessorSecrets = match read {
        Ok(out) => out
            .secret_string()
            .and_then(|s| serde_json::from_str(s).ok())
            .ok_or_else(|| ApiError::internal("processor secret is not what Payrail stored"))?,
        Err(e) if e.code() == Some("ResourceNotFoundException") => return Ok(None),
        Err(e) => {
            return Err(internal(
                "reading processor secrets",
                DisplayErrorContext(&e),
            ));
        }
    };
    remember(app, merchant, &secrets);
    Ok(Some(secrets))
}

fn remember(app: &App, merchant: &MerchantId, secrets: &ProcessorSecrets) {
    app.processor_secrets
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(merchant.clone(), (Instant::now(), secrets.clone()));
}

async fn store_secrets(
    app: &App,
    merchant: &MerchantId,
    secrets: &ProcessorSecrets,
) -> Result<(), ApiError> {
    let name = secret_name(app, merchant);
    let value = serde_json::to_string(secrets).map_err(|e| internal("encoding secrets", e))?;
    let created = app
        .secrets
        .create_secret()
        .name(&name)
        .description("Payrail: one merchant's payment processor credentials")
        .secret_string(&value)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(e) if e.code() == Some("ResourceExistsException") => {
            app.secrets
                .put_secret_value()
                .secret_id(&name)
                .secret_string(&value)
                .send()
                .await
                .map_err(|e| internal("storing processor secrets", DisplayErrorContext(&e)))?;
        }
        Err(e) => {
            return Err(internal(
                "storing processor secrets",
                DisplayErrorContext(&e),
            ));
        }
    }
    remember(app, merchant, secrets);
    Ok(())
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
            store_secrets(app, merchant, &secrets).await?;
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

    #[test]
    fn secrets_never_print() {
        let s = ProcessorSecrets {
            secret_key: "sk_live_secret".into(),
            webhook_secret: "whsec_secret".into(),
        };
        assert!(!format!("{s:?}").contains("secret_key"));
        assert!(!format!("{s:?}").contains("sk_live"));
    }
}
