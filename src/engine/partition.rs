//! One read of live state shared by every app of a multi-app scan: objects kept as compact
//! JSON and indexed by what ties them to an app, so that each app's comparison is fed only
//! the objects that can change its report, in the order they were read. What can: its
//! desired objects' namesakes; objects tracked to it (instance label, tracking id, Flux
//! labels) or listed in its definition's inventory; its definitions; Argo CD's settings and
//! the GitOps controller's pods (everyone's); the scope evidence of its custom kinds; Events
//! and HPAs about what it was fed; pods and pod templates its Services could select. Each
//! app then costs what it holds, not what the cluster holds.

use crate::engine::availability;
use crate::engine::identity;
use crate::engine::maps::{FastMap, string_map};
use crate::engine::orphans::{ArgoApp, FluxApp};
use crate::engine::tracking::{self, FLUX_NAME, HELM_NAME, TRACKING_ID, TrackingId};
use crate::engine::{Manifest, pairs};
use serde_json::Value;
use std::collections::BTreeMap;

/// (kind, name): what an object, an Event's subject or an HPA's target is found by. The
/// namespace is left out on purpose: which namespace an object pairs in depends on each
/// app's destination, so the index over-approximates and the comparison decides.
type Name = (String, String);

const DEFINITION_KINDS: &[&str] = &["Application", "Kustomization", "HelmRelease"];

/// Kinds whose pods or pod templates a Service can select (as `orphans::Selectable` reads).
const SELECTABLE_KINDS: &[&str] = &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"];

struct Pooled {
    origin: String,
    text: Box<str>,
    kind: String,
    name: String,
    /// A Service's namespace and selector: the pods it selects go where it goes.
    selector: Option<(Option<String>, BTreeMap<String, String>)>,
    /// A pod's (or template's) namespace and labels.
    labels: Option<(Option<String>, BTreeMap<String, String>)>,
}

/// Live objects read once, with the indexes that route them to apps.
pub struct LivePool {
    instance_label: String,
    objects: Vec<Pooled>,
    by_name: FastMap<Name, Vec<u32>>,
    /// By every app name a tracking label or annotation could mean (`ns_app` also as `app`).
    by_tracking: FastMap<String, Vec<u32>>,
    everyone: Vec<u32>,
    /// Cluster-scoped CRDs, and custom objects without a namespace, by kind: both tell an
    /// app's comparison that its kind is cluster-scoped.
    scope_evidence: FastMap<String, Vec<u32>>,
    events_by_subject: FastMap<Name, Vec<u32>>,
    hpas_by_target: FastMap<Name, Vec<u32>>,
    /// Pods and templates by (label, value).
    by_label: FastMap<(String, String), Vec<u32>>,
}

impl LivePool {
    /// An empty pool; `instance_label` is the label Argo CD tracks apps with.
    pub fn new(instance_label: &str) -> LivePool {
        LivePool {
            instance_label: instance_label.to_owned(),
            objects: Vec::new(),
            by_name: FastMap::default(),
            by_tracking: FastMap::default(),
            everyone: Vec::new(),
            scope_evidence: FastMap::default(),
            events_by_subject: FastMap::default(),
            hpas_by_target: FastMap::default(),
            by_label: FastMap::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Keeps one live object and indexes it.
    pub fn add(&mut self, manifest: Manifest) {
        let Manifest { object, origin } = manifest;
        let id = self.objects.len() as u32;
        let text_at = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_owned();
        let (kind, name) = (text_at("/kind"), text_at("/metadata/name"));
        let namespace = identity::namespace_of(&object).map(str::to_owned);
        let (group, _) = identity::split_api_version(object.get("apiVersion").and_then(Value::as_str).unwrap_or(""));
        let mut pooled = Pooled { origin, text: Box::default(), kind, name, selector: None, labels: None };
        // Any object's tracking can make the app trust or distrust a definition.
        self.index_tracking(&object, id);
        match pooled.kind.as_str() {
            "Event" => {
                let about = object.get("regarding").or_else(|| object.get("involvedObject"));
                let field = |name: &str| about.and_then(|a| a.get(name)).and_then(Value::as_str).unwrap_or_default();
                push(&mut self.events_by_subject, (field("kind").to_owned(), field("name").to_owned()), id);
            }
            kind => push(&mut self.by_name, (kind.to_owned(), pooled.name.clone()), id),
        }
        match pooled.kind.as_str() {
            "HorizontalPodAutoscaler" => {
                let target = |name: &str| text_at(&format!("/spec/scaleTargetRef/{name}"));
                push(&mut self.hpas_by_target, (target("kind"), target("name")), id);
            }
            "ConfigMap" if group.is_empty() && pooled.name == "argocd-cm" => self.everyone.push(id),
            "Pod" if availability::is_controller_pod(&object) => self.everyone.push(id),
            "CustomResourceDefinition" if text_at("/spec/scope") == "Cluster" => {
                push(&mut self.scope_evidence, text_at("/spec/names/kind"), id);
            }
            "Service" => {
                let selector = string_map(object.pointer("/spec/selector"));
                pooled.selector = selector.map(|selector| (namespace.clone(), selector));
            }
            _ => {}
        }
        if namespace.is_none() && !identity::is_builtin_group(group) {
            push(&mut self.scope_evidence, pooled.kind.clone(), id);
        }
        if SELECTABLE_KINDS.contains(&pooled.kind.as_str()) {
            let labels = match pooled.kind.as_str() {
                "Pod" => object.pointer("/metadata/labels"),
                _ => object.pointer("/spec/template/metadata/labels"),
            };
            if let Some(labels) = string_map(labels) {
                for (label, value) in &labels {
                    push(&mut self.by_label, (label.clone(), value.clone()), id);
                }
                pooled.labels = Some((namespace, labels));
            }
        }
        pooled.text = pairs::to_text(&object);
        self.objects.push(pooled);
    }

    /// Indexes the app names the object's tracking could mean.
    fn index_tracking(&mut self, object: &Value, id: u32) {
        for app in tracked_names(object, &self.instance_label) {
            push(&mut self.by_tracking, app, id);
        }
    }

    /// The definitions (Argo CD Applications, Flux Kustomizations and HelmReleases) among
    /// the objects, in the order read.
    pub fn definitions(&self) -> Vec<Manifest> {
        let mut ids: Vec<u32> = Vec::new();
        for (id, object) in self.objects.iter().enumerate() {
            if DEFINITION_KINDS.contains(&object.kind.as_str()) {
                ids.push(id as u32);
            }
        }
        ids.into_iter().filter_map(|id| self.manifest(id)).collect()
    }

    /// What `app`, whose desired objects are `desired`, must see of live state, in the order
    /// it was read.
    pub fn share(&self, app: &str, desired: &[Manifest]) -> Vec<Manifest> {
        self.share_ids(app, desired).into_iter().filter_map(|id| self.manifest(id)).collect()
    }

    /// The objects of `share`, by position, to be parsed one at a time as they are compared.
    pub fn share_ids(&self, app: &str, desired: &[Manifest]) -> Vec<u32> {
        let mut ids: Vec<u32> = self.everyone.clone();
        let mut names: Vec<Name> = desired
            .iter()
            .map(|m| {
                let text = |pointer: &str| m.object.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
                (text("/kind").to_owned(), text("/metadata/name").to_owned())
            })
            .collect();
        for kind in DEFINITION_KINDS {
            names.push(((*kind).to_owned(), app.to_owned()));
        }
        names.sort();
        names.dedup();
        let mut kinds: Vec<&str> = names.iter().map(|(kind, _)| kind.as_str()).collect();
        kinds.dedup();
        for name in &names {
            ids.extend(self.ids(&self.by_name, name));
            ids.extend(self.ids(&self.hpas_by_target, name));
        }
        for kind in kinds {
            ids.extend(self.ids(&self.scope_evidence, kind));
        }
        ids.extend(self.ids(&self.by_tracking, app));
        // What the app's definitions list as theirs can be proven an orphan by the list.
        let definitions: Vec<u32> = ids.iter().copied().filter(|id| self.is_definition_of(*id, app)).collect();
        for id in definitions {
            for listed in self.inventory(id) {
                ids.extend(self.ids(&self.by_name, &listed));
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let selected = self.selected_by_services(&ids);
        ids.extend(selected);
        // Every copy of what was routed: the first copy of a key decides (an untracked copy
        // read before a tracked one makes it no orphan). Each name once: many namespaces
        // hold an object of the same name (`default`, `kube-root-ca.crt`).
        let mut routed: Vec<Name> =
            ids.iter().filter(|id| self.objects[**id as usize].kind != "Event").map(|id| self.name_of(*id)).collect();
        routed.sort();
        routed.dedup();
        for name in &routed {
            ids.extend(self.ids(&self.by_name, name));
        }
        routed.extend(names);
        routed.sort();
        routed.dedup();
        for subject in &routed {
            ids.extend(self.ids(&self.events_by_subject, subject));
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn ids<'s, K, Q>(&'s self, index: &'s FastMap<K, Vec<u32>>, key: &Q) -> impl Iterator<Item = u32> + 's
    where
        K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        index.get(key).into_iter().flatten().copied()
    }

    fn name_of(&self, id: u32) -> Name {
        let object = &self.objects[id as usize];
        (object.kind.clone(), object.name.clone())
    }

    fn is_definition_of(&self, id: u32, app: &str) -> bool {
        let object = &self.objects[id as usize];
        object.name == app && DEFINITION_KINDS.contains(&object.kind.as_str())
    }

    /// What a definition's status lists as the app's: Argo CD's `status.resources`, Flux's
    /// `status.inventory`.
    fn inventory(&self, id: u32) -> Vec<Name> {
        let object = &self.objects[id as usize];
        let Ok(value) = serde_json::from_str::<Value>(&object.text) else {
            return Vec::new();
        };
        let keys = match object.kind.as_str() {
            "Application" => ArgoApp::from_application(&value, String::new()).resources,
            _ => FluxApp::from_kustomization(&value, "", String::new()).inventory,
        };
        keys.into_iter().map(|key| (key.kind, key.name)).collect()
    }

    /// Pods and templates a Service among `ids` selects (any namespace when either side has
    /// none: the comparison decides).
    fn selected_by_services(&self, ids: &[u32]) -> Vec<u32> {
        let mut selected = Vec::new();
        for id in ids {
            let Some((namespace, selector)) = &self.objects[*id as usize].selector else {
                continue;
            };
            // The rarest of the selector's labels bounds the candidates.
            let postings =
                selector.iter().map(|(k, v)| self.by_label.get(&(k.clone(), v.clone())).map_or(&[][..], Vec::as_slice));
            let Some(candidates) = postings.min_by_key(|ids| ids.len()) else {
                continue;
            };
            for &candidate in candidates {
                let Some((pod_namespace, labels)) = &self.objects[candidate as usize].labels else {
                    continue;
                };
                let same_namespace = namespace.is_none() || pod_namespace.is_none() || namespace == pod_namespace;
                if same_namespace && selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
                    selected.push(candidate);
                }
            }
        }
        selected
    }

    /// The object at position `id`, parsed back from its compact text (written from a value,
    /// so it always parses).
    pub fn manifest(&self, id: u32) -> Option<Manifest> {
        let object = self.objects.get(id as usize)?;
        let value = serde_json::from_str(&object.text).ok()?;
        Some(Manifest { object: value, origin: object.origin.clone() })
    }
}

/// Every app name the object's tracking could mean (instance label, Argo CD tracking id,
/// Flux and Helm labels), each once: the bare name, and `app` of `<namespace>_<app>` too
/// (as `tracking::names_app` reads them).
pub fn tracked_names(object: &Value, instance_label: &str) -> Vec<String> {
    let labels = |key: &str| tracking::metadata_text(object, "labels", key);
    let tracking_id = tracking::metadata_text(object, "annotations", TRACKING_ID).and_then(TrackingId::parse);
    let named = [labels(instance_label), tracking_id.map(|t| t.app), labels(FLUX_NAME), labels(HELM_NAME)];
    let mut seen: Vec<String> = Vec::new();
    for tracked in named.into_iter().flatten() {
        let suffix = tracked.rsplit_once('_').map(|(_, app)| app);
        for app in std::iter::once(tracked).chain(suffix) {
            if !seen.iter().any(|known| known == app) {
                seen.push(app.to_owned());
            }
        }
    }
    seen
}

fn push<K: std::hash::Hash + Eq>(index: &mut FastMap<K, Vec<u32>>, key: K, id: u32) {
    index.entry(key).or_default().push(id);
}

#[cfg(test)]
#[path = "partition_tests.rs"]
mod tests;
