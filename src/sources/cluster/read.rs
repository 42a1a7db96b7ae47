//! Reading one app's live state: every desired kind, the kinds orphans usually are, and the
//! evidence kinds (Pods, HPAs, Events) listed per namespace with pagination; cluster-scoped
//! desired objects fetched one by one; the app's Argo CD `Application` or Flux
//! `Kustomization`/`HelmRelease` (and `argocd-cm`, controller pods) found by name. Requests
//! run a few at a time. A kind that cannot be read makes its desired objects "not compared",
//! never "missing".

use crate::engine::compact::CompactManifest;
use crate::engine::{Manifest, availability, identity};
use crate::model::{Finding, ResourceKey};
use crate::sources::cluster::discovery::{self, ResourceMap, ServedResource, Wanted};
use crate::sources::cluster::list::{Widen, run};
use crate::sources::cluster::{Cluster, ClusterError, Problem};
use serde_json::Value;
use std::collections::BTreeSet;

/// Kinds leftover objects usually are (checked for orphans even when Git has none of them).
const ORPHAN_CANDIDATES: &[(&str, &str)] = &[
    ("", "Service"),
    ("", "ConfigMap"),
    ("", "ServiceAccount"),
    ("", "PersistentVolumeClaim"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "CronJob"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("policy", "PodDisruptionBudget"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
];

/// Kinds read as evidence: what selects, scales and reports on the app's objects.
const EVIDENCE: &[(&str, &str)] = &[("", "Pod"), ("autoscaling", "HorizontalPodAutoscaler"), ("", "Event")];

/// App definitions, found by the app's name in any namespace.
const DEFINITIONS: &[(&str, &str)] = &[
    ("argoproj.io", "Application"),
    ("kustomize.toolkit.fluxcd.io", "Kustomization"),
    ("helm.toolkit.fluxcd.io", "HelmRelease"),
];

/// What to read for one app.
#[derive(Debug, Clone)]
pub(crate) struct LiveQuery {
    pub app: String,
    /// Every desired object's identity and the version its apiVersion names.
    pub desired: Vec<(ResourceKey, String)>,
}

/// One live object as read: its identity, and its compact text (parsed again when compared).
#[derive(Debug, Clone)]
pub(crate) struct LiveObject {
    pub key: ResourceKey,
    pub compact: CompactManifest,
}

impl LiveObject {
    /// The object as a LIST answer item or a GET answer (`task` says which collection it came
    /// from), with the apiVersion and kind a LIST item lacks.
    pub(super) fn of(cluster: &Cluster, task: &Task, mut object: Value) -> LiveObject {
        if let Some(fields) = object.as_object_mut() {
            fields.entry("apiVersion").or_insert_with(|| Value::String(task.resource.api_version()));
            fields.entry("kind").or_insert_with(|| Value::String(task.resource.kind.clone()));
        }
        let key = identity::key_of(&object, "");
        let origin = match key.namespace.as_str() {
            "" => format!("cluster {}: {} {}", cluster.context, task.resource.display(), key.name),
            namespace => format!("cluster {}: {} {namespace}/{}", cluster.context, task.resource.display(), key.name),
        };
        LiveObject { compact: CompactManifest::new(&object, origin), key }
    }
}

/// What was read, and what could not be.
#[derive(Debug, Default)]
pub(crate) struct LiveRead {
    /// Held as text: a large cluster's objects parsed at once would take ten times the memory.
    pub objects: Vec<LiveObject>,
    /// Desired objects whose kind could not be read: leave them out of the comparison.
    pub unreadable: Vec<ResourceKey>,
    /// App-level findings saying which desired objects were not compared, and why.
    pub findings: Vec<Finding>,
    /// Evidence that could not be read (orphan candidates, events of a namespace).
    pub notes: Vec<String>,
    /// The app definitions found (`Application`, `Kustomization`, `HelmRelease`).
    pub definitions: Vec<ResourceKey>,
    /// What discovery found, for the access review that follows.
    pub resources: ResourceMap,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Purpose {
    /// Desired objects live here: a failure leaves them uncompared.
    Desired,
    /// Evidence and orphan candidates: a failure is a note.
    Evidence,
    /// Optional context (app definitions, argocd-cm): a 404 or 403 is only a note.
    Definition,
}

#[derive(Debug, Clone)]
pub(super) struct Task {
    pub(super) resource: ServedResource,
    pub(super) namespace: Option<String>,
    /// GET this object instead of listing the collection.
    pub(super) name: Option<String>,
    pub(super) field_selector: Option<String>,
    pub(super) purpose: Purpose,
}

/// Reads everything `query` needs from `cluster`.
pub(crate) async fn read(cluster: &Cluster, query: &LiveQuery) -> Result<LiveRead, ClusterError> {
    let map = discovery::discover(cluster, &wanted_groups(query)).await?;
    let mut read = LiveRead::default();
    for (group_version, problem) in &map.unavailable {
        read.notes
            .push(format!("API group {group_version} could not be discovered ({problem}): its kinds were not read"));
    }
    let tasks = plan(cluster, query, &map, &mut read);
    let widen = map.kind("", "Namespace").map_or(Widen::Never, |namespaces| Widen::IfMostOf(namespaces.clone()));
    run(cluster, tasks, query, &mut read, widen).await?;
    // The controllers' namespaces hold argocd-cm and the controller pods.
    let follow_up = follow_up(&map, &read);
    run(cluster, follow_up, query, &mut read, Widen::Never).await?;
    read.resources = map;
    Ok(read)
}

/// Every Argo CD `Application` and Flux `Kustomization` in the cluster, for app discovery;
/// notes say which of them could not be listed.
pub(crate) async fn app_definitions(cluster: &Cluster) -> Result<(Vec<Manifest>, Vec<String>), ClusterError> {
    let wanted: Wanted = DEFINITIONS.iter().map(|(group, _)| ((*group).to_owned(), None)).collect();
    let map = discovery::discover(cluster, &wanted).await?;
    let query = LiveQuery { app: String::new(), desired: Vec::new() };
    let mut read = LiveRead::default();
    let tasks = [("argoproj.io", "Application"), ("kustomize.toolkit.fluxcd.io", "Kustomization")]
        .iter()
        .filter_map(|(group, kind)| map.kind(group, kind))
        .map(|resource| Task {
            resource: resource.clone(),
            namespace: None,
            name: None,
            field_selector: None,
            purpose: Purpose::Definition,
        })
        .collect();
    run(cluster, tasks, &query, &mut read, Widen::Never).await?;
    let objects = read.objects.iter().map(|object| object.compact.manifest()).collect();
    Ok((objects, read.notes))
}

fn wanted_groups(query: &LiveQuery) -> Wanted {
    let mut wanted: Wanted =
        query.desired.iter().map(|(key, version)| (key.group.clone(), Some(version.clone()))).collect();
    for (group, _) in ORPHAN_CANDIDATES.iter().chain(EVIDENCE).chain(DEFINITIONS) {
        wanted.insert(((*group).to_owned(), None));
    }
    wanted
}

/// The first round of requests; desired kinds the server does not serve become findings.
fn plan(cluster: &Cluster, query: &LiveQuery, map: &ResourceMap, read: &mut LiveRead) -> Vec<Task> {
    let mut namespaces: BTreeSet<&str> = query
        .desired
        .iter()
        .filter(|(key, _)| !identity::is_cluster_scoped(&key.group, &key.kind) && !key.namespace.is_empty())
        .map(|(key, _)| key.namespace.as_str())
        .collect();
    if namespaces.is_empty() {
        namespaces.insert(&cluster.namespace);
    }
    let mut tasks: Vec<Task> = Vec::new();
    // One task per collection (or object): the first purpose asked wins.
    let mut asked: std::collections::HashSet<(String, Option<String>)> = Default::default();
    let mut push = |task: Task| {
        if asked.insert((task.resource.collection(task.namespace.as_deref()), task.name.clone())) {
            tasks.push(task);
        }
    };
    let mut unserved: Vec<&ResourceKey> = Vec::new();
    for (key, version) in &query.desired {
        let Some(resource) = map.resolve(&key.group, version, &key.kind) else {
            unserved.push(key);
            continue;
        };
        let (namespace, name) = match resource.namespaced {
            true => (Some(key.namespace.clone()), None),
            false => (None, Some(key.name.clone())),
        };
        push(Task { resource: resource.clone(), namespace, name, field_selector: None, purpose: Purpose::Desired });
    }
    for namespace in &namespaces {
        for (group, kind) in ORPHAN_CANDIDATES.iter().chain(EVIDENCE) {
            if let Some(resource) = map.kind(group, kind) {
                let namespace = Some((*namespace).to_owned());
                push(Task {
                    resource: resource.clone(),
                    namespace,
                    name: None,
                    field_selector: None,
                    purpose: Purpose::Evidence,
                });
            }
        }
    }
    for (group, kind) in DEFINITIONS {
        if let Some(resource) = map.kind(group, kind) {
            let field_selector = Some(format!("metadata.name={}", query.app));
            push(Task {
                resource: resource.clone(),
                namespace: None,
                name: None,
                field_selector,
                purpose: Purpose::Definition,
            });
        }
    }
    if !unserved.is_empty() {
        read.unreadable.extend(unserved.iter().map(|key| (*key).clone()));
        let kinds: BTreeSet<String> = unserved.iter().map(|key| key.kind.clone()).collect();
        let kinds = kinds.into_iter().collect::<Vec<_>>().join(", ");
        read.findings.push(availability::read_failure(format!(
            "the cluster (context {}) serves no {kinds} at the version Git uses: its CustomResourceDefinition is not installed (or its API is down), so the GitOps controller cannot apply {}; install the CRD first",
            cluster.context,
            objects_phrase(&unserved)
        )));
    }
    tasks
}

/// Requests that depend on the first round: argocd-cm and controller pods beside the app's
/// definition.
fn follow_up(map: &ResourceMap, read: &LiveRead) -> Vec<Task> {
    let mut tasks = Vec::new();
    let read_pods_in: BTreeSet<&str> = (read.objects.iter())
        .filter(|object| object.key.group.is_empty() && object.key.kind == "Pod")
        .map(|object| object.key.namespace.as_str())
        .collect();
    let mut namespaces: BTreeSet<&str> = BTreeSet::new();
    for definition in &read.definitions {
        if definition.kind == "Application"
            && let Some(config_maps) = map.kind("", "ConfigMap")
        {
            tasks.push(Task {
                resource: config_maps.clone(),
                namespace: Some(definition.namespace.clone()),
                name: Some("argocd-cm".to_owned()),
                field_selector: None,
                purpose: Purpose::Definition,
            });
        }
        namespaces.insert(&definition.namespace);
    }
    if let Some(pods) = map.kind("", "Pod") {
        for namespace in namespaces.into_iter().filter(|ns| !read_pods_in.contains(ns)) {
            tasks.push(Task {
                resource: pods.clone(),
                namespace: Some(namespace.to_owned()),
                name: None,
                field_selector: None,
                purpose: Purpose::Definition,
            });
        }
    }
    tasks
}

pub(super) fn accept(task: &Task, objects: Vec<LiveObject>, read: &mut LiveRead) {
    for object in objects {
        let key = &object.key;
        if task.purpose == Purpose::Definition && DEFINITIONS.iter().any(|(g, k)| key.group == *g && key.kind == *k) {
            read.definitions.push(key.clone());
        }
        read.objects.push(object);
    }
}

pub(super) fn failed(
    cluster: &Cluster,
    task: &Task,
    problem: Problem,
    query: &LiveQuery,
    read: &mut LiveRead,
) -> Result<(), ClusterError> {
    let what = match (&task.namespace, &task.name) {
        (Some(namespace), Some(name)) => format!("{} {namespace}/{name}", task.resource.display()),
        (None, Some(name)) => format!("{} {name}", task.resource.display()),
        (Some(namespace), None) => format!("{} in namespace {namespace}", task.resource.display()),
        (None, None) => format!("{} in all namespaces", task.resource.display()),
    };
    let verb = if task.name.is_some() { "get" } else { "list" };
    if problem.is_fatal() {
        return Err(cluster.error(verb, what, problem));
    }
    match task.purpose {
        Purpose::Desired => {
            let skipped: Vec<&ResourceKey> = query
                .desired
                .iter()
                .map(|(key, _)| key)
                .filter(|key| key.group == task.resource.group && key.kind == task.resource.kind)
                .filter(|key| task.namespace.as_ref().is_none_or(|ns| *ns == key.namespace))
                .filter(|key| task.name.as_ref().is_none_or(|name| *name == key.name))
                .collect();
            read.findings.push(availability::read_failure(format!(
                "kdrift cannot {verb} {what} (context {}): {problem}; not compared: {}. This report is incomplete for them: ask for read access, or compare a snapshot (--live)",
                cluster.context,
                objects_phrase(&skipped)
            )));
            read.unreadable.extend(skipped.into_iter().cloned());
        }
        Purpose::Evidence => {
            read.notes.push(format!("could not {verb} {what}: {problem}; orphans and evidence there were not checked"))
        }
        Purpose::Definition if problem == Problem::NotFound => {}
        Purpose::Definition => read.notes.push(format!(
            "could not {verb} {what}: {problem}; the app's ignore rules and controller status there were not read"
        )),
    }
    Ok(())
}

/// "Deployment prod/checkout-api and 2 more".
fn objects_phrase(keys: &[&ResourceKey]) -> String {
    match keys {
        [] => "nothing".to_owned(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
    }
}
