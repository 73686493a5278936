//! `make load`: a bounded load run against a running local stack (scripts/load.sh starts it as
//! `make dev` does). Several merchants, each with a full key and a webhook endpoint on a
//! receiver in this process; C workers run N requests as whole payments (create → checkout page
//! → pay with the sandbox card → look the transaction up). Then, within a time limit, every
//! event in the merchants' event logs must reach the receiver, correctly signed, and every paid
//! transaction must have exactly one `payment.succeeded` event. Writes bench/load.json and exits
//! non-zero on any 5xx, transport error or broken invariant.
//!
//! `PAYRAIL_BASE_URL` and `PAYRAIL_ADMIN_TOKEN` name the stack; `LOAD_REQUESTS` (5000),
//! `LOAD_CONCURRENCY` (32), `LOAD_MERCHANTS` (4), `LOAD_WAIT_SECONDS` (180) and `LOAD_JSON`
//! (bench/load.json) shape the run; `LOAD_WATCH` (`name=pid,…`) names processes whose CPU time
//! over the workload the report gives (scripts/load.sh: the emulator and payrail-local).

// Only the percentiles of the shared helpers are used here.
#[allow(dead_code)]
#[path = "stats.rs"]
mod stats;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use payrail::webhooks::signing;
use serde_json::{Value, json};

/// Requests of one payment: create, page, pay, lookup.
const REQUESTS_PER_PAYMENT: usize = 4;
const CARD_OK: &str = "4242424242424242";
const CARD_DECLINED: &str = "4000000000000002";

struct Options {
    base: String,
    admin: String,
    requests: usize,
    concurrency: usize,
    merchants: usize,
    wait: Duration,
    out: PathBuf,
    watch: Vec<(String, u32)>,
}

impl Options {
    fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let num = |k: &str, default: usize| {
            var(k)
                .map(|v| {
                    v.parse()
                        .unwrap_or_else(|_| panic!("{k}={v} is not a number"))
                })
                .unwrap_or(default)
        };
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        Self {
            base: var("PAYRAIL_BASE_URL").expect("PAYRAIL_BASE_URL: the running local stack"),
            admin: var("PAYRAIL_ADMIN_TOKEN").expect("PAYRAIL_ADMIN_TOKEN: its admin token"),
            requests: num("LOAD_REQUESTS", 5000).max(REQUESTS_PER_PAYMENT),
            concurrency: num("LOAD_CONCURRENCY", 32).max(1),
            merchants: num("LOAD_MERCHANTS", 4).max(1),
            wait: Duration::from_secs(num("LOAD_WAIT_SECONDS", 180) as u64),
            out: var("LOAD_JSON")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("bench/load.json")),
            watch: watched(&var("LOAD_WATCH").unwrap_or_default()),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
enum Op {
    Create,
    Page,
    Pay,
    Lookup,
}

impl Op {
    const ALL: [Op; 4] = [Op::Create, Op::Page, Op::Pay, Op::Lookup];

    fn route(self) -> &'static str {
        match self {
            Op::Create => "POST /api/v1/payment-requests",
            Op::Page => "GET /checkout/{id}",
            Op::Pay => "POST /checkout/{id}",
            Op::Lookup => "GET /api/v1/transactions/{id}",
        }
    }
}

/// One request: its operation, status (0: no answer) and time to the whole answer.
struct Sample {
    op: Op,
    status: u16,
    took: Duration,
}

/// One payment as the workload saw it.
struct Payment {
    merchant: usize,
    id: String,
    /// The card was the sandbox's declining one.
    declined_card: bool,
    /// What the checkout's redirect said: `paid` (success URL) or `declined` (cancel URL).
    checkout: Option<&'static str>,
    /// `status` of the lookup after paying.
    looked_up: Option<String>,
}

struct Merchant {
    key: String,
    secret: Vec<u8>,
}

/// `name=pid,name=pid` → the processes to watch.
fn watched(spec: &str) -> Vec<(String, u32)> {
    spec.split(',')
        .filter_map(|p| p.split_once('='))
        .filter_map(|(name, pid)| Some((name.trim().to_owned(), pid.trim().parse().ok()?)))
        .collect()
}

/// The `token` hidden field of a checkout page.
fn form_token(html: &str) -> Option<&str> {
    const FIELD: &str = r#"name="token" value=""#;
    let rest = &html[html.find(FIELD)? + FIELD.len()..];
    rest.split('"').next().filter(|t| !t.is_empty())
}

const SUCCESS_URL: &str = "https://shop.example.com/ok";
const CANCEL_URL: &str = "https://shop.example.com/cancel";

/// The outcome a checkout's redirect tells: the success URL when paid, the cancel URL
/// otherwise, each with `?transaction_id=…` added.
fn checkout_outcome(location: &str) -> Option<&'static str> {
    match location.split('?').next()? {
        SUCCESS_URL => Some("paid"),
        CANCEL_URL => Some("declined"),
        _ => None,
    }
}

/// Count, p50, p99 and max (ms) of `samples`.
fn summary(samples: &[Duration]) -> Value {
    json!({
        "count": samples.len(),
        "p50_ms": stats::r2(stats::percentile_ms(samples, 50.0)),
        "p99_ms": stats::r2(stats::percentile_ms(samples, 99.0)),
        "max_ms": stats::r2(samples.iter().max().map_or(0.0, |d| stats::ms(*d))),
    })
}

/// A delivery as received, verified later against its endpoint's secret.
#[derive(Clone)]
struct Receipt {
    /// The merchant whose endpoint it reached (`/hooks/{n}`).
    merchant: Option<usize>,
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

/// Whether a receipt carries a valid Standard Webhooks signature made with `secret`.
fn verified(secret: &[u8], r: &Receipt) -> bool {
    r.timestamp
        .parse::<i64>()
        .is_ok_and(|ts| signing::verify(secret, &r.id, ts, &r.body, &r.signature))
}

/// A loopback receiver answering 200 to everything, keeping every request.
async fn start_receiver() -> (String, Arc<Mutex<Vec<Receipt>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let receipts: Arc<Mutex<Vec<Receipt>>> = Arc::default();
    let kept = receipts.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: hyper::Request<_>| {
                    let kept = kept.clone();
                    async move {
                        let header = |name: &str| {
                            req.headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned()
                        };
                        let (id, timestamp, signature) = (
                            header("webhook-id"),
                            header("webhook-timestamp"),
                            header("webhook-signature"),
                        );
                        let merchant = req
                            .uri()
                            .path()
                            .rsplit('/')
                            .next()
                            .and_then(|n| n.parse().ok());
                        let body: hyper::body::Incoming = req.into_body();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes().to_vec())
                            .unwrap_or_default();
                        kept.lock().unwrap().push(Receipt {
                            merchant,
                            id,
                            timestamp,
                            signature,
                            body,
                        });
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                            Bytes::from_static(b"ok"),
                        )))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (url, receipts)
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    /// An API call that must succeed; answers the envelope.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = res.status();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        assert!(
            status.is_success() && v["success"] == true,
            "{path}: {status} {v}"
        );
        v
    }

    /// Every event of a merchant's log (of `kind`, or all), following the cursor.
    async fn events(&self, key: &str, kind: Option<&str>) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = "/api/v1/events?limit=100".to_owned();
            if let Some(k) = kind {
                path.push_str(&format!("&type={k}"));
            }
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={}", urlencode(c)));
            }
            let page = self.call(reqwest::Method::GET, &path, key, None).await;
            out.extend(
                page["data"]["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
            match page["data"]["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// One payment through the API, as a shop and its customer make it; every request recorded.
async fn one_payment(
    http: &reqwest::Client,
    base: &str,
    merchant: usize,
    key: &str,
    n: usize,
    run: &str,
    samples: &mut Vec<Sample>,
) -> Option<Payment> {
    async fn timed(
        op: Op,
        samples: &mut Vec<Sample>,
        req: reqwest::RequestBuilder,
    ) -> Option<(u16, Option<String>, String)> {
        let started = Instant::now();
        let answer = async {
            let res = req.send().await?;
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            Ok::<_, reqwest::Error>((status, location, res.text().await?))
        }
        .await;
        let status = answer.as_ref().map_or(0, |a| a.0);
        samples.push(Sample {
            op,
            status,
            took: started.elapsed(),
        });
        match answer {
            Ok(a) => Some(a),
            Err(e) => {
                eprintln!("load: {} failed: {e}", op.route());
                None
            }
        }
    }
    let declined_card = n % 10 == 9;
    let body = json!({
        "order_uuid": format!("load-{run}-{n}"),
        "total_amount": "25.00",
        "currency": "USD",
        "email": "ann@example.com",
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
        "product_title": "Blue mug",
    });
    let req = http
        .post(format!("{base}/api/v1/payment-requests"))
        .bearer_auth(key)
        .json(&body);
    let (status, _, text) = timed(Op::Create, samples, req).await?;
    if status != 201 {
        return None;
    }
    let created: Value = serde_json::from_str(&text).ok()?;
    let id = created["data"]["transaction_id"].as_str()?.to_owned();
    let mut payment = Payment {
        merchant,
        id: id.clone(),
        declined_card,
        checkout: None,
        looked_up: None,
    };
    let page = http.get(format!("{base}/checkout/{id}"));
    let (status, _, html) = timed(Op::Page, samples, page).await?;
    let token = form_token(&html).filter(|_| status == 200)?.to_owned();
    let card = if declined_card {
        CARD_DECLINED
    } else {
        CARD_OK
    };
    let form = http.post(format!("{base}/checkout/{id}")).form(&[
        ("token", token.as_str()),
        ("card_number", card),
        ("exp_month", "12"),
        ("exp_year", "2031"),
        ("cvc", "123"),
        ("cardholder_name", "Ann Lee"),
    ]);
    let (_, location, _) = timed(Op::Pay, samples, form).await?;
    payment.checkout = location.as_deref().and_then(checkout_outcome);
    let lookup = http
        .get(format!("{base}/api/v1/transactions/{id}"))
        .bearer_auth(key);
    if let Some((200, _, text)) = timed(Op::Lookup, samples, lookup).await {
        payment.looked_up = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["data"]["status"].as_str().map(str::to_owned));
    }
    Some(payment)
}

/// What the receiver has seen, per distinct `webhook-id`.
#[derive(Default)]
struct Ledger {
    /// webhook-id → (times received, verified with the endpoint's secret at least once).
    seen: HashMap<String, (usize, bool)>,
    bad_signatures: usize,
    processed: usize,
}

impl Ledger {
    fn absorb(&mut self, receipts: &[Receipt], merchants: &[Merchant]) {
        for r in &receipts[self.processed..] {
            let ok = r
                .merchant
                .and_then(|m| merchants.get(m))
                .is_some_and(|m| verified(&m.secret, r));
            if !ok {
                self.bad_signatures += 1;
            }
            let entry = self.seen.entry(r.id.clone()).or_default();
            entry.0 += 1;
            entry.1 |= ok;
        }
        self.processed = receipts.len();
    }

    fn delivered(&self, id: &str) -> bool {
        self.seen.get(id).is_some_and(|e| e.1)
    }
}

/// One invariant's line in the report.
fn invariant(name: &str, checked: usize, failures: usize) -> Value {
    json!({"invariant": name, "checked": checked, "failures": failures, "ok": failures == 0})
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_default();
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "arch": std::env::consts::ARCH,
    })
}

#[tokio::main]
async fn main() {
    let opts = Options::from_env();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(opts.concurrency)
        .build()
        .unwrap();
    let api = Api {
        http: http.clone(),
        base: opts.base.clone(),
    };
    let run = payrail_local::random_token("")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(6)
        .collect::<String>();

    // Setup: merchants with a limit no run reaches, a full key and an endpoint each.
    let (receiver_url, receipts) = start_receiver().await;
    let post = reqwest::Method::POST;
    let mut merchants = Vec::new();
    for m in 0..opts.merchants {
        let merchant = api
            .call(
                post.clone(),
                "/api/v1/merchants",
                &opts.admin,
                Some(json!({"name": format!("Load Shop {m}"), "rate_limit_per_minute": 100_000})),
            )
            .await;
        let merchant_id = merchant["data"]["id"].as_str().unwrap().to_owned();
        let key = api
            .call(
                post.clone(),
                "/api/v1/keys",
                &opts.admin,
                Some(json!({"merchant_id": merchant_id, "label": "load", "scope": "full"})),
            )
            .await["data"]["key"]
            .as_str()
            .unwrap()
            .to_owned();
        let endpoint = api
            .call(
                post.clone(),
                "/api/v1/webhook-endpoints",
                &key,
                Some(json!({"url": format!("{receiver_url}/{m}"), "description": "load receiver"})),
            )
            .await;
        let secret = signing::decode_secret(endpoint["data"]["secret"].as_str().unwrap())
            .expect("a whsec_ secret");
        merchants.push(Merchant { key, secret });
    }
    let merchants = Arc::new(merchants);

    // The workload.
    let payments_wanted = opts.requests / REQUESTS_PER_PAYMENT;
    eprintln!(
        "load: {} payments ({} requests), {} concurrent, {} merchants, against {}",
        payments_wanted,
        payments_wanted * REQUESTS_PER_PAYMENT,
        opts.concurrency,
        opts.merchants,
        opts.base
    );
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before: Vec<Option<Duration>> = opts
        .watch
        .iter()
        .map(|(_, pid)| stats::process_cpu(*pid))
        .collect();
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..opts.concurrency {
        let (http, base, next, merchants, run) = (
            http.clone(),
            opts.base.clone(),
            next.clone(),
            merchants.clone(),
            run.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut payments = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= payments_wanted {
                    return (samples, payments);
                }
                if n > 0 && n % 250 == 0 {
                    eprintln!("load: {n} payments started");
                }
                let m = n % merchants.len();
                if let Some(p) =
                    one_payment(&http, &base, m, &merchants[m].key, n, &run, &mut samples).await
                {
                    payments.push(p);
                }
            }
        }));
    }
    let mut samples: Vec<Sample> = Vec::new();
    let mut payments: Vec<Payment> = Vec::new();
    for w in workers {
        let (s, p) = w.await.unwrap();
        samples.extend(s);
        payments.extend(p);
    }
    let duration = started.elapsed();
    let workload_end = Instant::now();
    let delivered_during = receipts.lock().unwrap().len();
    let mut cpu = serde_json::Map::new();
    for ((name, pid), before) in opts.watch.iter().zip(cpu_before) {
        if let (Some(before), Some(after)) = (before, stats::process_cpu(*pid)) {
            let used = (after - before).as_secs_f64();
            cpu.insert(
                name.clone(),
                json!({
                    "cpu_s": stats::r2(used),
                    "share_of_one_core": stats::r2(used / duration.as_secs_f64()),
                }),
            );
        }
    }
    eprintln!(
        "load: {} requests in {:.1} s",
        samples.len(),
        duration.as_secs_f64()
    );

    // Per operation and overall latency; statuses.
    let mut operations = serde_json::Map::new();
    for op in Op::ALL {
        let times: Vec<Duration> = samples
            .iter()
            .filter(|s| s.op == op)
            .map(|s| s.took)
            .collect();
        let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
        for s in samples.iter().filter(|s| s.op == op) {
            *statuses.entry(s.status.to_string()).or_default() += 1;
        }
        let mut v = summary(&times);
        v["route"] = json!(op.route());
        v["statuses"] = json!(statuses);
        operations.insert(format!("{op:?}").to_lowercase(), v);
    }
    let all: Vec<Duration> = samples.iter().map(|s| s.took).collect();
    let count_where = |f: &dyn Fn(&Sample) -> bool| samples.iter().filter(|s| f(s)).count();
    let status_5xx = count_where(&|s| s.status >= 500);
    let no_answer = count_where(&|s| s.status == 0);
    let mut status_4xx: BTreeMap<String, usize> = BTreeMap::new();
    for s in samples.iter().filter(|s| (400..500).contains(&s.status)) {
        *status_4xx
            .entry(format!("{} {}", s.op.route(), s.status))
            .or_default() += 1;
    }

    // The event logs, read through the API: all of them, and payment.succeeded alone.
    let mut all_events: Vec<(usize, Value)> = Vec::new();
    let mut succeeded: Vec<(usize, Value)> = Vec::new();
    for (m, merchant) in merchants.iter().enumerate() {
        for e in api.events(&merchant.key, None).await {
            all_events.push((m, e));
        }
        for e in api.events(&merchant.key, Some("payment.succeeded")).await {
            succeeded.push((m, e));
        }
    }
    let event_id = |e: &Value| e["id"].as_str().unwrap_or_default().to_owned();

    // Wait, within the limit, for every event to be delivered.
    let mut ledger = Ledger::default();
    let deadline = Instant::now() + opts.wait;
    let all_delivered_after = loop {
        ledger.absorb(&receipts.lock().unwrap(), &merchants);
        let missing = all_events
            .iter()
            .filter(|(_, e)| !ledger.delivered(&event_id(e)))
            .count();
        if missing == 0 {
            break Some(workload_end.elapsed());
        }
        if Instant::now() > deadline {
            eprintln!(
                "load: {missing} events still undelivered after {:?}",
                opts.wait
            );
            break None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Redeliveries that land a moment later still count towards the totals.
    tokio::time::sleep(Duration::from_millis(500)).await;
    ledger.absorb(&receipts.lock().unwrap(), &merchants);

    // The invariants.
    let paid: HashSet<(usize, &str)> = payments
        .iter()
        .filter(|p| p.checkout == Some("paid"))
        .map(|p| (p.merchant, p.id.as_str()))
        .collect();
    let mut succeeded_per_txn: HashMap<(usize, &str), usize> = HashMap::new();
    for (m, e) in &succeeded {
        let txn = e["payload"]["data"]["transaction_id"]
            .as_str()
            .unwrap_or("");
        *succeeded_per_txn.entry((*m, txn)).or_default() += 1;
    }
    let not_exactly_one = paid
        .iter()
        .filter(|k| succeeded_per_txn.get(*k) != Some(&1))
        .count();
    let stray = succeeded_per_txn
        .iter()
        .filter(|(k, _)| !paid.contains(*k))
        .map(|(_, n)| n)
        .sum::<usize>();
    let outcome_mismatch = payments
        .iter()
        .filter(|p| {
            let want = if p.declined_card { "declined" } else { "paid" };
            p.checkout != Some(want) || p.looked_up.as_deref() != Some(want)
        })
        .count();
    let undelivered = |events: &[(usize, Value)]| {
        events
            .iter()
            .filter(|(_, e)| !ledger.delivered(&event_id(e)))
            .count()
    };
    let unique = ledger.seen.len();
    let received = ledger.processed;
    let invariants = vec![
        invariant(
            "no 5xx and no request without an answer",
            samples.len(),
            status_5xx + no_answer,
        ),
        invariant(
            "every payment completed, and its checkout and lookup agree with its card (paid, or declined)",
            payments_wanted,
            payments_wanted - payments.len() + outcome_mismatch,
        ),
        invariant(
            "every paid transaction has exactly one payment.succeeded event, and no other transaction has one",
            paid.len(),
            not_exactly_one + stray,
        ),
        invariant(
            "every payment.succeeded event has a verified delivery",
            succeeded.len(),
            undelivered(&succeeded),
        ),
        invariant(
            "no event without a verified delivery (every type in the event log)",
            all_events.len(),
            undelivered(&all_events),
        ),
        invariant(
            "every delivery is signed with its endpoint's secret",
            received,
            ledger.bad_signatures,
        ),
    ];
    let ok = invariants.iter().all(|i| i["ok"] == true);
    let mut event_types: BTreeMap<String, usize> = BTreeMap::new();
    for (_, e) in &all_events {
        *event_types
            .entry(e["type"].as_str().unwrap_or("?").to_owned())
            .or_default() += 1;
    }

    let report = json!({
        "generated_at": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
        "machine": machine(),
        "build": "dev",
        "requests": samples.len(),
        "concurrency": opts.concurrency,
        "merchants": opts.merchants,
        "payments": payments_wanted,
        "declined_cards": payments.iter().filter(|p| p.declined_card).count(),
        "paid": paid.len(),
        "duration_s": stats::r2(duration.as_secs_f64()),
        "requests_per_s": stats::r2(samples.len() as f64 / duration.as_secs_f64()),
        "payments_per_s": stats::r2(payments.len() as f64 / duration.as_secs_f64()),
        "operations": operations,
        "cpu_during_workload": cpu,
        "overall": summary(&all),
        "status_5xx": status_5xx,
        "no_answer": no_answer,
        "status_4xx": status_4xx,
        "events": event_types,
        "webhooks": {
            "received": received,
            "received_during_requests": delivered_during,
            "distinct": unique,
            "redelivered": received - unique,
            "all_delivered_after_s": all_delivered_after.map(|d| stats::r2(d.as_secs_f64())),
            "wait_limit_s": opts.wait.as_secs(),
        },
        "invariants": invariants,
        "ok": ok,
    });
    std::fs::write(
        &opts.out,
        serde_json::to_string_pretty(&report).unwrap() + "\n",
    )
    .unwrap();
    eprintln!("load: wrote {}", opts.out.display());
    eprintln!(
        "load: {:.1} requests/s; p50 {} ms, p99 {} ms overall; {} 5xx, {} without an answer",
        samples.len() as f64 / duration.as_secs_f64(),
        report["overall"]["p50_ms"],
        report["overall"]["p99_ms"],
        status_5xx,
        no_answer
    );
    for i in report["invariants"].as_array().unwrap() {
        eprintln!(
            "load: {} {} ({} checked, {} failing)",
            if i["ok"] == true { "ok  " } else { "FAIL" },
            i["invariant"].as_str().unwrap(),
            i["checked"],
            i["failures"]
        );
    }
    if !ok {
        eprintln!("load: FAILED");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_form_token() {
        let html =
            r#"<form><input type="hidden" name="token" value="ct_abc-123"><input name="x"></form>"#;
        assert_eq!(form_token(html), Some("ct_abc-123"));
        assert_eq!(form_token(r#"<input name="token" value="">"#), None);
        assert_eq!(form_token("<p>paid</p>"), None);
    }

    #[test]
    fn parses_the_processes_to_watch() {
        assert_eq!(
            watched("emulator=12, payrail-local=34,bad=x,junk"),
            vec![
                ("emulator".to_owned(), 12),
                ("payrail-local".to_owned(), 34)
            ]
        );
        assert!(watched("").is_empty());
    }

    #[test]
    fn reads_the_outcome_from_the_redirect() {
        assert_eq!(
            checkout_outcome("https://shop.example.com/ok?transaction_id=txn_1"),
            Some("paid")
        );
        assert_eq!(
            checkout_outcome("https://shop.example.com/cancel?transaction_id=txn_1"),
            Some("declined")
        );
        assert_eq!(checkout_outcome("https://elsewhere.example.com/"), None);
    }

    #[test]
    fn summarises_latencies() {
        let v: Vec<Duration> = (1..=200).map(Duration::from_millis).collect();
        let s = summary(&v);
        assert_eq!(s["count"], 200);
        assert_eq!(s["p50_ms"], 100.0);
        assert_eq!(s["p99_ms"], 198.0);
        assert_eq!(s["max_ms"], 200.0);
        assert_eq!(summary(&[])["p99_ms"], 0.0);
    }

    #[test]
    fn verifies_receipts_with_the_endpoint_secret() {
        let key = [7u8; 32];
        let body = br#"{"type":"payment.succeeded"}"#.to_vec();
        let receipt = Receipt {
            merchant: Some(0),
            id: "evt_1".into(),
            timestamp: "1700000000".into(),
            signature: signing::sign(&[&key], "evt_1", 1_700_000_000, &body),
            body,
        };
        assert!(verified(&key, &receipt));
        assert!(!verified(&[8u8; 32], &receipt));
        let mut later = receipt.clone();
        later.timestamp = "1700000001".into();
        assert!(!verified(&key, &later));

        let merchants = vec![Merchant {
            key: String::new(),
            secret: key.to_vec(),
        }];
        let mut ledger = Ledger::default();
        let mut stray = receipt.clone();
        stray.merchant = Some(3);
        ledger.absorb(&[receipt.clone(), receipt, stray], &merchants);
        assert!(ledger.delivered("evt_1"));
        assert_eq!(ledger.seen["evt_1"].0, 3);
        assert_eq!(ledger.bad_signatures, 1);
        assert!(!ledger.delivered("evt_2"));
    }
}
