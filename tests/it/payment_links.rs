//! Payment links: created, read, listed and changed through the API; each visit to the link's
//! page starts a transaction of its own that carries the link; a deactivated or exhausted link
//! says so; bad input is refused with nothing written.

use payrail_tests::{TestStack, no_redirects};
use serde_json::{Value, json};

const PAID_CARD: &str = "4242424242424242";

fn link_body() -> Value {
    json!({
        "title": "Pottery workshop",
        "total_amount": "49.00",
        "currency": "EUR",
        "success_url": "https://shop.example.com/thanks",
        "cancel_url": "https://shop.example.com/workshop",
        "metadata": {"sku": "POT-1"},
    })
}

async fn create(s: &TestStack, key: &str, body: Value) -> Value {
    let res = s.post("/api/v1/payment-links", key, body).await;
    res.expect(201);
    res.data().clone()
}

/// Posts the link page's form as a browser would; answers the status, `Location` and page.
async fn visit(s: &TestStack, link_id: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let res = no_redirects()
        .post(s.url(&format!("/pay/{link_id}")))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

async fn page(s: &TestStack, link_id: &str) -> (u16, String) {
    let res = s
        .client
        .get(s.url(&format!("/pay/{link_id}")))
        .send()
        .await
        .unwrap();
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("form-action 'self'"),
        "{csp}"
    );
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn transactions(s: &TestStack, key: &str) -> Vec<Value> {
    let res = s.get("/api/v1/transactions", key).await;
    res.expect(200);
    res.data()["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_link_is_created_read_listed_and_changed_by_its_merchant_only() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let link = create(&s, &key, link_body()).await;
    let id = link["id"].as_str().unwrap();
    assert!(id.starts_with("plink_"), "{link}");
    assert_eq!(link["url"], s.url(&format!("/pay/{id}")));
    assert_eq!(link["amount_type"], "fixed");
    assert_eq!(link["total_amount"], "49.00");
    assert_eq!(link["currency"], "EUR");
    assert_eq!(link["status"], "active");
    assert_eq!(link["paid_count"], 0);
    assert_eq!(link["quantity_limit"], Value::Null);

    let got = s.get(&format!("/api/v1/payment-links/{id}"), &key).await;
    got.expect(200);
    assert_eq!(got.data(), &link);

    let chosen = create(
        &s,
        &key,
        json!({"title": "Donation", "min_amount": 5, "max_amount": "500", "currency": "USD",
               "success_url": "https://shop.example.com/thanks",
               "cancel_url": "https://shop.example.com/"}),
    )
    .await;
    assert_eq!(chosen["amount_type"], "customer_chooses");
    assert_eq!(
        (chosen["min_amount"].as_str(), chosen["max_amount"].as_str()),
        (Some("5.00"), Some("500.00"))
    );

    let first = s.get("/api/v1/payment-links?limit=1", &key).await;
    first.expect(200);
    assert_eq!(first.data()["items"][0]["id"], chosen["id"]);
    let cursor = first.data()["next_cursor"].as_str().unwrap();
    let second = s
        .get(
            &format!("/api/v1/payment-links?limit=1&cursor={cursor}"),
            &key,
        )
        .await;
    second.expect(200);
    assert_eq!(second.data()["items"][0]["id"], link["id"]);

    let changed = s
        .patch(
            &format!("/api/v1/payment-links/{id}"),
            &key,
            json!({"title": "Pottery workshop (Saturday)", "quantity_limit": 12, "active": false}),
        )
        .await;
    changed.expect(200);
    let changed = changed.data();
    assert_eq!(changed["title"], "Pottery workshop (Saturday)");
    assert_eq!(changed["quantity_limit"], 12);
    assert_eq!(changed["status"], "inactive");
    assert_eq!(changed["total_amount"], "49.00");
    let removed = s
        .patch(
            &format!("/api/v1/payment-links/{id}"),
            &key,
            json!({"quantity_limit": null, "active": true}),
        )
        .await;
    removed.expect(200);
    assert_eq!(removed.data()["quantity_limit"], Value::Null);
    assert_eq!(removed.data()["status"], "active");

    // Another merchant's link answers as a missing one, for reads and changes alike.
    let (_, other) = s.merchant_with_key().await;
    s.get(&format!("/api/v1/payment-links/{id}"), &other)
        .await
        .expect_error(404, None);
    s.patch(
        &format!("/api/v1/payment-links/{id}"),
        &other,
        json!({"active": false}),
    )
    .await
    .expect_error(404, None);
    let listed = s.get("/api/v1/payment-links", &other).await;
    assert_eq!(listed.data()["items"], json!([]));
    let still = s.get(&format!("/api/v1/payment-links/{id}"), &key).await;
    assert_eq!(still.data()["status"], "active");
}

#[tokio::test]
async fn bad_links_and_changes_are_refused_with_nothing_written() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut both = link_body();
    both["min_amount"] = json!("1");
    for (body, field) in [
        (json!({}), "title"),
        (both, "total_amount"),
        (
            json!({"title": "x", "total_amount": "1.001", "currency": "USD"}),
            "total_amount",
        ),
        (json!({"title": "x", "total_amount": "0"}), "total_amount"),
        (
            json!({"title": "x", "min_amount": "9", "max_amount": "3"}),
            "max_amount",
        ),
        (
            json!({"title": "x", "total_amount": "1", "quantity_limit": 0}),
            "quantity_limit",
        ),
        (
            json!({"title": "x", "total_amount": "1", "currency": "XXX1"}),
            "currency",
        ),
        (
            json!({"title": "x", "total_amount": "1", "success_url": "javascript:alert(1)"}),
            "success_url",
        ),
        (
            json!({"title": "x", "total_amount": "1", "active": "yes"}),
            "active",
        ),
    ] {
        s.post("/api/v1/payment-links", &key, body.clone())
            .await
            .expect_error(422, Some(field));
    }
    s.call(
        reqwest::Method::POST,
        "/api/v1/payment-links",
        Some(&key),
        None,
    )
    .await
    .expect_error(400, None);
    let listed = s.get("/api/v1/payment-links", &key).await;
    assert_eq!(listed.data()["items"], json!([]), "nothing was written");

    let link = create(&s, &key, link_body()).await;
    let path = format!("/api/v1/payment-links/{}", link["id"].as_str().unwrap());
    for (body, field) in [
        (json!({"total_amount": "10"}), "total_amount"),
        (json!({"currency": "USD"}), "currency"),
        (json!({"active": null}), "active"),
        (json!({"title": ""}), "title"),
        (json!({"quantity_limit": -1}), "quantity_limit"),
    ] {
        s.patch(&path, &key, body)
            .await
            .expect_error(422, Some(field));
    }
    assert_eq!(
        s.get(&path, &key).await.data(),
        &link,
        "nothing was changed"
    );
    s.get("/api/v1/payment-links/plink_nope", &key)
        .await
        .expect_error(404, None);
    s.get("/api/v1/payment-links", "prl_key_x.y")
        .await
        .expect_error(401, None);
}

#[tokio::test]
async fn each_visit_starts_its_own_transaction_that_carries_the_link_and_pays() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let link = create(&s, &key, link_body()).await;
    let id = link["id"].as_str().unwrap();

    let (status, html) = page(&s, id).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Pottery workshop") && html.contains("€49.00"),
        "{html}"
    );
    assert!(html.contains("name=\"email\"") && !html.contains("name=\"amount\""));

    let (status, _, html) = visit(&s, id, &[("email", "not-an-email")]).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("aria-invalid=\"true\"") && html.contains("not-an-email"),
        "{html}"
    );
    assert!(
        transactions(&s, &key).await.is_empty(),
        "a refused visit creates nothing"
    );

    let (status, location, _) = visit(&s, id, &[("email", "ann@example.com")]).await;
    assert_eq!(status, 303);
    let txn_id = location.rsplit('/').next().unwrap().to_owned();
    assert_eq!(location, s.url(&format!("/checkout/{txn_id}")));
    let (_, again, _) = visit(&s, id, &[("email", "bob@example.com")]).await;
    assert_ne!(again, location, "every visit is a payment of its own");

    let txn = s.get(&format!("/api/v1/transactions/{txn_id}"), &key).await;
    txn.expect(200);
    let txn = txn.data();
    assert_eq!(txn["payment_link_id"], id);
    assert!(
        txn["order_uuid"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{id}-"))
    );
    assert_eq!(
        (txn["total_amount"].as_str(), txn["currency"].as_str()),
        (Some("49.00"), Some("EUR"))
    );
    assert_eq!(txn["email"], "ann@example.com");
    assert_eq!(txn["product_title"], "Pottery workshop");
    assert_eq!(txn["metadata"], json!({"sku": "POT-1"}));
    assert_eq!(txn["success_url"], "https://shop.example.com/thanks");

    assert_eq!(s.pay(&txn_id, PAID_CARD).await, 303);
    let link = s.get(&format!("/api/v1/payment-links/{id}"), &key).await;
    assert_eq!(link.data()["paid_count"], 1);
    // Its events are those of any payment, with the link named in the data.
    let events = s.get("/api/v1/events?type=payment.succeeded", &key).await;
    let events = events.data()["items"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1);
    let body: Value = match &events[0]["payload"] {
        Value::String(raw) => serde_json::from_str(raw).unwrap(),
        other => other.clone(),
    };
    assert_eq!(body["data"]["payment_link_id"], id, "{body}");
}

#[tokio::test]
async fn a_customer_chooses_the_amount_within_the_bounds() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let link = create(
        &s,
        &key,
        json!({"title": "Donation", "min_amount": "5", "max_amount": "500", "currency": "USD",
               "success_url": "https://shop.example.com/thanks",
               "cancel_url": "https://shop.example.com/"}),
    )
    .await;
    let id = link["id"].as_str().unwrap();
    let (_, html) = page(&s, id).await;
    assert!(
        html.contains("name=\"amount\"") && html.contains("Between $5.00 and $500.00"),
        "{html}"
    );

    for amount in ["4.99", "500.01", "abc", "1.001", ""] {
        let (status, _, html) =
            visit(&s, id, &[("email", "ann@example.com"), ("amount", amount)]).await;
        assert_eq!(status, 422, "{amount}");
        assert!(html.contains("id=\"amount-error\""), "{amount}: {html}");
    }
    assert!(transactions(&s, &key).await.is_empty());
    let (status, location, _) =
        visit(&s, id, &[("email", "ann@example.com"), ("amount", "12.50")]).await;
    assert_eq!(status, 303);
    let txn_id = location.rsplit('/').next().unwrap();
    let txn = s.get(&format!("/api/v1/transactions/{txn_id}"), &key).await;
    assert_eq!(txn.data()["total_amount"], "12.50");
}

#[tokio::test]
async fn a_deactivated_exhausted_or_unknown_link_says_so_and_starts_nothing() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut body = link_body();
    body["quantity_limit"] = json!(1);
    let link = create(&s, &key, body).await;
    let id = link["id"].as_str().unwrap();
    let path = format!("/api/v1/payment-links/{id}");

    let (_, location, _) = visit(&s, id, &[("email", "ann@example.com")]).await;
    let txn_id = location.rsplit('/').next().unwrap().to_owned();
    assert_eq!(s.pay(&txn_id, PAID_CARD).await, 303);
    let got = s.get(&path, &key).await;
    assert_eq!(
        (
            got.data()["status"].as_str(),
            got.data()["paid_count"].as_u64()
        ),
        (Some("exhausted"), Some(1))
    );
    let (status, html) = page(&s, id).await;
    assert_eq!(status, 410);
    assert!(
        html.contains("reached its limit") && !html.contains("<form"),
        "{html}"
    );
    let (status, _, _) = visit(&s, id, &[("email", "bob@example.com")]).await;
    assert_eq!(status, 410);
    assert_eq!(
        transactions(&s, &key).await.len(),
        1,
        "no payment past the limit"
    );

    // Raising the limit reopens it; deactivating closes it again.
    s.patch(&path, &key, json!({"quantity_limit": 2}))
        .await
        .expect(200);
    assert_eq!(page(&s, id).await.0, 200);
    s.patch(&path, &key, json!({"active": false}))
        .await
        .expect(200);
    let (status, html) = page(&s, id).await;
    assert_eq!(status, 410);
    assert!(html.contains("no longer active"), "{html}");
    assert_eq!(visit(&s, id, &[("email", "bob@example.com")]).await.0, 410);

    // A deactivated merchant's links take no payments either.
    let (merchant, other_key) = s.merchant_with_key().await;
    let open = create(&s, &other_key, link_body()).await;
    s.patch(
        &format!("/api/v1/merchants/{merchant}"),
        s.admin(),
        json!({"active": false}),
    )
    .await
    .expect(200);
    assert_eq!(page(&s, open["id"].as_str().unwrap()).await.0, 410);

    for unknown in ["plink_01jd0000000000000000000000", "nope"] {
        let res = s
            .client
            .get(s.url(&format!("/pay/{unknown}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 404);
        assert_eq!(visit(&s, unknown, &[("email", "a@b.example")]).await.0, 404);
    }
}

#[tokio::test]
async fn a_link_starts_at_most_the_merchants_rate_limit_of_payments_a_minute() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    s.patch(
        &format!("/api/v1/merchants/{merchant}"),
        s.admin(),
        json!({"rate_limit_per_minute": 2}),
    )
    .await
    .expect(200);
    let link = create(&s, &key, link_body()).await;
    let id = link["id"].as_str().unwrap();
    payrail_tests::ensure_minute_has(10).await;
    for email in ["a@example.com", "b@example.com"] {
        assert_eq!(visit(&s, id, &[("email", email)]).await.0, 303);
    }
    let res = no_redirects()
        .post(s.url(&format!("/pay/{id}")))
        .form(&[("email", "c@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let html = res.text().await.unwrap();
    assert!(
        html.contains("try again in a minute") && html.contains("c@example.com"),
        "{html}"
    );
    assert_eq!(
        transactions(&s, &key).await.len(),
        2,
        "the third visit started nothing"
    );
    // A refused form does not count: only visits that start a payment do.
    let (status, _, _) = visit(&s, id, &[("email", "nope")]).await;
    assert_eq!(status, 422);
}

/// A link's quantity limit holds however visits and payments interleave: a unit is taken when a
/// payment starts and given back when it ends unpaid, so paid payments never pass the limit.
#[tokio::test]
async fn the_quantity_limit_is_never_exceeded_by_visits_that_pay_later() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;

    // Limit 1, five visits first: one payment starts, the others are told it is sold out.
    let mut body = link_body();
    body["quantity_limit"] = json!(1);
    let one = create(&s, &key, body).await;
    let one = one["id"].as_str().unwrap();
    let mut started = Vec::new();
    for i in 0..5 {
        let (status, location, _) =
            visit(&s, one, &[("email", &format!("c{i}@example.com"))]).await;
        match status {
            303 => started.push(location.rsplit('/').next().unwrap().to_owned()),
            410 => {}
            other => panic!("visit answered {other}"),
        }
    }
    assert_eq!(started.len(), 1, "one unit, one payment started");
    let (status, html) = page(&s, one).await;
    assert_eq!(status, 410);
    assert!(html.contains("reached its limit"), "{html}");
    assert_eq!(s.pay(&started[0], PAID_CARD).await, 303);

    // Limit 2, ten visits at once, then every started payment paid: two paid, no more.
    let mut body = link_body();
    body["quantity_limit"] = json!(2);
    let two = create(&s, &key, body).await;
    let two = two["id"].as_str().unwrap().to_owned();
    let visits = futures_util::future::join_all((0..10).map(|i| {
        let email = format!("d{i}@example.com");
        let s = &s;
        let two = two.clone();
        async move { visit(s, &two, &[("email", &email)]).await }
    }))
    .await;
    let started: Vec<String> = visits
        .iter()
        .filter(|(status, ..)| *status == 303)
        .map(|(_, location, _)| location.rsplit('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(
        started.len(),
        2,
        "{:?}",
        visits.iter().map(|v| v.0).collect::<Vec<_>>()
    );
    for txn in &started {
        assert_eq!(s.pay(txn, PAID_CARD).await, 303);
    }
    let link = s.get(&format!("/api/v1/payment-links/{two}"), &key).await;
    assert_eq!(link.data()["paid_count"], 2);

    // A payment that ends unpaid gives its unit back: canceled, the next customer may start.
    let mut body = link_body();
    body["quantity_limit"] = json!(1);
    let back = create(&s, &key, body).await;
    let back = back["id"].as_str().unwrap();
    let (status, location, _) = visit(&s, back, &[("email", "e@example.com")]).await;
    assert_eq!(status, 303);
    let first = location.rsplit('/').next().unwrap().to_owned();
    assert_eq!(visit(&s, back, &[("email", "f@example.com")]).await.0, 410);
    s.post(
        &format!("/api/v1/transactions/{first}/cancel"),
        &key,
        json!({}),
    )
    .await
    .expect(200);
    let (status, _, _) = visit(&s, back, &[("email", "f@example.com")]).await;
    assert_eq!(status, 303, "the canceled payment's unit is free again");
}
