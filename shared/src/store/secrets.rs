//! Secrets Manager, in one place: typed reads and writes of a secret's text, create-or-replace
//! done once, errors sorted as DynamoDB's are (throttling and an unreachable service are a 503,
//! worth a retry). Every cached secret is kept in a [`TtlCache`].
//!
//! Secrets (names under settings' prefixes, one per merchant where per-merchant):
//! - the admin token;
//! - `<webhook prefix>/<merchant>`: the merchant's webhook signing master key;
//! - `<processor prefix>/<merchant>`: the merchant's processor credentials;
//! - `<two-step prefix>/<merchant>`: the merchant's authenticator secret (never cached).

use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{StoreError, classify};
use crate::App;
use crate::ids::MerchantId;

pub use crate::cache::{CACHE_FOR, TtlCache};

/// A per-merchant secret's name: `<prefix>/<merchant id>`.
pub fn merchant_secret(prefix: &str, merchant: &MerchantId) -> String {
    format!("{}/{merchant}", prefix.trim_end_matches('/'))
}

/// A secret's text; `None` when there is no such secret.
pub async fn get_string(app: &App, name: &str) -> Result<Option<String>, StoreError> {
    match app.secrets.get_secret_value().secret_id(name).send().await {
        Ok(out) => out
            .secret_string()
            .map(|s| Some(s.to_owned()))
            .ok_or_else(|| StoreError::corrupt(name, "the secret has no text")),
        Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
        Err(e) => Err(classify(e)),
    }
}

/// Creates the secret with `value`; `false` when it already exists (left as it is), so two
/// processes that create the same secret at once agree on the first one.
pub async fn create_string(
    app: &App,
    name: &str,
    description: &str,
    value: &str,
) -> Result<bool, StoreError> {
    let created = app
        .secrets
        .create_secret()
        .name(name)
        .description(description)
        .secret_string(value)
        .send()
        .await;
    match created {
        Ok(_) => Ok(true),
        Err(e) if e.code() == Some("ResourceExistsException") => Ok(false),
        Err(e) => Err(classify(e)),
    }
}

/// Stores `value` as the secret's current value, creating the secret the first time.
pub async fn put_string(
    app: &App,
    name: &str,
    description: &str,
    value: &str,
) -> Result<(), StoreError> {
    if create_string(app, name, description, value).await? {
        return Ok(());
    }
    app.secrets
        .put_secret_value()
        .secret_id(name)
        .secret_string(value)
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

/// A secret Payrail stored as JSON; `None` when there is no such secret.
pub async fn get_json<T: DeserializeOwned>(app: &App, name: &str) -> Result<Option<T>, StoreError> {
    get_string(app, name)
        .await?
        .map(|text| serde_json::from_str(&text).map_err(|e| StoreError::corrupt(name, e)))
        .transpose()
}

/// Stores `value` as JSON, creating the secret the first time.
pub async fn put_json<T: Serialize>(
    app: &App,
    name: &str,
    description: &str,
    value: &T,
) -> Result<(), StoreError> {
    let text = serde_json::to_string(value).map_err(|e| StoreError::corrupt(name, e))?;
    put_string(app, name, description, &text).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_merchant_names_have_one_slash() {
        let m = MerchantId::generate();
        assert_eq!(merchant_secret("p/x/", &m), format!("p/x/{m}"));
        assert_eq!(merchant_secret("p/x", &m), format!("p/x/{m}"));
    }
}
