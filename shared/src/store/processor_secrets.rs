//! Each merchant's processor credentials: one Secrets Manager secret per merchant, cached per
//! process for a few minutes, never logged or answered.

use super::StoreError;
use super::secrets::{self, merchant_secret};
use crate::App;
use crate::ids::MerchantId;
use crate::processor::config::ProcessorSecrets;

fn name(app: &App, merchant: &MerchantId) -> String {
    merchant_secret(&app.settings.processor_secret_prefix, merchant)
}

/// The merchant's processor secrets; `None` when none were ever stored.
pub async fn get(app: &App, merchant: &MerchantId) -> Result<Option<ProcessorSecrets>, StoreError> {
    if let Some(secrets) = app.processor_secrets.get(merchant) {
        return Ok(Some(secrets));
    }
    let found: Option<ProcessorSecrets> = secrets::get_json(app, &name(app, merchant)).await?;
    if let Some(s) = &found {
        app.processor_secrets.put(merchant.clone(), s.clone());
    }
    Ok(found)
}

/// Stores the merchant's processor secrets, replacing any it had.
pub async fn put(
    app: &App,
    merchant: &MerchantId,
    value: &ProcessorSecrets,
) -> Result<(), StoreError> {
    let description = "Payrail: one merchant's payment processor credentials";
    secrets::put_json(app, &name(app, merchant), description, value).await?;
    app.processor_secrets.put(merchant.clone(), value.clone());
    Ok(())
}
