//! An authenticated caller: the operator's admin token, or a merchant's API key and what it may
//! do.

use crate::error::{ApiError, ErrorCode};
use crate::ids::{KeyId, MerchantId};

use super::permissions::Permissions;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The operator's token: manages merchants and any merchant's keys, owns no payments.
    Admin,
    Merchant(MerchantCaller),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantCaller {
    pub merchant_id: MerchantId,
    /// The key that made the request; `None` when the admin token acts for the merchant.
    pub key_id: Option<KeyId>,
    /// What the key may do (everything, for the admin token). Routes are checked against
    /// [`routes::ROUTES`] when the key is authenticated; this is what the key could grant.
    pub permissions: Permissions,
}

impl Principal {
    /// The merchant behind an API key: 403 for the admin token, which owns no merchant data.
    pub fn merchant(&self) -> Result<&MerchantCaller, ApiError> {
        match self {
            Principal::Admin => Err(ApiError::Forbidden(
                ErrorCode::MerchantKeyRequired,
                "this route needs a merchant API key, not the admin token".into(),
            )),
            Principal::Merchant(m) => Ok(m),
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self {
            Principal::Admin => Ok(()),
            Principal::Merchant(_) => Err(ApiError::Forbidden(
                ErrorCode::AdminOnly,
                "this route needs the admin token".into(),
            )),
        }
    }
}
