//! The tenant rule's half in the store: each object owned by one merchant is readable by id
//! through [`Owned`], which [`crate::tenant::find`] calls for every route that names an object.

use std::future::Future;

use super::StoreError;
use crate::App;
use crate::ids::{MerchantId, PrefixedId};

/// An object stored under its own id and owned by one merchant: what
/// [`crate::tenant::find`] reads for every route that names an object by id.
pub trait Owned: Sized {
    type Id: PrefixedId + Sync;
    /// What a client calls it, for "no <noun> with id …".
    const NOUN: &'static str;
    fn owner(&self) -> &MerchantId;
    /// The object, whoever owns it; only [`crate::tenant::find`] should call this.
    fn fetch(
        app: &App,
        id: &Self::Id,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send;
}

/// `owned!(Model, IdType, "noun", owner_field)` implements [`Owned`] in a store module whose
/// `get(app, id)` reads the model.
macro_rules! owned {
    ($model:ty, $id:ty, $noun:literal, $owner:ident) => {
        impl $crate::store::Owned for $model {
            type Id = $id;
            const NOUN: &'static str = $noun;
            fn owner(&self) -> &$crate::ids::MerchantId {
                &self.$owner
            }
            async fn fetch(
                app: &$crate::App,
                id: &$id,
            ) -> Result<Option<Self>, $crate::store::StoreError> {
                get(app, id).await
            }
        }
    };
}
pub(crate) use owned;
