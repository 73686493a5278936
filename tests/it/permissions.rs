//! Restricted keys: every route of template.yaml needs the permission the route table names,
//! and a key lacking exactly that permission gets 403 naming it; a shop plugin's key creates
//! payments and reads transactions and nothing else; a key cannot grant more than it has.

use std::collections::BTreeSet;

use payrail::auth::routes::{self, Rule};
use payrail::auth::{Level, Permission, Resource};
use payrail_tests::{Answer, Receiver, TestStack, payment, template};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// `{"payments": "write", …}` with every resource at `level`, except `resource` at `except`.
fn permissions(level: Level, resource: Resource, except: Level) -> Value {
    let map: Map<String, Value> = Resource::ALL
        .into_iter()
        .map(|r| {
            let l = if r == resource { except } else { level };
            (r.as_str().to_owned(), json!(l.as_str()))
        })
        .collect();
    Value::Object(map)
}

async fn restricted_key(s: &TestStack, merchant: &str, permissions: Value) -> String {
    let res = s
        .post(
            "/api/v1/keys",
            s.admin(),
            json!({"merchant_id": merchant, "label": "restricted", "scope": "restricted",
                   "permissions": permissions}),
        )
        .await;
    res.expect(201);
    assert_eq!(res.data()["scope"], "restricted");
    res.data()["key"].as_str().unwrap().to_owned()
}

/// The error text of an answer, in the envelope (`message`) or the compatibility shape (`error`).
fn error_text(res: &Answer) -> String {
    res.body["message"]
        .as_str()
        .or_else(|| res.body["error"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A body a route would accept, so an answer other than 403 shows the permission was enough.
fn body_for(route: &str, receiver: &str) -> Option<Value> {
    match route {
        "POST /api/v1/payment-requests" | "POST /payment-request-api" => {
            Some(payment(&format!("walk-{}", random())))
        }
        "POST /api/v1/webhook-endpoints" => Some(json!({"url": receiver})),
        "POST /api/v1/keys" => Some(json!({"label": "walked", "scope": "read_only"})),
        "POST /api/v1/merchants" => Some(json!({"name": "Walked Ltd"})),
        "POST /api/v1/payment-links" => Some(LINK.clone()),
        r if r.starts_with("PATCH /api/v1/payment-links") => Some(json!({"title": "Walked"})),
        "PUT /api/v1/processor" => Some(json!({"type": "sandbox"})),
        "POST /api/v1/two-step/confirm" => Some(json!({"code": "000000"})),
        r if r.starts_with("PATCH /api/v1/webhook-endpoints") => {
            Some(json!({"description": "walked"}))
        }
        r if r.starts_with("PATCH /api/v1/merchants") => Some(json!({"name": "Walked"})),
        r if r.starts_with("POST ") => Some(json!({})),
        _ => None,
    }
}

static LINK: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| {
    json!({"title": "Walked", "total_amount": "5",
           "success_url": "https://shop.example.com/ok", "cancel_url": "https://shop.example.com/"})
});

fn random() -> String {
    payrail::crypto::random_secret()[..12].to_owned()
}

#[tokio::test]
async fn every_route_needs_its_permission_and_403_names_it() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (merchant, full) = s.merchant_with_key().await;

    // One object of each kind for the by-id routes.
    let txn = s.payment_id(&full, payment("walk-txn")).await;
    let ep_id = s.endpoint(&full, &receiver.url).await.id;
    let events = s.get("/api/v1/events", &full).await;
    let event_id = events.data()["items"][0]["id"].as_str().unwrap().to_owned();
    let link = s.post("/api/v1/payment-links", &full, LINK.clone()).await;
    link.expect(201);
    let link_id = link.data()["id"].as_str().unwrap().to_owned();

    // Every route template.yaml deploys is in the route table.
    let deployed: BTreeSet<String> = template().routes().map(|(r, _)| r.key()).collect();
    let missing: Vec<_> = deployed
        .iter()
        .filter(|r| routes::find(r).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a permission: {missing:?}"
    );

    let mut walked = BTreeSet::new();
    for route in &deployed {
        let rule = routes::find(route).unwrap().rule;
        let (method, path) = route.split_once(' ').unwrap();
        // A fresh key object per route, so revoking or rotating it leaves the others alone.
        let key_id = s.key_object(&merchant, "target", "read_only").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let url = path.replace(
            "{id}",
            match path {
                p if p.starts_with("/api/v1/transactions/") => txn.as_str(),
                p if p.starts_with("/ownpay/api/v1/") => txn.as_str(),
                p if p.starts_with("/api/v1/webhook-endpoints/") => ep_id.as_str(),
                p if p.starts_with("/api/v1/events/") => event_id.as_str(),
                p if p.starts_with("/api/v1/keys/") => key_id.as_str(),
                p if p.starts_with("/api/v1/merchants/") => merchant.as_str(),
                p if p.starts_with("/api/v1/payment-links/") => link_id.as_str(),
                _ => "",
            },
        );
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let call = |key: String| {
            let (method, url, body) = (method.clone(), url.clone(), body_for(route, &receiver.url));
            let s = &s;
            async move { s.call(method, &url, Some(&key), body).await }
        };
        match rule {
            Rule::Public => continue,
            Rule::Needs(needed) => {
                let below = match needed.level {
                    Level::Write => Level::Read,
                    _ => Level::None,
                };
                let lacking = restricted_key(
                    &s,
                    &merchant,
                    permissions(Level::Write, needed.resource, below),
                )
                .await;
                let res = call(lacking).await;
                assert_eq!(res.status, 403, "{route} without {needed}: {}", res.body);
                assert!(
                    error_text(&res).contains(&format!("lacks the permission {needed}")),
                    "{route}: {}",
                    res.body
                );
                let having = restricted_key(
                    &s,
                    &merchant,
                    permissions(Level::Write, needed.resource, needed.level),
                )
                .await;
                let res = call(having).await;
                assert!(
                    res.status != 403 && res.status < 500,
                    "{route} with {needed}: {} {}",
                    res.status,
                    res.body
                );
            }
            Rule::Admin => {
                let res = call(full.clone()).await;
                assert_eq!(res.status, 403, "{route} with a key: {}", res.body);
                assert!(error_text(&res).contains("admin token"), "{}", res.body);
                let res = call(s.admin().to_owned()).await;
                assert!(
                    res.status != 403 && res.status < 500,
                    "{route}: {}",
                    res.body
                );
            }
            Rule::AnyCaller => {
                let narrow = restricted_key(
                    &s,
                    &merchant,
                    permissions(Level::None, Resource::Logs, Level::Read),
                )
                .await;
                let res = call(narrow).await;
                assert!(
                    res.status != 403 && res.status < 500,
                    "{route}: {}",
                    res.body
                );
            }
        }
        walked.insert(route.clone());
    }
    let authenticated = deployed
        .iter()
        .filter(|r| routes::find(r).unwrap().rule != Rule::Public)
        .count();
    assert_eq!(walked.len(), authenticated);
    assert!(walked.len() >= 35, "too few routes walked: {walked:?}");
}

#[tokio::test]
async fn a_shop_plugin_key_creates_payments_and_reads_transactions_and_nothing_else() {
    let s = TestStack::start().await;
    let (_, full) = s.merchant_with_key().await;
    // The merchant makes the plugin's key with its own full key.
    let made = s
        .post(
            "/api/v1/keys",
            &full,
            json!({"label": "shop plugin", "scope": "restricted",
                   "permissions": {"payments": "write"}}),
        )
        .await;
    made.expect(201);
    let plugin = made.data()["key"].as_str().unwrap().to_owned();
    assert_eq!(made.data()["scope"], "restricted");
    assert_eq!(
        made.data()["permissions"],
        json!({"payments": "write", "refunds": "none", "webhooks": "none", "events": "none",
               "logs": "none", "keys": "none", "processor": "none"})
    );

    let txn = s.payment_id(&plugin, payment("plugin-1")).await;
    s.get(&format!("/api/v1/transactions/{txn}"), &plugin)
        .await
        .expect(200);
    s.get("/api/v1/transactions?order_uuid=plugin-1", &plugin)
        .await
        .expect(200);
    // It may see whether the Hub asks for two-step codes, as any key may.
    s.get("/api/v1/two-step", &plugin).await.expect(200);
    let me = s.get("/api/v1/keys/current", &plugin).await;
    me.expect(200);
    assert_eq!(me.data()["label"], "shop plugin");
    assert_eq!(me.data()["permissions"]["payments"], "write");

    let refused = [
        (
            Method::GET,
            format!("/api/v1/transactions/{txn}/refunds"),
            "refunds:read",
        ),
        (
            Method::POST,
            format!("/api/v1/transactions/{txn}/refunds"),
            "refunds:write",
        ),
        (
            Method::GET,
            "/api/v1/webhook-endpoints".into(),
            "webhooks:read",
        ),
        (
            Method::POST,
            "/api/v1/webhook-endpoints".into(),
            "webhooks:write",
        ),
        (Method::GET, "/api/v1/events".into(), "events:read"),
        (Method::GET, "/api/v1/logs".into(), "logs:read"),
        (Method::GET, "/api/v1/keys".into(), "keys:read"),
        (Method::POST, "/api/v1/keys".into(), "keys:write"),
        (Method::GET, "/api/v1/processor".into(), "processor:read"),
        (Method::PUT, "/api/v1/processor".into(), "processor:write"),
        (Method::POST, "/api/v1/two-step".into(), "keys:write"),
    ];
    for (method, path, permission) in refused {
        let res = s
            .call(method.clone(), &path, Some(&plugin), Some(json!({})))
            .await;
        res.expect_error(403, None);
        assert_eq!(
            res.body["message"],
            json!(format!("this API key lacks the permission {permission}")),
            "{method} {path}"
        );
    }
    // The refusals changed nothing: no refund, no endpoint, no new key.
    let keys = s.get("/api/v1/keys", &full).await;
    assert_eq!(keys.data()["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        s.get("/api/v1/webhook-endpoints", &full).await.data()["items"],
        json!([])
    );
    let t = s.get(&format!("/api/v1/transactions/{txn}"), &full).await;
    assert_eq!(t.data()["amount_refunded"], json!("0.00"));
}

#[tokio::test]
async fn restricted_key_requests_are_checked_field_by_field_and_write_nothing() {
    let s = TestStack::start().await;
    let (_, full) = s.merchant_with_key().await;
    let cases = [
        (json!({"label": "x", "scope": "restricted"}), "permissions"),
        (
            json!({"label": "x", "scope": "restricted", "permissions": null}),
            "permissions",
        ),
        (
            json!({"label": "x", "scope": "restricted", "permissions": "payments"}),
            "permissions",
        ),
        (
            json!({"label": "x", "scope": "restricted", "permissions": {}}),
            "permissions",
        ),
        (
            json!({"label": "x", "scope": "restricted", "permissions": {"payments": "none"}}),
            "permissions",
        ),
        (
            json!({"label": "x", "scope": "restricted", "permissions": {"wallets": "read"}}),
            "permissions.wallets",
        ),
        (
            json!({"label": "x", "scope": "restricted", "permissions": {"webhooks": "admin"}}),
            "permissions.webhooks",
        ),
        (
            json!({"label": "x", "scope": "restricted", "permissions": {"webhooks": true}}),
            "permissions.webhooks",
        ),
        (
            json!({"label": "x", "scope": "full", "permissions": {"payments": "write"}}),
            "permissions",
        ),
        (
            json!({"label": "x", "scope": "read_only", "permissions": {"payments": "read"}}),
            "permissions",
        ),
        (
            json!({"label": "x", "scope": "full", "permissions": null}),
            "permissions",
        ),
        (json!({"label": "x", "scope": "owner"}), "scope"),
        (
            json!({"label": "", "scope": "restricted", "permissions": {"payments": "write"}}),
            "label",
        ),
    ];
    for (body, field) in cases {
        let res = s.post("/api/v1/keys", &full, body.clone()).await;
        res.expect_error(422, Some(field));
        assert!(
            res.body["message"].as_str().unwrap().contains("validation"),
            "{body}: {}",
            res.body
        );
    }
    // Every problem at once.
    let res = s
        .post(
            "/api/v1/keys",
            &full,
            json!({"label": "", "scope": "restricted",
                   "permissions": {"wallets": "read", "logs": "all"}}),
        )
        .await;
    res.expect_error(422, Some("label"));
    assert!(res.body["errors"]["permissions.wallets"].is_array());
    assert!(res.body["errors"]["permissions.logs"].is_array());

    let keys = s.get("/api/v1/keys", &full).await;
    assert_eq!(
        keys.data()["items"].as_array().unwrap().len(),
        1,
        "nothing was written: {}",
        keys.body
    );
}

#[tokio::test]
async fn a_key_cannot_grant_or_take_away_more_than_it_has() {
    let s = TestStack::start().await;
    let (merchant, full) = s.merchant_with_key().await;
    let full_id = s.get("/api/v1/keys/current", &full).await.data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let manager = restricted_key(&s, &merchant, json!({"keys": "write", "payments": "read"})).await;

    let lacks = |res: &Answer, permission: &str| {
        res.expect_error(403, None);
        assert!(
            error_text(res).contains(&format!("lacks the permission {permission}")),
            "{}",
            res.body
        );
    };
    // No scope is a full key, which it cannot make.
    lacks(
        &s.post("/api/v1/keys", &manager, json!({"label": "x"}))
            .await,
        "payments:write",
    );
    lacks(
        &s.post(
            "/api/v1/keys",
            &manager,
            json!({"label": "x", "scope": "restricted", "permissions": {"payments": "write"}}),
        )
        .await,
        "payments:write",
    );
    // read_only reads refunds, which it cannot.
    lacks(
        &s.post(
            "/api/v1/keys",
            &manager,
            json!({"label": "x", "scope": "read_only"}),
        )
        .await,
        "refunds:read",
    );
    // Nor may it replace or revoke the full key.
    lacks(
        &s.post(
            &format!("/api/v1/keys/{full_id}/rotate"),
            &manager,
            json!({}),
        )
        .await,
        "payments:write",
    );
    lacks(
        &s.delete(&format!("/api/v1/keys/{full_id}"), &manager).await,
        "payments:write",
    );
    s.get("/api/v1/transactions", &full).await.expect(200);

    // What it has, it can hand on; rotating keeps the permissions.
    let narrower = s
        .post(
            "/api/v1/keys",
            &manager,
            json!({"label": "reports", "scope": "restricted", "permissions": {"payments": "read"}}),
        )
        .await;
    narrower.expect(201);
    let id = narrower.data()["id"].as_str().unwrap();
    let rotated = s
        .post(&format!("/api/v1/keys/{id}/rotate"), &manager, json!({}))
        .await;
    rotated.expect(201);
    assert_eq!(rotated.data()["scope"], "restricted");
    assert_eq!(
        rotated.data()["permissions"],
        narrower.data()["permissions"]
    );
    let new_key = rotated.data()["key"].as_str().unwrap();
    s.get("/api/v1/transactions", new_key).await.expect(200);
    s.post("/api/v1/payment-requests", new_key, payment("r-1"))
        .await
        .expect_error(403, None);
    let listed = s.get("/api/v1/keys", &manager).await;
    listed.expect(200);
    assert!(
        listed.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["permissions"].is_object() && k["scope"].is_string())
    );
}

#[tokio::test]
async fn the_fixed_scopes_keep_their_permissions() {
    let s = TestStack::start().await;
    let merchant = s.merchant("Fixed Ltd").await;
    let read_only = s.key(&merchant, "read_only").await;
    let me = s.get("/api/v1/keys/current", &read_only).await;
    me.expect(200);
    assert_eq!(me.data()["scope"], "read_only");
    for r in Resource::ALL {
        let expected = if r == Resource::Keys { "none" } else { "read" };
        assert_eq!(
            me.data()["permissions"][r.as_str()],
            expected,
            "{}",
            r.as_str()
        );
    }
    let res = s.get("/api/v1/keys", &read_only).await;
    res.expect_error(403, None);
    assert_eq!(
        res.body["message"],
        json!(format!(
            "this API key lacks the permission {}",
            Permission::read(Resource::Keys)
        ))
    );
    s.get("/api/v1/logs", &read_only).await.expect(200);
    s.get("/api/v1/keys/current", s.admin())
        .await
        .expect_error(403, None);
}
