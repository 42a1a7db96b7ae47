//! The one keeper of desired and live copies: while the engine streams an app's objects, it
//! keeps the ones a front end will show (all of them for the TUI's diff screen, one resource
//! for a decision or `diff --resource`, none for a scan), under the keys the report uses,
//! as compact text (`pair`).

use crate::engine::{Manifest, identity};
use crate::investigate::pair::Pair;
use crate::investigate::resident::Resident;
use crate::investigate::spec::{ResourceFilter, SourceKind};
use crate::model::{AppReport, ResourceKey};
use crate::sources::cluster::watch::WatchSet;
use std::collections::HashMap;

/// Which objects to keep while an app is compared.
#[derive(Debug, Clone)]
pub enum Keep {
    /// None: a scan only needs the report.
    Nothing,
    /// Every object the diff screen can show.
    Shown,
    /// Git's copies (monitoring reads their owner labels) and what a changed object needs to
    /// be compared again alone (`resident`); the live copies, with their managedFields and
    /// status, are what makes a large cluster heavy to hold.
    Resident,
    /// The resources one filter names (a decision, `diff --resource`).
    Only(ResourceFilter),
}

/// Live kinds the diff screen never shows (evidence, not resources).
const NOT_SHOWN: &[&str] = &["Event", "Pod", "ReplicaSet", "Endpoints", "EndpointSlice", "ControllerRevision"];

/// Which side of the comparison an object came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Desired,
    Live,
}

/// One app as investigated: its report and the copies kept for it.
#[derive(Debug, Clone)]
pub struct AppData {
    pub report: AppReport,
    /// Where it came from ("sample image-hotfix", "git . vs cluster prod-eu").
    pub origin: String,
    /// What kind of place its live state is: what a decision may write to.
    pub source: SourceKind,
    pub namespace: String,
    pub objects: HashMap<ResourceKey, Pair>,
    /// Evaluation time of ages (a sample's snapshot time, else now).
    pub now: Option<i64>,
    /// The live pods seen, summarized, and the warnings about them: the health step 1 of a
    /// runbook shows.
    pub pods: crate::model::health::PodsSeen,
    /// What a changed object needs to be compared again alone (`Keep::Resident` only).
    pub resident: Option<std::sync::Arc<Resident>>,
    /// The app as a fleet overview knows it (`--prometheus`): its counts, without its
    /// findings; opening it reads it from its cluster.
    pub overview: Option<crate::investigate::summary::AppSummary>,
    /// The audit log's writes its owners were matched with: a resource compared again
    /// alone gets its people back from them.
    pub audit: Option<std::sync::Arc<crate::sources::audit::AuditIndex>>,
}

/// Everything one load found.
#[derive(Debug, Clone, Default)]
pub struct Investigation {
    pub apps: Vec<AppData>,
    /// The context live state came from, for the header.
    pub context: Option<String>,
    /// "sample checkout-api", "git ./repo vs cluster prod": the sources, for a report header.
    pub label: String,
    /// Remarks about the sources (a rules file that holds no rule, an app definition that
    /// could not be read): the CLI prints them as warnings, the TUI shows them.
    pub notes: Vec<String>,
    /// Contexts that could not be read when several were asked for, each with why (also
    /// among `notes`): a scan that missed a cluster must not exit as if it were clean.
    pub unreachable: Vec<String>,
    /// The request this was loaded for, when a screen asked (it may have moved on to other
    /// sources meanwhile: a late answer is not theirs).
    pub source: Option<crate::investigate::Request>,
}

impl Investigation {
    /// The kinds and namespaces of everything the apps hold, their app definitions, and the
    /// HPAs there (an HPA made or changed since the scan changes what replicas mean).
    pub(crate) fn watch_set(&self) -> WatchSet {
        let mut set = WatchSet::default();
        if !self.apps.is_empty() {
            set.kinds.insert(("autoscaling".to_owned(), "HorizontalPodAutoscaler".to_owned()));
        }
        for app in &self.apps {
            if !app.namespace.is_empty() {
                set.namespaces.insert(app.namespace.clone());
            }
            for resource in &app.report.resources {
                set.kinds.insert((resource.group.clone(), resource.kind.clone()));
                if !resource.namespace.is_empty() {
                    set.namespaces.insert(resource.namespace.clone());
                }
            }
            if let Some(object) = app.report.controller.as_ref().and_then(|c| c.object.as_ref()) {
                let group = object.api_version.rsplit_once('/').map_or("", |(group, _)| group);
                set.kinds.insert((group.to_owned(), object.kind.clone()));
                if !object.namespace.is_empty() {
                    set.namespaces.insert(object.namespace.clone());
                }
            }
        }
        set
    }
}

/// The objects of one app being kept.
#[derive(Debug)]
pub(crate) struct Kept {
    keep: Keep,
    namespace: String,
    objects: HashMap<ResourceKey, Pair>,
    pub(crate) pods: crate::model::health::PodsSeen,
    /// Filled as the objects stream by, with `Keep::Resident`.
    pub(crate) resident: Option<Resident>,
}

impl Kept {
    pub(crate) fn new(keep: &Keep, namespace: &str) -> Kept {
        Kept {
            keep: keep.clone(),
            namespace: namespace.to_owned(),
            objects: HashMap::new(),
            pods: Default::default(),
            resident: None,
        }
    }

    /// Learns the names the API server serves kinds under, for a `--resource` filter.
    pub(crate) fn learn<'a>(&mut self, served: impl Iterator<Item = (&'a str, &'a str)>) {
        if let Keep::Only(filter) = &mut self.keep {
            filter.learn(served);
        }
    }

    /// Sees one object before the engine takes it; the first copy of a key wins, as in the engine.
    pub(crate) fn observe(&mut self, side: Side, manifest: &Manifest) {
        if matches!(self.keep, Keep::Nothing) {
            return;
        }
        if let (Side::Live, Some(resident)) = (side, &mut self.resident) {
            resident.observe_live(manifest);
        }
        // A pod's summary is its workload's health; the pod itself is kept as any object is
        // (a Git-managed Pod has a diff too).
        if side == Side::Live {
            if let Some(pod) = crate::model::health::PodSummary::of(&manifest.object, &self.namespace) {
                self.pods.add_pod(pod);
            } else if manifest.object.get("kind").and_then(serde_json::Value::as_str) == Some("Event")
                && let Some(warning) = crate::engine::events::pod_warning(&manifest.object)
            {
                self.pods.add_warning(warning);
            }
        }
        let key = identity::key_of(&manifest.object, &self.namespace);
        let wanted = match &self.keep {
            Keep::Nothing => false,
            Keep::Shown => !NOT_SHOWN.contains(&key.kind.as_str()),
            Keep::Resident => side == Side::Desired,
            Keep::Only(filter) => filter.matches(&key),
        };
        if !wanted {
            return;
        }
        let pair = self.objects.entry(key).or_default();
        match side {
            Side::Desired => pair.keep_desired(&manifest.object),
            Side::Live => pair.keep_live(&manifest.object),
        }
    }

    /// The pairs under the keys the report uses. A cluster-scoped object Git gave a namespace
    /// was kept under two keys (Git's namespace, live's none): the report's key gets both.
    pub(crate) fn aligned_with(mut self, report: &AppReport) -> HashMap<ResourceKey, Pair> {
        // The kept keys by everything but their namespace, built once (not a scan per
        // cluster-scoped resource).
        let mut by_name: HashMap<ResourceKey, Vec<ResourceKey>> = HashMap::new();
        for key in self.objects.keys() {
            by_name.entry(ResourceKey { namespace: String::new(), ..key.clone() }).or_default().push(key.clone());
        }
        for resource in report.resources.iter().filter(|r| r.namespace.is_empty()) {
            let key = resource.key();
            if self.objects.get(&key).is_some_and(|pair| pair.has_desired() && pair.has_live()) {
                continue;
            }
            // `key` has no namespace: it is its own name-only key.
            let others: Vec<ResourceKey> = by_name.get(&key).cloned().unwrap_or_default();
            if others.is_empty() {
                continue;
            }
            let mut merged = self.objects.remove(&key).unwrap_or_default();
            for other in others {
                if let Some(pair) = self.objects.remove(&other) {
                    merged.fill_from(pair);
                }
            }
            self.objects.insert(key, merged);
        }
        self.objects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EngineConfig, compare_app};
    use serde_json::json;

    /// Git gives a cluster-scoped custom object a namespace the API server ignores: the
    /// copies kept under two keys meet under the report's (namespace-less) key.
    #[test]
    fn copies_kept_under_two_keys_meet_under_the_reports_key() {
        let widget = |name: &str, namespace: Option<&str>, size: u32| {
            let mut object = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name},
                "spec": {"size": size}});
            if let Some(namespace) = namespace {
                object["metadata"]["namespace"] = json!(namespace);
            }
            Manifest { object, origin: "test.yaml#1".to_owned() }
        };
        let desired: Vec<Manifest> = (0..30).map(|i| widget(&format!("w{i}"), Some("prod"), 1)).collect();
        let live: Vec<Manifest> = (0..30).map(|i| widget(&format!("w{i}"), None, if i == 7 { 2 } else { 1 })).collect();
        let mut kept = Kept::new(&Keep::Shown, "prod");
        desired.iter().for_each(|m| kept.observe(Side::Desired, m));
        live.iter().for_each(|m| kept.observe(Side::Live, m));
        let report = compare_app(&EngineConfig::default(), "app", "prod", None, desired.clone(), live.clone())
            .expect("compares");
        let objects = kept.aligned_with(&report);
        assert_eq!(objects.len(), 30, "{:?}", objects.keys().collect::<Vec<_>>());
        let key = ResourceKey {
            group: "example.com".into(),
            kind: "Widget".into(),
            namespace: String::new(),
            name: "w7".into(),
        };
        let pair = &objects[&key];
        assert_eq!(pair.desired().as_ref(), Some(&desired[7].object));
        assert_eq!(pair.live().as_ref(), Some(&live[7].object));
    }
}
