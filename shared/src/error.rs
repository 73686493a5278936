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

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed request: not JSON, wrong content type, bad query parameter.
    #[error("{message}")]
    BadRequest {
        message: String,
        errors: Option<FieldErrors>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// The key's merchant was deactivated by the operator (403; the compatibility route says
    /// "Payment gateway inactive").
    #[error("this merchant account is deactivated")]
    MerchantInactive,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
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
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest {
            message: message.into(),
            errors: None,
        }
    }

    /// A bad query parameter value, named in `errors`.
    pub fn bad_query(param: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::BadRequest {
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
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::MerchantInactive => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } | Self::TooManyCodes { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
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

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        match err {
            crate::store::StoreError::Throttled(_) | crate::store::StoreError::Unreachable(_) => {
                ApiError::Unavailable(Box::new(err))
            }
            _ => ApiError::internal(err),
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
