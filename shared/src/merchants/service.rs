//! Creating, reading, listing and changing merchants (admin token only).

use super::{DEFAULT_RATE_LIMIT, MAX_RATE_LIMIT, Merchant, MerchantName};
use crate::App;
use crate::domain::Timestamp;
use crate::error::{ApiError, FieldErrorsBuilder};
use crate::ids::MerchantId;
use crate::input::{JsonObject, ListParams};
use crate::store::{self, listing::ListPage};
use crate::tenant::Tenant;

fn parse_rate_limit(body: &JsonObject, errors: &mut FieldErrorsBuilder) -> Option<u32> {
    match body.integer("rate_limit_per_minute") {
        Ok(None) => None,
        Ok(Some(n)) if (1..=i64::from(MAX_RATE_LIMIT)).contains(&n) => Some(n as u32),
        Ok(Some(_)) => {
            errors.add(
                "rate_limit_per_minute",
                format!("must be from 1 to {MAX_RATE_LIMIT}"),
            );
            None
        }
        Err(e) => {
            errors.add("rate_limit_per_minute", e);
            None
        }
    }
}

fn parse_name(body: &JsonObject, errors: &mut FieldErrorsBuilder) -> Option<MerchantName> {
    match body.string("name") {
        Ok(Some(raw)) => errors.check("name", MerchantName::parse(&raw)),
        Ok(None) => None,
        Err(e) => {
            errors.add("name", e);
            None
        }
    }
}

pub async fn create(app: &App, body: &JsonObject) -> Result<Merchant, ApiError> {
    let mut errors = FieldErrorsBuilder::default();
    let name = parse_name(body, &mut errors);
    if name.is_none() && !errors.has("name") {
        errors.add("name", "is required");
    }
    let rate = parse_rate_limit(body, &mut errors);
    errors.into_result()?;
    let name = name.ok_or_else(|| ApiError::validation("name", "is required"))?;
    let merchant = Merchant {
        id: MerchantId::generate(),
        name: name.into_string(),
        rate_limit_per_minute: rate.unwrap_or(DEFAULT_RATE_LIMIT),
        created_at: Timestamp::now(),
        active: true,
        processor: None,
    };
    store::merchants::put(app, &merchant).await?;
    Ok(merchant)
}

/// A merchant by id, for the admin token.
pub async fn get(app: &App, raw_id: &str) -> Result<Merchant, ApiError> {
    crate::tenant::find(app, Tenant::Any, raw_id).await
}

pub async fn list(
    app: &App,
    page: &ListParams<MerchantId>,
) -> Result<ListPage<Merchant>, ApiError> {
    Ok(store::merchants::list(app, page.limit, page.after.as_ref()).await?)
}

pub async fn update(app: &App, raw_id: &str, body: &JsonObject) -> Result<Merchant, ApiError> {
    let not_found = || ApiError::NotFound(format!("no merchant with id '{raw_id}'"));
    let id = MerchantId::parse(raw_id).ok_or_else(not_found)?;
    let mut errors = FieldErrorsBuilder::default();
    let name = parse_name(body, &mut errors);
    let rate = parse_rate_limit(body, &mut errors);
    let active = match body.value("active") {
        Ok(None) => None,
        Ok(Some(serde_json::Value::Bool(b))) => Some(b),
        Ok(Some(_)) | Err(_) => {
            errors.add("active", "must be true or false");
            None
        }
    };
    if errors.is_empty() && name.is_none() && rate.is_none() && active.is_none() {
        errors.add(
            "name",
            "give name, rate_limit_per_minute or active to change",
        );
    }
    errors.into_result()?;
    let change = store::merchants::Change {
        name: name.as_ref().map(|n| n.as_str()),
        rate_limit_per_minute: rate,
        active,
    };
    store::merchants::update(app, &id, &change)
        .await?
        .ok_or_else(not_found)
}
