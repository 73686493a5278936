//! `payrail`: Payrail from a terminal, against any deployment, local or on AWS. Receive
//! webhooks on a laptop (`listen`), make events happen (`trigger`), follow the access log
//! (`logs tail`), resend events and manage keys. Configured by `PAYRAIL_API_URL` and
//! `PAYRAIL_API_KEY` or a profile (see [`config`]); `--json` prints JSON for scripts.

mod api;
mod commands;
mod config;
mod error;
mod listen;
mod out;
mod trigger;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use payrail::domain::Timestamp;
use payrail::events::EventType;
use payrail::webhooks::format::EndpointFormat;

use crate::error::CliError;
use crate::out::Out;

#[derive(Parser)]
#[command(
    name = "payrail",
    version,
    about = "Payrail from a terminal: webhooks on a laptop, events on demand, the access log, keys."
)]
struct Cli {
    /// A profile of the config file (otherwise PAYRAIL_API_URL and PAYRAIL_API_KEY, then [default]).
    #[arg(long, global = true)]
    profile: Option<String>,
    /// Print JSON (one object per line for what streams).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Deliver the merchant's events to a local URL, signed as a webhook endpoint's are.
    Listen {
        /// Where to POST each event (e.g. http://localhost:8000/webhooks).
        #[arg(long)]
        forward_to: String,
        /// Only these event types (comma-separated); all by default.
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
        /// The webhook format to sign and shape the deliveries in.
        #[arg(long, default_value = "standard")]
        format: String,
        /// Start from this instant (RFC 3339) instead of where the last run stopped (or now).
        #[arg(long)]
        since: Option<String>,
        /// The file the cursor and the signing secret are kept in.
        #[arg(long)]
        state: Option<std::path::PathBuf>,
        /// Seconds between reads of the event log.
        #[arg(long, default_value_t = 1.0)]
        interval: f64,
        /// Stop after this many deliveries.
        #[arg(long)]
        max: Option<usize>,
    },
    /// Make an event happen with a sandbox payment.
    Trigger {
        /// payment.succeeded, payment.declined, payment.refunded, payment.canceled or payment.expired.
        event: String,
        /// The longest to wait for the event, in seconds (payment.expired waits the checkout's lifetime).
        #[arg(long, default_value_t = 120)]
        wait: u64,
    },
    /// The API access log.
    Logs {
        #[command(subcommand)]
        command: LogsCommand,
    },
    /// The event log.
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
    /// API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum LogsCommand {
    /// Show the newest requests, then each new one.
    Tail {
        /// A status (429) or a class (4xx).
        #[arg(long)]
        status: Option<String>,
        /// Only paths starting with this (e.g. /api/v1/payment-requests).
        #[arg(long)]
        path: Option<String>,
        #[arg(long, default_value_t = 1.0)]
        interval: f64,
    },
}

#[derive(Subcommand)]
enum EventsCommand {
    /// Deliver an event again, to every subscribed endpoint or to one.
    Resend {
        id: String,
        #[arg(long)]
        endpoint: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key; it is printed once.
    Create {
        #[arg(long)]
        label: String,
        /// full or read_only.
        #[arg(long, default_value = "full")]
        scope: String,
        /// standard (prl_…) or ownpay (op_…).
        #[arg(long)]
        format: Option<String>,
    },
    /// List the keys, newest first.
    List,
    /// Revoke a key.
    Revoke { id: String },
}

fn seconds(value: f64, flag: &str) -> Result<Duration, CliError> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| CliError::Other(format!("--{flag} must be a positive number of seconds")))
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let out = Out { json: cli.json };
    let config = config::Config::load(cli.profile.as_deref())?;
    let api = api::Api::new(&config)?;
    match cli.command {
        Command::Listen {
            forward_to,
            events,
            format,
            since,
            state,
            interval,
            max,
        } => {
            reqwest::Url::parse(&forward_to).map_err(|e| {
                CliError::Other(format!("--forward-to '{forward_to}' is not a URL: {e}"))
            })?;
            let format = EndpointFormat::parse(&format).ok_or_else(|| {
                CliError::Other(format!(
                    "--format '{format}': one of standard, ovgc, onepay, ownpay"
                ))
            })?;
            let events = events
                .iter()
                .map(|e| {
                    EventType::parse(e).ok_or_else(|| {
                        CliError::Other(format!(
                            "--events: unknown event type '{e}' ({})",
                            EventType::names(false)
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let since = since
                .map(|s| {
                    Timestamp::parse(&s).ok_or_else(|| {
                        CliError::Other(format!("--since '{s}' must be an RFC 3339 instant"))
                    })
                })
                .transpose()?;
            let options = listen::Options {
                forward_to,
                events,
                format,
                since,
                state,
                interval: seconds(interval, "interval")?,
                max,
            };
            listen::run(&api, options, &out).await
        }
        Command::Trigger { event, wait } => {
            let done = trigger::run(&api, &event, Duration::from_secs(wait)).await?;
            let value = serde_json::json!({
                "transaction_id": done.transaction_id,
                "event": done.event,
            });
            out.result(&value, || {
                format!(
                    "{} happened: {} ({})",
                    event,
                    done.event["id"].as_str().unwrap_or_default(),
                    done.transaction_id
                )
            });
            Ok(())
        }
        Command::Logs {
            command:
                LogsCommand::Tail {
                    status,
                    path,
                    interval,
                },
        } => {
            commands::logs_tail(
                &api,
                &out,
                status.as_deref(),
                path.as_deref(),
                seconds(interval, "interval")?,
            )
            .await
        }
        Command::Events {
            command: EventsCommand::Resend { id, endpoint },
        } => commands::events_resend(&api, &out, &id, endpoint.as_deref()).await,
        Command::Keys { command } => match command {
            KeysCommand::Create {
                label,
                scope,
                format,
            } => commands::keys_create(&api, &out, &label, &scope, format.as_deref()).await,
            KeysCommand::List => commands::keys_list(&api, &out).await,
            KeysCommand::Revoke { id } => commands::keys_revoke(&api, &out, &id).await,
        },
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("payrail: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("payrail: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
