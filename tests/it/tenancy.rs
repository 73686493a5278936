//! The tenant rule, walked route by route: every route that names an object by id answers 404
//! to another merchant, exactly as for a missing object, and changes nothing.

use std::collections::BTreeSet;

use payrail_tests::{Receiver, TestStack, payment, template};
use reqwest::Method;
use serde_json::{Value, json};

/// A body a route would accept from the object's owner, so a 404 can only mean "not yours".
fn body_for(route: &str) -> Option<Value> {
    match route {
        // A change each route takes (a field a route does not know would be refused first).
        r if r.starts_with("PATCH /api/v1/payment-links/") => Some(json!({"title": "taken over"})),
        r if r.starts_with("PATCH ") => Some(json!({"description": "taken over"})),
        r if r.starts_with("POST ") => Some(json!({})),
        _ => None,
    }
}

#[tokio::test]
async fn every_by_id_route_answers_404_for_another_merchants_object() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (owner, owner_key) = s.merchant_with_key().await;
    let (other, other_key) = s.merchant_with_key().await;

    // One object of each kind, owned by `owner`.
    let txn = s
        .post("/api/v1/payment-requests", &owner_key, payment("tenancy-1"))
        .await;
    txn.expect(201);
    let txn_id = txn.data()["transaction_id"].as_str().unwrap().to_owned();
    let ep = s.endpoint(&owner_key, &receiver.url).await;
    let (ep_id, secret) = (ep.id, ep.secret);
    let events = s.get("/api/v1/events", &owner_key).await;
    events.expect(200);
    let event_id = events.data()["items"][0]["id"].as_str().unwrap().to_owned();
    let link = s
        .post(
            "/api/v1/payment-links",
            &owner_key,
            json!({"title": "Kept", "total_amount": "5", "success_url": "https://shop.example.com/ok",
                   "cancel_url": "https://shop.example.com/"}),
        )
        .await;
    link.expect(201);
    let link_id = link.data()["id"].as_str().unwrap().to_owned();
    let customer = s
        .post(
            "/api/v1/customers",
            &owner_key,
            json!({"email": "kept@example.com", "name": "Kept"}),
        )
        .await;
    customer.expect(201);
    let customer_id = customer.data()["id"].as_str().unwrap().to_owned();
    let key = s.key_object(&owner, "kept", "full").await;
    let key_id = key["id"].as_str().unwrap().to_owned();

    // Every merchant-scoped route of the template with an id in its path. Merchants are the
    // admin token's alone (a key gets 403 there whoever's id it names).
    let by_id: BTreeSet<String> = template()
        .routes()
        .map(|(route, _)| route.key())
        .filter(|k| k.contains("/api/v1/") && k.contains("{id}") && !k.contains("/merchants/"))
        .collect();
    let mut walked = BTreeSet::new();
    for route in &by_id {
        let (method, path) = route.split_once(' ').unwrap();
        let id = match path {
            p if p.starts_with("/api/v1/transactions/") => &txn_id,
            p if p.starts_with("/api/v1/customers/") => &customer_id,
            p if p.starts_with("/ownpay/api/v1/customers/") => &customer_id,
            p if p.starts_with("/ownpay/api/v1/api-keys/") => &key_id,
            // OwnPay's reads: a payment, a transaction, its refunds are the transaction's.
            p if p.starts_with("/ownpay/api/v1/") => &txn_id,
            p if p.starts_with("/api/v1/webhook-endpoints/") => &ep_id,
            p if p.starts_with("/api/v1/events/") => &event_id,
            p if p.starts_with("/api/v1/keys/") => &key_id,
            p if p.starts_with("/api/v1/payment-links/") => &link_id,
            other => panic!("no object for {other}: add one to this test"),
        };
        let url = path.replace("{id}", id);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let res = s
            .call(method.clone(), &url, Some(&other_key), body_for(route))
            .await;
        res.expect_error(404, None);
        assert!(
            res.body["message"].as_str().unwrap().contains(id.as_str()),
            "{route}: {}",
            res.body
        );
        // The admin token acting for the other merchant is held to the same rule; keys are
        // the operator's to manage whoever owns them. OwnPay's routes take merchants' keys only.
        if !path.starts_with("/api/v1/keys/") && !path.starts_with("/ownpay/") {
            let admin_url = format!("{url}?merchant_id={other}");
            s.call(method, &admin_url, Some(s.admin()), body_for(route))
                .await
                .expect_error(404, None);
        }
        walked.insert(route.clone());
    }
    assert_eq!(walked, by_id);
    assert!(walked.len() >= 12, "too few by-id routes found: {walked:?}");

    // Nothing changed for the owner.
    let t = s
        .get(&format!("/api/v1/transactions/{txn_id}"), &owner_key)
        .await;
    t.expect(200);
    assert_eq!(t.data()["status"], "pending");
    let e = s
        .get(
            &format!("/api/v1/webhook-endpoints/{ep_id}/secret"),
            &owner_key,
        )
        .await;
    e.expect(200);
    assert_eq!(e.data()["secret"], json!(secret));
    let e = s
        .get(&format!("/api/v1/webhook-endpoints/{ep_id}"), &owner_key)
        .await;
    assert_eq!(e.data()["description"], "");
    let l = s
        .get(&format!("/api/v1/payment-links/{link_id}"), &owner_key)
        .await;
    assert_eq!(l.data()["title"], "Kept");
    let k = s.get("/api/v1/keys", &owner_key).await;
    let kept = k.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == json!(key_id))
        .cloned()
        .unwrap();
    assert_eq!(kept["status"], "active");
    let c = s
        .get(&format!("/api/v1/customers/{customer_id}"), &owner_key)
        .await;
    assert_eq!(c.data()["name"], "Kept");
    let evs = s.get("/api/v1/events?type=webhook.test", &owner_key).await;
    assert_eq!(evs.data()["items"], json!([]), "no test event was sent");
}
