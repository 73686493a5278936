//! The customers API (create, read by id or e-mail address, list), and the customer each new
//! payment records.

use super::customer::{Customer, NewCustomer};
use crate::App;
use crate::auth::MerchantCaller;
use crate::domain::{Email, Timestamp};
use crate::error::{ApiError, ErrorCode};
use crate::ids::{CustomerId, CustomerSeq};
use crate::input::{JsonObject, ListParams};
use crate::payments::Transaction;
use crate::store;
use crate::store::listing::{ListPage, NumberedPage};
use crate::tenant::find;

/// A new customer; 409 `customer_exists` if the merchant has one with this address.
pub async fn create(
    app: &App,
    caller: &MerchantCaller,
    body: &JsonObject,
) -> Result<Customer, ApiError> {
    let new = NewCustomer::parse(body)?;
    let customer = Customer::new(&caller.merchant_id, new, Timestamp::now());
    if !store::customers::insert(app, &customer).await? {
        return Err(ApiError::Conflict(
            ErrorCode::CustomerExists,
            format!(
                "a customer with email '{}' already exists: {}",
                customer
                    .email
                    .as_ref()
                    .map(Email::as_str)
                    .unwrap_or_default(),
                customer.id
            ),
        ));
    }
    Ok(customer)
}

/// One of the caller's customers, named by its id or its e-mail address.
pub async fn get(app: &App, caller: &MerchantCaller, raw: &str) -> Result<Customer, ApiError> {
    if raw.contains('@') {
        let email = Email::parse(raw)
            .map_err(|_| ApiError::NotFound(format!("no customer with email '{raw}'")))?;
        let id = CustomerId::for_email(&caller.merchant_id, &email);
        return match find(app, caller, id.as_str()).await {
            Err(ApiError::NotFound(_)) => Err(ApiError::NotFound(format!(
                "no customer with email '{raw}'"
            ))),
            found => found,
        };
    }
    find(app, caller, raw).await
}

/// OwnPay's lookup: by e-mail address, or else by telephone number as written.
pub async fn find_by_contact(
    app: &App,
    caller: &MerchantCaller,
    raw: &str,
) -> Result<Customer, ApiError> {
    let raw = raw.trim();
    if raw.contains('@') {
        return get(app, caller, raw).await;
    }
    store::customers::find_by_phone(app, &caller.merchant_id, raw)
        .await?
        .ok_or_else(|| ApiError::NotFound("Customer not found".into()))
}

pub async fn list(
    app: &App,
    caller: &MerchantCaller,
    page: &ListParams<CustomerSeq>,
) -> Result<ListPage<Customer>, ApiError> {
    Ok(store::customers::list(app, &caller.merchant_id, page.limit, page.after.as_ref()).await?)
}

/// A page by number, for OwnPay's clients.
pub async fn numbered(
    app: &App,
    caller: &MerchantCaller,
    page: u32,
    per_page: u32,
) -> Result<NumberedPage<Customer>, ApiError> {
    Ok(store::customers::numbered_page(app, &caller.merchant_id, page, per_page).await?)
}

/// Records the customer a new payment names, in one write, unless this process recorded it
/// already (customers are never deleted, so that copy never goes stale).
pub async fn record_payment(app: &App, txn: &Transaction) -> Result<(), ApiError> {
    let customer = Customer::seen_in(txn);
    if app.customers_recorded.contains(&customer.id) {
        return Ok(());
    }
    store::customers::record_seen(app, &customer).await?;
    app.customers_recorded.insert(customer.id);
    Ok(())
}
