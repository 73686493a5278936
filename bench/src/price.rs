//! Public on-demand prices, us-east-1, in US dollars, and what a million invocations cost.

/// Lambda, arm64, per GB-second of billed duration.
pub const LAMBDA_ARM_GB_S: f64 = 0.000_013_333_4;
pub const LAMBDA_REQUEST: f64 = 0.20 / 1e6;
pub const HTTP_API_REQUEST: f64 = 1.00 / 1e6;
pub const DYNAMODB_WRU: f64 = 0.625 / 1e6;
pub const DYNAMODB_RRU: f64 = 0.125 / 1e6;
pub const SQS_REQUEST: f64 = 0.40 / 1e6;
pub const SECRETS_CALL: f64 = 0.05 / 10_000.0;
pub const MEMORY_GB: f64 = 128.0 / 1024.0;

/// Lambda's price for a million invocations of `billed_ms` (rounded up to whole ms, as Lambda
/// bills) at `memory_mb`, arm64.
pub fn lambda_usd_per_million(billed_ms: f64, memory_mb: u64) -> f64 {
    let gb_seconds = 1e6 * billed_ms.ceil() / 1000.0 * memory_mb as f64 / 1024.0;
    1e6 * LAMBDA_REQUEST + gb_seconds * LAMBDA_ARM_GB_S
}

/// DynamoDB's price for a million API requests of `read` and `write` request units each, and
/// API Gateway's for the requests themselves.
pub fn dynamodb_and_api_usd_per_million(read: f64, write: f64) -> f64 {
    1e6 * (read * DYNAMODB_RRU + write * DYNAMODB_WRU + HTTP_API_REQUEST)
}
