//! Watching a local source folder and mirroring its changes as they happen.
//!
//! [`watch`] syncs once, then follows filesystem notifications (inotify on Linux). A file
//! is processed once its writer closes it, or when no change has been seen for
//! [`WatchOptions::settle`] (writers that never close it, such as some network shares). A
//! file caught half-written anyway is a truncated JPEG, which the core rejects, so it never
//! reaches the destination; its final close processes it again. Renames count as a deletion
//! and a creation; a folder created, moved or removed is synced as a whole. When the kernel's
//! event queue overflows, the whole folder is synced again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind, RemoveKind};
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::error::Error;
use crate::keys::is_staging_name;
use crate::process::{Outcome, Processor};
use crate::sync::{Observer, Problem, Summary, SyncOptions, sync_until};

/// How a watch runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchOptions {
    /// The initial sync, and the concurrency of later work.
    pub sync: SyncOptions,
    /// How long a file that was written but not closed must stay unchanged before it is
    /// processed.
    pub settle: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            sync: SyncOptions::default(),
            settle: Duration::from_secs(2),
        }
    }
}

/// Delay after a close, a rename or a removal: lets the events of one operation arrive
/// together.
const SHORT_SETTLE: Duration = Duration::from_millis(50);

/// Mirrors the local folder `processor.source()` into `processor.destination()` until
/// `shutdown` completes, then finishes the work in flight and returns what was done. The
/// summary's rejected and failed lists hold the keys still in that state at the end.
///
/// # Errors
///
/// [`Error::Config`] when the source is not a local folder or cannot be watched; a listing
/// error from the initial sync.
pub async fn watch(
    processor: Arc<Processor>,
    options: WatchOptions,
    shutdown: impl Future<Output = ()> + Send,
    observer: &dyn Observer,
) -> Result<Summary, Error> {
    let Some(root) = processor.source().local_root().map(Path::to_path_buf) else {
        return Err(Error::Config {
            location: processor.source().label().to_owned(),
            reason: "watch follows a local folder; for a bucket run `sync`, or the event \
                     workers that read its notifications"
                .into(),
        });
    };
    let (events, mut received) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        // The receiver is gone only once the watch is over.
        let _ = events.send(event);
    })
    .and_then(|mut watcher| {
        watcher.watch(&root, RecursiveMode::Recursive)?;
        Ok(watcher)
    })
    .map_err(|e| Error::Config {
        location: root.display().to_string(),
        reason: format!("cannot watch it: {e}"),
    })?;

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut state = State {
        processor: Arc::clone(&processor),
        options,
        root,
        pending: HashMap::new(),
        rescans: HashMap::new(),
        busy: HashSet::new(),
        tasks: JoinSet::new(),
        summary: Summary::default(),
        problems: BTreeMap::new(),
        stopped,
    };
    tracing::info!(
        source = processor.source().label(),
        destination = processor.destination().label(),
        "watching"
    );
    state.rescans.insert(String::new(), Instant::now());

    tokio::pin!(shutdown);
    loop {
        state.dispatch();
        let next = state.next_due();
        tokio::select! {
            () = &mut shutdown => break,
            Some(event) = received.recv() => state.on_event(event),
            Some(joined) = state.tasks.join_next(), if !state.tasks.is_empty() => {
                state.on_done(joined, observer)?;
            }
            () = sleep_until(next) => {}
        }
    }

    tracing::info!(
        in_flight = state.tasks.len(),
        "stopping: finishing the work in flight"
    );
    let _ = stop.send(true);
    watcher.unwatch(&state.root).ok();
    while let Some(joined) = state.tasks.join_next().await {
        state.on_done(joined, observer)?;
    }
    Ok(state.finish())
}

/// What a finished task did.
enum Done {
    Key(String, Result<Outcome, Error>),
    Rescan {
        prefix: String,
        result: Result<Summary, Error>,
        outcomes: Outcomes,
    },
}

/// A key waiting to be processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pending {
    /// When it is processed.
    due: Instant,
    /// When the latest event about it arrived.
    announced: Instant,
}

/// What is wrong with a key: whether it is rejected (else failed), and why.
type Trouble = (bool, String);

fn trouble(result: &Result<Outcome, Error>) -> Option<Trouble> {
    let error = result.as_ref().err()?;
    Some(match error.rejection() {
        Some(reason) => (true, reason.to_string()),
        None => (false, error.to_string()),
    })
}

/// Collects what a folder sync did to each key, and when it started on each.
#[derive(Default)]
struct Outcomes {
    finished: Mutex<Vec<(String, Option<Trouble>)>>,
    started: Mutex<HashMap<String, Instant>>,
}

impl Observer for Outcomes {
    fn started(&self, key: &str) {
        let mut started = self.started.lock().unwrap_or_else(PoisonError::into_inner);
        started.insert(key.to_owned(), Instant::now());
    }

    fn finished(&self, key: &str, result: &Result<Outcome, Error>) {
        let mut finished = self.finished.lock().unwrap_or_else(PoisonError::into_inner);
        finished.push((key.to_owned(), trouble(result)));
    }
}

struct State {
    processor: Arc<Processor>,
    options: WatchOptions,
    root: std::path::PathBuf,
    /// Keys to process.
    pending: HashMap<String, Pending>,
    /// Prefixes to sync (`""` for everything), with the time they become due.
    rescans: HashMap<String, Instant>,
    /// Keys and prefixes being worked on.
    busy: HashSet<String>,
    tasks: JoinSet<Done>,
    summary: Summary,
    /// Keys currently rejected or failed: `true` for rejected.
    problems: BTreeMap<String, (bool, String)>,
    stopped: tokio::sync::watch::Receiver<bool>,
}

impl State {
    fn on_event(&mut self, event: notify::Result<notify::Event>) {
        let now = Instant::now();
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(error = %e, "file events were lost; syncing the whole folder");
                self.rescans.insert(String::new(), now);
                return;
            }
        };
        // Opening and reading files (ours included) changes nothing.
        if matches!(event.kind, EventKind::Access(kind)
            if kind != AccessKind::Close(AccessMode::Write))
        {
            return;
        }
        tracing::debug!(kind = ?event.kind, paths = ?event.paths, "file event");
        if event.need_rescan() {
            tracing::warn!("the event queue overflowed; syncing the whole folder");
            self.rescans.insert(String::new(), now);
            return;
        }
        for path in &event.paths {
            let Some(key) = path
                .strip_prefix(&self.root)
                .ok()
                .and_then(Path::to_str)
                .filter(|key| !key.is_empty())
            else {
                // The root itself, or a name that is not UTF-8: let a full sync sort it out.
                self.rescans.insert(String::new(), now + SHORT_SETTLE);
                continue;
            };
            if is_staging_name(key) {
                continue;
            }
            let selected = self.processor.options().selector.matches(key);
            match event.kind {
                EventKind::Access(AccessKind::Close(AccessMode::Write)) if selected => {
                    self.announce(key, now + SHORT_SETTLE, now);
                }
                EventKind::Create(CreateKind::Folder) => {
                    self.rescans.insert(format!("{key}/"), now + SHORT_SETTLE);
                }
                EventKind::Create(_) | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any)
                    if selected =>
                {
                    self.announce(key, now + self.options.settle, now);
                }
                EventKind::Modify(ModifyKind::Metadata(_)) if selected => {
                    let due = self.pending.get(key).map_or(now + SHORT_SETTLE, |p| p.due);
                    self.announce(key, due, now);
                }
                EventKind::Modify(ModifyKind::Name(_)) | EventKind::Remove(_) => {
                    if path.is_dir() || matches!(event.kind, EventKind::Remove(RemoveKind::Folder))
                    {
                        self.rescans.insert(format!("{key}/"), now + SHORT_SETTLE);
                        continue;
                    }
                    if selected {
                        self.announce(key, now + SHORT_SETTLE, now);
                    }
                    if !path.exists() {
                        // It may have been a folder, whose copies must go too.
                        self.rescans.insert(format!("{key}/"), now + SHORT_SETTLE);
                    }
                }
                _ => {}
            }
        }
    }

    /// Makes `key` pending, due at `due`, for an event that arrived at `now`.
    fn announce(&mut self, key: &str, due: Instant, now: Instant) {
        let pending = Pending {
            due,
            announced: now,
        };
        self.pending.insert(key.to_owned(), pending);
    }

    /// Starts due work while there is room, keeping one task per key or prefix.
    fn dispatch(&mut self) {
        if *self.stopped.borrow() {
            return;
        }
        let now = Instant::now();
        let limit = self.options.sync.concurrency.max(1);

        // A whole-folder sync covers every pending key.
        if self.rescans.get("").is_some_and(|at| *at <= now) && !self.busy.contains("") {
            self.rescans.clear();
            self.pending.clear();
            self.spawn_rescan(String::new());
            return;
        }
        // No key is worked on by two tasks at once: work waits for work in flight that
        // overlaps it, and a folder that is due holds back new work inside it until it starts.
        let mut held: Vec<String> = Vec::new();
        let rescans = self.rescans.iter().map(|(prefix, at)| (prefix, *at));
        for prefix in due(rescans, now) {
            if blocked(&prefix, &self.busy, &held) {
                held.push(prefix);
                continue;
            }
            self.rescans.remove(&prefix);
            self.spawn_rescan(prefix);
        }
        let keys = self.pending.iter().map(|(key, pending)| (key, pending.due));
        for key in due(keys, now) {
            if self.tasks.len() >= limit {
                break;
            }
            if blocked(&key, &self.busy, &held) {
                continue;
            }
            self.pending.remove(&key);
            self.busy.insert(key.clone());
            let processor = Arc::clone(&self.processor);
            self.tasks.spawn(async move {
                let result = processor.process(&key, None).await;
                Done::Key(key, result)
            });
        }
    }

    fn spawn_rescan(&mut self, prefix: String) {
        // The folder's listing comes after this moment, so it sees whatever the events so far
        // announced, in folders inside it too; events from now on make their keys pending
        // again.
        self.pending.retain(|key, _| !overlaps(key, &prefix));
        self.rescans.retain(|folder, _| !overlaps(folder, &prefix));
        self.busy.insert(prefix.clone());
        let processor = Arc::clone(&self.processor);
        let options = self.options.sync;
        let stop = self.stopped.clone();
        self.tasks.spawn(async move {
            let outcomes = Outcomes::default();
            let result = sync_until(&processor, &prefix, options, &outcomes, Some(stop)).await;
            Done::Rescan {
                prefix,
                result,
                outcomes,
            }
        });
    }

    fn on_done(
        &mut self,
        joined: Result<Done, tokio::task::JoinError>,
        observer: &dyn Observer,
    ) -> Result<(), Error> {
        let done = joined.map_err(|e| Error::Config {
            location: self.root.display().to_string(),
            reason: format!("a processing task stopped unexpectedly: {e}"),
        })?;
        match done {
            Done::Key(key, result) => {
                self.busy.remove(&key);
                observer.finished(&key, &result);
                self.note(key.clone(), trouble(&result));
                self.summary.add(&key, &result);
            }
            Done::Rescan {
                prefix,
                result: Ok(summary),
                outcomes,
            } => {
                self.busy.remove(&prefix);
                let started = outcomes
                    .started
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner);
                forget_covered(&mut self.pending, &started);
                let finished = outcomes
                    .finished
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner);
                for (key, trouble) in finished {
                    self.note(key, trouble);
                }
                let total = &mut self.summary;
                total.written += summary.written;
                total.up_to_date += summary.up_to_date;
                total.deleted += summary.deleted;
                total.kept += summary.kept;
                total.bytes_in += summary.bytes_in;
                total.bytes_out += summary.bytes_out;
            }
            Done::Rescan {
                prefix,
                result: Err(error),
                ..
            } => {
                self.busy.remove(&prefix);
                tracing::error!(prefix, error = %error, "syncing a folder failed; retrying soon");
                self.rescans
                    .insert(prefix, Instant::now() + self.options.settle);
            }
        }
        Ok(())
    }

    /// Keeps the list of current problems: a later success clears a key's problem.
    fn note(&mut self, key: String, trouble: Option<Trouble>) {
        match trouble {
            None => self.problems.remove(&key),
            Some(trouble) => self.problems.insert(key, trouble),
        };
    }

    fn next_due(&self) -> Option<Instant> {
        self.pending
            .values()
            .map(|pending| pending.due)
            .chain(self.rescans.values().copied())
            .min()
    }

    fn finish(mut self) -> Summary {
        // The lists hold what is still wrong at the end, once per key.
        self.summary.rejected.clear();
        self.summary.failed.clear();
        for (key, (rejected, reason)) in std::mem::take(&mut self.problems) {
            let list = if rejected {
                &mut self.summary.rejected
            } else {
                &mut self.summary.failed
            };
            list.push(Problem { key, reason });
        }
        self.summary
    }
}

/// Whether work on `a` and on `b` (keys, or folders ending in `/`) can touch the same key.
/// The whole-folder sync (`""`) overlaps nothing, so that a long first sync does not hold up
/// photos arriving meanwhile; its conditional writes keep the two apart.
fn overlaps(a: &str, b: &str) -> bool {
    let inside = |key: &str, folder: &str| folder.ends_with('/') && key.starts_with(folder);
    !a.is_empty() && !b.is_empty() && (a == b || inside(a, b) || inside(b, a))
}

/// The keys of `entries` that are due at `now`, in order.
fn due<'a>(entries: impl Iterator<Item = (&'a String, Instant)>, now: Instant) -> Vec<String> {
    let mut due: Vec<String> = entries
        .filter(|(_, at)| *at <= now)
        .map(|(key, _)| key.clone())
        .collect();
    due.sort();
    due
}

/// Drops the pending keys that a folder sync read after their latest event, when it `started`
/// on them: processing them again would find them up to date. Keys whose event came later
/// stay pending, as their source may have changed after that read.
fn forget_covered(pending: &mut HashMap<String, Pending>, started: &HashMap<String, Instant>) {
    pending.retain(|key, waiting| {
        started
            .get(key)
            .is_none_or(|started| waiting.announced > *started)
    });
}

/// Whether work on `item` must wait: it overlaps work in flight or a folder held back.
fn blocked(item: &str, busy: &HashSet<String>, held: &[String]) -> bool {
    busy.iter().chain(held).any(|other| overlaps(item, other))
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        // Pending work that waits for a busy key is retried at least every SHORT_SETTLE.
        Some(at) => tokio::time::sleep_until(at.max(Instant::now() + SHORT_SETTLE)).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use tokio::time::Instant;

    use super::{Pending, State, WatchOptions, forget_covered, overlaps};
    use crate::process::{Options, Processor};
    use crate::store::Store;

    #[test]
    fn a_folder_sync_takes_over_the_work_announced_inside_it() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let _entered = runtime.enter();
        let processor = Processor::new(Store::memory(), Store::memory(), Options::default());
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        let mut state = State {
            processor: std::sync::Arc::new(processor),
            options: WatchOptions::default(),
            root: std::path::PathBuf::from("/uploads"),
            pending: HashMap::new(),
            rescans: HashMap::new(),
            busy: std::collections::HashSet::new(),
            tasks: tokio::task::JoinSet::new(),
            summary: crate::sync::Summary::default(),
            problems: std::collections::BTreeMap::new(),
            stopped,
        };
        let now = Instant::now();
        for key in ["a/1.jpg", "a/b/2.jpg", "ab/3.jpg", "c.jpg"] {
            state.announce(key, now, now);
        }
        for folder in ["a/b/", "a/b/c/", "ab/"] {
            state.rescans.insert(folder.to_owned(), now);
        }

        state.spawn_rescan("a/".to_owned());

        let mut keys: Vec<&str> = state.pending.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["ab/3.jpg", "c.jpg"]);
        let folders: Vec<&str> = state.rescans.keys().map(String::as_str).collect();
        assert_eq!(folders, ["ab/"]);
        assert!(state.busy.contains("a/"));
        state.tasks.abort_all();
    }

    #[test]
    fn a_folder_sync_covers_the_keys_it_read_after_their_last_event() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let waiting = |announced: u64| Pending {
            due: at(announced + 50),
            announced: at(announced),
        };
        let mut pending = HashMap::from([
            ("read-after.jpg".to_owned(), waiting(10)),
            ("read-at-once.jpg".to_owned(), waiting(20)),
            ("changed-later.jpg".to_owned(), waiting(30)),
            ("not-listed.jpg".to_owned(), waiting(10)),
        ]);
        let started = HashMap::from([
            ("read-after.jpg".to_owned(), at(15)),
            ("read-at-once.jpg".to_owned(), at(20)),
            ("changed-later.jpg".to_owned(), at(25)),
            ("other.jpg".to_owned(), at(5)),
        ]);

        forget_covered(&mut pending, &started);

        let mut left: Vec<&str> = pending.keys().map(String::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["changed-later.jpg", "not-listed.jpg"]);
        assert_eq!(pending["changed-later.jpg"], waiting(30));
    }

    #[test]
    fn work_overlaps_on_the_same_key_or_inside_a_folder() {
        assert!(overlaps("a/b.jpg", "a/b.jpg"));
        assert!(overlaps("a/b.jpg", "a/"));
        assert!(overlaps("a/", "a/b/c.jpg"));
        assert!(overlaps("a/", "a/b/"));
        assert!(!overlaps("a/b.jpg", "a/b.jpg.bak"));
        assert!(!overlaps("a/b.jpg", "a/b.jpg/"));
        assert!(!overlaps("ab/c.jpg", "a/"));
        assert!(!overlaps("a/b.jpg", "b/"));
        assert!(!overlaps("", "a/b.jpg"));
        assert!(!overlaps("a/", ""));
    }
}
