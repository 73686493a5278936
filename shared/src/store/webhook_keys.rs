//! Each merchant's webhook signing master key: one Secrets Manager secret per merchant, 256
//! random bits, base64. Endpoint keys are derived from it (see [`crate::webhooks::secrets`]), so
//! nothing is ever read-modified-written here, and key material exists at rest only here.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::StoreError;
use super::secrets::{self, merchant_secret};
use crate::App;
use crate::ids::MerchantId;

/// The merchant's master key; created on first use when `create` is set. `None` when it has
/// none and `create` is not set.
pub async fn master_key(
    app: &App,
    merchant: &MerchantId,
    create: bool,
) -> Result<Option<[u8; 32]>, StoreError> {
    if let Some(key) = app.webhook_keys.get(merchant) {
        return Ok(Some(key));
    }
    let name = merchant_secret(&app.settings.webhook_secret_prefix, merchant);
    let key = match read(app, &name).await? {
        Some(key) => key,
        None if create => {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).expect("the OS random number generator is unavailable");
            let description = "Payrail webhook signing master key for one merchant";
            if secrets::create_string(app, &name, description, &STANDARD.encode(key)).await? {
                key
            } else {
                // Another request created it first: use theirs.
                read(app, &name)
                    .await?
                    .ok_or_else(|| StoreError::corrupt(&name, "vanished after creation"))?
            }
        }
        None => return Ok(None),
    };
    app.webhook_keys.put(merchant.clone(), key);
    Ok(Some(key))
}

async fn read(app: &App, name: &str) -> Result<Option<[u8; 32]>, StoreError> {
    let Some(text) = secrets::get_string(app, name).await? else {
        return Ok(None);
    };
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| StoreError::corrupt(name, "the webhook key is not base64"))?;
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| StoreError::corrupt(name, "the webhook key is not 32 bytes"))?;
    Ok(Some(key))
}
