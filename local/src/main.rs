//! `payrail-local`: provisions the local stack from template.yaml and serves it until Ctrl-C.
//!
//! Settings: `PAYRAIL_PORT` (3000), `PAYRAIL_ADMIN_TOKEN` (else one is generated and printed),
//! `PAYRAIL_STACK_PREFIX` (`payrail-local`), and any `PAYRAIL_*` setting of template.yaml's
//! environment, which wins over the template's default. `AWS_ENDPOINT_URL` must point at the
//! local emulator.
//!
//! `payrail-local [--env-dir DIR] [--sam-host HOST]` also writes `DIR/env.json` (for
//! `sam local --env-vars`, the emulator reached at HOST, `host.docker.internal` unless given)
//! and `DIR/lambda.env` (for `cargo lambda watch --env-file`) once the stack is up.
//! `payrail-local env --format sam|dotenv [--host HOST]` prints either for the stack already
//! running, without changing it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use payrail_local::{StartOptions, Template, default_template_path, env_file};

const USAGE: &str = "usage: payrail-local [--env-dir DIR] [--sam-host HOST]\n       \
                     payrail-local env --format sam|dotenv [--host HOST]";

/// Where Docker containers reach the machine they run on (Docker Desktop; on Linux, run
/// `sam local` with `--docker-network host` and `--sam-host 127.0.0.1`).
const DOCKER_HOST: &str = "host.docker.internal";

#[tokio::main]
async fn main() {
    payrail::logging::init();
    if let Err(e) = run().await {
        eprintln!("payrail-local: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), payrail_local::BoxError> {
    let template_path = std::env::var("PAYRAIL_TEMPLATE")
        .map(Into::into)
        .unwrap_or_else(|_| default_template_path());
    let template = Template::load(&template_path)?;
    let mut args = Args::parse(std::env::args().skip(1))?;
    // Settings the developer exported win over the template's defaults; resource names do not,
    // because they must name what was just provisioned.
    let overrides: BTreeMap<String, String> = template
        .environment
        .keys()
        .filter(|k| !k.ends_with("_TABLE") && !k.ends_with("_SECRET"))
        .filter(|k| !k.starts_with("AWS_"))
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.clone(), v)))
        .collect();
    let prefix = std::env::var("PAYRAIL_STACK_PREFIX").unwrap_or_else(|_| "payrail-local".into());

    if args.command.as_deref() == Some("env") {
        let format = args.take("--format");
        let host = args.take("--host");
        args.finish()?;
        let (sam, host) = match format.as_deref() {
            Some("sam") => (true, host.unwrap_or_else(|| DOCKER_HOST.into())),
            Some("dotenv") => (false, host.unwrap_or_else(|| "127.0.0.1".into())),
            _ => return Err(USAGE.into()),
        };
        let aws = payrail_local::local_aws_config().await?;
        let stack = payrail_local::provision::describe(&template, &prefix, &aws).await?;
        let mut environment = stack.environment;
        environment.extend(overrides);
        if sam {
            print!("{}", env_file::sam_json(&template, &environment, &host));
        } else {
            let aws_setting = |k: &str| std::env::var(k).ok();
            print!(
                "{}",
                env_file::dotenv(&template, &environment, &host, aws_setting)
            );
        }
        return Ok(());
    }
    if args.command.is_some() {
        return Err(USAGE.into());
    }
    let env_dir = args.take("--env-dir").map(PathBuf::from);
    let sam_host = args
        .take("--sam-host")
        .unwrap_or_else(|| DOCKER_HOST.into());
    args.finish()?;

    let port = match std::env::var("PAYRAIL_PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| format!("PAYRAIL_PORT={p} is not a port"))?,
        Err(_) => 3000,
    };
    let admin_token = std::env::var("PAYRAIL_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let generated = admin_token.is_none();
    let running = payrail_local::start(
        &template,
        StartOptions {
            prefix,
            admin_token,
            port,
            overrides,
            no_schedules: false,
            no_event_sources: false,
        },
    )
    .await?;

    if generated {
        println!("admin token: {}", running.admin_token);
    } else {
        println!("admin token: from PAYRAIL_ADMIN_TOKEN");
    }
    if let Some(dir) = env_dir {
        let environment = running.function_environment();
        std::fs::create_dir_all(&dir)?;
        let sam = dir.join("env.json");
        std::fs::write(&sam, env_file::sam_json(&template, &environment, &sam_host))?;
        let dotenv = dir.join("lambda.env");
        let text = env_file::dotenv(&template, &environment, "127.0.0.1", |k| {
            std::env::var(k).ok()
        });
        std::fs::write(&dotenv, text)?;
        println!(
            "environment for sam local: {} (emulator at {sam_host}); for cargo lambda: {}",
            sam.display(),
            dotenv.display()
        );
    }
    println!("listening on {}", running.base_url());

    tokio::signal::ctrl_c().await?;
    println!("shutting down");
    running.shutdown().await;
    Ok(())
}

/// The command line: an optional subcommand and `--flag value` pairs.
struct Args {
    command: Option<String>,
    flags: Vec<(String, String)>,
}

impl Args {
    fn parse(mut words: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut command = None;
        let mut flags = Vec::new();
        while let Some(word) = words.next() {
            if word.starts_with("--") {
                let value = words
                    .next()
                    .ok_or_else(|| format!("{word} needs a value\n{USAGE}"))?;
                flags.push((word, value));
            } else if command.is_none() {
                command = Some(word);
            } else {
                return Err(format!("unexpected {word}\n{USAGE}"));
            }
        }
        Ok(Self { command, flags })
    }

    fn take(&mut self, flag: &str) -> Option<String> {
        let at = self.flags.iter().position(|(f, _)| f == flag)?;
        Some(self.flags.remove(at).1)
    }

    /// Refuses flags nobody took.
    fn finish(self) -> Result<(), String> {
        match self.flags.first() {
            None => Ok(()),
            Some((flag, _)) => Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
}
