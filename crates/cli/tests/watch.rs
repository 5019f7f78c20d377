//! `exifstrip watch` and `exifstrip sync` run as processes on temporary folders (and, for
//! sync, against the S3-compatible server of `scripts/with-emulators.sh`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use exifstrip_core::{Policy, strip};

/// How long any expected change may take to show up before the test fails.
const DEADLINE: Duration = Duration::from_secs(30);

fn corpus_dir() -> PathBuf {
    std::env::var_os("EXIFSTRIP_CORPUS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/corpus/exif-samples/jpg")
        },
        PathBuf::from,
    )
}

/// Every photo of the corpus, by its path relative to the corpus folder.
fn corpus() -> BTreeMap<String, Vec<u8>> {
    let root = corpus_dir();
    let photos: BTreeMap<String, Vec<u8>> = walkdir::WalkDir::new(&root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("jpg") || x.eq_ignore_ascii_case("jpeg"))
        })
        .map(|e| {
            let key = e
                .path()
                .strip_prefix(&root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            (key, fs::read(e.path()).unwrap())
        })
        .collect();
    assert!(photos.len() >= 20, "corpus missing at {}", root.display());
    photos
}

fn stripped(bytes: &[u8]) -> Option<Vec<u8>> {
    strip(bytes, Policy::default()).ok().map(|s| s.image)
}

/// A tiny valid JPEG whose comment holds `secret`.
fn photo(secret: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xFE];
    out.extend(u16::try_from(secret.len() + 2).unwrap().to_be_bytes());
    out.extend(secret.as_bytes());
    out.extend([
        0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0,
        0x12, 0x34, 0xFF, 0xD9,
    ]);
    out
}

fn impostors() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("x_html.jpg", b"<!doctype html><script>alert(1)</script>"),
        ("x_svg.JPEG", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        ("x_empty.jpg", b""),
        ("x_soi_then_text.jpg", b"\xFF\xD8 not really"),
    ]
}

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// Temporary source, destination and state folders.
struct Folders {
    _dir: tempfile::TempDir,
    a: PathBuf,
    b: PathBuf,
    state: PathBuf,
}

impl Folders {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, state) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("state"),
        );
        fs::create_dir_all(&a).unwrap();
        Self {
            _dir: dir,
            a,
            b,
            state,
        }
    }

    fn b_has(&self, key: &str, content: Option<&[u8]>) -> bool {
        fs::read(self.b.join(key)).ok().as_deref() == content
    }
}

/// A running `exifstrip watch`, with its stderr in a file.
struct Watch {
    child: Child,
    log: PathBuf,
}

impl Watch {
    fn start(folders: &Folders, log_name: &str) -> Self {
        Self::start_with(folders, log_name, &[])
    }

    fn start_with(folders: &Folders, log_name: &str, options: &[&str]) -> Self {
        let log = folders.state.with_file_name(log_name);
        let child = Command::new(env!("CARGO_BIN_EXE_exifstrip"))
            .arg("watch")
            .arg(&folders.a)
            .arg(&folders.b)
            .arg("--state-dir")
            .arg(&folders.state)
            .args(["--settle", "1"])
            .args(options)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Self { child, log }
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls `ready` until it holds, failing with `what` and the log at the deadline.
    fn wait_for(&mut self, what: &str, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + DEADLINE;
        while !ready() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "watch exited ({status}) while waiting for {what}\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM and returns the exit code and the log; fails unless the process exits
    /// by itself, cleanly, before the deadline.
    fn stop(mut self) -> (i32, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let code = status.code().unwrap_or_else(|| {
                    panic!("watch was killed by a signal ({status})\n{}", self.log())
                });
                return (code, self.log());
            }
            assert!(
                Instant::now() < deadline,
                "watch did not stop\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A test that fails while watch runs must not leave it running.
impl Drop for Watch {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Scans the destination over and over while a test runs, and records every visible file
/// that is not a complete JPEG or that has a temporary name.
struct Monitor {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Monitor {
    fn start(root: &Path) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (root, flag, found) = (root.to_path_buf(), Arc::clone(&stop), Arc::clone(&seen));
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                for entry in walkdir::WalkDir::new(&root).into_iter().flatten() {
                    if !entry.file_type().is_file() {
                        continue;
                    }
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let problem = if name.starts_with('.') || name.contains('#') {
                        Some(format!("temporary file {}", entry.path().display()))
                    } else {
                        // A file that vanished meanwhile was deleted, which is fine.
                        fs::read(entry.path()).ok().and_then(|bytes| {
                            strip(&bytes, Policy::default())
                                .err()
                                .map(|e| format!("partial file {}: {e}", entry.path().display()))
                        })
                    };
                    if let Some(problem) = problem {
                        found.lock().unwrap().push(problem);
                    }
                }
            }
        });
        Self {
            stop,
            seen,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap();
        self.seen.lock().unwrap().clone()
    }
}

/// Copies the corpus and the impostors under nested folders with awkward names; returns
/// each key with its expected copy (`None`: must be rejected).
fn add_corpus_and_impostors(
    a: &Path,
    photos: &BTreeMap<String, Vec<u8>>,
) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut expected = BTreeMap::new();
    for (i, (key, bytes)) in photos.iter().enumerate() {
        let key = match i % 3 {
            0 => format!("2024 summer/café+1/{key}"),
            1 => format!("deep/a/b/c %20 d/{key}"),
            _ => format!("UPPER/{}", key.replace(".jpg", ".JPG")),
        };
        write(&a.join(&key), bytes);
        expected.insert(key, stripped(bytes));
    }
    for (name, bytes) in impostors() {
        write(&a.join("2024 summer").join(name), bytes);
        expected.insert(format!("2024 summer/{name}"), None);
    }
    expected
}

/// A photo written in two halves with a pause between them is copied only once complete.
fn slow_writer_is_awaited(folders: &Folders, watch: &mut Watch) {
    let slow = photo("written slowly, in two halves");
    let half = slow.len() / 2;
    let mut file = fs::File::create(folders.a.join("slow.jpg")).unwrap();
    std::io::Write::write_all(&mut file, &slow[..half]).unwrap();
    std::io::Write::flush(&mut file).unwrap();
    write(&folders.a.join("marker.jpg"), &photo("marker"));
    watch.wait_for("the marker", || {
        folders.b_has("marker.jpg", stripped(&photo("marker")).as_deref())
    });
    assert!(
        !folders.b.join("slow.jpg").exists(),
        "a half-written file was copied"
    );
    std::io::Write::write_all(&mut file, &slow[half..]).unwrap();
    drop(file);
    watch.wait_for("the slow photo", || {
        folders.b_has("slow.jpg", stripped(&slow).as_deref())
    });
}

#[test]
fn watch_mirrors_creations_overwrites_renames_and_deletions() {
    let folders = Folders::new();
    let photos = corpus();
    write(
        &folders.a.join("before/start.jpg"),
        &photo("present at start"),
    );
    let monitor = Monitor::start(&folders.b);
    let mut watch = Watch::start(&folders, "watch.log");
    watch.wait_for("the initial sync", || {
        folders.b_has(
            "before/start.jpg",
            stripped(&photo("present at start")).as_deref(),
        )
    });

    let expected = add_corpus_and_impostors(&folders.a, &photos);
    let rejected = expected.values().filter(|v| v.is_none()).count();
    assert!(
        rejected > impostors().len(),
        "the corpus's damaged photo is missing"
    );
    watch.wait_for("every valid photo mirrored", || {
        expected
            .iter()
            .filter(|(_, copy)| copy.is_some())
            .all(|(key, copy)| folders.b_has(key, copy.as_deref()))
    });
    for (key, _) in expected.iter().filter(|(_, copy)| copy.is_none()) {
        assert!(
            !folders.b.join(key).exists(),
            "{key} was rejected yet copied"
        );
    }

    // Overwritten in place, and replaced by a rename over it.
    let key = "before/start.jpg";
    fs::write(folders.a.join(key), photo("overwritten in place")).unwrap();
    watch.wait_for("the overwrite", || {
        folders.b_has(key, stripped(&photo("overwritten in place")).as_deref())
    });
    write(
        &folders.a.join("before/incoming.tmp"),
        &photo("renamed over"),
    );
    fs::rename(folders.a.join("before/incoming.tmp"), folders.a.join(key)).unwrap();
    watch.wait_for("the replacement", || {
        folders.b_has(key, stripped(&photo("renamed over")).as_deref())
    });

    // Renamed files and folders move; deleted ones vanish.
    fs::rename(folders.a.join(key), folders.a.join("before/moved.jpg")).unwrap();
    watch.wait_for("the file rename", || {
        !folders.b.join(key).exists()
            && folders.b_has(
                "before/moved.jpg",
                stripped(&photo("renamed over")).as_deref(),
            )
    });
    fs::rename(folders.a.join("UPPER"), folders.a.join("lower")).unwrap();
    let upper: Vec<_> = expected
        .iter()
        .filter(|(key, copy)| key.starts_with("UPPER/") && copy.is_some())
        .collect();
    assert!(!upper.is_empty());
    watch.wait_for("the folder rename", || {
        !folders.b.join("UPPER").exists()
            && upper.iter().all(|(key, copy)| {
                let moved = key.replacen("UPPER/", "lower/", 1);
                folders.b_has(&moved, copy.as_deref())
            })
    });
    fs::remove_file(folders.a.join("before/moved.jpg")).unwrap();
    fs::remove_dir_all(folders.a.join("deep")).unwrap();
    watch.wait_for("the deletions", || {
        !folders.b.join("before/moved.jpg").exists() && !folders.b.join("deep").exists()
    });

    slow_writer_is_awaited(&folders, &mut watch);

    let (code, log) = watch.stop();
    let problems = monitor.finish();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(code, 1, "rejections must give exit status 1\n{log}");
    for (name, _) in impostors() {
        assert!(
            log.contains(&format!("exifstrip: rejected 2024 summer/{name}: ")),
            "{name} not reported\n{log}"
        );
    }
    assert!(log.contains("corrupted.jpg"), "{log}");
    assert!(log.contains("stop requested"), "{log}");
    // Rejections are warnings; nothing in this run was an error.
    let errors: Vec<&str> = log.lines().filter(|l| l.contains(" ERROR ")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn watch_catches_up_after_a_restart() {
    let folders = Folders::new();
    write(&folders.a.join("kept.jpg"), &photo("kept"));
    write(&folders.a.join("changed.jpg"), &photo("old"));
    write(&folders.a.join("gone/deleted.jpg"), &photo("deleted"));
    let mut watch = Watch::start(&folders, "first.log");
    watch.wait_for("the first sync", || {
        folders.b_has("gone/deleted.jpg", stripped(&photo("deleted")).as_deref())
            && folders.b_has("changed.jpg", stripped(&photo("old")).as_deref())
    });
    let (code, log) = watch.stop();
    assert_eq!(code, 0, "{log}");

    write(&folders.a.join("new/added.jpg"), &photo("added"));
    write(&folders.a.join("changed.jpg"), &photo("new, longer"));
    fs::remove_dir_all(folders.a.join("gone")).unwrap();
    let mut watch = Watch::start(&folders, "second.log");
    watch.wait_for("the catch-up", || {
        folders.b_has("new/added.jpg", stripped(&photo("added")).as_deref())
            && folders.b_has("changed.jpg", stripped(&photo("new, longer")).as_deref())
            && !folders.b.join("gone").exists()
    });
    let (code, log) = watch.stop();
    assert_eq!(code, 0, "{log}");
    assert!(folders.b_has("kept.jpg", stripped(&photo("kept")).as_deref()));
    assert!(
        log.contains("1 up to date"),
        "the unchanged photo was written again\n{log}"
    );
    // Nothing touched it, so it was looked at once: reading files must not set off events
    // that make the watch look again and again.
    let looks = log
        .matches("key=\"kept.jpg\" outcome=\"up_to_date\"")
        .count();
    assert_eq!(looks, 1, "{log}");
}

#[test]
fn watch_with_no_delete_keeps_the_copies_of_deleted_photos() {
    let folders = Folders::new();
    write(&folders.a.join("a.jpg"), &photo("a"));
    write(&folders.a.join("d/b.jpg"), &photo("b"));
    let mut watch = Watch::start_with(&folders, "watch.log", &["--no-delete"]);
    watch.wait_for("the first sync", || {
        folders.b_has("a.jpg", stripped(&photo("a")).as_deref())
            && folders.b_has("d/b.jpg", stripped(&photo("b")).as_deref())
    });

    fs::remove_file(folders.a.join("a.jpg")).unwrap();
    fs::remove_dir_all(folders.a.join("d")).unwrap();
    let log = watch.log.clone();
    watch.wait_for("the deletion to be seen", || {
        fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("key=\"a.jpg\" outcome=\"kept\"")
    });
    write(&folders.a.join("c.jpg"), &photo("c"));
    watch.wait_for("a photo added after the deletions", || {
        folders.b_has("c.jpg", stripped(&photo("c")).as_deref())
    });
    let (code, log) = watch.stop();
    assert_eq!(code, 0, "{log}");
    assert!(
        folders.b_has("a.jpg", stripped(&photo("a")).as_deref()),
        "{log}"
    );
    assert!(
        folders.b_has("d/b.jpg", stripped(&photo("b")).as_deref()),
        "{log}"
    );
    assert!(!log.contains("outcome=\"deleted\""), "{log}");
}

#[test]
fn sync_twice_then_nothing_to_do() {
    let folders = Folders::new();
    for (key, bytes) in corpus() {
        write(&folders.a.join("photos").join(key), &bytes);
    }
    let sync = || {
        Command::new(env!("CARGO_BIN_EXE_exifstrip"))
            .arg("sync")
            .arg(&folders.a)
            .arg(&folders.b)
            .arg("--state-dir")
            .arg(&folders.state)
            .output()
            .unwrap()
    };
    let first = sync();
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(
        first.status.code(),
        Some(1),
        "corrupted.jpg must be rejected\n{stderr}"
    );
    assert!(
        stderr.contains("rejected photos/corrupted.jpg: "),
        "{stderr}"
    );
    let second = sync();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains(": 0 written, "), "{stderr}");
    assert!(!stderr.contains("outcome=\"written\""), "{stderr}");
}

#[test]
fn sync_rejects_overlapping_folders() {
    let folders = Folders::new();
    let output = Command::new(env!("CARGO_BIN_EXE_exifstrip"))
        .arg("sync")
        .arg(&folders.a)
        .arg(folders.a.join("public"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("overlap"));
}

/// The S3-compatible server that `scripts/with-emulators.sh` started, or `None` after
/// printing why the test skips.
fn s3_endpoint() -> Option<String> {
    let endpoint = std::env::var("EXIFSTRIP_TEST_S3_ENDPOINT").ok();
    if endpoint.is_none() {
        eprintln!(
            "skipped: EXIFSTRIP_TEST_S3_ENDPOINT is not set, so there is no S3-compatible \
             server to test against; run `scripts/with-emulators.sh cargo test` to start one"
        );
    }
    endpoint
}

/// Creates a bucket with a bare HTTP request: the server does not check signatures.
fn create_bucket(endpoint: &str, bucket: &str) {
    let host = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    std::io::Write::write_all(
        &mut stream,
        format!("PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[test]
fn sync_to_and_from_s3_through_the_aws_environment() {
    let Some(endpoint) = s3_endpoint() else {
        return;
    };
    let bucket = format!("exifstrip-cli-{}", std::process::id());
    create_bucket(&endpoint, &bucket);

    let folders = Folders::new();
    let photos = corpus();
    for (key, bytes) in &photos {
        write(&folders.a.join("café +1").join(key), bytes);
    }
    let url = format!("s3://{bucket}/public");
    let run = |src: &Path, dst: &str| {
        Command::new(env!("CARGO_BIN_EXE_exifstrip"))
            .arg("sync")
            .arg(src)
            .arg(dst)
            .arg("--state-dir")
            .arg(&folders.state)
            .env("AWS_ENDPOINT_URL", &endpoint)
            .output()
            .unwrap()
    };
    let up = run(&folders.a, &url);
    let stderr = String::from_utf8_lossy(&up.stderr);
    assert_eq!(up.status.code(), Some(1), "{stderr}");
    let again = run(&folders.a, &url);
    assert!(String::from_utf8_lossy(&again.stderr).contains(": 0 written, "));

    // Back down into a folder: the copies are the stripped photos, at the same keys.
    let down = Command::new(env!("CARGO_BIN_EXE_exifstrip"))
        .arg("sync")
        .arg(&url)
        .arg(&folders.b)
        .arg("--state-dir")
        .arg(&folders.state)
        .env("AWS_ENDPOINT_URL", &endpoint)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&down.stderr);
    assert_eq!(down.status.code(), Some(0), "{stderr}");
    for (key, bytes) in &photos {
        let copy = fs::read(folders.b.join("café +1").join(key)).ok();
        assert_eq!(copy, stripped(bytes), "{key}");
    }
}

/// With no keys in the environment, S3 credentials come from the `~/.aws` profile that
/// `AWS_PROFILE` names; with neither, the error says what to set. The instance metadata
/// service is switched off, so that neither run can find credentials anywhere else.
#[test]
fn sync_to_s3_with_credentials_from_an_aws_profile() {
    let Some(endpoint) = s3_endpoint() else {
        return;
    };
    let bucket = format!("exifstrip-profile-{}", std::process::id());
    create_bucket(&endpoint, &bucket);
    let folders = Folders::new();
    let (key, bytes) = corpus().into_iter().next().unwrap();
    write(&folders.a.join(&key), &bytes);
    let home = tempfile::tempdir().unwrap();
    let (config, credentials) = (home.path().join("config"), home.path().join("credentials"));
    fs::write(&config, "[profile exifstrip-test]\nregion = us-east-1\n").unwrap();
    fs::write(
        &credentials,
        "[exifstrip-test]\naws_access_key_id = AKIDPROFILEEXAMPLE\n\
         aws_secret_access_key = profile-secret\n",
    )
    .unwrap();
    let run = |profile: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_exifstrip"));
        command
            .arg("sync")
            .arg(&folders.a)
            .arg(format!("s3://{bucket}"))
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_REGION")
            .env("HOME", home.path())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", &endpoint);
        if profile {
            command
                .env("AWS_PROFILE", "exifstrip-test")
                .env("AWS_CONFIG_FILE", &config)
                .env("AWS_SHARED_CREDENTIALS_FILE", &credentials);
        } else {
            command
                .env("AWS_CONFIG_FILE", home.path().join("missing"))
                .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("missing"));
        }
        command.output().unwrap()
    };

    let without = run(false);
    let stderr = String::from_utf8_lossy(&without.stderr);
    assert_eq!(without.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no AWS credentials (set AWS_ACCESS_KEY_ID"),
        "{stderr}"
    );

    let with = run(true);
    let stderr = String::from_utf8_lossy(&with.stderr);
    assert_eq!(with.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(": 1 written, "), "{stderr}");
}
