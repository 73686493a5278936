//! Knowing every outcome (DESIGN.md section 5): a charge or refund whose answer was lost stays
//! unknown until Stripe says what happened, refunds end however Stripe decides them, refunds
//! made in Stripe's Dashboard and disputes reach the merchant, and an expired bank step is
//! canceled at Stripe first. Each case is made to happen at the Stripe stand-in.

use std::time::Duration;

use payrail_tests::stripe::{
    close_dispute, end_refund, fault, open_dispute, payment_method, send_event, stripe_base,
    stripe_get, stripe_merchant, submit, sweep, txn,
};
use payrail_tests::{TestStack, payment};
use serde_json::{Value, json};

/// A stack whose sweep asks Stripe about an unknown outcome at once.
async fn stack(extra: &[(&str, &str)]) -> TestStack {
    let mut settings = vec![("PAYRAIL_RECONCILE_AFTER_SECONDS", "0")];
    settings.extend_from_slice(extra);
    TestStack::start_with(&settings).await
}

/// Stripe's PaymentIntents for transaction `id`, as its search finds them.
async fn intents_for(sk: &str, id: &str) -> Vec<Value> {
    let found = stripe_get(
        sk,
        &format!("/v1/payment_intents/search?query=metadata['transaction_id']:'{id}'"),
    )
    .await;
    found["data"].as_array().cloned().unwrap_or_default()
}

/// A Stripe merchant's paid transaction: (merchant, key, sk, whsec, transaction id, pi).
async fn paid(s: &TestStack, order: &str) -> (String, String, String, String, String, String) {
    let (merchant, key, sk, _, whsec) = stripe_merchant(s).await;
    let id = s.payment_id(&key, payment(order)).await;
    let pm = payment_method(&sk, "4242424242424242").await;
    let (status, _, html) = submit(s, &id, &[("payment_method", &pm)]).await;
    assert_eq!(status, 303, "{html}");
    let pi = txn(s, &key, &id).await["processor_payment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (merchant, key, sk, whsec, id, pi)
}

async fn refunds(s: &TestStack, key: &str, id: &str) -> Vec<Value> {
    let res = s
        .get(&format!("/api/v1/transactions/{id}/refunds"), key)
        .await;
    res.expect(200);
    res.data()["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_answer_lost_after_the_charge_ends_paid_once_and_the_page_never_says_not_charged() {
    let s = stack(&[]).await;
    let (_, key, sk, _, _) = stripe_merchant(&s).await;
    let id = s.payment_id(&key, payment("lost-after")).await;
    let pm = payment_method(&sk, "4242424242424242").await;
    // Every attempt reaches Stripe (the first charges), and no answer comes back.
    fault(
        &sk,
        "POST",
        "/v1/payment_intents",
        "lost_after",
        3,
        json!({}),
    )
    .await;
    let (status, _, html) = submit(&s, &id, &[("payment_method", &pm)]).await;
    assert_eq!(status, 202, "{html}");
    assert!(html.contains("confirming your payment"), "{html}");
    assert!(!html.contains("not charged"), "{html}");
    assert_eq!(txn(&s, &key, &id).await["status"], "processing");
    assert_eq!(intents_for(&sk, &id).await.len(), 1, "charged once");

    // The page refreshes itself without offering the form again, and a second submission (a
    // new card) charges nothing.
    let page = reqwest::get(s.url(&format!("/checkout/{id}")))
        .await
        .unwrap();
    assert_eq!(page.status(), 202);
    let page = page.text().await.unwrap();
    assert!(page.contains("http-equiv=\"refresh\""), "{page}");
    assert!(!page.contains("stripe-form"), "{page}");
    let other = payment_method(&sk, "5555555555554444").await;
    let (status, _, _) = submit(&s, &id, &[("payment_method", &other)]).await;
    assert_eq!(status, 409);
    assert_eq!(
        intents_for(&sk, &id).await.len(),
        1,
        "a second submit charged"
    );

    let swept = sweep(&s).await;
    assert_eq!(swept["charges_settled"], 1, "{swept}");
    let t = txn(&s, &key, &id).await;
    assert_eq!(t["status"], "paid");
    assert!(
        t["processor_payment_id"]
            .as_str()
            .unwrap()
            .starts_with("pi_")
    );
    assert_eq!(s.count_events(&key, "payment.succeeded").await, 1);
    // Nothing is left to reconcile, and nothing happens twice.
    let again = sweep(&s).await;
    assert_eq!(again["charges_settled"], 0, "{again}");
    assert_eq!(again["unresolved"], 0, "{again}");
    assert_eq!(s.count_events(&key, "payment.succeeded").await, 1);
}

#[tokio::test]
async fn a_request_lost_before_the_charge_is_given_back_and_the_page_says_not_charged() {
    let s = stack(&[]).await;
    let (_, key, sk, _, _) = stripe_merchant(&s).await;
    let id = s.payment_id(&key, payment("lost-before")).await;
    let pm = payment_method(&sk, "4242424242424242").await;
    fault(
        &sk,
        "POST",
        "/v1/payment_intents",
        "lost_before",
        3,
        json!({}),
    )
    .await;
    let (status, _, html) = submit(&s, &id, &[("payment_method", &pm)]).await;
    // Payrail cannot tell a request lost on its way from one lost after it charged.
    assert_eq!(status, 202, "{html}");
    assert!(!html.contains("not charged"), "{html}");

    let swept = sweep(&s).await;
    assert_eq!(swept["charges_released"], 1, "{swept}");
    assert_eq!(txn(&s, &key, &id).await["status"], "pending");
    let page = reqwest::get(s.url(&format!("/checkout/{id}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("you were not charged"), "{page}");
    assert!(
        page.contains("stripe-form"),
        "the form is offered again: {page}"
    );

    // The customer's next try is a new request to Stripe (a new idempotency key) and pays.
    let again = payment_method(&sk, "4242424242424242").await;
    let (status, _, html) = submit(&s, &id, &[("payment_method", &again)]).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(txn(&s, &key, &id).await["status"], "paid");
    assert_eq!(intents_for(&sk, &id).await.len(), 1);
    assert_eq!(s.count_events(&key, "payment.succeeded").await, 1);
}

#[tokio::test]
async fn a_replayed_server_error_is_no_news_and_the_sweep_settles_the_charge() {
    let s = stack(&[]).await;
    let (_, key, sk, _, _) = stripe_merchant(&s).await;
    let id = s.payment_id(&key, payment("saved-500")).await;
    let pm = payment_method(&sk, "4242424242424242").await;
    // Stripe answers 500 and saves it under the key (it began executing): every retry gets the
    // same 500 back; Stripe says a retry cannot help.
    fault(
        &sk,
        "POST",
        "/v1/payment_intents",
        "answer",
        1,
        json!({"status": 500, "saved": true, "headers": {"Stripe-Should-Retry": "false"}}),
    )
    .await;
    let (status, _, html) = submit(&s, &id, &[("payment_method", &pm)]).await;
    assert_eq!(status, 202, "{html}");
    assert_eq!(txn(&s, &key, &id).await["status"], "processing");
    // Stripe made no payment: the sweep gives the payment back to the customer.
    let swept = sweep(&s).await;
    assert_eq!(swept["charges_released"], 1, "{swept}");
    assert_eq!(txn(&s, &key, &id).await["status"], "pending");
}

#[tokio::test]
async fn a_lost_refund_answer_settles_succeeded_by_the_sweep() {
    let s = stack(&[]).await;
    let (_, key, sk, _, id, _) = paid(&s, "refund-lost").await;
    fault(&sk, "POST", "/v1/refunds", "lost_after", 3, json!({})).await;
    let res = s
        .post(
            &format!("/api/v1/transactions/{id}/refunds"),
            &key,
            json!({}),
        )
        .await;
    res.expect(201);
    assert_eq!(res.data()["status"], "pending");
    let swept = sweep(&s).await;
    assert_eq!(swept["refunds_settled"], 1, "{swept}");
    let list = refunds(&s, &key, &id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "succeeded");
    let t = txn(&s, &key, &id).await;
    assert_eq!(t["status"], "refunded");
    assert_eq!(t["amount_refunded"], "25.00");
    assert_eq!(s.count_events(&key, "refund.succeeded").await, 1);
    assert_eq!(s.count_events(&key, "payment.refunded").await, 1);
    assert_eq!(sweep(&s).await["unresolved"], 0);
}

#[tokio::test]
async fn a_refused_refund_fails_at_once_and_its_amount_is_refundable_again() {
    let s = stack(&[]).await;
    let (_, key, sk, _, id, _) = paid(&s, "refund-refused").await;
    fault(
        &sk,
        "POST",
        "/v1/refunds",
        "answer",
        1,
        json!({"status": 400, "body": {"error": {"type": "invalid_request_error",
            "message": "Charge ch_1 has been disputed"}}}),
    )
    .await;
    let path = format!("/api/v1/transactions/{id}/refunds");
    let res = s.post(&path, &key, json!({"amount": "10.00"})).await;
    res.expect(201);
    assert_eq!(res.data()["status"], "failed");
    assert!(
        res.data()["failure_reason"]
            .as_str()
            .unwrap()
            .contains("disputed"),
        "{}",
        res.data()
    );
    assert_eq!(s.count_events(&key, "refund.failed").await, 1);
    // All of it can be refunded now.
    let res = s.post(&path, &key, json!({})).await;
    res.expect(201);
    assert_eq!(res.data()["amount"], "25.00");
    assert_eq!(res.data()["status"], "succeeded");
}

#[tokio::test]
async fn a_pending_refund_ends_with_stripes_event() {
    let s = stack(&[]).await;
    let (merchant, key, sk, whsec, id, pi) = paid(&s, "refund-pending").await;
    fault(&sk, "POST", "/v1/refunds", "refund_pending", 1, json!({})).await;
    let res = s
        .post(
            &format!("/api/v1/transactions/{id}/refunds"),
            &key,
            json!({"amount": "5.00"}),
        )
        .await;
    res.expect(201);
    assert_eq!(res.data()["status"], "pending");
    let theirs = stripe_get(&sk, &format!("/v1/refunds?payment_intent={pi}")).await;
    let re = theirs["data"][0]["id"].as_str().unwrap().to_owned();
    end_refund(&re, "failed").await;
    assert_eq!(
        send_event(&s, &merchant, &whsec, "refund.failed", &re).await,
        200
    );
    let list = refunds(&s, &key, &id).await;
    assert_eq!(list[0]["status"], "failed");
    assert_eq!(s.count_events(&key, "refund.failed").await, 1);
    // The same event again changes nothing.
    assert_eq!(
        send_event(&s, &merchant, &whsec, "refund.updated", &re).await,
        200
    );
    assert_eq!(s.count_events(&key, "refund.failed").await, 1);
    assert_eq!(txn(&s, &key, &id).await["amount_refunded"], "0.00");
}

#[tokio::test]
async fn a_dashboard_refund_reported_by_two_events_is_one_refund() {
    let s = stack(&[]).await;
    let (merchant, key, sk, whsec, id, pi) = paid(&s, "dashboard").await;
    // Refunded in Stripe's Dashboard, not through Payrail.
    let made: Value = reqwest::Client::new()
        .post(format!("{}/v1/refunds", stripe_base()))
        .bearer_auth(&sk)
        .form(&[("payment_intent", pi.as_str()), ("amount", "1000")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let re = made["id"].as_str().unwrap().to_owned();
    let charge =
        stripe_get(&sk, &format!("/v1/payment_intents/{pi}")).await["latest_charge"].clone();
    let charge = charge["id"]
        .as_str()
        .or(charge.as_str())
        .unwrap()
        .to_owned();
    // Stripe reports it twice, at once.
    let (a, b) = tokio::join!(
        send_event(&s, &merchant, &whsec, "charge.refunded", &charge),
        send_event(&s, &merchant, &whsec, "refund.created", &re),
    );
    assert_eq!((a, b), (200, 200));
    let list = refunds(&s, &key, &id).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["amount"], "10.00");
    assert_eq!(list[0]["status"], "succeeded");
    assert_eq!(list[0]["processor_refund_id"], re.as_str());
    let t = txn(&s, &key, &id).await;
    assert_eq!(t["amount_refunded"], "10.00");
    assert_eq!(t["status"], "paid");
    assert_eq!(s.count_events(&key, "refund.succeeded").await, 1);
    // What is left can still be refunded through Payrail, and no more.
    let path = format!("/api/v1/transactions/{id}/refunds");
    s.post(&path, &key, json!({"amount": "15.01"}))
        .await
        .expect_error(422, Some("amount"));
    let res = s.post(&path, &key, json!({})).await;
    res.expect(201);
    assert_eq!(res.data()["amount"], "15.00");
}

#[tokio::test]
async fn a_dispute_opened_then_lost_reaches_the_merchant_once_each() {
    let s = stack(&[]).await;
    let (merchant, key, _, whsec, id, pi) = paid(&s, "dispute").await;
    let dispute = open_dispute(&pi).await;
    let dp = dispute["id"].as_str().unwrap().to_owned();
    assert_eq!(
        send_event(&s, &merchant, &whsec, "charge.dispute.created", &dp).await,
        200
    );
    let t = txn(&s, &key, &id).await;
    assert_eq!(t["dispute"]["id"], dp.as_str());
    assert_eq!(t["dispute"]["status"], "needs_response");
    assert_eq!(t["dispute"]["amount"], "25.00");
    assert_eq!(t["dispute"]["reason"], "fraudulent");
    assert_eq!(s.count_events(&key, "payment.disputed").await, 1);

    // Stripe reviews the merchant's evidence: recorded, with no event of its own.
    close_dispute(&dp, "under_review").await;
    assert_eq!(
        send_event(&s, &merchant, &whsec, "charge.dispute.updated", &dp).await,
        200
    );
    assert_eq!(
        txn(&s, &key, &id).await["dispute"]["status"],
        "under_review"
    );
    assert_eq!(s.count_events(&key, "payment.disputed").await, 1);

    close_dispute(&dp, "lost").await;
    for _ in 0..2 {
        assert_eq!(
            send_event(&s, &merchant, &whsec, "charge.dispute.closed", &dp).await,
            200
        );
    }
    assert_eq!(txn(&s, &key, &id).await["dispute"]["status"], "lost");
    assert_eq!(s.count_events(&key, "payment.dispute_closed").await, 1);
    assert_eq!(s.count_events(&key, "payment.disputed").await, 1);
}

#[tokio::test]
async fn an_expired_bank_step_is_canceled_at_stripe_and_one_finished_in_time_is_paid() {
    let s = stack(&[("PAYRAIL_CHECKOUT_TTL_SECONDS", "3")]).await;
    let (_, key, sk, pk, _) = stripe_merchant(&s).await;
    let left = s.payment_id(&key, payment("3ds-left")).await;
    let finished = s.payment_id(&key, payment("3ds-finished")).await;
    let mut intents = Vec::new();
    for id in [&left, &finished] {
        let pm = payment_method(&sk, "4000002760003184").await;
        let (status, _, html) = submit(&s, id, &[("payment_method", &pm)]).await;
        assert_eq!(status, 200, "the bank step: {html}");
        let secret = html
            .split("data-client-secret=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let pi = txn(&s, &key, id).await["processor_payment_id"]
            .as_str()
            .unwrap()
            .to_owned();
        intents.push((pi, secret));
    }
    // The second customer finishes the bank step at Stripe, but never comes back to the page.
    let (pi, secret) = &intents[1];
    reqwest::Client::new()
        .post(format!(
            "{}/v1/payment_intents/{pi}/_authenticate?success=true",
            stripe_base()
        ))
        .form(&[("key", pk.as_str()), ("client_secret", secret.as_str())])
        .send()
        .await
        .unwrap();
    // Past the expiry, and past the whole second it falls in (holds are kept in seconds).
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let swept = sweep(&s).await;
    assert_eq!(swept["expired"], 1, "{swept}");
    assert_eq!(txn(&s, &key, &left).await["status"], "expired");
    let at_stripe = stripe_get(&sk, &format!("/v1/payment_intents/{}", intents[0].0)).await;
    assert_eq!(at_stripe["status"], "canceled");
    assert_eq!(txn(&s, &key, &finished).await["status"], "paid");
    assert_eq!(s.count_events(&key, "payment.expired").await, 1);
    assert_eq!(s.count_events(&key, "payment.succeeded").await, 1);
}

#[tokio::test]
async fn a_payment_stripe_would_refuse_is_refused_at_creation_on_its_field() {
    let s = stack(&[]).await;
    let (_, key, _, _, _) = stripe_merchant(&s).await;
    let (_, sandbox_key) = s.merchant_with_key().await;
    let with = |order: &str, amount: &str, currency: &str| {
        let mut body = payment(order);
        body["total_amount"] = json!(amount);
        body["currency"] = json!(currency);
        body
    };
    let path = "/api/v1/payment-requests";
    s.post(path, &key, with("too-small", "0.49", "USD"))
        .await
        .expect_error(422, Some("total_amount"));
    s.post(path, &key, with("too-big", "1000000.00", "USD"))
        .await
        .expect_error(422, Some("total_amount"));
    s.post(path, &key, with("no-kwd", "10.000", "KWD"))
        .await
        .expect_error(422, Some("currency"));
    s.post(path, &key, with("least", "0.50", "USD"))
        .await
        .expect(201);
    // The sandbox takes what Stripe would not.
    s.post(path, &sandbox_key, with("sandbox-kwd", "10.000", "KWD"))
        .await
        .expect(201);
    // Nothing was written for a refused request: the order can be made again.
    s.post(path, &key, with("too-small", "0.50", "USD"))
        .await
        .expect(201);
}

#[tokio::test]
async fn a_restricted_key_connects_and_collects() {
    let s = stack(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let (sk, pk, whsec) = payrail_tests::stripe::keys();
    let rk = sk.replacen("sk_", "rk_", 1);
    let res = s
        .call(
            reqwest::Method::PUT,
            "/api/v1/processor",
            Some(&key),
            Some(json!({"type": "stripe", "secret_key": rk, "publishable_key": pk, "webhook_secret": whsec})),
        )
        .await;
    res.expect(200);
    assert_eq!(res.data()["type"], "stripe");
    let id = s.payment_id(&key, payment("restricted")).await;
    let pm = payment_method(&rk, "4242424242424242").await;
    let (status, _, html) = submit(&s, &id, &[("payment_method", &pm)]).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(txn(&s, &key, &id).await["status"], "paid");
}

#[tokio::test]
async fn a_checkout_is_one_call_to_stripe() {
    let s = stack(&[]).await;
    let (_, _, sk, _, _, _) = paid(&s, "one-call").await;
    let made = payrail_tests::stripe::calls(&sk).await;
    let after_card = made
        .iter()
        .rposition(|c| c == "POST /v1/payment_methods")
        .unwrap();
    assert_eq!(made[after_card + 1..], ["POST /v1/payment_intents"]);
}

#[tokio::test]
async fn a_payment_is_refunded_only_through_the_stripe_account_that_took_it() {
    let s = stack(&[]).await;
    let (_, key, sk, _, _, _) = paid(&s, "account").await;
    let processor = s.get("/api/v1/processor", &key).await;
    let first = processor.data()["account_id"].as_str().unwrap().to_owned();
    assert!(first.starts_with("acct_"), "{}", processor.data());

    // The merchant connects another Stripe account, in the same mode.
    let (other_sk, pk, whsec) = payrail_tests::stripe::keys();
    let res = s
        .call(
            reqwest::Method::PUT,
            "/api/v1/processor",
            Some(&key),
            Some(json!({"type": "stripe", "secret_key": other_sk, "publishable_key": pk, "webhook_secret": whsec})),
        )
        .await;
    res.expect(200);
    assert_ne!(res.data()["account_id"], first.as_str());
    let id =
        s.get("/api/v1/transactions?status=paid", &key).await.data()["items"][0]["transaction_id"]
            .as_str()
            .unwrap()
            .to_owned();
    let path = format!("/api/v1/transactions/{id}/refunds");
    let refused = s.post(&path, &key, json!({})).await;
    refused.expect_error(409, None);
    assert_eq!(refused.body["code"], "processor_changed");
    assert!(refused.body["message"].as_str().unwrap().contains(&first));
    assert!(refunds(&s, &key, &id).await.is_empty());

    // Connected again with the first account's key, the refund goes through.
    let res = s
        .call(
            reqwest::Method::PUT,
            "/api/v1/processor",
            Some(&key),
            Some(json!({"type": "stripe", "secret_key": sk, "publishable_key": pk, "webhook_secret": whsec})),
        )
        .await;
    res.expect(200);
    let res = s.post(&path, &key, json!({})).await;
    res.expect(201);
    assert_eq!(res.data()["status"], "succeeded");
}

#[tokio::test]
async fn a_charge_given_back_too_soon_that_went_through_is_refunded_when_stripe_reports_it() {
    let s = stack(&[]).await;
    let (merchant, key, sk, _, whsec) = stripe_merchant(&s).await;
    let id = s.payment_id(&key, payment("ghost")).await;
    let pm = payment_method(&sk, "4242424242424242").await;
    fault(
        &sk,
        "POST",
        "/v1/payment_intents",
        "lost_after",
        3,
        json!({}),
    )
    .await;
    let (status, _, _) = submit(&s, &id, &[("payment_method", &pm)]).await;
    assert_eq!(status, 202);
    // Stripe's search index has not caught up: the sweep finds no payment and gives the
    // payment back to the customer, who pays again with another card.
    let lagging =
        json!({"status": 200, "body": {"object": "search_result", "data": [], "has_more": false}});
    fault(
        &sk,
        "GET",
        "/v1/payment_intents/search",
        "answer",
        1,
        lagging,
    )
    .await;
    assert_eq!(sweep(&s).await["charges_released"], 1);
    let again = payment_method(&sk, "5555555555554444").await;
    let (status, _, _) = submit(&s, &id, &[("payment_method", &again)]).await;
    assert_eq!(status, 303);
    let paid_with = txn(&s, &key, &id).await["processor_payment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let intents = intents_for(&sk, &id).await;
    assert_eq!(intents.len(), 2);
    let ghost = intents
        .iter()
        .map(|pi| pi["id"].as_str().unwrap().to_owned())
        .find(|pi| *pi != paid_with)
        .unwrap();

    // Stripe reports the first charge's success: the customer paid twice, and the second
    // payment is refunded in full at Stripe; the transaction stays paid once.
    assert_eq!(
        send_event(&s, &merchant, &whsec, "payment_intent.succeeded", &ghost).await,
        200
    );
    let refunded = stripe_get(&sk, &format!("/v1/refunds?payment_intent={ghost}")).await;
    assert_eq!(refunded["data"].as_array().unwrap().len(), 1, "{refunded}");
    assert_eq!(refunded["data"][0]["amount"], 2500);
    let t = txn(&s, &key, &id).await;
    assert_eq!(t["status"], "paid");
    assert_eq!(t["processor_payment_id"], paid_with.as_str());
    assert!(refunds(&s, &key, &id).await.is_empty());
    assert_eq!(s.count_events(&key, "payment.succeeded").await, 1);
}

#[tokio::test]
async fn a_payment_whose_charging_function_stopped_is_settled_as_stripe_says_at_expiry() {
    use payrail::store::transactions::{self, ChargedBy};
    let s = stack(&[("PAYRAIL_CHECKOUT_TTL_SECONDS", "3")]).await;
    let (_, key, sk, _, _) = stripe_merchant(&s).await;
    let charged = s.payment_id(&key, payment("stopped-charged")).await;
    let never = s.payment_id(&key, payment("stopped-never")).await;
    let app = &s.running.app;
    let stripe = ChargedBy {
        kind: payrail::processor::ProcessorKind::Stripe,
        livemode: false,
        account: None,
    };
    // Both were claimed by a submission whose function then stopped; Stripe charged the first.
    for id in [&charged, &never] {
        let id = payrail::ids::TransactionId::parse(id).unwrap();
        let now = payrail::domain::Timestamp::now();
        transactions::claim(app, &id, now, Duration::ZERO, stripe)
            .await
            .unwrap();
    }
    let pm = payment_method(&sk, "4242424242424242").await;
    let made: Value = reqwest::Client::new()
        .post(format!("{}/v1/payment_intents", stripe_base()))
        .bearer_auth(&sk)
        .form(&[
            ("amount", "2500"),
            ("currency", "usd"),
            ("payment_method", pm.as_str()),
            ("confirm", "true"),
            ("metadata[transaction_id]", charged.as_str()),
            ("metadata[charge_key]", charged.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(made["status"], "succeeded", "{made}");
    tokio::time::sleep(Duration::from_millis(4500)).await;

    let swept = sweep(&s).await;
    assert_eq!(swept["expired"], 1, "{swept}");
    let t = txn(&s, &key, &charged).await;
    assert_eq!(t["status"], "paid");
    assert_eq!(t["processor_payment_id"], made["id"]);
    assert_eq!(txn(&s, &key, &never).await["status"], "expired");
}
