//! The admin token, kept in Secrets Manager. Each process keeps only its SHA-256 and re-reads
//! the secret every few minutes, so a rotated token takes effect without a redeploy while a
//! warm function makes almost no Secrets Manager call.

use sha2::{Digest, Sha256};

use super::StoreError;
use super::secrets;
use crate::App;

/// Whether `presented` is the admin token, compared in constant time over SHA-256 digests.
pub async fn verify(app: &App, presented: &str) -> Result<bool, StoreError> {
    let expected = current_hash(app).await?;
    let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    Ok(crate::crypto::constant_time_eq(&presented, &expected))
}

async fn current_hash(app: &App) -> Result<[u8; 32], StoreError> {
    if let Some(hash) = app.admin_token.get(&()) {
        return Ok(hash);
    }
    let name = &app.settings.admin_token_secret;
    let text = secrets::get_string(app, name).await?.unwrap_or_default();
    let token = text.trim();
    if token.is_empty() {
        return Err(StoreError::corrupt(name, "the admin token secret is empty"));
    }
    let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    app.admin_token.put((), hash);
    Ok(hash)
}
