//! Applying decoded notifications to the pipeline, one batch of messages at a time.
//!
//! A batch (an SQS receive or a Lambda invocation) is decoded message by message. Events for
//! the same key are collapsed to the latest by sequencer, and each key is processed once with
//! [`Processor::process`], which works from the source's current state: a late, repeated or
//! reordered event finds the destination up to date or brings it to the newest source. Each
//! message then gets a [`Verdict`] from the results of all its records.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use exifstrip_pipeline::{Class, Error, Location, Options, Outcome, Processor, S3Access, Store};
use futures::StreamExt;
use tracing::Instrument;

use crate::events::{self, Notice, ObjectEvent};

/// Rounds of processing one key before the result is taken as settled; see
/// [`Handler::apply`].
const SETTLE_ROUNDS: u32 = 4;

/// What to do with one message once its records were handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every record succeeded (or there was nothing to do): delete the message.
    Done,
    /// A record failed in a way that may pass: leave the message for redelivery.
    Retry {
        /// What failed.
        reason: String,
    },
    /// The message can never succeed as it is: move it to the dead-letter queue.
    DeadLetter {
        /// Why: a malformed body, a rejected object, a permanent store error.
        reason: String,
        /// `malformed`, `rejected`, `permanent` or `bucket`, for the dead-letter attribute.
        class: &'static str,
    },
}

/// Opens the source store of a bucket named in an event.
pub type SourceOpener = dyn Fn(&str) -> Result<Store, Error> + Send + Sync;

/// Applies S3 notifications to a destination store.
pub struct Handler {
    destination: Store,
    options: Options,
    open_source: Box<SourceOpener>,
    allowed_bucket: Option<String>,
    concurrency: usize,
    processors: Mutex<HashMap<String, Arc<Processor>>>,
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handler")
            .field("destination", &self.destination.label())
            .field("allowed_bucket", &self.allowed_bucket)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl Handler {
    /// A handler writing into `destination`, reading each event's bucket as an S3 store
    /// configured from the standard AWS environment (see [`Location::open`]).
    #[must_use]
    pub fn new(destination: Store, options: Options) -> Self {
        Self::with_s3_access(destination, options, S3Access::default())
    }

    /// A handler writing into `destination`, reading each event's bucket as an S3 store with
    /// `access` over the standard AWS environment (see [`Location::open_with`]).
    #[must_use]
    pub fn with_s3_access(destination: Store, options: Options, access: S3Access) -> Self {
        let open = move |bucket: &str| {
            let location = Location::S3 {
                bucket: bucket.to_owned(),
                prefix: String::new(),
            };
            location.open_with(None, &access)
        };
        Self::with_source_opener(destination, options, Box::new(open))
    }

    /// A handler that opens source buckets with `open`, for stores other than S3.
    #[must_use]
    pub fn with_source_opener(
        destination: Store,
        options: Options,
        open: Box<SourceOpener>,
    ) -> Self {
        Self {
            destination,
            options,
            open_source: open,
            allowed_bucket: None,
            concurrency: 8,
            processors: Mutex::new(HashMap::new()),
        }
    }

    /// Accepts events from this bucket only; others are dead-lettered.
    #[must_use]
    pub fn with_allowed_bucket(mut self, bucket: Option<String>) -> Self {
        self.allowed_bucket = bucket;
        self
    }

    /// Objects processed at once within a batch (at least one).
    #[must_use]
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// The destination store.
    #[must_use]
    pub fn destination(&self) -> &Store {
        &self.destination
    }

    /// Handles the bodies of one batch of messages and returns one verdict per body, in
    /// order.
    ///
    /// Cost: one decode per body, then per distinct key what [`Processor::process`] costs
    /// (two requests when the destination is up to date; when it is stale, a streaming pass
    /// over the source object and a write), plus one metadata request after a write or a
    /// delete (see [`Handler::apply`]).
    pub async fn handle_batch(&self, bodies: &[&str]) -> Vec<Verdict> {
        let mut verdicts = vec![Verdict::Done; bodies.len()];
        let mut latest: HashMap<(String, String), ObjectEvent> = HashMap::new();
        let mut keys_of: Vec<Vec<(String, String)>> = vec![Vec::new(); bodies.len()];

        for (index, body) in bodies.iter().enumerate() {
            let events = match events::decode(body) {
                Ok(Notice::Objects(events)) => events,
                Ok(Notice::Test { bucket }) => {
                    tracing::info!(bucket = bucket.as_deref(), "s3:TestEvent acknowledged");
                    continue;
                }
                Err(error) => {
                    verdicts[index] = Verdict::DeadLetter {
                        reason: error.to_string(),
                        class: "malformed",
                    };
                    continue;
                }
            };
            if let Some(verdict) = self.refuse_bucket(&events) {
                verdicts[index] = verdict;
                continue;
            }
            for event in events {
                let id = (event.bucket.clone(), event.key.clone());
                keys_of[index].push(id.clone());
                match latest.get(&id) {
                    Some(seen) if !event.supersedes(seen) => {}
                    _ => {
                        latest.insert(id, event);
                    }
                }
            }
        }

        let results: HashMap<(String, String), Result<Outcome, Error>> =
            futures::stream::iter(latest)
                .map(|(id, event)| async move { (id, self.apply(&event).await) })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;

        for (verdict, keys) in verdicts.iter_mut().zip(&keys_of) {
            let errors = keys.iter().filter_map(|id| results.get(id)?.as_ref().err());
            *verdict = judge(errors).unwrap_or_else(|| verdict.clone());
        }
        verdicts
    }

    /// Applies one event: resolves its key, then processes it until the destination matches
    /// the source as it is at the end.
    ///
    /// A second look at the source after a write or a delete closes two races that a single
    /// call leaves open when several workers share the queue: a copy of a version read just
    /// before the source was deleted, and a delete that landed just after a newer copy. It
    /// costs one metadata request; only when the source moved is the key processed again.
    ///
    /// # Errors
    ///
    /// The pipeline's error for the key; [`Error::Changed`] when the key kept changing for
    /// four rounds (a later delivery finishes it).
    pub async fn apply(&self, event: &ObjectEvent) -> Result<Outcome, Error> {
        let processor = self.processor(&event.bucket)?;
        let key = resolve_key(&processor, event).await?;
        let expected = event.source_version();
        let span = tracing::info_span!("object", bucket = %event.bucket, key = %key,
            change = event.change.name(), sequencer = event.sequencer.as_deref());

        async {
            let mut first = None;
            for _ in 0..SETTLE_ROUNDS {
                let outcome = processor.process(key, Some(&expected)).await?;
                let settled = match &outcome {
                    Outcome::Written(written) => {
                        processor.source_is(key, Some(&written.source)).await?
                    }
                    Outcome::Deleted => processor.source_is(key, None).await?,
                    _ => true,
                };
                let first = first.get_or_insert(outcome);
                if settled {
                    return Ok(first.clone());
                }
            }
            Err(Error::Changed {
                bucket: event.bucket.clone(),
                key: key.to_owned(),
            })
        }
        .instrument(span)
        .await
    }

    fn refuse_bucket(&self, events: &[ObjectEvent]) -> Option<Verdict> {
        let allowed = self.allowed_bucket.as_deref()?;
        let other = events.iter().find(|event| event.bucket != allowed)?;
        Some(Verdict::DeadLetter {
            reason: format!(
                "event for `{}` in bucket `{}`, but this worker accepts events from `{allowed}` \
                 only; check the EventBridge rule or --allow-source-bucket",
                other.key, other.bucket
            ),
            class: "bucket",
        })
    }

    fn processor(&self, bucket: &str) -> Result<Arc<Processor>, Error> {
        let mut processors = self
            .processors
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(processor) = processors.get(bucket) {
            return Ok(Arc::clone(processor));
        }
        let source = (self.open_source)(bucket)?;
        let processor = Arc::new(Processor::new(
            source,
            self.destination.clone(),
            self.options.clone(),
        ));
        processors.insert(bucket.to_owned(), Arc::clone(&processor));
        Ok(processor)
    }
}

/// The event's key, or its alternate reading when only that one names an object on either
/// side.
async fn resolve_key<'e>(processor: &Processor, event: &'e ObjectEvent) -> Result<&'e str, Error> {
    let Some(alternate) = event.alternate_key.as_deref() else {
        return Ok(&event.key);
    };
    if processor.source().head(&event.key).await?.is_some()
        || processor.destination().head(&event.key).await?.is_some()
    {
        return Ok(&event.key);
    }
    tracing::debug!(key = %event.key, alternate, "no object under the key as given; using it decoded");
    Ok(alternate)
}

/// The verdict for a message whose records failed with `errors`, or `None` when none did.
/// One transient failure sends the whole message back: its other records will find their
/// objects up to date.
fn judge<'a>(errors: impl Iterator<Item = &'a Error>) -> Option<Verdict> {
    let mut permanent = None;
    for error in errors {
        match error.class() {
            Class::Transient => {
                return Some(Verdict::Retry {
                    reason: error.to_string(),
                });
            }
            Class::Rejected => {
                permanent.get_or_insert((error.to_string(), "rejected"));
            }
            _ => {
                permanent.get_or_insert((error.to_string(), "permanent"));
            }
        }
    }
    permanent.map(|(reason, class)| Verdict::DeadLetter { reason, class })
}

#[cfg(test)]
mod tests {
    use exifstrip_pipeline::Written;

    use super::*;

    /// A baseline JPEG with a comment segment: 1x1 pixel, greyscale.
    const JPEG: &[u8] = &[
        0xFF, 0xD8, // SOI
        0xFF, 0xFE, 0x00, 0x06, b'G', b'P', b'S', b'!', // COM "GPS!"
        0xFF, 0xDB, 0x00, 0x43, 0x00, // DQT, table 0
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, // 64 entries
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00, // SOF0
        0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x00, // DHT DC0: one code of length 1 for category 0
        0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x00, // DHT AC0: one code of length 1 for EOB
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, // SOS
        0x3F, // DC 0, EOB, padding ones
        0xFF, 0xD9, // EOI
    ];

    fn handler(source: &Store, destination: &Store) -> Handler {
        let source = source.clone();
        Handler::with_source_opener(
            destination.clone(),
            Options::default(),
            Box::new(move |_| Ok(source.clone())),
        )
    }

    fn created(key: &str) -> String {
        serde_json::json!({"Records": [{"eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "a"}, "object": {"key": key}}}]})
        .to_string()
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn the_fixture_jpeg_is_stripped() {
        let stripped = exifstrip_core::strip(JPEG, exifstrip_core::Policy::default()).unwrap();
        assert!(stripped.image.len() < JPEG.len());
    }

    #[test]
    fn verdicts_follow_each_message() {
        block_on(async {
            let (a, b) = (Store::memory(), Store::memory());
            a.put("ok one.jpg", JPEG.to_vec().into()).await.unwrap();
            a.put("page.jpg", "<html>".into()).await.unwrap();
            let handler = handler(&a, &b);
            let test = r#"{"Event": "s3:TestEvent", "Bucket": "a"}"#;
            let good = created("ok+one.jpg");
            let bad = created("page.jpg");
            let bodies = [good.as_str(), "garbage", bad.as_str(), test, good.as_str()];

            let verdicts = handler.handle_batch(&bodies).await;
            assert_eq!(verdicts[0], Verdict::Done);
            assert!(matches!(
                &verdicts[1],
                Verdict::DeadLetter {
                    class: "malformed",
                    ..
                }
            ));
            let Verdict::DeadLetter { reason, class } = &verdicts[2] else {
                panic!("{:?}", verdicts[2]);
            };
            assert_eq!(*class, "rejected");
            assert!(reason.contains("page.jpg"), "{reason}");
            assert_eq!(verdicts[3..], [Verdict::Done, Verdict::Done]);
            assert!(b.get("ok one.jpg").await.unwrap().is_some());
            assert!(b.get("page.jpg").await.unwrap().is_none());
        });
    }

    #[test]
    fn late_events_follow_the_source_as_it_is() {
        block_on(async {
            let (a, b) = (Store::memory(), Store::memory());
            a.put("k.jpg", JPEG.to_vec().into()).await.unwrap();
            let handler = handler(&a, &b);
            let deleted = r#"{"Records": [{"eventName": "ObjectRemoved:Delete",
                "s3": {"bucket": {"name": "a"}, "object": {"key": "k.jpg"}}}]}"#;

            // A delete event delivered while the object exists again keeps B.
            assert_eq!(handler.handle_batch(&[deleted]).await, [Verdict::Done]);
            assert!(b.get("k.jpg").await.unwrap().is_some());

            // A late creation event for an object that is gone removes B.
            a.delete("k.jpg").await.unwrap();
            assert_eq!(
                handler.handle_batch(&[&created("k.jpg")]).await,
                [Verdict::Done]
            );
            assert!(b.get("k.jpg").await.unwrap().is_none());
        });
    }

    #[test]
    fn eventbridge_keys_fall_back_to_their_decoded_form() {
        block_on(async {
            let (a, b) = (Store::memory(), Store::memory());
            a.put("2024 summer/café.jpg", JPEG.to_vec().into())
                .await
                .unwrap();
            a.put("literal%20name.jpg", JPEG.to_vec().into())
                .await
                .unwrap();
            let handler = handler(&a, &b);
            let bridge = |key: &str| {
                serde_json::json!({"detail-type": "Object Created", "source": "aws.s3",
                    "detail": {"bucket": {"name": "a"}, "object": {"key": key}}})
                .to_string()
            };
            let encoded = bridge("2024%20summer/caf%C3%A9.jpg");
            let literal = bridge("literal%20name.jpg");

            let verdicts = handler.handle_batch(&[&encoded, &literal]).await;
            assert_eq!(verdicts, [Verdict::Done, Verdict::Done]);
            assert!(b.get("2024 summer/café.jpg").await.unwrap().is_some());
            assert!(b.get("literal%20name.jpg").await.unwrap().is_some());
            assert!(b.get("literal name.jpg").await.unwrap().is_none());
        });
    }

    #[test]
    fn refused_buckets_are_dead_lettered() {
        block_on(async {
            let (a, b) = (Store::memory(), Store::memory());
            let handler = handler(&a, &b).with_allowed_bucket(Some("uploads".into()));
            let verdicts = handler.handle_batch(&[&created("k.jpg")]).await;
            assert!(matches!(
                &verdicts[0],
                Verdict::DeadLetter {
                    class: "bucket",
                    ..
                }
            ));
        });
    }

    #[test]
    fn settling_reports_the_first_outcome() {
        block_on(async {
            let (a, b) = (Store::memory(), Store::memory());
            a.put("k.jpg", JPEG.to_vec().into()).await.unwrap();
            let handler = handler(&a, &b);
            let Notice::Objects(events) = events::decode(&created("k.jpg")).unwrap() else {
                panic!("not objects");
            };
            let outcome = handler.apply(&events[0]).await.unwrap();
            assert!(matches!(outcome, Outcome::Written(Written { .. })));
            assert_eq!(handler.apply(&events[0]).await.unwrap(), Outcome::UpToDate);
        });
    }
}
