//! Errors that reach a client, and the one mapping from error to HTTP status.

use std::collections::BTreeMap;

use lambda_http::http::StatusCode;

/// Field name → messages, as answered in the envelope's `errors`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Collects field errors while a request body is parsed, so a client learns every problem at once.
#[derive(Debug, Default)]
pub struct FieldErrorsBuilder(FieldErrors);

impl FieldErrorsBuilder {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    /// Keeps `Ok` values and records the message of an `Err` under `field`.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `field` already has a message.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

type Source = Box<dyn std::error::Error + Send + Sync>;

/// The stable, machine-readable `code` of every error answer, beside its human `message`.
/// Clients (the Hub, the Node client) branch on these, never on the wording, so a code is never
/// renamed; a new case gets a new code. The OpenAPI `Error` schema lists them all, checked by a
/// test against [`ErrorCode::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The request is malformed in a way no field names (bad Host, bad header value).
    BadRequest,
    /// The body is not a JSON object.
    InvalidJson,
    /// The body's Content-Type is not JSON.
    UnsupportedContentType,
    /// A query parameter's value is invalid (named in `errors`).
    InvalidQuery,
    /// The `Idempotency-Key` header is not 1 to 255 visible ASCII characters.
    InvalidIdempotencyKey,
    /// No `Authorization` header, or not `Bearer <credential>`.
    CredentialMissing,
    /// Not an API key or admin token Payrail knows.
    CredentialInvalid,
    /// The API key was revoked (or rotated away).
    ApiKeyRevoked,
    /// The route needs the admin token.
    AdminOnly,
    /// The route needs a merchant's own API key, or the admin token naming a `merchant_id`.
    MerchantKeyRequired,
    /// The key lacks a permission the route (or the key it manages) needs.
    PermissionDenied,
    /// The merchant was deactivated by the operator.
    MerchantInactive,
    /// Two-step verification is on and the request carries no code.
    TwoStepRequired,
    /// The two-step code is wrong or was already used.
    TwoStepCodeInvalid,
    /// Too many two-step codes tried.
    TwoStepRateLimited,
    /// Two-step enrolment is not in the state this action needs.
    TwoStepState,
    /// No such object for this merchant.
    NotFound,
    /// The `Idempotency-Key` was used before with other parameters.
    IdempotencyKeyReused,
    /// The `order_uuid` was used before with other parameters.
    OrderUuidReused,
    /// The merchant already has a customer with this e-mail address.
    CustomerExists,
    /// The object's state does not allow this (refund an unpaid payment, rotate a revoked key).
    InvalidState,
    /// The object changed while the request ran; the same request may succeed if sent again.
    ConcurrentChange,
    /// The merchant has no payment processor connected.
    ProcessorNotConnected,
    /// The payment was taken by a processor (or mode) the merchant no longer has connected.
    ProcessorChanged,
    /// The API key's rate limit is spent; `Retry-After` says when to try again.
    RateLimited,
    /// The body is over the size limit.
    PayloadTooLarge,
    /// One or more fields are invalid; `errors` names each.
    ValidationFailed,
    /// A dependency is throttling or unreachable; retry shortly.
    ServiceUnavailable,
    /// Our fault; nothing was half-written.
    InternalError,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 29] = [
        Self::BadRequest,
        Self::InvalidJson,
        Self::UnsupportedContentType,
        Self::InvalidQuery,
        Self::InvalidIdempotencyKey,
        Self::CredentialMissing,
        Self::CredentialInvalid,
        Self::ApiKeyRevoked,
        Self::AdminOnly,
        Self::MerchantKeyRequired,
        Self::PermissionDenied,
        Self::MerchantInactive,
        Self::TwoStepRequired,
        Self::TwoStepCodeInvalid,
        Self::TwoStepRateLimited,
        Self::TwoStepState,
        Self::NotFound,
        Self::IdempotencyKeyReused,
        Self::OrderUuidReused,
        Self::CustomerExists,
        Self::InvalidState,
        Self::ConcurrentChange,
        Self::ProcessorNotConnected,
        Self::ProcessorChanged,
        Self::RateLimited,
        Self::PayloadTooLarge,
        Self::ValidationFailed,
        Self::ServiceUnavailable,
        Self::InternalError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidJson => "invalid_json",
            Self::UnsupportedContentType => "unsupported_content_type",
            Self::InvalidQuery => "invalid_query",
            Self::InvalidIdempotencyKey => "invalid_idempotency_key",
            Self::CredentialMissing => "credential_missing",
            Self::CredentialInvalid => "credential_invalid",
            Self::ApiKeyRevoked => "api_key_revoked",
            Self::AdminOnly => "admin_only",
            Self::MerchantKeyRequired => "merchant_key_required",
            Self::PermissionDenied => "permission_denied",
            Self::MerchantInactive => "merchant_inactive",
            Self::TwoStepRequired => "two_step_required",
            Self::TwoStepCodeInvalid => "two_step_code_invalid",
            Self::TwoStepRateLimited => "two_step_rate_limited",
            Self::TwoStepState => "two_step_state",
            Self::NotFound => "not_found",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::OrderUuidReused => "order_uuid_reused",
            Self::CustomerExists => "customer_exists",
            Self::InvalidState => "invalid_state",
            Self::ConcurrentChange => "concurrent_change",
            Self::ProcessorNotConnected => "processor_not_connected",
            Self::ProcessorChanged => "processor_changed",
            Self::RateLimited => "rate_limited",
            Self::PayloadTooLarge => "payload_too_large",
            Self::ValidationFailed => "validation_failed",
            Self::ServiceUnavailable => "service_unavailable",
            Self::InternalError => "internal_error",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed request: not JSON, wrong content type, bad query parameter.
    #[error("{message}")]
    BadRequest {
        code: ErrorCode,
        message: String,
        errors: Option<FieldErrors>,
    },
    #[error("{1}")]
    Unauthorized(ErrorCode, String),
    #[error("{1}")]
    Forbidden(ErrorCode, String),
    /// The key's merchant was deactivated by the operator (403; the compatibility route says
    /// "Payment gateway inactive").
    #[error("this merchant account is deactivated")]
    MerchantInactive,
    #[error("{0}")]
    NotFound(String),
    #[error("{1}")]
    Conflict(ErrorCode, String),
    #[error("rate limit exceeded; retry in {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// Too many two-step codes tried for the merchant in a short time.
    #[error("too many two-step codes tried; retry in {retry_after} s")]
    TooManyCodes { retry_after: u64 },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("validation failed")]
    Validation(FieldErrors),
    /// A dependency refused work for now (throttling); the client may retry.
    #[error("service temporarily unavailable, retry shortly")]
    Unavailable(#[source] Source),
    /// Our fault or an unexpected dependency failure. The source is logged, never answered.
    #[error("internal error")]
    Internal(#[source] Source),
}

impl ApiError {
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
            errors: None,
        }
    }

    /// A bad query parameter value, named in `errors`.
    pub fn bad_query(param: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::BadRequest {
            code: ErrorCode::InvalidQuery,
            message: format!("invalid query parameter {param}: {message}"),
            errors: Some(FieldErrors::from([(param.to_owned(), vec![message])])),
        }
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(FieldErrors::from([(
            field.to_owned(),
            vec![message.into()],
        )]))
    }

    pub fn internal(source: impl Into<Source>) -> Self {
        Self::Internal(source.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(..) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(..) | Self::MerchantInactive => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(..) => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } | Self::TooManyCodes { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable code answered beside the message.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unauthorized(code, _)
            | Self::Forbidden(code, _)
            | Self::Conflict(code, _) => *code,
            Self::MerchantInactive => ErrorCode::MerchantInactive,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::TooManyCodes { .. } => ErrorCode::TwoStepRateLimited,
            Self::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::Validation(_) => ErrorCode::ValidationFailed,
            Self::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::InternalError,
        }
    }

    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            Self::BadRequest { errors, .. } => errors.as_ref(),
            Self::Validation(errors) => Some(errors),
            _ => None,
        }
    }

    /// One line naming every field problem, for answers that have no `errors` object.
    pub fn summary(&self) -> String {
        match self.field_errors() {
            Some(errors) if !errors.is_empty() => errors
                .iter()
                .map(|(field, msgs)| format!("{field}: {}", msgs.join(", ")))
                .collect::<Vec<_>>()
                .join("; "),
            _ => self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_never_show_their_source() {
        let err = ApiError::internal("dynamodb: AccessDenied arn:aws:secret");
        assert_eq!(err.to_string(), "internal error");
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(err.code().as_str(), "internal_error");
    }

    #[test]
    fn every_code_is_listed_once_in_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} listed twice");
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s} is not snake_case"
            );
        }
    }

    #[test]
    fn summary_lists_every_field() {
        let mut b = FieldErrorsBuilder::default();
        b.add("email", "is required");
        b.add("total_amount", "must be greater than 0");
        let err = b.into_result().unwrap_err();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            err.summary(),
            "email: is required; total_amount: must be greater than 0"
        );
    }
}
