//! Keeping a cluster's report current: scan, publish, then watch what the apps are made of
//! and scan again when it changes (a burst of changes settles first), or when the interval
//! passes without a change (the periodic full resync). The watches follow the last good
//! scan's kinds and namespaces.

use crate::investigate::{self, Keep, Request};
use crate::serve::ServeOptions;
use crate::serve::board::Board;
use crate::sources::cluster::watch::{self, WatchNews, WatchSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// After a change, the scan waits until no other change came for this long…
const SETTLE: Duration = Duration::from_millis(500);
/// …but never longer than this after the first.
const SETTLE_AT_MOST: Duration = Duration::from_secs(5);
/// A failed scan is tried again after this, doubling up to the interval.
const RETRY_FIRST: Duration = Duration::from_secs(5);

/// How the scanner is woken: a change seen, or the server stopping.
pub(crate) struct Waker {
    wake: mpsc::SyncSender<()>,
    stopping: Arc<AtomicBool>,
}

impl Waker {
    /// Something changed (one pending wake is enough: the rest are dropped).
    fn changed(&self) {
        let _ = self.wake.try_send(());
    }

    /// Stop after the scan in flight.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.wake.try_send(());
    }
}

/// The scanner's end of the wake channel.
pub(crate) struct Wakes {
    woken: mpsc::Receiver<()>,
    stopping: Arc<AtomicBool>,
}

pub(crate) fn channel() -> (Waker, Wakes) {
    let (wake, woken) = mpsc::sync_channel(1);
    let stopping = Arc::new(AtomicBool::new(false));
    (Waker { wake, stopping: Arc::clone(&stopping) }, Wakes { woken, stopping })
}

impl Wakes {
    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Waits for a change (and lets a burst settle) or `interval`; false when stopping.
    fn wait(&self, interval: Duration) -> bool {
        match self.woken.recv_timeout(interval) {
            Err(mpsc::RecvTimeoutError::Timeout) => return !self.stopping(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return false,
            Ok(()) => {}
        }
        let first = Instant::now();
        while !self.stopping() && first.elapsed() < SETTLE_AT_MOST {
            match self.woken.recv_timeout(SETTLE) {
                Ok(()) => continue,
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return false,
            }
        }
        !self.stopping()
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

/// Scans, watches, and scans again on a change or every interval, until stopped. Scans a
/// change brings are at least twice a scan's length apart, so a busy cluster leaves time
/// between them; a failed scan is tried again sooner than the interval.
pub(crate) fn run(
    options: &ServeOptions,
    board: &Arc<Board>,
    (waker, wakes): (Arc<Waker>, Wakes),
    runtime: &tokio::runtime::Handle,
) {
    let _lost = Lost(board);
    let mut watching = Watching::default();
    let mut retry = RETRY_FIRST;
    while !wakes.stopping() {
        let started = Instant::now();
        // Metrics need the reports and Git's owner labels, not the live copies.
        let wait = match investigate::load(&options.request, &Keep::Desired) {
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
        if !wakes.wait(wait) {
            break;
        }
        let gap = (took * 2).saturating_sub(started.elapsed().saturating_sub(took));
        if !gap.is_zero() {
            std::thread::sleep(gap.min(options.interval));
        }
    }
    watching.stop();
}
