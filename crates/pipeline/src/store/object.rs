//! Memory and S3-compatible buckets, through object_store.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{
    GetOptions, ObjectStore, ObjectStoreExt, PutMode, PutMultipartOptions, PutOptions,
    UpdateVersion, WriteMultipart,
};

use super::{Existing, Listed, ObjectInfo, Opened};
use crate::error::{Error, Operation, Rejection};
use crate::keys::is_staging_name;
use crate::provenance::Provenance;

/// Outputs up to this size are sent in one conditional PUT; larger ones in parts of this size.
pub(super) const PART_SIZE: usize = 8 * 1024 * 1024;

/// Parts uploaded at once for one large object.
const PARTS_IN_FLIGHT: usize = 2;

/// The most memory kept in spare output buffers.
const SPARE_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug)]
pub(crate) struct ObjectBucket {
    store: Arc<dyn ObjectStore>,
    label: String,
    spares: Arc<Mutex<Spares>>,
}

impl ObjectBucket {
    pub(crate) fn new(store: Arc<dyn ObjectStore>, label: &str) -> Self {
        Self {
            store,
            label: label.to_owned(),
            spares: Arc::default(),
        }
    }

    /// An empty buffer for an output of about `room` bytes, one a finished write left
    /// behind when there is one.
    pub(crate) fn buffer(&self, room: usize) -> Vec<u8> {
        let spare = lock(&self.spares).take();
        match spare {
            Some(mut buffer) => {
                buffer.reserve(room);
                buffer
            }
            None => Vec::with_capacity(room),
        }
    }

    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    pub(crate) async fn list(&self, prefix: &str) -> Result<Vec<Listed>, Error> {
        let error = |e| Error::store(&self.label, prefix, Operation::List, e);
        let folder = prefix.trim_end_matches('/');
        let path = if folder.is_empty() {
            None
        } else {
            Some(Path::parse(folder).map_err(|e| error(e.into()))?)
        };
        let mut listing = self.store.list(path.as_ref());
        let mut found = Vec::new();
        while let Some(meta) = listing.try_next().await.map_err(error)? {
            let key = meta.location.to_string();
            if is_staging_name(&key) || !key.starts_with(prefix) {
                continue;
            }
            found.push(Listed::Object(ObjectInfo {
                key,
                size: meta.size,
                etag: meta.e_tag,
                version: meta.version,
            }));
        }
        Ok(found)
    }

    pub(crate) async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, Error> {
        Ok(self.existing(key).await?.map(|existing| existing.info))
    }

    pub(crate) async fn existing(&self, key: &str) -> Result<Option<Existing>, Error> {
        let path = self.path(key)?;
        let options = GetOptions {
            head: true,
            ..GetOptions::default()
        };
        match self.store.get_opts(&path, options).await {
            Ok(result) => Ok(Some(Existing {
                provenance: Provenance::from_attributes(&result.attributes),
                info: ObjectInfo {
                    key: key.to_owned(),
                    size: result.meta.size,
                    etag: result.meta.e_tag,
                    version: result.meta.version,
                },
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(Error::store(&self.label, key, Operation::Inspect, e)),
        }
    }

    pub(crate) async fn open(&self, key: &str, unless: Option<&str>) -> Result<Opened, Error> {
        let path = self.path(key)?;
        let options = GetOptions {
            if_none_match: unless.map(str::to_owned),
            ..GetOptions::default()
        };
        let result = match self.store.get_opts(&path, options).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(Opened::Absent),
            Err(object_store::Error::NotModified { .. }) => return Ok(Opened::Unchanged),
            Err(e) => return Err(Error::store(&self.label, key, Operation::Read, e)),
        };
        let info = ObjectInfo {
            key: key.to_owned(),
            size: result.meta.size,
            etag: result.meta.e_tag.clone(),
            version: result.meta.version.clone(),
        };
        let (label, owned_key) = (self.label.clone(), key.to_owned());
        let chunks = result
            .into_stream()
            .map_err(move |e| Error::store(&label, &owned_key, Operation::Read, e))
            .boxed();
        Ok(Opened::Object(info, chunks))
    }

    pub(crate) async fn put(&self, key: &str, data: Bytes) -> Result<(), Error> {
        let path = self.path(key)?;
        self.store
            .put(&path, data.into())
            .await
            .map_err(|e| Error::store(&self.label, key, Operation::Write, e))?;
        Ok(())
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<(), Error> {
        let path = self.path(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(Error::store(&self.label, key, Operation::Delete, e)),
        }
    }

    pub(crate) fn writer(
        &self,
        key: &str,
        provenance: Provenance,
        previous: Option<&ObjectInfo>,
    ) -> ObjectWriter {
        let mode = match previous {
            Some(info) => PutMode::Update(UpdateVersion {
                e_tag: info.etag.clone(),
                version: info.version.clone(),
            }),
            None => PutMode::Create,
        };
        ObjectWriter {
            store: Arc::clone(&self.store),
            spares: Arc::clone(&self.spares),
            label: self.label.clone(),
            key: key.to_owned(),
            provenance,
            mode,
            buffer: Vec::new(),
            upload: None,
        }
    }

    fn path(&self, key: &str) -> Result<Path, Error> {
        Path::parse(key).map_err(|_| {
            Error::rejected(
                &self.label,
                key,
                Rejection::UnsafeKey("has an empty segment or a control character"),
            )
        })
    }
}

/// Buffers up to [`PART_SIZE`] and sends one conditional PUT; beyond that, switches to a
/// multipart upload, which becomes visible only when completed and is aborted on failure.
///
/// S3's multipart completion takes no condition through object_store, so an output over
/// [`PART_SIZE`] replaces the destination unconditionally; the provenance check before the
/// write still skips up-to-date objects.
pub(crate) struct ObjectWriter {
    store: Arc<dyn ObjectStore>,
    spares: Arc<Mutex<Spares>>,
    label: String,
    key: String,
    provenance: Provenance,
    mode: PutMode,
    buffer: Vec<u8>,
    upload: Option<WriteMultipart>,
}

impl std::fmt::Debug for ObjectWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectWriter")
            .field("label", &self.label)
            .field("key", &self.key)
            .field("buffered", &self.buffer.len())
            .field("multipart", &self.upload.is_some())
            .finish_non_exhaustive()
    }
}

impl ObjectWriter {
    pub(crate) async fn write(&mut self, data: &mut Vec<u8>) -> Result<(), Error> {
        if let Some(upload) = &mut self.upload {
            upload.write(data);
            data.clear();
            return upload
                .wait_for_capacity(PARTS_IN_FLIGHT)
                .await
                .map_err(|e| self.error(e));
        }
        if self.buffer.is_empty() {
            // The caller gathered the output in a buffer of its own: take it over.
            std::mem::swap(&mut self.buffer, data);
        } else {
            self.buffer.append(data);
        }
        if self.buffer.len() <= PART_SIZE {
            return Ok(());
        }

        let options = PutMultipartOptions {
            attributes: self.provenance.to_attributes(),
            ..PutMultipartOptions::default()
        };
        let path = Path::parse(&self.key).map_err(|e| self.error(e.into()))?;
        let upload = self
            .store
            .put_multipart_opts(&path, options)
            .await
            .map_err(|e| self.error(e))?;
        let mut upload = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        upload.write(&self.buffer);
        self.buffer = Vec::new();
        self.upload = Some(upload);
        Ok(())
    }

    pub(crate) async fn finish(self) -> Result<(), Error> {
        let path = Path::parse(&self.key).map_err(|e| self.error(e.into()))?;
        let result = if let Some(upload) = self.upload {
            upload.finish().await
        } else {
            let options = PutOptions {
                mode: self.mode.clone(),
                attributes: self.provenance.to_attributes(),
                ..PutOptions::default()
            };
            let output = Bytes::from(self.buffer);
            let result = self
                .store
                .put_opts(&path, output.clone().into(), options)
                .await;
            // Sent: the buffer is ours alone again unless a client still holds the request.
            if let Ok(mut buffer) = output.try_into_mut() {
                buffer.clear();
                lock(&self.spares).keep(buffer.into());
            }
            result
        };
        match result {
            Ok(_) => Ok(()),
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => Err(Error::changed(&self.label, &self.key)),
            Err(e) => Err(Error::store(&self.label, &self.key, Operation::Write, e)),
        }
    }

    pub(crate) async fn abort(self) {
        if let Some(upload) = self.upload {
            // A failed abort leaves parts that S3 lifecycle rules expire; nothing is visible.
            if let Err(e) = upload.abort().await {
                tracing::warn!(bucket = %self.label, key = %self.key, error = %e,
                    "could not abort a multipart upload; its parts stay until a lifecycle rule \
                     removes them");
            }
        }
    }

    fn error(&self, e: object_store::Error) -> Error {
        Error::store(&self.label, &self.key, Operation::Write, e)
    }
}

/// Output buffers of finished writes, kept for the next ones. Photos need buffers of about
/// their own size, a few megabytes each, which the system allocator hands back to the kernel
/// when they are freed; a fresh one then costs a page fault for every 4 KiB written into it.
#[derive(Debug, Default)]
struct Spares {
    buffers: Vec<Vec<u8>>,
    /// The capacity of `buffers`, together.
    bytes: usize,
}

impl Spares {
    fn take(&mut self) -> Option<Vec<u8>> {
        let buffer = self.buffers.pop()?;
        self.bytes -= buffer.capacity();
        Some(buffer)
    }

    fn keep(&mut self, buffer: Vec<u8>) {
        if self.bytes + buffer.capacity() <= SPARE_BYTES {
            self.bytes += buffer.capacity();
            self.buffers.push(buffer);
        }
    }
}

/// The spare buffers: a panic elsewhere cannot leave them in a harmful state.
fn lock(spares: &Mutex<Spares>) -> std::sync::MutexGuard<'_, Spares> {
    spares.lock().unwrap_or_else(PoisonError::into_inner)
}
