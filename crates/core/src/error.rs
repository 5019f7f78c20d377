//! Why an input was rejected. Every error is permanent: the same bytes fail the same way.

use crate::marker::Marker;

/// An input that is not a JPEG this crate can rewrite, with the byte offset of the fault.
///
/// All variants describe the input, never the program: retrying the same bytes fails again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The first two bytes are not the SOI marker `FF D8`.
    #[error(
        "not a JPEG: starts with {found} instead of the SOI marker FF D8; \
         only JPEG files can be stripped"
    )]
    NotJpeg {
        /// The first bytes found, as hexadecimal (at most two).
        found: HexBytes,
    },

    /// The input ended before the image was complete.
    #[error("truncated: the input ends at offset {offset} {context}")]
    Truncated {
        /// The length of the input, where it ended.
        offset: u64,
        /// What was being read when it ended.
        context: Truncation,
    },

    /// A segment's length field is 0 or 1; the field counts itself, so 2 is the minimum
    /// (T.81 B.1.1.4).
    #[error("segment {marker} at offset {offset} declares length {length}, below the minimum of 2")]
    LengthBelowTwo {
        /// The segment's marker.
        marker: Marker,
        /// Offset of the marker's `FF` byte.
        offset: u64,
        /// The declared length.
        length: u16,
    },

    /// A segment is too short for the fixed fields its marker requires.
    #[error(
        "segment {marker} at offset {offset} is {length} bytes long, too short for its header \
         of {needed} bytes"
    )]
    SegmentTooShort {
        /// The segment's marker.
        marker: Marker,
        /// Offset of the marker's `FF` byte.
        offset: u64,
        /// The declared length.
        length: u16,
        /// The minimum length the marker needs.
        needed: u16,
    },

    /// A byte other than `FF` stands where a marker must begin.
    #[error("expected a marker at offset {offset} but found byte 0x{found:02X}")]
    ExpectedMarker {
        /// Offset of the unexpected byte.
        offset: u64,
        /// The byte found.
        found: u8,
    },

    /// A valid marker in a place where the JPEG syntax does not allow it (T.81 B.2).
    #[error("unexpected {marker} at offset {offset}: {reason}")]
    UnexpectedMarker {
        /// The marker.
        marker: Marker,
        /// Offset of the marker's `FF` byte.
        offset: u64,
        /// Why it cannot stand there.
        reason: &'static str,
    },

    /// A run of `FF` fill bytes inside entropy-coded data longer than any encoder writes.
    #[error(
        "a run of over {limit} fill bytes FF starts at offset {offset} inside entropy-coded \
         data; the file is corrupt"
    )]
    FillRun {
        /// Offset of the run's first byte.
        offset: u64,
        /// The longest run accepted.
        limit: u64,
    },

    /// Entropy-coded data ends at a byte pair that is no marker a scan can be followed by.
    #[error(
        "the entropy-coded data of the scan at offset {sos} is corrupt: it holds FF followed by \
         {marker} at offset {offset}, which is neither data nor a marker that can follow a scan"
    )]
    CorruptScan {
        /// Offset of the scan's SOS marker.
        sos: u64,
        /// The invalid marker.
        marker: Marker,
        /// Offset of the `FF` byte before it.
        offset: u64,
    },

    /// A reserved marker this crate does not know how to carry (T.81 Table B.1).
    #[error(
        "unsupported {marker} at offset {offset}: reserved or extension markers (JPEG-LS, JPEG \
         XT and others) are not stripped; convert the image to baseline or progressive JPEG"
    )]
    UnsupportedMarker {
        /// The marker.
        marker: Marker,
        /// Offset of the marker's `FF` byte.
        offset: u64,
    },
}

/// Where the input was when it ended too early, for [`Error::Truncated`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Truncation {
    /// Before the SOI marker was complete.
    Start,
    /// Between segments, where a marker was expected.
    Marker,
    /// Inside the named segment, which began at the given offset and declared this length.
    Segment {
        /// The segment's marker.
        marker: Marker,
        /// Offset of the marker's `FF` byte.
        offset: u64,
        /// The declared length, when it had been read.
        length: Option<u16>,
    },
    /// Inside the entropy-coded data of a scan.
    Scan {
        /// Offset of the scan's SOS marker.
        offset: u64,
    },
}

impl std::fmt::Display for Truncation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Start => write!(f, "before the SOI marker"),
            Self::Marker => write!(f, "where a marker was expected (EOI missing)"),
            Self::Segment {
                marker,
                offset,
                length: Some(length),
            } => write!(
                f,
                "inside segment {marker} that starts at offset {offset} and declares {length} bytes"
            ),
            Self::Segment {
                marker,
                offset,
                length: None,
            } => write!(
                f,
                "inside the length field of segment {marker} at offset {offset}"
            ),
            Self::Scan { offset } => write!(
                f,
                "inside the entropy-coded data of the scan that starts at offset {offset} \
                 (EOI missing)"
            ),
        }
    }
}

/// Up to two bytes shown as hexadecimal, or `nothing` when empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HexBytes {
    bytes: [u8; 2],
    len: u8,
}

impl HexBytes {
    /// The first two bytes of `data` (fewer if it is shorter).
    #[must_use]
    pub fn new(data: &[u8]) -> Self {
        let mut bytes = [0; 2];
        for (slot, byte) in bytes.iter_mut().zip(data) {
            *slot = *byte;
        }
        Self {
            bytes,
            len: data.len().min(2) as u8,
        }
    }
}

impl std::fmt::Display for HexBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.len {
            0 => f.write_str("nothing (empty input)"),
            1 => write!(f, "{:02X}", self.bytes[0]),
            _ => write!(f, "{:02X} {:02X}", self.bytes[0], self.bytes[1]),
        }
    }
}
