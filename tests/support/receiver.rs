//! A webhook receiver on 127.0.0.1 that records every request as sent and answers with
//! the statuses it is told to.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Delivery {
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body exactly as received.
    pub body: Vec<u8>,
}

impl Delivery {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// Answers: (status, extra header lines).
type Script = VecDeque<(u16, &'static str)>;

pub struct Receiver {
    pub url: String,
    seen: Arc<Mutex<Vec<Delivery>>>,
    script: Arc<Mutex<Script>>,
    /// The status (0 hangs) and delay of answers once the script has run out.
    otherwise: Arc<Mutex<(u16, Duration)>>,
}

impl Receiver {
    /// Answers 200 unless `answer` was given statuses to use first.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Mutex<Script>> = Arc::default();
        let otherwise = Arc::new(Mutex::new((200, Duration::ZERO)));
        let (s, sc, ot) = (seen.clone(), script.clone(), otherwise.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (s, sc, ot) = (s.clone(), sc.clone(), ot.clone());
                tokio::spawn(async move {
                    let Some(delivery) = read_request(&mut stream).await else {
                        return;
                    };
                    s.lock().unwrap().push(delivery);
                    let scripted = sc.lock().unwrap().pop_front();
                    let (status, extra, delay) = match scripted {
                        Some((status, extra)) => (status, extra, Duration::ZERO),
                        None => {
                            let (status, delay) = *ot.lock().unwrap();
                            (status, "", delay)
                        }
                    };
                    tokio::time::sleep(delay).await;
                    if status == 0 {
                        // Hang: hold the connection without answering.
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        return;
                    }
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n{extra}\r\nok"
                    );
                    let _ = stream.write_all(reply.as_bytes()).await;
                });
            }
        });
        Self {
            url,
            seen,
            script,
            otherwise,
        }
    }

    /// The next answers, in order (`extra` is header lines ending in CRLF, or ""); status 0
    /// hangs without answering.
    pub fn answer(&self, answers: &[(u16, &'static str)]) {
        self.script.lock().unwrap().extend(answers.iter().copied());
    }

    /// Once the scripted answers are used up, answers `status` (0 hangs) after `delay`.
    pub fn otherwise(&self, status: u16, delay: Duration) {
        *self.otherwise.lock().unwrap() = (status, delay);
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits until `n` requests have arrived (up to `within`), and answers them.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let seen = self.deliveries();
            if seen.len() >= n || tokio::time::Instant::now() > deadline {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Delivery> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Delivery {
        path,
        headers,
        body,
    })
}

/// Lower-case hex HMAC-SHA256 of `body` keyed with `secret`'s text: the check OnePay's and
/// OwnPay's receivers make of a delivery's signature, re-stated here rather than borrowed from
/// the code under test.
pub fn hex_hmac(secret: &str, body: &[u8]) -> String {
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    hmac::Mac::update(&mut mac, body);
    hmac::Mac::finalize(mac)
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
