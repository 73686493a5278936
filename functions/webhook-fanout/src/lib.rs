//! `webhook-fanout`: consumes delivery jobs from SQS and delivers each, reporting only the
//! messages to keep (`ReportBatchItemFailures`): those waiting for a retry, hidden until their
//! next attempt, and those that hit an error of ours.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use payrail::App;
use payrail::webhooks::deliver::{Deliverer, Disposition, Received, process};

/// The jobs of an SQS batch.
pub fn received(batch: SqsEvent) -> Vec<Received> {
    batch
        .records
        .into_iter()
        .map(|r| Received {
            receive_count: r
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|c| c.parse().ok())
                .unwrap_or(1),
            message_id: r.message_id.unwrap_or_default(),
            receipt_handle: r.receipt_handle.unwrap_or_default(),
            body: r.body.unwrap_or_default(),
        })
        .collect()
}

/// Delivers every job of the batch concurrently; answers the ids of messages to keep.
pub async fn handle(app: &App, deliverer: &Deliverer, jobs: Vec<Received>) -> Vec<String> {
    let outcomes = jobs.iter().map(|job| async move {
        match process(app, deliverer, job).await {
            Ok(Disposition::Done) => None,
            Ok(Disposition::Retry) => Some(job.message_id.clone()),
            Err(err) => {
                let cause = std::error::Error::source(&err).map(|s| s.to_string());
                tracing::error!(message_id = %job.message_id, error = %err, cause = ?cause, "delivery failed");
                Some(job.message_id.clone())
            }
        }
    });
    let mut keep = Vec::new();
    for outcome in futures_util::future::join_all(outcomes).await {
        keep.extend(outcome);
    }
    keep
}

/// The answer Lambda expects for `ReportBatchItemFailures`.
pub fn response(keep: Vec<String>) -> SqsBatchResponse {
    let mut res = SqsBatchResponse::default();
    res.batch_item_failures = keep
        .into_iter()
        .map(|id| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    res
}
