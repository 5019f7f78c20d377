//! Every photo of the shared corpus of real camera JPEGs.

use exifstrip_core::{Error, Policy, Scrubber, strip};

use crate::support::reference::check;
use crate::support::{corpus_dir, decode, jpeg_files};

/// Files of the corpus that are damaged on purpose, and must be rejected.
const DAMAGED: &[&str] = &["corrupted.jpg"];

#[test]
fn every_corpus_photo_strips_losslessly() {
    let files = jpeg_files(&corpus_dir());
    let (mut stripped_count, mut decoded, mut rejected) = (0, 0, 0);
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        let input = std::fs::read(path).unwrap();
        let result = strip(&input, Policy::default());
        if DAMAGED.contains(&name.as_ref()) {
            let error = result.expect_err("a damaged photo is rejected");
            assert!(
                matches!(error, Error::CorruptScan { .. }),
                "{name}: {error}"
            );
            rejected += 1;
            continue;
        }
        let stripped = result.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        check(&input, &stripped.image, Policy::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));

        // Pixels are compared wherever the independent decoder reads the original.
        if let Ok(pixels) = decode(&input) {
            assert_eq!(Ok(pixels), decode(&stripped.image), "{}", path.display());
            decoded += 1;
        }

        let again = strip(&stripped.image, Policy::default()).unwrap();
        assert_eq!(
            again.image,
            stripped.image,
            "{}: not idempotent",
            path.display()
        );

        let mut scrubber = Scrubber::new(Policy::default());
        let mut streamed = Vec::new();
        for chunk in input.chunks(4093) {
            scrubber.push(chunk, &mut streamed).unwrap();
        }
        assert_eq!(scrubber.finish().unwrap(), stripped.report);
        assert_eq!(
            streamed,
            stripped.image,
            "{}: streaming differs",
            path.display()
        );

        let strict = strip(&input, Policy::strict()).unwrap();
        check(&input, &strict.image, Policy::strict()).unwrap();
        stripped_count += 1;
    }
    // The corpus holds 88 photos; an empty or moved folder must not pass.
    assert_eq!(
        (stripped_count, rejected),
        (87, 1),
        "corpus at {}",
        corpus_dir().display()
    );
    assert!(decoded >= 80, "only {decoded} photos decoded");
}

#[test]
fn corpus_orientations_are_read_from_ifd0() {
    let dir = corpus_dir().join("orientation");
    let files = jpeg_files(&dir);
    assert_eq!(files.len(), 16);
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let expected: u16 = name.rsplit('_').next().unwrap().parse().unwrap();
        let input = std::fs::read(&path).unwrap();
        let stripped = strip(&input, Policy::default()).unwrap();
        assert_eq!(stripped.report.orientation, Some(expected), "{name}");
        assert_eq!(stripped.report.orientation_written, expected >= 2, "{name}");
        let written = check(&input, &stripped.image, Policy::default()).unwrap();
        assert_eq!(written, (expected >= 2).then_some(expected), "{name}");
    }
}
