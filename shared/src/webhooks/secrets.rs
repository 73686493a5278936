//! Signing keys. Each merchant has one Secrets Manager secret, a 256-bit master key; an
//! endpoint's key is HMAC-SHA256(master, "<endpoint id>:<generation>"). Rotation bumps the
//! generation stored on the endpoint, so nothing is ever read-modified-written in Secrets
//! Manager, and key material exists at rest only there.
//!
//! Cost: one secret per merchant with webhooks ($0.40/month each), not per endpoint. At 10,000
//! endpoints that is $0.40 × merchants: $800/month for 2,000 merchants with five endpoints
//! each, and $4,000 only in the worst case of one endpoint per merchant — against a flat
//! $4,000 for a secret per endpoint. Keys are cached in memory for five minutes, so a warm
//! fan-out makes no Secrets Manager call.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::App;
use crate::error::ApiError;
use crate::ids::{EndpointId, MerchantId};

const CACHE_FOR: Duration = Duration::from_secs(300);

#[derive(Default)]
pub(crate) struct KeyCache(Mutex<HashMap<MerchantId, (Instant, [u8; 32])>>);

fn secret_name(app: &App, merchant: &MerchantId) -> String {
    format!(
        "{}/{merchant}",
        app.settings.webhook_secret_prefix.trim_end_matches('/')
    )
}

fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("{what}: {e}"))
}

/// The merchant's master key; created on first use when `create` is set.
pub async fn master_key(
    app: &App,
    merchant: &MerchantId,
    create: bool,
) -> Result<[u8; 32], ApiError> {
    if let Some((at, key)) = app
        .webhook_keys
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(merchant)
        && at.elapsed() < CACHE_FOR
    {
        return Ok(*key);
    }
    let name = secret_name(app, merchant);
    let key = match read(app, &name).await? {
        Some(key) => key,
        None if create => {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).expect("the OS random number generator is unavailable");
            let created = app
                .secrets
                .create_secret()
                .name(&name)
                .description("Payrail webhook signing master key for one merchant")
                .secret_string(STANDARD.encode(key))
                .send()
                .await;
            match created {
                Ok(_) => key,
                // Another request created it first: use theirs.
                Err(e) if e.code() == Some("ResourceExistsException") => read(app, &name)
                    .await?
                    .ok_or_else(|| ApiError::internal("webhook key vanished after creation"))?,
                Err(e) => {
                    return Err(internal(
                        "creating the webhook key",
                        DisplayErrorContext(&e),
                    ));
                }
            }
        }
        None => {
            return Err(ApiError::internal(format!(
                "no webhook key for merchant {merchant}"
            )));
        }
    };
    app.webhook_keys
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(merchant.clone(), (Instant::now(), key));
    Ok(key)
}

async fn read(app: &App, name: &str) -> Result<Option<[u8; 32]>, ApiError> {
    match app.secrets.get_secret_value().secret_id(name).send().await {
        Ok(out) => {
            let bytes = out
                .secret_string()
                .and_then(|s| STANDARD.decode(s.trim()).ok())
                .ok_or_else(|| ApiError::internal("webhook key is not base64"))?;
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| ApiError::internal("webhook key is not 32 bytes"))?;
            Ok(Some(key))
        }
        Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
        Err(e) => Err(internal("reading the webhook key", DisplayErrorContext(&e))),
    }
}

/// The signing key of one generation of an endpoint's secret.
pub fn endpoint_key(master: &[u8; 32], endpoint: &EndpointId, generation: u32) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(master).expect("any key length");
    mac.update(endpoint.as_str().as_bytes());
    mac.update(b":");
    mac.update(generation.to_string().as_bytes());
    mac.finalize().into_bytes().into()
}

/// The key behind an endpoint's token (sent as `x-webhook-token` by the `onepay` format): like
/// the signing key, under a distinct label, so rotating the secret rotates the token too.
pub fn endpoint_token_key(master: &[u8; 32], endpoint: &EndpointId, generation: u32) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(master).expect("any key length");
    mac.update(b"webhook-token:");
    mac.update(endpoint.as_str().as_bytes());
    mac.update(b":");
    mac.update(generation.to_string().as_bytes());
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_endpoint_and_generation_and_are_stable() {
        let master = [1u8; 32];
        let a = EndpointId::generate();
        let b = EndpointId::generate();
        assert_eq!(endpoint_key(&master, &a, 1), endpoint_key(&master, &a, 1));
        assert_ne!(endpoint_key(&master, &a, 1), endpoint_key(&master, &a, 2));
        assert_ne!(endpoint_key(&master, &a, 1), endpoint_key(&master, &b, 1));
        assert_ne!(
            endpoint_key(&[2u8; 32], &a, 1),
            endpoint_key(&master, &a, 1)
        );
        assert_ne!(
            endpoint_token_key(&master, &a, 1),
            endpoint_key(&master, &a, 1)
        );
        assert_ne!(
            endpoint_token_key(&master, &a, 1),
            endpoint_token_key(&master, &a, 2)
        );
    }
}
