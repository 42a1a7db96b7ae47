//! Keeping a cluster's report current: scan, publish, then watch what the apps are made of.
//! A burst of changes settles first; then each changed object the watches delivered is
//! compared again alone (`investigate::resident`), and only what that cannot settle (a
//! definition, an HPA, an orphan, a re-list) brings a full scan. The interval brings one
//! anyway (the periodic full resync). The watches follow the last good scan's kinds and
//! namespaces.

use crate::investigate::resident::{self, Recompared};
use crate::investigate::{self, Keep, Request};
use crate::model::ResourceKey;
use crate::serve::ServeOptions;
use crate::serve::board::Board;
use crate::sources::cluster::watch::{self, WatchNews, WatchSet};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

/// After a change, the scan waits until no other change came for this long…
const SETTLE: Duration = Duration::from_millis(500);
/// …but never longer than this after the first.
const SETTLE_AT_MOST: Duration = Duration::from_secs(5);
/// A failed scan is tried again after this, doubling up to the interval.
const RETRY_FIRST: Duration = Duration::from_secs(5);

/// Past this many changed objects in one settled burst, a full scan is cheaper than
/// comparing each again.
const MOST_ALONE: usize = 256;

/// What changed since the scanner last looked.
#[derive(Debug, Default)]
struct Pending {
    /// Only a full scan can tell (a first list, a re-list, too many objects).
    full: bool,
    /// Each changed object's latest state, and whether it went away, by its key.
    objects: HashMap<ResourceKey, (Value, bool)>,
}

/// How the scanner is woken: a change seen, or the server stopping.
pub(crate) struct Waker {
    wake: mpsc::SyncSender<()>,
    pending: Arc<Mutex<Pending>>,
    stopping: Arc<AtomicBool>,
}

impl Waker {
    /// Something changed that only a full scan can tell (one pending wake is enough).
    fn changed(&self) {
        lock(&self.pending).full = true;
        let _ = self.wake.try_send(());
    }

    /// One object changed (as it is now), or went away (`deleted`: its last state).
    fn object(&self, object: Value, deleted: bool) {
        {
            let mut pending = lock(&self.pending);
            // A full scan is coming anyway: it reads every object again.
            if !pending.full {
                pending.objects.insert(resident::key_of(&object), (object, deleted));
            }
            if pending.objects.len() > MOST_ALONE {
                pending.full = true;
                pending.objects.clear();
            }
        }
        let _ = self.wake.try_send(());
    }

    /// Stop after the scan in flight.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.wake.try_send(());
    }
}

fn lock(pending: &Mutex<Pending>) -> std::sync::MutexGuard<'_, Pending> {
    pending.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The scanner's end of the wake channel.
pub(crate) struct Wakes {
    woken: mpsc::Receiver<()>,
    pending: Arc<Mutex<Pending>>,
    stopping: Arc<AtomicBool>,
}

pub(crate) fn channel() -> (Waker, Wakes) {
    let (wake, woken) = mpsc::sync_channel(1);
    let (pending, stopping) = (Arc::new(Mutex::new(Pending::default())), Arc::new(AtomicBool::new(false)));
    (Waker { wake, pending: Arc::clone(&pending), stopping: Arc::clone(&stopping) }, Wakes { woken, pending, stopping })
}

/// Why the scanner woke.
enum Woken {
    /// Changes came and settled.
    Changed,
    /// The wait ran out without a change.
    Waited,
    Stopping,
}

impl Wakes {
    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// What changed since the last call.
    fn take(&self) -> Pending {
        std::mem::take(&mut *lock(&self.pending))
    }

    /// Waits for a change (and lets a burst settle) or `wait`.
    fn wait(&self, wait: Duration) -> Woken {
        match self.woken.recv_timeout(wait) {
            Err(mpsc::RecvTimeoutError::Timeout) if !self.stopping() => return Woken::Waited,
            Err(_) => return Woken::Stopping,
            Ok(()) => {}
        }
        let first = Instant::now();
        while !self.stopping() && first.elapsed() < SETTLE_AT_MOST {
            match self.woken.recv_timeout(SETTLE) {
                Ok(()) => continue,
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Woken::Stopping,
            }
        }
        if self.stopping() { Woken::Stopping } else { Woken::Changed }
    }
}

/// The watches open now, and over what.
#[derive(Default)]
struct Watching {
    set: WatchSet,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Whether `set` was tried (an empty set, or unserved kinds, start no task).
    tried: bool,
}

impl Watching {
    fn stop(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }

    /// Watches `set` (again, only if it changed or the watches died).
    fn follow(
        &mut self,
        set: WatchSet,
        context: (&Request, &tokio::runtime::Handle),
        board: &Arc<Board>,
        waker: &Arc<Waker>,
    ) {
        // A task ends when its credentials were refused: start again, with fresh ones.
        let alive = self.tasks.iter().all(|task| !task.is_finished());
        if self.tried && set == self.set && alive {
            return;
        }
        self.stop();
        let (request, runtime) = context;
        let Request::Sources(spec) = request else { return };
        let (board_for_news, waker_for_news) = (Arc::clone(board), Arc::clone(waker));
        let news = move |news: WatchNews| match news {
            WatchNews::Changed => waker_for_news.changed(),
            WatchNews::Applied(object) => waker_for_news.object(*object, false),
            WatchNews::Deleted(object) => waker_for_news.object(*object, true),
            WatchNews::Restarted => board_for_news.watch_restarted(),
        };
        let timeout = Duration::from_secs(spec.request_timeout);
        let started = runtime.block_on(watch::connect_and_watch(
            (spec.context.as_deref(), spec.namespace.as_deref(), timeout),
            &set,
            news,
        ));
        match started {
            Ok(tasks) => self.tasks = tasks,
            // The next scan tries again; meanwhile the interval rescans.
            Err(error) => tracing::warn!(%error, "cannot watch the cluster"),
        }
        board.watching(self.tasks.len());
        self.set = set;
        self.tried = true;
    }
}

/// Marks the scanner lost if it ends by panicking.
struct Lost<'a>(&'a Board);

impl Drop for Lost<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.scanner_lost();
        }
    }
}

/// Scans, watches, and on a change compares the changed objects again or scans again, and
/// scans every interval, until stopped. Scans a change brings are at least twice a scan's
/// length apart, so a busy cluster leaves time between them; a failed scan is tried again
/// sooner than the interval.
pub(crate) fn run(
    options: &ServeOptions,
    board: &Arc<Board>,
    (waker, wakes): (Arc<Waker>, Wakes),
    runtime: &tokio::runtime::Handle,
) {
    let _lost = Lost(board);
    let mut watching = Watching::default();
    let mut retry = RETRY_FIRST;
    'scans: while !wakes.stopping() {
        let started = Instant::now();
        // Everything the watches said so far is in what this scan reads.
        wakes.take();
        let wait = match investigate::load(&options.request, &Keep::Resident) {
            Ok(investigation) => {
                let set = investigation.watch_set();
                board.publish(investigation, &options.owner_labels, started.elapsed());
                watching.follow(set, (&options.request, runtime), board, &waker);
                retry = RETRY_FIRST;
                options.interval
            }
            Err(error) => {
                tracing::warn!(%error, "scan failed");
                board.failed(&error, started.elapsed());
                let wait = retry.min(options.interval);
                retry = (retry * 2).min(options.interval);
                wait
            }
        };
        let took = started.elapsed();
        let next_scan = started + wait;
        loop {
            match wakes.wait(next_scan.saturating_duration_since(Instant::now())) {
                Woken::Stopping => break 'scans,
                Woken::Waited => continue 'scans,
                Woken::Changed => {}
            }
            let pending = wakes.take();
            if !pending.full && compared_alone(pending.objects, board, &options.owner_labels) {
                continue;
            }
            break;
        }
        let gap = (took * 2).saturating_sub(started.elapsed().saturating_sub(took));
        if !gap.is_zero() {
            std::thread::sleep(gap.min(options.interval));
        }
    }
    watching.stop();
}

/// Compares each changed object again alone in the apps that hold it; false when a full scan
/// is needed (something the kept state cannot settle, or no scan has succeeded yet).
fn compared_alone(changes: HashMap<ResourceKey, (Value, bool)>, board: &Board, owner_labels: &[String]) -> bool {
    let settled = board.amend(owner_labels, |investigation| {
        let mut changed: Vec<usize> = Vec::new();
        for (key, (object, deleted)) in &changes {
            for (index, app) in investigation.apps.iter_mut().enumerate() {
                match app.recompare(key, object, *deleted) {
                    Ok(Recompared::Updated) => changed.push(index),
                    Ok(Recompared::NotOurs) => {}
                    Ok(Recompared::NeedsScan(why)) => {
                        tracing::debug!(%key, why, "a change needs a full scan");
                        return (changed, false);
                    }
                    Err(error) => {
                        tracing::debug!(%key, %error, "a change could not be compared alone");
                        return (changed, false);
                    }
                }
            }
        }
        (changed, true)
    });
    settled.unwrap_or(false)
}
