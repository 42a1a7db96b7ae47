//! The drift engine: pure values in, an `AppReport` out. No IO, no async, no terminal.
//!
//! Desired objects are fed first and kept normalized as compact JSON text (a tenth of their
//! size as a value tree); live objects are fed one at a time, diffed against their desired
//! pair immediately and dropped, so a scan never holds a large cluster twice. Differences are
//! classified at the end, when cluster-wide evidence such as HPAs is complete.

pub mod classify;
pub mod defaults;
pub mod diff;
#[cfg(test)]
mod diff_tests;
pub mod fields;
pub mod identity;
pub mod managers;
pub mod maps;
pub mod merge_keys;
pub mod normalize;
pub mod orphans;
pub mod ownership;
pub mod path;
pub mod quantity;
pub mod secrets;
pub mod time;

use crate::model::{AppReport, Finding, ResourceKey, ResourceReport, ResourceStatus, SyncStatus};
use diff::{LiveEvidence, RawDiff};
use managers::ManagerTable;
use serde_json::Value;
use std::collections::HashMap;

/// One object with where it came from (`file#document`), for errors and evidence.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub object: Value,
    pub origin: String,
}

#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    pub managers: ManagerTable,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EngineError {
    #[error("{key} is defined twice in desired state: {first} and {second}")]
    /// `key` is the resource as `Kind namespace/name`.
    DuplicateDesired { key: String, first: String, second: String },
}

/// `HashMap` with a fast non-cryptographic hasher: keys are object identities, not input
/// an attacker chooses to collide.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A desired object and, once its live pair was seen, the comparison.
struct Desired {
    key: ResourceKey,
    /// The normalized object as JSON text, parsed again when its live pair arrives.
    text: Box<str>,
    version: String,
    origin: String,
    compared: Option<Compared>,
}

/// A paired resource awaiting classification.
struct Compared {
    version: String,
    diffs: Vec<RawDiff>,
    live_origin: String,
    notes: Vec<String>,
}

pub struct Comparator<'c> {
    config: &'c EngineConfig,
    app: String,
    default_namespace: String,
    now: Option<i64>,
    /// Desired objects in the order they were given, and where each key sits.
    desired: Vec<Desired>,
    index: FastMap<ResourceKey, usize>,
    orphans: Vec<orphans::Candidate>,
    orphan_keys: FastMap<ResourceKey, ()>,
    /// Workloads a live HPA scales → the HPA's name.
    hpa_targets: FastMap<ResourceKey, String>,
}

impl<'c> Comparator<'c> {
    /// A comparator for one app; feed it desired objects, then live ones.
    pub fn new(config: &'c EngineConfig, app: &str, default_namespace: &str, now: Option<i64>) -> Self {
        Comparator {
            config,
            app: app.to_owned(),
            default_namespace: default_namespace.to_owned(),
            now,
            desired: Vec::new(),
            index: FastMap::default(),
            orphans: Vec::new(),
            orphan_keys: FastMap::default(),
            hpa_targets: FastMap::default(),
        }
    }

    /// Indexes and normalizes one desired object; the same identity twice is an error.
    pub fn add_desired(&mut self, manifest: Manifest) -> Result<(), EngineError> {
        let Manifest { mut object, origin } = manifest;
        let key = identity::key_of(&object, &self.default_namespace);
        if let Some(first) = self.index.get(&key) {
            let first = self.desired[*first].origin.clone();
            return Err(EngineError::DuplicateDesired { key: key.to_string(), first, second: origin });
        }
        let version = identity::version_of(&object);
        normalize::normalize(&mut object, &key.kind, identity::is_cluster_scoped(&key.kind));
        // serde_json's writer, not `Display`: the formatter adapter costs a third more.
        let text = serde_json::to_string(&object).unwrap_or_default().into_boxed_str();
        self.index.insert(key.clone(), self.desired.len());
        self.desired.push(Desired { key, text, version, origin, compared: None });
        Ok(())
    }

    /// Compares one live object with its desired pair (or keeps it as an orphan candidate).
    pub fn observe_live(&mut self, manifest: Manifest) {
        let Manifest { mut object, origin } = manifest;
        let key = identity::key_of(&object, &self.default_namespace);
        if key.kind == "HorizontalPodAutoscaler" {
            self.note_hpa(&key, &object);
        }
        let Some(&slot) = self.index.get(&key) else {
            // Overlapping snapshot files: the first copy wins, consistently.
            if !self.orphan_keys.contains_key(&key)
                && let Some(candidate) = orphans::candidate(&key, &object, &self.app, &self.config.managers, origin)
            {
                self.orphan_keys.insert(key, ());
                self.orphans.push(candidate);
            }
            return;
        };
        let desired = &mut self.desired[slot];
        if desired.compared.is_some() {
            return;
        }
        let removed = normalize::normalize(&mut object, &key.kind, identity::is_cluster_scoped(&key.kind));
        let evidence = LiveEvidence {
            kind: &key.kind,
            managed_fields: removed.managed_fields.as_ref(),
            managers: &self.config.managers,
            last_applied: removed.last_applied.as_deref(),
            opaque_data: matches!(key.kind.as_str(), "ConfigMap" | "Secret"),
            builtin_kind: identity::is_builtin_group(&key.group),
        };
        // Text written by `add_desired` from a value always parses back.
        let desired_object: Value = serde_json::from_str(&desired.text).unwrap_or_default();
        // Paired: the text is not needed again.
        desired.text = Box::default();
        let diffs = diff::diff_objects(&desired_object, &object, &evidence);
        let mut notes = Vec::new();
        if !evidence.has_ownership() {
            notes.push(
                "live copy has no managedFields: fields added out of band cannot be attributed \
                 (capture with `kubectl get -o yaml --show-managed-fields`)"
                    .to_owned(),
            );
        }
        desired.compared = Some(Compared { version: identity::version_of(&object), diffs, live_origin: origin, notes });
    }

    fn note_hpa(&mut self, key: &ResourceKey, hpa: &Value) {
        let target = hpa.get("spec").and_then(|s| s.get("scaleTargetRef"));
        let field = |name: &str| target.and_then(|t| t.get(name)).and_then(Value::as_str);
        if let (Some(kind), Some(name)) = (field("kind"), field("name")) {
            let group = identity::split_api_version(field("apiVersion").unwrap_or("apps/v1")).0;
            let workload = ResourceKey {
                group: group.to_owned(),
                kind: kind.to_owned(),
                namespace: key.namespace.clone(),
                name: name.to_owned(),
            };
            self.hpa_targets.insert(workload, key.name.clone());
        }
    }

    /// Classifies everything observed and builds the app's report.
    pub fn finish(self) -> AppReport {
        let mut resources = Vec::with_capacity(self.desired.len() + self.orphans.len());
        for desired in self.desired {
            let Some(compared) = desired.compared else {
                let mut report =
                    resource_report(&desired.key, desired.version, vec![orphans::missing_finding(&desired.key)]);
                report.status = ResourceStatus::Missing;
                report.desired_source = Some(desired.origin);
                resources.push(report);
                continue;
            };
            let hpa = self.hpa_targets.get(&desired.key).map(String::as_str);
            let ctx = classify::Context { key: &desired.key, now: self.now, hpa };
            let mut findings: Vec<Finding> =
                compared.diffs.into_iter().map(|raw| classify::classify(raw, &ctx)).collect();
            // What needs action first, most severe first; otherwise object order.
            findings.sort_by_key(|f| (!f.needs_action(), std::cmp::Reverse(f.severity)));
            let mut report = resource_report(&desired.key, compared.version, findings);
            report.desired_source = Some(desired.origin);
            report.live_source = Some(compared.live_origin);
            report.notes = compared.notes;
            resources.push(report);
        }
        for candidate in self.orphans {
            let finding = orphans::orphan_finding(&candidate, &self.app);
            let mut report = resource_report(&candidate.key, candidate.version.clone(), vec![finding]);
            report.status = ResourceStatus::Orphan;
            report.live_source = Some(candidate.origin);
            resources.push(report);
        }
        let in_sync = resources.iter().all(|r| matches!(r.status, ResourceStatus::Synced | ResourceStatus::Ignored));
        AppReport {
            name: self.app,
            sync_status: if in_sync { SyncStatus::Synced } else { SyncStatus::OutOfSync },
            findings: Vec::new(),
            resources,
        }
    }
}

fn resource_report(key: &ResourceKey, version: String, findings: Vec<Finding>) -> ResourceReport {
    let status = if findings.is_empty() {
        ResourceStatus::Synced
    } else if findings.iter().all(|f| f.ignored_by.is_some()) {
        ResourceStatus::Ignored
    } else {
        ResourceStatus::Modified
    };
    ResourceReport {
        group: key.group.clone(),
        version,
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        status,
        findings,
        desired_source: None,
        live_source: None,
        notes: Vec::new(),
    }
}

/// One-shot convenience: compare a desired and a live set as one app.
pub fn compare_app(
    config: &EngineConfig,
    app: &str,
    default_namespace: &str,
    now: Option<i64>,
    desired: Vec<Manifest>,
    live: Vec<Manifest>,
) -> Result<AppReport, EngineError> {
    let mut comparator = Comparator::new(config, app, default_namespace, now);
    for manifest in desired {
        comparator.add_desired(manifest)?;
    }
    for manifest in live {
        comparator.observe_live(manifest);
    }
    Ok(comparator.finish())
}
