//! The one Exif field the scrubber keeps: IFD0's Orientation (Exif 2.32, tag 0x0112).
//!
//! Only IFD0 is read and no pointer is followed, so looping IFD chains and absurd counts
//! cannot make the reader loop or allocate: every read is bounds-checked against the segment.

/// The identifier that opens an APP1 Exif payload: `Exif` and a NUL (Exif 2.32 4.5.4). The
/// sixth byte is a pad, normally NUL.
pub(crate) const IDENTIFIER: &[u8] = b"Exif\0";

/// Length of the identifier with its pad byte; the TIFF header follows.
pub(crate) const HEADER_LEN: usize = 6;

/// The Orientation tag (TIFF 6.0, Exif 2.32 4.6.4 A).
const TAG_ORIENTATION: u16 = 0x0112;

/// TIFF field types that may carry the value: SHORT (3) is what Exif prescribes; LONG (4) is
/// seen from some writers and read the same way by common readers.
const TYPE_SHORT: u16 = 3;
const TYPE_LONG: u16 = 4;

/// Why the orientation could not be read; becomes a report warning, never an error, because
/// the segment is removed either way.
pub(crate) type Fault = &'static str;

/// Reads IFD0's orientation from an Exif payload (after the 6-byte identifier).
///
/// Returns `Ok(None)` when IFD0 has no orientation tag, and the value only when it is 1 to 8.
pub(crate) fn orientation(tiff: &[u8]) -> Result<Option<u16>, Fault> {
    let order = match tiff.get(..2) {
        Some(b"II") => ByteOrder::Little,
        Some(b"MM") => ByteOrder::Big,
        _ => return Err("Exif TIFF header has no II or MM byte order"),
    };
    if order.u16(tiff, 2) != Some(42) {
        return Err("Exif TIFF header lacks the magic number 42");
    }
    let ifd0 = order
        .u32(tiff, 4)
        .and_then(|o| usize::try_from(o).ok())
        .ok_or("Exif TIFF header is truncated")?;
    let count = order
        .u16(tiff, ifd0)
        .ok_or("Exif IFD0 offset points past the segment")?;

    for index in 0..usize::from(count) {
        let entry = ifd0 + 2 + index * 12;
        let tag = order
            .u16(tiff, entry)
            .ok_or("Exif IFD0 declares more entries than the segment holds")?;
        if tag != TAG_ORIENTATION {
            continue;
        }
        let kind = order
            .u16(tiff, entry + 2)
            .ok_or("Exif IFD0 entry truncated")?;
        let value = match kind {
            TYPE_SHORT => order.u16(tiff, entry + 8),
            TYPE_LONG => order
                .u32(tiff, entry + 8)
                .map(|v| u16::try_from(v).unwrap_or(0)),
            _ => return Err("Exif Orientation has a type other than SHORT"),
        };
        return match value {
            Some(v @ 1..=8) => Ok(Some(v)),
            Some(_) => Err("Exif Orientation is outside 1 to 8"),
            None => Err("Exif IFD0 entry truncated"),
        };
    }
    Ok(None)
}

/// A complete APP1 segment whose Exif IFD0 holds only Orientation = `value`: big-endian TIFF
/// header, one entry, no next IFD, no other bytes (36 bytes in all).
pub(crate) fn minimal_segment(value: u16) -> [u8; 36] {
    let [hi, lo] = value.to_be_bytes();
    [
        0xFF, 0xE1, // APP1
        0x00, 0x22, // length 34: these two bytes and the 32 below
        b'E', b'x', b'i', b'f', 0, 0, // identifier and pad
        b'M', b'M', 0x00, 0x2A, // big-endian TIFF, magic 42
        0x00, 0x00, 0x00, 0x08, // IFD0 right after the header
        0x00, 0x01, // one entry
        0x01, 0x12, // Orientation
        0x00, 0x03, // SHORT
        0x00, 0x00, 0x00, 0x01, // count 1
        hi, lo, 0x00, 0x00, // value, left-justified in the 4-byte field
        0x00, 0x00, 0x00, 0x00, // no IFD1: no thumbnail
    ]
}

#[derive(Clone, Copy)]
enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    fn u16(self, data: &[u8], at: usize) -> Option<u16> {
        let bytes: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            Self::Little => u16::from_le_bytes(bytes),
            Self::Big => u16::from_be_bytes(bytes),
        })
    }

    fn u32(self, data: &[u8], at: usize) -> Option<u32> {
        let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Self::Little => u32::from_le_bytes(bytes),
            Self::Big => u32::from_be_bytes(bytes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiff_le(entries: &[(u16, u16, u32, u32)]) -> Vec<u8> {
        let mut t = b"II\x2A\0\x08\0\0\0".to_vec();
        t.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for &(tag, kind, count, value) in entries {
            t.extend_from_slice(&tag.to_le_bytes());
            t.extend_from_slice(&kind.to_le_bytes());
            t.extend_from_slice(&count.to_le_bytes());
            t.extend_from_slice(&value.to_le_bytes());
        }
        t.extend_from_slice(&0u32.to_le_bytes());
        t
    }

    #[test]
    fn reads_little_endian_orientation_among_other_tags() {
        let t = tiff_le(&[(0x010F, 2, 4, 0), (0x0112, 3, 1, 6), (0x0132, 2, 20, 0)]);
        assert_eq!(orientation(&t), Ok(Some(6)));
    }

    #[test]
    fn minimal_segment_reads_back() {
        for v in 1..=8 {
            let seg = minimal_segment(v);
            assert_eq!(
                usize::from(u16::from_be_bytes([seg[2], seg[3]])) + 2,
                seg.len()
            );
            assert_eq!(&seg[4..9], IDENTIFIER);
            assert_eq!(orientation(&seg[4 + HEADER_LEN..]), Ok(Some(v)));
        }
    }

    #[test]
    fn absent_tag_is_none() {
        assert_eq!(orientation(&tiff_le(&[(0x010F, 2, 4, 0)])), Ok(None));
    }

    #[test]
    fn absurd_entry_count_is_a_fault_not_a_loop() {
        let mut t = tiff_le(&[]);
        t[8] = 0xFF;
        t[9] = 0xFF;
        assert!(orientation(&t).is_err());
    }

    #[test]
    fn ifd_offset_past_end_is_a_fault() {
        let mut t = tiff_le(&[]);
        t[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(orientation(&t).is_err());
    }

    #[test]
    fn out_of_range_value_is_a_fault() {
        assert!(orientation(&tiff_le(&[(0x0112, 3, 1, 9)])).is_err());
        assert!(orientation(&tiff_le(&[(0x0112, 3, 1, 0)])).is_err());
    }

    #[test]
    fn bad_headers_are_faults() {
        assert!(orientation(b"").is_err());
        assert!(orientation(b"XX\x2A\0\x08\0\0\0").is_err());
        assert!(orientation(b"MM\0\x2B\0\0\0\x08").is_err());
    }
}
