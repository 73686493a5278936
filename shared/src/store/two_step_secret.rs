//! The authenticator's secret, in Secrets Manager (one secret per merchant,
//! `<stack>/two-step/<merchant id>`), tagged with the enrolment it belongs to. It is read only to
//! check a code, and never cached: checks are rare, and a process must never hold a secret the
//! merchant replaced.

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::secrets::{self, merchant_secret};
use crate::App;
use crate::ids::MerchantId;

#[derive(Serialize, Deserialize)]
struct Stored {
    /// The enrolment this secret belongs to; empty once two-step is turned off.
    version: String,
    secret: String,
}

fn name(app: &App, merchant: &MerchantId) -> String {
    merchant_secret(&app.settings.two_step_secret_prefix, merchant)
}

/// Stores the secret of enrolment `version`, replacing whatever the merchant had.
pub async fn write(
    app: &App,
    merchant: &MerchantId,
    version: &str,
    secret: &str,
) -> Result<(), StoreError> {
    let stored = Stored {
        version: version.to_owned(),
        secret: secret.to_owned(),
    };
    let description = "Payrail: one merchant's two-step authenticator secret";
    secrets::put_json(app, &name(app, merchant), description, &stored).await
}

/// The secret of enrolment `version`; `None` when the stored one belongs to no or another
/// enrolment (one set up again meanwhile).
pub async fn read(
    app: &App,
    merchant: &MerchantId,
    version: &str,
) -> Result<Option<String>, StoreError> {
    let stored: Option<Stored> = secrets::get_json(app, &name(app, merchant)).await?;
    Ok(stored
        .filter(|s| !s.version.is_empty() && s.version == version)
        .map(|s| s.secret))
}

/// Overwrites the secret once two-step is off. The secret itself stays (empty), so enrolling
/// again never waits on Secrets Manager's deletion of the name.
pub async fn erase(app: &App, merchant: &MerchantId) -> Result<(), StoreError> {
    write(app, merchant, "", "").await
}
