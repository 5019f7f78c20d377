//! One suite of processing tests, run against every store pair in `backends.rs`.

use std::future::Future;
use std::sync::Arc;

use exifstrip_pipeline::{
    Options, Outcome, Processor, Quiet, Rejection, SourceVersion, Store, SyncOptions, sync,
};

use crate::support::{corpus, impostors, large_photo, photo_with_secret, stripped};

/// Runs every case, each on a fresh (source, destination) pair from `pair`.
pub async fn run<F, Fut>(pair: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = (Store, Store)>,
{
    let (a, b) = pair().await;
    corpus_mirrored(a, b).await;
    let (a, b) = pair().await;
    impostors_rejected(a, b).await;
    let (a, b) = pair().await;
    awkward_keys_identical(a, b).await;
    let (a, b) = pair().await;
    overwrites_and_deletions_mirrored(a, b).await;
    let (a, b) = pair().await;
    size_limit(a, b).await;
    let (a, b) = pair().await;
    foreign_objects(a, b).await;
    let (a, b) = pair().await;
    stale_events_harmless(a, b).await;
    let (a, b) = pair().await;
    large_objects_stream(a, b).await;
}

fn processor(a: &Store, b: &Store) -> Arc<Processor> {
    Arc::new(Processor::new(a.clone(), b.clone(), Options::default()))
}

/// The corpus under nested folders: every valid photo mirrored, stripped, at the same key;
/// the damaged one rejected and absent; a second sync does no work.
pub async fn corpus_mirrored(a: Store, b: Store) {
    let photos = corpus();
    for (i, (name, bytes)) in photos.iter().enumerate() {
        let key = format!("uploads/{}/album {i}/{name}", i % 3);
        a.put(&key, bytes.clone().into()).await.unwrap();
    }
    let processor = processor(&a, &b);

    let first = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    let mut valid = 0;
    for (i, (name, bytes)) in photos.iter().enumerate() {
        let key = format!("uploads/{}/album {i}/{name}", i % 3);
        let copy = b.get(&key).await.unwrap();
        match stripped(bytes) {
            Some(expected) => {
                valid += 1;
                assert_eq!(copy.as_deref(), Some(expected.as_slice()), "{key}");
            }
            None => assert!(copy.is_none(), "{key} is rejected yet was copied"),
        }
    }
    assert!(
        b.get("uploads/0/album 0/corrupted.jpg")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(first.written, valid, "{first:?}");
    assert_eq!(
        first.rejected.len(),
        photos.len() - usize::try_from(valid).unwrap()
    );
    assert!(
        first
            .rejected
            .iter()
            .any(|p| p.key.ends_with("/corrupted.jpg")),
        "{first:?}"
    );
    assert!(first.failed.is_empty(), "{first:?}");

    let second = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!(second.written, 0, "{second:?}");
    assert_eq!(second.up_to_date, valid, "{second:?}");
}

/// HTML, SVG, PNG, empty and truncated files named `.jpg` never reach the destination;
/// files that are not named like photos are left alone.
pub async fn impostors_rejected(a: Store, b: Store) {
    for (key, bytes) in impostors() {
        a.put(&format!("in/{key}"), bytes.into()).await.unwrap();
    }
    a.put("in/index.html", "<html>".into()).await.unwrap();
    let processor = processor(&a, &b);

    for (key, _) in impostors() {
        let key = format!("in/{key}");
        let error = processor.process(&key, None).await.unwrap_err();
        assert!(
            matches!(error.rejection(), Some(Rejection::Jpeg(_))),
            "{key}: {error}"
        );
        assert!(error.to_string().contains(&key), "{error}");
    }
    let summary = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!(summary.rejected.len(), impostors().len(), "{summary:?}");
    assert_eq!(summary.written, 0);
    let listed = b.list("").await.unwrap();
    assert!(listed.is_empty(), "the destination holds {listed:?}");
}

/// Keys pass through unchanged, whatever characters they hold.
pub async fn awkward_keys_identical(a: Store, b: Store) {
    let long = format!(
        "{}/{}/{}.jpg",
        "d".repeat(200),
        "e".repeat(200),
        "f".repeat(200)
    );
    let keys = [
        "plain.jpg",
        "with space/and  two.jpg",
        "plus+sign/a+b.JPG",
        "percent/100%.jpg",
        "percent/a%20b.jpeg",
        "percent/%2F.jpg",
        "unicode/café/写真 🌄.jpg",
        "symbols/!$&'()*,;=@[]~^`{}.jpg",
        "deep/a/b/c/d/e/f/g/h/i/j/k.jpg",
        "dots/..a.jpg",
        "hash#1/x#y.jpg",
        long.as_str(),
    ];
    for key in keys {
        a.put(key, photo_with_secret(key).into()).await.unwrap();
    }
    let processor = processor(&a, &b);
    let summary = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert!(summary.is_clean(), "{summary:?}");
    assert_eq!(summary.written, keys.len() as u64);

    let mut listed: Vec<String> = b
        .list("")
        .await
        .unwrap()
        .iter()
        .map(|l| l.key().to_owned())
        .collect();
    listed.sort_unstable();
    let mut expected: Vec<String> = keys.iter().map(ToString::to_string).collect();
    expected.sort_unstable();
    assert_eq!(listed, expected);
    // A folder named like an object (what a watcher asks for when a path it saw goes away)
    // holds nothing, on every store.
    for key in keys {
        let inside = b.list(&format!("{key}/")).await;
        assert!(
            matches!(&inside, Ok(listed) if listed.is_empty()),
            "{key}/: {inside:?}"
        );
    }
    for key in keys {
        let copy = b.get(key).await.unwrap().unwrap();
        assert_eq!(
            Some(copy.to_vec()),
            stripped(&photo_with_secret(key)),
            "{key}"
        );
        assert!(!copy.windows(7).any(|w| w == b"trailer"), "{key}");
    }
}

/// A new version replaces the copy; a deleted source deletes the copy.
pub async fn overwrites_and_deletions_mirrored(a: Store, b: Store) {
    let processor = processor(&a, &b);
    let key = "album/one.jpg";
    a.put(key, photo_with_secret("first").into()).await.unwrap();
    assert!(matches!(
        processor.process(key, None).await.unwrap(),
        Outcome::Written(_)
    ));
    assert_eq!(
        processor.process(key, None).await.unwrap(),
        Outcome::UpToDate
    );

    a.put(key, photo_with_secret("second, longer").into())
        .await
        .unwrap();
    assert!(matches!(
        processor.process(key, None).await.unwrap(),
        Outcome::Written(_)
    ));
    let copy = b.get(key).await.unwrap().unwrap();
    assert_eq!(
        Some(copy.to_vec()),
        stripped(&photo_with_secret("second, longer"))
    );

    // A photo replaced by an impostor: the old copy must not stay published.
    a.put(key, "<html>".into()).await.unwrap();
    assert!(
        processor
            .process(key, None)
            .await
            .unwrap_err()
            .rejection()
            .is_some()
    );
    assert!(b.get(key).await.unwrap().is_none());

    a.put(key, photo_with_secret("third").into()).await.unwrap();
    processor.process(key, None).await.unwrap();
    a.delete(key).await.unwrap();
    assert_eq!(
        processor.process(key, None).await.unwrap(),
        Outcome::Deleted
    );
    assert!(b.get(key).await.unwrap().is_none());
    assert_eq!(processor.process(key, None).await.unwrap(), Outcome::Absent);

    // The same through sync.
    a.put("s/x.jpg", photo_with_secret("x").into())
        .await
        .unwrap();
    a.put("s/y.jpg", photo_with_secret("y").into())
        .await
        .unwrap();
    sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    a.delete("s/x.jpg").await.unwrap();
    let keep = Options {
        delete: false,
        ..processor.options().clone()
    };
    let keeping = Arc::new(Processor::new(a.clone(), b.clone(), keep));
    let summary = sync(&keeping, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!(summary.deleted, 0, "{summary:?}");
    assert!(b.get("s/x.jpg").await.unwrap().is_some());
    assert_eq!(
        keeping.process("s/x.jpg", None).await.unwrap(),
        Outcome::Kept
    );
    assert!(b.get("s/x.jpg").await.unwrap().is_some());
    let summary = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!(summary.deleted, 1, "{summary:?}");
    assert!(b.get("s/x.jpg").await.unwrap().is_none());
    assert!(b.get("s/y.jpg").await.unwrap().is_some());
}

/// Objects over the limit are rejected with a reason naming both sizes.
pub async fn size_limit(a: Store, b: Store) {
    let photo = photo_with_secret("size");
    a.put("big.jpg", photo.clone().into()).await.unwrap();
    let options = Options {
        max_size: photo.len() as u64 - 1,
        ..Options::default()
    };
    let processor = Processor::new(a.clone(), b.clone(), options);
    let error = processor.process("big.jpg", None).await.unwrap_err();
    assert!(
        matches!(error.rejection(), Some(Rejection::TooLarge { .. })),
        "{error}"
    );
    assert!(
        error.to_string().contains(&photo.len().to_string()),
        "{error}"
    );
    assert!(b.get("big.jpg").await.unwrap().is_none());
}

/// Destination objects exifstrip did not write are replaced when the source has the key,
/// and never deleted when it does not.
pub async fn foreign_objects(a: Store, b: Store) {
    b.put("site/logo.jpg", photo_with_secret("logo").into())
        .await
        .unwrap();
    b.put("site/index.html", "<html>".into()).await.unwrap();
    b.put("shared.jpg", "old".into()).await.unwrap();
    a.put("shared.jpg", photo_with_secret("new").into())
        .await
        .unwrap();
    let processor = processor(&a, &b);

    let summary = sync(&processor, SyncOptions::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!(summary.written, 1, "{summary:?}");
    assert_eq!(summary.kept, 1, "{summary:?}");
    assert_eq!(
        b.get("shared.jpg").await.unwrap().map(|b| b.to_vec()),
        stripped(&photo_with_secret("new"))
    );
    assert!(b.get("site/logo.jpg").await.unwrap().is_some());
    assert!(b.get("site/index.html").await.unwrap().is_some());
}

/// An event naming an older version leaves the destination at the newest version.
pub async fn stale_events_harmless(a: Store, b: Store) {
    let processor = processor(&a, &b);
    let key = "events/e.jpg";
    a.put(key, photo_with_secret("v1").into()).await.unwrap();
    let v1 = a.head(key).await.unwrap().unwrap();
    a.put(key, photo_with_secret("v2 newer").into())
        .await
        .unwrap();
    let v2 = a.head(key).await.unwrap().unwrap();
    let newest = stripped(&photo_with_secret("v2 newer"));

    let event = |info: &exifstrip_pipeline::ObjectInfo| SourceVersion {
        etag: info.etag.clone(),
        version: info.version.clone(),
    };
    processor.process(key, Some(&event(&v2))).await.unwrap();
    let stale = processor.process(key, Some(&event(&v1))).await.unwrap();
    assert_eq!(stale, Outcome::UpToDate);
    assert_eq!(b.get(key).await.unwrap().map(|b| b.to_vec()), newest);

    // Events delivered out of order after a deletion: the copy stays deleted.
    a.delete(key).await.unwrap();
    assert_eq!(
        processor.process(key, Some(&event(&v2))).await.unwrap(),
        Outcome::Deleted
    );
    assert_eq!(
        processor.process(key, Some(&event(&v1))).await.unwrap(),
        Outcome::Absent
    );
}

/// A photo larger than every buffer streams through (and, on S3, goes up in parts).
pub async fn large_objects_stream(a: Store, b: Store) {
    let photo = large_photo(20 * 1024 * 1024 + 12_345);
    a.put("large/big scan.jpg", photo.clone().into())
        .await
        .unwrap();
    let processor = processor(&a, &b);
    let outcome = processor.process("large/big scan.jpg", None).await.unwrap();
    let Outcome::Written(written) = outcome else {
        panic!("not written: {outcome:?}");
    };
    assert_eq!(written.bytes_in, photo.len() as u64);
    let copy = b.get("large/big scan.jpg").await.unwrap().unwrap();
    assert_eq!(Some(copy.to_vec()), stripped(&photo));
    assert_eq!(
        processor.process("large/big scan.jpg", None).await.unwrap(),
        Outcome::UpToDate
    );
}
