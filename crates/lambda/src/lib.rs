//! The exifstrip AWS Lambda function, for the `provided.al2023` runtime.
//!
//! The `exifstrip` binary is the function's `bootstrap`: started by Lambda (no arguments,
//! `AWS_LAMBDA_RUNTIME_API` set) or as `exifstrip lambda`, it calls [`run`].
//!
//! Invoked by an SQS event source mapping, it handles the batch as one and answers with a
//! partial batch response (`ReportBatchItemFailures`): messages with a transient failure are
//! reported and come back; messages that can never succeed (malformed, a rejected object, a
//! permanent error) are sent to the work queue's dead-letter queue with the reason as message
//! attributes when the function can reach it (`EXIFSTRIP_DEAD_LETTER_QUEUE_URL`, or the queue's
//! redrive policy), and reported as failures otherwise, for the redrive policy to move.
//!
//! Invoked directly with an EventBridge event or an S3 notification, it processes it and
//! fails the invocation when that did not succeed, so that Lambda's own retries and failure
//! destinations take over.
//!
//! Settings: `EXIFSTRIP_DEST` (the destination, e.g. `s3://bucket-b`, required),
//! `EXIFSTRIP_ALLOW_SOURCE_BUCKET` (optional), `EXIFSTRIP_MAX_SIZE` (bytes, optional), and the
//! standard AWS environment for endpoints, region and credentials. Logs follow
//! `AWS_LAMBDA_LOG_FORMAT` (`JSON` or text) and `AWS_LAMBDA_LOG_LEVEL`.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use exifstrip_aws::credentials::sdk_config;
use exifstrip_aws::events::is_sqs_batch;
use exifstrip_aws::handler::{Handler, Verdict};
use exifstrip_aws::sqs::{Queue, client};
use exifstrip_pipeline::{DEFAULT_MAX_SIZE, Location, Options};
pub use lambda_runtime::Error;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use tokio::sync::OnceCell;

struct Function {
    handler: Handler,
    dead_letter: OnceCell<Option<Queue>>,
}

/// Serves invocations from the Lambda runtime API until the environment is shut down, after
/// setting up logs as the `AWS_LAMBDA_LOG_*` variables say.
///
/// Run it on a single-threaded runtime: a function handles one batch at a time, its photos
/// concurrently, and waits on the network far more than it computes, so more threads would
/// only spend CPU handing tasks between them.
///
/// # Errors
///
/// When the settings are wrong (the error names the variable), or the runtime API fails.
pub async fn run() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let function = match setup() {
        Ok(function) => Arc::new(function),
        Err(error) => {
            tracing::error!(%error, "cannot start");
            return Err(error.into());
        }
    };
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let function = Arc::clone(&function);
        async move { function.invoke(event).await }
    }))
    .await
}

fn setup() -> Result<Function, String> {
    let dest = std::env::var("EXIFSTRIP_DEST")
        .map_err(|_| "EXIFSTRIP_DEST is not set; set it to the destination, e.g. s3://bucket-b")?;
    let destination = dest
        .parse::<Location>()
        .and_then(|location| location.open(None))
        .map_err(|e| e.to_string())?;
    let max_size = match std::env::var("EXIFSTRIP_MAX_SIZE") {
        Ok(text) => text
            .parse()
            .map_err(|_| format!("EXIFSTRIP_MAX_SIZE {text:?} is not a number of bytes"))?,
        Err(_) => DEFAULT_MAX_SIZE,
    };
    let options = Options {
        max_size,
        ..Options::default()
    };
    let allowed = std::env::var("EXIFSTRIP_ALLOW_SOURCE_BUCKET").ok();
    tracing::info!(destination = %dest, allow_source_bucket = allowed.as_deref(), max_size,
        "function ready");
    Ok(Function {
        handler: Handler::new(destination, options).with_allowed_bucket(allowed),
        dead_letter: OnceCell::new(),
    })
}

impl Function {
    async fn invoke(&self, event: LambdaEvent<Value>) -> Result<Value, Error> {
        let payload = event.payload;
        if !is_sqs_batch(&payload) {
            return self.direct(&payload).await;
        }
        let batch: SqsEvent = serde_json::from_value(payload)?;
        let bodies: Vec<&str> = batch
            .records
            .iter()
            .map(|record| record.body.as_deref().unwrap_or(""))
            .collect();
        let verdicts = self.handler.handle_batch(&bodies).await;

        let mut response = SqsBatchResponse::default();
        for (record, verdict) in batch.records.iter().zip(verdicts) {
            let id = record.message_id.clone().unwrap_or_default();
            match verdict {
                Verdict::Done => {}
                Verdict::Retry { reason } => {
                    tracing::warn!(message_id = %id, %reason, "transient failure; reported for redelivery");
                    response.add_failure(id);
                }
                Verdict::DeadLetter { reason, class } => {
                    let queue = self
                        .dead_letter_queue(record.event_source_arn.as_deref())
                        .await;
                    let body = record.body.as_deref().unwrap_or("");
                    let sent = match queue {
                        Some(queue) => queue.dead_letter(body, &id, &reason, class).await,
                        None => Ok(false),
                    };
                    match sent {
                        Ok(true) => {
                            tracing::warn!(message_id = %id, %reason, class, "moved to the dead-letter queue");
                        }
                        Ok(false) => {
                            tracing::error!(message_id = %id, %reason, class,
                                "cannot succeed; reported as failed for the redrive policy to move");
                            response.add_failure(id);
                        }
                        Err(error) => {
                            tracing::error!(message_id = %id, %reason, %error,
                                "could not dead-letter; reported as failed");
                            response.add_failure(id);
                        }
                    }
                }
            }
        }
        Ok(serde_json::to_value(response)?)
    }

    /// An EventBridge event or S3 notification invoked directly.
    async fn direct(&self, payload: &Value) -> Result<Value, Error> {
        let body = payload.to_string();
        let verdicts = self.handler.handle_batch(&[body.as_str()]).await;
        match verdicts.into_iter().next() {
            Some(Verdict::Done) | None => Ok(serde_json::json!({"status": "done"})),
            Some(Verdict::Retry { reason } | Verdict::DeadLetter { reason, .. }) => {
                Err(reason.into())
            }
        }
    }

    /// The dead-letter queue of the queue named by `source_arn`, found once.
    async fn dead_letter_queue(&self, source_arn: Option<&str>) -> Option<&Queue> {
        self.dead_letter
            .get_or_init(|| async {
                let explicit = std::env::var("EXIFSTRIP_DEAD_LETTER_QUEUE_URL").ok();
                let client = client(&sdk_config().await);
                let url = match (source_arn.and_then(queue_url_parts), &explicit) {
                    (Some((name, account)), _) => client
                        .get_queue_url()
                        .queue_name(name)
                        .queue_owner_aws_account_id(account)
                        .send()
                        .await
                        .ok()
                        .and_then(|output| output.queue_url),
                    (None, _) => None,
                };
                let opened = match url {
                    Some(url) => Queue::open(client, &url, explicit).await.ok(),
                    None => None,
                };
                opened.filter(|queue| queue.dead_letter_url().is_some())
            })
            .await
            .as_ref()
    }
}

/// The name and account of a queue ARN (`arn:aws:sqs:region:account:name`).
fn queue_url_parts(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.rsplitn(3, ':');
    let name = parts.next()?;
    let account = parts.next()?;
    Some((name, account))
}
