//! Counts AWS calls as the SDK makes them (one per attempt on the wire), by service and
//! operation, and the time spent waiting on them, so logs, tests and benchmarks can state
//! exactly what an operation costs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

/// The log target of the per-invocation line ([`Meter::finish`]), off unless asked for
/// (`RUST_LOG=payrail::invocation=debug`): it doubles the log lines of a function.
pub const INVOCATION_TARGET: &str = "payrail::invocation";

#[derive(Debug, Clone, Default)]
pub struct AwsCalls(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    counts: Mutex<BTreeMap<String, u64>>,
    total: AtomicU64,
    /// Nanoseconds from sending a request to having its answer, summed over calls.
    waited_ns: AtomicU64,
}

/// When this attempt went on the wire.
#[derive(Debug, Clone, Copy)]
struct SentAt(Instant);

impl Storable for SentAt {
    type Storer = StoreReplace<Self>;
}

impl AwsCalls {
    /// Calls so far, keyed `Service.Operation` (`DynamoDB.GetItem`).
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Calls made since `before` was taken.
    pub fn since(&self, before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
        self.snapshot()
            .into_iter()
            .map(|(op, n)| (op.clone(), n - before.get(&op).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Time spent waiting on AWS so far, summed over calls.
    pub fn waited(&self) -> Duration {
        Duration::from_nanos(self.0.waited_ns.load(Ordering::Relaxed))
    }

    /// Starts measuring one invocation (a Lambda process handles one at a time). Costs nothing
    /// when its log line is off, as it is by default: every invocation goes through here.
    pub fn meter(&self) -> Meter {
        if !tracing::enabled!(target: INVOCATION_TARGET, tracing::Level::DEBUG) {
            return Meter(None);
        }
        Meter(Some(Measuring {
            calls: self.clone(),
            started: Instant::now(),
            total: self.0.total.load(Ordering::Relaxed),
            waited: self.waited(),
            counts: self.snapshot(),
        }))
    }
}

/// One invocation's duration, AWS calls and time waiting on them, if they are logged.
pub struct Meter(Option<Measuring>);

struct Measuring {
    calls: AwsCalls,
    started: Instant,
    total: u64,
    waited: Duration,
    counts: BTreeMap<String, u64>,
}

impl Meter {
    /// Logs the line of this `phase` of an invocation (`invocation`: the handler; `access-log`:
    /// the extension's write after it), target [`INVOCATION_TARGET`], level debug.
    pub fn finish(self, phase: &'static str) {
        let Some(m) = self.0 else {
            return;
        };
        let duration_us = m.started.elapsed().as_micros() as u64;
        let aws_calls = m.calls.0.total.load(Ordering::Relaxed) - m.total;
        let aws_wait_us = (m.calls.waited() - m.waited).as_micros() as u64;
        let aws_ops = m
            .calls
            .since(&m.counts)
            .iter()
            .map(|(op, n)| format!("{op}={n}"))
            .collect::<Vec<_>>()
            .join(",");
        tracing::debug!(
            target: INVOCATION_TARGET, phase, duration_us, aws_calls, aws_wait_us, aws_ops, "invocation"
        );
    }
}

impl Intercept for AwsCalls {
    fn name(&self) -> &'static str {
        "AwsCalls"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(meta) = cfg.load::<Metadata>() {
            let key = format!("{}.{}", meta.service(), meta.name());
            *self
                .0
                .counts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(key)
                .or_default() += 1;
        }
        self.0.total.fetch_add(1, Ordering::Relaxed);
        cfg.interceptor_state().store_put(SentAt(Instant::now()));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(SentAt(at)) = cfg.load::<SentAt>().copied() {
            let ns = at.elapsed().as_nanos() as u64;
            self.0.waited_ns.fetch_add(ns, Ordering::Relaxed);
        }
        Ok(())
    }
}
