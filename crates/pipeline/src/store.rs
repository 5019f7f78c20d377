//! Stores behind one interface: local folders, memory and S3-compatible buckets.
//!
//! Memory and S3 go through object_store. Local folders have their own small backend,
//! because publishing a folder needs guarantees object_store's `LocalFileSystem` does not
//! give: keys map to file names unchanged (object_store percent-decodes `%` sequences on
//! disk), symbolic links are never followed, staged writes are hidden files that no key can
//! name, and provenance lives outside the folder (see [`crate::provenance`]).

mod local;
mod object;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::ObjectStore;

use crate::error::{Error, Rejection};
use crate::provenance::Provenance;

pub(crate) use self::local::LocalFolder;
pub(crate) use self::object::ObjectBucket;

/// A folder or bucket of objects, cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Local(Arc<LocalFolder>),
    Object(Arc<ObjectBucket>),
}

/// An object's identity at one moment: what a later read or conditional write refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The key, relative to the store's root or prefix.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// The ETag; on a local folder, the file's inode, modification time and size.
    pub etag: Option<String>,
    /// The version id, on versioned buckets.
    pub version: Option<String>,
}

/// One entry of a listing.
#[derive(Debug)]
#[non_exhaustive]
pub enum Listed {
    /// An object that can be read.
    Object(ObjectInfo),
    /// Something found that can never be processed, such as a symbolic link in a local folder.
    Rejected {
        /// The key it would have.
        key: String,
        /// Why it is rejected.
        reason: Rejection,
    },
}

impl Listed {
    /// The entry's key.
    #[must_use]
    pub fn key(&self) -> &str {
        match self {
            Self::Object(info) => &info.key,
            Self::Rejected { key, .. } => key,
        }
    }
}

/// What [`Store::open`] found at a key.
pub(crate) enum Opened {
    /// No object.
    Absent,
    /// The object still has the ETag the caller named.
    Unchanged,
    /// The object as it is now, and its content in chunks.
    Object(ObjectInfo, BoxStream<'static, Result<Bytes, Error>>),
}

/// A destination object as it stands, with the provenance this tool recorded for it.
#[derive(Debug, Clone)]
pub(crate) struct Existing {
    pub(crate) info: ObjectInfo,
    pub(crate) provenance: Option<Provenance>,
}

impl Store {
    /// A local folder, created if missing. `state_dir`, when given, holds the provenance
    /// journal used when the folder is a destination; without it provenance lasts only as
    /// long as the process.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the folder cannot be created or its journal is locked by
    /// another process.
    pub fn local(root: impl AsRef<Path>, state_dir: Option<&Path>) -> Result<Self, Error> {
        let folder = LocalFolder::open(root.as_ref(), state_dir)?;
        Ok(Self {
            backend: Backend::Local(Arc::new(folder)),
        })
    }

    /// An empty in-memory store, for tests.
    #[must_use]
    pub fn memory() -> Self {
        Self::from_object_store(Arc::new(object_store::memory::InMemory::new()), "memory")
    }

    /// Any object_store implementation, named `label` in logs and errors.
    pub fn from_object_store(store: Arc<dyn ObjectStore>, label: &str) -> Self {
        Self {
            backend: Backend::Object(Arc::new(ObjectBucket::new(store, label))),
        }
    }

    /// The store's name in logs and errors: a folder path or a URL.
    #[must_use]
    pub fn label(&self) -> &str {
        match &self.backend {
            Backend::Local(folder) => folder.label(),
            Backend::Object(bucket) => bucket.label(),
        }
    }

    /// The root folder, for local stores.
    #[must_use]
    pub fn local_root(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Local(folder) => Some(folder.root()),
            Backend::Object(_) => None,
        }
    }

    /// The provenance journal's path, for local stores opened with a state folder.
    #[must_use]
    pub fn journal_path(&self) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local(folder) => folder.journal_path(),
            Backend::Object(_) => None,
        }
    }

    /// Every object whose key starts with `prefix` (empty for all, or a folder ending in
    /// `/`). Staging files of writes in progress are left out.
    ///
    /// # Errors
    ///
    /// A store or file error when the listing cannot be read.
    pub async fn list(&self, prefix: &str) -> Result<Vec<Listed>, Error> {
        match &self.backend {
            Backend::Local(folder) => folder.list(prefix).await,
            Backend::Object(bucket) => bucket.list(prefix).await,
        }
    }

    /// The object at `key`, or `None` when there is none.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] when `key` can never name an object here (on a local folder: an
    /// unsafe key, a symbolic link, not a regular file); a store error otherwise.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, Error> {
        match &self.backend {
            Backend::Local(folder) => folder.head(key),
            Backend::Object(bucket) => bucket.head(key).await,
        }
    }

    /// Reads a whole object, for tests and tools; `None` when absent.
    ///
    /// # Errors
    ///
    /// As [`Store::head`], and read errors.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, Error> {
        use futures::TryStreamExt;

        let Opened::Object(_, chunks) = self.open(key, None).await? else {
            return Ok(None);
        };
        let chunks: Vec<Bytes> = chunks.try_collect().await?;
        Ok(Some(chunks.concat().into()))
    }

    /// Writes `data` at `key` as it is, atomically, without provenance: for tests and tools
    /// that fill a source.
    ///
    /// # Errors
    ///
    /// An unsafe key on a local folder, or a write error.
    pub async fn put(&self, key: &str, data: Bytes) -> Result<(), Error> {
        match &self.backend {
            Backend::Local(folder) => folder.put(key, &data),
            Backend::Object(bucket) => bucket.put(key, data).await,
        }
    }

    /// Deletes the object at `key`; deleting nothing is not an error.
    ///
    /// # Errors
    ///
    /// An unsafe key on a local folder, or a delete error.
    pub async fn delete(&self, key: &str) -> Result<(), Error> {
        match &self.backend {
            Backend::Local(folder) => folder.delete(key),
            Backend::Object(bucket) => bucket.delete(key).await,
        }
    }

    /// The destination object at `key` with its recorded provenance.
    pub(crate) async fn existing(&self, key: &str) -> Result<Option<Existing>, Error> {
        match &self.backend {
            Backend::Local(folder) => folder.existing(key),
            Backend::Object(bucket) => bucket.existing(key).await,
        }
    }

    /// The object at `key` as it is now, with its content, in one request: `unless`, an ETag
    /// the caller already holds a result for, turns an object that still has it into
    /// [`Opened::Unchanged`] without reading it. The content stream ends with
    /// [`Error::Changed`] if the object changed while it was read.
    pub(crate) async fn open(&self, key: &str, unless: Option<&str>) -> Result<Opened, Error> {
        match &self.backend {
            Backend::Local(folder) => {
                let Some(info) = folder.head(key)? else {
                    return Ok(Opened::Absent);
                };
                if unless.is_some() && info.etag.as_deref() == unless {
                    return Ok(Opened::Unchanged);
                }
                let chunks = folder.read(&info)?;
                Ok(Opened::Object(info, chunks))
            }
            Backend::Object(bucket) => bucket.open(key, unless).await,
        }
    }

    /// Starts an atomic write at `key` that records `provenance`. `previous` is the
    /// destination object the write replaces (`None`: there must be none); stores with
    /// conditional writes refuse to replace anything else, with [`Error::Changed`].
    pub(crate) fn writer(
        &self,
        key: &str,
        provenance: Provenance,
        previous: Option<&ObjectInfo>,
    ) -> Result<Writer, Error> {
        match &self.backend {
            Backend::Local(folder) => {
                let writer = folder.writer(key, provenance, previous)?;
                Ok(Writer::Local(writer))
            }
            Backend::Object(bucket) => Ok(Writer::Object(bucket.writer(key, provenance, previous))),
        }
    }

    /// An empty buffer to gather an output of about `room` bytes in, for [`Writer::write`].
    pub(crate) fn buffer(&self, room: usize) -> Vec<u8> {
        match &self.backend {
            Backend::Local(_) => Vec::with_capacity(room),
            Backend::Object(bucket) => bucket.buffer(room),
        }
    }

    /// How many output bytes to gather before handing them to [`Writer::write`]: a file
    /// takes them in blocks; a bucket takes an object sent in one request whole, without
    /// copying it, and a larger one by the part.
    pub(crate) fn batch(&self) -> usize {
        match &self.backend {
            Backend::Local(_) => local::BLOCK,
            Backend::Object(_) => object::PART_SIZE,
        }
    }
}

/// A write in progress: invisible until [`Writer::finish`], gone after [`Writer::abort`].
#[derive(Debug)]
pub(crate) enum Writer {
    Local(local::LocalWriter),
    Object(object::ObjectWriter),
}

impl Writer {
    /// Appends `data`, leaving it empty; the first batch of a bucket write is taken over
    /// without a copy and `data` comes back without capacity.
    pub(crate) async fn write(&mut self, data: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            Self::Local(writer) => writer.write(data),
            Self::Object(writer) => writer.write(data).await,
        }
    }

    /// Makes the object visible under its key, whole.
    pub(crate) async fn finish(self) -> Result<(), Error> {
        match self {
            Self::Local(writer) => writer.finish(),
            Self::Object(writer) => writer.finish().await,
        }
    }

    /// Discards what was written; the destination stays as it was.
    pub(crate) async fn abort(self) {
        match self {
            Self::Local(writer) => writer.abort(),
            Self::Object(writer) => writer.abort().await,
        }
    }
}
