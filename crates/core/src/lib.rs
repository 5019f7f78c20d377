//! Lossless removal of privacy metadata from JPEG files.
//!
//! A JPEG is a sequence of marker segments (ITU T.81 Annex B). Photos carry GPS positions,
//! camera serial numbers, owner names, dates and thumbnails of the uncropped original in
//! application segments, comments and bytes appended after the image. This crate rewrites that
//! structure and keeps only what displaying the image needs; it never decodes or re-encodes
//! pixels, so the entropy-coded data comes out byte for byte.
//!
//! Kept: SOI; DQT, DHT, DAC, SOFn, DRI, DHP, EXP, SOS, DNL and all entropy-coded data (restart
//! markers and byte stuffing included, every scan of a progressive image); the first Adobe
//! APP14 segment unchanged; ICC profile chunks unchanged (see [`Policy`]); the first JFIF APP0
//! without its thumbnail; EOI.
//!
//! Removed: Exif, XMP and extended XMP (APP1), MPF and FlashPix (APP2), Photoshop and IPTC
//! (APP13), every other application segment (APP3 to APP15, JUMBF and vendor data included),
//! comments, JFXX thumbnails, and every byte after the primary image's EOI (secondary
//! images, vendor trailers, appended archives). When the Exif IFD0 orientation is 2 to 8, a
//! 36-byte Exif segment holding only that tag takes the original's place, so the image is
//! displayed the same way.
//!
//! ```
//! use exifstrip_core::{strip, Policy};
//!
//! let photo = [
//!     0xFF, 0xD8, 0xFF, 0xFE, 0, 5, b'h', b'i', b'!', 0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1,
//!     0x11, 0, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9, b'z', b'i', b'p',
//! ];
//! let stripped = strip(&photo, Policy::default())?;
//! assert!(!stripped.image.windows(3).any(|w| w == b"hi!"));
//! assert!(stripped.image.ends_with(&[0xFF, 0xD9]));
//! assert_eq!(stripped.report.trailer_bytes, 3);
//! # Ok::<(), exifstrip_core::Error>(())
//! ```
//!
//! Use [`Scrubber`] to stream: memory stays bounded by one marker segment (64 KiB) whatever
//! the image size. Every input is either rewritten or rejected with an [`Error`] that gives
//! the byte offset of the fault; no input makes this crate panic, loop or allocate more than
//! that bound.
//!
//! Not done here: reading or writing files (see the `exifstrip` command), applying the
//! orientation to the pixels, and formats other than JPEG.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod error;
mod exif;
mod io;
mod marker;
mod policy;
mod report;
mod scrubber;
mod segment;

pub use crate::error::{Error, HexBytes, Truncation};
pub use crate::io::{StreamError, strip_stream};
pub use crate::marker::Marker;
pub use crate::policy::Policy;
pub use crate::report::{Action, Frame, Kind, MAX_RECORDS, MAX_WARNINGS, Record, Report, Warning};
pub use crate::scrubber::{MAX_FILL_RUN, Scrubber};

/// A stripped image with the account of what was removed.
#[derive(Clone, PartialEq, Eq)]
pub struct Stripped {
    /// The rewritten JPEG.
    pub image: Vec<u8>,
    /// What was kept, rewritten and removed.
    pub report: Report,
}

impl std::fmt::Debug for Stripped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stripped")
            .field("image", &format_args!("{} bytes", self.image.len()))
            .field("report", &self.report)
            .finish()
    }
}

/// Strips a whole JPEG held in memory. One pass, linear in the input's length.
///
/// # Errors
///
/// An [`Error`] when `input` is not a complete JPEG that can be rewritten: see its variants.
pub fn strip(input: &[u8], policy: Policy) -> Result<Stripped, Error> {
    let mut scrubber = Scrubber::new(policy);
    let mut image = Vec::with_capacity(input.len());
    scrubber.push(input, &mut image)?;
    let report = scrubber.finish()?;
    Ok(Stripped { image, report })
}
