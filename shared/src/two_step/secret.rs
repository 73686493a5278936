//! The authenticator's secret, in Secrets Manager (one secret per merchant,
//! `<stack>/two-step/<merchant id>`), tagged with the enrolment it belongs to. It is read only to
//! check a code, and never cached: checks are rare, and a process must never hold a secret the
//! merchant replaced.

use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
use serde::{Deserialize, Serialize};

use crate::App;
use crate::error::ApiError;
use crate::ids::MerchantId;

#[derive(Serialize, Deserialize)]
struct Stored {
    /// The enrolment this secret belongs to; empty once two-step is turned off.
    version: String,
    secret: String,
}

fn name(app: &App, merchant: &MerchantId) -> String {
    format!(
        "{}/{merchant}",
        app.settings.two_step_secret_prefix.trim_end_matches('/')
    )
}

fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("{what}: {e}"))
}

/// Stores the secret of enrolment `version`, replacing whatever the merchant had.
pub(super) async fn write(
    app: &App,
    merchant: &MerchantId,
    version: &str,
    secret: &str,
) -> Result<(), ApiError> {
    let value = serde_json::to_string(&Stored {
        version: version.to_owned(),
        secret: secret.to_owned(),
    })
    .map_err(|e| internal("encoding the two-step secret", e))?;
    let created = app
        .secrets
        .create_secret()
        .name(name(app, merchant))
        .description("Payrail: one merchant's two-step authenticator secret")
        .secret_string(&value)
        .send()
        .await;
    match created {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("ResourceExistsException") => app
            .secrets
            .put_secret_value()
            .secret_id(name(app, merchant))
            .secret_string(&value)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| internal("storing the two-step secret", DisplayErrorContext(&e))),
        Err(e) => Err(internal(
            "storing the two-step secret",
            DisplayErrorContext(&e),
        )),
    }
}

/// The secret of enrolment `version`; `None` when the stored one belongs to no or another
/// enrolment (one set up again meanwhile).
pub(super) async fn read(
    app: &App,
    merchant: &MerchantId,
    version: &str,
) -> Result<Option<String>, ApiError> {
    let out = app
        .secrets
        .get_secret_value()
        .secret_id(name(app, merchant))
        .send()
        .await;
    let stored: Stored = match out {
        Ok(out) => out
            .secret_string()
            .and_then(|s| serde_json::from_str(s).ok())
            .ok_or_else(|| ApiError::internal("two-step secret is not what Payrail stored"))?,
        Err(e) if e.code() == Some("ResourceNotFoundException") => return Ok(None),
        Err(e) => {
            return Err(internal(
                "reading the two-step secret",
                DisplayErrorContext(&e),
            ));
        }
    };
    Ok((!stored.version.is_empty() && stored.version == version).then_some(stored.secret))
}

/// Overwrites the secret once two-step is off. The secret itself stays (empty), so enrolling
/// again never waits on Secrets Manager's deletion of the name.
pub(super) async fn erase(app: &App, merchant: &MerchantId) -> Result<(), ApiError> {
    write(app, merchant, "", "").await
}
