//! Every fixture in `fixtures/events` decoded, with its expected result.

use std::fmt::Write as _;
use std::path::Path;

use exifstrip_aws::events::{Change, Notice, ObjectEvent, decode, is_sqs_batch};

const KEY: &str = "photos/2024 summer/café+1.jpg";

/// What a fixture must decode to.
enum Expect {
    /// These (change, key, alternate key, version, etag, sequencer, size).
    Objects(Vec<Want>),
    Test(&'static str),
    Refused(&'static str),
}

struct Want {
    change: Change,
    key: &'static str,
    alternate: Option<&'static str>,
    version: Option<&'static str>,
    etag: Option<&'static str>,
    sequencer: Option<&'static str>,
    size: Option<u64>,
}

const ETAG: Option<&str> = Some("b1946ac92492d2347c6235b4d2611184");

fn created(key: &'static str) -> Want {
    Want {
        change: Change::Created,
        key,
        alternate: None,
        version: None,
        etag: ETAG,
        sequencer: None,
        size: Some(5126),
    }
}

fn expectation(name: &str) -> Option<Expect> {
    let put = Want {
        version: Some("IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"),
        sequencer: Some("0055AED6DCD90281E5"),
        ..created(KEY)
    };
    Some(match name {
        "eventbridge-object-created.json" => Expect::Objects(vec![Want {
            version: Some("IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"),
            sequencer: Some("00617F08299329D189"),
            ..created(KEY)
        }]),
        "eventbridge-object-deleted.json" => Expect::Objects(vec![Want {
            change: Change::Deleted,
            version: Some("1QW9g1Z99LUNbvaaYVpW9xDlOLU.qxgF"),
            etag: None,
            sequencer: Some("00617F0837C1A3F2C8"),
            size: None,
            ..created(KEY)
        }]),
        // Used as given, decoded only as the fallback.
        "eventbridge-encoded-key.json" => Expect::Objects(vec![Want {
            alternate: Some(KEY),
            ..created("photos/2024%20summer/caf%C3%A9%2B1.jpg")
        }]),
        "eventbridge-moto.json" => Expect::Objects(vec![created(KEY)]),
        "eventbridge-tags-added.json" => Expect::Objects(vec![]),
        "s3-records-put.json" | "sns-s3-records.json" => Expect::Objects(vec![put]),
        "s3-records-sparse.json" => Expect::Objects(vec![
            created(KEY),
            Want {
                change: Change::Deleted,
                etag: None,
                size: None,
                ..created("old/100% off.jpg")
            },
        ]),
        "s3-test-event.json" => Expect::Test("uploads-a"),
        "x_eventbridge-other-source.json" => Expect::Refused("aws.ec2"),
        "x_sqs-send-message.json" => Expect::Refused("none of `Records`"),
        _ => return None,
    })
}

fn fixtures() -> Vec<(String, String)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events");
    let mut found: Vec<(String, String)> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    found.sort();
    found
}

fn check(name: &str, events: &[ObjectEvent], wants: &[Want]) {
    assert_eq!(events.len(), wants.len(), "{name}: {events:?}");
    for (event, want) in events.iter().zip(wants) {
        assert_eq!(event.change, want.change, "{name}");
        assert_eq!(event.bucket, "uploads-a", "{name}");
        assert_eq!(event.key, want.key, "{name}");
        assert_eq!(event.alternate_key.as_deref(), want.alternate, "{name}");
        assert_eq!(event.version_id.as_deref(), want.version, "{name}");
        assert_eq!(event.etag.as_deref(), want.etag, "{name}");
        assert_eq!(event.sequencer.as_deref(), want.sequencer, "{name}");
        assert_eq!(event.size, want.size, "{name}");
    }
}

#[test]
fn every_fixture_decodes_as_expected() {
    let mut visited = 0;
    for (name, body) in fixtures() {
        if name == "sqs-batch.json" {
            continue;
        }
        let expected = expectation(&name)
            .unwrap_or_else(|| panic!("{name} has no expectation; add one in tests/events.rs"));
        match (decode(&body), expected) {
            (Ok(Notice::Objects(events)), Expect::Objects(wants)) => check(&name, &events, &wants),
            (Ok(Notice::Test { bucket }), Expect::Test(want)) => {
                assert_eq!(bucket.as_deref(), Some(want), "{name}");
            }
            (Err(error), Expect::Refused(part)) => {
                assert!(error.to_string().contains(part), "{name}: {error}");
            }
            (got, _) => panic!("{name}: unexpected {got:?}"),
        }
        visited += 1;
    }
    assert_eq!(visited, 11, "fixtures visited");
}

#[test]
fn fixtures_survive_damage() {
    for (name, body) in fixtures() {
        let body = body.trim_end();
        for end in (0..body.len()).step_by(7) {
            let Some(prefix) = body.get(..end) else {
                continue;
            };
            assert!(
                decode(prefix).is_err(),
                "{name}: prefix of {end} bytes accepted"
            );
        }
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        // The same body with every string emptied either decodes or is refused; never panics.
        let mut hollow = value.clone();
        hollow_strings(&mut hollow);
        let _ = exifstrip_aws::events::decode_value(&hollow);
    }
}

#[test]
fn sqs_batches_carry_notifications_in_their_bodies() {
    let (_, body) = fixtures()
        .into_iter()
        .find(|(name, _)| name == "sqs-batch.json")
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(is_sqs_batch(&value));
    assert!(
        decode(&body).is_err(),
        "a batch is not itself a notification"
    );

    let bodies: Vec<&str> = value["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| record["body"].as_str().unwrap())
        .collect();
    let decoded: Vec<ObjectEvent> = bodies
        .iter()
        .flat_map(|body| match decode(body).unwrap() {
            Notice::Objects(events) => events,
            Notice::Test { .. } => Vec::new(),
        })
        .collect();
    assert_eq!(decoded.len(), 2);
    assert_eq!(
        (decoded[0].change, decoded[0].key.as_str()),
        (Change::Created, KEY)
    );
    assert_eq!(
        (decoded[1].change, decoded[1].key.as_str()),
        (Change::Deleted, KEY)
    );
    assert!(
        decoded[1].supersedes(&decoded[0]),
        "the delete's sequencer is larger"
    );
    assert!(!decoded[0].supersedes(&decoded[1]));
}

#[test]
fn awkward_keys_round_trip_through_form_encoding() {
    for key in [
        "a b.jpg",
        "a+b.jpg",
        "100%.jpg",
        "ünïcødé/日本.jpg",
        "x/y z/+%2B.jpg",
    ] {
        let encoded = form_encode(key, false);
        let encoded_slash = form_encode(key, true);
        for raw in [encoded, encoded_slash] {
            let body = serde_json::json!({"Records": [{"eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": "a"}, "object": {"key": raw}}}]});
            let Notice::Objects(events) = decode(&body.to_string()).unwrap() else {
                panic!("not objects");
            };
            assert_eq!(events[0].key, key, "from {raw}");
        }
    }
}

/// Encodes as S3 does for native notifications: space as `+`, `/` kept or not.
fn form_encode(key: &str, slash: bool) -> String {
    let mut out = String::new();
    for byte in key.bytes() {
        match byte {
            b' ' => out.push('+'),
            b'/' if !slash => out.push('/'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(byte));
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

fn hollow_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => s.clear(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(hollow_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(hollow_strings),
        _ => {}
    }
}
