//! What the scrubber found, kept and removed. Offsets and sizes only, never payloads.

use crate::marker::Marker;

/// The most segment records a [`Report`] lists; further segments are only counted, so a file
/// of a million comment segments cannot make the report grow without bound.
pub const MAX_RECORDS: usize = 4096;

/// The most warnings a [`Report`] keeps.
pub const MAX_WARNINGS: usize = 64;

/// What a segment is, judged by its marker and, for application segments, its identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// APP0 `JFIF`: pixel density and an optional thumbnail (JFIF 1.02).
    Jfif,
    /// APP0 `JFXX`: a JFIF extension holding a thumbnail.
    Jfxx,
    /// APP1 `Exif`: camera, time, GPS, serial numbers, thumbnails.
    Exif,
    /// APP1 XMP packet (`http://ns.adobe.com/xap/1.0/`).
    Xmp,
    /// APP1 extended XMP (`http://ns.adobe.com/xmp/extension/`).
    XmpExtended,
    /// APP2 `ICC_PROFILE` chunk: the colour profile.
    Icc,
    /// APP2 `MPF`: the index of secondary images stored after EOI.
    Mpf,
    /// APP2 `FPXR`: FlashPix extension data.
    FlashPix,
    /// APP13 `Photoshop 3.0`: image resources with IPTC records and thumbnails.
    Photoshop,
    /// APP14 `Adobe`: the colour transform flag that CMYK and some RGB files need.
    Adobe,
    /// Any other application segment, numbered APP0 to APP15 (vendor data, JUMBF, and so on).
    App(u8),
    /// COM: free text.
    Comment,
    /// A frame header, SOF0 to SOF15.
    Frame,
    /// A table or parameter segment: DQT, DHT, DAC, DRI, DHP or EXP.
    Table,
    /// DNL: the number of lines, after the first scan.
    Lines,
    /// An SOS header with the entropy-coded data that follows it, restart markers included.
    Scan,
    /// The SOI or EOI marker.
    Boundary,
    /// Every byte after the EOI of the primary image.
    Trailer,
}

impl Kind {
    /// A short name for logs and tables.
    #[must_use]
    pub fn name(self) -> std::borrow::Cow<'static, str> {
        let name = match self {
            Self::Jfif => "JFIF",
            Self::Jfxx => "JFXX",
            Self::Exif => "Exif",
            Self::Xmp => "XMP",
            Self::XmpExtended => "XMP extended",
            Self::Icc => "ICC profile",
            Self::Mpf => "MPF",
            Self::FlashPix => "FlashPix",
            Self::Photoshop => "Photoshop/IPTC",
            Self::Adobe => "Adobe",
            Self::App(n) => return format!("APP{n} data").into(),
            Self::Comment => "comment",
            Self::Frame => "frame header",
            Self::Table => "table",
            Self::Lines => "line count",
            Self::Scan => "scan",
            Self::Boundary => "boundary",
            Self::Trailer => "trailer",
        };
        name.into()
    }
}

/// What happened to a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Written to the output byte for byte.
    Kept,
    /// Written in a reduced form: a JFIF header without its thumbnail, or Exif cut down to
    /// the orientation.
    Rewritten,
    /// Not written.
    Removed,
}

/// One segment of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// The marker, absent for the trailer.
    pub marker: Option<Marker>,
    /// What the segment is.
    pub kind: Kind,
    /// Offset in the input of the marker's `FF` byte (of the first trailer byte).
    pub offset: u64,
    /// Bytes in the input: marker, length field and payload; for a scan, the entropy-coded
    /// data too.
    pub bytes_in: u64,
    /// Bytes written for it to the output.
    pub bytes_out: u64,
    /// What the scrubber did with it.
    pub action: Action,
}

/// Something odd that did not stop the rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Offset in the input the warning refers to.
    pub offset: u64,
    /// What was odd.
    pub message: &'static str,
}

/// The frame header's description of the image (T.81 B.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// The SOFn marker: SOF0 baseline, SOF1 extended, SOF2 progressive, and so on.
    pub marker: Marker,
    /// Sample precision in bits.
    pub precision: u8,
    /// Number of lines; 0 when a DNL segment gives it later.
    pub height: u16,
    /// Samples per line.
    pub width: u16,
    /// Number of colour components: 1 grey, 3 YCbCr or RGB, 4 CMYK or YCCK.
    pub components: u8,
}

/// The account of one rewrite: every segment (up to [`MAX_RECORDS`]), totals and the
/// orientation that was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The segments in input order, up to [`MAX_RECORDS`].
    pub records: Vec<Record>,
    /// Segments beyond [`MAX_RECORDS`] that were processed but not listed.
    pub records_omitted: u64,
    /// Segments removed, the trailer counted as one.
    pub removed_segments: u64,
    /// Bytes removed, trailer included.
    pub removed_bytes: u64,
    /// The orientation in the primary image's Exif IFD0 (1 to 8), if it had a readable one.
    pub orientation: Option<u16>,
    /// Whether a minimal Exif segment carrying the orientation was written.
    pub orientation_written: bool,
    /// The first frame header.
    pub frame: Option<Frame>,
    /// Number of scans: 1 for baseline, several for progressive images.
    pub scans: u32,
    /// Bytes after the primary image's EOI.
    pub trailer_bytes: u64,
    /// Input bytes consumed.
    pub bytes_in: u64,
    /// Output bytes written.
    pub bytes_out: u64,
    /// Oddities that did not stop the rewrite, up to [`MAX_WARNINGS`].
    pub warnings: Vec<Warning>,
}

impl Report {
    /// The records of removed or rewritten segments.
    pub fn changes(&self) -> impl Iterator<Item = &Record> {
        self.records.iter().filter(|r| r.action != Action::Kept)
    }

    pub(crate) fn record(&mut self, record: Record) {
        if record.action == Action::Removed {
            self.removed_segments += 1;
        }
        self.removed_bytes += record.bytes_in.saturating_sub(record.bytes_out);
        if self.records.len() < MAX_RECORDS {
            self.records.push(record);
        } else {
            self.records_omitted += 1;
        }
    }

    pub(crate) fn warn(&mut self, offset: u64, message: &'static str) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Warning { offset, message });
        }
    }
}
