//! A naive whole-buffer JPEG walker, written apart from the scrubber's streaming state machine,
//! and the invariants every stripped image must satisfy. Shared by the tests and the fuzz
//! target.

use exifstrip_core::Policy;

/// One segment of a parsed JPEG: bytes `start..end` hold marker, length and payload; for SOS,
/// `end..data_end` is the entropy-coded data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub marker: u8,
    pub start: usize,
    pub end: usize,
    pub data_end: usize,
}

impl Unit {
    pub fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        &data[self.start..self.data_end]
    }

    pub fn payload<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        &data[self.start + 4..self.end]
    }

    pub fn is_metadata(&self) -> bool {
        (0xE0..=0xEF).contains(&self.marker) || self.marker == 0xFE
    }
}

/// A JPEG walked from SOI to EOI.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub units: Vec<Unit>,
    /// Offset just after the EOI marker.
    pub eoi_end: usize,
}

/// Walks `d` byte by byte: fill bytes, length-prefixed segments, entropy-coded data that ends
/// at the first `FF` not followed by `00` or RSTn.
pub fn parse(d: &[u8]) -> Result<Parsed, String> {
    if !d.starts_with(&[0xFF, 0xD8]) {
        return Err("no SOI".into());
    }
    let mut i = 2;
    let mut units = Vec::new();
    loop {
        if d.get(i) != Some(&0xFF) {
            return Err(format!("no marker at {i}"));
        }
        while d.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let marker = *d.get(i + 1).ok_or("end of data in marker")?;
        let start = i;
        i += 2;
        match marker {
            0xD9 => return Ok(Parsed { units, eoi_end: i }),
            0x00 | 0x01 | 0xD0..=0xD8 => return Err(format!("marker {marker:02X} at {start}")),
            _ => {}
        }
        let length = match d.get(i..i + 2) {
            Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
            _ => return Err("end of data in length".into()),
        };
        if length < 2 || i + length > d.len() {
            return Err(format!("bad length {length} at {start}"));
        }
        let end = i + length;
        i = end;
        if marker == 0xDA {
            loop {
                match d.get(i) {
                    None => return Err("end of data in scan".into()),
                    Some(0xFF) => {}
                    Some(_) => {
                        i += 1;
                        continue;
                    }
                }
                let mut k = i + 1;
                while d.get(k) == Some(&0xFF) {
                    k += 1;
                }
                match d.get(k) {
                    None => return Err("end of data in scan".into()),
                    Some(0x00 | 0xD0..=0xD7) => i = k + 1,
                    Some(_) => break,
                }
            }
        }
        units.push(Unit {
            marker,
            start,
            end,
            data_end: i,
        });
    }
}

/// Every invariant of a stripped image, checked against its input.
///
/// Returns the orientation value carried by the output's Exif segment, if any.
pub fn check(input: &[u8], output: &[u8], policy: Policy) -> Result<Option<u16>, String> {
    let pin = parse(input).map_err(|e| format!("input the scrubber accepted: {e}"))?;
    let pout = parse(output).map_err(|e| format!("output does not parse: {e}"))?;
    if pout.eoi_end != output.len() {
        return Err(format!(
            "{} bytes after the output's EOI",
            output.len() - pout.eoi_end
        ));
    }

    // Everything but metadata, scans included, byte for byte and in order.
    let structure = |p: &Parsed, d: &[u8]| -> Vec<Vec<u8>> {
        p.units
            .iter()
            .filter(|u| !u.is_metadata())
            .map(|u| u.bytes(d).to_vec())
            .collect()
    };
    if structure(&pin, input) != structure(&pout, output) {
        return Err("tables, frame or scan data differ".into());
    }

    let mut orientation = None;
    let (mut jfif, mut exif, mut adobe) = (0, 0, 0);
    for unit in pout.units.iter().filter(|u| u.is_metadata()) {
        let payload = unit.payload(output);
        match unit.marker {
            0xE0 => {
                jfif += 1;
                if !payload.starts_with(b"JFIF\0") || payload.len() != 14 || payload[12..] != [0, 0]
                {
                    return Err(format!(
                        "APP0 other than a thumbnail-free JFIF: {payload:02X?}"
                    ));
                }
            }
            0xE1 => {
                exif += 1;
                let value = minimal_orientation(payload)
                    .ok_or_else(|| format!("APP1 other than a lone orientation: {payload:02X?}"))?;
                if !policy.keep_orientation || !(2..=8).contains(&value) {
                    return Err(format!("orientation {value} written against the policy"));
                }
                orientation = Some(value);
            }
            0xE2 if policy.keep_icc && payload.starts_with(b"ICC_PROFILE\0") => {}
            0xEE if payload.starts_with(b"Adobe") => adobe += 1,
            m => return Err(format!("metadata segment {m:02X} survived")),
        }
    }
    if jfif > 1 || exif > 1 || adobe > 1 {
        return Err(format!(
            "duplicated segments: {jfif} JFIF, {exif} Exif, {adobe} Adobe"
        ));
    }

    let icc = |p: &Parsed, d: &[u8]| -> Vec<Vec<u8>> {
        p.units
            .iter()
            .filter(|u| u.marker == 0xE2 && u.payload(d).starts_with(b"ICC_PROFILE\0"))
            .filter(|u| u.payload(d).len() >= 14)
            .map(|u| u.bytes(d).to_vec())
            .collect()
    };
    if policy.keep_icc && icc(&pin, input) != icc(&pout, output) {
        return Err("ICC profile chunks differ".into());
    }
    Ok(orientation)
}

/// The orientation of an APP1 payload that is exactly the minimal orientation-only Exif.
fn minimal_orientation(payload: &[u8]) -> Option<u16> {
    const HEAD: &[u8] = b"Exif\0\0MM\0\x2A\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01";
    let rest = payload.strip_prefix(HEAD)?;
    match rest {
        &[hi, lo, 0, 0, 0, 0, 0, 0] => Some(u16::from_be_bytes([hi, lo])),
        _ => None,
    }
}
