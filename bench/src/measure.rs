//! Runs a function binary as Lambda does (under the local Runtime API, its AWS calls through
//! the recording proxy) and measures cold starts, warm invocations and memory.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use payrail_local::runtime_api::{RuntimeApi, lambda_environment};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::capacity::{self, StoredSizes, Units};
use crate::proxy::{Call, Proxy};

const TIMEOUT: Duration = Duration::from_secs(30);

/// One cold start: process exec to first answer, and the part of it spent in AWS calls.
#[derive(Debug, Clone, Copy)]
pub struct Cold {
    pub total: Duration,
    pub aws: Duration,
}

/// One warm invocation.
#[derive(Debug, Clone)]
pub struct Warm {
    /// From handing the event to the runtime to its answer.
    pub total: Duration,
    /// Wall time with at least one AWS call in flight, before the answer.
    pub aws: Duration,
    /// Until the function and its extension were both done: what Lambda bills.
    pub billed: Duration,
    /// Every AWS call of the invocation, the access-log write after the answer included.
    pub calls: Vec<Call>,
}

pub struct Warmed {
    pub samples: Vec<Warm>,
    /// VmHWM: the most resident memory the process ever had.
    pub peak_rss_kb: u64,
    /// The invocation lines the binary logged (its own SDK interceptor's counts).
    pub sdk_lines: Vec<Value>,
}

pub struct Runner<'a> {
    pub bin_dir: &'a Path,
    pub env: BTreeMap<String, String>,
    pub proxy: &'a Proxy,
}

impl Runner<'_> {
    fn spawn(&self, name: &str, api: &RuntimeApi) -> (tokio::process::Child, LineLog) {
        let mut child = tokio::process::Command::new(self.bin_dir.join(name))
            .env_clear()
            .envs(&self.env)
            .envs(lambda_environment(api.addr, name))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        let log = LineLog::capture(child.stdout.take().unwrap());
        (child, log)
    }

    /// `n` fresh processes, each answering `event(i)` once.
    pub async fn cold(
        &self,
        name: &str,
        n: usize,
        event: impl Fn(usize) -> Value,
        check: impl Fn(&Value),
    ) -> Vec<Cold> {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let mut api = RuntimeApi::start().await.unwrap();
            let mark = self.proxy.mark();
            let started = Instant::now();
            let (child, _log) = self.spawn(name, &api);
            let (answer, at) = api
                .invoke_timed(event(i), TIMEOUT)
                .await
                .unwrap_or_else(|e| panic!("{name} cold start {i}: {e}"));
            check(&answer);
            let aws = busy_time(&self.proxy.calls_since(mark), started, at);
            out.push(Cold {
                total: at - started,
                aws,
            });
            drop(child);
        }
        out
    }

    /// One process: `warmup` unmeasured invocations, then `n` measured ones.
    pub async fn warm(
        &self,
        name: &str,
        warmup: usize,
        n: usize,
        mut event: impl FnMut(usize) -> Value,
        mut check: impl FnMut(usize, &Value),
    ) -> Warmed {
        let mut api = RuntimeApi::start().await.unwrap();
        let (child, log) = self.spawn(name, &api);
        for i in 0..warmup {
            let answer = api.invoke(event(i), TIMEOUT).await.unwrap();
            check(i, &answer);
        }
        let mut samples = Vec::with_capacity(n);
        for i in warmup..warmup + n {
            let mark = self.proxy.mark();
            let sent = Instant::now();
            let (answer, at) = api
                .invoke_timed(event(i), TIMEOUT)
                .await
                .unwrap_or_else(|e| panic!("{name} invocation {i}: {e}"));
            let done = Instant::now();
            check(i, &answer);
            let calls = self.proxy.calls_since(mark);
            samples.push(Warm {
                total: at - sent,
                aws: busy_time(&calls, sent, at),
                billed: done - sent,
                calls,
            });
        }
        let peak_rss_kb = child.id().map(peak_rss_kb).unwrap_or(0);
        drop(child);
        let sdk_lines = log.lines().await;
        Warmed {
            samples,
            peak_rss_kb,
            sdk_lines,
        }
    }
}

/// Wall time within `[from, to]` during which at least one call was in flight.
fn busy_time(calls: &[Call], from: Instant, to: Instant) -> Duration {
    let mut spans: Vec<(Instant, Instant)> = calls
        .iter()
        .filter(|c| c.sent < to)
        .map(|c| (c.sent.max(from), c.answered.min(to)))
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort();
    let mut total = Duration::ZERO;
    let mut current: Option<(Instant, Instant)> = None;
    for (a, b) in spans {
        match current {
            Some((ca, cb)) if a <= cb => current = Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                current = Some((a, b));
            }
            None => current = Some((a, b)),
        }
    }
    if let Some((a, b)) = current {
        total += b - a;
    }
    total
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// The JSON lines a process writes to stdout.
struct LineLog(tokio::task::JoinHandle<Vec<Value>>);

impl LineLog {
    fn capture(stdout: tokio::process::ChildStdout) -> Self {
        Self(tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            let mut out = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    out.push(v);
                }
            }
            out
        }))
    }

    async fn lines(self) -> Vec<Value> {
        self.0.await.unwrap_or_default()
    }
}

/// Request units of each sample's calls.
pub fn units_per_sample(samples: &[Warm], stored: &StoredSizes) -> Vec<Units> {
    samples
        .iter()
        .map(|s| {
            let mut u = Units::default();
            for c in &s.calls {
                u += capacity::units(c, stored);
            }
            u
        })
        .collect()
}
