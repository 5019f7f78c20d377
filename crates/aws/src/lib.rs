//! S3 uploads on AWS, through EventBridge and SQS, into the exifstrip pipeline.
//!
//! Uploads to bucket A emit S3 events; an EventBridge rule (or a native S3 notification, or
//! SNS) delivers them to an SQS queue with a dead-letter queue; a consumer calls the
//! pipeline's [`Processor::process`](exifstrip_pipeline::Processor::process) for each changed
//! key. This crate holds what both consumers share:
//!
//! - [`events`]: decoding every notification shape into [`events::ObjectEvent`]s, with the
//!   key decoding rules of each;
//! - [`handler`]: applying a batch of message bodies to the pipeline and judging each message
//!   (done, retry, dead-letter);
//! - [`sqs`]: the work queue and its dead-letter queue;
//! - [`worker`]: the long-polling consumer behind `exifstrip worker`;
//! - [`credentials`]: S3 stores that authenticate with the SDK's credentials chain and
//!   region, as the SQS client does, `~/.aws` profiles included.
//!
//! The Lambda function (crate `exifstrip-lambda`, served by the `exifstrip` binary) uses
//! [`handler`] and [`sqs`] too.
//!
//! ```
//! use exifstrip_aws::handler::{Handler, Verdict};
//! use exifstrip_pipeline::{Options, Store};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let source = Store::memory();
//! source.put("a.jpg", "<svg/>".into()).await.unwrap();
//! let handler = Handler::with_source_opener(
//!     Store::memory(),
//!     Options::default(),
//!     Box::new(move |_bucket| Ok(source.clone())),
//! );
//! let body = r#"{"detail-type": "Object Created", "source": "aws.s3",
//!     "detail": {"bucket": {"name": "uploads"}, "object": {"key": "a.jpg"}}}"#;
//! let verdicts = handler.handle_batch(&[body, "not json"]).await;
//! assert!(matches!(verdicts[0], Verdict::DeadLetter { class: "rejected", .. }));
//! assert!(matches!(verdicts[1], Verdict::DeadLetter { class: "malformed", .. }));
//! # });
//! ```
//!
//! Ordering: deliveries are at least once and may come late, twice or out of order. The
//! pipeline works from the source's current state and records the source version it copied
//! (provenance), and writes conditionally, so any event for a key only ever brings the
//! destination to the newest source; see [`handler::Handler::apply`] for the races a
//! second look closes.
//!
//! Not done here: creating queues, rules or functions (see `infra/terraform`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::future_not_send)]

pub mod credentials;
pub mod events;
pub mod handler;
pub mod sqs;
pub mod worker;

/// The error's message followed by its causes', which the AWS SDK's errors leave out of their
/// own.
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
