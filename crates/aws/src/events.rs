//! S3 change notifications in every shape they arrive in, reduced to one [`ObjectEvent`] per
//! changed object.
//!
//! Accepted bodies (of an SQS message, or of a Lambda invocation):
//!
//! - EventBridge events from `aws.s3`: `Object Created` and `Object Deleted` become object
//!   events; other S3 event types (tags, restores, storage class changes) carry no content
//!   change and decode to no events;
//! - native S3 event notifications (`{"Records": [...]}`), directly or wrapped in an SNS
//!   notification; one body may carry several records;
//! - the `s3:TestEvent` S3 sends when notifications are configured, which is acknowledged and
//!   otherwise ignored.
//!
//! Object keys: native notifications encode keys as HTML forms do (`+` for a space, `%2B` for a
//! plus, UTF-8 percent escapes, and some emulators also `%2F` for `/`); they are decoded once,
//! `+` first. EventBridge keys are not documented as encoded and are used as given, with the
//! percent-decoded reading offered as [`ObjectEvent::alternate_key`] for the consumer to try
//! when no object has the key as given.
//!
//! Fields that emulators and AWS versions leave out or spell differently are tolerated
//! (`eTag` or `etag`, `versionId` or `version-id`, sizes as numbers or strings, a missing
//! `sequencer` or `userIdentity`). Nothing is ever de-duplicated on an event's id: some
//! emulators give every EventBridge event the same id, and the pipeline's provenance makes
//! repeated work harmless anyway.
//!
//! Cost: one JSON parse of the body, linear in its size.

use std::cmp::Ordering;

use exifstrip_pipeline::SourceVersion;
use serde_json::{Map, Value};

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Created or overwritten.
    Created,
    /// Deleted, or hidden behind a delete marker.
    Deleted,
}

impl Change {
    /// A short name for logs.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Deleted => "deleted",
        }
    }
}

/// One object change, whatever the notification's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectEvent {
    /// What happened.
    pub change: Change,
    /// The source bucket.
    pub bucket: String,
    /// The object key, decoded where the shape encodes it.
    pub key: String,
    /// Another reading of the key to try when no object has `key`: EventBridge keys are not
    /// documented as encoded, yet some emulators percent-encode them.
    pub alternate_key: Option<String>,
    /// The object's version, when the bucket is versioned (`"null"` is treated as none).
    pub version_id: Option<String>,
    /// The object's ETag as sent, without quotes.
    pub etag: Option<String>,
    /// S3's per-key ordering token: for one key, a larger sequencer is a later event.
    pub sequencer: Option<String>,
    /// The object's size in bytes, for creations.
    pub size: Option<u64>,
}

impl ObjectEvent {
    /// The source version the event names, for [`exifstrip_pipeline::Processor::process`].
    #[must_use]
    pub fn source_version(&self) -> SourceVersion {
        SourceVersion {
            etag: self.etag.clone(),
            version: self.version_id.clone(),
        }
    }

    /// Whether this event is later than `other` for the same key: by sequencer when both
    /// have one; otherwise the event seen last (`self`) counts as later.
    #[must_use]
    pub fn supersedes(&self, other: &ObjectEvent) -> bool {
        match (&self.sequencer, &other.sequencer) {
            (Some(mine), Some(theirs)) => compare_sequencers(mine, theirs) != Ordering::Less,
            _ => true,
        }
    }
}

/// What one message body holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Object changes: none, one, or several (a native notification may carry many).
    Objects(Vec<ObjectEvent>),
    /// The test event S3 sends when notifications are configured: nothing to do.
    Test {
        /// The bucket it names.
        bucket: Option<String>,
    },
}

/// A message body that is not a notification this decoder knows. Permanent: the same body
/// fails the same way, so it belongs in the dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// Not JSON at all.
    #[error("the message body is not JSON ({reason}); only S3 notifications can be processed")]
    NotJson {
        /// The parser's complaint.
        reason: String,
    },
    /// JSON of no known notification shape.
    #[error(
        "the message body is no S3 notification ({reason}); expected an EventBridge event from \
         aws.s3, S3 `Records`, an SNS notification of them, or s3:TestEvent"
    )]
    UnknownShape {
        /// What was missing or wrong.
        reason: String,
    },
}

/// Decodes a message body into the object changes it carries.
///
/// # Errors
///
/// [`EventError`] when the body is not JSON or not a known notification shape.
///
/// # Examples
///
/// ```
/// use exifstrip_aws::events::{Change, Notice, decode};
///
/// let body = r#"{"Records": [{"eventName": "ObjectCreated:Put", "s3": {
///     "bucket": {"name": "uploads"}, "object": {"key": "red+flower%2B1.jpg"}}}]}"#;
/// let Notice::Objects(events) = decode(body)? else { panic!("not a test event") };
/// assert_eq!(events[0].change, Change::Created);
/// assert_eq!(events[0].key, "red flower+1.jpg");
/// # Ok::<(), exifstrip_aws::events::EventError>(())
/// ```
pub fn decode(body: &str) -> Result<Notice, EventError> {
    let value: Value = serde_json::from_str(body).map_err(|e| EventError::NotJson {
        reason: e.to_string(),
    })?;
    decode_value(&value)
}

/// Like [`decode`], for a body already parsed, such as a Lambda invocation's payload.
///
/// # Errors
///
/// [`EventError::UnknownShape`] when the value is not a known notification shape.
pub fn decode_value(value: &Value) -> Result<Notice, EventError> {
    decode_nested(value, 0)
}

/// Whether a Lambda invocation payload is a batch of SQS messages (`Records` whose
/// `eventSource` is `aws:sqs`) rather than a notification invoked directly.
#[must_use]
pub fn is_sqs_batch(value: &Value) -> bool {
    value
        .get("Records")
        .and_then(Value::as_array)
        .and_then(|records| records.first())
        .and_then(|record| record.get("eventSource"))
        .and_then(Value::as_str)
        == Some("aws:sqs")
}

/// Orders two sequencers of the same key: hexadecimal strings of varying length, compared
/// after left-padding with zeros (as S3 documents for its event notifications).
#[must_use]
pub fn compare_sequencers(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0').to_ascii_uppercase();
    let b = b.trim_start_matches('0').to_ascii_uppercase();
    a.len().cmp(&b.len()).then_with(|| a.cmp(&b))
}

/// Decodes a native notification key: `+` is a space, then percent escapes, once. `None` when
/// the escapes do not spell UTF-8.
#[must_use]
pub fn decode_form_key(key: &str) -> Option<String> {
    percent_decode(&key.replace('+', " "))
}

/// Replaces `%XX` escapes by their bytes, read as UTF-8; a `%` not followed by two hex digits
/// stays as it is. `None` when the result is not UTF-8.
#[must_use]
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let escaped = (byte == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(decoded) = escaped {
            out.push(decoded);
            i += 3;
        } else {
            out.push(byte);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// SNS may wrap a notification once; deeper nesting is refused rather than followed.
const MAX_NESTING: u8 = 1;

fn decode_nested(value: &Value, depth: u8) -> Result<Notice, EventError> {
    if value.get("Records").is_some() {
        return native(value).map(Notice::Objects);
    }
    if value.get("detail-type").is_some() {
        return eventbridge(value).map(|event| Notice::Objects(event.into_iter().collect()));
    }
    if value.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        let bucket = value
            .get("Bucket")
            .and_then(Value::as_str)
            .map(str::to_owned);
        return Ok(Notice::Test { bucket });
    }
    if value.get("Type").and_then(Value::as_str) == Some("Notification") {
        if depth >= MAX_NESTING {
            return Err(unknown("an SNS notification nested in another"));
        }
        let message = value
            .get("Message")
            .and_then(Value::as_str)
            .ok_or_else(|| unknown("an SNS notification without a `Message` string"))?;
        let inner: Value = serde_json::from_str(message)
            .map_err(|e| unknown(&format!("the SNS `Message` is not JSON: {e}")))?;
        return decode_nested(&inner, depth + 1);
    }
    Err(unknown(
        "none of `Records`, `detail-type`, `Event` or `Type` is present",
    ))
}

fn native(value: &Value) -> Result<Vec<ObjectEvent>, EventError> {
    let records = value
        .get("Records")
        .and_then(Value::as_array)
        .ok_or_else(|| unknown("`Records` is not an array"))?;
    let mut events = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let at = |what: &str| unknown(&format!("S3 record {index}: {what}"));
        let name = record
            .get("eventName")
            .and_then(Value::as_str)
            .ok_or_else(|| at("no `eventName`"))?;
        // Lifecycle expirations remove objects too; tagging, ACL and restore events change no
        // content and are skipped.
        let change = if name.starts_with("ObjectCreated:") {
            Change::Created
        } else if name.starts_with("ObjectRemoved:") || name.starts_with("LifecycleExpiration:") {
            Change::Deleted
        } else {
            continue;
        };
        let s3 = record.get("s3").ok_or_else(|| at("no `s3` object"))?;
        let bucket = bucket_name(s3).ok_or_else(|| at("no `s3.bucket.name`"))?;
        let object = s3
            .get("object")
            .and_then(Value::as_object)
            .ok_or_else(|| at("no `s3.object`"))?;
        let raw_key = text(object, &["key"]).ok_or_else(|| at("no `s3.object.key`"))?;
        let key = decode_form_key(&raw_key)
            .ok_or_else(|| at("the key's percent escapes do not spell UTF-8"))?;
        events.push(object_event(change, bucket, key, None, object));
    }
    Ok(events)
}

fn eventbridge(value: &Value) -> Result<Option<ObjectEvent>, EventError> {
    let source = value.get("source").and_then(Value::as_str).unwrap_or("");
    let kind = value
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or("");
    if source != "aws.s3" {
        return Err(unknown(&format!(
            "an EventBridge event {kind:?} from {source:?}, not from aws.s3"
        )));
    }
    let change = match kind {
        "Object Created" => Change::Created,
        "Object Deleted" => Change::Deleted,
        _ => return Ok(None),
    };
    let detail = value
        .get("detail")
        .ok_or_else(|| unknown("an EventBridge event without `detail`"))?;
    let bucket =
        bucket_name(detail).ok_or_else(|| unknown("no `detail.bucket.name` in the event"))?;
    let object = detail
        .get("object")
        .and_then(Value::as_object)
        .ok_or_else(|| unknown("no `detail.object` in the event"))?;
    let key = text(object, &["key"]).ok_or_else(|| unknown("no `detail.object.key`"))?;
    let alternate = percent_decode(&key).filter(|decoded| *decoded != key);
    Ok(Some(object_event(change, bucket, key, alternate, object)))
}

fn object_event(
    change: Change,
    bucket: String,
    key: String,
    alternate_key: Option<String>,
    object: &Map<String, Value>,
) -> ObjectEvent {
    ObjectEvent {
        change,
        bucket,
        key,
        alternate_key,
        version_id: text(object, &["versionId", "version-id", "versionid"])
            .filter(|v| v != "null" && !v.is_empty()),
        etag: text(object, &["eTag", "etag", "ETag"])
            .map(|etag| etag.trim_matches('"').to_owned())
            .filter(|etag| !etag.is_empty()),
        sequencer: text(object, &["sequencer"]).filter(|s| !s.is_empty()),
        size: object.get("size").and_then(|size| match size {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }),
    }
}

fn bucket_name(parent: &Value) -> Option<String> {
    let name = parent.get("bucket")?.get("name")?.as_str()?;
    (!name.is_empty()).then(|| name.to_owned())
}

/// The first of `names` that holds a string.
fn text(object: &Map<String, Value>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| object.get(*name).and_then(Value::as_str))
        .map(str::to_owned)
}

fn unknown(reason: &str) -> EventError {
    EventError::UnknownShape {
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(body: &str) -> Vec<ObjectEvent> {
        match decode(body).unwrap() {
            Notice::Objects(events) => events,
            Notice::Test { .. } => panic!("a test event"),
        }
    }

    #[test]
    fn form_keys_decode_plus_first_then_escapes_once() {
        let decoded = |key| decode_form_key(key).unwrap();
        assert_eq!(decoded("red+flower.jpg"), "red flower.jpg");
        assert_eq!(decoded("a%2Bb.jpg"), "a+b.jpg");
        assert_eq!(decoded("caf%C3%A9%2B1.jpg"), "café+1.jpg");
        assert_eq!(decoded("photos%2F2024+summer"), "photos/2024 summer");
        assert_eq!(decoded("100%25.jpg"), "100%.jpg");
        assert_eq!(decoded("%2525.jpg"), "%25.jpg", "decoded once only");
        assert_eq!(decoded("%2B%2B+"), "++ ");
        assert_eq!(decoded("bad%zz%.jpg"), "bad%zz%.jpg");
        assert_eq!(decoded("end%4"), "end%4");
        assert_eq!(decode_form_key("half%C3.jpg"), None, "not UTF-8");
    }

    #[test]
    fn sequencers_compare_after_padding() {
        let cmp = compare_sequencers;
        assert_eq!(
            cmp("0055AED6DCD90281E5", "0055AED6DCD90281E6"),
            Ordering::Less
        );
        assert_eq!(cmp("FF", "0100"), Ordering::Less);
        assert_eq!(cmp("00ab", "AB"), Ordering::Equal);
        assert_eq!(cmp("2", "10"), Ordering::Less);
        assert_eq!(
            cmp("0055AED6DCD90281E6", "55aed6dcd90281e5"),
            Ordering::Greater
        );
    }

    #[test]
    fn later_sequencers_supersede() {
        let event = |sequencer: Option<&str>| ObjectEvent {
            change: Change::Created,
            bucket: "b".into(),
            key: "k.jpg".into(),
            alternate_key: None,
            version_id: None,
            etag: None,
            sequencer: sequencer.map(str::to_owned),
            size: None,
        };
        assert!(event(Some("0B")).supersedes(&event(Some("0A"))));
        assert!(!event(Some("0A")).supersedes(&event(Some("B"))));
        assert!(
            event(None).supersedes(&event(Some("0A"))),
            "unordered: the last seen"
        );
        assert!(event(Some("0A")).supersedes(&event(None)));
    }

    #[test]
    fn several_records_and_other_kinds() {
        let body = r#"{"Records": [
            {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "a"},
                "object": {"key": "one.jpg", "size": "12"}}},
            {"eventName": "ObjectTagging:Put", "s3": {"bucket": {"name": "a"},
                "object": {"key": "two.jpg"}}},
            {"eventName": "LifecycleExpiration:Delete", "s3": {"bucket": {"name": "a"},
                "object": {"key": "three.jpg", "versionId": "null"}}}
        ]}"#;
        let events = objects(body);
        assert_eq!(events.len(), 2);
        assert_eq!(
            (events[0].change, events[0].size),
            (Change::Created, Some(12))
        );
        assert_eq!(events[1].change, Change::Deleted);
        assert_eq!(events[1].version_id, None);
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        for body in [
            "",
            "not json",
            "[]",
            "null",
            "{}",
            r#"{"Records": 3}"#,
            r#"{"Records": [{}]}"#,
            r#"{"Records": [{"eventName": "ObjectCreated:Put"}]}"#,
            r#"{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "a"}}}]}"#,
            r#"{"Records": [{"eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": "a"}, "object": {"key": 5}}}]}"#,
            r#"{"Records": [{"eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": ""}, "object": {"key": "k"}}}]}"#,
            r#"{"detail-type": "Object Created", "source": "aws.s3"}"#,
            r#"{"detail-type": "Object Created", "source": "aws.s3", "detail": {"bucket": {}}}"#,
            r#"{"detail-type": "Object Created", "source": "my.app", "detail": {}}"#,
            r#"{"Type": "Notification", "Message": "{oops"}"#,
            r#"{"Type": "Notification"}"#,
            r#"{"Type": "Notification", "Message": "{\"Type\": \"Notification\", \"Message\": \"{}\"}"}"#,
        ] {
            assert!(decode(body).is_err(), "accepted {body:?}");
        }
    }

    #[test]
    fn every_prefix_of_a_body_fails_cleanly() {
        let body = r#"{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "a"}, "object": {"key": "k.jpg"}}}]}"#;
        for end in 0..body.len() {
            assert!(decode(&body[..end]).is_err(), "prefix of {end} bytes");
        }
        assert_eq!(objects(body).len(), 1);
    }

    #[test]
    fn sqs_batches_are_told_from_notifications() {
        let batch = serde_json::json!({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]});
        let native = serde_json::json!({"Records": [{"eventSource": "aws:s3"}]});
        assert!(is_sqs_batch(&batch));
        assert!(!is_sqs_batch(&native));
        assert!(!is_sqs_batch(&serde_json::json!({"Records": []})));
    }
}
