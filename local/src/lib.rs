//! Payrail on a laptop: provisions template.yaml's resources in the local AWS emulator and
//! serves every HTTP route of template.yaml by calling the same handler functions the Lambda
//! binaries run, with the request shaped exactly as API Gateway (HTTP API, payload 2.0) shapes it.

pub mod env_file;
pub mod event_sources;
pub mod provision;
pub mod router;
pub mod runtime_api;
pub mod scheduled;
pub mod template;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use payrail::App;
use payrail::config::Settings;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use provision::{BoxError, LocalStack, random_token};
pub use router::Router;
pub use template::Template;

/// The template shipped with the workspace.
pub fn default_template_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml")
}

/// What to start.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Prefix of every table and secret name, so stacks can share one emulator.
    pub prefix: String,
    /// The admin token to store; a random one when `None`.
    pub admin_token: Option<String>,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Settings that win over the template's environment (`PAYRAIL_CHECKOUT_TTL_SECONDS`, …).
    pub overrides: BTreeMap<String, String>,
    /// Do not run scheduled functions (tests trigger them when they choose).
    pub no_schedules: bool,
    /// Do not run the queue and stream consumers (tests start them when they choose).
    pub no_event_sources: bool,
}

/// A provisioned stack serving HTTP until dropped or shut down.
pub struct RunningStack {
    pub addr: SocketAddr,
    /// The settings that won over the template's environment.
    pub overrides: BTreeMap<String, String>,
    pub admin_token: String,
    pub stack: LocalStack,
    pub app: Arc<App>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningStack {
    /// Starts the queue and stream consumers of a stack started without them; they run until
    /// the tasks are aborted (dropping the handles leaves them running).
    pub async fn start_event_sources(
        &self,
        template: &Template,
    ) -> Result<Vec<tokio::task::JoinHandle<()>>, BoxError> {
        let aws = local_aws_config().await?;
        event_sources::spawn_all(template, &self.stack, self.app.clone(), &aws)
    }

    /// The environment a function of this stack runs with: the template's, resolved, with the
    /// overrides applied.
    pub fn function_environment(&self) -> BTreeMap<String, String> {
        let mut env = self.stack.environment.clone();
        env.extend(self.overrides.clone());
        env
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningStack {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Loads AWS configuration from the environment, refusing anything but a local endpoint:
/// this binary creates and overwrites resources and must never touch a real account.
pub async fn local_aws_config() -> Result<aws_config::SdkConfig, BoxError> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .map_err(|_| "AWS_ENDPOINT_URL is not set; point it at the local emulator")?;
    let host = endpoint
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    if !matches!(host, "127.0.0.1" | "localhost" | "[") && !host.starts_with("127.") {
        return Err(format!("AWS_ENDPOINT_URL={endpoint} is not a loopback address").into());
    }
    Ok(aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await)
}

/// Provisions the stack described by `template` and serves it on 127.0.0.1.
pub async fn start(template: &Template, opts: StartOptions) -> Result<RunningStack, BoxError> {
    let aws = local_aws_config().await?;
    let admin_token = opts
        .admin_token
        .clone()
        .unwrap_or_else(|| random_token("adm_"));
    let secret_values = BTreeMap::from([("AdminTokenSecret".to_owned(), admin_token.clone())]);
    let stack = provision::provision(template, &opts.prefix, &aws, &secret_values).await?;

    let settings = Settings::from_lookup(|name| {
        opts.overrides
            .get(name)
            .cloned()
            .or_else(|| stack.env(name))
    })?;
    let app = Arc::new(App::new(settings, &aws));
    // A long-running server can write the access log in the background as entries arrive.
    if let Some(receiver) = app.take_access_log_receiver() {
        let app = app.clone();
        tokio::spawn(async move { payrail::access_log::run_writer(&app, receiver).await });
    }
    let router = Arc::new(Router::new(template, app.clone())?);
    // What EventBridge would trigger: each scheduled function at its rate.
    if !opts.no_schedules {
        for function in &template.functions {
            for period in &function.schedules {
                tokio::spawn(scheduled::run(
                    function.binary.clone(),
                    *period,
                    app.clone(),
                ));
            }
        }
    }

    if !opts.no_event_sources {
        event_sources::spawn_all(template, &stack, app.clone(), &aws)?;
    }

    let listener = TcpListener::bind(("127.0.0.1", opts.port)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(router::serve(listener, router, async {
        let _ = rx.await;
    }));
    Ok(RunningStack {
        addr,
        overrides: opts.overrides.clone(),
        admin_token,
        stack,
        app,
        shutdown: Some(tx),
        task: Some(task),
    })
}
