//! Merchants: the accounts that own keys, payments and webhook endpoints. Admin-only.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::App;
use crate::domain::{BoundedText, Timestamp};
use crate::error::{ApiError, FieldErrorsBuilder};
use crate::http::{JsonObject, Page};
use crate::ids::MerchantId;
use crate::store::{self, page::PageOf};

/// Requests per minute per API key unless the merchant's setting says otherwise.
pub const DEFAULT_RATE_LIMIT: u32 = 120;
pub const MAX_RATE_LIMIT: u32 = 100_000;

pub type MerchantName = BoundedText<200>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merchant {
    pub id: MerchantId,
    pub name: String,
    pub rate_limit_per_minute: u32,
    pub created_at: Timestamp,
}

impl Merchant {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "created_at": self.created_at,
        })
    }
}

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
    };
    store::merchants::put(app, &merchant).await?;
    Ok(merchant)
}

pub async fn get(app: &App, raw_id: &str) -> Result<Merchant, ApiError> {
    let not_found = || ApiError::NotFound(format!("no merchant with id '{raw_id}'"));
    let id = MerchantId::parse(raw_id).ok_or_else(not_found)?;
    store::merchants::get(app, &id).await?.ok_or_else(not_found)
}

pub async fn list(app: &App, page: &Page) -> Result<PageOf<Merchant>, ApiError> {
    let after = page
        .cursor
        .as_deref()
        .map(|c| store::page::decode_cursor(c, MerchantId::parse))
        .transpose()?;
    Ok(store::merchants::list(app, page.limit, after.as_ref()).await?)
}

pub async fn update(app: &App, raw_id: &str, body: &JsonObject) -> Result<Merchant, ApiError> {
    let not_found = || ApiError::NotFound(format!("no merchant with id '{raw_id}'"));
    let id = MerchantId::parse(raw_id).ok_or_else(not_found)?;
    let mut errors = FieldErrorsBuilder::default();
    let name = parse_name(body, &mut errors);
    let rate = parse_rate_limit(body, &mut errors);
    if errors.is_empty() && name.is_none() && rate.is_none() {
        errors.add("name", "give name or rate_limit_per_minute to change");
    }
    errors.into_result()?;
    let merchant = store::merchants::update(app, &id, name.as_ref().map(|n| n.as_str()), rate)
        .await?
        .ok_or_else(not_found)?;
    if let Some(limit) = rate {
        // Each key carries its merchant's limit so a request is authenticated and counted in
        // one write; keep those copies in step.
        store::keys::set_rate_limit(app, &merchant.id, limit).await?;
    }
    Ok(merchant)
}
