//! Test harness: a whole Payrail stack per test (its own tables and secrets in the shared local
//! emulator, under a unique prefix) served over real HTTP by the local router, which calls the
//! real Lambda handlers.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use payrail_local::{RunningStack, StartOptions, Template, random_token};
use reqwest::Method;
use serde_json::{Value, json};

pub use payrail_local;

pub fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        Template::load(&payrail_local::default_template_path()).expect("template.yaml loads")
    })
}

/// An HTTP answer: status, headers, and the JSON body (`Value::Null` when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `data` of a successful envelope.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// Asserts the status and the envelope's invariants, and returns `self` for chaining.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        assert!(self.header("x-request-id").is_some(), "no X-Request-Id");
        self
    }

    /// Asserts a failure envelope with the status, and that `errors` names `field` if given.
    #[track_caller]
    pub fn expect_error(&self, status: u16, field: Option<&str>) -> &Self {
        self.expect(status);
        assert_eq!(self.body["success"], json!(false), "{}", self.body);
        assert!(
            self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "no message: {}",
            self.body
        );
        let code = self.body["code"].as_str().unwrap_or_default();
        assert!(
            payrail::error::ErrorCode::ALL
                .iter()
                .any(|c| c.as_str() == code),
            "no known code: {}",
            self.body
        );
        if let Some(field) = field {
            assert!(
                self.body["errors"][field].is_array(),
                "errors has no {field}: {}",
                self.body
            );
        }
        self
    }

    /// An error answer with `status` and the machine-readable `code` clients branch on.
    pub fn expect_code(&self, status: u16, code: &str) -> &Self {
        self.expect_error(status, None);
        assert_eq!(self.body["code"], json!(code), "{}", self.body);
        self
    }
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

    /// Sends a request with an optional bearer credential and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        Self::answer(req.send().await.expect("request sent")).await
    }

    pub async fn answer(res: reqwest::Response) -> Answer {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body read");
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(body)).await
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
        let res = self
            .post(
                "/api/v1/keys",
                self.admin(),
                json!({"merchant_id": merchant_id, "label": "test", "scope": scope}),
            )
            .await;
        res.expect(201);
        res.data()["key"].as_str().unwrap().to_owned()
    }

    /// A merchant and a full key for it.
    pub async fn merchant_with_key(&self) -> (String, String) {
        let merchant = self.merchant("Test Shop").await;
        let key = self.key(&merchant, "full").await;
        (merchant, key)
    }
}

/// A valid payment request body for `order_uuid`.
pub fn payment(order_uuid: &str) -> Value {
    json!({
        "order_uuid": order_uuid,
        "total_amount": "25.00",
        "currency": "USD",
        "email": "ann@example.com",
        "success_url": "https://shop.example.com/ok",
        "cancel_url": "https://shop.example.com/cancel",
        "product_title": "Blue mug",
    })
}

/// Waits, if needed, until at least `secs` seconds remain in the current UTC minute, so a test
/// that counts requests in a per-minute window does not straddle two windows.
pub async fn ensure_minute_has(secs: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let into = now.as_secs() % 60;
    if 60 - into < secs {
        let wait = std::time::Duration::from_secs(60 - into)
            - std::time::Duration::from_nanos(u64::from(now.subsec_nanos()));
        tokio::time::sleep(wait + std::time::Duration::from_millis(50)).await;
    }
}

impl TestStack {
    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    /// A new key's whole answer (`data`) for `merchant_id`.
    /// Pays transaction `id` on its hosted checkout page with test `card`, as a customer's
    /// browser would post the form; answers the page's status (303 when it settled).
    pub async fn pay(&self, id: &str, card: &str) -> u16 {
        let txn_id = payrail::ids::TransactionId::parse(id).expect("a transaction id");
        let token = payrail::store::transactions::get(&self.running.app, &txn_id)
            .await
            .unwrap()
            .expect("the transaction exists")
            .checkout_token;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        client
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

    /// A new payment request's transaction id.
    pub async fn payment_id(&self, key: &str, body: Value) -> String {
        let res = self.post("/api/v1/payment-requests", key, body).await;
        res.expect(201);
        res.data()["transaction_id"].as_str().unwrap().to_owned()
    }

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
}

pub use receiver::{Delivery, Receiver};

mod receiver {
    //! A webhook receiver on 127.0.0.1 that records every request as sent and answers with
    //! the statuses it is told to.

    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    #[derive(Debug, Clone)]
    pub struct Delivery {
        pub path: String,
        /// Header names in lower case.
        pub headers: Vec<(String, String)>,
        /// The body exactly as received.
        pub body: Vec<u8>,
    }

    impl Delivery {
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        }

        pub fn json(&self) -> serde_json::Value {
            serde_json::from_slice(&self.body).unwrap()
        }
    }

    /// Answers: (status, extra header lines).
    type Script = VecDeque<(u16, &'static str)>;

    pub struct Receiver {
        pub url: String,
        seen: Arc<Mutex<Vec<Delivery>>>,
        script: Arc<Mutex<Script>>,
        /// The status (0 hangs) and delay of answers once the script has run out.
        otherwise: Arc<Mutex<(u16, Duration)>>,
    }

    impl Receiver {
        /// Answers 200 unless `answer` was given statuses to use first.
        pub async fn start() -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/hooks", listener.local_addr().unwrap());
            let seen = Arc::new(Mutex::new(Vec::new()));
            let script: Arc<Mutex<Script>> = Arc::default();
            let otherwise = Arc::new(Mutex::new((200, Duration::ZERO)));
            let (s, sc, ot) = (seen.clone(), script.clone(), otherwise.clone());
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let (s, sc, ot) = (s.clone(), sc.clone(), ot.clone());
                    tokio::spawn(async move {
                        let Some(delivery) = read_request(&mut stream).await else {
                            return;
                        };
                        s.lock().unwrap().push(delivery);
                        let scripted = sc.lock().unwrap().pop_front();
                        let (status, extra, delay) = match scripted {
                            Some((status, extra)) => (status, extra, Duration::ZERO),
                            None => {
                                let (status, delay) = *ot.lock().unwrap();
                                (status, "", delay)
                            }
                        };
                        tokio::time::sleep(delay).await;
                        if status == 0 {
                            // Hang: hold the connection without answering.
                            tokio::time::sleep(Duration::from_secs(60)).await;
                            return;
                        }
                        let reply = format!(
                            "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n{extra}\r\nok"
                        );
                        let _ = stream.write_all(reply.as_bytes()).await;
                    });
                }
            });
            Self {
                url,
                seen,
                script,
                otherwise,
            }
        }

        /// The next answers, in order (`extra` is header lines ending in CRLF, or ""); status 0
        /// hangs without answering.
        pub fn answer(&self, answers: &[(u16, &'static str)]) {
            self.script.lock().unwrap().extend(answers.iter().copied());
        }

        /// Once the scripted answers are used up, answers `status` (0 hangs) after `delay`.
        pub fn otherwise(&self, status: u16, delay: Duration) {
            *self.otherwise.lock().unwrap() = (status, delay);
        }

        pub fn deliveries(&self) -> Vec<Delivery> {
            self.seen.lock().unwrap().clone()
        }

        /// Waits until `n` requests have arrived (up to `within`), and answers them.
        pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Delivery> {
            let deadline = tokio::time::Instant::now() + within;
            loop {
                let seen = self.deliveries();
                if seen.len() >= n || tokio::time::Instant::now() > deadline {
                    return seen;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Delivery> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let header_end = loop {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
        };
        let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
        let mut lines = head.split("\r\n");
        let path = lines.next()?.split(' ').nth(1)?.to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = buf[header_end + 4..].to_vec();
        while body.len() < len {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        Some(Delivery {
            path,
            headers,
            body,
        })
    }
}

pub mod browser {
    //! Headless Chromium (Debian's `chromium`), driven through `chromedriver` with fantoccini.
    //! Screenshots go to `target/test-output/`.

    use std::path::PathBuf;
    use std::process::Stdio;
    use std::time::Duration;

    use fantoccini::{Client, ClientBuilder, Locator};
    use serde_json::{Value, json};

    pub struct Browser {
        pub client: Client,
        _driver: tokio::process::Child,
        /// chromedriver's port, for what WebDriver itself does not offer (the console log).
        driver_port: u16,
        profile: PathBuf,
    }

    /// Where screenshots are kept after the run.
    pub fn output_dir() -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-output");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    impl Browser {
        /// A fresh browser with an empty profile; `None` (the test skips) only when
        /// chromedriver is missing and `PAYRAIL_SKIP_BROWSER=1` says that is expected.
        pub async fn launch(width: u32, height: u32) -> Option<Self> {
            let Some((driver, port)) = chromedriver().await else {
                if std::env::var("PAYRAIL_SKIP_BROWSER").as_deref() == Ok("1") {
                    eprintln!("skipped: chromedriver is not installed and PAYRAIL_SKIP_BROWSER=1");
                    return None;
                }
                panic!(
                    "chromedriver is not installed: `apt-get install chromium chromium-driver` (make test does this as root)"
                );
            };
            let profile =
                std::env::temp_dir().join(format!("payrail-chromium-{}", unique_suffix()));
            let caps = json!({
                "goog:chromeOptions": {
                    "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        format!("--window-size={width},{height}"),
                        format!("--user-data-dir={}", profile.display()),
                    ]
                },
                // Keeps the page's console (errors, CSP violations) for `console_errors`.
                "goog:loggingPrefs": {"browser": "ALL"}
            });
            let client =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.as_object().unwrap().clone())
                    .connect(&format!("http://127.0.0.1:{port}"))
                    .await
                    .expect("chromedriver starts Chromium");
            Some(Self {
                client,
                _driver: driver,
                driver_port: port,
                profile,
            })
        }

        pub async fn goto(&self, url: &str) {
            self.client.goto(url).await.unwrap();
        }

        /// The first element matching `css`.
        pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
            self.client
                .find(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("no element {css}: {e}"))
        }

        pub async fn text(&self, css: &str) -> String {
            self.find(css).await.text().await.unwrap()
        }

        /// The current `value` of an input.
        pub async fn value(&self, css: &str) -> String {
            self.find(css)
                .await
                .prop("value")
                .await
                .unwrap()
                .unwrap_or_default()
        }

        pub async fn fill(&self, css: &str, text: &str) {
            let field = self.find(css).await;
            field.clear().await.unwrap();
            field.send_keys(text).await.unwrap();
        }

        pub async fn click(&self, css: &str) {
            self.find(css).await.click().await.unwrap();
        }

        /// Clicks the button labelled `label` inside the element matching `within`.
        pub async fn click_button(&self, within: &str, label: &str) {
            let clicked = self
                .eval(
                    "const root = document.querySelector(arguments[0]); \
                     const b = root && [...root.querySelectorAll('button')].find(b => b.textContent.trim() === arguments[1]); \
                     if (b && !b.disabled) { b.click(); return true; } return false;",
                    vec![json!(within), json!(label)],
                )
                .await;
            assert_eq!(
                clicked,
                json!(true),
                "no enabled button '{label}' in {within}"
            );
        }

        pub async fn eval(&self, script: &str, args: Vec<Value>) -> Value {
            self.client.execute(script, args).await.unwrap()
        }

        /// Waits (up to 20 s) until the JavaScript expression `condition` is truthy.
        pub async fn until(&self, condition: &str) {
            let script = format!("return !!({condition});");
            let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
            loop {
                if self.eval(&script, vec![]).await == json!(true) {
                    return;
                }
                if tokio::time::Instant::now() > deadline {
                    let body = self.eval("return document.body.innerText", vec![]).await;
                    let _ = self.screenshot("timed-out").await;
                    panic!("timed out waiting for `{condition}`; the page says:\n{body}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        /// The console messages at level SEVERE since the last call: script errors, failed
        /// loads and Content-Security-Policy violations.
        pub async fn console_errors(&self) -> Vec<String> {
            let session = self.client.session_id().await.unwrap().unwrap();
            let url = format!(
                "http://127.0.0.1:{}/session/{session}/se/log",
                self.driver_port
            );
            let log: Value = reqwest::Client::new()
                .post(url)
                .json(&json!({"type": "browser"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            log["value"]
                .as_array()
                .expect("chromedriver answers the browser log")
                .iter()
                .filter(|e| e["level"] == "SEVERE")
                .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                .collect()
        }

        pub async fn screenshot(&self, name: &str) -> PathBuf {
            let png = self.client.screenshot().await.unwrap();
            let path = output_dir().join(format!("{name}.png"));
            std::fs::write(&path, png).unwrap();
            path
        }

        pub async fn close(self) {
            self.client.close().await.unwrap();
            let _ = std::fs::remove_dir_all(&self.profile);
        }
    }

    fn unique_suffix() -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        format!("{}-{nanos}", std::process::id())
    }

    async fn chromedriver() -> Option<(tokio::process::Child, u16)> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = tokio::process::Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some((child, port));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }
}

pub mod authenticator {
    //! An authenticator app, as the tests need one: RFC 6238 codes (SHA-1, 6 digits, 30 s)
    //! from the base32 secret the enrolment showed, computed with totp-rs rather than Payrail.

    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use totp_rs::{Algorithm, Builder, Secret};

    pub const STEP: u64 = 30;

    pub fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// The code for the time step that holds `unix`.
    pub fn code_at(secret: &str, unix: u64) -> String {
        let bytes = Secret::try_from_base32(secret)
            .expect("a base32 secret")
            .as_ref()
            .to_vec();
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_step_duration(STEP)
            .with_secret(bytes)
            .build()
            .expect("a valid secret")
            .generate(unix)
            .to_string()
    }

    /// The code the app shows now.
    pub fn code(secret: &str) -> String {
        code_at(secret, now())
    }

    /// Waits, if needed, until at least `secs` seconds remain in the current step, so that a
    /// test's codes and the server's clock agree on the step.
    pub async fn ensure_step_has(secs: u64) {
        let into = now() % STEP;
        if STEP - into < secs {
            tokio::time::sleep(Duration::from_secs(STEP - into) + Duration::from_millis(200)).await;
        }
    }
}
