//! Customers: one per e-mail address per merchant, made by the API or by the first payment from
//! a new address, found by id or address, listed newest first, and linked from transactions.

use std::collections::BTreeSet;

use payrail_tests::{TestStack, payment};
use serde_json::{Value, json};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_first_payment_makes_its_customer_and_later_ones_link_to_it() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut first = payment("cust-1");
    first["first_name"] = json!("Ann");
    first["last_name"] = json!("Lee");
    let created = s.post("/api/v1/payment-requests", &key, first).await;
    created.expect(201);
    let customer_id = created.data()["customer_id"].as_str().unwrap().to_owned();
    assert!(customer_id.starts_with("cus_"), "{customer_id}");

    let c = s
        .get(&format!("/api/v1/customers/{customer_id}"), &key)
        .await;
    c.expect(200);
    assert_eq!(c.data()["email"], "ann@example.com");
    assert_eq!(c.data()["name"], "Ann Lee");
    // By address, in any case.
    let by_email = s.get("/api/v1/customers/ANN@example.com", &key).await;
    by_email.expect(200);
    assert_eq!(by_email.data()["id"], customer_id.as_str());

    // The same address again, with another name: the same customer, its name kept.
    let mut again = payment("cust-2");
    again["email"] = json!("Ann@Example.com");
    again["first_name"] = json!("Annie");
    let second = s.post("/api/v1/payment-requests", &key, again).await;
    second.expect(201);
    assert_eq!(second.data()["customer_id"], customer_id.as_str());
    let t = s
        .get(
            &format!(
                "/api/v1/transactions/{}",
                second.data()["transaction_id"].as_str().unwrap()
            ),
            &key,
        )
        .await;
    assert_eq!(t.data()["customer_id"], customer_id.as_str());
    let list = s.get("/api/v1/customers", &key).await;
    list.expect(200);
    assert_eq!(ids(list.data()), vec![customer_id.clone()]);
    assert_eq!(list.data()["items"][0]["name"], "Ann Lee");

    // Made by the API first: a payment from that address links to it and keeps its details.
    let made = s
        .post(
            "/api/v1/customers",
            &key,
            json!({"email": "bo@example.com", "name": "Bo Diaz", "phone": "+1 555 0100",
                   "metadata": {"crm": "7"}}),
        )
        .await;
    made.expect(201);
    let bo = made.data()["id"].as_str().unwrap().to_owned();
    assert_eq!(made.data()["metadata"], json!({"crm": "7"}));
    let mut bos = payment("cust-3");
    bos["email"] = json!("bo@example.com");
    let paid_by_bo = s.post("/api/v1/payment-requests", &key, bos).await;
    assert_eq!(paid_by_bo.data()["customer_id"], bo.as_str());
    let c = s.get(&format!("/api/v1/customers/{bo}"), &key).await;
    assert_eq!(c.data()["phone"], "+1 555 0100");
    assert_eq!(c.data()["metadata"], json!({"crm": "7"}));
}

#[tokio::test]
async fn one_customer_per_address_and_every_field_checked() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    s.post(
        "/api/v1/customers",
        &key,
        json!({"email": "cy@example.com"}),
    )
    .await
    .expect(201);
    let again = s
        .post(
            "/api/v1/customers",
            &key,
            json!({"email": "CY@example.com", "name": "Cy"}),
        )
        .await;
    again.expect_code(409, "customer_exists");

    let bad = s
        .post(
            "/api/v1/customers",
            &key,
            json!({"email": "not-an-address", "name": "", "phone": "call me",
                   "metadata": {"n": 1}}),
        )
        .await;
    bad.expect_code(422, "validation_failed");
    for field in ["email", "name", "phone", "metadata"] {
        assert!(
            bad.body["errors"][field].is_array(),
            "{field}: {}",
            bad.body
        );
    }
    s.post("/api/v1/customers", &key, json!({"phone": "+1 555 0100"}))
        .await
        .expect_code(422, "validation_failed");
    s.post(
        "/api/v1/customers",
        &key,
        json!({"email": "dee@example.com", "nickname": "D"}),
    )
    .await
    .expect_code(422, "validation_failed");
    // A name alone is a customer too (one who pays in person).
    let walk_in = s
        .post("/api/v1/customers", &key, json!({"name": "Walk-in"}))
        .await;
    walk_in.expect(201);
    assert_eq!(walk_in.data()["email"], Value::Null);
    // Nothing was written for the refused ones.
    let list = s.get("/api/v1/customers", &key).await;
    assert_eq!(ids(list.data()).len(), 2, "{}", list.body);

    // Unknown ids and addresses are 404, as are malformed ones.
    for missing in [
        "cus_01jd0000000000000000000000",
        "nobody@example.com",
        "cus_x",
        "x",
    ] {
        s.get(&format!("/api/v1/customers/{missing}"), &key)
            .await
            .expect_code(404, "not_found");
    }
    // Without a key, or with a key that may not read payments.
    s.call(reqwest::Method::GET, "/api/v1/customers", None, None)
        .await
        .expect_error(401, None);
}

#[tokio::test]
async fn another_merchants_customers_are_never_seen() {
    let s = TestStack::start().await;
    let (_, mine) = s.merchant_with_key().await;
    let (_, theirs) = s.merchant_with_key().await;
    let made = s
        .post(
            "/api/v1/customers",
            &mine,
            json!({"email": "eve@example.com"}),
        )
        .await;
    made.expect(201);
    let id = made.data()["id"].as_str().unwrap().to_owned();
    s.get(&format!("/api/v1/customers/{id}"), &theirs)
        .await
        .expect_code(404, "not_found");
    s.get("/api/v1/customers/eve@example.com", &theirs)
        .await
        .expect_code(404, "not_found");
    let list = s.get("/api/v1/customers", &theirs).await;
    assert_eq!(list.data()["items"], json!([]));
    // The same address is a customer of each merchant, under different ids.
    let own = s
        .post(
            "/api/v1/customers",
            &theirs,
            json!({"email": "eve@example.com"}),
        )
        .await;
    own.expect(201);
    assert_ne!(own.data()["id"], id.as_str());
}

#[tokio::test]
async fn the_list_is_newest_first_and_cursors_walk_it_without_gaps() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut made = Vec::new();
    for i in 0..5 {
        let c = s
            .post(
                "/api/v1/customers",
                &key,
                json!({"email": format!("c{i}@example.com")}),
            )
            .await;
        c.expect(201);
        made.push(c.data()["id"].as_str().unwrap().to_owned());
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    made.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/customers?limit=2&cursor={c}"),
            None => "/api/v1/customers?limit=2".to_owned(),
        };
        let page = s.get(&path, &key).await;
        page.expect(200);
        seen.extend(ids(page.data()));
        match page.data()["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, made);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 5);
    s.get("/api/v1/customers?cursor=bm9wZQ", &key)
        .await
        .expect_code(400, "invalid_query");
    s.get("/api/v1/customers?limit=0", &key)
        .await
        .expect_code(400, "invalid_query");
}
