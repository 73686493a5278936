//! `payrail listen`: follows the merchant's event log and delivers each event to a local URL,
//! signed exactly as an endpoint of the chosen format is. Nothing reaches the laptop from
//! outside: it reads the log over the API.
//!
//! Events are ordered by id (time-ordered) but written by many functions at once, so one may
//! land in the log a little after a later one. The listener therefore re-reads the last
//! [`LOOKBACK`] of the log on every poll and remembers what it delivered in that window: no
//! event is skipped and none is delivered twice. Its state (the window's high-water mark, the
//! ids delivered in it, and its signing secret) is kept in a file, so a restart resumes where
//! it stopped.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use payrail::domain::Timestamp;
use payrail::events::EventType;
use payrail::webhooks::format::{EndpointFormat, Signer, signed_headers};
use payrail::webhooks::signing;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::{Api, root_cause};
use crate::error::CliError;
use crate::out::Out;

/// How far back each poll reads again, for events written late.
const LOOKBACK: i64 = 60;

pub struct Options {
    pub forward_to: String,
    pub events: Vec<EventType>,
    pub format: EndpointFormat,
    /// Start here rather than where the state file stopped (or now).
    pub since: Option<Timestamp>,
    pub state: Option<PathBuf>,
    pub interval: Duration,
    /// Stop after this many deliveries (for scripts and tests).
    pub max: Option<usize>,
}

#[derive(Serialize, Deserialize)]
struct State {
    /// Events created before this (Unix seconds) are never delivered: the listener's start.
    from: i64,
    /// The newest `created_at` (Unix seconds) delivered or passed over.
    high_water: i64,
    /// Ids delivered or passed over within [`LOOKBACK`] of `high_water`.
    done: BTreeMap<String, i64>,
    /// The local signing key, as a `whsec_…` secret.
    secret: String,
}

impl State {
    fn fresh(from: i64) -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the OS random number generator is unavailable");
        Self {
            from,
            high_water: from,
            done: BTreeMap::new(),
            secret: signing::secret_text(&key),
        }
    }

    fn load(path: &PathBuf) -> Option<Self> {
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    }

    /// Written whole to a file beside it and renamed over it, so a crash leaves one or the other.
    fn save(&self, path: &PathBuf) -> Result<(), CliError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::Other(format!("{}: {e}", dir.display())))?;
        }
        let tmp = path.with_extension("tmp");
        let text = serde_json::to_string(self).map_err(|e| CliError::Other(e.to_string()))?;
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| CliError::Other(format!("{}: {e}", path.display())))
    }

    fn mark(&mut self, id: &str, created: i64) {
        self.done.insert(id.to_owned(), created);
        self.high_water = self.high_water.max(created);
        let floor = self.high_water - LOOKBACK;
        self.done.retain(|_, at| *at >= floor);
    }
}

/// The state file of one API and key: listeners of different keys never share a cursor.
fn default_state(api: &Api, key_id: &str) -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."));
    let name = payrail::crypto::sha256_hex(&format!("{}\n{key_id}", api.base));
    base.join("payrail")
        .join(format!("listen-{}.json", &name[..16]))
}

pub async fn run(api: &Api, opts: Options, out: &Out) -> Result<(), CliError> {
    // Who we are, before anything else: a bad key stops here with one line.
    let key = api.get("/keys/current", &[]).await?;
    let key_id = key["id"].as_str().unwrap_or_default().to_owned();
    let path = opts
        .state
        .clone()
        .unwrap_or_else(|| default_state(api, &key_id));
    let now = Timestamp::now().unix();
    let mut state = match (opts.since, State::load(&path)) {
        (Some(since), previous) => {
            let mut s = State::fresh(since.unix());
            if let Some(previous) = previous {
                s.secret = previous.secret;
            }
            s
        }
        (None, Some(previous)) => previous,
        (None, None) => State::fresh(now),
    };
    state.save(&path)?;
    let key_bytes = signing::decode_secret(&state.secret)
        .ok_or_else(|| CliError::Other(format!("{}: not a signing secret", path.display())))?;
    out.started(&json!({
        "forward_to": opts.forward_to,
        "format": opts.format.as_str(),
        "secret": state.secret,
        "from": Timestamp::from_unix(state.from.max(state.high_water - LOOKBACK)),
        "state": path.display().to_string(),
    }));

    let mut delivered = 0usize;
    let mut down_since: Option<Instant> = None;
    loop {
        match pending(api, &state).await {
            Ok(events) => {
                if let Some(since) = down_since.take() {
                    out.note(&format!(
                        "the API answers again (down {} s); resuming",
                        since.elapsed().as_secs()
                    ));
                }
                for event in events {
                    let sent = deliver(api, &opts, &state, &key_bytes, &event, out).await;
                    let created = created_at(&event);
                    state.mark(event["id"].as_str().unwrap_or_default(), created);
                    state.save(&path)?;
                    delivered += usize::from(sent);
                    if opts.max.is_some_and(|max| delivered >= max) {
                        return Ok(());
                    }
                }
            }
            // A refused key ends the run; the network or the API coming and going does not.
            Err(CliError::Api {
                status, message, ..
            }) if status == 429 || status >= 500 => {
                if down_since.is_none() {
                    out.note(&format!("the API answered {status} ({message}); retrying"));
                    down_since = Some(Instant::now());
                }
            }
            Err(CliError::Unreachable(why)) => {
                if down_since.is_none() {
                    out.note(&format!("the API is unreachable ({why}); retrying"));
                    down_since = Some(Instant::now());
                }
            }
            Err(e) => return Err(e),
        }
        tokio::select! {
            _ = tokio::time::sleep(opts.interval) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

fn created_at(event: &Value) -> i64 {
    event["created_at"]
        .as_str()
        .and_then(Timestamp::parse)
        .map_or(0, Timestamp::unix)
}

/// The events not yet handled, oldest first: the log read back to [`LOOKBACK`] before the
/// high-water mark.
async fn pending(api: &Api, state: &State) -> Result<Vec<Value>, CliError> {
    let floor = (state.high_water - LOOKBACK).max(state.from);
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    // Newest first, back to the floor: every page of a backlog is read before any of it is
    // delivered, so a long one is delivered oldest first too.
    loop {
        let mut query = vec![("limit", "100".to_owned())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let page = api.get("/events", &query).await?;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        let mut older = false;
        for event in items {
            let created = created_at(&event);
            if created < floor {
                older = true;
                break;
            }
            let id = event["id"].as_str().unwrap_or_default();
            if !state.done.contains_key(id) {
                found.push(event);
            }
        }
        match page["next_cursor"].as_str() {
            Some(c) if !older => cursor = Some(c.to_owned()),
            _ => break,
        }
    }
    found.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    Ok(found)
}

/// Sends one event to the forward URL as an endpoint of the chosen format receives it, and
/// shows the answer; an event the format or the filter leaves out is passed over (`false`).
async fn deliver(
    api: &Api,
    opts: &Options,
    state: &State,
    key: &[u8],
    event: &Value,
    out: &Out,
) -> bool {
    let id = event["id"].as_str().unwrap_or_default();
    let Some(kind) = event["type"].as_str().and_then(EventType::parse) else {
        return false;
    };
    if (!opts.events.is_empty() && !opts.events.contains(&kind)) || !opts.format.carries(kind) {
        return false;
    }
    let standard = event["payload"].to_string();
    let body = opts.format.body(kind, &standard, &state.secret);
    let token = signing::token_text(key);
    let signer = Signer {
        keys: &[key],
        secret: &state.secret,
        token: &token,
    };
    let now = Timestamp::now().unix();
    let headers = signed_headers(opts.format, kind, id, now, body.as_bytes(), &signer);
    let mut req = api
        .http()
        .post(&opts.forward_to)
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers {
        req = req.header(name, value);
    }
    let started = Instant::now();
    let outcome = match req.send().await {
        Ok(res) => Ok(res.status().as_u16()),
        Err(e) => Err(root_cause(&e)),
    };
    out.delivery(&json!({
        "event_id": id,
        "type": kind.as_str(),
        "created_at": event["created_at"],
        "status": outcome.as_ref().ok(),
        "error": outcome.as_ref().err(),
        "ms": started.elapsed().as_millis() as u64,
    }));
    true
}
