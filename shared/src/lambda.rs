//! The Lambda entry points: one for every HTTP function, one for every event-driven function
//! (SQS, stream, schedule).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use lambda_http::{Body, Request, Response, service_fn};
use tokio::sync::{Mutex, mpsc};

use crate::App;
use crate::access_log;

/// How long the access-log extension waits for the handler before writing what it has.
const HANDLER_WAIT: Duration = Duration::from_secs(9);

/// Tells the extension the invocation is over when dropped, so even a handler that unwinds
/// does not leave the extension waiting.
struct Done(mpsc::UnboundedSender<()>);

impl Drop for Done {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// Builds the [`App`] once, at init, then serves invocations with `handler`.
///
/// Beside the runtime runs an internal Lambda extension that writes the access log after each
/// response is sent and before the environment is frozen, so callers never wait for it.
pub async fn serve<Fut>(handler: fn(&'static App, Request) -> Fut) -> Result<(), lambda_http::Error>
where
    Fut: Future<Output = Response<Body>> + Send,
{
    crate::logging::init();
    let app: &'static App = Box::leak(Box::new(App::from_env().await?));
    let log = app
        .take_access_log_receiver()
        .expect("a new App has its receiver");
    let (done_tx, done_rx) = mpsc::unbounded_channel::<()>();
    let state = Arc::new(Mutex::new((log, done_rx)));

    let extension = lambda_extension::Extension::new()
        .with_events(&["INVOKE"])
        .with_events_processor(lambda_extension::service_fn(move |_event| {
            let state = state.clone();
            async move {
                let mut guard = state.lock().await;
                let (log, done) = &mut *guard;
                // The INVOKE event reaches the extension as the handler starts; wait for it to
                // finish (bounded, so a lost signal cannot hold the environment).
                let _ = tokio::time::timeout(HANDLER_WAIT, done.recv()).await;
                let meter = app.aws_calls.meter();
                access_log::flush(app, log).await;
                meter.finish("access-log");
                Ok::<(), lambda_extension::Error>(())
            }
        }))
        .with_extension_name("payrail-access-log")
        // Extensions register during init, before the runtime starts taking invocations.
        .register()
        .await?;

    let runtime = lambda_http::run(service_fn(move |req: Request| {
        let done = Done(done_tx.clone());
        async move {
            let meter = app.aws_calls.meter();
            let res = handler(app, req).await;
            meter.finish("invocation");
            drop(done);
            Ok::<_, Infallible>(res)
        }
    }));
    tokio::try_join!(runtime, extension.run())?;
    Ok(())
}

/// Why an event-driven invocation failed. The cause is logged once, when the error is made; Lambda
/// counts the failure in the function's errors and the event source retries what it retries.
#[derive(Debug, thiserror::Error)]
#[error("{what} failed: {cause}")]
pub struct EventError {
    what: &'static str,
    cause: String,
}

impl EventError {
    pub fn new(what: &'static str, err: &(dyn std::error::Error + 'static)) -> Self {
        // An internal error's own text hides its cause on purpose; an operator needs the cause.
        let cause = err
            .source()
            .map_or_else(|| err.to_string(), |s| s.to_string());
        tracing::error!(error = %err, cause = %cause, "{what} failed");
        Self { what, cause }
    }
}

impl From<EventError> for lambda_runtime::Diagnostic {
    fn from(err: EventError) -> Self {
        Self {
            error_type: err.what.to_owned(),
            error_message: err.to_string(),
        }
    }
}

/// Builds the [`App`], and whatever else `setup` makes from it, once, at init; then serves each
/// event with `handler`, metering its AWS calls.
pub async fn serve_events<E, R, S, Fut>(
    setup: fn(&'static App) -> S,
    handler: fn(&'static App, &'static S, E) -> Fut,
) -> Result<(), lambda_runtime::Error>
where
    E: serde::de::DeserializeOwned,
    R: serde::Serialize,
    S: Sync + 'static,
    Fut: Future<Output = Result<R, EventError>>,
{
    crate::logging::init();
    let app: &'static App = Box::leak(Box::new(App::from_env().await?));
    let state: &'static S = Box::leak(Box::new(setup(app)));
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<E>| async move {
            let meter = app.aws_calls.meter();
            // Boxed: one allocation per invocation keeps the runtime's future type shallow.
            let result = Box::pin(handler(app, state, event.payload)).await;
            meter.finish("invocation");
            result
        },
    ))
    .await
}
