//! Runs template.yaml's scheduled functions locally, as EventBridge would.

use std::sync::Arc;
use std::time::Duration;

use payrail::App;
use serde_json::json;

/// Invokes `binary`'s handler every `period` with a scheduled event, for as long as the
/// process runs. Failures are logged by the handler; the schedule goes on.
pub async fn run(binary: String, period: Duration, app: Arc<App>) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let _ = invoke(&binary, &app).await;
    }
}

/// One scheduled invocation of `binary`.
pub async fn invoke(binary: &str, app: &App) -> Result<serde_json::Value, String> {
    let event = json!({
        "version": "0", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {},
    });
    match binary {
        "expire-payments" => expire_payments::handle(app, event)
            .await
            .map_err(|e| e.to_string()),
        "webhook-dispatch" => webhook_dispatch::handle(app, event)
            .await
            .map_err(|e| e.to_string()),
        other => Err(format!("no local runner for scheduled function {other}")),
    }
}
