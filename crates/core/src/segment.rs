//! Telling application segments apart by the identifier at the start of their payload.

use crate::marker::Marker;
use crate::report::Kind;

/// APP0 JFIF identifier (JFIF 1.02, section "JPEG File Interchange Format").
pub(crate) const JFIF: &[u8] = b"JFIF\0";
/// APP0 JFIF extension identifier (JFIF 1.02, "JFIF Extension APP0 Marker Segment").
const JFXX: &[u8] = b"JFXX\0";
/// APP1 XMP packet namespace (XMP Specification Part 3, 1.1.3).
const XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// APP1 extended XMP namespace (XMP Specification Part 3, 1.1.3.1).
const XMP_EXTENDED: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
/// APP2 ICC profile chunk identifier (ICC.1:2010 Annex B.4).
pub(crate) const ICC: &[u8] = b"ICC_PROFILE\0";
/// APP2 Multi-Picture Format identifier (CIPA DC-007 5.2).
const MPF: &[u8] = b"MPF\0";
/// APP2 FlashPix extension identifier.
const FPXR: &[u8] = b"FPXR\0";
/// APP13 Photoshop image resources identifier.
const PHOTOSHOP: &[u8] = b"Photoshop 3.0\0";
/// APP14 Adobe identifier (Adobe Technical Note 5116, "Adobe Application-Specific JPEG Marker").
pub(crate) const ADOBE: &[u8] = b"Adobe";

/// JFIF payload: identifier, version (2), units (1), densities (2 + 2), thumbnail size (1 + 1).
pub(crate) const JFIF_PAYLOAD_LEN: usize = 14;
/// ICC chunk payload header: identifier, sequence number (1), chunk count (1).
pub(crate) const ICC_HEADER_LEN: usize = 14;
/// Adobe payload: identifier, version (2), flags0 (2), flags1 (2), transform (1).
pub(crate) const ADOBE_PAYLOAD_LEN: usize = 12;

/// What an APPn or COM segment is, from its marker and the start of its payload.
pub(crate) fn classify(marker: Marker, payload: &[u8]) -> Kind {
    let is = |id: &[u8]| payload.starts_with(id);
    match marker {
        Marker::COM => Kind::Comment,
        Marker::APP0 if is(JFIF) => Kind::Jfif,
        Marker::APP0 if is(JFXX) => Kind::Jfxx,
        Marker::APP1 if is(crate::exif::IDENTIFIER) => Kind::Exif,
        Marker::APP1 if is(XMP) => Kind::Xmp,
        Marker::APP1 if is(XMP_EXTENDED) => Kind::XmpExtended,
        Marker::APP2 if is(ICC) => Kind::Icc,
        Marker::APP2 if is(MPF) => Kind::Mpf,
        Marker::APP2 if is(FPXR) => Kind::FlashPix,
        Marker::APP13 if is(PHOTOSHOP) => Kind::Photoshop,
        Marker::APP14 if is(ADOBE) => Kind::Adobe,
        m => Kind::App(m.app_number().unwrap_or_default()),
    }
}

/// A JFIF APP0 segment carrying `payload`'s version, units and densities, with the thumbnail
/// size set to 0 × 0 and no thumbnail bytes. `payload` must hold [`JFIF_PAYLOAD_LEN`] bytes.
pub(crate) fn jfif_without_thumbnail(payload: &[u8]) -> Option<[u8; 18]> {
    let fields: &[u8; 7] = payload.get(JFIF.len()..JFIF.len() + 7)?.try_into().ok()?;
    let mut segment = [0; 18];
    segment[..4].copy_from_slice(&[0xFF, Marker::APP0.0, 0x00, 0x10]);
    segment[4..9].copy_from_slice(JFIF);
    segment[9..16].copy_from_slice(fields);
    Some(segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_need_the_right_marker() {
        assert_eq!(classify(Marker::APP1, b"Exif\0\0MM"), Kind::Exif);
        assert_eq!(classify(Marker::APP2, b"Exif\0\0MM"), Kind::App(2));
        assert_eq!(classify(Marker::APP2, b"ICC_PROFILE\0\x01\x01"), Kind::Icc);
        assert_eq!(classify(Marker::APP14, b"Adobe\0\x64"), Kind::Adobe);
        assert_eq!(classify(Marker::APP13, b"Photoshop 3.0\0"), Kind::Photoshop);
        assert_eq!(classify(Marker::APP11, b"JP"), Kind::App(11));
        assert_eq!(classify(Marker::COM, b"JFIF\0"), Kind::Comment);
    }

    #[test]
    fn jfif_rewrite_drops_thumbnail() {
        let mut payload = b"JFIF\0\x01\x02\x01\x00\x48\x00\x48\x02\x01".to_vec();
        payload.extend_from_slice(&[0xAB; 6]);
        let seg = jfif_without_thumbnail(&payload).unwrap();
        assert_eq!(&seg[9..16], b"\x01\x02\x01\x00\x48\x00\x48");
        assert_eq!(&seg[16..], &[0, 0]);
        assert_eq!(u16::from_be_bytes([seg[2], seg[3]]) as usize + 2, seg.len());
    }
}
