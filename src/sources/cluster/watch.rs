//! Watching what the apps are made of (for `kdrift serve`): kube-runtime watchers — a LIST,
//! then a WATCH from its resourceVersion, resumed from bookmarks, and listed again when the
//! API server says 410 Gone — over the kinds and namespaces the last scan found. They do not
//! compare anything: each change they see is news for the scanner, which re-reads and
//! compares the apps again.

use crate::sources::cluster::Cluster;
use crate::sources::cluster::discovery::{self, Wanted};
use futures::{Stream, StreamExt as _};
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::{WatchStreamExt as _, watcher};
use std::collections::BTreeSet;

/// Beyond this many namespaces, a kind is watched across all of them (one stream, events of
/// other namespaces dropped) rather than one stream per namespace.
const NAMESPACES_WATCHED_APART: usize = 10;

/// What to watch: kinds as (group, kind), in these namespaces (cluster-scoped kinds whole).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WatchSet {
    pub kinds: BTreeSet<(String, String)>,
    pub namespaces: BTreeSet<String>,
}

/// What the watches tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WatchNews {
    /// An object changed, appeared or went away (or a re-list may have missed some).
    Changed,
    /// A watch had to list again (410 Gone, a dropped stream).
    Restarted,
}

/// Connects to `context` as a scan does and starts the watches of `set` (see [`watch`]).
pub(crate) async fn connect_and_watch(
    (context, namespace, timeout): (Option<&str>, Option<&str>, std::time::Duration),
    set: &WatchSet,
    news: impl Fn(WatchNews) + Clone + Send + Sync + 'static,
) -> Result<Vec<tokio::task::JoinHandle<()>>, crate::sources::cluster::ClusterError> {
    let cluster = Cluster::connect(context, namespace, timeout).await?;
    watch(&cluster, set, news).await
}

/// Starts one watch per kind and namespace (or per kind, across namespaces) on the runtime
/// this runs on; each tells `news` what it sees. Kinds the server does not serve are skipped.
/// Returns the watch tasks (aborting them stops the watches).
pub(crate) async fn watch(
    cluster: &Cluster,
    set: &WatchSet,
    news: impl Fn(WatchNews) + Clone + Send + Sync + 'static,
) -> Result<Vec<tokio::task::JoinHandle<()>>, crate::sources::cluster::ClusterError> {
    let wanted: Wanted = set.kinds.iter().map(|(group, _)| (group.clone(), None)).collect();
    let map = discovery::discover(cluster, &wanted).await?;
    // The API server ends each watch before the client's read timeout would.
    let seconds = u32::try_from(cluster.timeout.as_secs().saturating_sub(5).max(1)).unwrap_or(290);
    let config = watcher::Config::default().timeout(seconds);
    let apart = set.namespaces.len() <= NAMESPACES_WATCHED_APART;
    let mut tasks = Vec::new();
    for (group, kind) in &set.kinds {
        let Some(served) = map.kind(group, kind) else { continue };
        let resource = ApiResource {
            group: served.group.clone(),
            version: served.version.clone(),
            api_version: served.api_version(),
            kind: served.kind.clone(),
            plural: served.plural.clone(),
        };
        let client = || cluster.client.clone();
        let apis: Vec<Api<DynamicObject>> = match (served.namespaced, apart) {
            (true, true) => set.namespaces.iter().map(|ns| Api::namespaced_with(client(), ns, &resource)).collect(),
            _ => vec![Api::all_with(client(), &resource)],
        };
        let only = (served.namespaced && !apart).then(|| set.namespaces.clone());
        for api in apis {
            let stream = watcher(api, config.clone()).default_backoff();
            tasks.push(tokio::spawn(follow(stream, only.clone(), news.clone())));
        }
    }
    Ok(tasks)
}

/// Follows one watch until it ends (never, unless aborted: the backoff retries failures).
async fn follow(
    stream: impl Stream<Item = Result<watcher::Event<DynamicObject>, watcher::Error>>,
    only: Option<BTreeSet<String>>,
    news: impl Fn(WatchNews),
) {
    let mut stream = std::pin::pin!(stream);
    let mut listed = false;
    while let Some(event) = stream.next().await {
        match event {
            Ok(watcher::Event::Init) if listed => news(WatchNews::Restarted),
            // After a re-list, what changed meanwhile is unknown: compare again.
            Ok(watcher::Event::InitDone) if listed => news(WatchNews::Changed),
            Ok(watcher::Event::InitDone) => listed = true,
            Ok(watcher::Event::Apply(object) | watcher::Event::Delete(object)) => {
                let namespace = object.metadata.namespace.as_deref().unwrap_or_default();
                if only.as_ref().is_none_or(|set| set.contains(namespace)) {
                    news(WatchNews::Changed);
                }
            }
            Ok(_) => {}
            Err(error) => tracing::debug!(%error, "a watch failed; it is retried with backoff"),
        }
    }
}
