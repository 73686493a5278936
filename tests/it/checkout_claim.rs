//! Claim before charge: a checkout submission takes the transaction in one conditional write
//! before it calls the processor, so concurrent submissions charge once, a processor failure
//! leaves the payment pending and uncharged, and a lapsed claim frees it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use payrail::checkout::{PayOutcome, pay_with, view};
use payrail::domain::Timestamp;
use payrail::ids::TransactionId;
use payrail::payments::{PaymentStatus, Transaction};
use payrail::processor::{
    ChargeOutcome, Instrument, Processor, ProcessorError, ProcessorKind, RefundOutcome, Sandbox,
};
use payrail::store::StoreError;
use payrail::store::transactions::{self, ChargedBy, FromState, Holder};
use payrail_tests::{TestStack, payment};
use serde_json::Value;

const SANDBOX: ChargedBy = ChargedBy {
    kind: ProcessorKind::Sandbox,
    livemode: false,
    account: None,
};

/// Counts charges, answering as the sandbox does (or failing, when told to).
#[derive(Default)]
struct Counting {
    charges: AtomicUsize,
    unavailable: bool,
}

impl Processor for Counting {
    fn kind(&self) -> ProcessorKind {
        ProcessorKind::Sandbox
    }

    fn livemode(&self) -> bool {
        false
    }

    async fn charge(
        &self,
        txn: &Transaction,
        instrument: Instrument<'_>,
    ) -> Result<ChargeOutcome, ProcessorError> {
        self.charges.fetch_add(1, Ordering::SeqCst);
        // Slow enough that the submissions overlap.
        tokio::time::sleep(Duration::from_millis(50)).await;
        if self.unavailable {
            return Err(ProcessorError::Unavailable("connection reset".into()));
        }
        Sandbox.charge(txn, instrument).await
    }

    async fn outcome(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> Result<ChargeOutcome, ProcessorError> {
        Sandbox.outcome(txn, payment_id).await
    }

    async fn refund(
        &self,
        payment: &Transaction,
        refund: &payrail::refunds::refund::Refund,
    ) -> Result<RefundOutcome, ProcessorError> {
        Sandbox.refund(payment, refund).await
    }
}

async fn pending_payment(s: &TestStack, key: &str, order: &str) -> (String, String) {
    let res = s
        .post("/api/v1/payment-requests", key, payment(order))
        .await;
    res.expect(201);
    let id = res.data()["transaction_id"].as_str().unwrap().to_owned();
    let txn = transactions::get(&s.running.app, &TransactionId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap();
    (id, txn.checkout_token)
}

fn card_form(token: &str) -> payrail::input::JsonObject {
    let body = format!(
        "token={token}&card_number=4242424242424242&exp_month=12&exp_year=2031&cvc=123\
         &cardholder_name=Ann+Lee"
    );
    payrail::input::parse_form_object(body.as_bytes())
}

async fn status_of(s: &TestStack, key: &str, id: &str) -> Value {
    let res = s.get(&format!("/api/v1/transactions/{id}"), key).await;
    res.expect(200);
    res.data()["status"].clone()
}

#[tokio::test]
async fn twenty_concurrent_submissions_charge_the_card_once() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let (id, token) = pending_payment(&s, &key, "claim-20").await;
    let processor = Counting::default();
    let app = &s.running.app;
    let form = card_form(&token);
    let outcomes =
        join_all((0..20).map(|_| async {
            pay_with(app, &processor, view(app, &id).await.unwrap(), &form).await
        }))
        .await;
    let redirects = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(PayOutcome::Redirect(_))))
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(PayOutcome::NotPayable(_))))
        .count();
    assert_eq!((redirects, refused), (1, 19));
    assert_eq!(
        processor.charges.load(Ordering::SeqCst),
        1,
        "charged more than once"
    );
    assert_eq!(status_of(&s, &key, &id).await, "paid");
    assert_eq!(s.count_events(&key, "payment.succeeded").await, 1);
}

#[tokio::test]
async fn a_processor_failure_leaves_the_payment_pending_and_payable() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let (id, token) = pending_payment(&s, &key, "claim-down").await;
    let app = &s.running.app;
    let down = Counting {
        unavailable: true,
        ..Default::default()
    };
    let outcome = pay_with(
        app,
        &down,
        view(app, &id).await.unwrap(),
        &card_form(&token),
    )
    .await
    .unwrap();
    assert!(matches!(outcome, PayOutcome::ProcessorFailed(_)));
    assert_eq!(status_of(&s, &key, &id).await, "pending");
    assert_eq!(s.count_events(&key, "payment.succeeded").await, 0);
    assert_eq!(s.count_events(&key, "payment.declined").await, 0);

    // The customer tries again once the processor is back.
    let up = Counting::default();
    let outcome = pay_with(app, &up, view(app, &id).await.unwrap(), &card_form(&token))
        .await
        .unwrap();
    assert!(matches!(outcome, PayOutcome::Redirect(_)));
    assert_eq!(status_of(&s, &key, &id).await, "paid");
}

#[tokio::test]
async fn a_lapsed_claim_can_be_taken_over_and_only_the_holder_settles() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let (id, _) = pending_payment(&s, &key, "claim-lapse").await;
    let app = &s.running.app;
    let txn_id = TransactionId::parse(&id).unwrap();
    let now = Timestamp::now();
    let (first, first_claim) = transactions::claim(app, &txn_id, now, Duration::ZERO, SANDBOX)
        .await
        .unwrap();
    assert_eq!(first.status, PaymentStatus::Processing);
    assert_eq!(status_of(&s, &key, &id).await, "processing");
    // While held, nobody else may claim it.
    let again = transactions::claim(app, &txn_id, now, Duration::from_secs(30), SANDBOX).await;
    assert!(matches!(again, Err(StoreError::ConditionFailed)));
    // Once the hold has lapsed, another submission may.
    let later = now.plus(Duration::from_secs(2));
    let (second, second_claim) =
        transactions::claim(app, &txn_id, later, Duration::from_secs(30), SANDBOX)
            .await
            .unwrap();
    let mut paid = second.clone();
    paid.status = PaymentStatus::Paid;
    paid.paid_at = Some(later);
    let event = payrail::events::Event::for_transaction(
        payrail::events::EventType::PaymentSucceeded,
        &paid,
        later,
    );
    let stale = transactions::finish(
        app,
        FromState::Held(Holder::Claim(&first_claim)),
        &first,
        &paid,
        &event,
        later,
    )
    .await;
    assert!(matches!(stale, Err(StoreError::ConditionFailed)));
    transactions::finish(
        app,
        FromState::Held(Holder::Claim(&second_claim)),
        &second,
        &paid,
        &event,
        later,
    )
    .await
    .unwrap();
    assert_eq!(status_of(&s, &key, &id).await, "paid");
}

#[tokio::test]
async fn the_sweeper_expires_a_payment_whose_claim_lapsed_but_never_one_held() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let app = &s.running.app;
    let (held, _) = pending_payment(&s, &key, "claim-held").await;
    let (lapsed, _) = pending_payment(&s, &key, "claim-lapsed").await;
    let now = Timestamp::now();
    let hour = Duration::from_secs(3600);
    transactions::claim(
        app,
        &TransactionId::parse(&held).unwrap(),
        now,
        3 * hour,
        SANDBOX,
    )
    .await
    .unwrap();
    transactions::claim(
        app,
        &TransactionId::parse(&lapsed).unwrap(),
        now,
        Duration::ZERO,
        SANDBOX,
    )
    .await
    .unwrap();
    // The sweep of two hours later: both are past `expires_at` (30 minutes); one is still held.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    payrail::payments::expiry::sweep(app, now.plus(2 * hour), deadline)
        .await
        .unwrap();
    assert_eq!(status_of(&s, &key, &held).await, "processing");
    assert_eq!(status_of(&s, &key, &lapsed).await, "expired");
}
