//! Watching what the apps are made of (for `kdrift serve`): kube-runtime watchers — a LIST,
//! then a WATCH from its resourceVersion, resumed from bookmarks, and listed again when the
//! API server says 410 Gone — over the kinds and namespaces the last scan found. They do not
//! compare anything: each change they see is news for the scanner, which re-reads and
//! compares the apps again. Only changes a comparison could see are news: a status update,
//! a new resourceVersion or managedFields alone are not (a controller's object is, when the
//! status kdrift reads changes), so a busy cluster does not keep the scanner running.

use crate::sources::cluster::Cluster;
use crate::sources::cluster::discovery::{self, Wanted};
use futures::{Stream, StreamExt as _};
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::{WatchStreamExt as _, watcher};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash as _, Hasher as _};

/// Beyond this many namespaces, a kind is watched across all of them (one stream, one
/// connection, events of other namespaces dropped) rather than one stream per namespace.
const NAMESPACES_WATCHED_APART: usize = 3;

/// The kinds whose status is what kdrift reads of them (the GitOps controllers' apps).
const STATUS_READ: &[&str] = &["Application", "Kustomization", "HelmRelease"];

/// What to watch: kinds as (group, kind), in these namespaces (cluster-scoped kinds whole).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WatchSet {
    pub kinds: BTreeSet<(String, String)>,
    pub namespaces: BTreeSet<String>,
}

/// What the watches tell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WatchNews {
    /// Objects may have changed, appeared or gone (a first list, or a re-list that may have
    /// missed some): only reading everything again can tell.
    Changed,
    /// One object changed or appeared, as it is now (with its apiVersion and kind).
    Applied(Box<Value>),
    /// One object went away (its last state).
    Deleted(Box<Value>),
    /// A watch had to list again (410 Gone, a dropped stream).
    Restarted,
}

/// Connects to `context` as a scan does and starts the watches of `set` (see [`watch`]).
pub(crate) async fn connect_and_watch(
    (context, namespace, timeout): (Option<&str>, Option<&str>, std::time::Duration),
    set: &WatchSet,
    news: impl Fn(WatchNews) + Clone + Send + Sync + 'static,
) -> Result<Vec<tokio::task::JoinHandle<()>>, crate::sources::cluster::ClusterError> {
    let cluster = Cluster::connect_reading(context, namespace, timeout, None).await?;
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
    let config = watcher::Config::default();
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
            tasks.push(tokio::spawn(follow(stream, (resource.clone(), only.clone()), news.clone())));
        }
    }
    Ok(tasks)
}

/// What a comparison could see of `object`: everything but its status, resourceVersion,
/// generation and managedFields — with, for a controller's app, the status fields kdrift
/// reads (sync and health status, revisions, the Ready condition).
fn fingerprint(object: &DynamicObject, kind: &str) -> u64 {
    let mut seen = object.data.clone();
    let status = seen.as_object_mut().and_then(|fields| fields.remove("status"));
    let read = match status.filter(|_| STATUS_READ.contains(&kind)) {
        Some(status) => {
            let at = |pointer: &str| status.pointer(pointer).cloned().unwrap_or(Value::Null);
            let conditions: Vec<Value> = (status.get("conditions").and_then(Value::as_array).into_iter().flatten())
                .map(|c| serde_json::json!([c.get("type"), c.get("status"), c.get("reason")]))
                .collect();
            serde_json::json!([
                at("/sync/status"),
                at("/sync/revision"),
                at("/health/status"),
                at("/lastAppliedRevision"),
                at("/lastAttemptedRevision"),
                conditions
            ])
        }
        None => Value::Null,
    };
    let metadata = &object.metadata;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (seen.to_string(), read.to_string()).hash(&mut hasher);
    (serde_json::to_string(&metadata.labels).unwrap_or_default()).hash(&mut hasher);
    (serde_json::to_string(&metadata.annotations).unwrap_or_default()).hash(&mut hasher);
    (serde_json::to_string(&metadata.owner_references).unwrap_or_default()).hash(&mut hasher);
    metadata.deletion_timestamp.is_some().hash(&mut hasher);
    hasher.finish()
}

/// An object's place, for its fingerprint.
fn place(object: &DynamicObject) -> String {
    format!(
        "{}/{}",
        object.metadata.namespace.as_deref().unwrap_or_default(),
        object.metadata.name.as_deref().unwrap_or_default()
    )
}

/// The object as a read gives it: its fields, with the apiVersion and kind of the watched
/// collection when the event left them off.
fn as_read(object: DynamicObject, resource: &ApiResource) -> Value {
    let mut value = serde_json::to_value(&object).unwrap_or(Value::Null);
    if let Some(fields) = value.as_object_mut() {
        fields.entry("apiVersion").or_insert_with(|| Value::String(resource.api_version.clone()));
        fields.entry("kind").or_insert_with(|| Value::String(resource.kind.clone()));
    }
    value
}

/// The API server's answer code in a watch failure, if it gave one.
fn code_of(error: &watcher::Error) -> Option<u16> {
    match error {
        watcher::Error::InitialListFailed(kube::Error::Api(status))
        | watcher::Error::WatchStartFailed(kube::Error::Api(status))
        | watcher::Error::WatchFailed(kube::Error::Api(status)) => Some(status.code),
        watcher::Error::WatchError(status) => Some(status.code),
        _ => None,
    }
}

/// Follows one watch until it ends: never, unless aborted, or told 401 (expired credentials:
/// the scanner starts the watches again with fresh ones). Failures are retried with backoff;
/// a 403 is said once and the watch then waits, quiet (the scan reports what it cannot read).
async fn follow(
    stream: impl Stream<Item = Result<watcher::Event<DynamicObject>, watcher::Error>>,
    (resource, only): (ApiResource, Option<BTreeSet<String>>),
    news: impl Fn(WatchNews),
) {
    let (resource, kind) = (&resource, resource.kind.as_str());
    let mut stream = std::pin::pin!(stream);
    let mut listed = false;
    let mut known: HashMap<String, u64> = HashMap::new();
    let ours = |object: &DynamicObject| {
        only.as_ref().is_none_or(|set| set.contains(object.metadata.namespace.as_deref().unwrap_or_default()))
    };
    while let Some(event) = stream.next().await {
        match event {
            Ok(watcher::Event::Init) => {
                known.clear();
                if listed {
                    news(WatchNews::Restarted);
                }
            }
            Ok(watcher::Event::InitApply(object)) => {
                known.insert(place(&object), fingerprint(&object, kind));
            }
            // The first list closes the gap since the scan; a later one may hide changes.
            Ok(watcher::Event::InitDone) => {
                listed = true;
                news(WatchNews::Changed);
            }
            Ok(watcher::Event::Apply(object)) => {
                let print = fingerprint(&object, kind);
                if known.insert(place(&object), print) != Some(print) && ours(&object) {
                    news(WatchNews::Applied(Box::new(as_read(object, resource))));
                }
            }
            Ok(watcher::Event::Delete(object)) => {
                known.remove(&place(&object));
                if ours(&object) {
                    news(WatchNews::Deleted(Box::new(as_read(object, resource))));
                }
            }
            Err(error) => match code_of(&error) {
                Some(401) => {
                    tracing::warn!(%error, "a watch was refused its credentials; it starts again with fresh ones");
                    return;
                }
                Some(403) => {
                    tracing::warn!(%error, "a watch is forbidden; it waits");
                    std::future::pending::<()>().await;
                }
                _ => tracing::debug!(%error, "a watch failed; it is retried with backoff"),
            },
        }
    }
}
