//! Throughput of the core rewrite on real camera photos, next to a plain copy of the same bytes.
//!
//! Two inputs: one large photo (9 MP, 2.2 MB) and every valid image of the shared corpus. For
//! each, three measurements with `Throughput::Bytes` set to the input's length:
//!
//! - `memcpy`: the bytes copied into a preallocated buffer, the floor any rewrite pays;
//! - `strip`: the whole-buffer [`strip`], output allocated per image as callers do;
//! - `scrubber_64k`: a [`Scrubber`] fed 64 KiB chunks, its output drained after each chunk
//!   as a writer would.
//!
//! The corpus is found at `../../../shared/corpus/exif-samples/jpg` from this crate, or at the
//! folder named by `EXIFSTRIP_CORPUS`. Run with `cargo bench -p exifstrip-core --bench scrub`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;
use std::{env, fs};

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use exifstrip_core::{Policy, Scrubber, strip};

/// The photo of the single-image group, relative to the corpus root.
const LARGE_PHOTO: &str = "mobile/HMD_Nokia_8.3_5G.jpg";

/// Input chunk size of the streaming measurement.
const CHUNK: usize = 64 * 1024;

fn single_photo(c: &mut Criterion) {
    let Some(root) = corpus_root() else { return };
    let path = root.join(LARGE_PHOTO);
    let Some(photo) = fs::read(&path)
        .ok()
        .filter(|b| strip(b, Policy::default()).is_ok())
    else {
        eprintln!(
            "scrub bench: cannot read or strip {}; skipped",
            path.display()
        );
        return;
    };
    let images = [photo];

    let mut group = c.benchmark_group("photo_9mp");
    configure(&mut group, &images);
    run(&mut group, &images);
    group.finish();
}

fn whole_corpus(c: &mut Criterion) {
    let Some(root) = corpus_root() else { return };
    let images = valid_images(&root);
    if images.is_empty() {
        eprintln!(
            "scrub bench: no valid JPEG under {}; skipped",
            root.display()
        );
        return;
    }

    let mut group = c.benchmark_group("corpus");
    configure(&mut group, &images);
    run(&mut group, &images);
    group.finish();
}

criterion_group!(benches, single_photo, whole_corpus);
criterion_main!(benches);

/// Short sampling so the whole bench runs in about a minute; the pass is deterministic and
/// memory bound, so ten samples are steady.
fn configure(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, images: &[Vec<u8>]) {
    let bytes: usize = images.iter().map(Vec::len).sum();
    group
        .throughput(Throughput::Bytes(bytes as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
}

/// The three measurements over the same images.
fn run(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, images: &[Vec<u8>]) {
    let largest = images.iter().map(Vec::len).max().unwrap_or(0);

    let mut copy = Vec::with_capacity(largest);
    group.bench_function("memcpy", |b| {
        b.iter(|| {
            for image in images {
                copy.clear();
                copy.extend_from_slice(black_box(image));
                black_box(&copy);
            }
        });
    });

    group.bench_function("strip", |b| {
        b.iter(|| {
            for image in images {
                let stripped = strip(black_box(image), Policy::default()).expect("a valid image");
                black_box(stripped);
            }
        });
    });

    // Room for one chunk plus a segment held over from the previous one, as in strip_stream.
    let mut out = Vec::with_capacity(CHUNK + 2 * 65_536);
    group.bench_function("scrubber_64k", |b| {
        b.iter(|| {
            for image in images {
                let mut scrubber = Scrubber::new(Policy::default());
                for chunk in black_box(image).chunks(CHUNK) {
                    // Every image was checked to strip cleanly before timing.
                    scrubber.push(chunk, &mut out).expect("a valid image");
                    black_box(&out);
                    out.clear();
                }
                black_box(scrubber.finish().expect("a valid image"));
            }
        });
    });
}

/// The corpus folder, or `None` (with a note) when it is missing.
fn corpus_root() -> Option<PathBuf> {
    let root = env::var_os("EXIFSTRIP_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/exif-samples/jpg"),
        PathBuf::from,
    );
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!(
            "scrub bench: corpus folder {} not found; set EXIFSTRIP_CORPUS to a folder of JPEGs",
            root.display()
        );
        None
    }
}

/// Every `.jpg`/`.jpeg` under `root` that strips without error (the corpus holds one
/// deliberately corrupt file), in path order.
fn valid_images(root: &Path) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    collect_jpegs(root, &mut paths);
    paths.sort();
    paths
        .iter()
        .filter_map(|path| fs::read(path).ok())
        .filter(|bytes| strip(bytes, Policy::default()).is_ok())
        .collect()
}

fn collect_jpegs(dir: &Path, paths: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_jpegs(&path, paths);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"))
        {
            paths.push(path);
        }
    }
}
