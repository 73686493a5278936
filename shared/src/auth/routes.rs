//! Every route of the API and what a caller needs for it: the one table that
//! [`super::authenticate`] reads for each request. A route missing here fails closed (500),
//! and a test walks template.yaml so a new route cannot go unlisted.

use super::permissions::{Permission, Resource};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// No credential: the checkout page, Stripe's webhooks (signed), the docs and the Hub's page.
    Public,
    /// The operator's admin token only.
    Admin,
    /// Any API key of the merchant, whatever its permissions, or the admin token acting for
    /// it: what a caller must know about itself (its key, whether codes are asked for).
    AnyCaller,
    /// The admin token, or an API key with this permission.
    Needs(Permission),
}

/// One route: `METHOD /path` as template.yaml declares it.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub route: &'static str,
    pub rule: Rule,
    /// Changes that the Developer Hub makes only with a current two-step code, once the
    /// merchant has enrolled an authenticator.
    pub hub_two_step: bool,
}

const fn public(route: &'static str) -> Route {
    Route {
        route,
        rule: Rule::Public,
        hub_two_step: false,
    }
}

const fn admin(route: &'static str) -> Route {
    Route {
        route,
        rule: Rule::Admin,
        hub_two_step: false,
    }
}

const fn any(route: &'static str) -> Route {
    Route {
        route,
        rule: Rule::AnyCaller,
        hub_two_step: false,
    }
}

const fn read(route: &'static str, resource: Resource) -> Route {
    Route {
        route,
        rule: Rule::Needs(Permission::read(resource)),
        hub_two_step: false,
    }
}

const fn write(route: &'static str, resource: Resource) -> Route {
    Route {
        route,
        rule: Rule::Needs(Permission::write(resource)),
        hub_two_step: false,
    }
}

/// A change that could redirect notifications or money, or mint a credential that could:
/// guarded by the second factor in the Hub.
const fn guarded(route: &'static str, resource: Resource) -> Route {
    Route {
        hub_two_step: true,
        ..write(route, resource)
    }
}

use Resource::{Events, Keys, Logs, Payments, Processor, Refunds, Webhooks};

pub const ROUTES: &[Route] = &[
    write("POST /api/v1/payment-requests", Payments),
    write("POST /payment-request-api", Payments),
    write("POST /ownpay/api/v1/payments", Payments),
    write("POST /ownpay/api/v1/payment-intents", Payments),
    read("GET /ownpay/api/v1/payments/{id}", Payments),
    read("GET /ownpay/api/v1/transactions/{id}", Payments),
    any("GET /ownpay/api/v1/health"),
    write("POST /ownpay/api/v1/refunds", Refunds),
    read("GET /ownpay/api/v1/refunds/{id}", Refunds),
    read("GET /ownpay/api/v1/transactions", Payments),
    read("GET /ownpay/api/v1/refunds", Refunds),
    write("POST /ownpay/api/v1/customers", Payments),
    read("GET /ownpay/api/v1/customers", Payments),
    read("GET /ownpay/api/v1/customers/{id}", Payments),
    read("GET /ownpay/api/v1/api-keys", Keys),
    guarded("POST /ownpay/api/v1/api-keys", Keys),
    guarded("DELETE /ownpay/api/v1/api-keys/{id}", Keys),
    write("POST /ownpay/api/v1/webhooks/tests", Webhooks),
    read("GET /ownpay/api/v1/webhooks/deliveries", Webhooks),
    read("GET /api/v1/transactions", Payments),
    read("GET /api/v1/transactions/{id}", Payments),
    write("POST /api/v1/transactions/{id}/cancel", Payments),
    read("GET /api/v1/transactions/{id}/refunds", Refunds),
    write("POST /api/v1/transactions/{id}/refunds", Refunds),
    guarded("POST /api/v1/webhook-endpoints", Webhooks),
    read("GET /api/v1/webhook-endpoints", Webhooks),
    read("GET /api/v1/webhook-endpoints/{id}", Webhooks),
    guarded("PATCH /api/v1/webhook-endpoints/{id}", Webhooks),
    guarded("DELETE /api/v1/webhook-endpoints/{id}", Webhooks),
    // Revealing a signing secret hands out a credential: it needs write.
    guarded("GET /api/v1/webhook-endpoints/{id}/secret", Webhooks),
    guarded(
        "POST /api/v1/webhook-endpoints/{id}/rotate-secret",
        Webhooks,
    ),
    write("POST /api/v1/webhook-endpoints/{id}/test", Webhooks),
    read("GET /api/v1/webhook-endpoints/{id}/deliveries", Webhooks),
    write("POST /api/v1/webhook-endpoints/{id}/recover", Webhooks),
    read("GET /api/v1/events", Events),
    read("GET /api/v1/events/{id}", Events),
    write("POST /api/v1/events/{id}/resend", Events),
    read("GET /api/v1/logs", Logs),
    read("GET /api/v1/keys", Keys),
    guarded("POST /api/v1/keys", Keys),
    guarded("DELETE /api/v1/keys/{id}", Keys),
    guarded("POST /api/v1/keys/{id}/rotate", Keys),
    any("GET /api/v1/keys/current"),
    // The Hub must know whether to ask for a code, whatever else the key may do.
    any("GET /api/v1/two-step"),
    write("POST /api/v1/two-step", Keys),
    write("POST /api/v1/two-step/confirm", Keys),
    guarded("DELETE /api/v1/two-step", Keys),
    // Payment links start payments: they are part of payments.
    write("POST /api/v1/payment-links", Payments),
    read("GET /api/v1/payment-links", Payments),
    read("GET /api/v1/payment-links/{id}", Payments),
    write("PATCH /api/v1/payment-links/{id}", Payments),
    // Customers are the payers of payments.
    write("POST /api/v1/customers", Payments),
    read("GET /api/v1/customers", Payments),
    read("GET /api/v1/customers/{id}", Payments),
    read("GET /api/v1/processor", Processor),
    guarded("PUT /api/v1/processor", Processor),
    admin("POST /api/v1/merchants"),
    admin("GET /api/v1/merchants"),
    admin("GET /api/v1/merchants/{id}"),
    admin("PATCH /api/v1/merchants/{id}"),
    admin("GET /api/v1/audit-log"),
    admin("GET /api/v1/dead-letters"),
    admin("POST /api/v1/dead-letters/redrive"),
    public("GET /checkout/{transaction_id}"),
    public("POST /checkout/{transaction_id}"),
    public("GET /checkout/assets/{asset}"),
    public("GET /pay/{link_id}"),
    public("POST /pay/{link_id}"),
    public("POST /hooks/stripe/{merchant_id}"),
    public("GET /api/v1/openapi.json"),
    public("GET /docs"),
    public("GET /docs/assets/{asset}"),
    public("GET /hub"),
    public("GET /hub/{asset}"),
];

/// The table's entry for `route` (`METHOD /path/{param}`).
pub fn find(route: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.route == route)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::permissions::Level;

    #[test]
    fn each_route_is_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for r in ROUTES {
            assert!(seen.insert(r.route), "{} is listed twice", r.route);
        }
    }

    #[test]
    fn every_change_that_mints_a_credential_or_redirects_is_guarded_in_the_hub() {
        let guarded: Vec<&str> = ROUTES
            .iter()
            .filter(|r| r.hub_two_step)
            .map(|r| r.route)
            .collect();
        assert_eq!(
            guarded,
            [
                "POST /ownpay/api/v1/api-keys",
                "DELETE /ownpay/api/v1/api-keys/{id}",
                "POST /api/v1/webhook-endpoints",
                "PATCH /api/v1/webhook-endpoints/{id}",
                "DELETE /api/v1/webhook-endpoints/{id}",
                "GET /api/v1/webhook-endpoints/{id}/secret",
                "POST /api/v1/webhook-endpoints/{id}/rotate-secret",
                "POST /api/v1/keys",
                "DELETE /api/v1/keys/{id}",
                "POST /api/v1/keys/{id}/rotate",
                "DELETE /api/v1/two-step",
                "PUT /api/v1/processor",
            ]
        );
        for r in ROUTES.iter().filter(|r| r.hub_two_step) {
            assert!(
                matches!(r.rule, Rule::Needs(p) if p.level == Level::Write),
                "{}",
                r.route
            );
        }
    }
}
