//! Feeds arbitrary bytes to the scrubber, whole and in chunks, and checks every invariant of
//! whatever it accepts: the output parses, only allowed segments remain, tables and scan data
//! are byte-identical, and stripping again changes nothing.

#![no_main]

use exifstrip_core::{Policy, Scrubber, strip};
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/core/tests/support/reference.rs"]
#[allow(dead_code)]
mod reference;

fuzz_target!(|data: &[u8]| {
    // The last byte chooses the policy and the chunk size, so both vary with the input.
    let knob = data.last().copied().unwrap_or(0);
    let policy = Policy::default()
        .with_icc(knob & 1 == 0)
        .with_orientation(knob & 2 == 0);
    let chunk = usize::from(knob >> 2) + 1;

    let whole = strip(data, policy);
    let mut scrubber = Scrubber::new(policy);
    let mut streamed = Vec::new();
    let pieces = data
        .chunks(chunk)
        .try_for_each(|piece| scrubber.push(piece, &mut streamed))
        .and_then(|()| scrubber.finish());

    match (whole, pieces) {
        (Ok(stripped), Ok(report)) => {
            assert_eq!(stripped.image, streamed, "chunking changed the output");
            assert_eq!(stripped.report, report, "chunking changed the report");
            if let Err(broken) = reference::check(data, &stripped.image, policy) {
                panic!("invariant broken: {broken}");
            }
            let again = strip(&stripped.image, policy).expect("output strips again");
            assert_eq!(again.image, stripped.image, "not idempotent");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "chunking changed the error"),
        (a, b) => panic!("whole and chunked disagree: {:?} vs {:?}", a.err(), b.err()),
    }
});
