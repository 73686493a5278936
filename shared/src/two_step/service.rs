//! Enrolling an authenticator, checking its codes, and the Hub's second step.

use serde_json::{Value, json};

use super::code::{self, Authenticator, Code, STEP_SECONDS};
use crate::App;
use crate::auth::{MerchantCaller, Principal};
use crate::domain::Timestamp;
use crate::error::{ApiError, ErrorCode, FieldErrorsBuilder};
use crate::ids::MerchantId;
use crate::input::JsonObject;
use crate::store::two_step::{self as store, Attempt, Enrolment, Spend, Status, Used};

/// The header that marks a request as the Developer Hub's, and its value.
pub const CLIENT_HEADER: &str = "x-payrail-client";
pub const HUB: &str = "hub";
/// The header that carries a two-step code.
pub const CODE_HEADER: &str = "x-payrail-otp";
const CODE_FIELD: &str = "X-Payrail-Otp";

/// Why a code did not pass.
enum Refusal {
    /// No enrolment in the state the action needs (or it changed meanwhile).
    NotEnrolled,
    /// Wrong, or not a code at all.
    Wrong,
    /// Right, but already used (by a concurrent request, or an earlier one).
    Reused,
    /// Too many attempts; the next window starts at this unix second.
    Limited(i64),
}

fn limited(until: i64) -> ApiError {
    ApiError::TooManyCodes {
        retry_after: (until - Timestamp::now().unix()).max(1) as u64,
    }
}

/// Checks `raw` against `enrolment` (in `status`) and uses it up: counted before it is looked
/// at, accepted once. A pending enrolment takes only authenticator codes, and turns on with one.
async fn use_code(
    app: &App,
    merchant: &MerchantId,
    enrolment: &Enrolment,
    raw: &str,
) -> Result<Result<(), Refusal>, ApiError> {
    let now = Timestamp::now();
    let window = match store::count_attempt(app, merchant, now).await? {
        Attempt::Counted { window } => window,
        Attempt::Limited { until } => return Ok(Err(Refusal::Limited(until))),
        Attempt::Missing => return Ok(Err(Refusal::NotEnrolled)),
    };
    let spend = match Code::parse(raw) {
        Some(Code::Totp(digits)) => {
            let Some(stored) =
                crate::store::two_step_secret::read(app, merchant, &enrolment.version).await?
            else {
                // Never fail open: an active enrolment without its secret is a fault.
                return match enrolment.status {
                    Status::Pending => Ok(Err(Refusal::NotEnrolled)),
                    Status::On => Err(ApiError::internal(
                        "the secret of an active two-step enrolment is missing",
                    )),
                };
            };
            let authenticator = Authenticator::from_base32(&stored)
                .ok_or_else(|| ApiError::internal("stored two-step secret does not decode"))?;
            match authenticator.step_of(&digits, now.unix().max(0) as u64) {
                Some(step) => Spend::Step {
                    step,
                    activate: enrolment.status == Status::Pending,
                },
                None => return Ok(Err(Refusal::Wrong)),
            }
        }
        Some(Code::Recovery(_)) if enrolment.status == Status::On => {
            match code::recovery_hash(raw) {
                Some(hash) => Spend::Recovery(hash),
                None => return Ok(Err(Refusal::Wrong)),
            }
        }
        _ => return Ok(Err(Refusal::Wrong)),
    };
    let used = store::spend(
        app,
        merchant,
        &enrolment.version,
        enrolment.status,
        &spend,
        window,
        now,
    )
    .await?;
    Ok(match used {
        Used::Accepted => Ok(()),
        Used::Spent => Err(Refusal::Reused),
        Used::Changed => Err(Refusal::NotEnrolled),
    })
}

/// `GET /two-step`: whether it is on, and how many recovery codes are left.
pub async fn status(app: &App, merchant: &MerchantId) -> Result<Value, ApiError> {
    let enrolment = store::get(app, merchant).await?;
    Ok(to_json(enrolment.as_ref()))
}

fn to_json(enrolment: Option<&Enrolment>) -> Value {
    match enrolment {
        None => json!({"status": "off", "recovery_codes_left": 0, "enabled_at": null}),
        Some(e) => json!({
            "status": e.status.as_str(),
            "recovery_codes_left": if e.status == Status::On { e.recovery_left } else { 0 },
            "enabled_at": e.enabled_at,
        }),
    }
}

/// An authenticator is the merchant's own: enrolled with its API key, not by the operator.
fn own_key(principal: &Principal) -> Result<&MerchantCaller, ApiError> {
    principal.merchant().map_err(|_| {
        ApiError::Forbidden(
            ErrorCode::MerchantKeyRequired,
            "an authenticator is enrolled with one of the merchant's own API keys".into(),
        )
    })
}

/// `POST /two-step`: a new secret, its QR code and recovery codes, shown this once. Starting
/// again before confirming replaces them; while two-step is on, this is 409.
pub async fn start(app: &App, principal: &Principal) -> Result<Value, ApiError> {
    let merchant_id = &own_key(principal)?.merchant_id;
    let merchant = crate::merchants::get(app, merchant_id.as_str()).await?;
    let authenticator = Authenticator::generate(&merchant.name);
    let recovery = code::recovery_codes();
    let hashes = recovery
        .iter()
        .filter_map(|c| code::recovery_hash(c))
        .collect();
    let version = crate::crypto::random_secret();
    // The enrolment first: its condition is what keeps an active secret from being replaced.
    match store::begin(app, merchant_id, &version, hashes, Timestamp::now()).await {
        Ok(()) => {}
        Err(crate::store::StoreError::ConditionFailed) => {
            return Err(ApiError::Conflict(
                ErrorCode::TwoStepState,
                "two-step verification is already on; turn it off (with a code) to enrol \
                 another authenticator"
                    .into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    crate::store::two_step_secret::write(
        app,
        merchant_id,
        &version,
        &authenticator.secret_base32(),
    )
    .await?;
    Ok(json!({
        "status": Status::Pending.as_str(),
        "secret": authenticator.secret_base32(),
        "otpauth_url": authenticator.otpauth_url(),
        "qr_code": authenticator.qr_data_url(),
        "recovery_codes": recovery,
        "step_seconds": STEP_SECONDS,
    }))
}

/// `POST /two-step/confirm` with `{"code": "123456"}`: the first code from the authenticator
/// turns two-step on.
pub async fn confirm(
    app: &App,
    principal: &Principal,
    body: &JsonObject,
) -> Result<Value, ApiError> {
    let merchant = &own_key(principal)?.merchant_id;
    let mut errors = FieldErrorsBuilder::default();
    let code = match body.string("code") {
        Ok(Some(c)) if matches!(Code::parse(&c), Some(Code::Totp(_))) => Some(c),
        Ok(Some(_)) => {
            errors.add("code", "must be the 6 digits the authenticator app shows");
            None
        }
        Ok(None) => {
            errors.add("code", "is required");
            None
        }
        Err(e) => {
            errors.add("code", e);
            None
        }
    };
    errors.into_result()?;
    let code = code.unwrap_or_default();
    let not_started = || {
        ApiError::Conflict(
            ErrorCode::TwoStepState,
            "two-step verification is not being set up: start it first (POST /api/v1/two-step)"
                .into(),
        )
    };
    let enrolment = store::get(app, merchant)
        .await?
        .filter(|e| e.status == Status::Pending)
        .ok_or_else(not_started)?;
    match use_code(app, merchant, &enrolment, &code).await? {
        Ok(()) => status(app, merchant).await,
        // The same code turned this enrolment on a moment ago (a double submission): done.
        Err(Refusal::Reused) => match store::get(app, merchant).await? {
            Some(now) if now.status == Status::On && now.version == enrolment.version => {
                Ok(to_json(Some(&now)))
            }
            _ => Err(not_started()),
        },
        Err(Refusal::NotEnrolled) => Err(not_started()),
        Err(Refusal::Wrong) => Err(ApiError::validation(
            "code",
            "is not the authenticator's current code; check the app's clock and try the next one",
        )),
        Err(Refusal::Limited(until)) => Err(limited(until)),
    }
}

/// `DELETE /two-step` with a current code (or a recovery code) in `X-Payrail-Otp`. The admin
/// token needs none: it is how an operator helps a merchant who lost the authenticator and its
/// recovery codes. An enrolment not yet confirmed is dropped without a code.
pub async fn disable(
    app: &App,
    principal: &Principal,
    merchant: &MerchantId,
    raw_code: Option<&str>,
) -> Result<Value, ApiError> {
    let Some(enrolment) = store::get(app, merchant).await? else {
        return Ok(to_json(None));
    };
    let needs_code = enrolment.status == Status::On && matches!(principal, Principal::Merchant(_));
    if needs_code {
        check(app, merchant, &enrolment, raw_code).await?;
    }
    match store::remove(app, merchant, &enrolment.version).await {
        Ok(()) | Err(crate::store::StoreError::ConditionFailed) => {}
        Err(e) => return Err(e.into()),
    }
    crate::store::two_step_secret::erase(app, merchant).await?;
    Ok(to_json(None))
}

/// A code for an action on an active enrolment: 403 when missing or wrong, 429 when too many
/// were tried.
async fn check(
    app: &App,
    merchant: &MerchantId,
    enrolment: &Enrolment,
    raw_code: Option<&str>,
) -> Result<(), ApiError> {
    let raw = raw_code
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            ApiError::Forbidden(
                ErrorCode::TwoStepRequired,
                format!(
                    "two-step verification is on: send a current code from the authenticator (or a \
             recovery code) in the {CODE_FIELD} header"
                ),
            )
        })?;
    match use_code(app, merchant, enrolment, raw).await? {
        Ok(()) => Ok(()),
        Err(Refusal::NotEnrolled) => Err(ApiError::Conflict(
            ErrorCode::TwoStepState,
            "two-step verification changed while this request ran; try again".into(),
        )),
        Err(Refusal::Wrong | Refusal::Reused) => Err(ApiError::Forbidden(
            ErrorCode::TwoStepCodeInvalid,
            "the two-step code is wrong or was already used; wait for the next one".into(),
        )),
        Err(Refusal::Limited(until)) => Err(limited(until)),
    }
}

/// What a request brings for the Hub's second step: whether the Hub made it, and its code.
#[derive(Debug, Clone)]
pub struct HubCheck {
    required: bool,
    code: Option<String>,
}

impl HubCheck {
    /// The check for a request to `route`: needed when the Hub (`from_hub`) makes a change the
    /// route table guards (see [`crate::auth::routes::Route::hub_two_step`]).
    pub fn new(route: &str, from_hub: bool, code: Option<&str>) -> Self {
        let guarded = crate::auth::routes::find(route).is_some_and(|r| r.hub_two_step);
        Self {
            required: guarded && from_hub,
            code: code.map(str::to_owned),
        }
    }

    /// Whether this request must pass a second step (if the merchant has one on).
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// Passes when no second step is needed, or its code is right; called just before the
    /// change is written, once the request is otherwise valid, so a refused change never spends
    /// the code.
    pub async fn pass(&self, app: &App, merchant: &MerchantId) -> Result<(), ApiError> {
        if !self.required {
            return Ok(());
        }
        match store::get(app, merchant).await? {
            Some(enrolment) if enrolment.status == Status::On => {
                check(app, merchant, &enrolment, self.code.as_deref()).await
            }
            _ => Ok(()),
        }
    }
}
