//! Fixtures: the photo corpus, small generated JPEGs and impostors named `.jpg`.

use std::path::PathBuf;

use exifstrip_core::{Policy, strip};

/// The sample photos: `EXIFSTRIP_CORPUS`, or `../shared/corpus/exif-samples/jpg` beside the
/// repository.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("EXIFSTRIP_CORPUS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/corpus/exif-samples/jpg")
        },
        PathBuf::from,
    )
}

/// Every corpus photo as (file name, bytes), sorted; fails when the corpus is missing, so
/// that an empty folder cannot pass.
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir();
    let mut photos: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {} is missing: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"))
        })
        .map(|path| {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    photos.sort();
    assert!(
        photos.len() >= 20,
        "only {} photos in {}",
        photos.len(),
        dir.display()
    );
    photos
}

/// What the core makes of `bytes`, or `None` when it rejects them.
pub fn stripped(bytes: &[u8]) -> Option<Vec<u8>> {
    strip(bytes, Policy::default()).ok().map(|s| s.image)
}

/// A tiny valid JPEG whose comment holds `secret`, followed by a trailer.
pub fn photo_with_secret(secret: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xFE];
    let length = u16::try_from(secret.len() + 2).unwrap();
    out.extend(length.to_be_bytes());
    out.extend(secret.as_bytes());
    out.extend([
        0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0,
        0x12, 0x34, 0xFF, 0xD9,
    ]);
    out.extend(b"trailer with a name");
    out
}

/// A valid JPEG of about `len` bytes: a long scan of zero bytes.
pub fn large_photo(len: usize) -> Vec<u8> {
    let mut out = photo_with_secret("large");
    let scan_end = out.len() - b"trailer with a name".len() - 2;
    out.truncate(scan_end);
    out.resize(len, 0);
    out.extend([0xFF, 0xD9]);
    out
}

/// Files named like photos that are not: each must be rejected and never copied.
pub fn impostors() -> Vec<(&'static str, Vec<u8>)> {
    let truncated = {
        let photo = photo_with_secret("cut");
        photo[..photo.len() - 30].to_vec()
    };
    vec![
        (
            "x_html.jpg",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
        ),
        (
            "x_svg.JPEG",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
        ),
        ("x_empty.jpg", Vec::new()),
        ("x_png.jpg", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
        ("x_truncated.jpg", truncated),
        ("x_soi_then_html.jpg", b"\xFF\xD8<html>".to_vec()),
    ]
}
