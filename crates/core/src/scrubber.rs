//! The incremental rewrite: a state machine over the JPEG marker structure (ITU T.81 B.2)
//! that takes input in chunks of any size and appends the stripped image to an output buffer.

use memchr::memchr;

use crate::error::{Error, HexBytes, Truncation};
use crate::exif;
use crate::marker::Marker;
use crate::policy::Policy;
use crate::report::{Action, Frame, Kind, Record, Report};
use crate::segment::{self, ADOBE_PAYLOAD_LEN, ICC_HEADER_LEN, JFIF_PAYLOAD_LEN};

/// The longest run of `FF` fill bytes accepted inside entropy-coded data (T.81 B.1.1.2 allows
/// fill bytes before any marker). Real encoders write none or a few; the limit keeps a pending
/// run from growing without bound between two chunks.
pub const MAX_FILL_RUN: u64 = 64 * 1024;

/// Strips one JPEG incrementally: push input chunks as they arrive, then call
/// [`finish`](Self::finish).
///
/// Memory is bounded whatever the image size: the only buffer held is one marker segment
/// (at most 65,537 bytes) when it is split between two chunks. Entropy-coded data is searched
/// for `FF` with a vectorised byte search and copied in runs, so the pass is one linear scan.
///
/// # Examples
///
/// ```
/// use exifstrip_core::{Policy, Scrubber};
///
/// # fn main() -> Result<(), exifstrip_core::Error> {
/// // A JPEG's structure (the scrubber never decodes pixels): SOI, a comment, a frame
/// // header, a scan header, two bytes of entropy-coded data, EOI.
/// let photo = [
///     0xFF, 0xD8, 0xFF, 0xFE, 0, 5, b'h', b'i', b'!', 0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1,
///     0x11, 0, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9,
/// ];
/// let mut scrubber = Scrubber::new(Policy::default());
/// let mut stripped = Vec::new();
/// for chunk in photo.chunks(7) {
///     scrubber.push(chunk, &mut stripped)?;
/// }
/// let report = scrubber.finish()?;
/// assert_eq!(report.removed_segments, 1);
/// assert_eq!(stripped.len(), photo.len() - 7);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Scrubber {
    policy: Policy,
    state: State,
    /// Absolute input offset of the next byte to be pushed.
    consumed: u64,
    /// The length field and payload of a segment split between chunks.
    pending: Vec<u8>,
    report: Report,
    seen_jfif: bool,
    seen_exif: bool,
    seen_adobe: bool,
    failed: Option<Error>,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Reading the two bytes of SOI, gathered in `pending`.
    Start,
    /// Between segments: the next byte must be `FF`.
    Marker,
    /// After an `FF`: the next byte is a marker code or another fill byte.
    Code,
    /// Inside a segment whose marker began at `start`; its length field and payload are
    /// gathered in `pending`.
    Segment { marker: Marker, start: u64 },
    /// Inside entropy-coded data of the scan whose SOS marker is at `sos`.
    Scan { sos: u64 },
    /// Inside entropy-coded data, after `fills` bytes `FF` starting at `first` that are either
    /// fill bytes before a marker or the prefix of a stuffed byte or restart marker.
    ScanFill { sos: u64, first: u64, fills: u64 },
    /// After EOI: every further byte is trailer and is dropped.
    Trailer { start: u64 },
}

impl Scrubber {
    /// A scrubber for one image, keeping what `policy` allows besides the pixels.
    #[must_use]
    pub fn new(policy: Policy) -> Self {
        Self {
            policy,
            state: State::Start,
            consumed: 0,
            pending: Vec::new(),
            report: Report::default(),
            seen_jfif: false,
            seen_exif: false,
            seen_adobe: false,
            failed: None,
        }
    }

    /// Consumes `input` and appends the stripped bytes it completes to `output`.
    ///
    /// Chunks may be any size, down to one byte; the output is the same however the input is
    /// split. Bytes after the primary image's EOI are consumed and counted, never written.
    ///
    /// # Errors
    ///
    /// An [`Error`] as soon as the input is seen not to be a JPEG that can be rewritten; the
    /// same error is returned by every later call. Bytes already appended to `output` are then
    /// a fragment and must be discarded.
    pub fn push(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<(), Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let before = output.len();
        let result = self.run(input, output);
        self.consumed += input.len() as u64;
        self.report.bytes_out += (output.len() - before) as u64;
        if let Err(error) = &result {
            self.failed = Some(error.clone());
        }
        result
    }

    /// Checks that the image was complete and returns the report.
    ///
    /// # Errors
    ///
    /// [`Error::Truncated`] when the input ended before the primary image's EOI, or the error
    /// an earlier [`push`](Self::push) returned.
    pub fn finish(mut self) -> Result<Report, Error> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        let offset = self.consumed;
        let context = match self.state {
            State::Trailer { start } => {
                let bytes = offset - start;
                if bytes > 0 {
                    self.report.trailer_bytes = bytes;
                    self.report.record(Record {
                        marker: None,
                        kind: Kind::Trailer,
                        offset: start,
                        bytes_in: bytes,
                        bytes_out: 0,
                        action: Action::Removed,
                    });
                }
                self.report.bytes_in = offset;
                return Ok(self.report);
            }
            State::Start => {
                return Err(Error::NotJpeg {
                    found: HexBytes::new(&self.pending),
                });
            }
            State::Marker | State::Code => Truncation::Marker,
            State::Segment { marker, start } => Truncation::Segment {
                marker,
                offset: start,
                length: declared_length(&self.pending),
            },
            State::Scan { sos } | State::ScanFill { sos, .. } => Truncation::Scan { offset: sos },
        };
        Err(Error::Truncated { offset, context })
    }

    /// The report so far: complete once [`finish`](Self::finish) has succeeded.
    #[must_use]
    pub fn report(&self) -> &Report {
        &self.report
    }

    fn run(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let base = self.consumed;
        let mut i = 0;
        while let Some(&byte) = input.get(i) {
            match self.state {
                State::Start => {
                    self.pending.push(byte);
                    i += 1;
                    if self.pending.len() < 2 {
                        continue;
                    }
                    if self.pending != [0xFF, Marker::SOI.0] {
                        return Err(Error::NotJpeg {
                            found: HexBytes::new(&self.pending),
                        });
                    }
                    self.pending.clear();
                    out.extend_from_slice(&[0xFF, Marker::SOI.0]);
                    self.boundary(Marker::SOI, 0);
                    self.state = State::Marker;
                }
                State::Marker => {
                    if byte != 0xFF {
                        return Err(Error::ExpectedMarker {
                            offset: base + i as u64,
                            found: byte,
                        });
                    }
                    i += 1;
                    self.state = State::Code;
                }
                State::Code => {
                    i += 1;
                    // Further FF bytes are fill before the marker (T.81 B.1.1.2); dropped.
                    if byte != 0xFF {
                        self.begin(Marker(byte), base + i as u64 - 2, out)?;
                    }
                }
                State::Segment { marker, start } => {
                    i = self.segment(input, i, marker, start, out)?;
                }
                State::Scan { sos } => {
                    i = self.scan(input, base, i, sos, out)?;
                }
                State::ScanFill { sos, first, fills } => {
                    i = self.scan_fill(input, base, i, (sos, first, fills), out)?;
                }
                State::Trailer { .. } => i = input.len(),
            }
        }
        Ok(())
    }

    /// Acts on a marker code that follows an `FF` at `offset`, outside entropy-coded data.
    fn begin(&mut self, marker: Marker, offset: u64, out: &mut Vec<u8>) -> Result<(), Error> {
        let unexpected = |reason| Error::UnexpectedMarker {
            marker,
            offset,
            reason,
        };
        match marker {
            Marker::EOI if self.report.scans == 0 => {
                return Err(unexpected("the image ends before any scan of image data"));
            }
            Marker::EOI => {
                out.extend_from_slice(&[0xFF, Marker::EOI.0]);
                self.boundary(Marker::EOI, offset);
                self.state = State::Trailer { start: offset + 2 };
            }
            Marker::SOI => {
                return Err(unexpected(
                    "a second start of image; the file is corrupt or several files joined",
                ));
            }
            Marker(0x00) => return Err(unexpected("byte stuffing outside entropy-coded data")),
            m if m.is_rst() => return Err(unexpected("restart marker outside entropy-coded data")),
            m if has_length(m) => {
                self.state = State::Segment {
                    marker,
                    start: offset,
                };
            }
            _ => return Err(Error::UnsupportedMarker { marker, offset }),
        }
        Ok(())
    }

    /// Gathers the segment that started at `start` and acts on it once complete. Returns the
    /// index in `input` after what was consumed.
    fn segment(
        &mut self,
        input: &[u8],
        i: usize,
        marker: Marker,
        start: u64,
        out: &mut Vec<u8>,
    ) -> Result<usize, Error> {
        // Fast path: the whole segment is in this chunk, so act on it in place.
        if let (true, Some(&[hi, lo])) = (self.pending.is_empty(), input.get(i..i + 2)) {
            let length = check_length(marker, start, u16::from_be_bytes([hi, lo]))?;
            if let Some(body) = input.get(i..i + length) {
                self.complete(marker, start, body, out)?;
                return Ok(i + length);
            }
        }

        let available = input.get(i..).unwrap_or_default();
        let mut used = 0;
        if self.pending.len() < 2 {
            used = (2 - self.pending.len()).min(available.len());
            self.pending
                .extend_from_slice(available.get(..used).unwrap_or_default());
        }
        let Some(declared) = declared_length(&self.pending) else {
            return Ok(i + used);
        };
        let length = check_length(marker, start, declared)?;
        let take = (length - self.pending.len()).min(available.len() - used);
        self.pending
            .extend_from_slice(available.get(used..used + take).unwrap_or_default());
        used += take;
        if self.pending.len() == length {
            let body = std::mem::take(&mut self.pending);
            let result = self.complete(marker, start, &body, out);
            self.pending = body;
            self.pending.clear();
            result?;
        }
        Ok(i + used)
    }

    /// Acts on a complete segment: `body` is its length field and payload.
    fn complete(
        &mut self,
        marker: Marker,
        start: u64,
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let payload = body.get(2..).unwrap_or_default();
        self.state = State::Marker;
        let kind = match marker {
            m if m.is_app() || m == Marker::COM => {
                self.application(marker, start, body, out);
                return Ok(());
            }
            m if m.is_sof() => {
                let &[precision, h1, h0, w1, w0, components, ..] = payload else {
                    return Err(too_short(marker, start, body, 8));
                };
                if self.report.frame.is_none() {
                    self.report.frame = Some(Frame {
                        marker,
                        precision,
                        height: u16::from_be_bytes([h1, h0]),
                        width: u16::from_be_bytes([w1, w0]),
                        components,
                    });
                }
                Kind::Frame
            }
            Marker::SOS => {
                if self.report.frame.is_none() {
                    return Err(Error::UnexpectedMarker {
                        marker,
                        offset: start,
                        reason: "a scan before any frame header (SOFn)",
                    });
                }
                emit(out, marker, body);
                self.report.scans += 1;
                // The scan is recorded when its entropy-coded data ends.
                self.state = State::Scan { sos: start };
                return Ok(());
            }
            Marker::DNL if self.report.scans == 0 => {
                return Err(Error::UnexpectedMarker {
                    marker,
                    offset: start,
                    reason: "a line count (DNL) before the first scan",
                });
            }
            Marker::DNL => Kind::Lines,
            _ => Kind::Table,
        };
        emit(out, marker, body);
        self.keep(marker, kind, start, body.len());
        Ok(())
    }

    /// Decides on an APPn or COM segment: the heart of the privacy policy.
    fn application(&mut self, marker: Marker, start: u64, body: &[u8], out: &mut Vec<u8>) {
        let payload = body.get(2..).unwrap_or_default();
        let kind = segment::classify(marker, payload);
        let before = out.len();
        let action = match kind {
            Kind::Jfif if !self.seen_jfif => {
                self.seen_jfif = true;
                if let Some(rewritten) = segment::jfif_without_thumbnail(payload) {
                    out.extend_from_slice(&rewritten);
                    if payload.len() == JFIF_PAYLOAD_LEN && payload.ends_with(&[0, 0]) {
                        Action::Kept
                    } else {
                        Action::Rewritten
                    }
                } else {
                    self.report.warn(start, "JFIF segment too short; removed");
                    Action::Removed
                }
            }
            Kind::Exif if !self.seen_exif => {
                self.seen_exif = true;
                let tiff = payload.get(exif::HEADER_LEN..).unwrap_or_default();
                match exif::orientation(tiff) {
                    Ok(value) => self.report.orientation = value,
                    Err(fault) => self.report.warn(start, fault),
                }
                match self.report.orientation {
                    Some(value @ 2..=8) if self.policy.keep_orientation => {
                        out.extend_from_slice(&exif::minimal_segment(value));
                        self.report.orientation_written = true;
                        Action::Rewritten
                    }
                    _ => Action::Removed,
                }
            }
            Kind::Icc if self.policy.keep_icc => {
                if let &[sequence, count] = payload.get(12..ICC_HEADER_LEN).unwrap_or_default() {
                    if sequence == 0 || sequence > count {
                        self.report
                            .warn(start, "ICC chunk number outside 1 to its count");
                    }
                    emit(out, marker, body);
                    Action::Kept
                } else {
                    self.report
                        .warn(start, "ICC chunk too short for its header; removed");
                    Action::Removed
                }
            }
            Kind::Adobe if !self.seen_adobe => {
                self.seen_adobe = true;
                if payload.len() >= ADOBE_PAYLOAD_LEN {
                    emit(out, marker, body);
                    Action::Kept
                } else {
                    self.report.warn(start, "Adobe segment too short; removed");
                    Action::Removed
                }
            }
            _ => Action::Removed,
        };
        self.report.record(Record {
            marker: Some(marker),
            kind,
            offset: start,
            bytes_in: body.len() as u64 + 2,
            bytes_out: (out.len() - before) as u64,
            action,
        });
    }

    /// Copies entropy-coded data up to the marker that ends the scan. Returns the index in
    /// `input` after what was consumed.
    fn scan(
        &mut self,
        input: &[u8],
        base: u64,
        mut i: usize,
        sos: u64,
        out: &mut Vec<u8>,
    ) -> Result<usize, Error> {
        let run = i;
        loop {
            let Some(found) = input.get(i..).and_then(next_unstuffed_ff) else {
                out.extend_from_slice(input.get(run..).unwrap_or_default());
                return Ok(input.len());
            };
            let ff = i + found;
            let code = ff
                + 1
                + input
                    .get(ff + 1..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|&&b| b == 0xFF)
                    .count();
            let first = base + ff as u64;
            let fills = (code - ff) as u64;
            if fills > MAX_FILL_RUN {
                return Err(fill_run(first));
            }
            let Some(&byte) = input.get(code) else {
                out.extend_from_slice(input.get(run..ff).unwrap_or_default());
                self.state = State::ScanFill { sos, first, fills };
                return Ok(code);
            };
            if byte == 0x00 || Marker(byte).is_rst() {
                i = code + 1;
                continue;
            }
            out.extend_from_slice(input.get(run..ff).unwrap_or_default());
            self.end_scan(sos, first, Marker(byte), base + code as u64 - 1, out)?;
            return Ok(code + 1);
        }
    }

    /// Resolves `FF` bytes left pending at the end of the previous chunk.
    fn scan_fill(
        &mut self,
        input: &[u8],
        base: u64,
        i: usize,
        (sos, first, fills): (u64, u64, u64),
        out: &mut Vec<u8>,
    ) -> Result<usize, Error> {
        let more = input
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == 0xFF)
            .count();
        let fills = fills + more as u64;
        if fills > MAX_FILL_RUN {
            return Err(fill_run(first));
        }
        let code = i + more;
        let Some(&byte) = input.get(code) else {
            self.state = State::ScanFill { sos, first, fills };
            return Ok(code);
        };
        if byte == 0x00 || Marker(byte).is_rst() {
            // Fill bytes before a restart marker stay part of the entropy-coded data.
            out.resize(out.len() + fills as usize, 0xFF);
            out.push(byte);
            self.state = State::Scan { sos };
            return Ok(code + 1);
        }
        self.end_scan(sos, first, Marker(byte), base + code as u64 - 1, out)?;
        Ok(code + 1)
    }

    /// Ends the scan at `sos` where its entropy-coded data stops, at `end`, and acts on the
    /// marker found at `offset` that ended it.
    fn end_scan(
        &mut self,
        sos: u64,
        end: u64,
        marker: Marker,
        offset: u64,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if !has_length(marker) && marker != Marker::EOI {
            return Err(Error::CorruptScan {
                sos,
                marker,
                offset,
            });
        }
        self.keep(Marker::SOS, Kind::Scan, sos, (end - sos - 2) as usize);
        self.begin(marker, offset, out)
    }

    fn boundary(&mut self, marker: Marker, offset: u64) {
        self.keep(marker, Kind::Boundary, offset, 0);
    }

    /// Records a segment written unchanged; `body` counts the bytes after the marker.
    fn keep(&mut self, marker: Marker, kind: Kind, offset: u64, body: usize) {
        let bytes = body as u64 + 2;
        self.report.record(Record {
            marker: Some(marker),
            kind,
            offset,
            bytes_in: bytes,
            bytes_out: bytes,
            action: Action::Kept,
        });
    }
}

/// Whether `marker` begins a segment with a length field that may stand between the frame's
/// segments (T.81 B.1.1.4, Table B.1).
fn has_length(marker: Marker) -> bool {
    marker.is_sof()
        || marker.is_app()
        || matches!(
            marker,
            Marker::DHT
                | Marker::DAC
                | Marker::DQT
                | Marker::DNL
                | Marker::DRI
                | Marker::DHP
                | Marker::EXP
                | Marker::SOS
                | Marker::COM
        )
}

/// Writes a segment unchanged: its marker, then its length field and payload.
fn emit(out: &mut Vec<u8>, marker: Marker, body: &[u8]) {
    out.extend_from_slice(&[0xFF, marker.0]);
    out.extend_from_slice(body);
}

/// The length field at the start of a gathered segment body, once its two bytes are there.
fn declared_length(body: &[u8]) -> Option<u16> {
    match body {
        &[hi, lo, ..] => Some(u16::from_be_bytes([hi, lo])),
        _ => None,
    }
}

/// The segment's total length field as a `usize`, if it is at least 2 (T.81 B.1.1.4).
fn check_length(marker: Marker, offset: u64, length: u16) -> Result<usize, Error> {
    if length < 2 {
        return Err(Error::LengthBelowTwo {
            marker,
            offset,
            length,
        });
    }
    Ok(usize::from(length))
}

fn too_short(marker: Marker, offset: u64, body: &[u8], needed: u16) -> Error {
    Error::SegmentTooShort {
        marker,
        offset,
        length: body.len() as u16,
        needed,
    }
}

fn fill_run(offset: u64) -> Error {
    Error::FillRun {
        offset,
        limit: MAX_FILL_RUN,
    }
}

/// The index of the first `FF` in entropy-coded `data` that is not a stuffed byte (`FF 00`):
/// the start of a marker or of fill bytes, or an `FF` at the end whose successor is still to
/// come.
///
/// Stuffed bytes are nearly every `FF` in entropy-coded data, about one byte in 200, and
/// stopping at each of them costs more than copying the data. Blocks are instead checked
/// whole, every byte against its successor, which compiles to a few vector instructions per
/// block; only a block with a hit is searched byte by byte.
fn next_unstuffed_ff(data: &[u8]) -> Option<usize> {
    const BLOCK: usize = 32;
    let mut start = 0;
    while let (Some(block), Some(next)) = (
        data.get(start..start + BLOCK),
        data.get(start + 1..start + BLOCK + 1),
    ) {
        // Without branches, so that the block is compared at once.
        let hits = block.iter().zip(next).fold(0_u8, |hits, (&byte, &after)| {
            hits | (u8::from(byte == 0xFF) & u8::from(after != 0))
        });
        if hits != 0 {
            break;
        }
        start += BLOCK;
    }
    let mut i = start;
    loop {
        let ff = i + memchr(0xFF, data.get(i..)?)?;
        if data.get(ff + 1) != Some(&0x00) {
            return Some(ff);
        }
        i = ff + 2;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::next_unstuffed_ff;

    /// The same search, one byte at a time.
    fn reference(data: &[u8]) -> Option<usize> {
        (0..data.len()).find(|&i| data.get(i) == Some(&0xFF) && data.get(i + 1) != Some(&0x00))
    }

    fn entropy_like() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![Just(0xFF_u8), Just(0x00), Just(0xD3), any::<u8>()];
        proptest::collection::vec(byte, 0..200)
    }

    proptest! {
        #[test]
        fn finds_what_a_byte_by_byte_search_finds(data in entropy_like()) {
            prop_assert_eq!(next_unstuffed_ff(&data), reference(&data));
        }

        #[test]
        fn skips_long_runs_of_stuffed_bytes(prefix in 0_usize..100, pairs in 0_usize..100,
                                            tail in entropy_like()) {
            let mut data = vec![0x12; prefix];
            for _ in 0..pairs {
                data.extend_from_slice(&[0xFF, 0x00]);
            }
            data.extend_from_slice(&tail);
            prop_assert_eq!(next_unstuffed_ff(&data), reference(&data));
        }
    }
}
