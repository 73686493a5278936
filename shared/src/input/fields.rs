//! The JSON fields each `/api/v1` route's body may have. A field a route does not know is a 422
//! naming it, as Stripe refuses unknown parameters: a misspelt or unsupported field never
//! silently changes what a request does. The dialect routes (the compatibility route, and any
//! gateway's own) are not listed: they accept what their gateway accepts. A test holds this
//! table to the OpenAPI document's request schemas.

/// A webhook endpoint's fields: the same to create one and to change it.
const ENDPOINT: &[&str] = &[
    "url",
    "description",
    "events",
    "enabled",
    "format",
    "headers",
];

/// `(route, fields)` for every `/api/v1` route that takes a JSON body.
pub const BODY_FIELDS: &[(&str, &[&str])] = &[
    ("POST /api/v1/merchants", &["name", "rate_limit_per_minute"]),
    (
        "PATCH /api/v1/merchants/{id}",
        &["name", "rate_limit_per_minute", "active"],
    ),
    ("POST /api/v1/dead-letters/redrive", &["max"]),
    (
        "POST /api/v1/keys",
        &["label", "scope", "permissions", "merchant_id", "format"],
    ),
    ("POST /api/v1/two-step/confirm", &["code"]),
    (
        "POST /api/v1/customers",
        &["email", "name", "phone", "metadata"],
    ),
    (
        "POST /api/v1/payment-requests",
        &[
            "order_uuid",
            "total_amount",
            "currency",
            "email",
            "success_url",
            "cancel_url",
            "product_title",
            "first_name",
            "last_name",
            "metadata",
        ],
    ),
    (
        "POST /api/v1/transactions/{id}/refunds",
        &["amount", "reason"],
    ),
    (
        "POST /api/v1/payment-links",
        &[
            "title",
            "total_amount",
            "min_amount",
            "max_amount",
            "currency",
            "success_url",
            "cancel_url",
            "metadata",
            "quantity_limit",
            "active",
        ],
    ),
    (
        "PATCH /api/v1/payment-links/{id}",
        &[
            "title",
            "active",
            "success_url",
            "cancel_url",
            "metadata",
            "quantity_limit",
        ],
    ),
    (
        "PUT /api/v1/processor",
        &["type", "secret_key", "publishable_key", "webhook_secret"],
    ),
    ("POST /api/v1/webhook-endpoints", ENDPOINT),
    ("PATCH /api/v1/webhook-endpoints/{id}", ENDPOINT),
    ("POST /api/v1/webhook-endpoints/{id}/recover", &["since"]),
    ("POST /api/v1/events/{id}/resend", &["endpoint_id"]),
];

/// The fields `route`'s body may have; `None` for a route that accepts any (not listed).
pub fn known(route: &str) -> Option<&'static [&'static str]> {
    BODY_FIELDS
        .iter()
        .find(|(r, _)| *r == route)
        .map(|(_, fields)| *fields)
}
