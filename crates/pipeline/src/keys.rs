//! Object keys: which ones are photos, and which ones may name a file in a local folder.
//!
//! Keys are opaque strings. The same key names the source object and its stripped copy:
//! nested paths, spaces, `+`, `%` and any Unicode pass through unchanged. Only a local folder
//! adds rules, so that a key can never name a file outside the folder.

use crate::error::Rejection;

/// Which keys are photos to strip: by default those ending in `.jpg` or `.jpeg`, in any letter
/// case. Other keys are left alone on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    suffixes: Vec<String>,
}

impl Default for Selector {
    fn default() -> Self {
        Self::from_suffixes([".jpg", ".jpeg"])
    }
}

impl Selector {
    /// Selects keys ending in any of `suffixes`, compared without regard to ASCII case.
    ///
    /// # Examples
    ///
    /// ```
    /// use exifstrip_pipeline::Selector;
    ///
    /// let selector = Selector::from_suffixes([".jpg", ".jfif"]);
    /// assert!(selector.matches("2024/Summer Trip/IMG 1.JPG"));
    /// assert!(!selector.matches("index.html"));
    /// ```
    pub fn from_suffixes<S: Into<String>>(suffixes: impl IntoIterator<Item = S>) -> Self {
        let suffixes = suffixes
            .into_iter()
            .map(|s| s.into().to_ascii_lowercase())
            .collect();
        Self { suffixes }
    }

    /// Whether `key` is selected. Staging files of writers in progress never are.
    #[must_use]
    pub fn matches(&self, key: &str) -> bool {
        if is_staging_name(key) {
            return false;
        }
        let bytes = key.as_bytes();
        self.suffixes.iter().any(|suffix| {
            bytes.len() > suffix.len()
                && bytes[bytes.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
        })
    }
}

/// Whether the last part of `key` is a file some writer is still staging: `.exifstrip-*`
/// (ours), or object_store's `<name>#<digits>`. Such files are never read or listed.
#[must_use]
pub fn is_staging_name(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    if name.starts_with(STAGING_PREFIX) {
        return true;
    }
    match name.rsplit_once('#') {
        Some((_, digits)) => !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

/// Prefix of the hidden files a local destination stages its writes in.
pub(crate) const STAGING_PREFIX: &str = ".exifstrip-";

/// The longest name most Linux filesystems accept for one path component, in bytes.
const NAME_MAX: usize = 255;

/// Checks that `key` names a file strictly inside a local folder: relative, made of
/// `/`-separated non-empty names other than `.` and `..`, without NUL, backslashes or other
/// control characters, each name at most 255 bytes.
///
/// # Errors
///
/// [`Rejection::UnsafeKey`] saying which rule the key breaks.
pub fn check_local_key(key: &str) -> Result<(), Rejection> {
    if key.is_empty() {
        return Err(Rejection::UnsafeKey("is empty"));
    }
    if key.starts_with('/') {
        return Err(Rejection::UnsafeKey("is an absolute path"));
    }
    if key.contains('\0') {
        return Err(Rejection::UnsafeKey("contains a NUL byte"));
    }
    if key.contains('\\') {
        return Err(Rejection::UnsafeKey("contains a backslash"));
    }
    if key.chars().any(char::is_control) {
        return Err(Rejection::UnsafeKey("contains a control character"));
    }
    for part in key.split('/') {
        match part {
            "" => return Err(Rejection::UnsafeKey("has an empty path segment")),
            "." | ".." => return Err(Rejection::UnsafeKey("has a `.` or `..` segment")),
            _ if part.len() > NAME_MAX => {
                return Err(Rejection::UnsafeKey("has a segment over 255 bytes"));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_jpeg_names_in_any_case() {
        let selector = Selector::default();
        for key in ["a.jpg", "b/C.JPEG", "x y/é+%20.JpG", "dir.jpg/file.jpeg"] {
            assert!(selector.matches(key), "{key}");
        }
        for key in [
            ".jpg",
            "a.png",
            "a.jpg.html",
            "a.jpg#3",
            "d/.exifstrip-1-2.jpg",
            "jpg",
        ] {
            assert!(!selector.matches(key), "{key}");
        }
    }

    #[test]
    fn staging_names() {
        assert!(is_staging_name("a/b.jpg#12"));
        assert!(is_staging_name(".exifstrip-7-1.partial"));
        assert!(!is_staging_name("a#b.jpg"));
        assert!(!is_staging_name("a.jpg#"));
    }

    #[test]
    fn local_keys_stay_inside() {
        for key in ["a.jpg", "a b/c+d/%41/é.jpg", "..a.jpg", "a../b.jpg"] {
            assert!(check_local_key(key).is_ok(), "{key}");
        }
        let long = "x".repeat(256);
        for key in [
            "",
            "/etc/passwd.jpg",
            "../a.jpg",
            "a/../../b.jpg",
            "a/./b.jpg",
            "a//b.jpg",
            "a\\..\\b.jpg",
            "a\0.jpg",
            "a\n.jpg",
            "a/",
            long.as_str(),
        ] {
            assert!(check_local_key(key).is_err(), "{key:?}");
        }
    }
}
