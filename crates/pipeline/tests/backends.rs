//! The conformance suite on each store, and what only some stores can show.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use exifstrip_pipeline::{Options, Outcome, Processor, Quiet, Rejection, Store, SyncOptions, sync};
use object_store::{Attribute, Attributes, GetOptions, ObjectStore, ObjectStoreExt, PutOptions};

use crate::conformance;
use crate::support::{photo_with_secret, stripped};

#[tokio::test]
async fn memory_conformance() {
    conformance::run(|| async { (Store::memory(), Store::memory()) }).await;
}

#[tokio::test]
async fn local_conformance() {
    let dirs = Mutex::new(Vec::new());
    conformance::run(|| async {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::local(dir.path().join("a"), None).unwrap();
        let b = Store::local(dir.path().join("b"), Some(&dir.path().join("state"))).unwrap();
        dirs.lock().unwrap().push(dir);
        (a, b)
    })
    .await;
}

#[tokio::test]
async fn s3_conformance() {
    let Some(endpoint) = s3_endpoint() else {
        return;
    };
    conformance::run(|| async {
        let a = s3_store(&endpoint, &new_bucket(&endpoint)).0;
        let b = s3_store(&endpoint, &new_bucket(&endpoint)).0;
        (a, b)
    })
    .await;
}

#[tokio::test]
async fn memory_copies_no_source_metadata() {
    let a = Arc::new(object_store::memory::InMemory::new());
    let b = Arc::new(object_store::memory::InMemory::new());
    no_source_metadata(a, b).await;
}

#[tokio::test]
async fn s3_copies_no_source_metadata() {
    let Some(endpoint) = s3_endpoint() else {
        return;
    };
    let a = s3_store(&endpoint, &new_bucket(&endpoint)).1;
    let b = s3_store(&endpoint, &new_bucket(&endpoint)).1;
    no_source_metadata(a, b).await;
}

/// A store reached through `Location::open` and the AWS environment, as the binary does,
/// is exercised by the command-line tests; here the stores are built from the test's
/// endpoint, so that no environment variable has to change.
async fn no_source_metadata(a: Arc<dyn ObjectStore>, b: Arc<dyn ObjectStore>) {
    let path = object_store::path::Path::parse("people/jane.jpg").unwrap();
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::ContentType, "application/octet-stream".into());
    attributes.insert(
        Attribute::Metadata("owner".into()),
        "Jane Doe, /home/jane/private".into(),
    );
    attributes.insert(
        Attribute::ContentDisposition,
        "attachment; filename=jane.jpg".into(),
    );
    let options = PutOptions {
        attributes,
        ..PutOptions::default()
    };
    a.put_opts(&path, photo_with_secret("jane").into(), options)
        .await
        .unwrap();
    let source_etag = a.head(&path).await.unwrap().e_tag;

    let source = Store::from_object_store(Arc::clone(&a), "a");
    let destination = Store::from_object_store(Arc::clone(&b), "b");
    let processor = Processor::new(source, destination, Options::default());
    processor.process("people/jane.jpg", None).await.unwrap();

    let head = GetOptions {
        head: true,
        ..GetOptions::default()
    };
    let copy = b.get_opts(&path, head).await.unwrap();
    let attributes = &copy.attributes;
    assert_eq!(
        attributes.get(&Attribute::ContentType).map(AsRef::as_ref),
        Some("image/jpeg")
    );
    assert!(
        attributes
            .get(&Attribute::Metadata("owner".into()))
            .is_none()
    );
    assert!(attributes.get(&Attribute::ContentDisposition).is_none());
    assert_eq!(
        attributes
            .get(&Attribute::Metadata("exifstrip-source-etag".into()))
            .map(|v| v.as_ref().to_owned()),
        source_etag
    );
}

#[tokio::test]
async fn local_symbolic_links_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(outside.join("folder")).unwrap();
    std::fs::write(outside.join("secret.jpg"), photo_with_secret("outside")).unwrap();
    std::fs::write(outside.join("folder/inner.jpg"), photo_with_secret("inner")).unwrap();
    let a = Store::local(dir.path().join("a"), None).unwrap();
    let b = Store::local(dir.path().join("b"), None).unwrap();
    a.put("real.jpg", photo_with_secret("real").into())
        .await
        .unwrap();
    let root = dir.path().join("a");
    std::os::unix::fs::symlink(outside.join("secret.jpg"), root.join("link.jpg")).unwrap();
    std::os::unix::fs::symlink(outside.join("folder"), root.join("linked folder")).unwrap();
    let processor = Arc::new(Processor::new(a, b.clone(), Options::default()));

    let summary = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!(summary.written, 1, "{summary:?}");
    assert_eq!(summary.rejected.len(), 1, "{summary:?}");
    assert_eq!(summary.rejected[0].key, "link.jpg");
    assert!(
        summary.rejected[0].reason.contains("symbolic link"),
        "{summary:?}"
    );
    for key in ["link.jpg", "linked folder/inner.jpg"] {
        let error = processor.process(key, None).await.unwrap_err();
        assert!(
            matches!(error.rejection(), Some(Rejection::SymbolicLink)),
            "{error}"
        );
    }
    assert_eq!(files(&dir.path().join("b")), ["real.jpg"]);
}

#[tokio::test]
async fn local_keys_never_escape_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::memory();
    let b = Store::local(dir.path().join("b"), None).unwrap();
    let processor = Processor::new(a.clone(), b, Options::default());
    for key in [
        "../escape.jpg",
        "x/../../escape.jpg",
        "/tmp/abs.jpg",
        "a\\..\\b.jpg",
        "a//b.jpg",
    ] {
        a.put(key.trim_start_matches('/'), photo_with_secret(key).into())
            .await
            .ok();
        let result = processor.process(key, None).await;
        assert!(
            matches!(
                result
                    .as_ref()
                    .map_err(exifstrip_pipeline::Error::rejection),
                Err(Some(Rejection::UnsafeKey(_)))
            ),
            "{key}: {result:?}"
        );
    }
    let c = Store::local(dir.path().join("c"), None).unwrap();
    let error = c.put("../escape.jpg", "x".into()).await.unwrap_err();
    assert!(error.to_string().contains("`..`"), "{error}");
    assert!(!dir.path().join("escape.jpg").exists());
    assert!(files(&dir.path().join("b")).is_empty());
}

#[tokio::test]
async fn local_staging_files_are_ignored_and_never_left() {
    let dir = tempfile::tempdir().unwrap();
    let a_root = dir.path().join("a");
    let a = Store::local(&a_root, None).unwrap();
    let b = Store::local(dir.path().join("b"), None).unwrap();
    a.put("p/photo.jpg", photo_with_secret("p").into())
        .await
        .unwrap();
    std::fs::write(a_root.join("p/photo.jpg#3"), b"half").unwrap();
    std::fs::write(a_root.join("p/.exifstrip-9-9.partial"), b"half").unwrap();
    let processor = Arc::new(Processor::new(a, b, Options::default()));

    let summary = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert!(summary.is_clean(), "{summary:?}");
    assert_eq!(summary.written, 1);
    assert_eq!(files(&dir.path().join("b")), ["p/photo.jpg"]);
}

#[tokio::test]
async fn local_provenance_survives_restarts_and_stays_outside() {
    let dir = tempfile::tempdir().unwrap();
    let (a_root, b_root, state) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("s"),
    );
    let open = || {
        let a = Store::local(&a_root, None).unwrap();
        let b = Store::local(&b_root, Some(&state)).unwrap();
        Arc::new(Processor::new(a, b, Options::default()))
    };
    let processor = open();
    for key in ["x.jpg", "d/y.jpg", "d/e/z.jpg"] {
        processor
            .source()
            .put(key, photo_with_secret(key).into())
            .await
            .unwrap();
    }
    let first = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!(first.written, 3);
    let busy = Store::local(&b_root, Some(&state)).unwrap_err();
    assert!(
        busy.to_string().contains("another exifstrip process"),
        "{busy}"
    );
    drop(processor);

    let processor = open();
    let second = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!((second.written, second.up_to_date), (0, 3), "{second:?}");
    assert_eq!(files(&b_root), ["d/e/z.jpg", "d/y.jpg", "x.jpg"]);

    // A copy changed by hand is written again; a deleted source takes its empty folders.
    std::fs::write(b_root.join("d/y.jpg"), b"defaced").unwrap();
    std::fs::remove_file(a_root.join("d/e/z.jpg")).unwrap();
    let third = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!((third.written, third.deleted), (1, 1), "{third:?}");
    assert_eq!(
        std::fs::read(b_root.join("d/y.jpg")).ok(),
        stripped(&photo_with_secret("d/y.jpg"))
    );
    assert!(!b_root.join("d/e").exists());
    drop(processor);

    // Without the journal everything is written once more, and nothing is lost.
    std::fs::remove_dir_all(&state).unwrap();
    let processor = open();
    let fourth = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!(fourth.written, 2, "{fourth:?}");
    assert_eq!(
        processor.process("x.jpg", None).await.unwrap(),
        Outcome::UpToDate
    );
}

#[tokio::test]
async fn local_source_gone_deletes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::local(dir.path().join("a"), None).unwrap();
    let b = Store::local(dir.path().join("b"), Some(&dir.path().join("s"))).unwrap();
    a.put("x.jpg", photo_with_secret("x").into()).await.unwrap();
    let processor = Arc::new(Processor::new(a, b, Options::default()));
    sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();

    std::fs::remove_dir_all(dir.path().join("a")).unwrap();
    let error = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("the folder itself is gone"),
        "{error}"
    );
    assert_eq!(files(&dir.path().join("b")), ["x.jpg"]);
}

/// Every file below `root`, as sorted `/`-separated relative paths, hidden ones included.
pub fn files(root: &Path) -> Vec<String> {
    let mut found: Vec<String> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let relative = e.path().strip_prefix(root).unwrap();
            relative.to_str().unwrap().to_owned()
        })
        .collect();
    found.sort();
    found
}

/// The S3-compatible server's URL, or `None` (after saying why) when there is none.
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

/// Creates a bucket with a name no other test uses, and returns the name.
fn new_bucket(endpoint: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "exifstrip-test-{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "PUT /{name} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "creating {name}: {response}"
    );
    name
}

fn s3_store(endpoint: &str, bucket: &str) -> (Store, Arc<dyn ObjectStore>) {
    let env = |name: &str| std::env::var(name).unwrap_or_else(|_| "test".into());
    let s3: Arc<dyn ObjectStore> = Arc::new(
        exifstrip_pipeline::s3_settings(
            object_store::aws::AmazonS3Builder::new()
                .with_endpoint(endpoint)
                .with_allow_http(true)
                .with_bucket_name(bucket)
                .with_region(env("AWS_REGION"))
                .with_access_key_id(env("AWS_ACCESS_KEY_ID"))
                .with_secret_access_key(env("AWS_SECRET_ACCESS_KEY")),
        )
        .build()
        .unwrap(),
    );
    let store = Store::from_object_store(Arc::clone(&s3), &format!("s3://{bucket}"));
    (store, s3)
}
