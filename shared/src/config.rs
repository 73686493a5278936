//! Settings come from environment variables, named the same locally and in `template.yaml`,
//! each declared once (name, default, parser) in the [`settings!`] table below.

use std::time::Duration;

use url::Url;

use crate::webhooks::retry::RetrySchedule;

/// Why the process cannot start: a setting is missing or malformed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub merchants_table: String,
    pub keys_table: String,
    pub transactions_table: String,
    pub refunds_table: String,
    pub access_log_table: String,
    pub events_table: String,
    pub endpoints_table: String,
    pub deliveries_table: String,
    /// The operator's audit log (admin-token changes).
    pub audit_log_table: String,
    /// Payment links (`/pay/<id>`), with their count of paid payments.
    pub payment_links_table: String,
    /// Merchants' customers, one per e-mail address.
    pub customers_table: String,
    /// Merchants' two-step enrolments (one item each).
    pub two_step_table: String,
    /// Secrets Manager names of merchants' authenticator secrets start with this
    /// (`<stack>/two-step`).
    pub two_step_secret_prefix: String,
    /// The SQS queue of delivery jobs, and its dead-letter queue.
    pub delivery_queue_url: String,
    /// The queue of retries and of deliveries to endpoints in a failure run.
    pub delivery_retry_queue_url: String,
    pub delivery_dlq_url: String,
    /// Secrets Manager names of merchants' webhook keys start with this (`<stack>/webhooks`).
    pub webhook_secret_prefix: String,
    /// Allowed webhook URL schemes: `https` when deployed; `http` too for local receivers.
    pub webhook_schemes: Vec<String>,
    /// Webhook targets on private or loopback addresses (local development only).
    pub allow_private_targets: bool,
    pub retry_schedule: RetrySchedule,
    /// How long a webhook receiver has to answer (15 s).
    pub webhook_timeout: Duration,
    /// Name or ARN of the Secrets Manager secret that holds the admin token.
    pub admin_token_secret: String,
    /// How long a payment request can be paid before it expires.
    pub checkout_ttl: Duration,
    /// How old an event still in the outbox must be before the reconciler dispatches it: the
    /// stream normally gets to it within seconds.
    pub dispatch_grace: Duration,
    /// How long a charge or refund may stay unknown or pending before the sweep asks again.
    pub reconcile_after: Duration,
    /// Origin of the hosted checkout (`https://pay.example.com`). When unset, the origin the
    /// request arrived on is used, which is the API's own domain behind API Gateway.
    pub public_base_url: Option<Url>,
    /// Secrets Manager names of merchants' processor credentials start with this
    /// (`<stack>/processor`).
    pub processor_secret_prefix: String,
    /// Whether merchants may take payments through the sandbox (no real money); off for a
    /// production stage, where only a connected processor collects.
    pub allow_sandbox: bool,
    /// Stripe's API and Stripe.js: Stripe's own unless pointed at a stand-in for local work.
    pub stripe_api_base: Url,
    pub stripe_js_url: Url,
    /// How long an AWS call may take before the request fails instead of hanging.
    pub aws_timeouts: AwsTimeouts,
    /// The least a payment may be on the compatibility route, in major units of its currency
    /// (rounded up to a whole minor unit): below it that route answers "Invalid amount".
    pub compat_min_amount: rust_decimal::Decimal,
    /// Refused credentials one source address may present a minute (per instance) before it is
    /// answered 429; a key id gets half as many wrong secrets (see [`crate::auth::identify`]).
    pub failed_auth_per_minute: u32,
}

/// Limits on one AWS SDK call, well inside the shortest function timeout (10 s), so a stalled
/// dependency answers 5xx while the function can still say so, rather than Lambda killing it
/// mid-request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsTimeouts {
    /// Establishing a connection.
    pub connect: Duration,
    /// One attempt, from sending to the whole answer.
    pub attempt: Duration,
    /// The whole call, retries and their backoff included.
    pub operation: Duration,
}

impl AwsTimeouts {
    /// Each attempt may use half of the call's budget, so one retry still fits in it.
    pub fn within(operation: Duration) -> Self {
        let attempt = operation / 2;
        Self {
            connect: attempt.min(Duration::from_secs(1)),
            attempt,
            operation,
        }
    }
}

impl Default for AwsTimeouts {
    fn default() -> Self {
        Self::within(Duration::from_secs(5))
    }
}

/// One setting: its environment variable, its default (`None`: required, or unset where its
/// value is optional), what it is for, and how its text is parsed. Each is declared once, below;
/// [`ALL`] lists them for the settings table of docs/operate.md, which a test checks against it.
pub struct Setting<K> {
    pub name: &'static str,
    pub default: Option<&'static str>,
    pub about: &'static str,
    kind: K,
}

/// What a [`Setting`] holds, and how its text becomes that.
pub trait Kind {
    type Value;
    fn parse(&self, raw: &str) -> Result<Self::Value, String>;
}

/// Text, as it is (table names, queue URLs, secret names and prefixes).
pub struct Text;
/// Whole seconds within bounds.
pub struct Seconds(u64, u64);
/// `1`/`true`/`yes` or `0`/`false`/`no`.
pub struct Flag;
/// An `http` or `https` URL.
pub struct HttpUrl;
/// `https`, or `http,https`.
pub struct Schemes;
/// Delays in seconds, comma separated.
pub struct Schedule;
/// A plain decimal amount such as `0.50`.
pub struct Amount;
/// A whole number within bounds.
pub struct Count(u32, u32);

impl Kind for Text {
    type Value = String;
    fn parse(&self, raw: &str) -> Result<String, String> {
        Ok(raw.to_owned())
    }
}

impl Kind for Seconds {
    type Value = Duration;
    fn parse(&self, raw: &str) -> Result<Duration, String> {
        let Self(min, max) = *self;
        match raw.parse::<u64>() {
            Ok(secs) if (min..=max).contains(&secs) => Ok(Duration::from_secs(secs)),
            _ if max == u64::MAX => Err(format!("expected at least {min} seconds")),
            _ => Err(format!("expected {min} to {max} seconds")),
        }
    }
}

impl Kind for Flag {
    type Value = bool;
    fn parse(&self, raw: &str) -> Result<bool, String> {
        match raw {
            "1" | "true" | "yes" => Ok(true),
            "0" | "false" | "no" => Ok(false),
            _ => Err("expected 1 or 0".into()),
        }
    }
}

impl Kind for HttpUrl {
    type Value = Url;
    fn parse(&self, raw: &str) -> Result<Url, String> {
        let url = Url::parse(raw).map_err(|e| e.to_string())?;
        if matches!(url.scheme(), "http" | "https") {
            Ok(url)
        } else {
            Err("expected an http(s) URL".into())
        }
    }
}

impl Kind for Schemes {
    type Value = Vec<String>;
    fn parse(&self, raw: &str) -> Result<Vec<String>, String> {
        let schemes: Vec<String> = raw
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| s == "http" || s == "https")
            .collect();
        if schemes.is_empty() {
            Err("expected https, or http,https".into())
        } else {
            Ok(schemes)
        }
    }
}

impl Kind for Schedule {
    type Value = RetrySchedule;
    fn parse(&self, raw: &str) -> Result<RetrySchedule, String> {
        RetrySchedule::parse(raw)
            .ok_or_else(|| "expected seconds, comma separated, such as 0,5,300".into())
    }
}

impl Kind for Count {
    type Value = u32;
    fn parse(&self, raw: &str) -> Result<u32, String> {
        let Self(min, max) = *self;
        match raw.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(format!("expected a whole number from {min} to {max}")),
        }
    }
}

impl Kind for Amount {
    type Value = rust_decimal::Decimal;
    fn parse(&self, raw: &str) -> Result<rust_decimal::Decimal, String> {
        let plain =
            raw.bytes().all(|b| b.is_ascii_digit() || b == b'.') && raw.matches('.').count() <= 1;
        plain
            .then(|| rust_decimal::Decimal::from_str_exact(raw).ok())
            .flatten()
            .ok_or_else(|| "expected a decimal amount such as 0.50".into())
    }
}

macro_rules! settings {
    ($($id:ident: $kind:ident $(($($arg:expr),*))?, $name:literal, $default:expr,
       $about:literal;)*) => {
        $(pub const $id: Setting<$kind> = Setting {
            name: $name,
            default: $default,
            about: $about,
            kind: $kind $(($($arg),*))?,
        };)*
        /// Every setting, by name and default.
        pub const ALL: &[(&str, Option<&str>)] = &[$(($name, $default)),*];
    };
}

settings! {
    MERCHANTS_TABLE: Text, "PAYRAIL_MERCHANTS_TABLE", None, "DynamoDB table of merchants";
    KEYS_TABLE: Text, "PAYRAIL_KEYS_TABLE", None, "DynamoDB table of API keys";
    TRANSACTIONS_TABLE: Text, "PAYRAIL_TRANSACTIONS_TABLE", None, "DynamoDB table of payments";
    REFUNDS_TABLE: Text, "PAYRAIL_REFUNDS_TABLE", None, "DynamoDB table of refunds";
    ACCESS_LOG_TABLE: Text, "PAYRAIL_ACCESS_LOG_TABLE", None, "DynamoDB table of the access log";
    EVENTS_TABLE: Text, "PAYRAIL_EVENTS_TABLE", None, "DynamoDB table of events";
    ENDPOINTS_TABLE: Text, "PAYRAIL_WEBHOOK_ENDPOINTS_TABLE", None, "DynamoDB table of endpoints";
    DELIVERIES_TABLE: Text, "PAYRAIL_DELIVERIES_TABLE", None, "DynamoDB table of deliveries";
    AUDIT_LOG_TABLE: Text, "PAYRAIL_AUDIT_LOG_TABLE", None, "DynamoDB table of the audit log";
    PAYMENT_LINKS_TABLE: Text, "PAYRAIL_PAYMENT_LINKS_TABLE", None, "DynamoDB table of links";
    CUSTOMERS_TABLE: Text, "PAYRAIL_CUSTOMERS_TABLE", None, "DynamoDB table of customers";
    TWO_STEP_TABLE: Text, "PAYRAIL_TWO_STEP_TABLE", None, "DynamoDB table of enrolments";
    TWO_STEP_SECRET_PREFIX: Text, "PAYRAIL_TWO_STEP_SECRET_PREFIX", None,
        "names of merchants' authenticator secrets";
    DELIVERY_QUEUE_URL: Text, "PAYRAIL_DELIVERY_QUEUE_URL", None, "SQS queue of delivery jobs";
    DELIVERY_RETRY_QUEUE_URL: Text, "PAYRAIL_DELIVERY_RETRY_QUEUE_URL", None,
        "SQS queue of retries and of deliveries to failing endpoints";
    DELIVERY_DLQ_URL: Text, "PAYRAIL_DELIVERY_DLQ_URL", None, "SQS dead-letter queue";
    WEBHOOK_SECRET_PREFIX: Text, "PAYRAIL_WEBHOOK_SECRET_PREFIX", None,
        "names of merchants' webhook keys";
    PROCESSOR_SECRET_PREFIX: Text, "PAYRAIL_PROCESSOR_SECRET_PREFIX", None,
        "names of merchants' processor secrets";
    ADMIN_TOKEN_SECRET: Text, "PAYRAIL_ADMIN_TOKEN_SECRET", None,
        "Secrets Manager secret holding the admin token";
    WEBHOOK_SCHEMES: Schemes, "PAYRAIL_WEBHOOK_SCHEMES", Some("https"),
        "allowed endpoint URL schemes";
    ALLOW_PRIVATE_TARGETS: Flag, "PAYRAIL_ALLOW_PRIVATE_TARGETS", Some("0"),
        "whether webhook targets may be loopback or private addresses";
    RETRY_SCHEDULE: Schedule, "PAYRAIL_RETRY_SCHEDULE", Some("0,5,300,1800,7200,18000,36000,36000"),
        "delivery attempts as delays in seconds";
    WEBHOOK_TIMEOUT: Seconds(1, 60), "PAYRAIL_WEBHOOK_TIMEOUT_SECONDS", Some("15"),
        "how long a receiver has to answer";
    CHECKOUT_TTL: Seconds(1, 82_800), "PAYRAIL_CHECKOUT_TTL_SECONDS", Some("1800"),
        "how long a payment request can be paid (at most 23 hours, inside Stripe's idempotency window)";
    RECONCILE_AFTER: Seconds(0, 86_400), "PAYRAIL_RECONCILE_AFTER_SECONDS", Some("60"),
        "how long a charge or refund may stay unknown or pending before the sweep asks the processor";
    DISPATCH_GRACE: Seconds(0, 3600), "PAYRAIL_DISPATCH_GRACE_SECONDS", Some("120"),
        "how old an undispatched event must be before the reconciler dispatches it";
    PUBLIC_BASE_URL: HttpUrl, "PAYRAIL_PUBLIC_BASE_URL", None, "origin of the hosted checkout links";
    ALLOW_SANDBOX: Flag, "PAYRAIL_ALLOW_SANDBOX", Some("1"),
        "whether merchants may take payments through the sandbox";
    STRIPE_API_BASE: HttpUrl, "PAYRAIL_STRIPE_API_BASE", Some("https://api.stripe.com"),
        "Stripe's API";
    STRIPE_JS_URL: HttpUrl, "PAYRAIL_STRIPE_JS_URL", Some("https://js.stripe.com/v3/"), "Stripe.js";
    AWS_TIMEOUT: Seconds(1, 30), "PAYRAIL_AWS_TIMEOUT_SECONDS", Some("5"),
        "most one AWS call may take, retries included";
    COMPAT_MIN_AMOUNT: Amount, "PAYRAIL_COMPAT_MIN_AMOUNT", Some("0.50"),
        "the least a payment may be on the compatibility route";
    FAILED_AUTH_PER_MINUTE: Count(2, 1_000_000), "PAYRAIL_FAILED_AUTH_PER_MINUTE", Some("20"),
        "refused credentials a source may present a minute before it is throttled";
}

/// Reads settings through a lookup of environment variables.
struct Env<F>(F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// The setting's text: what is set (blank counts as unset), else its default.
    fn raw<K>(&self, s: &Setting<K>) -> Option<String> {
        (self.0)(s.name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .or_else(|| s.default.map(str::to_owned))
    }

    /// An optional setting's value: `None` when unset and without a default.
    fn optional<K: Kind>(&self, s: &Setting<K>) -> Result<Option<K::Value>, ConfigError> {
        self.raw(s)
            .map(|raw| {
                s.kind.parse(&raw).map_err(|reason| ConfigError::Invalid {
                    name: s.name,
                    reason,
                })
            })
            .transpose()
    }

    /// A setting's value: missing when unset and without a default.
    fn get<K: Kind>(&self, s: &Setting<K>) -> Result<K::Value, ConfigError> {
        self.optional(s)?.ok_or(ConfigError::Missing(s.name))
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(lookup);
        Ok(Self {
            merchants_table: env.get(&MERCHANTS_TABLE)?,
            keys_table: env.get(&KEYS_TABLE)?,
            transactions_table: env.get(&TRANSACTIONS_TABLE)?,
            refunds_table: env.get(&REFUNDS_TABLE)?,
            access_log_table: env.get(&ACCESS_LOG_TABLE)?,
            events_table: env.get(&EVENTS_TABLE)?,
            endpoints_table: env.get(&ENDPOINTS_TABLE)?,
            deliveries_table: env.get(&DELIVERIES_TABLE)?,
            audit_log_table: env.get(&AUDIT_LOG_TABLE)?,
            payment_links_table: env.get(&PAYMENT_LINKS_TABLE)?,
            customers_table: env.get(&CUSTOMERS_TABLE)?,
            two_step_table: env.get(&TWO_STEP_TABLE)?,
            two_step_secret_prefix: env.get(&TWO_STEP_SECRET_PREFIX)?,
            delivery_queue_url: env.get(&DELIVERY_QUEUE_URL)?,
            delivery_retry_queue_url: env.get(&DELIVERY_RETRY_QUEUE_URL)?,
            delivery_dlq_url: env.get(&DELIVERY_DLQ_URL)?,
            webhook_secret_prefix: env.get(&WEBHOOK_SECRET_PREFIX)?,
            webhook_schemes: env.get(&WEBHOOK_SCHEMES)?,
            allow_private_targets: env.get(&ALLOW_PRIVATE_TARGETS)?,
            retry_schedule: env.get(&RETRY_SCHEDULE)?,
            webhook_timeout: env.get(&WEBHOOK_TIMEOUT)?,
            admin_token_secret: env.get(&ADMIN_TOKEN_SECRET)?,
            checkout_ttl: env.get(&CHECKOUT_TTL)?,
            dispatch_grace: env.get(&DISPATCH_GRACE)?,
            reconcile_after: env.get(&RECONCILE_AFTER)?,
            public_base_url: env.optional(&PUBLIC_BASE_URL)?,
            processor_secret_prefix: env.get(&PROCESSOR_SECRET_PREFIX)?,
            allow_sandbox: env.get(&ALLOW_SANDBOX)?,
            stripe_api_base: env.get(&STRIPE_API_BASE)?,
            stripe_js_url: env.get(&STRIPE_JS_URL)?,
            aws_timeouts: AwsTimeouts::within(env.get(&AWS_TIMEOUT)?),
            compat_min_amount: env.get(&COMPAT_MIN_AMOUNT)?,
            failed_auth_per_minute: env.get(&FAILED_AUTH_PER_MINUTE)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const BASE: [(&str, &str); 19] = [
        ("PAYRAIL_TWO_STEP_TABLE", "ts"),
        ("PAYRAIL_CUSTOMERS_TABLE", "cu"),
        ("PAYRAIL_PAYMENT_LINKS_TABLE", "pl"),
        ("PAYRAIL_AUDIT_LOG_TABLE", "al"),
        ("PAYRAIL_TWO_STEP_SECRET_PREFIX", "p/two-step"),
        ("PAYRAIL_PROCESSOR_SECRET_PREFIX", "p/processor"),
        ("PAYRAIL_WEBHOOK_ENDPOINTS_TABLE", "w"),
        ("PAYRAIL_DELIVERIES_TABLE", "d"),
        ("PAYRAIL_DELIVERY_QUEUE_URL", "q"),
        ("PAYRAIL_DELIVERY_RETRY_QUEUE_URL", "rq"),
        ("PAYRAIL_DELIVERY_DLQ_URL", "dlq"),
        ("PAYRAIL_WEBHOOK_SECRET_PREFIX", "p/webhooks"),
        ("PAYRAIL_EVENTS_TABLE", "e"),
        ("PAYRAIL_ACCESS_LOG_TABLE", "l"),
        ("PAYRAIL_MERCHANTS_TABLE", "m"),
        ("PAYRAIL_KEYS_TABLE", "k"),
        ("PAYRAIL_TRANSACTIONS_TABLE", "t"),
        ("PAYRAIL_REFUNDS_TABLE", "r"),
        ("PAYRAIL_ADMIN_TOKEN_SECRET", "s"),
    ];

    #[test]
    fn checkout_ttl_defaults_to_thirty_minutes() {
        let s = Settings::from_lookup(env(&BASE)).unwrap();
        assert_eq!(s.checkout_ttl, Duration::from_secs(1800));
        assert!(s.public_base_url.is_none());
    }

    #[test]
    fn missing_table_is_named_in_the_error() {
        let without: Vec<_> = BASE
            .into_iter()
            .filter(|(k, _)| *k != "PAYRAIL_MERCHANTS_TABLE")
            .collect();
        let err = Settings::from_lookup(env(&without)).unwrap_err();
        assert!(err.to_string().contains("PAYRAIL_MERCHANTS_TABLE"));
    }

    #[test]
    fn deployed_defaults_are_the_safe_ones() {
        let s = Settings::from_lookup(env(&BASE)).unwrap();
        assert_eq!(s.webhook_schemes, ["https"]);
        assert!(!s.allow_private_targets);
        assert_eq!(s.retry_schedule.attempts(), 8);
        assert_eq!(s.aws_timeouts.operation, Duration::from_secs(5));
        assert_eq!(s.aws_timeouts.attempt, Duration::from_millis(2500));
        assert_eq!(s.aws_timeouts.connect, Duration::from_secs(1));
    }

    #[test]
    fn aws_timeout_is_bounded() {
        for bad in ["0", "31", "soon"] {
            let mut pairs = BASE.to_vec();
            pairs.push(("PAYRAIL_AWS_TIMEOUT_SECONDS", bad));
            assert!(Settings::from_lookup(env(&pairs)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_ttl_of_zero_or_of_a_day_is_rejected() {
        // A day reaches past Stripe's 24-hour idempotency window.
        for bad in ["0", "82801", "86400"] {
            let mut pairs = BASE.to_vec();
            pairs.push(("PAYRAIL_CHECKOUT_TTL_SECONDS", bad));
            assert!(Settings::from_lookup(env(&pairs)).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_setting_is_listed_once_and_its_default_parses() {
        let mut seen = std::collections::HashSet::new();
        for (name, _) in ALL {
            assert!(seen.insert(*name), "{name} twice");
        }
        // Defaults are the values an empty environment gets: they must parse.
        let s = Settings::from_lookup(env(&BASE)).unwrap();
        assert_eq!(s.compat_min_amount, rust_decimal::Decimal::new(50, 2));
        assert_eq!(s.dispatch_grace, Duration::from_secs(120));
        assert_eq!(s.webhook_timeout, Duration::from_secs(15));
        assert!(s.allow_sandbox);
        assert_eq!(s.stripe_api_base.as_str(), "https://api.stripe.com/");
    }

    #[test]
    fn a_bad_value_names_the_setting_and_what_it_expects() {
        for (name, bad) in [
            ("PAYRAIL_DISPATCH_GRACE_SECONDS", "3601"),
            ("PAYRAIL_ALLOW_SANDBOX", "maybe"),
            ("PAYRAIL_WEBHOOK_SCHEMES", "ftp"),
            ("PAYRAIL_PUBLIC_BASE_URL", "ftp://x"),
            ("PAYRAIL_COMPAT_MIN_AMOUNT", "1e3"),
            ("PAYRAIL_RETRY_SCHEDULE", "soon"),
        ] {
            let mut pairs = BASE.to_vec();
            pairs.push((name, bad));
            let err = Settings::from_lookup(env(&pairs)).unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
    }
}
