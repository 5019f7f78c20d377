//! Generated images with metadata of every kind in every position, and broken inputs.

use exifstrip_core::{Action, Error, Kind, MAX_FILL_RUN, MAX_RECORDS, Policy, Scrubber, strip};

use crate::support::reference::{check, parse};
use crate::support::{
    BASES, Base, Layout, POSITIONS, SECRET, app, contains, decode, exif, removable, segment,
};

/// Strips `input`, checks every invariant, and that pixels and idempotence hold.
fn strip_and_check(input: &[u8], policy: Policy) -> Vec<u8> {
    let stripped = strip(input, policy).unwrap_or_else(|e| panic!("rejected: {e}"));
    check(input, &stripped.image, policy).unwrap_or_else(|e| panic!("invariant broken: {e}"));
    assert!(!contains(&stripped.image, SECRET), "private bytes survived");
    assert_eq!(
        decode(input).expect("input decodes"),
        decode(&stripped.image).expect("output decodes"),
        "pixels changed"
    );
    let again = strip(&stripped.image, policy).expect("output strips again");
    assert_eq!(
        again.image, stripped.image,
        "stripping twice changed the output"
    );
    assert_eq!(again.report.removed_bytes, 0);
    stripped.image
}

fn base_named(name: &str) -> Base {
    *BASES
        .iter()
        .find(|b| b.name == name)
        .expect("a base of that name")
}

#[test]
fn every_kind_of_metadata_in_every_position_on_every_base() {
    let mut cases = 0;
    for base in BASES {
        let encoded = base.encode();
        for (name, metadata) in removable() {
            for &position in POSITIONS {
                let mut layout = Layout::of(&encoded);
                if !layout.put(position, metadata.clone()) {
                    continue;
                }
                let input = layout.assemble(b"");
                let result =
                    std::panic::catch_unwind(|| strip_and_check(&input, Policy::default()));
                assert!(result.is_ok(), "{name} at {position:?} on {}", base.name);
                cases += 1;
            }
        }
    }
    // 8 bases, 25 kinds, 3 positions each and a 4th on the 2 progressive bases.
    assert_eq!(cases, 8 * 25 * 3 + 2 * 25);
}

#[test]
fn all_kinds_at_once_leave_only_what_display_needs() {
    let encoded = base_named("progressive").encode();
    let mut layout = Layout::of(&encoded);
    for (i, (_, metadata)) in removable().into_iter().enumerate() {
        layout.put(POSITIONS[i % POSITIONS.len()], metadata);
    }
    let input = layout.assemble(b"");
    let output = strip_and_check(&input, Policy::default());
    let kinds: Vec<u8> = parse(&output)
        .unwrap()
        .units
        .iter()
        .filter(|u| u.is_metadata())
        .map(|u| u.marker)
        .collect();
    assert_eq!(kinds, [0xE0], "only the encoder's JFIF remains");
}

#[test]
fn trailers_after_eoi_are_removed() {
    let encoded = base_named("baseline 4:2:0").encode();
    let second_image = [BASES[7].encode(), SECRET.to_vec()].concat();
    let trailers: Vec<(&str, Vec<u8>)> = vec![
        ("one byte", vec![0x00]),
        ("MPF secondary image", second_image),
        ("ZIP polyglot", [b"PK\x03\x04".as_slice(), SECRET].concat()),
        (
            "HTML polyglot",
            [b"<html><script>".as_slice(), SECRET].concat(),
        ),
        ("vendor trailer", [SECRET, b"\xFF\xD9".as_slice()].concat()),
        (
            "motion photo",
            [b"\0\0\0\x18ftypmp42".as_slice(), SECRET].concat(),
        ),
    ];
    for (name, trailer) in trailers {
        let input = [encoded.as_slice(), &trailer].concat();
        let stripped = strip(&input, Policy::default()).unwrap();
        assert_eq!(stripped.image, encoded, "{name}");
        assert_eq!(
            stripped.report.trailer_bytes,
            trailer.len() as u64,
            "{name}"
        );
        let last = stripped.report.records.last().unwrap();
        assert_eq!(
            (last.kind, last.action),
            (Kind::Trailer, Action::Removed),
            "{name}"
        );
    }
}

#[test]
fn orientation_2_to_8_survives_alone_and_ifd1_is_ignored() {
    let encoded = base_named("baseline 4:2:0").encode();
    for value in 1..=8 {
        let mut layout = Layout::of(&encoded);
        layout.put(POSITIONS[0], exif(Some(value)));
        let input = layout.assemble(b"");
        let output = strip_and_check(&input, Policy::default());
        let written = check(&input, &output, Policy::default()).unwrap();
        let expected = (value >= 2).then_some(value);
        assert_eq!(written, expected, "orientation {value}");
        assert_eq!(
            strip(&input, Policy::default()).unwrap().report.orientation,
            Some(value)
        );

        let dropped = strip_and_check(&input, Policy::default().with_orientation(false));
        assert_eq!(check(&input, &dropped, Policy::strict()).unwrap(), None);
    }

    // No orientation in IFD0: the 8 in IFD1 (the thumbnail's) must not be used.
    let mut layout = Layout::of(&encoded);
    layout.put(POSITIONS[0], exif(None));
    let stripped = strip(&layout.assemble(b""), Policy::default()).unwrap();
    assert_eq!(stripped.report.orientation, None);
    assert!(!stripped.report.orientation_written);
}

#[test]
fn only_the_first_exif_gives_the_orientation() {
    let encoded = base_named("baseline 4:2:0").encode();
    let mut layout = Layout::of(&encoded);
    layout.put(POSITIONS[0], exif(Some(6)));
    layout.put(POSITIONS[1], exif(Some(3)));
    let input = layout.assemble(b"");
    let output = strip_and_check(&input, Policy::default());
    assert_eq!(check(&input, &output, Policy::default()).unwrap(), Some(6));
}

#[test]
fn malformed_exif_is_removed_with_a_warning() {
    let encoded = base_named("baseline 4:2:0").encode();
    let broken: Vec<Vec<u8>> = vec![
        app(1, b"Exif\0\0", b""),
        app(1, b"Exif\0\0", b"II\x2A\0\xFF\xFF\xFF\x7F"),
        app(1, b"Exif\0\0", b"MM\0\x2A\0\0\0\x08\xFF\xFF"),
        app(1, b"Exif\0\0", b"XX\0\x2A\0\0\0\x08"),
        // IFD0 pointing at itself as its next IFD: only IFD0 is ever read.
        app(
            1,
            b"Exif\0\0",
            b"II\x2A\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\x08\0\0\0",
        ),
    ];
    for (i, segment) in broken.into_iter().enumerate() {
        let mut layout = Layout::of(&encoded);
        layout.put(POSITIONS[0], segment);
        let input = layout.assemble(b"");
        let stripped = strip(&input, Policy::default()).unwrap();
        check(&input, &stripped.image, Policy::default()).unwrap();
        if i < 4 {
            assert_eq!(stripped.report.warnings.len(), 1, "case {i}");
            assert_eq!(stripped.report.orientation, None, "case {i}");
        } else {
            assert_eq!(stripped.report.orientation, Some(6));
        }
    }
}

/// A pseudo-random ICC profile, larger than one segment can hold.
fn icc_profile(len: usize) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn icc_chunks(profile: &[u8]) -> Vec<Vec<u8>> {
    let chunks: Vec<&[u8]> = profile.chunks(65_519).collect();
    let count = chunks.len() as u8;
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            app(
                2,
                b"ICC_PROFILE\0",
                &[&[i as u8 + 1, count][..], chunk].concat(),
            )
        })
        .collect()
}

#[test]
fn icc_profile_in_several_chunks_is_kept_byte_identical() {
    let profile = icc_profile(150_000);
    for base in [
        base_named("baseline 4:2:0"),
        base_named("CMYK with Adobe APP14"),
    ] {
        let encoded = base.encode();
        let mut layout = Layout::of(&encoded);
        for chunk in icc_chunks(&profile) {
            layout.put(POSITIONS[1], chunk);
        }
        let input = layout.assemble(b"");
        let output = strip_and_check(&input, Policy::default());
        let mut decoder = jpeg_decoder::Decoder::new(output.as_slice());
        decoder.read_info().unwrap();
        assert_eq!(
            decoder.icc_profile().as_deref(),
            Some(profile.as_slice()),
            "{}",
            base.name
        );

        let dropped = strip_and_check(&input, Policy::default().with_icc(false));
        let mut decoder = jpeg_decoder::Decoder::new(dropped.as_slice());
        decoder.read_info().unwrap();
        assert_eq!(decoder.icc_profile(), None);
    }
}

#[test]
fn adobe_app14_is_kept_byte_identical_and_only_once() {
    let encoded = base_named("CMYK with Adobe APP14").encode();
    let layout = Layout::of(&encoded);
    let adobe = layout.units.iter().find(|u| u[1] == 0xEE).unwrap().clone();
    let mut doubled = layout.clone();
    doubled.put(POSITIONS[2], adobe.clone());
    let output = strip_and_check(&doubled.assemble(b""), Policy::default());
    assert!(contains(&output, &adobe));
    assert_eq!(
        parse(&output)
            .unwrap()
            .units
            .iter()
            .filter(|u| u.marker == 0xEE)
            .count(),
        1
    );
}

#[test]
fn jfif_thumbnail_is_removed_and_header_kept() {
    let encoded = base_named("baseline 4:2:0").encode();
    let mut layout = Layout::of(&encoded);
    assert_eq!(layout.units[0][1], 0xE0, "the encoder writes JFIF first");
    let pixels = &SECRET[..12];
    layout.units[0] = app(
        0,
        b"JFIF\0",
        &[&[1, 2, 1, 0, 72, 0, 72, 2, 2][..], pixels].concat(),
    );
    layout.put(
        POSITIONS[2],
        app(0, b"JFIF\0", &[1, 1, 0, 0, 1, 0, 1, 0, 0]),
    );
    let input = layout.assemble(b"");
    let stripped = strip(&input, Policy::default()).unwrap();
    check(&input, &stripped.image, Policy::default()).unwrap();
    let expected = app(0, b"JFIF\0", &[1, 2, 1, 0, 72, 0, 72, 0, 0]);
    assert_eq!(&stripped.image[2..20], expected.as_slice());
    let first = stripped.report.records[1];
    assert_eq!(
        (first.kind, first.action, first.bytes_out),
        (Kind::Jfif, Action::Rewritten, 18)
    );
    assert!(!contains(&stripped.image, pixels));
}

#[test]
fn fill_bytes_before_markers_are_accepted() {
    for base in BASES {
        let encoded = base.encode();
        let mut layout = Layout::of(&encoded);
        for unit in &mut layout.units {
            unit.splice(0..0, [0xFF; 3]);
        }
        layout.put(
            POSITIONS[0],
            [vec![0xFF; 5], segment(0xFE, SECRET)].concat(),
        );
        let mut input = layout.assemble(b"");
        // Fill bytes before EOI too.
        input.splice(input.len() - 2..input.len() - 2, [0xFF; 4]);
        let output = strip_and_check(&input, Policy::default());
        assert_eq!(
            output, encoded,
            "{}: fill bytes dropped, nothing else changed",
            base.name
        );
    }
}

#[test]
fn fill_bytes_before_restart_markers_stay_in_the_scan() {
    let encoded = base_named("restart every MCU").encode();
    let parsed = parse(&encoded).unwrap();
    let scan = parsed.units.iter().find(|u| u.marker == 0xDA).unwrap();
    let data = &encoded[scan.end..scan.data_end];
    let rst = data
        .windows(2)
        .position(|w| w[0] == 0xFF && (0xD0..=0xD7).contains(&w[1]));
    let at = scan.end + rst.expect("a restart marker");
    let mut input = encoded.clone();
    input.splice(at..at, [0xFF, 0xFF]);
    let output = strip_and_check(&input, Policy::default());
    assert_eq!(output, input);
}

#[test]
fn thousands_of_comments_are_counted_past_the_record_limit() {
    let encoded = base_named("1x1").encode();
    let mut layout = Layout::of(&encoded);
    for _ in 0..5000 {
        layout.put(POSITIONS[1], segment(0xFE, SECRET));
    }
    let input = layout.assemble(b"");
    strip_and_check(&input, Policy::default());
    let report = strip(&input, Policy::default()).unwrap().report;
    assert_eq!(report.removed_segments, 5000);
    assert_eq!(report.records.len(), MAX_RECORDS);
    let segments = parse(&input).unwrap().units.len() as u64;
    assert_eq!(
        report.records.len() as u64 + report.records_omitted,
        segments + 2
    );
}

/// A small image with metadata, for exhaustive cuts.
fn small_with_metadata() -> Vec<u8> {
    let encoded = base_named("1x1").encode();
    let mut layout = Layout::of(&encoded);
    layout.put(POSITIONS[0], exif(Some(6)));
    layout.put(POSITIONS[1], segment(0xFE, b"hi"));
    layout.assemble(b"tail")
}

#[test]
fn every_truncation_is_an_error_whole_or_streamed() {
    let input = small_with_metadata();
    let complete = input.len() - 4;
    for cut in 0..complete {
        let prefix = &input[..cut];
        let whole = strip(prefix, Policy::default()).expect_err("a truncated image is rejected");
        let expected_kind = if cut < 2 {
            matches!(whole, Error::NotJpeg { .. })
        } else {
            matches!(whole, Error::Truncated { offset, .. } if offset == cut as u64)
        };
        assert!(expected_kind, "cut at {cut}: {whole}");

        let mut scrubber = Scrubber::new(Policy::default());
        let mut sink = Vec::new();
        for byte in prefix.chunks(1) {
            scrubber.push(byte, &mut sink).unwrap();
        }
        assert_eq!(scrubber.finish().unwrap_err(), whole, "cut at {cut}");
    }
    for cut in complete..=input.len() {
        assert!(
            strip(&input[..cut], Policy::default()).is_ok(),
            "cut at {cut} is complete"
        );
    }
}

#[test]
fn the_same_output_however_the_input_is_split() {
    let input = small_with_metadata();
    let whole = strip(&input, Policy::default()).unwrap();
    for size in [1, 2, 3, 5, 7, 64, 4096] {
        let mut scrubber = Scrubber::new(Policy::default());
        let mut output = Vec::new();
        for chunk in input.chunks(size) {
            scrubber.push(chunk, &mut output).unwrap();
        }
        assert_eq!(output, whole.image, "chunks of {size}");
        assert_eq!(scrubber.finish().unwrap(), whole.report, "chunks of {size}");
    }
}

#[test]
fn lengths_below_two_are_rejected_with_their_offset() {
    for marker in [0xE1, 0xFE, 0xDB, 0xC4, 0xC0, 0xDA, 0xE2] {
        for length in [0u8, 1] {
            let input = [0xFF, 0xD8, 0xFF, marker, 0x00, length, 0x00, 0x00];
            let error = strip(&input, Policy::default()).unwrap_err();
            assert!(
                matches!(error, Error::LengthBelowTwo { offset: 2, length: l, .. } if l == u16::from(length)),
                "{marker:02X}: {error}"
            );
        }
    }
}

#[test]
fn segment_longer_than_the_input_is_truncation() {
    let input = [0xFF, 0xD8, 0xFF, 0xE1, 0x10, 0x00, b'E', b'x'];
    let error = strip(&input, Policy::default()).unwrap_err();
    assert!(
        matches!(error, Error::Truncated { offset: 8, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("declares 4096 bytes"), "{error}");
}

#[test]
fn other_formats_are_not_jpeg() {
    let inputs: [&[u8]; 7] = [
        b"",
        b"\xFF",
        b"\x89PNG\r\n\x1a\n",
        b"GIF89a",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<html><body>not a photo</body></html>",
        b"\xFF\xD9",
    ];
    for input in inputs {
        let error = strip(input, Policy::default()).unwrap_err();
        assert!(matches!(error, Error::NotJpeg { .. }), "{input:?}: {error}");
        assert!(error.to_string().starts_with("not a JPEG"), "{error}");
    }
}

#[test]
fn structural_errors_name_the_marker_and_offset() {
    let image = base_named("1x1").encode();
    let layout = Layout::of(&image);
    let sos = layout.units[layout.scans[0]].clone();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            [&[0xFF, 0xD8][..], &sos, &[0xFF, 0xD9]].concat(),
            "unexpected SOS at offset 2: a scan before any frame header",
        ),
        (vec![0xFF, 0xD8, 0xFF, 0xD9], "unexpected EOI at offset 2"),
        (vec![0xFF, 0xD8, 0xFF, 0xD8], "unexpected SOI at offset 2"),
        (vec![0xFF, 0xD8, 0xFF, 0xD3], "unexpected RST3 at offset 2"),
        (
            vec![0xFF, 0xD8, 0xFF, 0xF7, 0x00, 0x04],
            "unsupported marker 0xF7 at offset 2",
        ),
        (
            vec![0xFF, 0xD8, 0xFF, 0x02],
            "unsupported marker 0x02 at offset 2",
        ),
        (
            vec![0xFF, 0xD8, 0xFF, 0x00],
            "unexpected marker 0x00 at offset 2",
        ),
        (
            vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x02, 0x41],
            "expected a marker at offset 6 but found byte 0x41",
        ),
        (
            vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x04, 8, 0],
            "segment SOF0 at offset 2 is 4 bytes long",
        ),
    ];
    for (input, expected) in cases {
        let error = strip(&input, Policy::default()).unwrap_err();
        assert!(
            error.to_string().starts_with(expected),
            "{expected}: got {error}"
        );
    }
}

#[test]
fn corrupt_entropy_data_is_rejected() {
    let image = base_named("baseline 4:2:0").encode();
    let parsed = parse(&image).unwrap();
    let scan = parsed.units.iter().find(|u| u.marker == 0xDA).unwrap();
    let mut input = image.clone();
    input.splice(scan.end + 3..scan.end + 3, [0xFF, 0x9F]);
    let error = strip(&input, Policy::default()).unwrap_err();
    assert!(
        matches!(error, Error::CorruptScan { sos, offset, .. } if sos == scan.start as u64 && offset == scan.end as u64 + 3),
        "{error}"
    );
    let mut joined = image.clone();
    joined.splice(scan.end + 3..scan.end + 3, [0xFF, 0xD8]);
    assert!(matches!(
        strip(&joined, Policy::default()),
        Err(Error::CorruptScan { .. })
    ));
}

#[test]
fn long_fill_runs_in_scan_data_are_rejected_however_split() {
    let image = base_named("1x1").encode();
    let parsed = parse(&image).unwrap();
    let scan = parsed.units.iter().find(|u| u.marker == 0xDA).unwrap();
    let run = MAX_FILL_RUN as usize + 1;
    let mut input = image.clone();
    input.splice(
        scan.end..scan.end,
        std::iter::repeat_n(0xFF, run).chain([0x00]),
    );
    let whole = strip(&input, Policy::default()).unwrap_err();
    assert!(matches!(whole, Error::FillRun { .. }), "{whole}");
    let mut scrubber = Scrubber::new(Policy::default());
    let mut sink = Vec::new();
    let streamed = input
        .chunks(1000)
        .try_for_each(|c| scrubber.push(c, &mut sink))
        .unwrap_err();
    assert_eq!(streamed, whole);

    // One short of the limit is data.
    let mut input = image.clone();
    input.splice(
        scan.end..scan.end,
        std::iter::repeat_n(0xFF, run - 1).chain([0x00]),
    );
    assert!(strip(&input, Policy::default()).is_ok());
}

#[test]
fn line_count_after_the_first_scan_is_kept() {
    // A frame that declares 0 lines, with DNL giving them after the scan (T.81 B.2.5).
    let image = base_named("1x1").encode();
    let mut layout = Layout::of(&image);
    let frame = &mut layout.units[layout.frame];
    frame[5..7].copy_from_slice(&[0, 0]);
    let after_scan = layout.scans[0] + 1;
    layout.insert(after_scan, segment(0xDC, &[0, 1]));
    layout.insert(after_scan, segment(0xFE, SECRET));
    let input = layout.assemble(b"");
    let stripped = strip(&input, Policy::default()).unwrap();
    check(&input, &stripped.image, Policy::default()).unwrap();
    assert!(
        stripped
            .report
            .records
            .iter()
            .any(|r| r.kind == Kind::Lines)
    );

    let mut early = Layout::of(&image);
    early.put(POSITIONS[1], segment(0xDC, &[0, 1]));
    let error = strip(&early.assemble(b""), Policy::default()).unwrap_err();
    assert!(error.to_string().contains("DNL"), "{error}");
}

#[test]
fn report_lists_offsets_kinds_and_actions() {
    let image = base_named("1x1").encode();
    let mut layout = Layout::of(&image);
    layout.put(POSITIONS[0], exif(Some(6)));
    let input = layout.assemble(b"xyz");
    let report = strip(&input, Policy::default()).unwrap().report;
    let exif_record = report.records[1];
    assert_eq!(exif_record.offset, 2);
    assert_eq!(
        (exif_record.kind, exif_record.action, exif_record.bytes_out),
        (Kind::Exif, Action::Rewritten, 36)
    );
    assert_eq!(report.orientation, Some(6));
    assert!(report.orientation_written);
    assert_eq!(report.bytes_in, input.len() as u64);
    assert_eq!(report.trailer_bytes, 3);
    assert_eq!(report.scans, 1);
    let frame = report.frame.unwrap();
    assert_eq!((frame.width, frame.height, frame.components), (1, 1, 3));
    let sum_out: u64 = report.records.iter().map(|r| r.bytes_out).sum();
    assert_eq!(sum_out, report.bytes_out);
    let sum_in: u64 = report.records.iter().map(|r| r.bytes_in).sum();
    assert_eq!(sum_in, report.bytes_in);
    assert_eq!(report.removed_bytes, report.bytes_in - report.bytes_out);
}
