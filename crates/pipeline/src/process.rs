//! The processing step: make the destination's object equal the stripped source object.

use std::time::Instant;

use bytes::Bytes;
use exifstrip_core::{Policy, Scrubber};
use futures::StreamExt;
use futures::stream::BoxStream;

use crate::error::{Error, Rejection};
use crate::keys::Selector;
use crate::provenance::Provenance;
use crate::retry::{Backoff, retry};
use crate::store::{ObjectInfo, Opened, Store, Writer};

/// The default size limit: 256 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 256 * 1024 * 1024;

/// How objects are processed.
#[derive(Debug, Clone)]
pub struct Options {
    /// What the scrubber keeps besides the pixels.
    pub policy: Policy,
    /// Which keys are photos.
    pub selector: Selector,
    /// Objects larger than this are rejected, in bytes.
    pub max_size: u64,
    /// Delete a copy exifstrip wrote once its source is gone; when false it is kept, and
    /// counted as [`Outcome::Kept`].
    pub delete: bool,
    /// Retries of transient failures.
    pub backoff: Backoff,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            policy: Policy::default(),
            selector: Selector::default(),
            max_size: DEFAULT_MAX_SIZE,
            delete: true,
            backoff: Backoff::default(),
        }
    }
}

/// A source version named by an event (the AWS consumers pass the ETag or version id of the
/// S3 notification).
///
/// Processing always works from the source as it is now, so an event for an older version
/// is harmless: it costs two requests and finds the destination up to date, or brings it up
/// to the newest version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceVersion {
    /// The ETag the event names.
    pub etag: Option<String>,
    /// The version id the event names.
    pub version: Option<String>,
}

/// What processing a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The stripped source was written to the destination.
    Written(Written),
    /// The destination already holds the stripped current source.
    UpToDate,
    /// The source is gone, so its stripped copy was deleted.
    Deleted,
    /// The source is gone and the destination object was not written by exifstrip: kept.
    Kept,
    /// Neither side has the key.
    Absent,
    /// The key is not a photo by the selector; nothing was done.
    NotSelected,
}

/// One written object: its sizes and the source version it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The source version that was read, as the provenance written with the object records
    /// it.
    pub source: SourceVersion,
    /// Bytes read from the source.
    pub bytes_in: u64,
    /// Bytes written to the destination.
    pub bytes_out: u64,
    /// Segments removed by the scrubber.
    pub segments_removed: u64,
}

impl Outcome {
    /// A short name for logs.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Written(_) => "written",
            Self::UpToDate => "up_to_date",
            Self::Deleted => "deleted",
            Self::Kept => "kept",
            Self::Absent => "absent",
            Self::NotSelected => "not_selected",
        }
    }
}

/// Mirrors objects from a source store into a destination store, stripped.
#[derive(Debug)]
pub struct Processor {
    source: Store,
    destination: Store,
    options: Options,
    policy_tag: String,
}

impl Processor {
    /// A processor from `source` into `destination`.
    #[must_use]
    pub fn new(source: Store, destination: Store, options: Options) -> Self {
        let keep = |yes| if yes { "keep" } else { "drop" };
        let policy_tag = format!(
            "exifstrip {} icc={} orientation={}",
            env!("CARGO_PKG_VERSION"),
            keep(options.policy.keep_icc),
            keep(options.policy.keep_orientation)
        );
        Self {
            source,
            destination,
            options,
            policy_tag,
        }
    }

    /// The source store.
    #[must_use]
    pub fn source(&self) -> &Store {
        &self.source
    }

    /// The destination store.
    #[must_use]
    pub fn destination(&self) -> &Store {
        &self.destination
    }

    /// The options.
    #[must_use]
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Makes the destination's `key` hold the stripped current source object, or removes it
    /// when the source object is gone; retries transient failures and logs one outcome line.
    ///
    /// Keys not selected are left alone. Up-to-date objects are skipped by their recorded
    /// provenance. A destination object without provenance (not written by exifstrip) is
    /// replaced when the source has the key, and kept when it does not.
    ///
    /// Writes are atomic and conditional where the store allows: a result computed from an
    /// older source version never replaces one that another worker wrote meanwhile; the loser
    /// of such a race starts again from the current source. `expected` is the version an
    /// event named; see [`SourceVersion`].
    ///
    /// Cost: a metadata request on the destination, then one read of the source that is
    /// conditional on its ETag, so an up-to-date key costs two requests and no body. A stale
    /// key adds one streaming pass over the source, linear in its size, with memory bounded
    /// by a few hundred KiB (8 MiB per object on S3), and one write.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] for bad input, which is never copied: not a JPEG, damaged, too
    /// large, an unsafe key, a symbolic link. Store errors that persisted through the
    /// retries, or that retrying cannot fix. [`Error::class`] tells them apart.
    ///
    /// # Examples
    ///
    /// ```
    /// use exifstrip_pipeline::{Options, Outcome, Processor, Store};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (source, destination) = (Store::memory(), Store::memory());
    /// source.put("notes/readme.txt", "hello".into()).await?;
    /// source.put("a.jpg", "<svg/>".into()).await?;
    /// let processor = Processor::new(source, destination.clone(), Options::default());
    ///
    /// let outcome = processor.process("notes/readme.txt", None).await?;
    /// assert_eq!(outcome, Outcome::NotSelected);
    /// let error = processor.process("a.jpg", None).await.unwrap_err();
    /// assert!(error.rejection().is_some());
    /// assert!(destination.get("a.jpg").await?.is_none());
    /// # Ok::<(), exifstrip_pipeline::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn process(
        &self,
        key: &str,
        expected: Option<&SourceVersion>,
    ) -> Result<Outcome, Error> {
        let started = Instant::now();
        let result = retry(&self.options.backoff, key, || self.attempt(key, expected)).await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &result {
            Ok(Outcome::Written(written)) => tracing::info!(
                key,
                outcome = "written",
                bytes_in = written.bytes_in,
                bytes_out = written.bytes_out,
                segments_removed = written.segments_removed,
                elapsed_ms,
            ),
            Ok(outcome @ (Outcome::NotSelected | Outcome::Absent)) => {
                tracing::debug!(key, outcome = outcome.name(), elapsed_ms);
            }
            Ok(outcome) => tracing::info!(key, outcome = outcome.name(), elapsed_ms),
            Err(error) => {
                if let Some(reason) = error.rejection() {
                    tracing::warn!(key, outcome = "rejected", reason = %reason, elapsed_ms);
                } else {
                    tracing::error!(key, outcome = "failed", error = %error, elapsed_ms);
                }
            }
        }
        result
    }

    /// Whether the source's `key` still is `seen` (a version some processing read), or still
    /// absent when `seen` is `None`. One metadata request, retried like [`Processor::process`].
    ///
    /// A worker that shares its queue with others asks this after a write or a delete: if
    /// the source moved meanwhile, another round of processing is due.
    ///
    /// # Errors
    ///
    /// Store errors that persisted through the retries.
    pub async fn source_is(&self, key: &str, seen: Option<&SourceVersion>) -> Result<bool, Error> {
        let current = retry(&self.options.backoff, key, || self.source.head(key)).await?;
        Ok(match (current, seen) {
            (None, None) => true,
            (Some(current), Some(seen)) => {
                current.etag == seen.etag && current.version == seen.version
            }
            _ => false,
        })
    }

    /// One attempt of [`Processor::process`], without retries or logging.
    ///
    /// # Errors
    ///
    /// As [`Processor::process`], transient ones included.
    pub async fn attempt(
        &self,
        key: &str,
        expected: Option<&SourceVersion>,
    ) -> Result<Outcome, Error> {
        if !self.options.selector.matches(key) {
            return Ok(Outcome::NotSelected);
        }
        let existing = self.destination.existing(key).await?;
        let provenance = existing.as_ref().and_then(|e| e.provenance.as_ref());
        let ours = provenance.is_some();
        // A destination made by these rules from a source ETag needs no new copy while the
        // source keeps that ETag: the read below then comes back empty-handed.
        let unless = provenance
            .filter(|p| p.policy == self.policy_tag)
            .and_then(|p| p.source_etag.as_deref());

        let (source, chunks) = match self.source.open(key, unless).await? {
            Opened::Object(source, chunks) => (source, chunks),
            Opened::Unchanged => return Ok(Outcome::UpToDate),
            Opened::Absent if ours && self.options.delete => {
                self.destination.delete(key).await?;
                return Ok(Outcome::Deleted);
            }
            Opened::Absent if existing.is_some() => return Ok(Outcome::Kept),
            Opened::Absent => return Ok(Outcome::Absent),
        };
        if let Some(expected) = expected
            && (expected.etag.is_some() && expected.etag != source.etag
                || expected.version.is_some() && expected.version != source.version)
        {
            tracing::debug!(
                key,
                "the event names an older or newer version; using the current"
            );
        }

        let provenance = Provenance {
            source_etag: source.etag.clone(),
            source_version: source.version.clone(),
            policy: self.policy_tag.clone(),
        };
        let previous = existing.as_ref().map(|e| &e.info);
        let result = self.copy(&source, chunks, provenance, previous).await;
        // A source replaced by bad input must not leave its older photo published.
        if let Err(error) = &result
            && error.rejection().is_some()
            && ours
        {
            self.destination.delete(key).await?;
            tracing::info!(
                key,
                "the copy of the earlier version was deleted, as the new one is rejected"
            );
        }
        result.map(Outcome::Written)
    }

    /// Streams the source through the scrubber into a staged destination write.
    async fn copy(
        &self,
        source: &ObjectInfo,
        mut chunks: BoxStream<'static, Result<Bytes, Error>>,
        provenance: Provenance,
        previous: Option<&ObjectInfo>,
    ) -> Result<Written, Error> {
        let key = source.key.as_str();
        let reject = |reason| Error::rejected(self.source.label(), key, reason);
        let limit = self.options.max_size;
        if source.size > limit {
            return Err(reject(Rejection::TooLarge {
                size: source.size,
                limit,
            }));
        }

        let mut scrubber = Scrubber::new(self.options.policy);
        // Stripping only removes bytes, so the output fits in the source's size; a batch can
        // overshoot by up to one input chunk.
        let batch = self.destination.batch();
        let room = usize::try_from(source.size).map_or(2 * batch, |size| size.min(2 * batch));
        let mut out = self.destination.buffer(room);
        let mut writer: Option<Writer> = None;
        let target = Target {
            key,
            provenance: &provenance,
            previous,
        };
        let mut bytes_in = 0_u64;
        let mut bytes_out = 0_u64;
        let pumped = async {
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk?;
                bytes_in += chunk.len() as u64;
                if bytes_in > limit {
                    let size = bytes_in;
                    return Err(reject(Rejection::TooLarge { size, limit }));
                }
                scrubber
                    .push(&chunk, &mut out)
                    .map_err(|e| reject(Rejection::Jpeg(e)))?;
                if out.len() >= batch {
                    bytes_out += out.len() as u64;
                    self.write(&mut writer, &target, &mut out).await?;
                    out.reserve(batch);
                }
            }
            let report = scrubber.finish().map_err(|e| reject(Rejection::Jpeg(e)))?;
            bytes_out += out.len() as u64;
            self.write(&mut writer, &target, &mut out).await?;
            Ok(report)
        }
        .await;

        let report = match pumped {
            Ok(report) => report,
            Err(error) => {
                if let Some(writer) = writer {
                    writer.abort().await;
                }
                return Err(error);
            }
        };
        // `write` always leaves a writer behind it.
        if let Some(writer) = writer {
            writer.finish().await?;
        }
        Ok(Written {
            source: SourceVersion {
                etag: provenance.source_etag,
                version: provenance.source_version,
            },
            bytes_in,
            bytes_out,
            segments_removed: report.removed_segments,
        })
    }

    /// Hands `out` to the destination, starting the write to `target` on first use.
    async fn write(
        &self,
        writer: &mut Option<Writer>,
        target: &Target<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if writer.is_none() {
            let started =
                self.destination
                    .writer(target.key, target.provenance.clone(), target.previous)?;
            *writer = Some(started);
        }
        match writer {
            Some(writer) => writer.write(out).await,
            None => Ok(()),
        }
    }
}

/// Where a copy goes: the destination key, the provenance it records, and the object it may
/// replace.
struct Target<'a> {
    key: &'a str,
    provenance: &'a Provenance,
    previous: Option<&'a ObjectInfo>,
}
