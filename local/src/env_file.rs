//! Environment files that run the real function binaries against the local stack outside
//! `payrail-local`: `sam local invoke|start-api --env-vars` (JSON, per function) and
//! `cargo lambda watch --env-file` (dotenv).
//!
//! Each function gets every variable template.yaml gives it (Globals and its own), with the
//! provisioned names, and `AWS_ENDPOINT_URL` at the emulator. `sam local` runs functions in
//! Docker, where 127.0.0.1 is the container itself, so loopback URLs the functions call are
//! rewritten to `host` (those a browser loads are not).

use std::collections::BTreeMap;

use crate::template::Template;

/// The emulator's throwaway credentials and region (scripts/emulator.sh), for the dotenv form:
/// `cargo lambda watch` passes its own environment on, `sam local` sets these itself.
const AWS_SETTINGS: &[&str] = &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"];

/// URLs a customer's browser loads, on the machine itself: never rewritten.
const BROWSER_FACING: &[&str] = &["PAYRAIL_STRIPE_JS_URL", "PAYRAIL_PUBLIC_BASE_URL"];

/// Function logical id → its variables and their local values.
pub fn by_function(
    template: &Template,
    environment: &BTreeMap<String, String>,
    host: &str,
) -> BTreeMap<String, BTreeMap<String, String>> {
    template
        .functions
        .iter()
        .map(|f| {
            let vars = template
                .variables_of(f)
                .into_iter()
                .map(|name| {
                    let value = environment.get(&name).cloned().unwrap_or_default();
                    if BROWSER_FACING.contains(&name.as_str()) {
                        (name, value)
                    } else {
                        (name, on_host(&value, host))
                    }
                })
                .collect();
            (f.logical_id.clone(), vars)
        })
        .collect()
}

/// `sam local … --env-vars` JSON: `{"FunctionLogicalId": {"VAR": "value"}}`.
pub fn sam_json(template: &Template, environment: &BTreeMap<String, String>, host: &str) -> String {
    let doc = by_function(template, environment, host);
    serde_json::to_string_pretty(&doc).expect("strings serialize") + "\n"
}

/// A dotenv file for `cargo lambda watch --env-file`: every function's variables (they run in
/// one process environment there) and the AWS settings of this shell.
pub fn dotenv(
    template: &Template,
    environment: &BTreeMap<String, String>,
    host: &str,
    aws: impl Fn(&str) -> Option<String>,
) -> String {
    let mut all = BTreeMap::new();
    for vars in by_function(template, environment, host).into_values() {
        all.extend(vars);
    }
    for name in AWS_SETTINGS {
        if let Some(value) = aws(name) {
            all.insert((*name).to_owned(), value);
        }
    }
    let mut out = String::from("# Written by payrail-local for `cargo lambda watch --env-file`.\n");
    for (name, value) in all {
        out.push_str(&format!("{name}={}\n", quote(&value)));
    }
    out
}

/// `value` with a loopback origin (`http://127.0.0.1:…`, `http://localhost:…`) moved to `host`.
pub fn on_host(value: &str, host: &str) -> String {
    for loopback in ["http://127.0.0.1:", "http://localhost:"] {
        if let Some(rest) = value.strip_prefix(loopback) {
            return format!("http://{host}:{rest}");
        }
    }
    value.to_owned()
}

/// Double-quoted when it holds anything a dotenv reader could take apart.
fn quote(value: &str) -> String {
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:,@".contains(c))
    {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_move_to_the_host_and_nothing_else_does() {
        assert_eq!(
            on_host(
                "http://127.0.0.1:4566/000000000000/q",
                "host.docker.internal"
            ),
            "http://host.docker.internal:4566/000000000000/q"
        );
        assert_eq!(
            on_host("http://localhost:9/x", "10.0.0.2"),
            "http://10.0.0.2:9/x"
        );
        assert_eq!(
            on_host("https://api.stripe.com", "h"),
            "https://api.stripe.com"
        );
        assert_eq!(
            on_host("payrail-local-KeysTable", "h"),
            "payrail-local-KeysTable"
        );
    }

    #[test]
    fn dotenv_values_are_quoted_when_they_must_be() {
        assert_eq!(quote("0,5,300"), "0,5,300");
        assert_eq!(quote(""), "");
        assert_eq!(quote("a b\"c"), "\"a b\\\"c\"");
    }
}
