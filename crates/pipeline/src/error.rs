//! What went wrong with an object, classified by what the caller does next.

use std::fmt;

/// A failure to process, list or open something, with the bucket, key and operation.
///
/// [`Error::class`] tells the caller what to do: reject bad input for good, retry trouble
/// with the store, or stop and fix the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The source object is bad input: it is never copied to the destination and retrying
    /// cannot help.
    #[error("rejected `{key}` in {bucket}: {reason}")]
    Rejected {
        /// The store the object is in.
        bucket: String,
        /// The object's key.
        key: String,
        /// Why it was rejected.
        reason: Rejection,
    },

    /// A store operation failed.
    #[error("{} failed: {cause}", subject(*.operation, .bucket, .key))]
    Store {
        /// The store.
        bucket: String,
        /// The object's key, empty for a listing of the whole store.
        key: String,
        /// What was being done.
        operation: Operation,
        /// The store's error.
        cause: Box<object_store::Error>,
    },

    /// A file operation on a local folder failed.
    #[error("{} failed: {cause}", subject(*.operation, .bucket, .key))]
    Io {
        /// The folder.
        bucket: String,
        /// The file's key, relative to the folder.
        key: String,
        /// What was being done.
        operation: Operation,
        /// The operating system's error.
        cause: std::io::Error,
    },

    /// The object changed while it was processed (the source was overwritten during the read,
    /// or the destination was written by someone else); processing again picks up the newest
    /// version.
    #[error("`{key}` in {bucket} changed while it was being processed; it will be processed again")]
    Changed {
        /// The store where the change was seen.
        bucket: String,
        /// The object's key.
        key: String,
    },

    /// A location or setting cannot be used; nothing can work until it is fixed.
    #[error("cannot use {location}: {reason}")]
    Config {
        /// The location or setting as given.
        location: String,
        /// What is wrong and what to do.
        reason: String,
    },
}

/// What the caller does next with an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Class {
    /// Bad input: reject the object, never retry.
    Rejected,
    /// Network trouble, throttling, a server error or a concurrent change: retry with
    /// backoff.
    Transient,
    /// Configuration or permissions: retrying the same call fails again until someone fixes
    /// it; report it as failed.
    Permanent,
}

impl Error {
    /// How this error should be handled.
    #[must_use]
    pub fn class(&self) -> Class {
        match self {
            Self::Rejected { .. } => Class::Rejected,
            Self::Changed { .. } => Class::Transient,
            Self::Config { .. } => Class::Permanent,
            Self::Store { cause, .. } => match **cause {
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. }
                | object_store::Error::Generic { .. }
                | object_store::Error::JoinError { .. } => Class::Transient,
                _ => Class::Permanent,
            },
            Self::Io { cause, .. } => match cause.kind() {
                std::io::ErrorKind::PermissionDenied
                | std::io::ErrorKind::InvalidInput
                | std::io::ErrorKind::InvalidFilename
                | std::io::ErrorKind::ReadOnlyFilesystem
                | std::io::ErrorKind::Unsupported => Class::Permanent,
                _ => Class::Transient,
            },
        }
    }

    /// Whether retrying later may succeed.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        self.class() == Class::Transient
    }

    /// The reason for a rejection, if this is one.
    #[must_use]
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Self::Rejected { reason, .. } => Some(reason),
            _ => None,
        }
    }

    pub(crate) fn rejected(bucket: &str, key: &str, reason: Rejection) -> Self {
        Self::Rejected {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            reason,
        }
    }

    pub(crate) fn store(
        bucket: &str,
        key: &str,
        operation: Operation,
        cause: object_store::Error,
    ) -> Self {
        Self::Store {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            operation,
            cause: Box::new(cause),
        }
    }

    pub(crate) fn io(bucket: &str, key: &str, operation: Operation, cause: std::io::Error) -> Self {
        Self::Io {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            operation,
            cause,
        }
    }

    pub(crate) fn changed(bucket: &str, key: &str) -> Self {
        Self::Changed {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        }
    }
}

/// Why a source object is bad input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The content is not a JPEG this tool can rewrite (an HTML or SVG file named `.jpg`, a
    /// truncated or damaged image).
    #[error("{0}")]
    Jpeg(exifstrip_core::Error),

    /// The object is larger than the configured limit.
    #[error(
        "{size} bytes is over the limit of {limit} bytes; raise the limit with --max-size if \
         the photo is genuine"
    )]
    TooLarge {
        /// The object's size, or the bytes read when the limit was passed.
        size: u64,
        /// The limit.
        limit: u64,
    },

    /// The key cannot name a file safely inside a local folder.
    #[error("the key {0}; it is not mapped to a file")]
    UnsafeKey(&'static str),

    /// A symbolic link in a local folder: links are not followed, so that nothing outside the
    /// folder can be published.
    #[error(
        "is a symbolic link or lies under one; links are not followed so that nothing outside \
         the folder is published: copy the file itself instead"
    )]
    SymbolicLink,

    /// Something other than a regular file (a device, a socket, a folder named `.jpg`).
    #[error("is not a regular file")]
    NotAFile,

    /// A file name that is not valid UTF-8 has no object key.
    #[error("the file name is not valid UTF-8; rename it")]
    NotUtf8,
}

/// A store operation, named in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Listing keys.
    List,
    /// Reading an object's metadata.
    Inspect,
    /// Reading an object's content.
    Read,
    /// Writing an object.
    Write,
    /// Deleting an object.
    Delete,
}

/// What a store operation was done on: "listing s3://b", "reading `a.jpg` in s3://b".
fn subject(operation: Operation, bucket: &str, key: &str) -> String {
    if key.is_empty() {
        format!("{operation} {bucket}")
    } else {
        format!("{operation} `{key}` in {bucket}")
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::List => "listing",
            Self::Inspect => "inspecting",
            Self::Read => "reading",
            Self::Write => "writing",
            Self::Delete => "deleting",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Error, Operation};

    #[test]
    fn messages_name_the_key_or_the_whole_store() {
        let gone = || std::io::Error::from(std::io::ErrorKind::NotFound);
        let listing = Error::io("uploads", "", Operation::List, gone());
        assert_eq!(
            listing.to_string(),
            format!("listing uploads failed: {}", gone())
        );
        let reading = Error::io("uploads", "a/b.jpg", Operation::Read, gone());
        assert_eq!(
            reading.to_string(),
            format!("reading `a/b.jpg` in uploads failed: {}", gone())
        );
    }
}
