//! Building test JPEGs: real encoded images, and a small segment writer to add metadata in any
//! position.

pub mod reference;

use std::path::PathBuf;

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

/// A way to encode a base image.
#[derive(Debug, Clone, Copy)]
pub struct Base {
    pub name: &'static str,
    pub width: u16,
    pub height: u16,
    pub color: ColorType,
    pub progressive: bool,
    pub restart: u16,
    pub sampling: SamplingFactor,
}

/// The base images every metadata fixture is tried on.
pub const BASES: &[Base] = &[
    Base::rgb("baseline 4:2:0", 48, 32),
    Base {
        progressive: true,
        ..Base::rgb("progressive", 40, 24)
    },
    Base {
        restart: 1,
        ..Base::rgb("restart every MCU", 64, 48)
    },
    Base {
        color: ColorType::Luma,
        ..Base::rgb("grayscale", 30, 20)
    },
    Base {
        color: ColorType::Cmyk,
        ..Base::rgb("CMYK with Adobe APP14", 24, 24)
    },
    Base {
        color: ColorType::Ycck,
        progressive: true,
        ..Base::rgb("progressive YCCK", 24, 16)
    },
    Base {
        sampling: SamplingFactor::F_1_1,
        ..Base::rgb("odd size 4:4:4", 17, 13)
    },
    Base::rgb("1x1", 1, 1),
];

impl Base {
    const fn rgb(name: &'static str, width: u16, height: u16) -> Self {
        Self {
            name,
            width,
            height,
            color: ColorType::Rgb,
            progressive: false,
            restart: 0,
            sampling: SamplingFactor::F_2_2,
        }
    }

    /// Encodes a gradient with texture, so the entropy-coded data holds stuffed bytes.
    pub fn encode(&self) -> Vec<u8> {
        let channels = match self.color {
            ColorType::Luma => 1,
            ColorType::Cmyk | ColorType::Ycck => 4,
            _ => 3,
        };
        let (w, h) = (usize::from(self.width), usize::from(self.height));
        let mut pixels = Vec::with_capacity(w * h * channels);
        for y in 0..h {
            for x in 0..w {
                for c in 0..channels {
                    let v = (x * 7 + y * 13 + c * 61 + (x * y) % 23) * 5;
                    pixels.push((v % 256) as u8);
                }
            }
        }
        let mut out = Vec::new();
        let mut encoder = Encoder::new(&mut out, 90);
        encoder.set_progressive(self.progressive);
        if self.restart > 0 {
            encoder.set_restart_interval(self.restart);
        }
        encoder.set_sampling_factor(self.sampling);
        encoder
            .encode(&pixels, self.width, self.height, self.color)
            .expect("encoding a test image");
        out
    }
}

/// A complete segment: marker, length, payload.
pub fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let length = u16::try_from(payload.len() + 2).expect("payload fits a segment");
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&length.to_be_bytes());
    s.extend_from_slice(payload);
    s
}

/// An APPn segment holding `identifier` then `body`.
pub fn app(n: u8, identifier: &[u8], body: &[u8]) -> Vec<u8> {
    segment(0xE0 + n, &[identifier, body].concat())
}

/// A marker that identifies private data: if these bytes survive, the test fails.
pub const SECRET: &[u8] = b"SECRET-48.8584N-2.2945E-SERIAL-0042";

/// A little-endian Exif payload with IFD0 (make, orientation, a GPS pointer), a GPS IFD, and
/// an IFD1 thumbnail, all holding [`SECRET`].
pub fn exif(orientation: Option<u16>) -> Vec<u8> {
    let mut entries: Vec<(u16, u16, u32, u32)> = vec![(0x010F, 2, SECRET.len() as u32, 0)];
    if let Some(value) = orientation {
        entries.push((0x0112, 3, 1, u32::from(value)));
    }
    entries.push((0x8825, 4, 1, 0));
    let ifd0_len = 2 + entries.len() * 12 + 4;
    let make_at = 8 + ifd0_len;
    let gps_at = make_at + SECRET.len();
    let gps_len = 2 + 12 + 4;
    let ifd1_at = gps_at + gps_len;
    let thumb_at = ifd1_at + 2 + 36 + 4;

    let mut t = b"II\x2A\0\x08\0\0\0".to_vec();
    t.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, count, mut value) in entries {
        if tag == 0x010F {
            value = make_at as u32;
        }
        if tag == 0x8825 {
            value = gps_at as u32;
        }
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&kind.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    }
    t.extend_from_slice(&(ifd1_at as u32).to_le_bytes());
    t.extend_from_slice(SECRET);
    // GPS IFD: GPSLatitudeRef = "N".
    t.extend_from_slice(&1u16.to_le_bytes());
    t.extend_from_slice(&[0x01, 0x00, 0x02, 0x00, 0x02, 0, 0, 0, b'N', 0, 0, 0]);
    t.extend_from_slice(&0u32.to_le_bytes());
    // IFD1: a thumbnail of SECRET bytes, with an orientation of 8 that must be ignored.
    let thumb = [&[0xFF, 0xD8][..], SECRET, &[0xFF, 0xD9]].concat();
    t.extend_from_slice(&3u16.to_le_bytes());
    for (tag, kind, value) in [
        (0x0112u16, 3u16, 8u32),
        (0x0201, 4, thumb_at as u32),
        (0x0202, 4, thumb.len() as u32),
    ] {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&kind.to_le_bytes());
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    }
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&thumb);
    app(1, b"Exif\0\0", &t)
}

/// Every kind of metadata segment the scrubber must remove, by name.
pub fn removable() -> Vec<(&'static str, Vec<u8>)> {
    let thumbnail = [&[0xFF, 0xD8][..], SECRET, &[0xFF, 0xD9]].concat();
    vec![
        ("Exif with GPS and thumbnail", exif(None)),
        ("XMP", app(1, b"http://ns.adobe.com/xap/1.0/\0", SECRET)),
        (
            "extended XMP",
            app(
                1,
                b"http://ns.adobe.com/xmp/extension/\0",
                &[&[b'0'; 40][..], SECRET].concat(),
            ),
        ),
        ("unknown APP1", app(1, b"ZZZZ\0", SECRET)),
        ("JFXX thumbnail", app(0, b"JFXX\0\x10", &thumbnail)),
        ("APP0 other", app(0, b"AVI1\0", SECRET)),
        (
            "MPF",
            app(
                2,
                b"MPF\0",
                &[b"II\x2A\0\x08\0\0\0".as_slice(), SECRET].concat(),
            ),
        ),
        ("FlashPix", app(2, b"FPXR\0", SECRET)),
        ("APP2 other", app(2, b"OTHER\0", SECRET)),
        ("Kodak APP3", app(3, b"Meta\0\0", SECRET)),
        ("APP4", app(4, b"", SECRET)),
        ("APP5", app(5, b"", SECRET)),
        ("APP6", app(6, b"", SECRET)),
        ("APP7", app(7, b"", SECRET)),
        ("APP8", app(8, b"", SECRET)),
        ("APP9", app(9, b"", SECRET)),
        ("APP10", app(10, b"", SECRET)),
        (
            "JUMBF APP11",
            app(
                11,
                b"JP",
                &[&[0, 1, 0, 0, 0, 1][..], b"jumb", SECRET].concat(),
            ),
        ),
        ("Ducky APP12", app(12, b"Ducky\0", SECRET)),
        ("PictureInfo APP12", app(12, b"[picture info]", SECRET)),
        (
            "Photoshop IPTC",
            app(
                13,
                b"Photoshop 3.0\0",
                &[b"8BIM\x04\x04\0\0".as_slice(), SECRET].concat(),
            ),
        ),
        ("APP14 not Adobe", app(14, b"NotAdobe", SECRET)),
        ("APP15", app(15, b"", SECRET)),
        ("comment", segment(0xFE, SECRET)),
        ("empty comment", segment(0xFE, b"")),
    ]
}

/// The same image cut into its segments, so metadata can be put anywhere.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Segments from after SOI to just before EOI; scans carry their entropy-coded data.
    pub units: Vec<Vec<u8>>,
    /// Index in `units` of the frame header.
    pub frame: usize,
    /// Indexes in `units` of the scans.
    pub scans: Vec<usize>,
}

impl Layout {
    pub fn of(jpeg: &[u8]) -> Self {
        let parsed = reference::parse(jpeg).expect("a base image parses");
        let units: Vec<Vec<u8>> = parsed
            .units
            .iter()
            .map(|u| u.bytes(jpeg).to_vec())
            .collect();
        let frame = parsed
            .units
            .iter()
            .position(|u| (0xC0..=0xC2).contains(&u.marker))
            .expect("a frame header");
        let scans = parsed
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.marker == 0xDA)
            .map(|(i, _)| i)
            .collect();
        Self {
            units,
            frame,
            scans,
        }
    }

    /// Inserts `segment` before unit `index`.
    pub fn insert(&mut self, index: usize, segment: Vec<u8>) {
        self.units.insert(index, segment);
        if self.frame >= index {
            self.frame += 1;
        }
        for s in &mut self.scans {
            if *s >= index {
                *s += 1;
            }
        }
    }

    pub fn assemble(&self, trailer: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        for unit in &self.units {
            out.extend_from_slice(unit);
        }
        out.extend_from_slice(&[0xFF, 0xD9]);
        out.extend_from_slice(trailer);
        out
    }
}

/// Where a metadata segment can be put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    AfterSoi,
    BeforeFrame,
    BeforeFirstScan,
    BetweenScans,
}

pub const POSITIONS: &[Position] = &[
    Position::AfterSoi,
    Position::BeforeFrame,
    Position::BeforeFirstScan,
    Position::BetweenScans,
];

impl Layout {
    /// Puts `segment` at `position`; `BetweenScans` needs a progressive image and otherwise
    /// returns false.
    pub fn put(&mut self, position: Position, segment: Vec<u8>) -> bool {
        let index = match position {
            Position::AfterSoi => 0,
            Position::BeforeFrame => self.frame,
            Position::BeforeFirstScan => self.scans[0],
            Position::BetweenScans if self.scans.len() > 1 => self.scans[1],
            Position::BetweenScans => return false,
        };
        self.insert(index, segment);
        true
    }
}

/// The shared corpus of real camera photos, from `EXIFSTRIP_CORPUS` or beside the repository.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("EXIFSTRIP_CORPUS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/corpus/exif-samples/jpg")
        },
        PathBuf::from,
    )
}

/// Every `.jpg` and `.jpeg` below `dir`, sorted.
pub fn jpeg_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}; set EXIFSTRIP_CORPUS", d.display()));
        for entry in entries {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Decodes to pixels with an independent decoder.
pub fn decode(jpeg: &[u8]) -> Result<Vec<u8>, String> {
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    decoder.decode().map_err(|e| e.to_string())
}

/// Whether `haystack` contains `needle`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
