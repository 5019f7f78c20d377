//! Where objects live, as given on a command line: a folder path, `file://`, `s3://` or
//! `memory://`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::store::Store;

/// A store location.
///
/// # Examples
///
/// ```
/// use exifstrip_pipeline::Location;
///
/// assert_eq!(
///     "s3://photos/uploads/2024".parse::<Location>()?,
///     Location::S3 { bucket: "photos".into(), prefix: "uploads/2024".into() }
/// );
/// assert_eq!("./bucket-a".parse::<Location>()?, Location::Local("./bucket-a".into()));
/// assert_eq!("file:///srv/a".parse::<Location>()?, Location::Local("/srv/a".into()));
/// # Ok::<(), exifstrip_pipeline::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// A local folder.
    Local(PathBuf),
    /// A fresh in-memory store (`memory://`), empty at every start: for tests.
    Memory,
    /// An S3 or S3-compatible bucket, with a key prefix that may be empty.
    S3 {
        /// The bucket's name.
        bucket: String,
        /// Keys are relative to this prefix, which has no leading or trailing `/`.
        prefix: String,
    },
}

impl std::str::FromStr for Location {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let config = |reason: &str| Error::Config {
            location: text.to_owned(),
            reason: reason.to_owned(),
        };
        let Some((scheme, _)) = text.split_once("://") else {
            if text.is_empty() {
                return Err(config("an empty path names no folder"));
            }
            return Ok(Self::Local(PathBuf::from(text)));
        };
        let url = url::Url::parse(text).map_err(|e| config(&format!("not a valid URL: {e}")))?;
        match scheme {
            "file" => url
                .to_file_path()
                .map(Self::Local)
                .map_err(|()| config("a file:// URL needs an absolute path")),
            "memory" => Ok(Self::Memory),
            "s3" => {
                let bucket = url.host_str().unwrap_or_default();
                if bucket.is_empty() {
                    return Err(config("an s3:// URL needs a bucket: s3://bucket/prefix"));
                }
                let prefix = url.path().trim_matches('/');
                let prefix = percent_decode(prefix)
                    .ok_or_else(|| config("the prefix is not valid UTF-8 once decoded"))?;
                Ok(Self::S3 {
                    bucket: bucket.to_owned(),
                    prefix,
                })
            }
            _ => Err(config(
                "unsupported scheme; use a folder path, file:///path, s3://bucket/prefix or \
                 memory://",
            )),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local(path) => write!(f, "{}", path.display()),
            Self::Memory => f.write_str("memory://"),
            Self::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Self::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

impl Location {
    /// Opens the store. `state_dir` is where a local destination keeps its provenance
    /// journal (see [`crate::provenance`]); other stores ignore it.
    ///
    /// S3 settings come from the standard AWS environment: `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, or web identity, container or instance
    /// credentials; `AWS_REGION` (default `us-east-1`); `AWS_ENDPOINT_URL` for S3-compatible
    /// servers, which are addressed path-style (plain `http://` endpoints are allowed).
    /// Profiles in `~/.aws/config` are not read here: [`Location::open_with`] takes
    /// credentials and a region from elsewhere.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the store cannot be set up: an uncreatable folder, a locked
    /// journal, an S3 build without the `s3` feature, bad S3 settings.
    pub fn open(&self, state_dir: Option<&Path>) -> Result<Store, Error> {
        match self {
            Self::Local(path) => Store::local(path, state_dir),
            Self::Memory => Ok(Store::memory()),
            #[cfg(feature = "s3")]
            Self::S3 { bucket, prefix } => self.open_s3(bucket, prefix, &S3Access::default()),
            #[cfg(not(feature = "s3"))]
            Self::S3 { bucket, prefix } => self.open_s3(bucket, prefix),
        }
    }

    /// Opens the store as [`Location::open`] does, an S3 store with `access` over what the
    /// environment says.
    ///
    /// # Errors
    ///
    /// As [`Location::open`].
    #[cfg(feature = "s3")]
    pub fn open_with(&self, state_dir: Option<&Path>, access: &S3Access) -> Result<Store, Error> {
        match self {
            Self::S3 { bucket, prefix } => self.open_s3(bucket, prefix, access),
            _ => self.open(state_dir),
        }
    }

    #[cfg(feature = "s3")]
    fn open_s3(&self, bucket: &str, prefix: &str, access: &S3Access) -> Result<Store, Error> {
        use std::sync::Arc;

        use object_store::ObjectStore;
        use object_store::aws::AmazonS3Builder;

        let config = |reason: String| Error::Config {
            location: self.to_string(),
            reason,
        };
        let plain_http = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .any(|url| url.starts_with("http://"));
        // `from_env` reads the rest, `AWS_REGION` over `AWS_DEFAULT_REGION` included.
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_allow_http(plain_http);
        if let Some(credentials) = &access.credentials {
            builder = builder.with_credentials(Arc::clone(credentials));
        }
        if let Some(region) = &access.region {
            builder = builder.with_region(region);
        }
        let s3 = s3_settings(builder)
            .build()
            .map_err(|e| config(e.to_string()))?;
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            let prefix = object_store::path::Path::parse(prefix)
                .map_err(|e| config(format!("the prefix is not a valid key prefix: {e}")))?;
            Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
        };
        Ok(Store::from_object_store(store, &self.to_string()))
    }

    #[cfg(not(feature = "s3"))]
    fn open_s3(&self, _bucket: &str, _prefix: &str) -> Result<Store, Error> {
        Err(Error::Config {
            location: self.to_string(),
            reason: "this build has no S3 support; rebuild with the `s3` feature".into(),
        })
    }
}

/// What an S3 store takes from its caller instead of from the environment, for
/// [`Location::open_with`]: the front ends pass what the AWS SDK's configuration resolved,
/// so that S3 and SQS authenticate alike.
#[cfg(feature = "s3")]
#[derive(Debug, Clone, Default)]
pub struct S3Access {
    /// Signs requests with credentials from this provider, in place of object_store's chain
    /// (environment, web identity, container, instance).
    pub credentials: Option<object_store::aws::AwsCredentialProvider>,
    /// The region, in place of `AWS_REGION`.
    pub region: Option<String>,
}

/// Decodes `%XX` escapes, as URLs carry them.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = (b == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        if let Some(decoded) = escaped {
            out.push(decoded);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The settings exifstrip puts on every S3 client, over what `builder` already holds from
/// the environment: a short retry layer, since `process` retries failed requests itself with
/// jitter; and uploads that carry a CRC-64/NVME checksum, which S3 verifies and keeps, in
/// place of a SHA-256 of the payload in the signature. That is how AWS's own SDKs upload by
/// default: the same protection against corruption at a small fraction of the CPU, and over
/// HTTPS TLS guards the bytes in transit either way. `AWS_UNSIGNED_PAYLOAD=false` and
/// `AWS_CHECKSUM_ALGORITHM` choose otherwise.
#[cfg(feature = "s3")]
#[must_use]
pub fn s3_settings(
    builder: object_store::aws::AmazonS3Builder,
) -> object_store::aws::AmazonS3Builder {
    use std::time::Duration;

    use object_store::RetryConfig;
    use object_store::aws::Checksum;

    let mut builder = builder.with_retry(RetryConfig {
        max_retries: 2,
        retry_timeout: Duration::from_secs(30),
        ..RetryConfig::default()
    });
    if std::env::var_os("AWS_UNSIGNED_PAYLOAD").is_none() {
        builder = builder.with_unsigned_payload(true);
    }
    if std::env::var_os("AWS_CHECKSUM_ALGORITHM").is_none() {
        builder = builder.with_checksum_algorithm(Checksum::CRC64NVME);
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locations() {
        let s3 = |bucket: &str, prefix: &str| Location::S3 {
            bucket: bucket.into(),
            prefix: prefix.into(),
        };
        assert_eq!("s3://b".parse::<Location>().unwrap(), s3("b", ""));
        assert_eq!("s3://b/".parse::<Location>().unwrap(), s3("b", ""));
        assert_eq!(
            "s3://b/a%20b/c/".parse::<Location>().unwrap(),
            s3("b", "a b/c")
        );
        assert_eq!("memory://".parse::<Location>().unwrap(), Location::Memory);
        assert_eq!(
            "/srv/my photos".parse::<Location>().unwrap(),
            Location::Local("/srv/my photos".into())
        );
        for bad in [
            "",
            "gs://b",
            "s3://",
            "file://relative",
            "http://example.com/x",
        ] {
            assert!(bad.parse::<Location>().is_err(), "{bad}");
        }
    }

    #[test]
    fn displays_as_given() {
        for text in ["s3://b/p/q", "s3://b", "memory://", "bucket-a"] {
            assert_eq!(text.parse::<Location>().unwrap().to_string(), text);
        }
    }
}
