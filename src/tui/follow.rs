//! Following the cluster while the TUI is open (the event loop's side): the same watches as
//! `kdrift serve`, over what the loaded apps are made of. A burst of changes settles, then the
//! app is told once (`Msg::ClusterChanged`) and reads the cluster again. Samples and
//! snapshots never change by themselves: nothing is watched for them.

use crate::investigate::{Investigation, Request};
use crate::sources::cluster::watch::{self, WatchNews, WatchSet};
use crate::tui::app::Msg;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// After a change, the app is told once no other change came for this long…
const SETTLE: Duration = Duration::from_millis(500);
/// …but never later than this after the first.
const SETTLE_AT_MOST: Duration = Duration::from_secs(5);
/// After telling, this long passes before the next telling: a cluster that never stops
/// changing (an HPA flapping) is read again every few seconds, not back to back.
const AT_LEAST_APART: Duration = Duration::from_secs(3);

/// What to watch, and through which context: made from a load, run by the event loop.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchPlan {
    context: Option<String>,
    namespace: Option<String>,
    timeout: Duration,
    set: WatchSet,
}

impl WatchPlan {
    /// The watches `investigation` calls for, when `request` reads one cluster.
    pub(crate) fn of(request: &Request, investigation: &Investigation) -> Option<WatchPlan> {
        let Request::Sources(spec) = request else { return None };
        // Several clusters are read again with Ctrl-r: a watch per kind and context is more
        // than a laptop should hold open (`kdrift serve` in each cluster is the way).
        if !request.is_cluster() || !spec.contexts.is_empty() {
            return None;
        }
        let set = investigation.watch_set();
        // Nothing loaded (a failed first load): nothing to watch yet.
        if set.kinds.is_empty() {
            return None;
        }
        Some(WatchPlan {
            context: spec.context.clone(),
            namespace: spec.namespace.clone(),
            timeout: Duration::from_secs(spec.request_timeout),
            set,
        })
    }
}

/// The watches the event loop holds open.
#[derive(Default)]
pub(crate) struct Follower {
    plan: Option<WatchPlan>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Follower {
    /// Watches what `plan` says (again only when it changed or the watches ended); changes
    /// are told to `sender`. Runs on the event loop's runtime.
    pub(crate) fn follow(&mut self, plan: WatchPlan, sender: UnboundedSender<Msg>) {
        let alive = self.task.as_ref().is_some_and(|task| !task.is_finished());
        if alive && self.plan.as_ref() == Some(&plan) {
            return;
        }
        self.stop();
        self.task = Some(tokio::spawn(watch_and_tell(plan.clone(), sender)));
        self.plan = Some(plan);
    }

    pub(crate) fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.plan = None;
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The watch tasks, aborted when the task that holds them ends or is aborted.
struct Watches(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Watches {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Starts the watches, then tells `sender` of each settled burst of changes until they end.
async fn watch_and_tell(plan: WatchPlan, sender: UnboundedSender<Msg>) {
    let (news_sender, mut news) = tokio::sync::mpsc::unbounded_channel::<()>();
    let tell = move |seen: WatchNews| {
        if !matches!(seen, WatchNews::Restarted) {
            let _ = news_sender.send(());
        }
    };
    let connection = (plan.context.as_deref(), plan.namespace.as_deref(), plan.timeout);
    let watches = match watch::connect_and_watch(connection, &plan.set, tell).await {
        Ok(tasks) => Watches(tasks),
        Err(error) => {
            tracing::warn!(%error, "cannot watch the cluster");
            let _ = sender.send(Msg::Watching(Err(error.to_string())));
            return;
        }
    };
    let _ = sender.send(Msg::Watching(Ok(watches.0.len())));
    if watches.0.is_empty() {
        return;
    }
    // Each watch holds a sender: when every watch has ended (credentials refused), so does this.
    while news.recv().await.is_some() {
        let first = Instant::now();
        while let Some(left) = SETTLE_AT_MOST.checked_sub(first.elapsed()) {
            match tokio::time::timeout(SETTLE.min(left), news.recv()).await {
                Ok(Some(())) => continue,
                Ok(None) | Err(_) => break,
            }
        }
        if sender.send(Msg::ClusterChanged).is_err() {
            return;
        }
        tokio::time::sleep(AT_LEAST_APART).await;
    }
    drop(watches);
    let ended = "the watches ended (the cluster refused the credentials); Ctrl-r reads it again";
    let _ = sender.send(Msg::Watching(Err(ended.to_owned())));
}
