//! Settings come from environment variables, named the same locally and in `template.yaml`.

use std::time::Duration;

use url::Url;

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
    pub retry_schedule: crate::webhooks::retry::RetrySchedule,
    /// How long a webhook receiver has to answer (15 s).
    pub webhook_timeout: Duration,
    /// Name or ARN of the Secrets Manager secret that holds the admin token.
    pub admin_token_secret: String,
    /// How long a payment request can be paid before it expires.
    pub checkout_ttl: Duration,
    /// How old an event still in the outbox must be before the reconciler dispatches it: the
    /// stream normally gets to it within seconds.
    pub dispatch_grace: Duration,
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

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let checkout_ttl = match lookup("PAYRAIL_CHECKOUT_TTL_SECONDS") {
            None => Duration::from_secs(1800),
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(secs) if secs > 0 => Duration::from_secs(secs),
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "PAYRAIL_CHECKOUT_TTL_SECONDS",
                        reason: "expected a positive number of seconds".into(),
                    });
                }
            },
        };
        let dispatch_grace = match lookup("PAYRAIL_DISPATCH_GRACE_SECONDS") {
            None => Duration::from_secs(120),
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(secs) if secs <= 3600 => Duration::from_secs(secs),
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "PAYRAIL_DISPATCH_GRACE_SECONDS",
                        reason: "expected 0 to 3600 seconds".into(),
                    });
                }
            },
        };
        let public_base_url = match lookup("PAYRAIL_PUBLIC_BASE_URL").filter(|v| !v.is_empty()) {
            None => None,
            Some(raw) => {
                let url = Url::parse(&raw).map_err(|e| ConfigError::Invalid {
                    name: "PAYRAIL_PUBLIC_BASE_URL",
                    reason: e.to_string(),
                })?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(ConfigError::Invalid {
                        name: "PAYRAIL_PUBLIC_BASE_URL",
                        reason: "expected an http(s) URL".into(),
                    });
                }
                Some(url)
            }
        };
        let aws_timeouts = match lookup("PAYRAIL_AWS_TIMEOUT_SECONDS") {
            None => AwsTimeouts::default(),
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(secs) if (1..=30).contains(&secs) => {
                    AwsTimeouts::within(Duration::from_secs(secs))
                }
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "PAYRAIL_AWS_TIMEOUT_SECONDS",
                        reason: "expected 1 to 30 seconds".into(),
                    });
                }
            },
        };
        let retry_schedule = match lookup("PAYRAIL_RETRY_SCHEDULE").filter(|v| !v.trim().is_empty())
        {
            None => crate::webhooks::retry::RetrySchedule::default(),
            Some(raw) => {
                crate::webhooks::retry::RetrySchedule::parse(&raw).ok_or(ConfigError::Invalid {
                    name: "PAYRAIL_RETRY_SCHEDULE",
                    reason: "expected seconds, comma separated, such as 0,5,300".into(),
                })?
            }
        };
        let webhook_schemes: Vec<String> = lookup("PAYRAIL_WEBHOOK_SCHEMES")
            .unwrap_or_else(|| "https".into())
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| s == "http" || s == "https")
            .collect();
        if webhook_schemes.is_empty() {
            return Err(ConfigError::Invalid {
                name: "PAYRAIL_WEBHOOK_SCHEMES",
                reason: "expected https, or http,https".into(),
            });
        }
        let url_setting = |name: &'static str, default: &str| {
            let raw = lookup(name).filter(|v| !v.trim().is_empty());
            let url = Url::parse(raw.as_deref().unwrap_or(default)).map_err(|e| {
                ConfigError::Invalid {
                    name,
                    reason: e.to_string(),
                }
            })?;
            if matches!(url.scheme(), "http" | "https") {
                Ok(url)
            } else {
                Err(ConfigError::Invalid {
                    name,
                    reason: "expected an http(s) URL".into(),
                })
            }
        };
        let allow_sandbox = match lookup("PAYRAIL_ALLOW_SANDBOX").as_deref().map(str::trim) {
            None | Some("" | "1" | "true" | "yes") => true,
            Some("0" | "false" | "no") => false,
            Some(_) => {
                return Err(ConfigError::Invalid {
                    name: "PAYRAIL_ALLOW_SANDBOX",
                    reason: "expected 1 or 0".into(),
                });
            }
        };
        let compat_min_amount =
            match lookup("PAYRAIL_COMPAT_MIN_AMOUNT").filter(|v| !v.trim().is_empty()) {
                None => rust_decimal::Decimal::new(50, 2),
                Some(raw) => {
                    let raw = raw.trim().to_owned();
                    let plain = raw.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                        && raw.matches('.').count() <= 1;
                    plain
                        .then(|| rust_decimal::Decimal::from_str_exact(&raw).ok())
                        .flatten()
                        .ok_or(ConfigError::Invalid {
                            name: "PAYRAIL_COMPAT_MIN_AMOUNT",
                            reason: "expected a decimal amount such as 0.50".into(),
                        })?
                }
            };
        Ok(Self {
            compat_min_amount,
            processor_secret_prefix: required("PAYRAIL_PROCESSOR_SECRET_PREFIX")?,
            allow_sandbox,
            stripe_api_base: url_setting("PAYRAIL_STRIPE_API_BASE", "https://api.stripe.com")?,
            stripe_js_url: url_setting("PAYRAIL_STRIPE_JS_URL", "https://js.stripe.com/v3/")?,
            endpoints_table: required("PAYRAIL_WEBHOOK_ENDPOINTS_TABLE")?,
            deliveries_table: required("PAYRAIL_DELIVERIES_TABLE")?,
            two_step_table: required("PAYRAIL_TWO_STEP_TABLE")?,
            payment_links_table: required("PAYRAIL_PAYMENT_LINKS_TABLE")?,
            audit_log_table: required("PAYRAIL_AUDIT_LOG_TABLE")?,
            two_step_secret_prefix: required("PAYRAIL_TWO_STEP_SECRET_PREFIX")?,
            delivery_queue_url: required("PAYRAIL_DELIVERY_QUEUE_URL")?,
            delivery_retry_queue_url: required("PAYRAIL_DELIVERY_RETRY_QUEUE_URL")?,
            delivery_dlq_url: required("PAYRAIL_DELIVERY_DLQ_URL")?,
            webhook_secret_prefix: required("PAYRAIL_WEBHOOK_SECRET_PREFIX")?,
            webhook_schemes,
            allow_private_targets: matches!(
                lookup("PAYRAIL_ALLOW_PRIVATE_TARGETS")
                    .as_deref()
                    .map(str::trim),
                Some("1" | "true" | "yes")
            ),
            retry_schedule,
            webhook_timeout: match lookup("PAYRAIL_WEBHOOK_TIMEOUT_SECONDS") {
                None => Duration::from_secs(15),
                Some(raw) => match raw.trim().parse::<u64>() {
                    Ok(secs) if (1..=60).contains(&secs) => Duration::from_secs(secs),
                    _ => {
                        return Err(ConfigError::Invalid {
                            name: "PAYRAIL_WEBHOOK_TIMEOUT_SECONDS",
                            reason: "expected 1 to 60 seconds".into(),
                        });
                    }
                },
            },
            merchants_table: required("PAYRAIL_MERCHANTS_TABLE")?,
            keys_table: required("PAYRAIL_KEYS_TABLE")?,
            transactions_table: required("PAYRAIL_TRANSACTIONS_TABLE")?,
            refunds_table: required("PAYRAIL_REFUNDS_TABLE")?,
            access_log_table: required("PAYRAIL_ACCESS_LOG_TABLE")?,
            events_table: required("PAYRAIL_EVENTS_TABLE")?,
            admin_token_secret: required("PAYRAIL_ADMIN_TOKEN_SECRET")?,
            checkout_ttl,
            dispatch_grace,
            public_base_url,
            aws_timeouts,
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

    const BASE: [(&str, &str); 18] = [
        ("PAYRAIL_TWO_STEP_TABLE", "ts"),
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
    fn zero_ttl_is_rejected() {
        let mut pairs = BASE.to_vec();
        pairs.push(("PAYRAIL_CHECKOUT_TTL_SECONDS", "0"));
        assert!(Settings::from_lookup(env(&pairs)).is_err());
    }
}
