//! The shape of a merchant's Stripe credentials, checked before Stripe itself is asked: a
//! secret key (`sk_…`, or a restricted `rk_…`) and a publishable key of the same mode, and a
//! webhook signing secret (`whsec_…`).

use crate::error::FieldErrorsBuilder;
use crate::input::JsonObject;
use crate::processor::config::ProcessorSecrets;

/// Credentials of the right shape.
#[derive(Debug)]
pub struct Credentials {
    pub secrets: ProcessorSecrets,
    pub publishable_key: String,
    pub livemode: bool,
}

/// `sk_test_…`/`sk_live_…` (or a restricted `rk_…`): the mode, if the key has the shape of one.
fn key_mode(key: &str, prefixes: &[&str]) -> Option<bool> {
    prefixes.iter().find_map(|prefix| {
        let rest = key.strip_prefix(prefix)?;
        let (mode, body) = rest.split_once('_')?;
        let well_formed = body.len() >= 4 && body.bytes().all(|b| b.is_ascii_alphanumeric());
        match (mode, well_formed) {
            ("test", true) => Some(false),
            ("live", true) => Some(true),
            _ => None,
        }
    })
}

/// The Stripe fields of `PUT /processor`; every problem goes to `errors`.
pub fn parse(body: &JsonObject, errors: &mut FieldErrorsBuilder) -> Option<Credentials> {
    let mut text = |field: &str| match body.string(field) {
        Ok(Some(v)) if !v.trim().is_empty() => Some(v.trim().to_owned()),
        Ok(_) => {
            errors.add(field, "is required");
            None
        }
        Err(e) => {
            errors.add(field, e);
            None
        }
    };
    let secret_key = text("secret_key");
    let publishable_key = text("publishable_key");
    let webhook_secret = text("webhook_secret");
    let secret_mode = secret_key
        .as_deref()
        .and_then(|k| key_mode(k, &["sk_", "rk_"]));
    if secret_key.is_some() && secret_mode.is_none() {
        errors.add(
            "secret_key",
            "must be a Stripe secret key (sk_test_… or sk_live_…)",
        );
    }
    let publishable_mode = publishable_key
        .as_deref()
        .and_then(|k| key_mode(k, &["pk_"]));
    match (publishable_key.is_some(), publishable_mode, secret_mode) {
        (true, None, _) => errors.add(
            "publishable_key",
            "must be a Stripe publishable key (pk_test_… or pk_live_…)",
        ),
        (_, Some(p), Some(s)) if p != s => errors.add(
            "publishable_key",
            "must be of the same mode (test or live) as the secret key",
        ),
        _ => {}
    }
    if let Some(w) = &webhook_secret
        && !(w.starts_with("whsec_") && w.len() > 10)
    {
        errors.add(
            "webhook_secret",
            "must be a Stripe webhook signing secret (whsec_…)",
        );
    }
    if !errors.is_empty() {
        return None;
    }
    Some(Credentials {
        secrets: ProcessorSecrets {
            secret_key: secret_key?,
            webhook_secret: webhook_secret?,
        },
        publishable_key: publishable_key?,
        livemode: secret_mode?,
    })
}
