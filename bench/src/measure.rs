//! Runs a function binary as Lambda does (under the local Runtime API, its AWS calls through
//! the recording proxy) and measures cold starts, warm invocations and memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
    /// CPU time (user + system, every thread) the process used over the measured invocations.
    pub cpu: Duration,
    /// The invocation lines the binary logged (its own SDK interceptor's counts).
    pub sdk_lines: Vec<Value>,
}

impl Warmed {
    /// CPU time per measured invocation, in milliseconds.
    pub fn cpu_ms_per_invocation(&self) -> f64 {
        crate::stats::ms(self.cpu) / self.samples.len().max(1) as f64
    }
}

/// What to start for a function: a program, its arguments, where it runs, and environment of
/// its own beside the runner's and Lambda's. A Payrail function is one binary; a function in
/// another language is its interpreter running a runtime interface client.
#[derive(Debug, Clone)]
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub dir: Option<PathBuf>,
    pub env: BTreeMap<String, String>,
}

impl Launch {
    pub fn binary(program: PathBuf) -> Self {
        Self {
            program,
            args: Vec::new(),
            dir: None,
            env: BTreeMap::new(),
        }
    }
}

pub struct Runner<'a> {
    pub bin_dir: &'a Path,
    pub env: BTreeMap<String, String>,
    pub proxy: &'a Proxy,
}

impl Runner<'_> {
    /// A Payrail function: its release binary.
    pub fn function(&self, name: &str) -> Launch {
        Launch::binary(self.bin_dir.join(name))
    }

    fn spawn(&self, name: &str, launch: &Launch, api: &RuntimeApi) -> Process {
        let mut command = tokio::process::Command::new(&launch.program);
        command
            .args(&launch.args)
            .env_clear()
            .envs(&self.env)
            .envs(lambda_environment(api.addr, name))
            .envs(&launch.env)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(dir) = &launch.dir {
            command.current_dir(dir);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("start {name} ({}): {e}", launch.program.display()));
        let log = LineLog::capture(child.stdout.take().unwrap());
        Process { child, log }
    }

    /// `n` fresh processes of a Payrail function, each answering `event(i)` once.
    pub async fn cold(
        &self,
        name: &str,
        n: usize,
        event: impl Fn(usize) -> Value,
        check: impl Fn(&Value),
    ) -> Vec<Cold> {
        let launch = self.function(name);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            out.push(self.cold_start(name, &launch, event(i), &check).await);
        }
        out
    }

    /// One fresh process of `launch`, answering `event` once: exec to first answer.
    pub async fn cold_start(
        &self,
        name: &str,
        launch: &Launch,
        event: Value,
        check: impl Fn(&Value),
    ) -> Cold {
        let mut api = RuntimeApi::start().await.unwrap();
        let mark = self.proxy.mark();
        let started = Instant::now();
        let process = self.spawn(name, launch, &api);
        let (answer, at) = api
            .invoke_timed(event, TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{name} cold start: {e}"));
        check(&answer);
        let aws = busy_time(&self.proxy.calls_since(mark), started, at);
        drop(process);
        Cold {
            total: at - started,
            aws,
        }
    }

    /// One process of a Payrail function: `warmup` unmeasured invocations, then `n` measured
    /// ones.
    pub async fn warm(
        &self,
        name: &str,
        warmup: usize,
        n: usize,
        mut event: impl FnMut(usize) -> Value,
        mut check: impl FnMut(usize, &Value),
    ) -> Warmed {
        let mut warmed = self
            .side_by_side(
                &[(name, self.function(name))],
                warmup,
                n,
                |_, i| event(i),
                |_, i, answer| check(i, answer),
            )
            .await;
        warmed.pop().expect("one process measured")
    }

    /// One process of each `(name, launch)`, invoked in turn: `warmup` unmeasured rounds, then
    /// `n` measured ones, each round in a rotating order, so that drift in the machine's load or
    /// the emulator's state over the run falls on every process alike. `event(k, i)` and
    /// `check(k, i, answer)` are for process `k`'s `i`-th invocation.
    pub async fn side_by_side(
        &self,
        launches: &[(&str, Launch)],
        warmup: usize,
        n: usize,
        mut event: impl FnMut(usize, usize) -> Value,
        mut check: impl FnMut(usize, usize, &Value),
    ) -> Vec<Warmed> {
        let mut running = Vec::with_capacity(launches.len());
        for (name, launch) in launches {
            let api = RuntimeApi::start().await.unwrap();
            let process = self.spawn(name, launch, &api);
            running.push((*name, api, process, Vec::with_capacity(n)));
        }
        let count = running.len();
        for i in 0..warmup {
            for k in (0..count).map(|j| (i + j) % count) {
                let (name, api, _, _) = &mut running[k];
                let answer = api
                    .invoke(event(k, i), TIMEOUT)
                    .await
                    .unwrap_or_else(|e| panic!("{name} warm-up {i}: {e}"));
                check(k, i, &answer);
            }
        }
        let cpu_before: Vec<Duration> = running.iter().map(|r| r.2.cpu()).collect();
        for i in warmup..warmup + n {
            for k in (0..count).map(|j| (i + j) % count) {
                let (name, api, _, samples) = &mut running[k];
                let mark = self.proxy.mark();
                let sent = Instant::now();
                let (answer, at) = api
                    .invoke_timed(event(k, i), TIMEOUT)
                    .await
                    .unwrap_or_else(|e| panic!("{name} invocation {i}: {e}"));
                let done = Instant::now();
                check(k, i, &answer);
                let calls = self.proxy.calls_since(mark);
                samples.push(Warm {
                    total: at - sent,
                    aws: busy_time(&calls, sent, at),
                    billed: done - sent,
                    calls,
                });
            }
        }
        let mut out = Vec::with_capacity(count);
        for ((_, api, process, samples), before) in running.into_iter().zip(cpu_before) {
            let cpu = process.cpu().saturating_sub(before);
            let peak_rss_kb = process.peak_rss_kb();
            let Process { child, log } = process;
            drop(child);
            drop(api);
            out.push(Warmed {
                samples,
                peak_rss_kb,
                cpu,
                sdk_lines: log.lines().await,
            });
        }
        out
    }
}

/// A function's process and what it writes to stdout.
struct Process {
    child: tokio::process::Child,
    log: LineLog,
}

impl Process {
    fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    /// VmHWM: the most resident memory the process ever had.
    fn peak_rss_kb(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse().ok())
            })
            .unwrap_or(0)
    }

    /// CPU time the process has used so far, every thread (ended ones too) counted.
    fn cpu(&self) -> Duration {
        crate::stats::process_cpu(self.pid()).unwrap_or_default()
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
