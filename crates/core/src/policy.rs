//! What the scrubber keeps besides the pixels.

/// Choices about the few metadata items that change how an image is displayed.
///
/// The default keeps both the ICC profile and the display orientation, so the stripped image
/// looks exactly like the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Keep APP2 `ICC_PROFILE` segments byte for byte. Without them colours shift on
    /// colour-managed displays when the profile is not sRGB.
    pub keep_icc: bool,
    /// When the Exif IFD0 orientation is 2 to 8, write a minimal Exif segment holding only
    /// that tag. Without it, portrait photos from most cameras and phones display sideways.
    pub keep_orientation: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            keep_icc: true,
            keep_orientation: true,
        }
    }
}

impl Policy {
    /// Removes everything but what decoding needs: no ICC profile, no orientation.
    #[must_use]
    pub fn strict() -> Self {
        Self {
            keep_icc: false,
            keep_orientation: false,
        }
    }

    /// Sets whether ICC profiles are kept.
    #[must_use]
    pub fn with_icc(self, keep_icc: bool) -> Self {
        Self { keep_icc, ..self }
    }

    /// Sets whether the display orientation is kept.
    #[must_use]
    pub fn with_orientation(self, keep_orientation: bool) -> Self {
        Self {
            keep_orientation,
            ..self
        }
    }
}
