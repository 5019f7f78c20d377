//! Where each stripped object came from, so that repeated work is skipped and a stale result
//! is recognised.
//!
//! On object stores (S3, memory) the provenance rides on the destination object as user
//! metadata (`x-amz-meta-exifstrip-source-etag` and friends): it describes our own output,
//! names no person or path, and moves with the object.
//!
//! A local destination folder is usually served as it is, and its files cannot carry
//! metadata through object_store, so nothing is added to it. Instead a journal in a state
//! folder outside the destination ([`default_state_dir`]) records, per key, the source's
//! version and a stamp of the file written (inode, modification time, size). An entry counts
//! only while the destination file still has that stamp: a file deleted or replaced by
//! someone else is written again. The journal survives restarts, so a second `sync` does no
//! work; losing it costs one rewrite of every file, never a wrong result. A lock file keeps
//! two processes from writing into the same destination at once.
//!
//! Writes into a local destination are staged in the state folder's `staging/` (spread over
//! several subfolders, so that parallel writes do not queue on one folder's lock) and renamed
//! into place, so no partial or temporary file ever appears in the destination. When the
//! state folder is on another filesystem (a rename cannot cross it), each write is staged
//! in a hidden `.exifstrip-<pid>-<n>.partial` file beside its target instead; such names are
//! never listed, processed or served under a photo's name.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use object_store::{Attribute, AttributeValue, Attributes};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The source version a destination object was made from, and with which rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The source object's ETag (on a local folder: inode, modification time and size).
    pub source_etag: Option<String>,
    /// The source object's version id, on versioned buckets.
    pub source_version: Option<String>,
    /// The tool version and stripping policy that made the object.
    pub policy: String,
}

const SOURCE_ETAG: &str = "exifstrip-source-etag";
const SOURCE_VERSION: &str = "exifstrip-source-version";
const POLICY: &str = "exifstrip-policy";

impl Provenance {
    /// The attributes written with a destination object: provenance and the content type,
    /// nothing copied from the source.
    pub(crate) fn to_attributes(&self) -> Attributes {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, "image/jpeg".into());
        if let Some(etag) = &self.source_etag {
            attributes.insert(Attribute::Metadata(SOURCE_ETAG.into()), etag.clone().into());
        }
        if let Some(version) = &self.source_version {
            attributes.insert(
                Attribute::Metadata(SOURCE_VERSION.into()),
                version.clone().into(),
            );
        }
        attributes.insert(
            Attribute::Metadata(POLICY.into()),
            self.policy.clone().into(),
        );
        attributes
    }

    /// Reads provenance from a destination object's attributes; `None` for objects this tool
    /// did not write.
    pub(crate) fn from_attributes(attributes: &Attributes) -> Option<Self> {
        let get = |name: &'static str| {
            attributes
                .get(&Attribute::Metadata(name.into()))
                .map(|v: &AttributeValue| v.as_ref().to_owned())
        };
        Some(Self {
            policy: get(POLICY)?,
            source_etag: get(SOURCE_ETAG),
            source_version: get(SOURCE_VERSION),
        })
    }
}

/// The state folder for a local destination: `$EXIFSTRIP_STATE_DIR`, else
/// `$XDG_STATE_HOME/exifstrip`, else `~/.local/state/exifstrip`, then a folder named after
/// the destination's absolute path. `None` when no home folder is known.
pub fn default_state_dir(destination: &Path) -> Option<PathBuf> {
    let base = std::env::var_os("EXIFSTRIP_STATE_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_STATE_HOME").map(|dir| PathBuf::from(dir).join("exifstrip"))
        })
        .or_else(|| {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state/exifstrip"))
        })?;
    let name: String = destination
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .take(40)
        .collect();
    let hash = fnv1a(destination.as_os_str().as_encoded_bytes());
    Some(base.join(format!("{name}-{hash:016x}")))
}

/// The local destination's record of provenance; see the module documentation.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    state: Mutex<State>,
    // Held for the journal's lifetime: the lock is released when the file is closed.
    _lock: File,
}

#[derive(Debug)]
struct State {
    entries: HashMap<String, Entry>,
    file: File,
}

/// What was written for one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    #[serde(flatten)]
    pub(crate) provenance: Provenance,
    /// The destination file's stamp right after it was written.
    pub(crate) stamp: String,
}

#[derive(Serialize, Deserialize)]
struct Line {
    key: String,
    entry: Option<Entry>,
}

impl Journal {
    /// Opens (creating) the journal in `dir` and locks it for this process.
    pub(crate) fn open(dir: &Path, destination: &str) -> Result<Self, Error> {
        let config = |reason: String| Error::Config {
            location: destination.to_owned(),
            reason,
        };
        fs::create_dir_all(dir).map_err(|e| {
            config(format!(
                "cannot create the state folder {}: {e}",
                dir.display()
            ))
        })?;
        let lock_path = dir.join("lock");
        let lock = File::create(&lock_path)
            .map_err(|e| config(format!("cannot create {}: {e}", lock_path.display())))?;
        lock.try_lock().map_err(|_| {
            config(format!(
                "another exifstrip process is writing into it (it holds {}); stop that one \
                 first",
                lock_path.display()
            ))
        })?;

        let path = dir.join("provenance.jsonl");
        let entries = read_entries(&path)
            .map_err(|e| config(format!("cannot read {}: {e}", path.display())))?;
        let file = compact(&path, &entries)
            .map_err(|e| config(format!("cannot write {}: {e}", path.display())))?;
        Ok(Self {
            path,
            state: Mutex::new(State { entries, file }),
            _lock: lock,
        })
    }

    pub(crate) fn get(&self, key: &str) -> Option<Entry> {
        self.lock().entries.get(key).cloned()
    }

    /// Records `entry` for `key`, or forgets the key with `None`.
    pub(crate) fn record(&self, key: &str, entry: Option<Entry>) -> std::io::Result<()> {
        let line = Line {
            key: key.to_owned(),
            entry,
        };
        let mut text = serde_json::to_string(&line).map_err(std::io::Error::other)?;
        text.push('\n');
        let mut state = self.lock();
        state.file.write_all(text.as_bytes())?;
        match line.entry {
            Some(entry) => state.entries.insert(line.key, entry),
            None => state.entries.remove(&line.key),
        };
        Ok(())
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves a consistent map: every update is one insert.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Reads the journal's lines, the last line for a key winning. A torn last line (a crash
/// mid-write) is ignored: its key is simply processed again.
fn read_entries(path: &Path) -> std::io::Result<HashMap<String, Entry>> {
    let mut entries = HashMap::new();
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(entries),
        Err(e) => return Err(e),
    };
    for line in BufReader::new(file).lines() {
        let Ok(line) = serde_json::from_str::<Line>(&line?) else {
            continue;
        };
        match line.entry {
            Some(entry) => entries.insert(line.key, entry),
            None => entries.remove(&line.key),
        };
    }
    Ok(entries)
}

/// Rewrites the journal with one line per live key and returns it open for appending.
fn compact(path: &Path, entries: &HashMap<String, Entry>) -> std::io::Result<File> {
    let staged = path.with_extension("jsonl.new");
    let mut out = std::io::BufWriter::new(File::create(&staged)?);
    for (key, entry) in entries {
        let line = Line {
            key: key.clone(),
            entry: Some(entry.clone()),
        };
        serde_json::to_writer(&mut out, &line).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
    }
    out.into_inner()
        .map_err(std::io::IntoInnerError::into_error)?
        .sync_all()?;
    fs::rename(&staged, path)?;
    OpenOptions::new().append(true).open(path)
}

/// FNV-1a, 64 bits: a stable name for a state folder (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(etag: &str, stamp: &str) -> Entry {
        Entry {
            provenance: Provenance {
                source_etag: Some(etag.into()),
                source_version: None,
                policy: "p".into(),
            },
            stamp: stamp.into(),
        }
    }

    #[test]
    fn journal_survives_reopening_and_forgets() {
        let dir = tempfile::tempdir().unwrap();
        {
            let journal = Journal::open(dir.path(), "dest").unwrap();
            journal
                .record("a b/ü+%.jpg", Some(entry("1", "s1")))
                .unwrap();
            journal.record("gone.jpg", Some(entry("2", "s2"))).unwrap();
            journal
                .record("a b/ü+%.jpg", Some(entry("3", "s3")))
                .unwrap();
            journal.record("gone.jpg", None).unwrap();
        }
        let journal = Journal::open(dir.path(), "dest").unwrap();
        assert_eq!(journal.get("a b/ü+%.jpg"), Some(entry("3", "s3")));
        assert_eq!(journal.get("gone.jpg"), None);
    }

    #[test]
    fn one_process_per_destination() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Journal::open(dir.path(), "dest").unwrap();
        let second = Journal::open(dir.path(), "dest").unwrap_err();
        assert!(
            second.to_string().contains("another exifstrip process"),
            "{second}"
        );
    }

    #[test]
    fn torn_lines_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("provenance.jsonl"),
            "{\"key\":\"a.jpg\",\"entry\":{\"source_etag\":\"1\",\"source_version\":null,\
             \"policy\":\"p\",\"stamp\":\"s\"}}\n{\"key\":\"b.j",
        )
        .unwrap();
        let journal = Journal::open(dir.path(), "dest").unwrap();
        assert_eq!(journal.get("a.jpg"), Some(entry("1", "s")));
        assert_eq!(journal.get("b.jpg"), None);
    }

    #[test]
    fn attributes_round_trip() {
        let provenance = Provenance {
            source_etag: Some("\"abc\"".into()),
            source_version: Some("v1".into()),
            policy: "exifstrip 0.1.0 icc=keep orientation=keep".into(),
        };
        let attributes = provenance.to_attributes();
        assert_eq!(
            attributes.get(&Attribute::ContentType).map(AsRef::as_ref),
            Some("image/jpeg")
        );
        assert_eq!(Provenance::from_attributes(&attributes), Some(provenance));
        assert_eq!(Provenance::from_attributes(&Attributes::new()), None);
    }
}
