//! The drift engine: pure values in, an `AppReport` out. No IO, no async, no terminal.
//!
//! Desired objects are indexed up front; live objects are fed one at a time (so a scan never
//! holds two copies of a large cluster), diffed against their desired pair immediately, and
//! classified at the end, when cluster-wide evidence such as HPAs is complete.

pub mod classify;
pub mod defaults;
pub mod diff;
pub mod fields;
pub mod identity;
pub mod managers;
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
use ownership::OwnershipTrie;
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

struct Desired {
    object: Value,
    version: String,
    origin: String,
    paired: bool,
}

/// A paired resource awaiting classification.
struct Compared {
    key: ResourceKey,
    version: String,
    diffs: Vec<RawDiff>,
    desired_origin: String,
    live_origin: String,
    notes: Vec<String>,
}

pub struct Comparator<'c> {
    config: &'c EngineConfig,
    app: String,
    default_namespace: String,
    now: Option<i64>,
    desired: HashMap<ResourceKey, Desired>,
    desired_order: Vec<ResourceKey>,
    compared: Vec<Compared>,
    live_seen: HashMap<ResourceKey, String>,
    orphans: Vec<orphans::Candidate>,
    /// (namespace, kind, name) of workloads a live HPA scales → the HPA's name.
    hpa_targets: HashMap<(String, String, String), String>,
}

impl<'c> Comparator<'c> {
    /// Indexes and normalizes desired state; the same identity twice is an error.
    pub fn new(
        config: &'c EngineConfig,
        app: &str,
        default_namespace: &str,
        now: Option<i64>,
        desired: Vec<Manifest>,
    ) -> Result<Self, EngineError> {
        let mut index: HashMap<ResourceKey, Desired> = HashMap::with_capacity(desired.len());
        let mut order = Vec::with_capacity(desired.len());
        for Manifest { mut object, origin } in desired {
            let key = identity::key_of(&object, default_namespace);
            if let Some(first) = index.get(&key) {
                return Err(EngineError::DuplicateDesired {
                    key: key.to_string(),
                    first: first.origin.clone(),
                    second: origin,
                });
            }
            let version = identity::version_of(&object);
            normalize::normalize(&mut object, &key.kind, identity::is_cluster_scoped(&key.kind));
            order.push(key.clone());
            index.insert(key, Desired { object, version, origin, paired: false });
        }
        Ok(Comparator {
            config,
            app: app.to_owned(),
            default_namespace: default_namespace.to_owned(),
            now,
            desired: index,
            desired_order: order,
            compared: Vec::new(),
            live_seen: HashMap::new(),
            orphans: Vec::new(),
            hpa_targets: HashMap::new(),
        })
    }

    /// Compares one live object with its desired pair (or keeps it as an orphan candidate).
    pub fn observe_live(&mut self, manifest: Manifest) {
        let Manifest { mut object, origin } = manifest;
        let key = identity::key_of(&object, &self.default_namespace);
        if self.live_seen.contains_key(&key) {
            // Overlapping snapshot files: the first copy wins, consistently.
            return;
        }
        self.live_seen.insert(key.clone(), origin.clone());
        if key.kind == "HorizontalPodAutoscaler" {
            self.note_hpa(&key, &object);
        }
        let Some(desired) = self.desired.get_mut(&key) else {
            if let Some(candidate) = orphans::candidate(&key, &object, &self.app, &self.config.managers, origin) {
                self.orphans.push(candidate);
            }
            return;
        };
        desired.paired = true;
        let removed = normalize::normalize(&mut object, &key.kind, identity::is_cluster_scoped(&key.kind));
        let ownership = removed
            .managed_fields
            .as_ref()
            .and_then(|fields| OwnershipTrie::from_managed_fields(fields, &self.config.managers));
        let evidence = LiveEvidence {
            kind: &key.kind,
            ownership: ownership.as_ref(),
            last_applied: removed.last_applied.as_deref(),
            opaque_data: matches!(key.kind.as_str(), "ConfigMap" | "Secret"),
            builtin_kind: identity::is_builtin_group(&key.group),
        };
        let diffs = diff::diff_objects(&desired.object, &object, &evidence);
        let mut notes = Vec::new();
        if ownership.is_none() {
            notes.push(
                "live copy has no managedFields: fields added out of band cannot be attributed \
                 (capture with `kubectl get -o yaml --show-managed-fields`)"
                    .to_owned(),
            );
        }
        self.compared.push(Compared {
            version: identity::version_of(&object),
            key,
            diffs,
            desired_origin: desired.origin.clone(),
            live_origin: origin,
            notes,
        });
    }

    fn note_hpa(&mut self, key: &ResourceKey, hpa: &Value) {
        let target = hpa.get("spec").and_then(|s| s.get("scaleTargetRef"));
        let field = |name: &str| target.and_then(|t| t.get(name)).and_then(Value::as_str);
        if let (Some(kind), Some(name)) = (field("kind"), field("name")) {
            let target = (key.namespace.clone(), kind.to_owned(), name.to_owned());
            self.hpa_targets.insert(target, key.name.clone());
        }
    }

    /// Classifies everything observed and builds the app's report.
    pub fn finish(self) -> AppReport {
        let mut by_key: HashMap<ResourceKey, ResourceReport> = HashMap::new();
        for compared in self.compared {
            let hpa = self
                .hpa_targets
                .get(&(compared.key.namespace.clone(), compared.key.kind.clone(), compared.key.name.clone()))
                .map(String::as_str);
            let ctx = classify::Context { key: &compared.key, now: self.now, hpa };
            let mut findings: Vec<Finding> =
                compared.diffs.into_iter().map(|raw| classify::classify(raw, &ctx)).collect();
            // What needs action first, most severe first; otherwise object order.
            findings.sort_by_key(|f| (!f.needs_action(), std::cmp::Reverse(f.severity)));
            let mut report = resource_report(&compared.key, compared.version, findings);
            report.desired_source = Some(compared.desired_origin);
            report.live_source = Some(compared.live_origin);
            report.notes = compared.notes;
            by_key.insert(compared.key, report);
        }
        let mut resources = Vec::with_capacity(self.desired_order.len() + self.orphans.len());
        let mut desired = self.desired;
        for key in &self.desired_order {
            if let Some(report) = by_key.remove(key) {
                resources.push(report);
            } else if let Some(entry) = desired.remove(key).filter(|d| !d.paired) {
                let mut report = resource_report(key, entry.version, vec![orphans::missing_finding(key)]);
                report.status = ResourceStatus::Missing;
                report.desired_source = Some(entry.origin);
                resources.push(report);
            }
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
    let mut comparator = Comparator::new(config, app, default_namespace, now, desired)?;
    for manifest in live {
        comparator.observe_live(manifest);
    }
    Ok(comparator.finish())
}
