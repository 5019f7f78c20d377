//! JPEG markers as defined in ITU T.81 Table B.1, with the names used in errors and reports.

use std::fmt;

/// The second byte of a JPEG marker (the first is always `0xFF`).
///
/// `Display` prints the name from ITU T.81 Table B.1 (`SOI`, `APP1`, `SOF2`, `RST3`), or the
/// hexadecimal code for reserved markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Marker(pub u8);

impl Marker {
    /// Baseline DCT frame (T.81 B.1.1.3).
    pub const SOF0: Marker = Marker(0xC0);
    /// Define Huffman tables (T.81 B.2.4.2).
    pub const DHT: Marker = Marker(0xC4);
    /// Reserved for JPEG extensions; not a frame header although it sits among them.
    pub const JPG: Marker = Marker(0xC8);
    /// Define arithmetic coding conditioning (T.81 B.2.4.3).
    pub const DAC: Marker = Marker(0xCC);
    /// First restart marker, RST0 (T.81 B.2.1); RST0 to RST7 are `0xD0..=0xD7`.
    pub const RST0: Marker = Marker(0xD0);
    /// Last restart marker, RST7.
    pub const RST7: Marker = Marker(0xD7);
    /// Start of image (T.81 B.2.1).
    pub const SOI: Marker = Marker(0xD8);
    /// End of image (T.81 B.2.1).
    pub const EOI: Marker = Marker(0xD9);
    /// Start of scan (T.81 B.2.3).
    pub const SOS: Marker = Marker(0xDA);
    /// Define quantisation tables (T.81 B.2.4.1).
    pub const DQT: Marker = Marker(0xDB);
    /// Define number of lines (T.81 B.2.5).
    pub const DNL: Marker = Marker(0xDC);
    /// Define restart interval (T.81 B.2.4.4).
    pub const DRI: Marker = Marker(0xDD);
    /// Define hierarchical progression (T.81 B.3.2).
    pub const DHP: Marker = Marker(0xDE);
    /// Expand reference components (T.81 B.3.3).
    pub const EXP: Marker = Marker(0xDF);
    /// APP0: JFIF and JFXX (JFIF 1.02), among others.
    pub const APP0: Marker = Marker(0xE0);
    /// APP1: Exif and XMP, among others.
    pub const APP1: Marker = Marker(0xE1);
    /// APP2: ICC profile (ICC.1 Annex B.4), MPF, FlashPix.
    pub const APP2: Marker = Marker(0xE2);
    /// APP11: JPEG XT and JUMBF boxes (C2PA manifests).
    pub const APP11: Marker = Marker(0xEB);
    /// APP13: Photoshop image resources, which carry IPTC.
    pub const APP13: Marker = Marker(0xED);
    /// APP14: Adobe colour transform (Adobe Technical Note 5116).
    pub const APP14: Marker = Marker(0xEE);
    /// APP15, the last application segment.
    pub const APP15: Marker = Marker(0xEF);
    /// Comment (T.81 B.2.4.5).
    pub const COM: Marker = Marker(0xFE);
    /// Temporary marker for arithmetic coding (T.81 B.1.1.3); stands alone.
    pub const TEM: Marker = Marker(0x01);

    /// Whether this is a start-of-frame marker, SOF0 to SOF15 except DHT, JPG and DAC
    /// (T.81 Table B.1).
    #[must_use]
    pub fn is_sof(self) -> bool {
        matches!(self.0, 0xC0..=0xCF) && self != Self::DHT && self != Self::JPG && self != Self::DAC
    }

    /// Whether this is one of the restart markers RST0 to RST7.
    #[must_use]
    pub fn is_rst(self) -> bool {
        (Self::RST0.0..=Self::RST7.0).contains(&self.0)
    }

    /// Whether this is an application segment, APP0 to APP15.
    #[must_use]
    pub fn is_app(self) -> bool {
        (Self::APP0.0..=Self::APP15.0).contains(&self.0)
    }

    /// The `n` of APPn, for application markers.
    #[must_use]
    pub fn app_number(self) -> Option<u8> {
        self.is_app().then(|| self.0 - Self::APP0.0)
    }
}

impl fmt::Display for Marker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match *self {
            Self::DHT => "DHT",
            Self::JPG => "JPG",
            Self::DAC => "DAC",
            Self::SOI => "SOI",
            Self::EOI => "EOI",
            Self::SOS => "SOS",
            Self::DQT => "DQT",
            Self::DNL => "DNL",
            Self::DRI => "DRI",
            Self::DHP => "DHP",
            Self::EXP => "EXP",
            Self::COM => "COM",
            Self::TEM => "TEM",
            m if m.is_sof() => return write!(f, "SOF{}", m.0 - Self::SOF0.0),
            m if m.is_rst() => return write!(f, "RST{}", m.0 - Self::RST0.0),
            m if m.is_app() => return write!(f, "APP{}", m.0 - Self::APP0.0),
            m => return write!(f, "marker 0x{:02X}", m.0),
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_table_b1() {
        assert_eq!(Marker(0xC2).to_string(), "SOF2");
        assert_eq!(Marker(0xCF).to_string(), "SOF15");
        assert_eq!(Marker(0xC4).to_string(), "DHT");
        assert_eq!(Marker(0xD3).to_string(), "RST3");
        assert_eq!(Marker(0xED).to_string(), "APP13");
        assert_eq!(Marker(0xF7).to_string(), "marker 0xF7");
    }

    #[test]
    fn sof_excludes_tables_and_jpg() {
        let sofs: Vec<u8> = (0u8..=255).filter(|&b| Marker(b).is_sof()).collect();
        assert_eq!(sofs.len(), 13);
        assert!(!Marker::DHT.is_sof() && !Marker::JPG.is_sof() && !Marker::DAC.is_sof());
    }
}
