//! Properties over generated layouts and over arbitrary bytes.

use exifstrip_core::{Policy, Scrubber, strip};
use proptest::prelude::*;

use crate::support::reference::check;
use crate::support::{BASES, Base, Layout, POSITIONS, SECRET, contains, removable};

/// The base images, encoded once.
fn encoded_bases() -> &'static [Vec<u8>] {
    static ENCODED: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    ENCODED.get_or_init(|| BASES.iter().map(Base::encode).collect())
}

/// A photo with random metadata in random positions, random fill bytes and a random trailer.
fn photo() -> impl Strategy<Value = Vec<u8>> {
    let kinds = removable().len();
    (
        0..BASES.len(),
        prop::collection::vec((0..kinds, 0..POSITIONS.len(), 0..3usize), 0..12),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(base, inserts, trailer)| {
            let mut layout = Layout::of(&encoded_bases()[base]);
            let metadata = removable();
            for (kind, position, fills) in inserts {
                let segment = [vec![0xFF; fills], metadata[kind].1.clone()].concat();
                layout.put(POSITIONS[position], segment);
            }
            layout.assemble(&trailer)
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    (any::<bool>(), any::<bool>()).prop_map(|(icc, orientation)| {
        Policy::default()
            .with_icc(icc)
            .with_orientation(orientation)
    })
}

fn streamed(input: &[u8], policy: Policy, chunk: usize) -> Result<Vec<u8>, exifstrip_core::Error> {
    let mut scrubber = Scrubber::new(policy);
    let mut output = Vec::new();
    for piece in input.chunks(chunk) {
        scrubber.push(piece, &mut output)?;
    }
    scrubber.finish().map(|_| output)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn stripped_photos_keep_every_invariant(
        input in photo(),
        policy in policy(),
        chunk in 1usize..5000,
    ) {
        let stripped = strip(&input, policy).expect("generated photos are valid");
        check(&input, &stripped.image, policy).map_err(TestCaseError::fail)?;
        prop_assert!(!contains(&stripped.image, SECRET));
        prop_assert_eq!(&strip(&stripped.image, policy).unwrap().image, &stripped.image);
        prop_assert_eq!(streamed(&input, policy, chunk).unwrap(), stripped.image);
    }

    #[test]
    fn damaged_photos_never_panic_and_any_output_is_clean(
        input in photo(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..8),
        cut in any::<prop::sample::Index>(),
        chunk in 1usize..3000,
    ) {
        let mut damaged = input;
        for (at, byte, how) in edits {
            let i = at.index(damaged.len());
            match how {
                0 => damaged[i] = byte,
                1 => damaged.insert(i, byte),
                _ => { damaged.remove(i); }
            }
        }
        if cut.index(4) == 0 {
            damaged.truncate(cut.index(damaged.len()));
        }
        let whole = strip(&damaged, Policy::default());
        let pieces = streamed(&damaged, Policy::default(), chunk);
        match whole {
            Ok(stripped) => {
                check(&damaged, &stripped.image, Policy::default()).map_err(TestCaseError::fail)?;
                prop_assert_eq!(pieces.unwrap(), stripped.image);
            }
            Err(error) => prop_assert_eq!(pieces.unwrap_err(), error),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        tail in prop::collection::vec(any::<u8>(), 0..2000),
        chunk in 1usize..300,
    ) {
        // Starting with SOI gets past the first check into the segment walk.
        let input = [&[0xFF, 0xD8][..], &tail].concat();
        let whole = strip(&input, Policy::default());
        let pieces = streamed(&input, Policy::default(), chunk);
        match whole {
            Ok(stripped) => {
                check(&input, &stripped.image, Policy::default()).map_err(TestCaseError::fail)?;
                prop_assert_eq!(pieces.unwrap(), stripped.image);
            }
            Err(error) => prop_assert_eq!(pieces.unwrap_err(), error),
        }
    }
}
