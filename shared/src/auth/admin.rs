//! The admin token, kept in Secrets Manager. Each process keeps only its SHA-256 and re-reads
//! the secret every few minutes, so a rotated token takes effect without a redeploy while a
//! warm function makes almost no Secrets Manager calls.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::error::DisplayErrorContext;
use sha2::{Digest, Sha256};

use crate::App;
use crate::error::ApiError;

const REFRESH_AFTER: Duration = Duration::from_secs(300);

#[derive(Default)]
pub(crate) struct AdminTokenCache(Mutex<Option<(Instant, [u8; 32])>>);

/// Whether `presented` is the admin token, compared in constant time over SHA-256 digests.
pub async fn verify(app: &App, presented: &str) -> Result<bool, ApiError> {
    let expected = current_hash(app).await?;
    let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    Ok(crate::crypto::constant_time_eq(&presented, &expected))
}

async fn current_hash(app: &App) -> Result<[u8; 32], ApiError> {
    let cached = *app.admin_token.0.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((at, hash)) = cached
        && at.elapsed() < REFRESH_AFTER
    {
        return Ok(hash);
    }
    let out = app
        .secrets
        .get_secret_value()
        .secret_id(&app.settings.admin_token_secret)
        .send()
        .await
        .map_err(|e| {
            ApiError::internal(format!(
                "reading the admin token: {}",
                DisplayErrorContext(&e)
            ))
        })?;
    let token = out
        .secret_string()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::internal("the admin token secret is empty"))?;
    let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    *app.admin_token.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), hash));
    Ok(hash)
}
