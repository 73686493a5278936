//! The `payrail` binary against the local stack: `listen` forwards every event in order, signed
//! as each format's receivers check, and resumes where it stopped, across its own restarts and
//! the API going away; `trigger` makes each event happen; bad configuration is one line.

use std::process::Stdio;
use std::time::Duration;

use payrail::webhooks::signing;
use payrail_tests::{Receiver, TestStack, hex_hmac, payment};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const WAIT: Duration = Duration::from_secs(20);

fn payrail(api_url: &str, key: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_payrail"));
    cmd.args(args)
        .env("PAYRAIL_API_URL", api_url)
        .env("PAYRAIL_API_KEY", key)
        .env("PAYRAIL_CONFIG", "/nonexistent/payrail-config")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// What a listener printed, line by line.
type Lines = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Starts `payrail listen … --json` and answers its signing secret (from its first line) and
/// the lines it prints after.
async fn listen(api_url: &str, key: &str, args: &[&str]) -> (Child, String, Lines) {
    let mut all = vec!["--json", "listen", "--interval", "0.2"];
    all.extend_from_slice(args);
    let mut child = payrail(api_url, key, &all).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(WAIT, lines.next_line())
        .await
        .expect("listen started")
        .unwrap()
        .expect("a first line");
    let started: Value = serde_json::from_str(&first).unwrap();
    let secret = started["listening"]["secret"].as_str().unwrap().to_owned();
    // Keep reading its output so it never blocks on a full pipe.
    let printed = Lines::default();
    let keep = printed.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            keep.lock().unwrap().push(line);
        }
    });
    (child, secret, printed)
}

fn state_file(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!(
        "payrail-cli-{}-{name}",
        &payrail::crypto::random_secret()[..8]
    ));
    dir.join("listen.json").display().to_string()
}

#[tokio::test]
async fn listen_forwards_each_event_in_order_signed_for_every_format() {
    let s = TestStack::start().await;
    let api = s.url("");
    for format in ["standard", "ovgc", "onepay", "ownpay"] {
        let (_, key) = s.merchant_with_key().await;
        let receiver = Receiver::start().await;
        let state = state_file(format);
        let (mut child, secret, printed) = listen(
            &api,
            &key,
            &[
                "--forward-to",
                &receiver.url,
                "--format",
                format,
                "--state",
                &state,
            ],
        )
        .await;
        // Three payments: created, then one paid and one declined.
        let a = s.payment_id(&key, payment(&format!("{format}-a"))).await;
        let b = s.payment_id(&key, payment(&format!("{format}-b"))).await;
        assert_eq!(s.pay(&a, "4242424242424242").await, 303);
        s.pay(&b, payrail::processor::DECLINED_CARD).await;
        // What each format carries: OVGC and OwnPay have no payment.created.
        let expected = match format {
            "ovgc" | "ownpay" => 2,
            _ => 4,
        };
        let got = receiver.wait_for(expected, WAIT).await;
        assert_eq!(got.len(), expected, "{format}: {:?}", got.len());
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(
            receiver.deliveries().len(),
            expected,
            "{format}: nothing twice"
        );
        let ids: Vec<&str> = got
            .iter()
            .map(|d| d.header("webhook-id").unwrap())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "{format}: in the order of the log");
        for d in &got {
            let id = d.header("webhook-id").unwrap();
            let ts: i64 = d.header("webhook-timestamp").unwrap().parse().unwrap();
            let key_bytes = signing::decode_secret(&secret).unwrap();
            assert!(
                signing::verify(
                    &key_bytes,
                    id,
                    ts,
                    &d.body,
                    d.header("webhook-signature").unwrap()
                ),
                "{format}: Standard Webhooks signature"
            );
            let body: Value = serde_json::from_slice(&d.body).unwrap();
            match format {
                "ovgc" => assert_eq!(body["webhook_secret"], secret.as_str()),
                "onepay" => assert_eq!(
                    d.header("signature"),
                    Some(hex_hmac(&secret, &d.body).as_str())
                ),
                "ownpay" => {
                    assert_eq!(
                        d.header("x-ownpay-signature"),
                        Some(hex_hmac(&secret, &d.body).as_str())
                    );
                    assert!(d.header("x-ownpay-event").unwrap().starts_with("payment."));
                }
                _ => assert!(body["type"].as_str().unwrap().starts_with("payment.")),
            }
        }
        // Each delivery is shown with the receiver's answer.
        let shown = printed.lock().unwrap().clone();
        let answered = shown
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["status"] == 200)
            .count();
        assert_eq!(answered, expected, "{format}: {shown:?}");
        child.kill().await.ok();
    }
}

/// A TCP proxy the test can take down and bring back, between the listener and the API.
struct Proxy {
    port: u16,
    task: Option<tokio::task::JoinHandle<()>>,
    upstream: String,
}

impl Proxy {
    async fn start(upstream: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut p = Self {
            port,
            task: None,
            upstream: upstream.to_owned(),
        };
        p.serve(listener);
        p
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let upstream = self.upstream.clone();
        // Connections live in the accept task's set: stopping it drops them all, kept-alive
        // ones included, so the API is really gone.
        self.task = Some(tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                connections.spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
            }
        }));
    }

    fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }

    async fn restart(&mut self) {
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        self.serve(listener);
    }
}

#[tokio::test]
async fn listen_resumes_without_gaps_or_repeats_after_a_restart_and_an_outage() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    let state = state_file("resume");
    let upstream = s.url("").trim_start_matches("http://").to_owned();
    let mut proxy = Proxy::start(&upstream).await;
    let api = format!("http://127.0.0.1:{}", proxy.port);
    let args = [
        "--forward-to",
        receiver.url.as_str(),
        "--state",
        state.as_str(),
    ];

    let (mut child, secret, _) = listen(&api, &key, &args).await;
    s.payment_id(&key, payment("resume-1")).await;
    assert_eq!(receiver.wait_for(1, WAIT).await.len(), 1);
    // Stopped: events made meanwhile are delivered when it starts again, with the same secret.
    child.kill().await.ok();
    s.payment_id(&key, payment("resume-2")).await;
    s.payment_id(&key, payment("resume-3")).await;
    let (mut child, again, printed) = listen(&api, &key, &args).await;
    assert_eq!(again, secret, "the secret is kept with the cursor");
    assert_eq!(receiver.wait_for(3, WAIT).await.len(), 3);

    // The API goes away and comes back: what happened meanwhile arrives, once.
    proxy.stop();
    tokio::time::sleep(Duration::from_millis(600)).await;
    s.payment_id(&key, payment("resume-4")).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    proxy.restart().await;
    let got = receiver.wait_for(4, WAIT).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let got_all = receiver.deliveries();
    assert_eq!(got.len(), 4);
    assert_eq!(got_all.len(), 4, "nothing delivered twice");
    let orders: Vec<String> = got_all
        .iter()
        .map(|d| {
            let body: Value = serde_json::from_slice(&d.body).unwrap();
            body["data"]["order_uuid"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(orders, ["resume-1", "resume-2", "resume-3", "resume-4"]);
    let notes: Vec<String> = printed
        .lock()
        .unwrap()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["note"].as_str().map(str::to_owned))
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("unreachable"))
            && notes.iter().any(|n| n.contains("answers again")),
        "the outage is told, once, and its end: {notes:?}"
    );
    child.kill().await.ok();
}

/// Runs `payrail --json <args>` to its end; it must succeed, and print one JSON value.
async fn run_json(api: &str, key: &str, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = payrail(api, key, &all).output().await.unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn trigger_makes_each_event_happen() {
    let s = TestStack::start_with(&[("PAYRAIL_CHECKOUT_TTL_SECONDS", "2")]).await;
    let (_, key) = s.merchant_with_key().await;
    let api = s.url("");
    for event in [
        "payment.succeeded",
        "payment.declined",
        "payment.refunded",
        "payment.canceled",
    ] {
        let done = run_json(&api, &key, &["trigger", event]).await;
        assert_eq!(done["event"]["type"], event, "{done}");
        let id = done["transaction_id"].as_str().unwrap();
        let txn = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
        let status = match event {
            "payment.succeeded" => "paid",
            "payment.declined" => "declined",
            "payment.refunded" => "refunded",
            _ => "canceled",
        };
        assert_eq!(txn.data()["status"], status, "{event}");
    }
    // payment.expired: once the checkout's lifetime is over, the sweep expires it.
    let child = payrail(&api, &key, &["--json", "trigger", "payment.expired"])
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    payrail_tests::stripe::sweep(&s).await;
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done["event"]["type"], "payment.expired");

    // An event trigger cannot make is refused before anything is created.
    let out = payrail(&api, &key, &["trigger", "payment.disputed"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let txns = s.get("/api/v1/transactions?limit=100", &key).await;
    assert_eq!(txns.data()["items"].as_array().unwrap().len(), 5);
}

/// One line on stderr, a non-zero status, and never a panic or backtrace.
async fn refused(cmd: &mut Command, code: i32, says: &str) {
    let out = cmd.output().await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(says), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_configuration_is_one_clear_line() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let api = s.url("");
    refused(
        payrail(&api, "", &["keys", "list"]).env_remove("PAYRAIL_API_KEY"),
        2,
        "PAYRAIL_API_KEY",
    )
    .await;
    refused(
        &mut payrail("not a url", &key, &["keys", "list"]),
        2,
        "not a URL",
    )
    .await;
    refused(
        &mut payrail("http://127.0.0.1:9", &key, &["keys", "list"]),
        3,
        "unreachable",
    )
    .await;
    let revoked = s.key(&merchant, "full").await;
    let id = payrail::auth::api_key::parse(&revoked).unwrap().0;
    s.call(
        reqwest::Method::DELETE,
        &format!("/api/v1/keys/{id}"),
        Some(&key),
        None,
    )
    .await
    .expect(200);
    refused(&mut payrail(&api, &revoked, &["keys", "list"]), 1, "401").await;
    refused(
        &mut payrail(
            &api,
            &key,
            &[
                "listen",
                "--forward-to",
                "http://127.0.0.1:9",
                "--format",
                "xml",
            ],
        ),
        1,
        "--format",
    )
    .await;
}

#[tokio::test]
async fn keys_logs_and_resend_for_scripts() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let api = s.url("");
    let made = run_json(
        &api,
        &key,
        &["keys", "create", "--label", "ci", "--scope", "read_only"],
    )
    .await;
    assert!(made["key"].as_str().unwrap().starts_with("prl_"));
    let listed = run_json(&api, &key, &["keys", "list"]).await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["id"] == made["id"])
    );
    let revoked = run_json(
        &api,
        &key,
        &["keys", "revoke", made["id"].as_str().unwrap()],
    )
    .await;
    assert_eq!(revoked["status"], "revoked");

    // An event resent: queued again for the merchant's endpoints.
    let id = s.payment_id(&key, payment("resend-1")).await;
    let events = s.get("/api/v1/events?type=payment.created", &key).await;
    let event_id = events.data()["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        events.data()["items"][0]["payload"]["data"]["transaction_id"],
        id.as_str()
    );
    run_json(&api, &key, &["events", "resend", &event_id]).await;

    // logs tail: the requests just made, filtered by status and path, as JSON lines.
    let mut child = payrail(
        &api,
        &key,
        &[
            "--json",
            "logs",
            "tail",
            "--path",
            "/api/v1/keys",
            "--status",
            "2xx",
            "--interval",
            "0.2",
        ],
    )
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(WAIT, lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let entry: Value = serde_json::from_str(&first).unwrap();
    assert!(
        entry["path"].as_str().unwrap().starts_with("/api/v1/keys"),
        "{entry}"
    );
    assert_eq!(entry["status"].as_u64().unwrap() / 100, 2);
    child.kill().await.ok();
}
