//! `exifstrip worker` against each emulator.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Child;

use super::{
    Emulator, Stack, awkward_uploads, block_on, corpus, eventually, exifstrip_bin, kill, show_log,
    stripped,
};

/// Objects uploaded by the main run.
fn upload_count() -> usize {
    std::env::var("EXIFSTRIP_E2E_OBJECTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300)
}

/// A running worker, stopped when dropped (also when a test fails).
struct Worker {
    child: Child,
    log: PathBuf,
}

impl Worker {
    /// Starts a worker and fails the test at once, with the worker's log, if it exits
    /// within its first half second (a bad flag or configuration), rather than after the
    /// test's deadline for progress that could never come.
    fn start(stack: &Stack, bin: &Path, log: &Path) -> Self {
        let mut worker = Self {
            child: stack.start_worker(bin, log),
            log: log.to_owned(),
        };
        std::thread::sleep(std::time::Duration::from_millis(500));
        if let Ok(Some(status)) = worker.child.try_wait() {
            panic!(
                "the worker ({}) exited at start with {status}",
                bin.display()
            );
        }
        worker
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if std::thread::panicking() {
            show_log(&self.log);
        }
        kill(&mut self.child);
    }
}

fn setup(variable: &str, name: &'static str) -> Option<(Emulator, PathBuf, tempfile::TempDir)> {
    let emulator = Emulator::from_env(variable, name)?;
    let bin = exifstrip_bin()?;
    Some((emulator, bin, tempfile::tempdir().unwrap()))
}

#[test]
fn moto_uploads_deletes_and_poison() {
    if let Some((emulator, bin, dir)) = setup("EXIFSTRIP_TEST_MOTO", "moto") {
        block_on(uploads_deletes_and_poison(&emulator, &bin, dir.path()));
    }
}

#[test]
fn ministack_uploads_deletes_and_poison() {
    if let Some((emulator, bin, dir)) = setup("EXIFSTRIP_TEST_MINISTACK", "ministack") {
        block_on(uploads_deletes_and_poison(&emulator, &bin, dir.path()));
    }
}

#[test]
fn moto_sigkill_and_restart() {
    if let Some((emulator, bin, dir)) = setup("EXIFSTRIP_TEST_MOTO", "moto") {
        block_on(sigkill_and_restart(&emulator, &bin, dir.path()));
    }
}

#[test]
fn ministack_sigkill_and_restart() {
    if let Some((emulator, bin, dir)) = setup("EXIFSTRIP_TEST_MINISTACK", "ministack") {
        block_on(sigkill_and_restart(&emulator, &bin, dir.path()));
    }
}

#[test]
fn moto_duplicate_and_reversed_events() {
    if let Some((emulator, bin, dir)) = setup("EXIFSTRIP_TEST_MOTO", "moto") {
        block_on(duplicate_and_reversed_events(&emulator, &bin, dir.path()));
    }
}

#[test]
fn ministack_duplicate_and_reversed_events() {
    if let Some((emulator, bin, dir)) = setup("EXIFSTRIP_TEST_MINISTACK", "ministack") {
        block_on(duplicate_and_reversed_events(&emulator, &bin, dir.path()));
    }
}

/// Uploads a few hundred photos under awkward keys plus poison (a page named `.jpg`, an
/// oversized object, a damaged photo, a malformed message); every photo appears stripped in
/// B, the poison ends in the dead-letter queue with its reason, and deletes reach B.
async fn uploads_deletes_and_poison(emulator: &Emulator, bin: &Path, dir: &Path) {
    let stack = Stack::create(emulator, "main", 30).await;
    let _worker = Worker::start(&stack, bin, &dir.join("worker.log"));
    exercise(&stack, upload_count()).await;
}

/// The checks of [`uploads_deletes_and_poison`] on a stack whose queue some consumer drains.
pub(super) async fn exercise(stack: &Stack, count: usize) {
    let uploads = awkward_uploads("up", count);
    let (_, corrupted) = corpus();
    let poison = [
        (
            "x_poison/page.jpg",
            b"<html><body>not a photo</body></html>".to_vec(),
        ),
        ("x_poison/oversized.jpg", oversized()),
        ("x_poison/corrupted.jpg", corrupted),
    ];

    stack
        .sqs
        .send_message()
        .queue_url(&stack.queue_url)
        .message_body("this is not an S3 event")
        .send()
        .await
        .unwrap();
    for (key, bytes) in &poison {
        stack.put(key, bytes.clone()).await;
    }
    let mut expected = BTreeMap::new();
    for (key, bytes) in &uploads {
        stack.put(key, bytes.clone()).await;
        expected.insert(key.clone(), stripped(bytes));
    }
    stack.await_destination(&expected).await;

    let dead = stack
        .drain(&stack.dead_letter_url, |got| {
            let has = |class: &str, part: &str| {
                got.iter().any(|m| {
                    m.class.as_deref() == Some(class)
                        && m.reason.as_deref().is_some_and(|r| r.contains(part))
                })
            };
            let wanted = [
                ("malformed", "not JSON"),
                ("rejected", "x_poison/page.jpg"),
                ("rejected", "x_poison/oversized.jpg"),
                ("rejected", "x_poison/corrupted.jpg"),
            ];
            let missing: Vec<_> = wanted.iter().filter(|(c, p)| !has(c, p)).collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("missing {missing:?}"))
            }
        })
        .await;
    assert!(
        dead.iter().all(|m| m.reason.is_some()),
        "every dead letter carries a reason: {dead:#?}"
    );
    let oversized = dead
        .iter()
        .find(|m| m.reason.as_deref().is_some_and(|r| r.contains("oversized")))
        .unwrap();
    assert!(
        oversized
            .reason
            .as_deref()
            .unwrap()
            .contains("over the limit")
    );

    for (index, (key, _)) in uploads.iter().enumerate() {
        if index % 5 == 0 {
            stack.delete(key).await;
            expected.remove(key);
        }
    }
    stack.await_destination(&expected).await;
    stack.await_queue_drained().await;
}

/// Kills the worker with SIGKILL in the middle of a run and starts it again: everything
/// converges and nothing is lost.
async fn sigkill_and_restart(emulator: &Emulator, bin: &Path, dir: &Path) {
    // A short visibility timeout brings the killed worker's messages back soon.
    let stack = Stack::create(emulator, "kill", 5).await;
    let log = dir.join("worker.log");
    let uploads = awkward_uploads("kill", 150);
    let mut expected = BTreeMap::new();
    for (key, bytes) in &uploads {
        stack.put(key, bytes.clone()).await;
        expected.insert(key.clone(), stripped(bytes));
    }

    let mut first = Worker::start(&stack, bin, &log);
    eventually("the first worker to make progress", || async {
        let written = stack.keys(&stack.bucket_b).await.len();
        (written >= 10)
            .then_some(())
            .ok_or(format!("{written} written"))
    })
    .await;
    // SIGKILL: no chance to finish anything in hand.
    first.child.kill().unwrap();
    let status = first.child.wait().unwrap();
    assert!(!status.success(), "the worker was killed: {status}");
    let written = stack.keys(&stack.bucket_b).await.len();
    eprintln!("killed after {written} of {} objects", expected.len());

    let _second = Worker::start(&stack, bin, &log);
    stack.await_destination(&expected).await;
    stack.await_queue_drained().await;
}

/// Delivers the same events twice and in reverse order: B still ends at the newest A.
async fn duplicate_and_reversed_events(emulator: &Emulator, bin: &Path, dir: &Path) {
    let stack = Stack::create(emulator, "order", 30).await;
    let log = dir.join("worker.log");
    let (photos, _) = corpus();
    let (v1, v2) = (&photos[0].1, &photos[1].1);
    let keys = [
        "order/over written.jpg",
        "order/re+born ü.jpg",
        "order/gone 100%.jpg",
    ];

    // Phase 1: every key at v1, processed.
    for key in keys {
        stack.put(key, v1.clone()).await;
    }
    let worker = Worker::start(&stack, bin, &log);
    let expected: BTreeMap<String, Vec<u8>> = keys
        .iter()
        .map(|k| ((*k).to_owned(), stripped(v1)))
        .collect();
    stack.await_destination(&expected).await;
    stack.await_queue_drained().await;
    stop_gracefully(worker);

    // Phase 2, with no worker: overwrite, delete and re-create, delete.
    stack.put(keys[0], v2.clone()).await;
    stack.delete(keys[1]).await;
    stack.put(keys[1], v2.clone()).await;
    stack.delete(keys[2]).await;

    // Take the four events off the queue and deliver them again, twice, newest first.
    let events = stack
        .drain(&stack.queue_url, |got| {
            (got.len() >= 4)
                .then_some(())
                .ok_or(format!("{} of 4 events", got.len()))
        })
        .await;
    for _ in 0..2 {
        for event in events.iter().rev() {
            stack
                .sqs
                .send_message()
                .queue_url(&stack.queue_url)
                .message_body(&event.body)
                .send()
                .await
                .unwrap();
        }
    }

    let _worker = Worker::start(&stack, bin, &log);
    let expected: BTreeMap<String, Vec<u8>> = [
        (keys[0].to_owned(), stripped(v2)),
        (keys[1].to_owned(), stripped(v2)),
    ]
    .into();
    stack.await_destination(&expected).await;
    stack.await_queue_drained().await;
    assert_eq!(stack.queue_count(&stack.dead_letter_url).await, 0);
}

/// A JPEG start followed by more bytes than the worker accepts.
fn oversized() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, b'h', b'i'];
    bytes.resize(super::MAX_SIZE + 1024, 0);
    bytes
}

/// SIGTERM, then the worker must exit cleanly after finishing what it holds.
fn stop_gracefully(mut worker: Worker) {
    let pid = worker.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = worker.child.wait().unwrap();
    assert!(
        status.success(),
        "the worker exits cleanly on SIGTERM: {status}"
    );
}
