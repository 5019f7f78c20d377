//! Mirror a folder or bucket of photos into another, every JPEG stripped of its privacy
//! metadata by `exifstrip-core`.
//!
//! Every photo in a source **A** appears in a destination **B** at the same key, stripped;
//! what is not a photo stays out of B. One step, [`Processor::process`], makes `B[key]`
//! equal to the stripped newest `A[key]`, or removes it when `A[key]` is gone. Front ends
//! call it: [`sync()`] for a backfill, [`watch()`] for a local folder's changes, and event
//! workers for bucket notifications.
//!
//! ```
//! use std::sync::Arc;
//!
//! use exifstrip_pipeline::{Options, Processor, Quiet, Store, SyncOptions, sync};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let source = Store::memory();
//! source.put("2024/not a photo.jpg", "<html>".into()).await?;
//! let destination = Store::memory();
//! let processor = Arc::new(Processor::new(source, destination.clone(), Options::default()));
//!
//! let summary = sync(&processor, SyncOptions::default(), &Quiet).await?;
//! assert_eq!(summary.rejected.len(), 1);
//! assert!(destination.get("2024/not a photo.jpg").await?.is_none());
//! # Ok::<(), exifstrip_pipeline::Error>(())
//! # }).unwrap();
//! ```
//!
//! Guarantees:
//!
//! - Only keys the [`Selector`] picks (`.jpg`, `.jpeg`, any case) are touched, on both sides.
//!   Their content must be a JPEG the core can rewrite; anything else is rejected and never
//!   copied, because B is meant to be published.
//! - Writes are atomic: readers of B see the old object or the new one, never a part.
//! - B objects get `Content-Type: image/jpeg` and exifstrip's provenance, nothing of A's
//!   user metadata or tags. The provenance makes repeated work a no-op and, with conditional
//!   writes, keeps a stale result from replacing a newer one ([`provenance`]).
//! - Failures are classified ([`Class`]): bad input is rejected once, trouble with a store is
//!   retried with backoff and jitter ([`Backoff`]).
//! - Keys are opaque and identical on both sides. In a local folder a key never reaches
//!   outside the folder and symbolic links are never followed ([`keys`]).
//!
//! Features: `s3` (default) adds S3 and S3-compatible stores through object_store.
//!
//! Not done here: reading bucket notifications (the `exifstrip-aws` consumers call
//! [`Processor::process`] with the event's [`SourceVersion`]), and watching buckets.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::future_not_send)]

mod error;
pub mod keys;
mod location;
mod process;
pub mod provenance;
mod retry;
mod store;
mod sync;
pub mod watch;

pub use crate::error::{Class, Error, Operation, Rejection};
pub use crate::keys::Selector;
pub use crate::location::Location;
#[cfg(feature = "s3")]
pub use crate::location::{S3Access, s3_settings};
pub use crate::process::{DEFAULT_MAX_SIZE, Options, Outcome, Processor, SourceVersion, Written};
pub use crate::retry::Backoff;
pub use crate::store::{Listed, ObjectInfo, Store};
pub use crate::sync::{Observer, Problem, Quiet, Summary, SyncOptions, sync, sync_prefix};
pub use crate::watch::{WatchOptions, watch};
