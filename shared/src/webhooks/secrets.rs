//! Signing keys. Each merchant has one Secrets Manager secret, a 256-bit master key (kept by
//! [`crate::store::webhook_keys`]); an endpoint's key is HMAC-SHA256(master,
//! "<endpoint id>:<generation>"). Rotation bumps the
//! generation stored on the endpoint, so nothing is ever read-modified-written in Secrets
//! Manager, and key material exists at rest only there.
//!
//! Cost: one secret per merchant with webhooks ($0.40/month each), not per endpoint. At 10,000
//! endpoints that is $0.40 × merchants: $800/month for 2,000 merchants with five endpoints
//! each, and $4,000 only in the worst case of one endpoint per merchant — against a flat
//! $4,000 for a secret per endpoint. Keys are cached in memory for five minutes, so a warm
//! fan-out makes no Secrets Manager call.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::endpoint::WebhookEndpoint;
use crate::App;
use crate::error::ApiError;
use crate::ids::{EndpointId, MerchantId};

/// The merchant's master key (see [`crate::store::webhook_keys`]); created on first use when
/// `create` is set, and a fault when it should exist but does not.
pub async fn master_key(
    app: &App,
    merchant: &MerchantId,
    create: bool,
) -> Result<[u8; 32], ApiError> {
    crate::store::webhook_keys::master_key(app, merchant, create)
        .await?
        .ok_or_else(|| ApiError::internal(format!("no webhook key for merchant {merchant}")))
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

pub fn secret_of(master: &[u8; 32], endpoint: &WebhookEndpoint) -> String {
    super::signing::secret_text(&endpoint_key(
        master,
        &endpoint.id,
        endpoint.secret_generation,
    ))
}

/// The current token, sent as `x-webhook-token` by `onepay` endpoints.
pub fn token_of(master: &[u8; 32], endpoint: &WebhookEndpoint) -> String {
    super::signing::token_text(&endpoint_token_key(
        master,
        &endpoint.id,
        endpoint.secret_generation,
    ))
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
