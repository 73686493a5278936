//! A payment link: a reusable address (`/pay/<id>`) where each visitor starts a payment of a
//! fixed price, or of an amount they choose within the merchant's bounds.

use serde_json::{Value, json};

use crate::domain::{BoundedText, Currency, Metadata, Money, Timestamp, WebUrl};
use crate::error::{ApiError, FieldErrorsBuilder};
use crate::ids::{MerchantId, PaymentLinkId};
use crate::input::JsonObject;

pub type LinkTitle = BoundedText<200>;

/// The most payments a limit may allow (a bound, so a typo cannot read as "unlimited").
pub const MAX_QUANTITY_LIMIT: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPrice {
    Fixed(Money),
    /// The customer enters the amount; both bounds are in the same currency, `min <= max`.
    CustomerChooses {
        min: Money,
        max: Money,
    },
}

impl LinkPrice {
    pub fn currency(self) -> Currency {
        match self {
            LinkPrice::Fixed(m) => m.currency(),
            LinkPrice::CustomerChooses { min, .. } => min.currency(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentLink {
    pub id: PaymentLinkId,
    pub merchant_id: MerchantId,
    pub title: String,
    pub price: LinkPrice,
    /// At most this many paid payments; `None` is unlimited.
    pub quantity_limit: Option<u32>,
    /// Payments made through the link that were paid.
    pub paid_count: u64,
    /// Units held: payments started through the link that are paid or may still be (a unit is
    /// taken when a customer starts a payment and given back when it expires, is declined or
    /// canceled), so paid payments never pass the limit.
    pub reserved: u64,
    pub active: bool,
    pub success_url: WebUrl,
    pub cancel_url: WebUrl,
    /// Copied onto every transaction the link creates.
    pub metadata: Metadata,
    /// The page to share: `<base>/pay/<id>`.
    pub url: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Whether a link takes new customers, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    Open,
    Inactive,
    /// Its quantity limit is reached by paid payments and those still being paid.
    Exhausted,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Open => "active",
            Availability::Inactive => "inactive",
            Availability::Exhausted => "exhausted",
        }
    }
}

impl PaymentLink {
    pub fn availability(&self) -> Availability {
        if !self.active {
            Availability::Inactive
        } else if self
            .quantity_limit
            .is_some_and(|limit| self.paid_count.max(self.reserved) >= u64::from(limit))
        {
            Availability::Exhausted
        } else {
            Availability::Open
        }
    }

    pub fn to_json(&self) -> Value {
        let (amount, min, max) = match self.price {
            LinkPrice::Fixed(m) => (Some(m.to_major_string()), None, None),
            LinkPrice::CustomerChooses { min, max } => (
                None,
                Some(min.to_major_string()),
                Some(max.to_major_string()),
            ),
        };
        json!({
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "currency": self.price.currency().code(),
            "amount_type": if amount.is_some() { "fixed" } else { "customer_chooses" },
            "total_amount": amount,
            "min_amount": min,
            "max_amount": max,
            "quantity_limit": self.quantity_limit,
            "paid_count": self.paid_count,
            "active": self.active,
            "status": self.availability().as_str(),
            "success_url": self.success_url.as_str(),
            "cancel_url": self.cancel_url.as_str(),
            "metadata": self.metadata.as_map(),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// `POST /payment-links`, validated: everything but the id, the URL and the times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    pub title: LinkTitle,
    pub price: LinkPrice,
    pub quantity_limit: Option<u32>,
    pub active: bool,
    pub success_url: WebUrl,
    pub cancel_url: WebUrl,
    pub metadata: Metadata,
}

/// `PATCH /payment-links/{id}`: the fields it names. The price and currency are fixed once
/// created (transactions already made through the link carry them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkChange {
    pub title: Option<LinkTitle>,
    pub active: Option<bool>,
    /// `Some(None)` removes the limit.
    pub quantity_limit: Option<Option<u32>>,
    pub success_url: Option<WebUrl>,
    pub cancel_url: Option<WebUrl>,
    pub metadata: Option<Metadata>,
}

fn boolean(body: &JsonObject, field: &str, errors: &mut FieldErrorsBuilder) -> Option<bool> {
    match errors.check(field, body.value(field)) {
        Some(Some(Value::Bool(b))) => Some(b),
        Some(Some(_)) => {
            errors.add(field, "must be true or false");
            None
        }
        _ => None,
    }
}

fn quantity_limit(body: &JsonObject, errors: &mut FieldErrorsBuilder) -> Option<u32> {
    let n = errors.check("quantity_limit", body.integer("quantity_limit"))??;
    if (1..=MAX_QUANTITY_LIMIT).contains(&n) {
        Some(n as u32)
    } else {
        errors.add(
            "quantity_limit",
            format!("must be between 1 and {MAX_QUANTITY_LIMIT}"),
        );
        None
    }
}

fn url(body: &JsonObject, field: &str, errors: &mut FieldErrorsBuilder) -> Option<WebUrl> {
    errors
        .check(field, body.string(field))
        .flatten()
        .and_then(|v| errors.check(field, WebUrl::parse(&v)))
}

fn title(body: &JsonObject, errors: &mut FieldErrorsBuilder) -> Option<LinkTitle> {
    errors
        .check("title", body.string("title"))
        .flatten()
        .and_then(|v| errors.check("title", LinkTitle::parse(&v)))
}

fn metadata(body: &JsonObject, errors: &mut FieldErrorsBuilder) -> Option<Metadata> {
    let value = errors.check("metadata", body.value("metadata")).flatten()?;
    errors.check("metadata", Metadata::parse(&value))
}

impl NewLink {
    /// Validates every field and reports every problem at once (422 with `errors`).
    pub fn parse(body: &JsonObject) -> Result<Self, ApiError> {
        let mut errors = FieldErrorsBuilder::default();
        let title = title(body, &mut errors);
        if title.is_none() && !errors.has("title") {
            errors.add("title", "is required");
        }
        let currency = match errors.check("currency", body.string("currency")) {
            Some(Some(code)) => errors.check("currency", Currency::parse(&code)),
            Some(None) => Some(Currency::usd()),
            None => None,
        };
        let price = currency.and_then(|c| price(body, c, &mut errors));
        let quantity_limit = quantity_limit(body, &mut errors);
        let active = boolean(body, "active", &mut errors).unwrap_or(true);
        let mut required_url = |field: &str| {
            let found = url(body, field, &mut errors);
            if found.is_none() && !errors.has(field) {
                errors.add(field, "is required");
            }
            found
        };
        let success_url = required_url("success_url");
        let cancel_url = required_url("cancel_url");
        let metadata = metadata(body, &mut errors).unwrap_or_default();
        errors.into_result()?;
        let missing = || ApiError::internal("validated field missing");
        Ok(Self {
            title: title.ok_or_else(missing)?,
            price: price.ok_or_else(missing)?,
            quantity_limit,
            active,
            success_url: success_url.ok_or_else(missing)?,
            cancel_url: cancel_url.ok_or_else(missing)?,
            metadata,
        })
    }
}

/// `total_amount` for a fixed price, or `min_amount` and `max_amount` for the customer's
/// choice; exactly one of the two.
fn price(
    body: &JsonObject,
    currency: Currency,
    errors: &mut FieldErrorsBuilder,
) -> Option<LinkPrice> {
    let amount = |field: &str, errors: &mut FieldErrorsBuilder| {
        errors
            .check(field, body.decimal_text(field))
            .flatten()
            .and_then(|text| errors.check(field, Money::parse_major(&text, currency)))
    };
    let fixed_named = body.contains("total_amount") && !body.is_null("total_amount");
    let range_named = ["min_amount", "max_amount"]
        .iter()
        .any(|f| body.contains(f) && !body.is_null(f));
    match (fixed_named, range_named) {
        (true, true) => {
            errors.add(
                "total_amount",
                "give either total_amount (a fixed price) or min_amount and max_amount, not both",
            );
            None
        }
        (false, false) => {
            errors.add(
                "total_amount",
                "is required, unless min_amount and max_amount let the customer choose",
            );
            None
        }
        (true, false) => amount("total_amount", errors).map(LinkPrice::Fixed),
        (false, true) => {
            let min = amount("min_amount", errors);
            let max = amount("max_amount", errors);
            for (field, value) in [("min_amount", &min), ("max_amount", &max)] {
                if value.is_none() && !errors.has(field) {
                    errors.add(field, "is required with a customer-chosen amount");
                }
            }
            match (min, max) {
                (Some(min), Some(max)) if min.minor() > max.minor() => {
                    errors.add("max_amount", "must not be below min_amount");
                    None
                }
                (Some(min), Some(max)) => Some(LinkPrice::CustomerChooses { min, max }),
                _ => None,
            }
        }
    }
}

impl LinkChange {
    pub fn parse(body: &JsonObject) -> Result<Self, ApiError> {
        let mut errors = FieldErrorsBuilder::default();
        for fixed in ["total_amount", "min_amount", "max_amount", "currency"] {
            if body.contains(fixed) {
                errors.add(
                    fixed,
                    "cannot be changed once the link exists; create a new link for another price",
                );
            }
        }
        let change = Self {
            title: title(body, &mut errors),
            active: boolean(body, "active", &mut errors),
            quantity_limit: if body.is_null("quantity_limit") {
                Some(None)
            } else {
                quantity_limit(body, &mut errors).map(Some)
            },
            success_url: url(body, "success_url", &mut errors),
            cancel_url: url(body, "cancel_url", &mut errors),
            metadata: metadata(body, &mut errors),
        };
        // A field sent as null that has no "unset" meaning is refused rather than ignored.
        for field in ["title", "active", "success_url", "cancel_url"] {
            if body.is_null(field) {
                errors.add(field, "must not be null");
            }
        }
        errors.into_result()?;
        Ok(change)
    }

    pub fn apply(&self, link: &mut PaymentLink) {
        if let Some(title) = &self.title {
            link.title = title.as_str().to_owned();
        }
        if let Some(active) = self.active {
            link.active = active;
        }
        if let Some(limit) = self.quantity_limit {
            link.quantity_limit = limit;
        }
        if let Some(url) = &self.success_url {
            link.success_url = url.clone();
        }
        if let Some(url) = &self.cancel_url {
            link.cancel_url = url.clone();
        }
        if let Some(metadata) = &self.metadata {
            link.metadata = metadata.clone();
        }
    }
}

/// What the customer enters on the link's page: an email, and the amount when they choose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub email: crate::domain::Email,
    pub amount: Money,
}

impl Visit {
    pub fn parse(link: &PaymentLink, form: &JsonObject) -> Result<Self, ApiError> {
        let mut errors = FieldErrorsBuilder::default();
        let email = match errors.check("email", form.string("email")) {
            Some(Some(v)) if !v.trim().is_empty() => {
                errors.check("email", crate::domain::Email::parse(v.trim()))
            }
            Some(_) => {
                errors.add("email", "is required");
                None
            }
            None => None,
        };
        let amount = match link.price {
            LinkPrice::Fixed(m) => Some(m),
            LinkPrice::CustomerChooses { min, max } => {
                match errors.check("amount", form.decimal_text("amount")) {
                    Some(Some(text)) => errors
                        .check("amount", Money::parse_major(&text, min.currency()))
                        .and_then(|m| {
                            if m.minor() < min.minor() || m.minor() > max.minor() {
                                errors.add(
                                    "amount",
                                    format!(
                                        "must be between {} and {}",
                                        min.display(),
                                        max.display()
                                    ),
                                );
                                None
                            } else {
                                Some(m)
                            }
                        }),
                    Some(None) => {
                        errors.add("amount", "is required");
                        None
                    }
                    None => None,
                }
            }
        };
        errors.into_result()?;
        let missing = || ApiError::internal("validated field missing");
        Ok(Self {
            email: email.ok_or_else(missing)?,
            amount: amount.ok_or_else(missing)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{parse_form_object, parse_json_object};

    fn parse(body: Value) -> Result<NewLink, ApiError> {
        NewLink::parse(&parse_json_object(body.to_string().as_bytes()).unwrap())
    }

    fn valid() -> Value {
        json!({
            "title": "Workshop ticket",
            "total_amount": "25.00",
            "currency": "EUR",
            "success_url": "https://shop.example.com/thanks",
            "cancel_url": "https://shop.example.com/",
        })
    }

    fn fields(err: ApiError) -> Vec<String> {
        err.field_errors().unwrap().keys().cloned().collect()
    }

    #[test]
    fn a_fixed_price_link_parses_and_defaults_to_active() {
        let link = parse(valid()).unwrap();
        assert_eq!(
            link.price,
            LinkPrice::Fixed(Money::from_minor(2500, Currency::parse("EUR").unwrap()).unwrap())
        );
        assert!(link.active);
        assert_eq!(link.quantity_limit, None);
    }

    #[test]
    fn a_customer_chosen_amount_needs_both_bounds_in_order() {
        let mut body = valid();
        body.as_object_mut().unwrap().remove("total_amount");
        body["min_amount"] = json!("5");
        assert_eq!(fields(parse(body.clone()).unwrap_err()), ["max_amount"]);
        body["max_amount"] = json!("4.99");
        assert_eq!(fields(parse(body.clone()).unwrap_err()), ["max_amount"]);
        body["max_amount"] = json!(500);
        let link = parse(body).unwrap();
        assert!(
            matches!(link.price, LinkPrice::CustomerChooses { min, max } if min.minor() == 500 && max.minor() == 50000)
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let err = parse(
            json!({"total_amount": "1.001", "min_amount": 1, "quantity_limit": 0,
                               "active": "yes", "success_url": "ftp://x", "metadata": [1]}),
        )
        .unwrap_err();
        let mut got = fields(err);
        got.sort();
        assert_eq!(
            got,
            [
                "active",
                "cancel_url",
                "metadata",
                "quantity_limit",
                "success_url",
                "title",
                "total_amount"
            ]
        );
    }

    #[test]
    fn a_change_may_not_touch_the_price_and_null_removes_only_the_limit() {
        let change =
            |v: Value| LinkChange::parse(&parse_json_object(v.to_string().as_bytes()).unwrap());
        assert_eq!(
            fields(change(json!({"total_amount": "3", "currency": "USD"})).unwrap_err()),
            ["currency", "total_amount"]
        );
        assert_eq!(
            change(json!({"quantity_limit": null}))
                .unwrap()
                .quantity_limit,
            Some(None)
        );
        assert_eq!(
            fields(change(json!({"active": null})).unwrap_err()),
            ["active"]
        );
        assert_eq!(
            change(json!({"active": false})).unwrap().active,
            Some(false)
        );
    }

    #[test]
    fn a_visit_checks_the_amount_against_the_bounds() {
        let eur = Currency::parse("EUR").unwrap();
        let link = PaymentLink {
            id: PaymentLinkId::generate(),
            merchant_id: MerchantId::generate(),
            title: "Donation".into(),
            price: LinkPrice::CustomerChooses {
                min: Money::from_minor(500, eur).unwrap(),
                max: Money::from_minor(10000, eur).unwrap(),
            },
            quantity_limit: Some(2),
            paid_count: 1,
            reserved: 1,
            active: true,
            success_url: WebUrl::parse("https://shop.example.com/ok").unwrap(),
            cancel_url: WebUrl::parse("https://shop.example.com/").unwrap(),
            metadata: Metadata::default(),
            url: String::new(),
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        };
        let visit = |form: &str| Visit::parse(&link, &parse_form_object(form.as_bytes()));
        assert_eq!(
            fields(visit("email=a%40b.example&amount=4.99").unwrap_err()),
            ["amount"]
        );
        assert_eq!(fields(visit("amount=10").unwrap_err()), ["email"]);
        assert_eq!(
            visit("email=a%40b.example&amount=10.50")
                .unwrap()
                .amount
                .minor(),
            1050
        );
        assert_eq!(link.availability(), Availability::Open);
        let sold = PaymentLink {
            paid_count: 2,
            reserved: 2,
            ..link.clone()
        };
        assert_eq!(sold.availability(), Availability::Exhausted);
        let off = PaymentLink {
            active: false,
            ..link
        };
        assert_eq!(off.availability(), Availability::Inactive);
    }
}
