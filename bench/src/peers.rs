//! Payrail's create-payment beside the same API written in Python (boto3, awslambdaric) and
//! Node.js (AWS SDK v3), from bench/peers: the three run in the same harness, against the same
//! emulator and tables through the same recording proxy, invoked in turn with the same events
//! (a new order each time) and the same numbers of cold starts and warm invocations.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::capacity::StoredSizes;
use crate::measure::{Cold, Launch, Runner, Warmed, units_per_sample};
use crate::price::{dynamodb_and_api_usd_per_million, lambda_usd_per_million};
use crate::sizes::{dir_zip_size, zip_size};
use crate::stats::{mean, percentile_ms, r2};

/// The memory every function is declared with (and Lambda's smallest setting).
const DECLARED_MB: u64 = 128;

/// One implementation of create-payment and how to start it.
pub struct Contender {
    /// Short name: `payrail`, `python`, `node`.
    pub name: &'static str,
    pub label: String,
    /// Language, runtime interface client and SDK, with versions.
    pub runtime: String,
    /// How it is started, as shown in the report.
    pub command: String,
    pub launch: Launch,
    /// What would be uploaded: the binary, or the directory zipped.
    pub package: Package,
}

pub enum Package {
    Binary(PathBuf),
    Directory(PathBuf),
}

impl Package {
    fn zip_bytes(&self) -> u64 {
        match self {
            Package::Binary(path) => zip_size(path),
            Package::Directory(dir) => dir_zip_size(dir),
        }
    }
}

/// Payrail's create-payment, then the peers installed under `peers_dir` by
/// bench/peers/install.sh; an error says what is missing.
pub fn contenders(
    payrail: Launch,
    peers_dir: &Path,
    sources: &Path,
) -> Result<Vec<Contender>, String> {
    let python_task = peers_dir.join("python/task");
    let python = peers_dir.join("python/runtime/bin/python");
    let node_task = peers_dir.join("node/task");
    for needed in [
        python_task.join("handler.py"),
        python.clone(),
        node_task.join("node_modules"),
    ] {
        if !needed.exists() {
            return Err(format!(
                "{} is missing: bench/peers/install.sh installs the peers",
                needed.display()
            ));
        }
    }
    let node = find_on_path("node").ok_or("node is not on PATH")?;
    let pins = |file: &str| {
        std::fs::read_to_string(sources.join(file))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once("=="))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect::<BTreeMap<_, _>>()
    };
    let python_pins = pins("python/requirements.txt");
    let ric_pins = pins("python/runtime-requirements.txt");
    let node_pins: BTreeMap<String, String> =
        std::fs::read_to_string(sources.join("node/package.json"))
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            .and_then(|p| {
                p["dependencies"].as_object().map(|d| {
                    d.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
            })
            .unwrap_or_default();
    let pin = |pins: &BTreeMap<String, String>, name: &str| {
        pins.get(name).cloned().unwrap_or_else(|| "?".into())
    };

    let python_version = version_of(&python, "--version");
    let node_version = version_of(&node, "--version");
    let env = |pairs: &[(&str, String)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let path = "/usr/local/bin:/usr/bin:/bin".to_owned();
    // As Lambda's Node.js runtime sizes V8's heap from the function's memory.
    let new_space = DECLARED_MB / 10;
    let node_args = vec![
        "--expose-gc".to_owned(),
        "--max-http-header-size".to_owned(),
        "81920".to_owned(),
        format!("--max-semi-space-size={}", new_space / 2),
        format!("--max-old-space-size={}", DECLARED_MB - new_space),
        sources.join("node/runtime.mjs").display().to_string(),
    ];
    let payrail_binary = payrail.program.clone();
    Ok(vec![
        Contender {
            name: "payrail",
            label: "Payrail (Rust)".into(),
            runtime: "Rust, release build (the profile `make package` ships), lambda_runtime and the AWS SDK for Rust compiled in".into(),
            command: "target/release/create-payment".into(),
            launch: payrail,
            package: Package::Binary(payrail_binary),
        },
        Contender {
            name: "python",
            label: format!("Python {}", short_version(&python_version)),
            runtime: format!(
                "{python_version}, boto3 {}, awslambdaric {}",
                pin(&python_pins, "boto3"),
                pin(&ric_pins, "awslambdaric")
            ),
            command: "python -m awslambdaric handler.handler".into(),
            launch: Launch {
                program: python,
                args: ["-m", "awslambdaric", "handler.handler"]
                    .map(str::to_owned)
                    .to_vec(),
                dir: Some(python_task.clone()),
                env: env(&[
                    ("LAMBDA_TASK_ROOT", python_task.display().to_string()),
                    ("_HANDLER", "handler.handler".into()),
                    ("PATH", path.clone()),
                    ("LANG", "en_US.UTF-8".into()),
                    // Lambda's task directory is read-only: the handler's bytecode is not kept.
                    ("PYTHONDONTWRITEBYTECODE", "1".into()),
                ]),
            },
            package: Package::Directory(python_task),
        },
        Contender {
            name: "node",
            label: format!("Node.js {}", short_version(&node_version)),
            runtime: format!(
                "Node.js {node_version}, @aws-sdk/client-dynamodb {}, a Runtime API loop (bench/peers/node/runtime.mjs)",
                pin(&node_pins, "@aws-sdk/client-dynamodb")
            ),
            command: format!("node {}", node_args[..5].join(" ") + " runtime.mjs"),
            launch: Launch {
                program: node,
                args: node_args,
                dir: Some(node_task.clone()),
                env: env(&[
                    ("LAMBDA_TASK_ROOT", node_task.display().to_string()),
                    ("_HANDLER", "index.handler".into()),
                    ("PATH", path),
                    ("LANG", "en_US.UTF-8".into()),
                ]),
            },
            package: Package::Directory(node_task),
        },
    ])
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

fn version_of(program: &Path, flag: &str) -> String {
    std::process::Command::new(program)
        .arg(flag)
        .output()
        .ok()
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text).trim().to_owned()
        })
        .unwrap_or_default()
}

/// `Python 3.11.7` → `3.11`, `v20.20.2` → `20`.
fn short_version(full: &str) -> String {
    let digits = full.trim_start_matches(|c: char| !c.is_ascii_digit());
    let mut parts = digits.split('.');
    match full.starts_with('v') {
        true => parts.next().unwrap_or_default().to_owned(),
        false => parts.take(2).collect::<Vec<_>>().join("."),
    }
}

/// What one contender's part of the run produced.
pub struct Measured {
    pub contender: Contender,
    pub cold: Vec<Cold>,
    pub warm: Warmed,
}

/// Cold starts, then warm invocations, every contender in turn (see
/// [`Runner::side_by_side`]). `event(name, tag, i)` is contender `name`'s `i`-th event.
pub async fn measure(
    runner: &Runner<'_>,
    contenders: Vec<Contender>,
    cold_runs: usize,
    warmup: usize,
    iterations: usize,
    event: impl Fn(&str, &str, usize) -> Value,
    check: impl Fn(&str, &Value),
) -> Vec<Measured> {
    let count = contenders.len();
    let mut cold: Vec<Vec<Cold>> = (0..count).map(|_| Vec::new()).collect();
    for i in 0..cold_runs {
        for k in (0..count).map(|j| (i + j) % count) {
            let c = &contenders[k];
            eprintln!("bench: side by side, cold start {} of {}", i + 1, c.name);
            let e = event(c.name, "cold", i);
            cold[k].push(
                runner
                    .cold_start(c.name, &c.launch, e, |a| check(c.name, a))
                    .await,
            );
        }
    }
    eprintln!("bench: side by side, warm");
    let launches: Vec<(&str, Launch)> = contenders
        .iter()
        .map(|c| (c.name, c.launch.clone()))
        .collect();
    let names: Vec<&str> = contenders.iter().map(|c| c.name).collect();
    let warm = runner
        .side_by_side(
            &launches,
            warmup,
            iterations,
            |k, i| event(names[k], "warm", i),
            |k, _, a| check(names[k], a),
        )
        .await;
    contenders
        .into_iter()
        .zip(cold)
        .zip(warm)
        .map(|((contender, cold), warm)| Measured {
            contender,
            cold,
            warm,
        })
        .collect()
}

/// The smallest Lambda memory setting (1 MB steps, at least 128 MB) that holds `peak_rss_kb`.
fn lambda_memory_mb(peak_rss_kb: u64) -> u64 {
    peak_rss_kb.div_ceil(1024).max(DECLARED_MB)
}

/// The `peers` part of results.json.
pub fn results(measured: &[Measured], stored: &StoredSizes) -> Value {
    let rows: Vec<Value> = measured
        .iter()
        .map(|m| {
            let c = &m.contender;
            let s = &m.warm.samples;
            let total: Vec<Duration> = s.iter().map(|w| w.total).collect();
            let billed: Vec<Duration> = s.iter().map(|w| w.billed).collect();
            let aws: Vec<Duration> = s.iter().map(|w| w.aws).collect();
            let cold_total: Vec<Duration> = m.cold.iter().map(|c| c.total).collect();
            let cold_code: Vec<Duration> = m
                .cold
                .iter()
                .map(|c| c.total.saturating_sub(c.aws))
                .collect();
            let units = units_per_sample(s, stored);
            let mut ops: BTreeMap<String, f64> = BTreeMap::new();
            for call in s.iter().flat_map(|w| &w.calls) {
                *ops.entry(call.op.clone()).or_default() += 1.0;
            }
            let n = s.len().max(1) as f64;
            let memory_mb = lambda_memory_mb(m.warm.peak_rss_kb);
            let billed_p50 = percentile_ms(&billed, 50.0);
            let write_units = mean(units.iter().map(|u| u.write));
            let read_units = mean(units.iter().map(|u| u.read));
            json!({
                "name": c.name,
                "label": c.label,
                "runtime": c.runtime,
                "command": c.command,
                "package_bytes": c.package.zip_bytes(),
                "cold_ms": {
                    "runs": m.cold.len(),
                    "median": r2(percentile_ms(&cold_total, 50.0)),
                    "p90": r2(percentile_ms(&cold_total, 90.0)),
                    "median_without_aws": r2(percentile_ms(&cold_code, 50.0)),
                },
                "warm_ms": {
                    "invocations": s.len(),
                    "p50": r2(percentile_ms(&total, 50.0)),
                    "p99": r2(percentile_ms(&total, 99.0)),
                    "aws_p50": r2(percentile_ms(&aws, 50.0)),
                    "billed_p50": r2(billed_p50),
                },
                "cpu_ms_per_invocation": (m.warm.cpu_ms_per_invocation() * 1000.0).round() / 1000.0,
                "peak_rss_kb": m.warm.peak_rss_kb,
                "lambda_memory_mb": memory_mb,
                "aws_calls_per_invocation": ops
                    .into_iter()
                    .map(|(k, v)| (k, r2(v / n)))
                    .collect::<BTreeMap<_, _>>(),
                "request_units_per_invocation": {"read": r2(read_units), "write": r2(write_units)},
                "usd_per_million": {
                    "lambda": round4(lambda_usd_per_million(billed_p50, memory_mb)),
                    "with_dynamodb_and_api": round4(
                        lambda_usd_per_million(billed_p50, memory_mb)
                            + dynamodb_and_api_usd_per_million(read_units, write_units)
                    ),
                },
            })
        })
        .collect();
    json!({
        "operation": "POST /api/v1/payment-requests",
        "contenders": rows,
    })
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// How many times `value` is Payrail's `base`: the figure beside each peer's value.
fn ratio(value: f64, base: f64) -> Option<f64> {
    (base > 0.0 && value > 0.0).then(|| value / base)
}

fn times(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.0}×")
    } else {
        format!("{r:.1}×")
    }
}

/// "6.1× less" / "1.3× more": how Payrail's figure compares when the peer's is `r` times it.
fn less_or_more(r: f64) -> String {
    if r >= 1.0 {
        format!("{} less", times(r))
    } else {
        format!("{} more", times(1.0 / r))
    }
}

fn fmt_ms(v: f64) -> String {
    match v {
        v if v >= 100.0 => format!("{v:.0} ms"),
        v if v >= 10.0 => format!("{v:.1} ms"),
        v => format!("{v:.2} ms"),
    }
}

fn fmt_mb(mb: f64) -> String {
    format!("{mb:.1} MB")
}

/// A row of values, each peer's followed by its ratio to Payrail's.
fn row(
    md: &mut String,
    what: &str,
    rows: &[&Value],
    value: impl Fn(&Value) -> f64,
    show: impl Fn(f64) -> String,
) {
    let base = value(rows[0]);
    let mut line = format!("| {what} | {} |", show(base));
    for r in &rows[1..] {
        let v = value(r);
        let cell = match ratio(v, base) {
            Some(x) => format!(" {} (×{}) |", show(v), times(x).trim_end_matches('×')),
            None => format!(" {} |", show(v)),
        };
        line.push_str(&cell);
    }
    let _ = writeln!(md, "{line}");
}

/// One sentence: how many times faster Payrail's cold start is, and how its warm CPU and memory
/// compare; `None` when no peers were measured, in this run or recorded in bench/peers.json.
pub fn summary(peers: Option<&Value>) -> Option<String> {
    let rows: Vec<&Value> = peers?["contenders"].as_array()?.iter().collect();
    let (payrail, others) = rows.split_first()?;
    let get = |v: &Value, path: &[&str]| path.iter().fold(v, |v, k| &v[*k]).as_f64().unwrap_or(0.0);
    let part = |path: &[&str], text: &dyn Fn(f64) -> String| {
        others
            .iter()
            .filter_map(|o| {
                ratio(get(o, path), get(payrail, path))
                    .map(|r| format!("{} than {}", text(r), o["label"].as_str().unwrap_or("?")))
            })
            .collect::<Vec<_>>()
            .join(" and ")
    };
    Some(format!(
        "Payrail's create-payment cold start (median, exec → first answer) is **{}**; per warm \
         invocation it uses **{}**, and its peak memory is **{}**.",
        part(&["cold_ms", "median"], &|r| format!("{} faster", times(r))),
        part(&["cpu_ms_per_invocation"], &|r| format!(
            "{} CPU",
            less_or_more(r)
        )),
        part(&["peak_rss_kb"], &|r| format!("{} smaller", times(r))),
    ))
}

/// "in this run", or when `make bench-peers` measured the recorded peers.
pub fn when(results: &Value) -> String {
    let measured = results["peers"]["measured_at"].as_str();
    if measured.is_none() || measured == results["generated_at"].as_str() {
        "in this run".into()
    } else {
        format!(
            "by `make bench-peers` at {} (bench/peers.json)",
            measured.unwrap_or("?")
        )
    }
}

/// The side-by-side section of BENCHMARKS.md.
pub fn markdown(md: &mut String, peers: Option<&Value>, when: &str) {
    let _ = writeln!(md, "\n### Measured side by side: the same create-payment\n");
    let Some(rows) = peers.and_then(|p| p["contenders"].as_array()) else {
        let _ = writeln!(
            md,
            "Not measured yet: `make bench-peers` installs the Python and Node.js versions of \
             create-payment (bench/peers), measures them beside Payrail's and records them in \
             bench/peers.json.\n"
        );
        return;
    };
    let rows: Vec<&Value> = rows.iter().collect();
    if let Some(s) = summary(peers) {
        let _ = writeln!(md, "{s}\n");
    }
    let _ = writeln!(
        md,
        "The same API (`POST /api/v1/payment-requests`) written idiomatically in Python and in \
         Node.js (bench/peers): the key looked up and counted in its rate window, the \
         transaction, its order guard and its `payment.created` event in one transaction, the \
         access-log entry; the same tables, the same envelope (checked on every answer). All \
         three ran in one run, measured {}, under the same local Runtime API, against the same emulator \
         process through the same recording proxy, with the same events (a new order id each \
         time) and the same numbers of cold starts ({}) and warm invocations ({}), invoked in \
         turn so that the machine's and the emulator's drift falls on all three alike. *×N*: the \
         value divided by Payrail's.\n",
        when, rows[0]["cold_ms"]["runs"], rows[0]["warm_ms"]["invocations"],
    );
    let mut header = String::from("| |");
    let mut rule = String::from("|---|");
    for r in &rows {
        let _ = write!(header, " {} |", r["label"].as_str().unwrap_or("?"));
        rule.push_str("---|");
    }
    let _ = writeln!(md, "{header}\n{rule}");
    let f = |path: &'static [&'static str]| {
        move |v: &Value| path.iter().fold(v, |v, k| &v[*k]).as_f64().unwrap_or(0.0)
    };
    row(
        md,
        "cold start, median",
        &rows,
        f(&["cold_ms", "median"]),
        fmt_ms,
    );
    row(md, "cold start, p90", &rows, f(&["cold_ms", "p90"]), fmt_ms);
    row(
        md,
        "cold start without AWS wait, median",
        &rows,
        f(&["cold_ms", "median_without_aws"]),
        fmt_ms,
    );
    row(
        md,
        "warm, p50 (event → answer)",
        &rows,
        f(&["warm_ms", "p50"]),
        fmt_ms,
    );
    row(md, "warm, p99", &rows, f(&["warm_ms", "p99"]), fmt_ms);
    row(
        md,
        "warm, billed p50 (access log included)",
        &rows,
        f(&["warm_ms", "billed_p50"]),
        fmt_ms,
    );
    row(
        md,
        "CPU per warm invocation",
        &rows,
        f(&["cpu_ms_per_invocation"]),
        fmt_ms,
    );
    row(
        md,
        "peak RSS",
        &rows,
        |v| v["peak_rss_kb"].as_f64().unwrap_or(0.0) / 1024.0,
        fmt_mb,
    );
    row(
        md,
        "package (zip)",
        &rows,
        |v| v["package_bytes"].as_f64().unwrap_or(0.0) / 1_000_000.0,
        fmt_mb,
    );
    row(
        md,
        "Lambda memory (smallest setting ≥ peak RSS)",
        &rows,
        f(&["lambda_memory_mb"]),
        |v| format!("{v:.0} MB"),
    );
    row(
        md,
        "USD per 1M requests: Lambda (requests + duration)",
        &rows,
        f(&["usd_per_million", "lambda"]),
        |v| format!("{v:.4}"),
    );
    row(
        md,
        "USD per 1M requests: + DynamoDB and API Gateway",
        &rows,
        f(&["usd_per_million", "with_dynamodb_and_api"]),
        |v| format!("{v:.4}"),
    );
    let ops = |v: &Value| {
        v["aws_calls_per_invocation"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, n)| {
                format!(
                    "{k} ×{}",
                    n.as_f64().map_or("?".into(), |n| format!("{n:.2}"))
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut calls = String::from("| AWS calls per request (wire) |");
    let mut units = String::from("| DynamoDB read / write units per request |");
    for r in &rows {
        let _ = write!(calls, " {} |", ops(r));
        let _ = write!(
            units,
            " {:.2} / {:.2} |",
            r["request_units_per_invocation"]["read"]
                .as_f64()
                .unwrap_or(0.0),
            r["request_units_per_invocation"]["write"]
                .as_f64()
                .unwrap_or(0.0)
        );
    }
    let _ = writeln!(md, "{calls}\n{units}\n");
    let _ = writeln!(md, "What ran:\n");
    for r in &rows {
        let _ = writeln!(
            md,
            "- {}: {}; started as `{}`.",
            r["label"].as_str().unwrap_or("?"),
            r["runtime"].as_str().unwrap_or(""),
            r["command"].as_str().unwrap_or("")
        );
    }
    let _ = writeln!(
        md,
        "\nWhat differs, and how it is counted:\n\n\
         - **Access log.** Payrail writes the entry after the answer has gone out, from an \
         internal Lambda extension (one BatchWriteItem), so the caller does not wait for it but \
         Lambda bills it. A Python or Node.js function has no such extension of its own and \
         writes it (one PutItem) before answering, so its *warm p50* includes one more round trip \
         to DynamoDB; *billed p50* and *CPU* cover the same work for all three. The write units \
         are the same.\n\
         - **CPU per warm invocation**: user + system time of the whole process (every thread; \
         `/proc/<pid>/stat`, in clock ticks) across the measured invocations, divided by \
         their number; Payrail's includes its extension's access-log write.\n\
         - **Runtime interface clients.** Python runs Lambda's own client, `awslambdaric`, as a \
         container image does; Lambda's managed Python runtime preloads the same client in its \
         image. Node.js's client on npm (`aws-lambda-ric`) builds native code that needs cmake \
         and Node.js 22, so a short Runtime API loop (bench/peers/node/runtime.mjs) stands in for the managed runtime's, \
         started with the V8 heap flags that runtime derives from 128 MB; the managed loop does \
         more (log formatting, response streaming, tracing context). Payrail's client is \
         compiled into its binary.\n\
         - **Packages**: what would be uploaded, zipped. Payrail: its `bootstrap` binary. Python: \
         `handler.py`, its pinned packages (boto3 and botocore included, though Lambda's Python \
         runtime has a boto3 of its own, because a pinned SDK is what AWS recommends shipping) \
         and the bytecode pip compiled for them. Node.js: `index.mjs`, `package.json` and \
         `npm ci`'s `node_modules` (the pinned SDK v3, though the Node.js runtime has one too). \
         The runtime interface client is counted for none of them but Payrail, where it is part \
         of the binary.\n\
         - **Start-up work.** boto3 loads botocore's JSON service model when the client is \
         built at init; the SDK v3 and Payrail's SDK are code. Python's bytecode for the \
         installed packages was compiled at install (as pip does); the handler's own is not \
         kept between cold starts, as on Lambda's read-only task directory.\n\
         - **Retries and connections.** botocore's default (legacy) retry mode allows 4 retries, \
         the SDK v3's and Payrail's standard mode 2; a retry would show in the calls per request \
         above. All three reuse connections to DynamoDB between invocations (urllib3's pool, the \
         SDK v3's keep-alive agent, hyper's pool).\n\
         - **Versions.** The peers ran on this machine's Python and Node.js (above); Lambda \
         offers later ones too. The peers validate the same fields more simply (a fixed list of currencies) \
         and do not reopen an order whose last attempt ended unpaid; no request here takes \
         either path.\n\
         - **Cost**: Lambda's request price plus duration at each one's warm billed p50 (whole \
         ms) and memory, arm64 prices; then with the DynamoDB request units measured and one API \
         Gateway request. Lambda gives a function CPU in proportion to its memory (a full vCPU \
         at 1,769 MB), while each process here had a full core: at 128 MB, time spent computing \
         stretches several-fold, which CPU per invocation shows better than duration does.\n"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_the_smallest_setting_that_holds_the_peak() {
        assert_eq!(lambda_memory_mb(8 * 1024), 128);
        assert_eq!(lambda_memory_mb(128 * 1024), 128);
        assert_eq!(lambda_memory_mb(128 * 1024 + 1), 129);
    }

    #[test]
    fn versions_are_shortened_for_labels() {
        assert_eq!(short_version("Python 3.11.7"), "3.11");
        assert_eq!(short_version("v20.20.2"), "20");
    }

    #[test]
    fn comparisons_read_both_ways() {
        assert_eq!(less_or_more(6.14), "6.1× less");
        assert_eq!(less_or_more(0.5), "2.0× more");
        assert_eq!(times(23.4), "23×");
        assert_eq!(ratio(10.0, 0.0), None);
    }

    #[test]
    fn summary_states_each_ratio() {
        let row = |name: &str, label: &str, cold: f64, cpu: f64, rss: u64| {
            json!({"name": name, "label": label, "cold_ms": {"median": cold},
                   "cpu_ms_per_invocation": cpu, "peak_rss_kb": rss})
        };
        let peers = json!({"contenders": [
            row("payrail", "Payrail (Rust)", 40.0, 2.0, 8 * 1024),
            row("python", "Python 3.11", 800.0, 8.0, 80 * 1024),
            row("node", "Node.js 20", 400.0, 1.0, 96 * 1024),
        ]});
        let s = summary(Some(&peers)).unwrap();
        assert!(
            s.contains("**20× faster than Python 3.11 and 10× faster than Node.js 20**"),
            "{s}"
        );
        assert!(
            s.contains("**4.0× less CPU than Python 3.11 and 2.0× more CPU than Node.js 20**"),
            "{s}"
        );
        assert!(
            s.contains("10× smaller than Python 3.11 and 12× smaller than Node.js 20"),
            "{s}"
        );
        assert_eq!(summary(None), None);
    }
}
