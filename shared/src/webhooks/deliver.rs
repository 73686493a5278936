//! Delivering one job: sign exactly the bytes sent, POST them, record the attempt, and decide
//! what happens next (done, retry later, or the dead-letter queue).
//!
//! Two queues keep a failing endpoint from delaying a healthy one. Fresh jobs arrive on the
//! deliveries queue; a failed attempt queues the next on the retry queue, and so does a fresh
//! job for an endpoint already in a failure run, without trying it there: such an endpoint may
//! hang until the timeout, and a batch is done only when its slowest delivery is.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::dns::{Name, Resolve, Resolving};

use super::attempt::Attempt;
use super::endpoint::{FAILING_LIMIT, WebhookEndpoint};
use super::format;
use super::job::{Job, RetryJob};
use super::retry::{MAX_DELAY, jitter, parse_retry_after};
use super::{secrets, ssrf};
use crate::App;
use crate::domain::Timestamp;
use crate::error::ApiError;
use crate::ids::AttemptId;
use crate::store;

/// How much of a response body is kept in the delivery log.
pub const RESPONSE_EXCERPT: usize = 1024;

/// A message from the deliveries queue or the retry queue.
#[derive(Debug, Clone)]
pub struct Received {
    pub message_id: String,
    pub receipt_handle: String,
    /// How many times SQS has handed this message out, this time included.
    pub receive_count: u32,
    pub body: String,
}

/// What to do with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Delivered, given up on (and kept on the dead-letter queue), or nothing to deliver.
    Done,
    /// Leave it: it is hidden until its attempt is due.
    Retry,
}

/// Resolves hosts for deliveries, dropping internal addresses, so the connection can only go
/// to an address that passed the check (a DNS answer cannot change between check and use).
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<_> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allow_private || ssrf::is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{} has no public address", name.as_str()).into());
            }
            Ok(Box::new(addrs.into_iter())
                as Box<dyn Iterator<Item = std::net::SocketAddr> + Send>)
        })
    }
}

/// The HTTP client for deliveries, built once per process.
pub struct Deliverer {
    client: reqwest::Client,
}

impl Deliverer {
    pub fn new(app: &App) -> Self {
        Self {
            client: client(
                app.settings.webhook_timeout,
                app.settings.allow_private_targets,
            ),
        }
    }
}

fn client(timeout: Duration, allow_private: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        // A 3xx is a failure: following it could lead anywhere, including inside.
        .redirect(reqwest::redirect::Policy::none())
        // No proxy from the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY): a proxy connects
        // to the target itself, past the guarded resolver.
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .user_agent("Payrail-Webhooks/1")
        .build()
        .expect("the delivery client builds")
}

/// What a POST produced.
struct Response {
    status: u16,
    retry_after: Option<Duration>,
    excerpt: String,
}

async fn post(
    deliverer: &Deliverer,
    app: &App,
    url: &str,
    headers: &[(&str, String)],
    body: &str,
) -> Result<Response, String> {
    let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
    // Literal IP addresses skip the resolver: check them here.
    if let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = parsed.host() {
        let host = parsed.host_str().unwrap_or_default();
        ssrf::check_host(host, 0, app.settings.allow_private_targets)
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut req = deliverer
        .client
        .post(parsed)
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let timeout = app.settings.webhook_timeout.as_secs();
    let mut res = req.send().await.map_err(|e| describe(e, timeout))?;
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let mut excerpt = Vec::new();
    while excerpt.len() < RESPONSE_EXCERPT {
        match res.chunk().await {
            Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
            _ => break,
        }
    }
    excerpt.truncate(RESPONSE_EXCERPT);
    Ok(Response {
        status,
        retry_after,
        excerpt: String::from_utf8_lossy(&excerpt).into_owned(),
    })
}

fn describe(e: reqwest::Error, timeout_secs: u64) -> String {
    if e.is_timeout() {
        format!("no answer within {timeout_secs} s")
    } else if e.is_connect() {
        let mut msg = "could not connect".to_owned();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg = format!("could not connect: {s}");
            source = s.source();
        }
        msg
    } else {
        e.to_string()
    }
}

/// Delivers one job. Errors (our storage, the queue) leave the message to come back after the
/// queue's visibility timeout.
pub async fn process(
    app: &App,
    deliverer: &Deliverer,
    msg: &Received,
) -> Result<Disposition, ApiError> {
    let (job, retry) = match serde_json::from_str::<RetryJob>(&msg.body) {
        Ok(r) => (r.job, Some((r.attempt, r.due))),
        Err(_) => match serde_json::from_str::<Job>(&msg.body) {
            Ok(job) => (job, None),
            Err(_) => {
                tracing::error!(message_id = %msg.message_id, "unreadable delivery job dropped");
                return Ok(Disposition::Done);
            }
        },
    };
    let Some(endpoint) = store::endpoints::get(app, &job.endpoint_id).await? else {
        return Ok(Disposition::Done); // deleted since
    };
    if !endpoint.enabled {
        return Ok(Disposition::Done);
    }
    let now = Timestamp::now();
    let number = match retry {
        // Tried on the retry path, where waiting on this endpoint holds up no healthy one.
        None if endpoint.failing_since.is_some() => {
            queue_attempt(app, &job, msg.receive_count, now, Duration::ZERO).await?;
            return Ok(Disposition::Done);
        }
        None => msg.receive_count,
        Some((_, due)) if due > now.unix() => {
            hide_until_due(app, msg, Duration::from_secs((due - now.unix()) as u64)).await?;
            return Ok(Disposition::Retry);
        }
        Some((attempt, _)) => attempt,
    };
    // Events are never deleted: a missing one is a read that came too early or a fault, so
    // the job comes back after the queue's visibility timeout rather than being dropped.
    let event = store::events::get(app, &job.event_id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("event {} not found", job.event_id)))?;

    // Its format changed since the job was queued to one that cannot carry this event.
    if !endpoint.format.carries(event.kind) {
        return Ok(Disposition::Done);
    }

    let master = secrets::master_key(app, &endpoint.merchant_id, false).await?;
    let secret = secrets::secret_of(&master, &endpoint);
    let body = endpoint.format.body(event.kind, &event.body, &secret);
    let keys: Vec<[u8; 32]> = endpoint
        .signing_generations(now)
        .into_iter()
        .map(|g| secrets::endpoint_key(&master, &endpoint.id, g))
        .collect();
    let key_refs: Vec<&[u8]> = keys.iter().map(|k| k.as_slice()).collect();
    let token = secrets::token_of(&master, &endpoint);
    let signer = format::Signer {
        keys: &key_refs,
        secret: &secret,
        token: &token,
    };
    let mut headers: Vec<(&str, String)> = endpoint
        .headers
        .iter()
        .map(|(name, value)| (name, value.to_owned()))
        .collect();
    headers.extend(format::signed_headers(
        endpoint.format,
        event.kind,
        event.id.as_str(),
        now.unix(),
        body.as_bytes(),
        &signer,
    ));

    let started = Instant::now();
    let result = post(deliverer, app, &endpoint.url, &headers, &body).await;
    let mut attempt = Attempt {
        id: AttemptId::generate(),
        endpoint_id: endpoint.id.clone(),
        event_id: event.id.clone(),
        merchant_id: endpoint.merchant_id.clone(),
        event_type: event.kind,
        attempt: number,
        outcome: String::new(),
        status_code: None,
        duration_ms: started.elapsed().as_millis() as u64,
        response: String::new(),
        error: None,
        next_attempt_at: None,
        created_at: now,
    };
    let retry_after = match result {
        Ok(res) => {
            attempt.status_code = Some(res.status);
            attempt.response = res.excerpt;
            if (200..300).contains(&res.status) {
                attempt.outcome = "succeeded".into();
                store::deliveries::record(app, &attempt).await?;
                if endpoint.failing_since.is_some() {
                    store::endpoints::set_health(app, &endpoint.id, None, None).await?;
                }
                return Ok(Disposition::Done);
            }
            if res.status == 410 {
                attempt.outcome = "endpoint_disabled".into();
                attempt.error = Some("the endpoint answered 410 Gone; it has been disabled".into());
                store::deliveries::record(app, &attempt).await?;
                store::endpoints::set_health(
                    app,
                    &endpoint.id,
                    endpoint.failing_since,
                    Some("the endpoint answered 410 Gone"),
                )
                .await?;
                return Ok(Disposition::Done);
            }
            if (300..400).contains(&res.status) {
                attempt.error = Some("redirects are not followed".into());
            }
            res.retry_after.filter(|_| matches!(res.status, 429 | 503))
        }
        Err(e) => {
            attempt.error = Some(e);
            None
        }
    };
    failed(app, &endpoint, &job, attempt, retry_after, now).await
}

/// A failed attempt: queue the next one, or give up.
async fn failed(
    app: &App,
    endpoint: &WebhookEndpoint,
    job: &Job,
    mut attempt: Attempt,
    retry_after: Option<Duration>,
    now: Timestamp,
) -> Result<Disposition, ApiError> {
    let failing_since = endpoint.failing_since.unwrap_or(now);
    if now.unix() - failing_since.unix() >= FAILING_LIMIT.as_secs() as i64 {
        attempt.outcome = "endpoint_disabled".into();
        store::deliveries::record(app, &attempt).await?;
        store::endpoints::set_health(
            app,
            &endpoint.id,
            Some(failing_since),
            Some("every delivery attempt failed for 5 days"),
        )
        .await?;
        dead_letter(app, job).await?;
        return Ok(Disposition::Done);
    }
    let next = app
        .settings
        .retry_schedule
        .delay_before(attempt.attempt + 1, retry_after, jitter());
    attempt.outcome = if next.is_some() { "retrying" } else { "failed" }.into();
    attempt.next_attempt_at = next.map(|delay| now.plus(delay));
    store::deliveries::record(app, &attempt).await?;
    // Before the next attempt is queued: an error after it would be retried and queue another.
    if endpoint.failing_since.is_none() {
        store::endpoints::set_health(app, &endpoint.id, Some(failing_since), None).await?;
    }
    match next {
        Some(delay) => queue_attempt(app, job, attempt.attempt + 1, now, delay).await?,
        None => dead_letter(app, job).await?,
    }
    Ok(Disposition::Done)
}

/// Queues attempt `number` of `job` on the retry queue, due `delay` after `now`.
async fn queue_attempt(
    app: &App,
    job: &Job,
    number: u32,
    now: Timestamp,
    delay: Duration,
) -> Result<(), ApiError> {
    let delay_secs = delay.as_secs_f64().ceil() as u64;
    let message = RetryJob {
        job: job.clone(),
        attempt: number,
        due: now.unix() + delay_secs as i64,
    };
    // SQS delays a message at most 15 minutes; a longer wait is hidden again when received.
    let queue = &app.settings.delivery_retry_queue_url;
    store::queue::send(app, queue, &message, Duration::from_secs(delay_secs)).await?;
    Ok(())
}

/// Hides a retry received before it is due (its delay was longer than SQS delays a message).
async fn hide_until_due(app: &App, msg: &Received, wait: Duration) -> Result<(), ApiError> {
    let queue = &app.settings.delivery_retry_queue_url;
    store::queue::hide(app, queue, &msg.receipt_handle, wait.min(MAX_DELAY)).await?;
    Ok(())
}

/// Keeps a job that will not be retried on the dead-letter queue, from where it can be
/// replayed (SQS redrive, or `POST /events/{id}/resend`) as a fresh job.
async fn dead_letter(app: &App, job: &Job) -> Result<(), ApiError> {
    store::queue::send(app, &app.settings.delivery_dlq_url, job, Duration::ZERO).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    const DIRECT: &str =
        "webhooks::deliver::tests::delivers_directly_with_a_proxy_in_the_environment";

    /// Proxy variables are process-wide, so the delivery runs in a child process of this test
    /// binary started with them set, pointing at a closed port: through the proxy it would fail.
    #[test]
    fn environment_proxies_are_not_used() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let mut child = Command::new(std::env::current_exe().unwrap());
        child.args(["--exact", DIRECT, "--ignored", "--nocapture"]);
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
        ] {
            child.env(var, &proxy);
        }
        let out = child
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[tokio::test]
    #[ignore = "run by environment_proxies_are_not_used, with a proxy in its environment"]
    async fn delivers_directly_with_a_proxy_in_the_environment() {
        assert!(
            std::env::var_os("HTTP_PROXY").is_some(),
            "proves nothing without a proxy: run environment_proxies_are_not_used"
        );
        let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = receiver.local_addr().unwrap();
        let received = tokio::spawn(async move {
            let (mut conn, _) = receiver.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = conn.read(&mut buf).await.unwrap();
                assert!(n > 0, "the request ended early");
                head.extend_from_slice(&buf[..n]);
            }
            conn.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8_lossy(&head).into_owned()
        });
        let res = client(Duration::from_secs(5), true)
            .post(format!("http://{addr}/hook"))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        // Sent to a proxy, the request line would carry the absolute URL.
        let head = received.await.unwrap();
        assert!(head.starts_with("POST /hook HTTP/1.1"), "{head}");
    }
}
