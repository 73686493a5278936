//! The tenant rule: one merchant never sees another's objects, and another merchant's object
//! answers exactly as a missing one does (404). Every route that reads an object by id goes
//! through [`find`], so the rule is written once.

use crate::App;
use crate::auth::MerchantCaller;
use crate::error::ApiError;
use crate::ids::{MerchantId, PrefixedId};
use crate::store::Owned;

/// Whose objects a lookup may return.
#[derive(Debug, Clone, Copy)]
pub enum Tenant<'a> {
    /// Only this merchant's.
    Merchant(&'a MerchantId),
    /// Anyone's: the operator's admin token, and the public checkout page, which is reached by
    /// an unguessable transaction id and pays only with the token embedded in its form.
    Any,
}

impl<'a> From<&'a MerchantCaller> for Tenant<'a> {
    fn from(caller: &'a MerchantCaller) -> Self {
        Tenant::Merchant(&caller.merchant_id)
    }
}

/// The object `raw_id` names, if it exists and `tenant` may see it; 404 otherwise, with the
/// same message whether the id is malformed, unknown or another merchant's.
pub async fn find<T: Owned>(
    app: &App,
    tenant: impl Into<Tenant<'_>>,
    raw_id: &str,
) -> Result<T, ApiError> {
    let not_found = || ApiError::NotFound(format!("no {} with id '{raw_id}'", T::NOUN));
    let id = T::Id::parse(raw_id).ok_or_else(not_found)?;
    let found = T::fetch(app, &id).await?.ok_or_else(not_found)?;
    match tenant.into() {
        Tenant::Merchant(merchant) if found.owner() != merchant => Err(not_found()),
        _ => Ok(found),
    }
}
