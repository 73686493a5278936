//! An authenticator app, as the tests need one: RFC 6238 codes (SHA-1, 6 digits, 30 s)
//! from the base32 secret the enrolment showed, computed with totp-rs rather than Payrail.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use totp_rs::{Algorithm, Builder, Secret};

pub const STEP: u64 = 30;

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The code for the time step that holds `unix`.
pub fn code_at(secret: &str, unix: u64) -> String {
    let bytes = Secret::try_from_base32(secret)
        .expect("a base32 secret")
        .as_ref()
        .to_vec();
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(STEP)
        .with_secret(bytes)
        .build()
        .expect("a valid secret")
        .generate(unix)
        .to_string()
}

/// The code the app shows now.
pub fn code(secret: &str) -> String {
    code_at(secret, now())
}

/// Waits, if needed, until at least `secs` seconds remain in the current step, so that a
/// test's codes and the server's clock agree on the step.
pub async fn ensure_step_has(secs: u64) {
    let into = now() % STEP;
    if STEP - into < secs {
        tokio::time::sleep(Duration::from_secs(STEP - into) + Duration::from_millis(200)).await;
    }
}
