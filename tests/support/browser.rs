//! Headless Chromium (Debian's `chromium`), driven through `chromedriver` with fantoccini.
//! Screenshots go to `target/test-output/`. The Developer Hub's page object is `Hub`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

mod hub;

pub use hub::Hub;

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
        let profile = std::env::temp_dir().join(format!("payrail-chromium-{}", unique_suffix()));
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
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
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
        self.until_with(condition, vec![]).await;
    }

    /// `until`, with `args` as `arguments[0]`… in `condition`: selectors and texts are passed
    /// as values rather than spliced into the script, so their quotes need no escaping.
    pub async fn until_with(&self, condition: &str, args: Vec<Value>) {
        let script = format!("return !!({condition});");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if self.eval(&script, args.clone()).await == json!(true) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let body = self.eval("return document.body.innerText", vec![]).await;
                let _ = self.screenshot("timed-out").await;
                panic!("timed out waiting for `{condition}` with {args:?}; the page says:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // The waits below are the conditions the page tests wait on again and again, each named
    // for what it waits for; anything else is `until` with its own expression.

    /// Waits until an element matches `css` (a page drawn after a fetch has it only then).
    pub async fn wait_for(&self, css: &str) {
        self.until_with("document.querySelector(arguments[0])", vec![json!(css)])
            .await;
    }

    /// Waits until the element matching `css` is there and not `hidden`.
    pub async fn wait_shown(&self, css: &str) {
        self.until_with(
            "(e => e && !e.hidden)(document.querySelector(arguments[0]))",
            vec![json!(css)],
        )
        .await;
    }

    /// Waits until exactly `n` elements match `css`.
    pub async fn wait_count(&self, css: &str, n: usize) {
        self.until_with(
            "document.querySelectorAll(arguments[0]).length === arguments[1]",
            vec![json!(css), json!(n)],
        )
        .await;
    }

    /// Waits until the text of the element matching `css` includes `text`.
    pub async fn wait_text(&self, css: &str, text: &str) {
        self.until_with(
            "document.querySelector(arguments[0])?.textContent.includes(arguments[1])",
            vec![json!(css), json!(text)],
        )
        .await;
    }

    /// Waits until the text of the element matching `css` is exactly `text`.
    pub async fn wait_text_is(&self, css: &str, text: &str) {
        self.until_with(
            "document.querySelector(arguments[0])?.textContent === arguments[1]",
            vec![json!(css), json!(text)],
        )
        .await;
    }

    /// Whether the element matching `css` has the boolean property `property` (`hidden`,
    /// `disabled`) set now, for asserting a state the page is already in.
    pub async fn is(&self, css: &str, property: &str) -> bool {
        let found = self
            .eval(
                "const e = document.querySelector(arguments[0]); \
                 return e ? e[arguments[1]] : null;",
                vec![json!(css), json!(property)],
            )
            .await;
        found
            .as_bool()
            .unwrap_or_else(|| panic!("no element {css} with a boolean {property}: {found}"))
    }

    /// Sets a `<select>` as a person choosing an option would: the value, then the `change`
    /// event the page listens for (setting the value alone fires none).
    pub async fn choose(&self, css: &str, value: &str) {
        self.eval(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
             s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(css), json!(value)],
        )
        .await;
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
