//! Backfill: bring a whole destination up to date with its source.

use std::collections::HashSet;
use std::sync::Arc;

use futures::StreamExt;

use crate::error::{Error, Operation};
use crate::process::{Outcome, Processor};
use crate::store::Listed;

/// How a sync runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOptions {
    /// Objects processed at once.
    pub concurrency: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self { concurrency: 8 }
    }
}

/// What a sync (or a watch) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects written.
    pub written: u64,
    /// Objects already up to date.
    pub up_to_date: u64,
    /// Destination objects deleted because their source is gone.
    pub deleted: u64,
    /// Destination objects without a source that exifstrip did not write, kept.
    pub kept: u64,
    /// Bytes read from the sources of written objects.
    pub bytes_in: u64,
    /// Bytes written.
    pub bytes_out: u64,
    /// Bad input, never copied, by key.
    pub rejected: Vec<Problem>,
    /// Failures that persisted through the retries, by key.
    pub failed: Vec<Problem>,
}

/// A key that was rejected or failed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key.
    pub key: String,
    /// What was wrong, for people.
    pub reason: String,
}

impl Summary {
    /// Whether nothing was rejected and nothing failed.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.rejected.is_empty() && self.failed.is_empty()
    }

    /// Counts one processed key.
    pub fn add(&mut self, key: &str, result: &Result<Outcome, Error>) {
        match result {
            Ok(Outcome::Written(written)) => {
                self.written += 1;
                self.bytes_in += written.bytes_in;
                self.bytes_out += written.bytes_out;
            }
            Ok(Outcome::UpToDate) => self.up_to_date += 1,
            Ok(Outcome::Deleted) => self.deleted += 1,
            Ok(Outcome::Kept) => self.kept += 1,
            Ok(_) => {}
            Err(error) => {
                let (list, reason) = match error.rejection() {
                    Some(reason) => (&mut self.rejected, reason.to_string()),
                    None => (&mut self.failed, error.to_string()),
                };
                list.push(Problem {
                    key: key.to_owned(),
                    reason,
                });
            }
        }
    }
}

/// Follows a sync's progress, for progress bars.
pub trait Observer: Send + Sync {
    /// The number of keys about to be processed.
    fn planned(&self, _keys: u64) {}

    /// One key's processing is about to start: it reads the source after this moment.
    fn started(&self, _key: &str) {}

    /// One key was processed.
    fn finished(&self, _key: &str, _result: &Result<Outcome, Error>) {}
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Observer for Quiet {}

/// Processes every selected source key and, with [`Options::delete`](crate::Options::delete),
/// every destination key whose source is gone, `concurrency` at a time. Up-to-date objects
/// cost a metadata request each and nothing more, so a second run right after the first
/// writes nothing.
///
/// # Errors
///
/// When either side cannot be listed. Failures of single objects are counted in the
/// [`Summary`] instead.
pub async fn sync(
    processor: &Arc<Processor>,
    options: SyncOptions,
    observer: &dyn Observer,
) -> Result<Summary, Error> {
    sync_prefix(processor, "", options, observer).await
}

/// [`sync`] restricted to keys starting with `prefix` (a folder ending in `/`).
///
/// # Errors
///
/// As [`sync`].
pub async fn sync_prefix(
    processor: &Arc<Processor>,
    prefix: &str,
    options: SyncOptions,
    observer: &dyn Observer,
) -> Result<Summary, Error> {
    sync_until(processor, prefix, options, observer, None).await
}

/// [`sync_prefix`] that starts no new key once `stop` turns true, and waits for the keys
/// in flight.
pub(crate) async fn sync_until(
    processor: &Arc<Processor>,
    prefix: &str,
    options: SyncOptions,
    observer: &dyn Observer,
    stop: Option<tokio::sync::watch::Receiver<bool>>,
) -> Result<Summary, Error> {
    let selector = &processor.options().selector;
    let (sources, destinations) = tokio::try_join!(
        processor.source().list(prefix),
        processor.destination().list(prefix)
    )?;

    let mut summary = Summary::default();
    let mut keys = Vec::new();
    let mut seen = HashSet::new();
    for entry in sources {
        if !selector.matches(entry.key()) {
            continue;
        }
        seen.insert(entry.key().to_owned());
        match entry {
            Listed::Object(info) => keys.push(info.key),
            Listed::Rejected { key, reason } => {
                tracing::warn!(key, outcome = "rejected", reason = %reason);
                let error = Error::rejected(processor.source().label(), &key, reason);
                let result = Err(error);
                observer.finished(&key, &result);
                summary.add(&key, &result);
            }
        }
    }
    if processor.options().delete {
        for entry in destinations {
            if let Listed::Object(info) = entry
                && selector.matches(&info.key)
                && !seen.contains(&info.key)
            {
                keys.push(info.key);
            }
        }
    }
    observer.planned(keys.len() as u64);

    let mut results = futures::stream::iter(keys)
        .take_while(|_| std::future::ready(!stop.as_ref().is_some_and(|stop| *stop.borrow())))
        .map(|key| {
            observer.started(&key);
            let processor = Arc::clone(processor);
            tokio::spawn(async move {
                let result = processor.process(&key, None).await;
                (key, result)
            })
        })
        .buffer_unordered(options.concurrency.max(1));
    while let Some(joined) = results.next().await {
        let (key, result) = joined.map_err(|e| {
            let label = processor.source().label();
            Error::io(label, prefix, Operation::List, std::io::Error::other(e))
        })?;
        observer.finished(&key, &result);
        summary.add(&key, &result);
    }
    summary.rejected.sort_by(|a, b| a.key.cmp(&b.key));
    summary.failed.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(summary)
}
