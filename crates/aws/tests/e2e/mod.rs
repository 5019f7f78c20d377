//! End to end on local AWS emulators: buckets, EventBridge notifications, a rule, a queue with
//! a dead-letter queue, uploads through the AWS SDK, and the real `exifstrip worker` process
//! or the Lambda zip consuming the queue.
//!
//! Started by `scripts/aws-e2e.sh`, which sets:
//!
//! - `EXIFSTRIP_TEST_MOTO`, `EXIFSTRIP_TEST_MINISTACK`: the emulators' endpoints;
//! - `EXIFSTRIP_BIN`: the `exifstrip` binary;
//! - `EXIFSTRIP_LAMBDA_ZIP`: the Lambda deployment zip (ministack runs it).
//!
//! Each test skips, printing why, when what it needs is not set. Waits poll with a deadline
//! and fail when it passes; nothing asserts on elapsed time.

mod lambda;
mod worker;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use exifstrip_core::Policy;

/// How long any one wait may take before the test fails.
const DEADLINE: Duration = Duration::from_mins(5);

/// The largest object the worker accepts in these tests.
const MAX_SIZE: usize = 4 << 20;

/// An emulator endpoint, from its environment variable.
#[derive(Debug, Clone)]
pub struct Emulator {
    pub endpoint: String,
}

impl Emulator {
    /// The emulator named by `variable`, or `None` after printing why the test skips.
    pub fn from_env(variable: &str, name: &'static str) -> Option<Self> {
        match std::env::var(variable) {
            Ok(endpoint) if !endpoint.is_empty() => Some(Self { endpoint }),
            _ => {
                eprintln!(
                    "skipped: {variable} is not set; scripts/aws-e2e.sh starts {name} and sets it"
                );
                None
            }
        }
    }

    /// The environment that points AWS clients, ours and the SDK's, at the emulator.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ]
    }

    pub async fn sdk(&self) -> SdkConfig {
        let credentials = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "e2e");
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .load()
            .await
    }
}

/// The `exifstrip` binary, or `None` after printing why the test skips.
pub fn exifstrip_bin() -> Option<PathBuf> {
    let Ok(path) = std::env::var("EXIFSTRIP_BIN") else {
        eprintln!("skipped: EXIFSTRIP_BIN is not set; scripts/aws-e2e.sh builds exifstrip");
        return None;
    };
    Some(PathBuf::from(path))
}

/// Clients and names of one test's buckets and queues, all unique to the test.
pub struct Stack {
    pub emulator: Emulator,
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub bucket_a: String,
    pub bucket_b: String,
    pub queue_url: String,
    pub queue_arn: String,
    pub dead_letter_url: String,
}

impl Stack {
    /// Creates buckets A and B, EventBridge notifications on A, a queue with a dead-letter
    /// queue (`max_receives` deliveries), and a rule sending A's `Object Created` and `Object
    /// Deleted` events to the queue.
    pub async fn create(emulator: &Emulator, name: &str, visibility: u32) -> Self {
        let config = emulator.sdk().await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        let sqs = aws_sdk_sqs::Client::new(&config);
        let events = aws_sdk_eventbridge::Client::new(&config);
        let unique = format!("{name}-{}", std::process::id());
        let bucket_a = format!("exifstrip-{unique}-a");
        let bucket_b = format!("exifstrip-{unique}-b");

        for bucket in [&bucket_a, &bucket_b] {
            s3.create_bucket().bucket(bucket).send().await.unwrap();
        }
        s3.put_bucket_notification_configuration()
            .bucket(&bucket_a)
            .notification_configuration(
                aws_sdk_s3::types::NotificationConfiguration::builder()
                    .event_bridge_configuration(
                        aws_sdk_s3::types::EventBridgeConfiguration::builder().build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();

        let dead_letter_url = sqs
            .create_queue()
            .queue_name(format!("exifstrip-{unique}-dlq"))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let dead_letter_arn = queue_arn(&sqs, &dead_letter_url).await;
        let redrive = serde_json::json!({
            "deadLetterTargetArn": dead_letter_arn,
            "maxReceiveCount": "50",
        });
        let queue_url = sqs
            .create_queue()
            .queue_name(format!("exifstrip-{unique}-work"))
            .attributes(
                QueueAttributeName::VisibilityTimeout,
                visibility.to_string(),
            )
            .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let queue_arn = queue_arn(&sqs, &queue_url).await;

        let pattern = serde_json::json!({
            "source": ["aws.s3"],
            "detail-type": ["Object Created", "Object Deleted"],
            "detail": {"bucket": {"name": [bucket_a]}},
        });
        let rule = format!("exifstrip-{unique}");
        events
            .put_rule()
            .name(&rule)
            .event_pattern(pattern.to_string())
            .send()
            .await
            .unwrap();
        events
            .put_targets()
            .rule(&rule)
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("work-queue")
                    .arn(&queue_arn)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();

        Self {
            emulator: emulator.clone(),
            s3,
            sqs,
            bucket_a,
            bucket_b,
            queue_url,
            queue_arn,
            dead_letter_url,
        }
    }

    pub async fn put(&self, key: &str, body: Vec<u8>) {
        self.s3
            .put_object()
            .bucket(&self.bucket_a)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .unwrap_or_else(|e| panic!("upload of {key:?}: {e:?}"));
    }

    pub async fn delete(&self, key: &str) {
        self.s3
            .delete_object()
            .bucket(&self.bucket_a)
            .key(key)
            .send()
            .await
            .unwrap();
    }

    /// Every key of a bucket.
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let mut keys = Vec::new();
        let mut pages = self
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.unwrap();
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
        keys.sort();
        keys
    }

    pub async fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        match self.s3.get_object().bucket(bucket).key(key).send().await {
            Ok(output) => Some(output.body.collect().await.unwrap().to_vec()),
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_s3::operation::get_object::GetObjectError::is_no_such_key,
                ) =>
            {
                None
            }
            Err(e) => panic!("get {bucket}/{key}: {e:?}"),
        }
    }

    /// Waits until B holds exactly `expected` (key → stripped bytes).
    pub async fn await_destination(&self, expected: &BTreeMap<String, Vec<u8>>) {
        let wanted: Vec<&String> = expected.keys().collect();
        eventually("B to hold exactly the expected keys", || async {
            let keys = self.keys(&self.bucket_b).await;
            let keys: Vec<&String> = keys.iter().collect();
            (keys == wanted).then_some(()).ok_or_else(|| {
                let missing = wanted.iter().filter(|k| !keys.contains(k)).count();
                let extra = keys.iter().filter(|k| !wanted.contains(k)).count();
                format!("{missing} missing, {extra} extra")
            })
        })
        .await;
        eventually("B's content to be the stripped newest A", || async {
            for (key, bytes) in expected {
                let got = self.get(&self.bucket_b, key).await;
                if got.as_ref() != Some(bytes) {
                    return Err(format!("{key:?} differs"));
                }
            }
            Ok(())
        })
        .await;
    }

    /// Waits until the work queue holds no message, visible or in flight.
    pub async fn await_queue_drained(&self) {
        eventually("the work queue to drain", || async {
            let count = self.queue_count(&self.queue_url).await;
            (count == 0)
                .then_some(())
                .ok_or(format!("{count} messages left"))
        })
        .await;
    }

    pub async fn queue_count(&self, url: &str) -> u64 {
        let output = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap();
        let attributes = output.attributes.unwrap_or_default();
        [
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        ]
        .iter()
        .filter_map(|name| attributes.get(name)?.parse::<u64>().ok())
        .sum()
    }

    /// Receives and deletes messages of `url` until `enough` holds for what was gathered.
    pub async fn drain(
        &self,
        url: &str,
        enough: impl Fn(&[Received]) -> Result<(), String>,
    ) -> Vec<Received> {
        let mut gathered = Vec::new();
        let started = Instant::now();
        loop {
            let output = self
                .sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .message_attribute_names("All")
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send()
                .await
                .unwrap();
            for message in output.messages.unwrap_or_default() {
                let attribute = |name: &str| {
                    message
                        .message_attributes
                        .as_ref()
                        .and_then(|a| a.get(name))
                        .and_then(|v| v.string_value.clone())
                };
                gathered.push(Received {
                    body: message.body.clone().unwrap_or_default(),
                    reason: attribute(exifstrip_aws::sqs::REASON_ATTRIBUTE),
                    class: attribute(exifstrip_aws::sqs::CLASS_ATTRIBUTE),
                });
                if let Some(receipt) = &message.receipt_handle {
                    self.sqs
                        .delete_message()
                        .queue_url(url)
                        .receipt_handle(receipt)
                        .send()
                        .await
                        .unwrap();
                }
            }
            match enough(&gathered) {
                Ok(()) => return gathered,
                Err(missing) if started.elapsed() > DEADLINE => {
                    panic!("gave up waiting for messages on {url}: {missing}; got {gathered:#?}")
                }
                Err(_) => {}
            }
        }
    }

    /// Starts `exifstrip worker` on this stack's queue, logging into `log`.
    pub fn start_worker(&self, bin: &Path, log: &Path) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        Command::new(bin)
            .args(["worker", "--queue-url", &self.queue_url])
            .args(["--dest", &format!("s3://{}", self.bucket_b)])
            .args(["--allow-source-bucket", &self.bucket_a])
            .args(["--wait-seconds", "1", "--jobs", "8"])
            .args(["--max-size", &MAX_SIZE.to_string()])
            .envs(self.emulator.env())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }
}

/// A message taken off a queue.
#[derive(Debug)]
pub struct Received {
    pub body: String,
    pub reason: Option<String>,
    pub class: Option<String>,
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    let output = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    output
        .attributes
        .unwrap_or_default()
        .remove(&QueueAttributeName::QueueArn)
        .unwrap()
}

/// Polls `check` until it passes; fails the test with its last complaint after [`DEADLINE`].
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let started = Instant::now();
    loop {
        let complaint = match check().await {
            Ok(()) => return,
            Err(complaint) => complaint,
        };
        assert!(
            started.elapsed() < DEADLINE,
            "gave up waiting for {what}: {complaint}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The sample photos: `(name, bytes)`, the damaged `corrupted.jpg` apart.
pub fn corpus() -> (Vec<(String, Vec<u8>)>, Vec<u8>) {
    let folder = std::env::var_os("EXIFSTRIP_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/exif-samples/jpg"),
        PathBuf::from,
    );
    let mut photos = Vec::new();
    let mut corrupted = None;
    let entries = std::fs::read_dir(&folder).unwrap_or_else(|e| {
        panic!(
            "the corpus at {}: {e}; set EXIFSTRIP_CORPUS",
            folder.display()
        )
    });
    for entry in entries {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        if name == "corrupted.jpg" {
            corrupted = Some(bytes);
        } else if name.to_ascii_lowercase().ends_with(".jpg") && bytes.len() < MAX_SIZE {
            photos.push((name, bytes));
        }
    }
    photos.sort();
    assert!(photos.len() >= 10, "too few photos in {}", folder.display());
    (photos, corrupted.expect("corrupted.jpg in the corpus"))
}

/// `count` awkward keys: spaces, `+`, `%`, non-ASCII letters and nested `/` in every one,
/// with the photo each holds.
pub fn awkward_uploads(tag: &str, count: usize) -> Vec<(String, Vec<u8>)> {
    let (photos, _) = corpus();
    let folders = [
        "",
        "2024 summer/",
        "a+b/c%d/",
        "ünïcødé/日本/",
        "deep/er/st/",
    ];
    (0..count)
        .map(|i| {
            let folder = folders[i % folders.len()];
            let (name, bytes) = &photos[i % photos.len()];
            let key = format!("{tag}/{folder}café+{i:03} 100% {name}");
            (key, bytes.clone())
        })
        .collect()
}

/// What the worker must write for `bytes`.
pub fn stripped(bytes: &[u8]) -> Vec<u8> {
    exifstrip_core::strip(bytes, Policy::default())
        .unwrap()
        .image
}

/// Runs `future` on a fresh multi-threaded runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Stops a child process and reaps it.
pub fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Prints a worker's log, for failing tests.
pub fn show_log(log: &Path) {
    if let Ok(text) = std::fs::read_to_string(log) {
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        eprintln!("--- last lines of {} ---", log.display());
        for line in tail.iter().rev() {
            eprintln!("{line}");
        }
    }
}
