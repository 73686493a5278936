//! What the command prints: lines for people, or one JSON object per line with `--json`.

use serde_json::Value;

pub struct Out {
    pub json: bool,
}

impl Out {
    /// A result (a key, a list): pretty JSON with `--json`, else `human`.
    pub fn result(&self, value: &Value, human: impl FnOnce() -> String) {
        if self.json {
            println!("{value}");
        } else {
            println!("{}", human());
        }
    }

    /// `payrail listen` has started: where it forwards, and the secret to verify with.
    pub fn started(&self, v: &Value) {
        if self.json {
            println!("{}", serde_json::json!({"listening": v}));
            return;
        }
        println!(
            "Forwarding events from {} to {} as {} webhooks.",
            v["from"].as_str().unwrap_or("now"),
            v["forward_to"].as_str().unwrap_or_default(),
            v["format"].as_str().unwrap_or_default()
        );
        println!(
            "Signing secret: {}  (verify with it as with an endpoint's secret)",
            v["secret"].as_str().unwrap_or_default()
        );
        println!(
            "Cursor kept in {}. Ctrl-C stops.",
            v["state"].as_str().unwrap_or_default()
        );
    }

    /// One delivery and its answer.
    pub fn delivery(&self, v: &Value) {
        if self.json {
            println!("{v}");
            return;
        }
        let answer = match (v["status"].as_u64(), v["error"].as_str()) {
            (Some(status), _) => status.to_string(),
            (None, Some(error)) => format!("failed: {error}"),
            _ => "?".into(),
        };
        println!(
            "{}  {:<24} {}  -> {} ({} ms)",
            v["created_at"].as_str().unwrap_or_default(),
            v["type"].as_str().unwrap_or_default(),
            v["event_id"].as_str().unwrap_or_default(),
            answer,
            v["ms"]
        );
    }

    /// A line about the run itself (the API down, then back).
    pub fn note(&self, text: &str) {
        if self.json {
            println!("{}", serde_json::json!({"note": text}));
        } else {
            eprintln!("{text}");
        }
    }
}
