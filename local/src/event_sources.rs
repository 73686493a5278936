//! Runs what AWS would trigger from template.yaml's event sources: an SQS queue's messages
//! through the fan-out handler (as Lambda's SQS integration does, deleting what the handler
//! does not report back), and a table's DynamoDB stream through the dispatcher.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sqs::operation::receive_message::ReceiveMessageError;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use payrail::App;
use payrail::events::Event;
use payrail::webhooks::deliver::{Deliverer, Received};

use crate::provision::{BoxError, LocalStack};
use crate::template::{EventSource, Template};

const IDLE: Duration = Duration::from_millis(150);

/// Starts a poller for every event source of every function in `template`.
pub fn spawn_all(
    template: &Template,
    stack: &LocalStack,
    app: Arc<App>,
    aws: &aws_config::SdkConfig,
) -> Result<Vec<tokio::task::JoinHandle<()>>, BoxError> {
    let mut tasks = Vec::new();
    for function in &template.functions {
        for source in &function.event_sources {
            let app = app.clone();
            match (function.binary.as_str(), source) {
                ("webhook-fanout", EventSource::Queue(queue)) => {
                    let url = stack
                        .queue_urls
                        .get(queue)
                        .ok_or_else(|| format!("{queue} is not a provisioned queue"))?
                        .clone();
                    let deliverer = Arc::new(Deliverer::new(&app));
                    tasks.push(tokio::spawn(run_queue(url, app, deliverer)));
                }
                ("webhook-dispatch", EventSource::Stream(table)) => {
                    let name = stack
                        .names
                        .get(table)
                        .ok_or_else(|| format!("{table} is not a provisioned table"))?
                        .clone();
                    let streams = aws_sdk_dynamodbstreams::Client::new(aws);
                    tasks.push(tokio::spawn(run_stream(name, app, streams)));
                }
                (binary, source) => {
                    return Err(format!("no local runner for {binary} on {source:?}").into());
                }
            }
        }
    }
    Ok(tasks)
}

/// Batches a queue's consumer has in hand at once. Lambda's SQS poller starts with five
/// concurrent batches and adds more while messages wait; a fixed few locally keep up with the
/// local API, and a batch waiting on its slowest delivery does not stop the next.
const CONCURRENT_BATCHES: usize = 8;

async fn run_queue(url: String, app: Arc<App>, deliverer: Arc<Deliverer>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_BATCHES));
    loop {
        let slot = slots
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let jobs = match receive(&app, &url).await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "receiving deliveries");
                tokio::time::sleep(IDLE).await;
                continue;
            }
        };
        if jobs.is_empty() {
            tokio::time::sleep(IDLE).await;
            continue;
        }
        let (app, deliverer, url) = (app.clone(), deliverer.clone(), url.clone());
        tokio::spawn(async move {
            let keep = webhook_fanout::handle(&app, &deliverer, jobs.clone()).await;
            delete_done(&app, &url, &jobs, &keep).await;
            drop(slot);
        });
    }
}

/// Up to ten messages, as Lambda's SQS integration hands them to the function.
async fn receive(
    app: &App,
    url: &str,
) -> Result<Vec<Received>, aws_sdk_sqs::error::SdkError<ReceiveMessageError>> {
    let out = app
        .sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .send()
        .await?;
    Ok(out
        .messages
        .unwrap_or_default()
        .into_iter()
        .map(|m| Received {
            receive_count: m
                .attributes
                .as_ref()
                .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                .and_then(|c| c.parse().ok())
                .unwrap_or(1),
            message_id: m.message_id.unwrap_or_default(),
            receipt_handle: m.receipt_handle.unwrap_or_default(),
            body: m.body.unwrap_or_default(),
        })
        .collect())
}

/// Deletes the batch's messages the handler did not ask to keep.
async fn delete_done(app: &App, url: &str, jobs: &[Received], keep: &[String]) {
    let done: Vec<DeleteMessageBatchRequestEntry> = jobs
        .iter()
        .filter(|j| !keep.contains(&j.message_id))
        .enumerate()
        .filter_map(|(i, j)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .receipt_handle(&j.receipt_handle)
                .build()
                .ok()
        })
        .collect();
    if !done.is_empty() {
        let _ = app
            .sqs
            .delete_message_batch()
            .queue_url(url)
            .set_entries(Some(done))
            .send()
            .await;
    }
}

async fn run_stream(table: String, app: Arc<App>, streams: aws_sdk_dynamodbstreams::Client) {
    let mut iterators: Vec<String> = Vec::new();
    loop {
        if iterators.is_empty() {
            match shard_iterators(&app, &streams, &table).await {
                Ok(its) => iterators = its,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the events stream");
                    tokio::time::sleep(IDLE).await;
                    continue;
                }
            }
        }
        let mut next_round = Vec::new();
        let mut idle = true;
        for iterator in iterators.drain(..) {
            let out = match streams.get_records().shard_iterator(&iterator).send().await {
                Ok(out) => out,
                Err(_) => continue, // expired iterator: re-describe next round
            };
            let events: Result<Vec<Event>, _> = out
                .records
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.event_name.as_ref().map(|n| n.as_str()) == Some("INSERT"))
                .filter_map(|r| r.dynamodb.and_then(|d| d.new_image))
                .map(serde_dynamo::from_item)
                .collect();
            let events = match events {
                Ok(events) => events,
                Err(e) => {
                    tracing::error!(error = %e, "unreadable event on the stream");
                    Vec::new()
                }
            };
            if !events.is_empty() {
                idle = false;
                // As Lambda does, a batch that failed is retried from the same position; the
                // events it did dispatch are out of the outbox and skipped the second time.
                let outcome = payrail::webhooks::dispatch::dispatch(&app, &events).await;
                if outcome.failed_from.is_some() {
                    tokio::time::sleep(IDLE).await;
                    next_round.push(iterator);
                    continue;
                }
            }
            if let Some(next) = out.next_shard_iterator {
                next_round.push(next);
            }
        }
        iterators = next_round;
        if idle {
            tokio::time::sleep(IDLE).await;
        }
    }
}

async fn shard_iterators(
    app: &App,
    streams: &aws_sdk_dynamodbstreams::Client,
    table: &str,
) -> Result<Vec<String>, BoxError> {
    let described = app
        .dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await?;
    let arn = described
        .table
        .and_then(|t| t.latest_stream_arn)
        .ok_or("the table has no stream")?;
    let stream = streams.describe_stream().stream_arn(&arn).send().await?;
    let mut iterators = Vec::new();
    for shard in stream
        .stream_description
        .and_then(|d| d.shards)
        .unwrap_or_default()
    {
        let it = streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard.shard_id.unwrap_or_default())
            .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::TrimHorizon)
            .send()
            .await?;
        iterators.extend(it.shard_iterator);
    }
    Ok(iterators)
}
