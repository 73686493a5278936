//! `make bench`: measures every function binary of a release build against the local AWS
//! emulator and writes BENCHMARKS.md and bench/results.json.
//!
//! Each binary runs as Lambda runs it, under a local Lambda Runtime API, with its AWS calls
//! passing through a recording proxy: cold starts over fresh processes, warm latency over one
//! process, peak memory, and the AWS calls and DynamoDB request units of every operation. The
//! cost per payment is computed from those measurements and AWS's public unit prices.

mod capacity;
mod measure;
mod packages;
mod peers;
mod price;
mod proxy;
mod report;
mod sizes;
mod stack;
mod stats;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use payrail_local::{Template, default_template_path, random_token};
use serde_json::{Value, json};

use crate::capacity::StoredSizes;
use crate::measure::{Runner, Warmed};
use crate::stack::{Receiver, Shop, Stack};

struct Options {
    bin_dir: PathBuf,
    label: String,
    iterations: usize,
    /// Warm invocations of the expiry sweep: each one queries every shard of an index the
    /// emulator answers by scanning the whole table, so it is the slowest to sample.
    sweeps: usize,
    cold_runs: usize,
    json_out: PathBuf,
    markdown_out: PathBuf,
    baseline: PathBuf,
    /// `make package`'s arm64 zips, `<function>/bootstrap.zip`, whose sizes `make bench-arm64`
    /// records in bench/arm64.json.
    arm64_dir: PathBuf,
    root: PathBuf,
    /// Where bench/peers/install.sh put the Python and Node.js create-payment, when they are
    /// measured: `BENCH_PEERS=1` (`make bench-peers`), never in a baseline run.
    peers_dir: Option<PathBuf>,
}

impl Options {
    fn from_env() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self {
            bin_dir: var("BENCH_BIN_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target/release")),
            label: var("BENCH_LABEL").unwrap_or_else(|| "release".into()),
            iterations: var("BENCH_ITERATIONS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(300),
            sweeps: var("BENCH_SWEEPS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(50),
            cold_runs: var("BENCH_COLD_RUNS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(20),
            json_out: var("BENCH_JSON")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("bench/results.json")),
            markdown_out: var("BENCH_REPORT")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("BENCHMARKS.md")),
            baseline: root.join("bench/baseline.json"),
            arm64_dir: var("BENCH_ARM64_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target/lambda-arm64")),
            root: root.clone(),
            peers_dir: (var("BENCH_PEERS").as_deref() == Some("1")
                && var("BENCH_LABEL").is_none_or(|l| l == "release"))
            .then(|| {
                var("BENCH_PEERS_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| root.join("target/peers"))
            }),
        }
    }
}

/// The functions this benchmark runs, which `make bench` builds for x86_64: every other
/// function's size comes from the arm64 packages (`make bench-arm64`), what template.yaml ships.
const MEASURED: [&str; 12] = [
    "checkout",
    "create-payment",
    "customers",
    "docs",
    "expire-payments",
    "get-transaction",
    "hub",
    "keys-admin",
    "payment-links",
    "webhook-dispatch",
    "webhook-fanout",
    "webhooks-admin",
];

/// Events built from the samples in events/.
fn sample(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An API Gateway event for `route` (`METHOD /path/{param}`) at `path`.
fn http_event(route: &str, path: &str, token: Option<&str>, body: Option<String>) -> Value {
    let mut e = sample("get-transaction-list.json");
    let method = route.split(' ').next().unwrap();
    e["routeKey"] = json!(route);
    e["requestContext"]["routeKey"] = json!(route);
    e["rawPath"] = json!(path);
    e["requestContext"]["http"]["path"] = json!(path);
    e["requestContext"]["http"]["method"] = json!(method);
    e["rawQueryString"] = json!("");
    e.as_object_mut().unwrap().remove("queryStringParameters");
    match token {
        Some(t) => e["headers"]["authorization"] = json!(format!("Bearer {t}")),
        None => {
            e["headers"]
                .as_object_mut()
                .unwrap()
                .remove("authorization");
        }
    }
    if let Some(b) = body {
        e["body"] = json!(b);
        e["isBase64Encoded"] = json!(false);
    }
    e
}

fn with_path_param(mut e: Value, name: &str, value: &str) -> Value {
    e["pathParameters"] = json!({ name: value });
    e
}

fn status_of(answer: &Value) -> u64 {
    answer["statusCode"].as_u64().unwrap_or(0)
}

fn expect_status(name: &'static str, want: u64) -> impl Fn(&Value) + Clone {
    move |answer: &Value| {
        assert_eq!(
            status_of(answer),
            want,
            "{name} answered otherwise than expected: {answer}"
        );
    }
}

fn body_json(answer: &Value) -> Value {
    serde_json::from_str(answer["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

/// What one function's run produced.
struct FunctionRun {
    name: &'static str,
    /// Invocations before the measured ones.
    warmup: usize,
    operation: &'static str,
    cold: Vec<measure::Cold>,
    warm: Warmed,
}

#[tokio::main]
async fn main() {
    if std::env::args().nth(1).as_deref() == Some("functions") {
        // For scripts/bench.sh: the packages to build.
        println!("{}", MEASURED.join(" "));
        return;
    }
    let opts = Options::from_env();
    let read_json = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
    };
    let baseline = read_json(&opts.baseline);
    let steps = read_json(&opts.baseline.with_file_name("steps.json"));
    let isolation = read_json(&opts.baseline.with_file_name("isolation.json"));
    let load = read_json(&opts.baseline.with_file_name("load.json"));
    let arm64_json = opts.baseline.with_file_name("arm64.json");
    if let Ok(compiler) = std::env::var("BENCH_RECORD_ARM64") {
        // `make bench-arm64`: the sizes of the arm64 packages just built.
        let record = packages::record_arm64(&opts.root, &opts.arm64_dir, &compiler);
        std::fs::write(
            &arm64_json,
            serde_json::to_string_pretty(&record).unwrap() + "\n",
        )
        .unwrap();
        eprintln!("bench: wrote {}", arm64_json.display());
    }
    let arm64 = read_json(&arm64_json);
    if std::env::var("BENCH_RENDER_ONLY").as_deref() == Ok("1")
        || std::env::var_os("BENCH_RECORD_ARM64").is_some()
    {
        // Re-renders the report from the last results, e.g. after measuring a new baseline.
        let mut results: Value = serde_json::from_str(
            &std::fs::read_to_string(&opts.json_out).expect("a results file to render"),
        )
        .unwrap();
        packages::merge_arm64(&mut results, arm64.as_ref());
        std::fs::write(
            &opts.json_out,
            serde_json::to_string_pretty(&results).unwrap() + "\n",
        )
        .unwrap();
        std::fs::write(
            &opts.markdown_out,
            report::markdown(
                &results,
                baseline.as_ref(),
                steps.as_ref(),
                isolation.as_ref(),
                load.as_ref(),
            ),
        )
        .unwrap();
        return;
    }
    let upstream = std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL must point at the local emulator (make bench starts it)");
    let started = Instant::now();
    eprintln!(
        "bench: {} binaries from {}, {} cold starts and {} warm invocations each",
        opts.label,
        opts.bin_dir.display(),
        opts.cold_runs,
        opts.iterations
    );

    // The stack: tables, queues and secrets from template.yaml; a merchant, its key, and a
    // webhook endpoint on a loopback receiver.
    let template = Template::load(&default_template_path()).unwrap();
    let overrides: BTreeMap<String, String> = [
        ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
        ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let stack = Stack::start(&template, &overrides, false).await;
    let receiver = Receiver::start().await;
    let Shop {
        merchant_id,
        key,
        endpoint_id,
    } = stack.shop("Bench Shop", &receiver.url).await;
    let running = &stack.running;

    let proxy = proxy::Proxy::start(upstream.clone()).await;
    let mut env = running.function_environment();
    for k in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        if let Ok(v) = std::env::var(k) {
            env.insert(k.into(), v);
        }
    }
    env.insert("AWS_ENDPOINT_URL".into(), proxy.url.clone());
    env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    env.insert("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into());
    env.insert("RUST_LOG".into(), "warn,payrail::invocation=debug".into());
    let runner = Runner {
        bin_dir: &opts.bin_dir,
        env,
        proxy: &proxy,
    };
    let n = opts.iterations;
    let cold_n = opts.cold_runs;
    let warmup = 5;
    let mut runs: Vec<FunctionRun> = Vec::new();

    // create-payment: a new order each time.
    let run_id = random_token("")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(6)
        .collect::<String>();
    let create_event = |tag: &str, i: usize| {
        let mut e = sample("create-payment.json");
        e["headers"]["authorization"] = json!(format!("Bearer {key}"));
        let mut body: Value = serde_json::from_str(e["body"].as_str().unwrap()).unwrap();
        body["order_uuid"] = json!(format!("bench-{run_id}-{tag}-{i}"));
        e["body"] = json!(body.to_string());
        e
    };
    eprintln!("bench: create-payment");
    let txns: Arc<Mutex<Vec<String>>> = Arc::default();
    let cold = runner
        .cold(
            "create-payment",
            cold_n,
            |i| create_event("cold", i),
            expect_status("create-payment", 201),
        )
        .await;
    let collected = txns.clone();
    let warm = runner
        .warm(
            "create-payment",
            warmup,
            n,
            |i| create_event("warm", i),
            move |_, answer| {
                assert_eq!(status_of(answer), 201, "{answer}");
                let id = body_json(answer)["data"]["transaction_id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                collected.lock().unwrap().push(id);
            },
        )
        .await;
    runs.push(FunctionRun {
        warmup,
        name: "create-payment",
        operation: "POST /api/v1/payment-requests",
        cold,
        warm,
    });
    let txns: Vec<String> = txns.lock().unwrap().clone();

    // get-transaction: read each payment back.
    eprintln!("bench: get-transaction");
    let get_event = |i: usize| {
        let id = &txns[i % txns.len()];
        with_path_param(
            http_event(
                "GET /api/v1/transactions/{id}",
                &format!("/api/v1/transactions/{id}"),
                Some(&key),
                None,
            ),
            "id",
            id,
        )
    };
    let cold = runner
        .cold(
            "get-transaction",
            cold_n,
            get_event,
            expect_status("get-transaction", 200),
        )
        .await;
    let warm = runner
        .warm("get-transaction", warmup, n, get_event, |_, a| {
            expect_status("get-transaction", 200)(a)
        })
        .await;
    runs.push(FunctionRun {
        warmup,
        name: "get-transaction",
        operation: "GET /api/v1/transactions/{id}",
        cold,
        warm,
    });

    // checkout: the page, then paying on it.
    eprintln!("bench: checkout");
    let page_event = |i: usize| {
        let id = &txns[i % txns.len()];
        with_path_param(
            http_event(
                "GET /checkout/{transaction_id}",
                &format!("/checkout/{id}"),
                None,
                None,
            ),
            "transaction_id",
            id,
        )
    };
    let cold = runner
        .cold(
            "checkout",
            cold_n,
            page_event,
            expect_status("checkout", 200),
        )
        .await;
    let tokens: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let seen = tokens.clone();
    let txns_for_tokens = txns.clone();
    let warm = runner
        .warm("checkout", warmup, n, page_event, move |i, answer| {
            assert_eq!(status_of(answer), 200, "{answer}");
            let html = answer["body"].as_str().unwrap_or_default();
            let token = html
                .split("name=\"token\" value=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .expect("the page carries its form token")
                .to_owned();
            seen.lock()
                .unwrap()
                .insert(txns_for_tokens[i % txns_for_tokens.len()].clone(), token);
        })
        .await;
    runs.push(FunctionRun {
        warmup,
        name: "checkout",
        operation: "GET /checkout/{id} (the page)",
        cold,
        warm,
    });
    let tokens = tokens.lock().unwrap().clone();
    let payable: Vec<(String, String)> = txns
        .iter()
        .filter_map(|t| tokens.get(t).map(|k| (t.clone(), k.clone())))
        .collect();
    assert!(
        payable.len() >= n + warmup,
        "a form token for every payment to pay"
    );
    let pay_event = |i: usize| {
        let (id, token) = &payable[i];
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .append_pair("card_number", "4242424242424242")
            .append_pair("exp_month", "12")
            .append_pair("exp_year", "2031")
            .append_pair("cvc", "123")
            .append_pair("cardholder_name", "Bench Customer")
            .finish();
        let mut e = with_path_param(
            http_event(
                "POST /checkout/{transaction_id}",
                &format!("/checkout/{id}"),
                None,
                Some(form),
            ),
            "transaction_id",
            id,
        );
        e["headers"]["content-type"] = json!("application/x-www-form-urlencoded");
        e
    };
    let warm = runner
        .warm("checkout", warmup, n, pay_event, |_, a| {
            expect_status("checkout", 303)(a)
        })
        .await;
    runs.push(FunctionRun {
        warmup,
        name: "checkout-pay",
        operation: "POST /checkout/{id} (paying)",
        cold: Vec::new(),
        warm,
    });

    // The console and reference functions.
    for (name, operation, route, path, token, want) in [
        (
            "keys-admin",
            "GET /api/v1/keys",
            "GET /api/v1/keys",
            "/api/v1/keys",
            Some(key.as_str()),
            200,
        ),
        (
            "webhooks-admin",
            "GET /api/v1/webhook-endpoints",
            "GET /api/v1/webhook-endpoints",
            "/api/v1/webhook-endpoints",
            Some(key.as_str()),
            200,
        ),
        (
            "payment-links",
            "GET /api/v1/payment-links",
            "GET /api/v1/payment-links",
            "/api/v1/payment-links",
            Some(key.as_str()),
            200,
        ),
        (
            "customers",
            "GET /api/v1/customers",
            "GET /api/v1/customers",
            "/api/v1/customers",
            Some(key.as_str()),
            200,
        ),
        (
            "docs",
            "GET /api/v1/openapi.json",
            "GET /api/v1/openapi.json",
            "/api/v1/openapi.json",
            None,
            200,
        ),
        ("hub", "GET /hub", "GET /hub", "/hub", None, 200),
    ] {
        eprintln!("bench: {name}");
        let event = |_: usize| http_event(route, path, token, None);
        let check = move |a: &Value| assert_eq!(status_of(a), want, "{name}: {a}");
        let cold = runner.cold(name, cold_n, event, check).await;
        let warm = runner.warm(name, warmup, n, event, |_, a| check(a)).await;
        runs.push(FunctionRun {
            warmup,
            name,
            operation,
            cold,
            warm,
        });
    }

    // expire-payments: the scheduled sweep (nothing due: every payment is paid or recent).
    eprintln!("bench: expire-payments");
    let sweep = |_: usize| sample("expire-payments.json");
    let check = |a: &Value| assert!(a["expired"].is_u64(), "{a}");
    let cold = runner.cold("expire-payments", cold_n, sweep, check).await;
    let warm = runner
        .warm(
            "expire-payments",
            warmup,
            opts.sweeps.min(n),
            sweep,
            |_, a| check(a),
        )
        .await;
    runs.push(FunctionRun {
        warmup,
        name: "expire-payments",
        operation: "scheduled sweep",
        cold,
        warm,
    });

    // webhook-dispatch: the stream record of each payment.created event.
    eprintln!("bench: webhook-dispatch");
    let mut events: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    while events.len() < n + warmup + cold_n {
        let path = match &cursor {
            Some(c) => format!("/api/v1/events?type=payment.created&limit=100&cursor={c}"),
            None => "/api/v1/events?type=payment.created&limit=100".into(),
        };
        let page = stack.call(reqwest::Method::GET, &path, &key, None).await;
        events.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert!(
        events.len() >= n + warmup + cold_n,
        "enough events to dispatch"
    );
    let record = |i: usize| {
        let event = &events[i % events.len()];
        let mut r = sample("webhook-dispatch.json");
        let image = &mut r["Records"][0]["dynamodb"]["NewImage"];
        image["id"]["S"] = event["id"].clone();
        image["merchant_id"]["S"] = json!(merchant_id);
        image["type"]["S"] = event["type"].clone();
        image["created_at"]["S"] = event["created_at"].clone();
        image["body"]["S"] = json!(event["payload"].to_string());
        r["Records"][0]["dynamodb"]["Keys"]["id"]["S"] = event["id"].clone();
        r
    };
    // Each invocation dispatches an event of its own: one already dispatched would be skipped
    // by the outbox check, and its queueing would go unmeasured.
    let check = |a: &Value| assert_eq!(a, &json!({"batchItemFailures": []}), "{a}");
    let cold = runner.cold("webhook-dispatch", cold_n, record, check).await;
    let warm = runner
        .warm(
            "webhook-dispatch",
            warmup,
            n,
            |i| record(cold_n + i),
            |_, a| check(a),
        )
        .await;
    let dispatched: Vec<payrail::ids::EventId> = events[..cold_n + warmup + n]
        .iter()
        .map(|e| payrail::ids::EventId::parse(e["id"].as_str().unwrap()).unwrap())
        .collect();
    let left = payrail::store::events::undispatched_of(&running.app, &dispatched)
        .await
        .unwrap();
    assert!(
        left.is_empty(),
        "every event's delivery queued and its outbox marker cleared; {} left",
        left.len()
    );
    runs.push(FunctionRun {
        warmup,
        name: "webhook-dispatch",
        operation: "one event → one job",
        cold,
        warm,
    });

    // webhook-fanout: one signed delivery to the loopback receiver per invocation.
    eprintln!("bench: webhook-fanout");
    let batch = |ids: &[&Value]| {
        let mut b = sample("webhook-fanout.json");
        let template = b["Records"][0].clone();
        b["Records"] = json!(
            ids.iter()
                .enumerate()
                .map(|(k, id)| {
                    let mut r = template.clone();
                    r["messageId"] = json!(format!("m-{k}-{}", id.as_str().unwrap_or_default()));
                    r["body"] =
                        json!(json!({"event_id": id, "endpoint_id": endpoint_id}).to_string());
                    r
                })
                .collect::<Vec<_>>()
        );
        b
    };
    let one = |i: usize| batch(&[&events[i % events.len()]["id"]]);
    let check = |a: &Value| assert_eq!(a, &json!({"batchItemFailures": []}), "{a}");
    let before = receiver.count();
    let cold = runner.cold("webhook-fanout", cold_n, one, check).await;
    let warm = runner
        .warm("webhook-fanout", warmup, n, one, |_, a| check(a))
        .await;
    assert_eq!(
        receiver.count() - before,
        cold_n + warmup + n,
        "every delivery arrived"
    );
    runs.push(FunctionRun {
        warmup,
        name: "webhook-fanout",
        operation: "one delivery",
        cold,
        warm,
    });

    // Throughput of one fan-out instance: batches of 10 jobs, as the queue hands them over.
    let batches = (n / 10).clamp(10, 100);
    let tens = |i: usize| {
        let ids: Vec<&Value> = (0..10)
            .map(|k| &events[(i * 10 + k) % events.len()]["id"])
            .collect();
        batch(&ids)
    };
    let before = receiver.count();
    let throughput_run = runner
        .warm("webhook-fanout", 1, batches, tens, |_, a| check(a))
        .await;
    let elapsed: Duration = throughput_run.samples.iter().map(|s| s.total).sum();
    let delivered = receiver.count() - before;
    let deliveries_per_s = (batches * 10) as f64 / elapsed.as_secs_f64();
    assert_eq!(
        delivered,
        (batches + 1) * 10,
        "every batched delivery arrived"
    );

    // create-payment beside the same API in Python and Node.js, after everything else so that
    // their payments and events take no part in the other functions' runs.
    let peers = match &opts.peers_dir {
        None => None,
        Some(dir) => {
            let sources = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers");
            let contenders = peers::contenders(runner.function("create-payment"), dir, &sources)
                .unwrap_or_else(|e| panic!("the create-payment peers: {e}"));
            eprintln!("bench: create-payment beside Python and Node.js");
            let reference: Mutex<Option<(Vec<String>, Vec<String>)>> = Mutex::default();
            let check = |name: &str, answer: &Value| {
                assert_eq!(status_of(answer), 201, "{name}: {answer}");
                let body = body_json(answer);
                assert_eq!(body["success"], true, "{name}: {answer}");
                assert_eq!(
                    body["message"], "payment request created",
                    "{name}: {answer}"
                );
                assert_eq!(body["data"]["status"], "pending", "{name}: {answer}");
                assert_eq!(body["data"]["amount_minor"], 4999, "{name}: {answer}");
                assert_eq!(body["data"]["total_amount"], "49.99", "{name}: {answer}");
                let keys = |v: &Value| {
                    let mut k: Vec<String> = v
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k.to_lowercase())
                        .collect();
                    k.sort();
                    k
                };
                let shape = (keys(&answer["headers"]), keys(&body["data"]));
                let mut reference = reference.lock().unwrap();
                match (&*reference, name) {
                    (None, "payrail") => *reference = Some(shape),
                    (None, _) => panic!("Payrail answers first, to set the shape"),
                    (Some(want), _) => {
                        assert_eq!(&shape, want, "{name} answers Payrail's headers and data")
                    }
                }
            };
            let measured = peers::measure(
                &runner,
                contenders,
                cold_n,
                warmup,
                n,
                |name, phase, i| create_event(&format!("{name}-{phase}"), i),
                check,
            )
            .await;
            Some(measured)
        }
    };

    // Commit to receipt through the whole local pipeline (stream → dispatch → queue → fan-out).
    eprintln!("bench: commit to receipt");
    let commit_to_receipt = commit_to_receipt(&template, &overrides, cold_n).await;

    eprintln!("bench: sizing the items written and the packages");
    // DynamoDB request units, sizing updated items as stored.
    let mut stored = StoredSizes::new();
    let all_calls: Vec<&proxy::Call> = runs
        .iter()
        .map(|r| &r.warm)
        .chain(peers.iter().flatten().map(|m| &m.warm))
        .flat_map(|w| w.samples.iter().flat_map(|s| s.calls.iter()))
        .collect();
    let touched =
        capacity::touched_items(&all_calls.iter().map(|c| (*c).clone()).collect::<Vec<_>>());
    // Read back in batches of 100 (BatchGetItem), not one GetItem per item: a run touches
    // thousands.
    let mut wanted: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for (table, key) in touched {
        wanted
            .entry(table)
            .or_default()
            .insert(key.to_string(), key);
    }
    for (table, keys) in wanted {
        let keys: Vec<Value> = keys.into_values().collect();
        // The key attributes, as the requests named them, pick each item's key out of it.
        let names: Vec<String> = keys[0]
            .as_object()
            .map(|k| k.keys().cloned().collect())
            .unwrap_or_default();
        for item in read_items(&running.app.dynamodb, &table, &keys).await {
            let key: serde_json::Map<String, Value> = names
                .iter()
                .filter_map(|n| Some((n.clone(), item.get(n)?.clone())))
                .collect();
            stored.insert(
                capacity::key_of(&table, &Value::Object(key)),
                capacity::item_size(&item),
            );
        }
    }

    let ran: std::collections::BTreeSet<&str> = runs
        .iter()
        .map(|r| r.name)
        .filter(|n| *n != "checkout-pay")
        .collect();
    assert_eq!(
        ran,
        MEASURED.into_iter().collect(),
        "MEASURED names the functions this run measures (make bench builds those)"
    );

    // First, so that the per-function table finds every binary zipped.
    let packages = packages::x86_sizes(&opts.root, &opts.bin_dir);
    let mut results = report::results(report::Inputs {
        label: &opts.label,
        bin_dir: &opts.bin_dir,
        iterations: n,
        cold_runs: cold_n,
        runs: &runs,
        stored: &stored,
        deliveries_per_s,
        commit_to_receipt: &commit_to_receipt,
        packages,
        peers: peers.as_deref().map(|m| peers::results(m, &stored)),
        elapsed: started.elapsed(),
        build_seconds: std::env::var("BENCH_BUILD_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok()),
    });
    packages::merge_arm64(&mut results, arm64.as_ref());
    // The side-by-side run is `make bench-peers`'s: recorded with it, carried into every report.
    let peers_json = opts.baseline.with_file_name("peers.json");
    if results["peers"].is_object() {
        results["peers"]["measured_at"] = results["generated_at"].clone();
        if opts.label == "release" {
            std::fs::write(
                &peers_json,
                serde_json::to_string_pretty(&results["peers"]).unwrap() + "\n",
            )
            .unwrap();
        }
    } else if opts.label == "release"
        && let Some(recorded) = read_json(&peers_json)
    {
        results["peers"] = recorded;
    }
    std::fs::write(
        &opts.json_out,
        serde_json::to_string_pretty(&results).unwrap() + "\n",
    )
    .unwrap();
    if opts.label == "release" {
        std::fs::write(
            &opts.markdown_out,
            report::markdown(
                &results,
                baseline.as_ref(),
                steps.as_ref(),
                isolation.as_ref(),
                load.as_ref(),
            ),
        )
        .unwrap();
        eprintln!(
            "bench: wrote {} and {}",
            opts.markdown_out.display(),
            opts.json_out.display()
        );
    } else {
        eprintln!("bench: wrote {}", opts.json_out.display());
    }
    eprintln!("bench: done in {:.0} s", started.elapsed().as_secs_f64());
    stack.running.shutdown().await;
}

/// `n` payments created over HTTP on a stack running its stream and queue consumers: the time
/// from the create's answer to the receiver getting its `payment.created`.
async fn commit_to_receipt(
    template: &Template,
    overrides: &BTreeMap<String, String>,
    n: usize,
) -> Vec<Duration> {
    let stack = Stack::start(template, overrides, true).await;
    let receiver = Receiver::start().await;
    let shop = stack.shop("Latency", &receiver.url).await;
    let mut out = Vec::new();
    for i in 0..n {
        let e = sample("create-payment.json");
        let mut payment: Value = serde_json::from_str(e["body"].as_str().unwrap()).unwrap();
        payment["order_uuid"] = json!(format!("latency-{i}"));
        let created = stack
            .call(
                reqwest::Method::POST,
                "/api/v1/payment-requests",
                &shop.key,
                Some(payment),
            )
            .await;
        let committed = Instant::now();
        let txn = created["transaction_id"].as_str().unwrap().to_owned();
        let arrived = receiver.wait_for(&txn, Duration::from_secs(30)).await;
        out.push(
            arrived
                .map(|at| at - committed)
                .unwrap_or(Duration::from_secs(30)),
        );
    }
    stack.running.shutdown().await;
    out
}

/// The stored items of `keys` in `table`, 100 per BatchGetItem, unprocessed keys asked again.
async fn read_items(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    keys: &[Value],
) -> Vec<serde_json::Map<String, Value>> {
    use aws_sdk_dynamodb::types::KeysAndAttributes;
    let mut items = Vec::new();
    for chunk in keys.chunks(100) {
        let mut pending: Vec<_> = chunk.iter().map(serde_dynamo_key).collect();
        while !pending.is_empty() {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .build()
                .unwrap();
            let out = dynamodb
                .batch_get_item()
                .request_items(table, request)
                .send()
                .await
                .unwrap_or_else(|e| panic!("read back {table}: {e:?}"));
            items.extend(
                out.responses
                    .and_then(|mut r| r.remove(table))
                    .unwrap_or_default()
                    .iter()
                    .map(item_json),
            );
            pending = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(table))
                .map(|k| k.keys)
                .unwrap_or_default();
        }
    }
    items
}

fn serde_dynamo_key(key: &Value) -> HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    use aws_sdk_dynamodb::types::AttributeValue;
    key.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let (kind, inner) = v.as_object()?.iter().next()?;
            let s = inner.as_str()?.to_owned();
            let av = match kind.as_str() {
                "S" => AttributeValue::S(s),
                "N" => AttributeValue::N(s),
                _ => return None,
            };
            Some((k.clone(), av))
        })
        .collect()
}

/// A stored item in the JSON wire form the sizing rules read.
fn item_json(
    item: &HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
) -> serde_json::Map<String, Value> {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    fn one(v: &A) -> Value {
        match v {
            A::S(s) => json!({"S": s}),
            A::N(n) => json!({"N": n}),
            A::Bool(b) => json!({"BOOL": b}),
            A::Null(_) => json!({"NULL": true}),
            A::B(b) => {
                json!({"B": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b.as_ref())})
            }
            A::L(l) => json!({"L": l.iter().map(one).collect::<Vec<_>>()}),
            A::M(m) => {
                json!({"M": m.iter().map(|(k, v)| (k.clone(), one(v))).collect::<serde_json::Map<_, _>>()})
            }
            A::Ss(s) => json!({"SS": s}),
            A::Ns(s) => json!({"NS": s}),
            _ => json!({"NULL": true}),
        }
    }
    item.iter().map(|(k, v)| (k.clone(), one(v))).collect()
}
