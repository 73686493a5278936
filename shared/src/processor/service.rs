//! `GET` and `PUT /processor`: which processor a merchant collects through, and connecting
//! one (a Stripe key is checked with Stripe before anything is stored).

use serde_json::Value;

use super::config::{ProcessorConfig, to_json};
use crate::App;
use crate::domain::Timestamp;
use crate::error::{ApiError, FieldErrorsBuilder};
use crate::ids::MerchantId;
use crate::input::JsonObject;
use crate::payments::ProcessorKind;
use crate::processor::stripe::{self, Stripe, credentials::Credentials};
use crate::processor::{Processor, ProcessorError};
use crate::two_step::HubCheck;

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
    Stripe(Credentials),
}

fn parse(body: &JsonObject, allow_sandbox: bool) -> Result<Requested, ApiError> {
    let mut errors = FieldErrorsBuilder::default();
    let kind = match body.string("type") {
        Ok(Some(v)) if !v.trim().is_empty() => Some(v.trim().to_owned()),
        Ok(_) => {
            errors.add("type", "is required");
            None
        }
        Err(e) => {
            errors.add("type", e);
            None
        }
    };
    match kind.as_deref() {
        None => {}
        Some("sandbox") if allow_sandbox => {
            // Stripe's fields do not apply, but are still held to their documented type.
            for field in ["secret_key", "publishable_key", "webhook_secret"] {
                if let Err(e) = body.string(field) {
                    errors.add(field, e);
                }
            }
            errors.into_result()?;
            return Ok(Requested::Sandbox);
        }
        Some("sandbox") => errors.add(
            "type",
            "this deployment collects real money only: connect a processor such as stripe",
        ),
        Some("stripe") => {
            let credentials = stripe::credentials::parse(body, &mut errors);
            errors.into_result()?;
            return credentials
                .map(Requested::Stripe)
                .ok_or_else(|| ApiError::internal("validated processor fields missing"));
        }
        Some(_) => errors.add("type", "must be 'stripe' or 'sandbox'"),
    }
    errors.into_result()?;
    Err(ApiError::validation("type", "is required"))
}

/// Connects the merchant's processor. A Stripe key is checked with Stripe once (a bad key is
/// 422 on `secret_key`) before anything is stored.
pub async fn put(
    app: &App,
    merchant: &MerchantId,
    body: &JsonObject,
    hub: &HubCheck,
) -> Result<Value, ApiError> {
    let requested = parse(body, app.settings.allow_sandbox)?;
    // Where the money goes is changed only with the Hub's second step.
    hub.pass(app, merchant).await?;
    let now = Timestamp::now();
    let config = match requested {
        Requested::Sandbox => ProcessorConfig {
            kind: ProcessorKind::Sandbox,
            livemode: false,
            publishable_key: None,
            secret_key_last4: None,
            account_id: None,
            updated_at: now,
        },
        Requested::Stripe(Credentials {
            secrets,
            publishable_key,
            livemode,
        }) => {
            let stripe = Stripe::new(
                app,
                secrets.secret_key.clone(),
                secrets.webhook_secret.clone(),
                livemode,
                None,
            );
            let account_id = match stripe.verify_credentials().await {
                Ok(account) => account,
                Err(ProcessorError::Rejected(why) | ProcessorError::Missing(why)) => {
                    return Err(ApiError::validation(
                        "secret_key",
                        format!(
                            "Stripe refused this key ({why}): use a current secret key of your \
                             account, or a restricted key with write access to PaymentIntents \
                             and Refunds and read access to the account"
                        ),
                    ));
                }
                Err(e @ (ProcessorError::Unavailable(_) | ProcessorError::Unknown(_))) => {
                    return Err(ApiError::Unavailable(Box::new(e)));
                }
            };
            crate::store::processor_secrets::put(app, merchant, &secrets).await?;
            let key = &secrets.secret_key;
            ProcessorConfig {
                kind: ProcessorKind::Stripe,
                livemode,
                publishable_key: Some(publishable_key),
                secret_key_last4: Some(key[key.len().saturating_sub(4)..].to_owned()),
                account_id,
                updated_at: now,
            }
        }
    };
    crate::store::merchants::set_processor(app, merchant, &config)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no merchant with id '{merchant}'")))?;
    Ok(to_json(Some(&config), app.settings.allow_sandbox))
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
        assert!(matches!(
            ok,
            Ok(Requested::Stripe(Credentials { livemode: true, .. }))
        ));
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
        let typed = parse(
            &body(json!({"type": "sandbox", "webhook_secret": ["x"]})),
            true,
        )
        .err()
        .unwrap();
        assert!(typed.field_errors().unwrap().contains_key("webhook_secret"));
        assert!(parse(&body(json!({})), true).is_err());
    }
}
