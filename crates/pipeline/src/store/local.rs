//! A local folder as a store: keys are relative paths, unchanged.
//!
//! Files are read and written with plain blocking calls on the runtime's threads: on a local
//! disk each takes microseconds, and handing every one to tokio's blocking pool cost more than
//! the work itself (`scripts/bench/sync.sh` ran about 1.5x slower that way). Listing, which
//! walks a whole tree, still runs on the blocking pool.

use std::fs::Metadata;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use std::io::{Read, Write};

use super::{Existing, Listed, ObjectInfo};
use crate::error::{Error, Operation, Rejection};
use crate::keys::{STAGING_PREFIX, check_local_key, is_staging_name};
use crate::provenance::{Entry, Journal, Provenance};

/// Bytes read from a file at a time.
const READ_CHUNK: usize = 256 * 1024;

/// Output bytes gathered before they are written to a staging file.
pub(super) const BLOCK: usize = 256 * 1024;

/// How many folders staging files are spread over.
const STAGING_FOLDERS: u64 = 16;

/// Numbers the staging files of this process.
static STAGED: AtomicU64 = AtomicU64::new(0);

#[derive(Debug)]
pub(crate) struct LocalFolder {
    root: PathBuf,
    label: String,
    journal: Option<Journal>,
    /// Where writes are staged: a folder beside the journal when it is on the same
    /// filesystem (so nothing partial ever appears in the folder), else `None`, and each
    /// write is staged in a hidden file beside its target.
    staging: Option<PathBuf>,
    /// Provenance for this process only, when no state folder was given.
    memory: std::sync::Mutex<std::collections::HashMap<String, Entry>>,
}

impl LocalFolder {
    pub(crate) fn open(root: &Path, state_dir: Option<&Path>) -> Result<Self, Error> {
        let label = root.display().to_string();
        let config = |reason: String| Error::Config {
            location: label.clone(),
            reason,
        };
        std::fs::create_dir_all(root).map_err(|e| config(format!("cannot create it: {e}")))?;
        let root = std::fs::canonicalize(root)
            .map_err(|e| config(format!("cannot resolve the folder's path: {e}")))?;
        if !root.is_dir() {
            return Err(config("is not a folder".into()));
        }
        let journal = state_dir
            .map(|dir| Journal::open(dir, &label))
            .transpose()?;
        // The journal's lock is held, so staged files left there are from a crashed run.
        let staging = state_dir
            .map(|dir| dir.join("staging"))
            .filter(|staging| prepare_staging(staging, &root));
        Ok(Self {
            root,
            label,
            journal,
            staging,
            memory: std::sync::Mutex::default(),
        })
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    pub(crate) fn journal_path(&self) -> Option<PathBuf> {
        self.journal.as_ref().map(|j| j.path().to_path_buf())
    }

    pub(crate) async fn list(&self, prefix: &str) -> Result<Vec<Listed>, Error> {
        let root = self.root.clone();
        let label = self.label.clone();
        let prefix = prefix.to_owned();
        let task = tokio::task::spawn_blocking(move || walk(&root, &label, &prefix));
        task.await
            .map_err(|e| Error::io(&self.label, "", Operation::List, std::io::Error::other(e)))?
    }

    pub(crate) fn head(&self, key: &str) -> Result<Option<ObjectInfo>, Error> {
        let Some(path) = self.resolve(key)? else {
            return Ok(None);
        };
        let metadata = match std::fs::symlink_metadata(&path) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&self.label, key, Operation::Inspect, e)),
        };
        if metadata.is_symlink() {
            return Err(Error::rejected(&self.label, key, Rejection::SymbolicLink));
        }
        if !metadata.is_file() {
            return Err(Error::rejected(&self.label, key, Rejection::NotAFile));
        }
        Ok(Some(info(key, &metadata)))
    }

    pub(crate) fn existing(&self, key: &str) -> Result<Option<Existing>, Error> {
        let Some(info) = self.head(key)? else {
            return Ok(None);
        };
        let entry = match &self.journal {
            Some(journal) => journal.get(key),
            None => self.memory().get(key).cloned(),
        };
        let provenance = entry
            .filter(|entry| Some(&entry.stamp) == info.etag.as_ref())
            .map(|entry| entry.provenance);
        Ok(Some(Existing { info, provenance }))
    }

    pub(crate) fn read(
        &self,
        info: &ObjectInfo,
    ) -> Result<BoxStream<'static, Result<Bytes, Error>>, Error> {
        let key = info.key.clone();
        let Some(path) = self.resolve(&key)? else {
            return Err(Error::changed(&self.label, &key));
        };
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(Error::changed(&self.label, &key));
            }
            Err(e) => return Err(Error::io(&self.label, &key, Operation::Read, e)),
        };
        let reader = Reader {
            file,
            remaining: info.size,
            label: self.label.clone(),
            key,
            expected: info.etag.clone(),
            done: false,
        };
        Ok(futures::stream::unfold(reader, |reader| std::future::ready(reader.next())).boxed())
    }

    pub(crate) fn put(&self, key: &str, data: &[u8]) -> Result<(), Error> {
        let mut writer = self.stage(key)?;
        let result = writer.file.write_all(data);
        if let Err(e) = result {
            writer.abort();
            return Err(Error::io(&self.label, key, Operation::Write, e));
        }
        writer.commit(&self.label).map(drop)
    }

    pub(crate) fn delete(&self, key: &str) -> Result<(), Error> {
        let Some(path) = self.resolve(key)? else {
            return Ok(());
        };
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&self.label, key, Operation::Delete, e)),
        }
        self.record(key, None)?;

        // Empty folders left behind would make the mirror differ from the source.
        let mut folder = path.parent();
        while let Some(dir) = folder.filter(|dir| *dir != self.root) {
            if std::fs::remove_dir(dir).is_err() {
                break;
            }
            folder = dir.parent();
        }
        Ok(())
    }

    pub(crate) fn writer(
        self: &Arc<Self>,
        key: &str,
        provenance: Provenance,
        previous: Option<&ObjectInfo>,
    ) -> Result<LocalWriter, Error> {
        let staged = self.stage(key)?;
        Ok(LocalWriter {
            staged,
            provenance,
            previous: previous.and_then(|info| info.etag.clone()),
            folder: Arc::clone(self),
        })
    }

    /// Creates the hidden staging file beside the key's final place, creating folders
    /// without following symbolic links.
    fn stage(&self, key: &str) -> Result<Staged, Error> {
        let Some(target) = self.resolve(key)? else {
            return Err(Error::io(
                &self.label,
                key,
                Operation::Write,
                std::io::Error::new(
                    ErrorKind::InvalidInput,
                    "the destination path passes through a file; remove it or choose another \
                     destination",
                ),
            ));
        };
        let dir = target.parent().unwrap_or(&self.root).to_path_buf();
        let mut current = self.root.clone();
        for part in dir.strip_prefix(&self.root).unwrap_or(Path::new("")) {
            current.push(part);
            match std::fs::create_dir(&current) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io(&self.label, key, Operation::Write, e)),
            }
        }
        let n = STAGED.fetch_add(1, Ordering::Relaxed);
        let name = format!("{STAGING_PREFIX}{}-{n}.partial", std::process::id());
        let temp = match &self.staging {
            // Spread over several folders: every create and rename locks its folder.
            Some(staging) => staging.join(format!("{}", n % STAGING_FOLDERS)).join(name),
            None => dir.join(name),
        };
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| Error::io(&self.label, key, Operation::Write, e))?;
        Ok(Staged {
            file,
            temp,
            target,
            key: key.to_owned(),
        })
    }

    /// The file for `key`, after checking that the key is safe and that no folder on the way
    /// is a symbolic link. `None` when a folder on the way does not exist, or is a file.
    fn resolve(&self, key: &str) -> Result<Option<PathBuf>, Error> {
        check_local_key(key).map_err(|reason| Error::rejected(&self.label, key, reason))?;
        let mut path = self.root.clone();
        let mut parts = key.split('/').peekable();
        while let Some(part) = parts.next() {
            path.push(part);
            if parts.peek().is_none() {
                break;
            }
            match std::fs::symlink_metadata(&path) {
                Ok(metadata) if metadata.is_symlink() => {
                    return Err(Error::rejected(&self.label, key, Rejection::SymbolicLink));
                }
                Ok(metadata) if metadata.is_dir() => {}
                Ok(_) => return Ok(None),
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    // Folders are created on write; reads and deletes find nothing.
                    path.extend(parts);
                    return Ok(Some(path));
                }
                Err(e) => return Err(Error::io(&self.label, key, Operation::Inspect, e)),
            }
        }
        Ok(Some(path))
    }

    fn record(&self, key: &str, entry: Option<Entry>) -> Result<(), Error> {
        if let Some(journal) = &self.journal {
            journal
                .record(key, entry)
                .map_err(|e| Error::io(&self.label, key, Operation::Write, e))
        } else {
            let mut memory = self.memory();
            match entry {
                Some(entry) => memory.insert(key.to_owned(), entry),
                None => memory.remove(key),
            };
            Ok(())
        }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Entry>> {
        // Every update is a single insert or remove, so a poisoned map is still consistent.
        self.memory
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A staging file and the place it is renamed to.
#[derive(Debug)]
struct Staged {
    /// Unbuffered: the pipeline hands over output in large pieces.
    file: std::fs::File,
    temp: PathBuf,
    target: PathBuf,
    key: String,
}

impl Staged {
    /// Flushes the staging file and renames it into place; returns the new file's stamp.
    fn commit(self, label: &str) -> Result<String, Error> {
        let error = |e| Error::io(label, &self.key, Operation::Write, e);
        let metadata = self.file.metadata();
        drop(self.file);
        let renamed = std::fs::rename(&self.temp, &self.target);
        if let Err(e) = renamed {
            let _ = std::fs::remove_file(&self.temp);
            return Err(error(e));
        }
        Ok(stamp(&metadata.map_err(error)?))
    }

    fn abort(self) {
        drop(self.file);
        // A staging file that cannot be removed is hidden and never listed.
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// A write into a local folder: a hidden staging file renamed over the key's file when
/// complete, so that no reader ever sees part of it.
#[derive(Debug)]
pub(crate) struct LocalWriter {
    staged: Staged,
    provenance: Provenance,
    previous: Option<String>,
    folder: Arc<LocalFolder>,
}

impl LocalWriter {
    pub(crate) fn write(&mut self, data: &mut Vec<u8>) -> Result<(), Error> {
        let result = self.staged.file.write_all(data);
        data.clear();
        result.map_err(|e| Error::io(&self.folder.label, &self.staged.key, Operation::Write, e))
    }

    pub(crate) fn finish(self) -> Result<(), Error> {
        let folder = self.folder;
        let key = self.staged.key.clone();

        // Refuse to replace a file that changed since it was inspected.
        let current = match std::fs::symlink_metadata(&self.staged.target) {
            Ok(metadata) => Some(stamp(&metadata)),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => {
                self.staged.abort();
                return Err(Error::io(&folder.label, &key, Operation::Inspect, e));
            }
        };
        if current != self.previous {
            self.staged.abort();
            return Err(Error::changed(&folder.label, &key));
        }

        let stamp = self.staged.commit(&folder.label)?;
        let entry = Entry {
            provenance: self.provenance,
            stamp,
        };
        folder.record(&key, Some(entry))
    }

    pub(crate) fn abort(self) {
        self.staged.abort();
    }
}

/// Reads a file in chunks, then checks it was not modified while being read.
struct Reader {
    file: std::fs::File,
    /// Bytes the listing said the file holds; sizes the buffers, never trusted.
    remaining: u64,
    label: String,
    key: String,
    expected: Option<String>,
    done: bool,
}

impl Reader {
    fn next(mut self) -> Option<(Result<Bytes, Error>, Self)> {
        if self.done {
            return None;
        }
        // One byte more than expected, so that a file read whole meets its end in the next
        // call without another full-size buffer.
        let want = usize::try_from(self.remaining.saturating_add(1)).unwrap_or(READ_CHUNK);
        let mut buffer = vec![0; want.clamp(1, READ_CHUNK)];
        match self.file.read(&mut buffer) {
            Ok(0) => {
                self.done = true;
                let error = match self.file.metadata() {
                    Ok(metadata) if Some(stamp(&metadata)) == self.expected => return None,
                    Ok(_) => Error::changed(&self.label, &self.key),
                    Err(e) => Error::io(&self.label, &self.key, Operation::Read, e),
                };
                Some((Err(error), self))
            }
            Ok(n) => {
                self.remaining = self.remaining.saturating_sub(n as u64);
                buffer.truncate(n);
                Some((Ok(buffer.into()), self))
            }
            Err(e) => {
                self.done = true;
                let error = Error::io(&self.label, &self.key, Operation::Read, e);
                Some((Err(error), self))
            }
        }
    }
}

/// Empties (creating) the staging folder and tells whether renames from it into `root`
/// work: both on the same filesystem.
fn prepare_staging(staging: &Path, root: &Path) -> bool {
    let _ = std::fs::remove_dir_all(staging);
    for n in 0..STAGING_FOLDERS {
        if std::fs::create_dir_all(staging.join(n.to_string())).is_err() {
            return false;
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;

        match (std::fs::metadata(staging), std::fs::metadata(root)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    false
}

/// Lists the files under `root/prefix` without following symbolic links.
fn walk(root: &Path, label: &str, prefix: &str) -> Result<Vec<Listed>, Error> {
    // A vanished root (an unmounted disk, a deleted folder) must not read as "every photo
    // was deleted", which would empty the destination.
    if !root.is_dir() {
        let missing = std::io::Error::new(
            ErrorKind::NotFound,
            "the folder itself is gone; nothing is deleted until it is back",
        );
        return Err(Error::io(label, prefix, Operation::List, missing));
    }
    let start = root.join(prefix);
    match std::fs::symlink_metadata(&start) {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(_) => return Ok(Vec::new()),
        // `a.jpg/` where `a.jpg` is a file: a folder that is not there.
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(Error::io(label, prefix, Operation::List, e)),
    }

    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(&start).min_depth(1) {
        let entry = entry.map_err(|e| {
            let key = e
                .path()
                .and_then(|p| p.strip_prefix(root).ok())
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            Error::io(label, &key, Operation::List, e.into())
        })?;
        // walkdir yields paths under `start`, itself under `root`.
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let Some(key) = relative.to_str() else {
            let key = relative.to_string_lossy().into_owned();
            found.push(Listed::Rejected {
                key,
                reason: Rejection::NotUtf8,
            });
            continue;
        };
        let file_type = entry.file_type();
        if file_type.is_dir() || is_staging_name(key) {
            continue;
        }
        let key = key.to_owned();
        if file_type.is_symlink() {
            found.push(Listed::Rejected {
                key,
                reason: Rejection::SymbolicLink,
            });
            continue;
        }
        if !file_type.is_file() {
            found.push(Listed::Rejected {
                key,
                reason: Rejection::NotAFile,
            });
            continue;
        }
        let metadata = entry
            .metadata()
            .map_err(|e| Error::io(label, &key, Operation::List, e.into()))?;
        found.push(Listed::Object(info(&key, &metadata)));
    }
    Ok(found)
}

fn info(key: &str, metadata: &Metadata) -> ObjectInfo {
    ObjectInfo {
        key: key.to_owned(),
        size: metadata.len(),
        etag: Some(stamp(metadata)),
        version: None,
    }
}

/// A file's version: inode, modification time in nanoseconds and size, as hexadecimal.
fn stamp(metadata: &Metadata) -> String {
    let modified = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(metadata);
    #[cfg(not(unix))]
    let inode = 0_u64;
    format!("{inode:x}-{modified:x}-{:x}", metadata.len())
}
