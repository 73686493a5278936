//! A whole Payrail stack per test, and the merchants, keys and payments most tests begin with.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use payrail_local::{RunningStack, StartOptions, Template, random_token};
use serde_json::{Value, json};

use super::calls::no_redirects;

/// template.yaml, read once for the whole run: every stack starts from it.
pub fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        Template::load(&payrail_local::default_template_path()).expect("template.yaml loads")
    })
}

pub struct TestStack {
    pub running: RunningStack,
    pub client: reqwest::Client,
}

impl TestStack {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts a stack whose settings override the template's (`PAYRAIL_CHECKOUT_TTL_SECONDS`…).
    pub async fn start_with(overrides: &[(&str, &str)]) -> Self {
        Self::launch(overrides, false).await
    }

    /// A stack with its queue and stream consumers running (webhook delivery), allowing
    /// loopback receivers over plain HTTP, with `overrides` on top.
    pub async fn start_with_webhooks(overrides: &[(&str, &str)]) -> Self {
        let mut all = vec![
            ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
            ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
            ("PAYRAIL_RETRY_SCHEDULE", "0,1,1"),
        ];
        all.extend_from_slice(overrides);
        Self::launch(&all, true).await
    }

    async fn launch(overrides: &[(&str, &str)], event_sources: bool) -> Self {
        let prefix =
            format!("t{}", &random_token("").to_ascii_lowercase()[..10]).replace(['-', '_'], "x");
        let running = payrail_local::start(
            template(),
            StartOptions {
                prefix,
                admin_token: None,
                no_schedules: true,
                no_event_sources: !event_sources,
                port: 0,
                // The Stripe stand-in `make test` started, then the test's own settings.
                overrides: ["PAYRAIL_STRIPE_API_BASE", "PAYRAIL_STRIPE_JS_URL"]
                    .into_iter()
                    .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_owned(), v)))
                    .chain(
                        overrides
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string())),
                    )
                    .collect::<BTreeMap<_, _>>(),
            },
        )
        .await
        .expect("the local stack starts (is the emulator running? use `make test`)");
        Self {
            running,
            client: reqwest::Client::new(),
        }
    }

    /// Starts the stream and queue consumers of a stack started without them.
    pub async fn start_webhook_consumers(&mut self) -> Vec<tokio::task::JoinHandle<()>> {
        self.running
            .start_event_sources(template())
            .await
            .expect("consumers start")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.running.base_url(), path)
    }

    pub fn admin(&self) -> &str {
        &self.running.admin_token
    }

    /// A new merchant's id.
    pub async fn merchant(&self, name: &str) -> String {
        let res = self
            .post("/api/v1/merchants", self.admin(), json!({"name": name}))
            .await;
        res.expect(201);
        res.data()["id"].as_str().unwrap().to_owned()
    }

    /// A new API key (the whole key) for `merchant_id`.
    pub async fn key(&self, merchant_id: &str, scope: &str) -> String {
        self.key_object(merchant_id, "test", scope).await["key"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A new key's whole answer (`data`) for `merchant_id`.
    pub async fn key_object(&self, merchant_id: &str, label: &str, scope: &str) -> Value {
        let res = self
            .post(
                "/api/v1/keys",
                self.admin(),
                json!({"merchant_id": merchant_id, "label": label, "scope": scope}),
            )
            .await;
        res.expect(201);
        res.data().clone()
    }

    /// A merchant and a full key for it.
    pub async fn merchant_with_key(&self) -> (String, String) {
        let merchant = self.merchant("Test Shop").await;
        let key = self.key(&merchant, "full").await;
        (merchant, key)
    }

    /// A new payment request's transaction id.
    pub async fn payment_id(&self, key: &str, body: Value) -> String {
        let res = self.post("/api/v1/payment-requests", key, body).await;
        res.expect(201);
        res.data()["transaction_id"].as_str().unwrap().to_owned()
    }

    /// How many events of type `kind` the merchant of `key` has (up to 100).
    pub async fn count_events(&self, key: &str, kind: &str) -> usize {
        let res = self
            .get(&format!("/api/v1/events?type={kind}&limit=100"), key)
            .await;
        res.expect(200);
        res.data()["items"].as_array().unwrap().len()
    }

    /// Pays transaction `id` on its hosted checkout page with test `card`, as a customer's
    /// browser would post the form; answers the page's status (303 when it settled).
    pub async fn pay(&self, id: &str, card: &str) -> u16 {
        let txn_id = payrail::ids::TransactionId::parse(id).expect("a transaction id");
        let token = payrail::store::transactions::get(&self.running.app, &txn_id)
            .await
            .unwrap()
            .expect("the transaction exists")
            .checkout_token;
        no_redirects()
            .post(self.url(&format!("/checkout/{id}")))
            .form(&[
                ("token", token.as_str()),
                ("card_number", card),
                ("exp_month", "12"),
                ("exp_year", "2031"),
                ("cvc", "123"),
                ("cardholder_name", "Ann Lee"),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}
