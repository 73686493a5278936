//! Turns the measurements into bench/results.json and BENCHMARKS.md: per-function numbers,
//! the targets, AWS calls and request units per operation, and the cost per payment.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::FunctionRun;
use crate::capacity::StoredSizes;
use crate::measure::units_per_sample;
use crate::price;
use crate::sizes::{file_size, zip_size};
use crate::stats::{mean, ms, percentile_ms, r2};

pub struct Inputs<'a> {
    pub label: &'a str,
    pub bin_dir: &'a Path,
    pub iterations: usize,
    pub cold_runs: usize,
    pub runs: &'a [FunctionRun],
    pub stored: &'a StoredSizes,
    pub deliveries_per_s: f64,
    pub commit_to_receipt: &'a [Duration],
    /// Sizes per function and architecture (packages::sizes).
    pub packages: Value,
    /// Payrail's create-payment beside the Python and Node.js ones, when they were measured.
    pub peers: Option<Value>,
    pub elapsed: Duration,
    /// What `make bench` spent before the run: building, and installing the emulator and peers.
    pub build_seconds: Option<u64>,
}

const SOURCES: &[(&str, &str)] = &[
    ("Lambda", "https://aws.amazon.com/lambda/pricing/"),
    (
        "API Gateway HTTP APIs",
        "https://aws.amazon.com/api-gateway/pricing/",
    ),
    (
        "DynamoDB on-demand",
        "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    ),
    ("SQS", "https://aws.amazon.com/sqs/pricing/"),
    (
        "Secrets Manager",
        "https://aws.amazon.com/secrets-manager/pricing/",
    ),
];

fn per_invocation_ops(run: &FunctionRun) -> BTreeMap<String, f64> {
    let mut counts: BTreeMap<String, f64> = BTreeMap::new();
    for s in &run.warm.samples {
        for c in &s.calls {
            *counts.entry(c.op.clone()).or_default() += 1.0;
        }
    }
    let n = run.warm.samples.len().max(1) as f64;
    counts.into_iter().map(|(k, v)| (k, r2(v / n))).collect()
}

/// The binary's own per-phase counts (its SDK interceptor), averaged per invocation.
fn sdk_ops(run: &FunctionRun) -> Value {
    let mut phases: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    let mut invocations = 0usize;
    for line in measured_lines(run) {
        let f = &line["fields"];
        let Some(phase) = f["phase"].as_str() else {
            continue;
        };
        if phase == "invocation" {
            invocations += 1;
        }
        let entry = phases.entry(phase.to_owned()).or_default();
        for part in f["aws_ops"].as_str().unwrap_or_default().split(',') {
            if let Some((op, n)) = part.split_once('=') {
                *entry.entry(op.to_owned()).or_default() += n.parse::<f64>().unwrap_or(0.0);
            }
        }
    }
    let n = invocations.max(1) as f64;
    json!(
        phases
            .into_iter()
            .map(|(p, ops)| (
                p,
                ops.into_iter()
                    .map(|(k, v)| (k, r2(v / n)))
                    .collect::<BTreeMap<_, _>>()
            ))
            .collect::<BTreeMap<_, _>>()
    )
}

/// The binary's log lines of the measured invocations (after the warm-up ones).
fn measured_lines(run: &FunctionRun) -> impl Iterator<Item = &Value> {
    let mut seen = 0usize;
    run.warm.sdk_lines.iter().filter(move |line| {
        if line["fields"]["phase"] == "invocation" {
            seen += 1;
        }
        seen > run.warmup
    })
}

/// DynamoDB calls of each measured invocation's handler, as its SDK counted them.
fn dynamodb_calls_per_request(run: &FunctionRun) -> Vec<f64> {
    measured_lines(run)
        .filter(|l| l["fields"]["phase"] == "invocation")
        .map(|l| {
            l["fields"]["aws_ops"]
                .as_str()
                .unwrap_or_default()
                .split(',')
                .filter_map(|p| p.split_once('='))
                .filter(|(op, _)| op.starts_with("DynamoDB."))
                .map(|(_, n)| n.parse::<f64>().unwrap_or(0.0))
                .sum::<f64>()
                + 0.0
        })
        .collect()
}

pub fn results(i: Inputs<'_>) -> Value {
    let mut functions = serde_json::Map::new();
    for run in i.runs {
        let binary_name = if run.name == "checkout-pay" {
            "checkout"
        } else {
            run.name
        };
        let binary = i.bin_dir.join(binary_name);
        let cold_total: Vec<Duration> = run.cold.iter().map(|c| c.total).collect();
        let cold_code: Vec<Duration> = run
            .cold
            .iter()
            .map(|c| c.total.saturating_sub(c.aws))
            .collect();
        let s = &run.warm.samples;
        let total: Vec<Duration> = s.iter().map(|w| w.total).collect();
        let aws: Vec<Duration> = s.iter().map(|w| w.aws).collect();
        let code: Vec<Duration> = s.iter().map(|w| w.total.saturating_sub(w.aws)).collect();
        let billed: Vec<Duration> = s.iter().map(|w| w.billed).collect();
        let units = units_per_sample(s, i.stored);
        let ddb_calls = dynamodb_calls_per_request(run);
        let cold = if run.cold.is_empty() {
            Value::Null
        } else {
            json!({
                "runs": run.cold.len(),
                "median": r2(percentile_ms(&cold_total, 50.0)),
                "p90": r2(percentile_ms(&cold_total, 90.0)),
                "median_without_aws": r2(percentile_ms(&cold_code, 50.0)),
                "p90_without_aws": r2(percentile_ms(&cold_code, 90.0)),
            })
        };
        functions.insert(
            run.name.to_owned(),
            json!({
                "binary": binary_name,
                "operation": run.operation,
                "binary_bytes": file_size(&binary),
                "zip_bytes": zip_size(&binary),
                "cold_ms": cold,
                "warm_ms": {
                    "invocations": s.len(),
                    "p50": r2(percentile_ms(&total, 50.0)),
                    "p99": r2(percentile_ms(&total, 99.0)),
                    "code_p50": r2(percentile_ms(&code, 50.0)),
                    "code_p99": r2(percentile_ms(&code, 99.0)),
                    "aws_p50": r2(percentile_ms(&aws, 50.0)),
                    "aws_p99": r2(percentile_ms(&aws, 99.0)),
                    "billed_p50": r2(percentile_ms(&billed, 50.0)),
                    "mean_ms": r2(mean(total.iter().map(|d| ms(*d)))),
                },
                "peak_rss_kb": run.warm.peak_rss_kb,
                "aws_calls_per_invocation": per_invocation_ops(run),
                "sdk_calls_per_invocation": sdk_ops(run),
                "dynamodb_calls_per_request": {
                    "p50": percentile(&ddb_calls, 50.0),
                    "max": ddb_calls.iter().copied().fold(0.0, f64::max),
                    "mean": r2(mean(ddb_calls.iter().copied())),
                },
                "request_units_per_invocation": {
                    "read": r2(mean(units.iter().map(|u| u.read))),
                    "write": r2(mean(units.iter().map(|u| u.write))),
                },
            }),
        );
    }
    let functions = Value::Object(functions);
    let cost = cost_per_million(&functions);
    json!({
        "label": i.label,
        "generated_at": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        "machine": machine(),
        "iterations": i.iterations,
        "cold_runs": i.cold_runs,
        "run_seconds": i.elapsed.as_secs(),
        "build_seconds": i.build_seconds,
        "functions": functions,
        "webhooks": {
            "fanout_deliveries_per_second": r2(i.deliveries_per_s),
            "commit_to_receipt_ms": {
                "samples": i.commit_to_receipt.len(),
                "p50": r2(percentile_ms(i.commit_to_receipt, 50.0)),
                "p90": r2(percentile_ms(i.commit_to_receipt, 90.0)),
            },
        },
        "cost_per_million_payments": cost,
        "packages": i.packages,
        "peers": i.peers,
    })
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
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

/// One payment: created, its page shown and paid, its two events dispatched, one webhook
/// delivered, and one status lookup.
const FLOW: &[(&str, f64, bool)] = &[
    // (function, invocations per payment, behind API Gateway)
    ("create-payment", 1.0, true),
    ("checkout", 1.0, true),
    ("checkout-pay", 1.0, true),
    ("get-transaction", 1.0, true),
    ("webhook-dispatch", 2.0, false),
    ("webhook-fanout", 1.0, false),
];

fn cost_per_million(functions: &Value) -> Value {
    let million = 1e6;
    let mut lines = Vec::new();
    let mut total = 0.0;
    let mut add = |what: String, quantity: f64, unit: &str, unit_price: f64, price_text: &str| {
        let usd = quantity * unit_price;
        total += usd;
        lines.push(json!({"item": what, "quantity": r2(quantity), "unit": unit, "unit_price_usd": unit_price, "price": price_text, "usd": (usd * 10_000.0).round() / 10_000.0}));
    };
    let mut invocations = 0.0;
    let mut gb_seconds = 0.0;
    let (mut rru, mut wru, mut sqs, mut secrets, mut api) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (name, per_payment, http) in FLOW {
        let f = &functions[*name];
        let n = per_payment * million;
        invocations += n;
        // Lambda bills whole milliseconds, extension time included.
        let billed_ms = f["warm_ms"]["billed_p50"].as_f64().unwrap_or(0.0).ceil();
        gb_seconds += n * billed_ms / 1000.0 * price::MEMORY_GB;
        rru += n * f["request_units_per_invocation"]["read"]
            .as_f64()
            .unwrap_or(0.0);
        wru += n * f["request_units_per_invocation"]["write"]
            .as_f64()
            .unwrap_or(0.0);
        for (op, count) in f["aws_calls_per_invocation"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let c = count.as_f64().unwrap_or(0.0) * n;
            if op.starts_with("SQS.") {
                sqs += c;
            } else if op.starts_with("SecretsManager.") || op.starts_with("Secrets Manager.") {
                secrets += c;
            }
        }
        if *http {
            api += n;
        }
    }
    // Lambda's SQS poller receives and deletes each delivery job (at most one of each per job).
    let poller = 2.0 * million;
    add(
        "Lambda requests".into(),
        invocations,
        "invocations",
        price::LAMBDA_REQUEST,
        "$0.20 per 1M",
    );
    add(
        "Lambda duration (arm64, 128 MB, warm p50 billed)".into(),
        gb_seconds,
        "GB-seconds",
        price::LAMBDA_ARM_GB_S,
        "$0.0000133334 per GB-s",
    );
    add(
        "API Gateway HTTP API".into(),
        api,
        "requests",
        price::HTTP_API_REQUEST,
        "$1.00 per 1M",
    );
    add(
        "DynamoDB writes".into(),
        wru,
        "write request units",
        price::DYNAMODB_WRU,
        "$0.625 per 1M",
    );
    add(
        "DynamoDB reads".into(),
        rru,
        "read request units",
        price::DYNAMODB_RRU,
        "$0.125 per 1M",
    );
    add(
        "SQS (our calls + the Lambda poller's receive/delete)".into(),
        sqs + poller,
        "requests",
        price::SQS_REQUEST,
        "$0.40 per 1M",
    );
    add(
        "Secrets Manager (warm)".into(),
        secrets,
        "API calls",
        price::SECRETS_CALL,
        "$0.05 per 10,000",
    );
    json!({
        "flow": FLOW.iter().map(|(f, n, _)| json!({"function": f, "per_payment": n})).collect::<Vec<_>>(),
        "lines": lines,
        "total_usd": (total * 100.0).round() / 100.0,
        "sources": SOURCES.iter().map(|(k, v)| json!({"what": k, "url": v})).collect::<Vec<_>>(),
    })
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn num(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x >= 100.0 => format!("{x:.0}"),
        Some(x) if x >= 10.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.2}"),
        None => "–".into(),
    }
}

/// Published cold starts of hello-world functions at 128 MB, arm64, zip (mean init duration
/// of ten cold starts, and max memory used), from lambda-perf's daily run.
const PUBLISHED: &[(&str, f64, f64)] = &[
    ("Node.js 22 (nodejs22.x)", 123.57, 71.4),
    ("Python 3.13 (python3.13)", 96.03, 37.0),
    ("Rust (provided.al2023)", 12.92, 14.6),
];
const PUBLISHED_SOURCE: &str = "https://github.com/maxday/lambda-perf (data/2025/2025-12-21.json, also at https://maxday.github.io/lambda-perf/)";

/// The columns every step of the tuning table shows, from a function's results.
fn step_row(f: &Value) -> String {
    format!(
        "{} | {} | {} | {} | {:.1} MB",
        mb(f["binary_bytes"].as_u64().unwrap_or(0)),
        mb(f["zip_bytes"].as_u64().unwrap_or(0)),
        num(&f["cold_ms"]["median_without_aws"]),
        num(&f["warm_ms"]["code_p50"]),
        f["peak_rss_kb"].as_u64().unwrap_or(0) as f64 / 1024.0,
    )
}

/// What each change bought: the baseline, the intermediate builds recorded in
/// bench/steps.json, and this run.
fn steps_table(md: &mut String, r: &Value, baseline: Option<&Value>, steps: Option<&Value>) {
    let (Some(b), Some(steps)) = (baseline, steps) else {
        return;
    };
    let _ = writeln!(md, "\n### What each change bought\n");
    let _ = writeln!(md, "{}\n", steps["note"].as_str().unwrap_or(""));
    let _ = writeln!(
        md,
        "| function | build | binary | zip | cold without AWS (median) | warm our code (p50) | peak RSS |\n|---|---|---|---|---|---|---|"
    );
    for name in steps["functions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let _ = writeln!(
            md,
            "| {name} | cargo's default release profile | {} |",
            step_row(&b["functions"][name])
        );
        for step in steps["steps"].as_array().into_iter().flatten() {
            let f = &step["functions"][name];
            if !f.is_null() {
                let _ = writeln!(
                    md,
                    "| {name} | {} | {} |",
                    step["build"].as_str().unwrap_or(""),
                    step_row(f)
                );
            }
        }
        let _ = writeln!(
            md,
            "| {name} | **this run**: + opt-level \"s\" | {} |",
            step_row(&r["functions"][name])
        );
    }
}

/// Recorded runs of `scripts/delivery-isolation.sh` (bench/isolation.json).
fn isolation_table(md: &mut String, iso: &Value) {
    let _ = writeln!(md, "### Failing endpoints beside a healthy one\n");
    let _ = writeln!(
        md,
        "One merchant with three endpoints on loopback: a healthy receiver, one answering 500 \
         after a second, one that never answers. Payments are created as fast as the local API \
         answers, with the deployed delivery settings (15 s timeout, the Standard Webhooks \
         schedule), on a local stack running its consumers. Recorded in `bench/isolation.json`, \
         not rerun by `make bench`; to reproduce: `{}`.\n",
        iso["command"].as_str().unwrap_or_default()
    );
    let _ = writeln!(
        md,
        "| run | payments | reached the healthy endpoint | all of them after | requests to the \
         500 / hanging endpoints | jobs queued at the end |\n|---|---|---|---|---|---|"
    );
    for run in iso["runs"].as_array().into_iter().flatten() {
        let all_in = match run["healthy_all_in_s"].as_f64() {
            Some(s) => format!("{s:.1} s"),
            None => format!("not within {} s", run["limit_s"]),
        };
        let queued: Vec<String> = run["jobs_queued"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(queue, n)| format!("{queue} {n}"))
            .collect();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} / {} | {} |",
            run["label"].as_str().unwrap_or_default(),
            run["payments"],
            run["healthy_received"],
            all_in,
            run["slow_500_requests"],
            run["hanging_requests"],
            queued.join(", ")
        );
    }
    if let Some(note) = iso["note"].as_str() {
        let _ = writeln!(md, "\n{note}");
    }
    let _ = writeln!(md);
}

pub fn markdown(
    r: &Value,
    baseline: Option<&Value>,
    steps: Option<&Value>,
    isolation: Option<&Value>,
    load: Option<&Value>,
) -> String {
    let mut md = String::new();
    let f = r["functions"].as_object().cloned().unwrap_or_default();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Generated by `make bench` at {} on {} ({} cores, {}), against the local AWS emulator: \
         {} cold starts per function (each a fresh process) and {} warm invocations in one \
         process{}. The run took {} s{}. Machine-readable: `bench/results.json`.\n",
        r["generated_at"].as_str().unwrap_or(""),
        r["machine"]["cpu"].as_str().unwrap_or("?"),
        r["machine"]["cores"],
        r["machine"]["arch"].as_str().unwrap_or("?"),
        r["cold_runs"],
        r["iterations"],
        match r["functions"]["expire-payments"]["warm_ms"]["invocations"].as_u64() {
            Some(sweeps) if Some(sweeps) != r["iterations"].as_u64() => format!(
                " ({sweeps} for expire-payments, whose every sweep makes the emulator scan the \
                 whole table; its spread is narrow)"
            ),
            _ => String::new(),
        },
        r["run_seconds"],
        match r["build_seconds"].as_u64() {
            Some(b) => format!(
                ", after {b} s of building and installing (`make bench` in all: {:.1} minutes)",
                (b + r["run_seconds"].as_u64().unwrap_or(0)) as f64 / 60.0
            ),
            None => String::new(),
        },
    );
    if let Some(summary) = crate::peers::summary(r.get("peers").filter(|p| !p.is_null())) {
        let _ = writeln!(
            md,
            "Beside the same API written in Python and in Node.js, measured {} (see \
             [below](#against-nodejs-and-python)): {summary}\n",
            crate::peers::when(r)
        );
    }

    // Targets.
    let _ = writeln!(md, "## Targets\n");
    let _ = writeln!(md, "| target | result | met |\n|---|---|---|");
    let worst_cold = f
        .iter()
        .filter_map(|(n, v)| {
            v["cold_ms"]["median_without_aws"]
                .as_f64()
                .map(|c| (n.clone(), c))
        })
        .fold((String::new(), 0.0), |a, b| if b.1 > a.1 { b } else { a });
    let biggest = f
        .iter()
        .map(|(n, v)| (n.clone(), v["binary_bytes"].as_u64().unwrap_or(0)))
        .fold((String::new(), 0), |a, b| if b.1 > a.1 { b } else { a });
    let fattest = f
        .iter()
        .map(|(n, v)| (n.clone(), v["peak_rss_kb"].as_u64().unwrap_or(0)))
        .fold((String::new(), 0), |a, b| if b.1 > a.1 { b } else { a });
    let create = &f["create-payment"]["dynamodb_calls_per_request"];
    let create_p50 = create["p50"].as_f64().unwrap_or(0.0);
    let fanout = &f["webhook-fanout"]["aws_calls_per_invocation"];
    let fanout_writes: f64 = fanout
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "DynamoDB.PutItem"
                    | "DynamoDB.UpdateItem"
                    | "DynamoDB.BatchWriteItem"
                    | "DynamoDB.TransactWriteItems"
                    | "DynamoDB.DeleteItem"
            )
        })
        .map(|(_, v)| v.as_f64().unwrap_or(0.0))
        .sum::<f64>()
        + 0.0;
    let fanout_secrets: f64 = fanout
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("SecretsManager."))
        .map(|(_, v)| v.as_f64().unwrap_or(0.0))
        .sum::<f64>()
        + 0.0;
    let yes = |ok: bool| if ok { "yes" } else { "**no**" };
    let _ = writeln!(
        md,
        "| cold start < 30 ms median, every function (exec → first answer, minus time in the emulator) | slowest: {} at {:.1} ms | {} |",
        worst_cold.0,
        worst_cold.1,
        yes(worst_cold.1 < 30.0)
    );
    let _ = writeln!(
        md,
        "| binary < 8 MB stripped, every function | largest: {} at {} | {} |",
        biggest.0,
        mb(biggest.1),
        yes(biggest.1 < 8_000_000)
    );
    let _ = writeln!(
        md,
        "| peak RSS < 32 MB, every function | highest: {} at {:.1} MB | {} |",
        fattest.0,
        fattest.1 as f64 / 1024.0,
        yes(fattest.1 < 32 * 1024)
    );
    let _ = writeln!(
        md,
        "| create-payment ≤ 2 DynamoDB round trips | {create_p50:.0} per request (SDK count; mean {}, max {}: a key's first request in a new minute adds one to reset its rate window) | {} |",
        num(&create["mean"]),
        num(&create["max"]),
        yes(create_p50 <= 2.0)
    );
    let _ = writeln!(
        md,
        "| webhook delivery ≤ 1 DynamoDB write per attempt | {fanout_writes:.2} | {} |",
        yes(fanout_writes <= 1.0)
    );
    let _ = writeln!(
        md,
        "| no Secrets Manager call per warm delivery | {fanout_secrets:.2} | {} |\n",
        yes(fanout_secrets == 0.0)
    );

    // Per function.
    let _ = writeln!(md, "## Per function\n");
    // Nearest-rank percentiles: which sample each one is, so a reader can judge a p99.
    let from_top = |p: f64, n: u64| n + 1 - ((p / 100.0) * n as f64).ceil() as u64;
    let (cold_n, warm_n) = (
        r["cold_runs"].as_u64().unwrap_or(0),
        r["iterations"].as_u64().unwrap_or(0),
    );
    let _ = writeln!(
        md,
        "Times in ms. *Cold*: median / p90 from exec to the first answer, then the same without \
         the time spent waiting on the emulator. *Warm*: p50 / p99 of one invocation (event handed \
         to the runtime → answer), split into our code and waiting on AWS calls. Percentiles are \
         nearest-rank: of {cold_n} cold starts the p90 is the {} slowest, of {warm_n} warm \
         invocations the p99 is the {} slowest. x86_64 binaries (this machine); zip as Lambda \
         takes it.\n",
        ordinal(from_top(90.0, cold_n)),
        ordinal(from_top(99.0, warm_n)),
    );
    let _ = writeln!(
        md,
        "| function | operation | binary | zip | cold | cold without AWS | warm | our code | AWS wait | peak RSS |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    for (name, v) in &f {
        let cold = &v["cold_ms"];
        let w = &v["warm_ms"];
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} | {} | {} | {} / {} | {} / {} | {} / {} | {:.1} MB |",
            v["operation"].as_str().unwrap_or(""),
            mb(v["binary_bytes"].as_u64().unwrap_or(0)),
            mb(v["zip_bytes"].as_u64().unwrap_or(0)),
            if cold.is_null() {
                "(same binary)".into()
            } else {
                format!("{} / {}", num(&cold["median"]), num(&cold["p90"]))
            },
            if cold.is_null() {
                "".into()
            } else {
                format!(
                    "{} / {}",
                    num(&cold["median_without_aws"]),
                    num(&cold["p90_without_aws"])
                )
            },
            num(&w["p50"]),
            num(&w["p99"]),
            num(&w["code_p50"]),
            num(&w["code_p99"]),
            num(&w["aws_p50"]),
            num(&w["aws_p99"]),
            v["peak_rss_kb"].as_u64().unwrap_or(0) as f64 / 1024.0,
        );
    }

    packages_section(&mut md, r);

    // AWS calls.
    let _ = writeln!(md, "\n## AWS calls per operation\n");
    let _ = writeln!(
        md,
        "Counted on the wire (every call of a warm invocation, the access-log write after the \
         answer included) and by each binary's own SDK interceptor (`payrail::invocation` log \
         lines: the handler, then the access-log phase). DynamoDB request units follow DynamoDB's \
         sizing rules applied to the items sent and received (1 write unit per started KB, 2 in a \
         transaction; 1 read unit per started 4 KB, half when eventually consistent).\n"
    );
    let _ = writeln!(
        md,
        "| function | calls per invocation (wire) | SDK: handler | SDK: access log | read units | write units |\n|---|---|---|---|---|---|"
    );
    let fmt_ops = |o: &Value| {
        let s = o
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k} ×{}", num(v)))
            .collect::<Vec<_>>()
            .join(", ");
        if s.is_empty() { "none".to_owned() } else { s }
    };
    for (name, v) in &f {
        let sdk = &v["sdk_calls_per_invocation"];
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} | {} | {} |",
            fmt_ops(&v["aws_calls_per_invocation"]),
            fmt_ops(&sdk["invocation"]),
            fmt_ops(&sdk["access-log"]),
            num(&v["request_units_per_invocation"]["read"]),
            num(&v["request_units_per_invocation"]["write"]),
        );
    }

    // Cost.
    let c = &r["cost_per_million_payments"];
    let _ = writeln!(md, "\n## Cost per 1 million payments\n");
    let _ = writeln!(
        md,
        "One payment = create + checkout page + paying + one status lookup (4 API requests), its \
         two events through `webhook-dispatch`, and one delivery to one endpoint. Durations are \
         the warm p50 billed time measured here (against the emulator, whose calls are slower \
         than DynamoDB's), rounded up to whole ms, at 128 MB on arm64. On-demand prices, \
         us-east-1; DynamoDB Streams reads by Lambda triggers are free; storage, logs, data \
         transfer and the monthly $0.40 per secret are not included.\n"
    );
    let _ = writeln!(
        md,
        "| item | quantity | unit price (USD) | USD |\n|---|---|---|---|"
    );
    for l in c["lines"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "| {} | {} {} | {} | {:.4} |",
            l["item"].as_str().unwrap_or(""),
            num(&l["quantity"]),
            l["unit"].as_str().unwrap_or(""),
            l["price"].as_str().unwrap_or(""),
            l["usd"].as_f64().unwrap_or(0.0),
        );
    }
    let _ = writeln!(
        md,
        "| **total** | | | **{:.2}** |\n",
        c["total_usd"].as_f64().unwrap_or(0.0)
    );
    let _ = writeln!(md, "Prices from:");
    for s in c["sources"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "- {}: <{}>",
            s["what"].as_str().unwrap_or(""),
            s["url"].as_str().unwrap_or("")
        );
    }

    // Stripe: counted at the stand-in and from the code, not by this run.
    let _ = writeln!(md, "\n{}", STRIPE_SECTION.trim_end());

    // Webhooks.
    let wh = &r["webhooks"];
    let _ = writeln!(md, "\n## Webhook delivery\n");
    let _ = writeln!(
        md,
        "- One `webhook-fanout` process, batches of 10 jobs (delivered concurrently) to a loopback \
         receiver: **{} deliveries/s** (each: read the event, sign, POST, record the attempt).",
        num(&wh["fanout_deliveries_per_second"])
    );
    let _ = writeln!(
        md,
        "- Commit to receipt through the whole local pipeline (events stream → dispatch → queue → \
         fan-out), {} payments: p50 **{} ms**, p90 {} ms. Locally the stream and the queue are \
         polled every 150 ms, which dominates; in AWS the event source mappings poll instead.\n",
        wh["commit_to_receipt_ms"]["samples"],
        num(&wh["commit_to_receipt_ms"]["p50"]),
        num(&wh["commit_to_receipt_ms"]["p90"]),
    );
    if let Some(iso) = isolation {
        isolation_table(&mut md, iso);
    }
    if let Some(load) = load {
        load_section(&mut md, load);
    }

    // Before and after.
    let _ = writeln!(md, "## Before and after tuning\n");
    match baseline {
        Some(b) => {
            let _ = writeln!(
                md,
                "*Before*: the same code built with cargo's default release profile (opt-level 3, \
                 no LTO, 16 codegen units, unwinding, symbols kept) and aws-lc's jitter-entropy \
                 self-test on, measured by this benchmark on {} (`bench/baseline.json`). *After*: \
                 this run (`[profile.release]` in Cargo.toml: opt-level \"s\", fat LTO, 1 codegen \
                 unit, panic = abort, stripped; `AWS_LC_SYS_NO_JITTER_ENTROPY=1`). opt-level \"s\" \
                 was chosen by measurement (below): a third smaller than 3, and no slower here.\n",
                b["generated_at"].as_str().unwrap_or("?")
            );
            let _ = writeln!(
                md,
                "| function | binary | zip | cold without AWS (median) | warm our code (p50) | peak RSS |\n|---|---|---|---|---|---|"
            );
            for (name, v) in &f {
                let o = &b["functions"][name];
                if o.is_null() {
                    continue;
                }
                let _ = writeln!(
                    md,
                    "| {name} | {} → {} | {} → {} | {} → {} | {} → {} | {:.1} → {:.1} MB |",
                    mb(o["binary_bytes"].as_u64().unwrap_or(0)),
                    mb(v["binary_bytes"].as_u64().unwrap_or(0)),
                    mb(o["zip_bytes"].as_u64().unwrap_or(0)),
                    mb(v["zip_bytes"].as_u64().unwrap_or(0)),
                    num(&o["cold_ms"]["median_without_aws"]),
                    num(&v["cold_ms"]["median_without_aws"]),
                    num(&o["warm_ms"]["code_p50"]),
                    num(&v["warm_ms"]["code_p50"]),
                    o["peak_rss_kb"].as_u64().unwrap_or(0) as f64 / 1024.0,
                    v["peak_rss_kb"].as_u64().unwrap_or(0) as f64 / 1024.0,
                );
            }
        }
        None => {
            let _ = writeln!(
                md,
                "No `bench/baseline.json` to compare with: `make bench-baseline` measures one."
            );
        }
    }
    steps_table(&mut md, r, baseline, steps);

    // Measured side by side, then published numbers.
    let _ = writeln!(md, "\n## Against Node.js and Python");
    crate::peers::markdown(
        &mut md,
        r.get("peers").filter(|p| !p.is_null()),
        &crate::peers::when(r),
    );
    let _ = writeln!(md, "### Published hello-world figures\n");
    let _ = writeln!(
        md,
        "Published cold starts of *hello-world* functions at 128 MB, arm64, zip: mean init \
         duration over ten cold starts and max memory used, from {PUBLISHED_SOURCE}. They measure \
         Lambda's own init phase in AWS; ours above is exec → first answered invocation on this \
         machine, so the comparison is of order of magnitude, not of milliseconds. A Payrail \
         function does real work in its first invocation (authenticate, read or write DynamoDB).\n"
    );
    let _ = writeln!(md, "| runtime | init (ms) | memory (MB) |\n|---|---|---|");
    for (runtime, init, mem) in PUBLISHED {
        let _ = writeln!(md, "| {runtime}, hello world | {init:.1} | {mem:.1} |");
    }
    let _ = writeln!(
        md,
        "| Payrail, slowest function (cold without AWS, peak RSS over a warm run) | {:.1} | {:.1} |",
        worst_cold.1,
        fattest.1 as f64 / 1024.0
    );

    let _ = writeln!(md, "\n## How it is measured\n");
    let _ = writeln!(
        md,
        "- `make bench` builds the release binaries (the same profile `make package` ships), \
         starts the emulator, and runs `payrail-bench` (bench/src): each binary runs under a local \
         Lambda Runtime and Extensions API (local/src/runtime_api.rs), with Lambda's environment, \
         128 MB declared; its AWS calls go through a recording proxy to the emulator.\n\
         - Every invocation's answer is checked (status, body) so an error can never be \
         measured as a fast success.\n\
         - *AWS wait* is wall time with at least one call in flight, as seen by the proxy; *our \
         code* is the rest of the invocation, the local runtime API's own hop included (the \
         benchmark is a dev build, kept apart from the release build so that cargo does not \
         unify its features into the measured binaries).\n\
         - The emulator (moto, one request at a time) answers in a few ms where DynamoDB answers in \
         single-digit ms too, but its time is not ours, so the cold-start target excludes it.\n\
         - Times are of the x86_64 binaries on this machine. The arm64 packages are built by \
         `make package` (the arm64 standard library from rustup, or Debian's Rust where rustup \
         has none) and run by `make package-test` under qemu, whose timings say nothing of \
         Graviton's: only their sizes are reported.\n\
         - The Python and Node.js versions of create-payment (bench/peers) are installed by \
         bench/peers/install.sh under target/peers, their dependencies pinned (requirements \
         files; package-lock.json through `npm ci`), and measured by `make bench-peers` (the \
         whole run, with them beside create-payment), which records them in bench/peers.json for \
         every later report.\n\
         - `make bench` builds for x86_64 the functions it runs; the sizes of the others are \
         their arm64 packages'.\n\
         - `BENCH_ITERATIONS`, `BENCH_SWEEPS` (expire-payments) and `BENCH_COLD_RUNS` change the \
         sample sizes."
    );
    md
}

/// `make load` (bench/load.json): the local stack as `make dev` runs it, under concurrent
/// payments from several merchants, and the invariants checked after it.
fn load_section(md: &mut String, l: &Value) {
    let _ = writeln!(md, "## Load: the local stack under concurrent traffic\n");
    let _ = writeln!(
        md,
        "Recorded by `make load` at {} on {} ({} cores, {}) in `bench/load.json`, not rerun by \
         `make bench`. The stack as `make dev` runs it, dev builds: one `payrail-local` serving \
         every route and running the events stream → `webhook-dispatch` → SQS → \
         `webhook-fanout` pipeline, against a fresh emulator. {} requests from {} concurrent \
         workers over {} merchants (a full key and a webhook endpoint each, on a loopback \
         receiver in the load process): {} payments, each created, its checkout page shown, paid \
         with the sandbox card ({} with the declining one), then looked up. These numbers \
         measure the emulator-bound local stack, not AWS.\n",
        l["generated_at"].as_str().unwrap_or("?"),
        l["machine"]["cpu"].as_str().unwrap_or("?"),
        l["machine"]["cores"],
        l["machine"]["arch"].as_str().unwrap_or("?"),
        l["requests"],
        l["concurrency"],
        l["merchants"],
        l["payments"],
        l["declined_cards"],
    );
    let _ = writeln!(
        md,
        "- **{} requests/s** ({} payments/s) over {} s; p50 **{} ms**, p99 **{} ms** over all \
         requests.",
        num(&l["requests_per_s"]),
        num(&l["payments_per_s"]),
        num(&l["duration_s"]),
        num(&l["overall"]["p50_ms"]),
        num(&l["overall"]["p99_ms"]),
    );
    let fours = l["status_4xx"]
        .as_object()
        .filter(|m| !m.is_empty())
        .map(|m| {
            m.iter()
                .map(|(k, n)| format!("{k}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|| "none".into());
    let _ = writeln!(
        md,
        "- 5xx: **{}**; requests without an answer: {}; 4xx: {fours}. A declined card is not an \
         error: its checkout answers 303 to the shop's cancel URL, as a paid one does to the \
         success URL.",
        l["status_5xx"], l["no_answer"],
    );
    let wh = &l["webhooks"];
    let _ = writeln!(
        md,
        "- Webhooks: {} deliveries received, {} distinct `webhook-id`s ({} redelivered); {} of \
         them while the requests ran, every event delivered {} after the last request.",
        wh["received"],
        wh["distinct"],
        wh["redelivered"],
        wh["received_during_requests"],
        match wh["all_delivered_after_s"].as_f64() {
            Some(s) => format!("{s:.1} s"),
            None => format!("**not** within {} s", wh["wait_limit_s"]),
        },
    );
    let cpu: Vec<String> = l["cpu_during_workload"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, c)| {
            format!(
                "{name} {} s ({:.0} % of one core)",
                num(&c["cpu_s"]),
                c["share_of_one_core"].as_f64().unwrap_or(0.0) * 100.0
            )
        })
        .collect();
    if !cpu.is_empty() {
        let _ = writeln!(md, "- CPU time during the requests: {}.", cpu.join(", "));
    }
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "| operation | requests | statuses | p50 | p99 | max |\n|---|---|---|---|---|---|"
    );
    let ops = &l["operations"];
    for name in ["create", "page", "pay", "lookup"] {
        let o = &ops[name];
        if o.is_null() {
            continue;
        }
        let statuses = o["statuses"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(s, n)| format!("{s} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            md,
            "| {} | {} | {statuses} | {} ms | {} ms | {} ms |",
            o["route"].as_str().unwrap_or(name),
            o["count"],
            num(&o["p50_ms"]),
            num(&o["p99_ms"]),
            num(&o["max_ms"]),
        );
    }
    let all = &l["overall"];
    let _ = writeln!(
        md,
        "| **all** | {} | | {} ms | {} ms | {} ms |\n",
        all["count"],
        num(&all["p50_ms"]),
        num(&all["p99_ms"]),
        num(&all["max_ms"]),
    );
    let _ = writeln!(
        md,
        "Checked after the run, through the API's event log (`GET /api/v1/events`, cursor \
         paging, per merchant) and the receiver (de-duplicated by `webhook-id`, each signature \
         verified with its endpoint's secret):\n"
    );
    let _ = writeln!(
        md,
        "| invariant | checked | failing | holds |\n|---|---|---|---|"
    );
    for i in l["invariants"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            i["invariant"].as_str().unwrap_or(""),
            i["checked"],
            i["failures"],
            if i["ok"] == true { "yes" } else { "**no**" },
        );
    }
    let _ = writeln!(
        md,
        "\nWhat limits it: every AWS call, of the requests and of the webhook pipeline alike, \
         goes to the emulator, a single Python process that works through them one at a time \
         (the most CPU above), so throughput is the emulator's and latency is mostly waiting in \
         its queue ({} workers at {} requests/s wait {:.1} s per request on average), while the \
         pipeline, polling the same emulator, falls behind and catches up after the requests \
         stop. In AWS, DynamoDB and SQS scale out and each Lambda instance serves one request at \
         a time.\n",
        l["concurrency"],
        num(&l["requests_per_s"]),
        l["concurrency"].as_f64().unwrap_or(0.0)
            / l["requests_per_s"].as_f64().unwrap_or(f64::INFINITY),
    );
}

/// arm64 package sizes (recorded by `make bench-arm64`) beside the x86_64 binaries measured.
fn packages_section(md: &mut String, r: &Value) {
    let Some(packages) = r["packages"].as_object() else {
        return;
    };
    let _ = writeln!(md, "\n## Packages: arm64 beside x86_64\n");
    let recorded = &r["arm64_recorded"];
    if recorded.is_null() {
        let _ = writeln!(
            md,
            "No arm64 sizes recorded yet: `make bench-arm64` builds the packages and records them.\n"
        );
    } else {
        let _ = writeln!(
            md,
            "Stripped binaries, and the same `bootstrap` zipped the same way (deflate -9) for both \
             architectures; *package* is the arm64 zip as `make package` writes it (cargo-lambda, \
             zig linker). x86_64: the release build measured above (`make bench` builds for \
             x86_64 only the functions it runs). arm64 (what template.yaml deploys; Graviton is \
             20 % cheaper per GB-second): recorded by `make bench-arm64` at {} with {}, a full \
             release build of its own (about as long as the x86_64 one, so not repeated by every \
             `make bench`). `make package-test` runs each arm64 package under \
             qemu; times under qemu say nothing of Graviton's and are not reported.\n",
            recorded["recorded_at"].as_str().unwrap_or("?"),
            recorded["compiler"].as_str().unwrap_or("?"),
        );
    }
    let _ = writeln!(
        md,
        "| function | x86_64 binary | x86_64 zip | arm64 binary | arm64 zip | arm64 package | arm64 / x86_64 binary |\n|---|---|---|---|---|---|---|"
    );
    let size = |v: &Value| v.as_u64().map(mb).unwrap_or_else(|| "–".into());
    for (name, p) in packages {
        let (x, a) = (&p["x86_64"], &p["arm64"]);
        let ratio = match (x["binary_bytes"].as_u64(), a["binary_bytes"].as_u64()) {
            (Some(x), Some(a)) if x > 0 => format!("{:.2}", a as f64 / x as f64),
            _ => "–".into(),
        };
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} | {} | {} | {ratio} |",
            size(&x["binary_bytes"]),
            size(&x["zip_bytes"]),
            size(&a["binary_bytes"]),
            size(&a["zip_bytes"]),
            size(&a["package_bytes"]),
        );
    }
}

/// 1st, 2nd, 3rd, 4th… for the report's prose.
fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// What a payment asks of Stripe, and what the reconciliation sweep costs: counted at the
/// Stripe stand-in by the integration tests and priced by hand, since the benchmark runs
/// against the sandbox.
const STRIPE_SECTION: &str = include_str!("stripe_calls.md");

#[cfg(test)]
mod tests {
    use super::ordinal;

    #[test]
    fn ordinals_read_as_english() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th"
            ]
        );
    }
}
