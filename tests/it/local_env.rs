//! The environment files `make dev` writes for `sam local` and `cargo lambda`
//! (payrail-local's env_file) agree with template.yaml and name resources that exist in the
//! emulator, and the `sam local invoke` recipes of docs/operate.md name real functions and events.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use payrail_tests::payrail_local::env_file;
use payrail_tests::payrail_local::template::EnvValue;
use payrail_tests::{TestStack, template};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Whether template.yaml itself leaves `var` empty by default (`PAYRAIL_PUBLIC_BASE_URL`: use
/// the request's domain), as opposed to a value the local stack must fill in.
fn empty_by_design(var: &str) -> bool {
    let t = template();
    match &t.environment[var] {
        EnvValue::Literal(v) => v.is_empty() && var != "AWS_ENDPOINT_URL",
        EnvValue::Ref(p) => t.parameters.get(p).is_some_and(|d| d.is_empty()),
        _ => false,
    }
}

/// Checks that every resource a function's environment names exists in the emulator, through
/// the AWS SDK as the functions build it.
async fn assert_resources_exist(function: &str, vars: &BTreeMap<String, String>, prefix: &str) {
    let aws = payrail::app::lambda_aws_config().unwrap();
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let secrets = aws_sdk_secretsmanager::Client::new(&aws);
    for (var, value) in vars {
        let at = format!("{function} {var}={value}");
        if var.ends_with("_TABLE") {
            let table = dynamodb.describe_table().table_name(value).send().await;
            assert!(table.is_ok(), "{at}: no such table");
        } else if var.ends_with("_QUEUE_URL") || var.ends_with("_DLQ_URL") {
            let queue = sqs.get_queue_attributes().queue_url(value).send().await;
            assert!(queue.is_ok(), "{at}: no such queue");
        } else if var.ends_with("_SECRET") {
            let secret = secrets.describe_secret().secret_id(value).send().await;
            assert!(secret.is_ok(), "{at}: no such secret");
        } else if var.ends_with("_SECRET_PREFIX") {
            assert!(value.starts_with(&format!("{prefix}/")), "{at}");
        }
    }
}

#[tokio::test]
async fn every_function_gets_every_variable_the_template_declares_naming_real_resources() {
    let s = TestStack::start().await;
    let t = template();
    let environment = s.running.function_environment();
    let prefix = &s.running.stack.prefix;
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();

    let local = env_file::by_function(t, &environment, "127.0.0.1");
    let ids: Vec<&String> = local.keys().collect();
    let mut expected: Vec<&String> = t.functions.iter().map(|f| &f.logical_id).collect();
    expected.sort();
    assert_eq!(ids, expected, "one entry per function of template.yaml");
    assert!(t.functions.len() >= 13);

    for f in &t.functions {
        let vars = &local[&f.logical_id];
        let declared = t.variables_of(f);
        assert_eq!(
            vars.keys().cloned().collect::<Vec<_>>(),
            declared,
            "{}: the variables template.yaml gives it",
            f.logical_id
        );
        assert!(
            declared.iter().any(|v| v == "PAYRAIL_KEYS_TABLE"),
            "Globals are included"
        );
        for (var, value) in vars {
            assert!(
                !value.is_empty() || empty_by_design(var),
                "{} {var} is empty",
                f.logical_id
            );
        }
        assert_eq!(vars["AWS_ENDPOINT_URL"], endpoint);
        assert_eq!(
            vars["PAYRAIL_ALLOW_SANDBOX"], "1",
            "the local stage is not prod"
        );
        assert_resources_exist(&f.logical_id, vars, prefix).await;
    }

    // The file for sam local: the same, with the emulator at the host Docker reaches.
    let sam: Value =
        serde_json::from_str(&env_file::sam_json(t, &environment, "host.docker.internal")).unwrap();
    let create = &sam["CreatePaymentFunction"];
    let port = endpoint.rsplit(':').next().unwrap();
    assert_eq!(
        create["AWS_ENDPOINT_URL"],
        format!("http://host.docker.internal:{port}")
    );
    assert!(
        create["PAYRAIL_DELIVERY_QUEUE_URL"]
            .as_str()
            .unwrap()
            .starts_with("http://host.docker.internal:")
    );
    assert_eq!(
        create["PAYRAIL_KEYS_TABLE"],
        local["CreatePaymentFunction"]["PAYRAIL_KEYS_TABLE"].as_str()
    );
    // What a customer's browser loads stays on this machine.
    assert_eq!(
        create["PAYRAIL_STRIPE_JS_URL"],
        environment["PAYRAIL_STRIPE_JS_URL"].as_str()
    );

    // The file for cargo lambda: every variable, and the emulator's credentials and region.
    let dotenv = env_file::dotenv(t, &environment, "127.0.0.1", |k| std::env::var(k).ok());
    let lines: BTreeMap<&str, &str> = dotenv
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .collect();
    for var in t.environment.keys() {
        assert!(
            lines.contains_key(var.as_str()),
            "{var} missing from lambda.env"
        );
    }
    for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] {
        assert!(!lines[var].is_empty(), "{var}");
    }
    assert_eq!(lines["AWS_ENDPOINT_URL"], endpoint);
}

/// `payrail-local env`, as a developer runs it next to `make dev`.
fn payrail_local_env(prefix: &str, args: &[&str]) -> std::process::Output {
    let binary = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("debug/payrail-local");
    assert!(
        binary.exists(),
        "{} is missing: build it first (`cargo build --workspace --bins`, as `make test` does)",
        binary.display()
    );
    std::process::Command::new(binary)
        .arg("env")
        .args(args)
        .env("PAYRAIL_STACK_PREFIX", prefix)
        .output()
        .unwrap()
}

#[tokio::test]
async fn payrail_local_env_prints_the_running_stack_and_fails_in_words_without_one() {
    let s = TestStack::start().await;
    let prefix = s.running.stack.prefix.clone();
    let out = payrail_local_env(&prefix, &["--format", "sam", "--host", "10.0.2.2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hub = &printed["HubFunction"];
    assert_eq!(hub["PAYRAIL_KEYS_TABLE"], format!("{prefix}-KeysTable"));
    assert!(
        hub["AWS_ENDPOINT_URL"]
            .as_str()
            .unwrap()
            .starts_with("http://10.0.2.2:")
    );
    assert_eq!(
        printed.as_object().unwrap().len(),
        template().functions.len()
    );

    let dotenv = payrail_local_env(&prefix, &["--format", "dotenv"]);
    assert!(dotenv.status.success());
    let text = String::from_utf8(dotenv.stdout).unwrap();
    assert!(
        text.contains(&format!("PAYRAIL_KEYS_TABLE={prefix}-KeysTable\n")),
        "{text}"
    );

    let nothing = payrail_local_env("nostackhere", &["--format", "sam"]);
    assert!(!nothing.status.success());
    let said = String::from_utf8_lossy(&nothing.stderr);
    assert!(
        said.contains("nostackhere-") && said.contains("is `make dev` running?"),
        "{said}"
    );
    let bad = payrail_local_env(&prefix, &["--format", "yaml"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("usage:"));
}

#[test]
fn the_documented_recipes_name_real_functions_event_files_and_env_files() {
    let readme = std::fs::read_to_string(root().join("docs/operate.md")).unwrap();
    let t = template();
    let mut in_code = false;
    let mut invokes = 0;
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let command = line.split('#').next().unwrap_or_default();
        if !in_code {
            continue;
        }
        let words: Vec<&str> = command.split_whitespace().collect();
        let Some(at) = words.windows(3).position(|w| w[..2] == ["sam", "local"]) else {
            continue;
        };
        let words = &words[at + 2..];
        let flag = |name: &str| words.iter().position(|w| *w == name).map(|i| words[i + 1]);
        if let Some(env_vars) = flag("--env-vars") {
            assert_eq!(env_vars, ".payrail/env.json", "{line}");
        }
        if words[0] != "invoke" {
            continue;
        }
        invokes += 1;
        let function = words[1];
        assert!(
            t.functions.iter().any(|f| f.logical_id == function),
            "{function} is not a function of template.yaml: {line}"
        );
        let event = flag("-e").unwrap_or_else(|| panic!("no event: {line}"));
        assert!(Path::new(&root().join(event)).is_file(), "{event}: {line}");
        assert!(flag("--env-vars").is_some(), "without the env file: {line}");
    }
    assert!(invokes >= 2, "docs/operate.md shows `sam local invoke`");

    // And the cargo lambda ones name binaries the template builds, and files that exist.
    for line in readme.lines().filter(|l| l.contains("cargo lambda invoke")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words.iter().position(|w| *w == "invoke").unwrap();
        let binary = words[at + 1];
        assert!(
            t.functions.iter().any(|f| f.binary == binary),
            "{binary}: {line}"
        );
        let data = words[words.iter().position(|w| *w == "--data-file").unwrap() + 1];
        assert!(root().join(data).is_file(), "{data}: {line}");
    }
    assert!(readme.contains("cargo lambda watch --env-file .payrail/lambda.env"));
}
