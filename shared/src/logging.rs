//! Structured logs as Lambda's JSON log format expects them: one JSON object per line when
//! `AWS_LAMBDA_LOG_FORMAT=JSON` (template.yaml's LoggingConfig), plain lines otherwise, at the
//! level `AWS_LAMBDA_LOG_LEVEL` sets, or `RUST_LOG`'s directives
//! (`warn,payrail::invocation=debug`).
//!
//! Filtering uses per-target directives rather than a regex-based environment filter: the same
//! directives, a smaller binary and a faster start.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub fn init() {
    let directives = ["AWS_LAMBDA_LOG_LEVEL", "RUST_LOG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()));
    let filter = directives
        .and_then(|d| d.to_ascii_lowercase().parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let fmt = tracing_subscriber::fmt::layer()
        .with_target(false)
        .without_time();
    let registry = tracing_subscriber::registry().with(filter);
    // A second initialisation (tests build several apps) keeps the first subscriber.
    let _ = if json {
        registry.with(fmt.json()).try_init()
    } else {
        registry.with(fmt).try_init()
    };
}
