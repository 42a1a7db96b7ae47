//! The drift engine: pure values in, an `AppReport` out. No IO, no async, no terminal.
//!
//! Desired objects are fed first and kept normalized as compact JSON text (a tenth of their
//! size as a value tree); live objects are fed one at a time, diffed against their desired
//! pair immediately and dropped, so a scan never holds a large cluster twice. Differences are
//! classified at the end, when cluster-wide evidence such as HPAs is complete. Drifted pairs
//! (usually few) are kept until then, because ignore rules can arrive with the live objects
//! (an Argo CD `Application`, a Flux `Kustomization`) after the objects they apply to.

pub mod availability;
pub mod classify;
pub mod defaults;
pub mod diff;
#[cfg(test)]
mod diff_tests;
pub mod events;
pub mod fields;
pub mod identity;
pub mod ignore;
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

use crate::model::{
    AppReport, ControllerStatus, Finding, IgnoredBy, ResourceKey, ResourceReport, ResourceStatus, SyncStatus,
};
use diff::{LiveEvidence, RawDiff};
use ignore::parse::RuleError;
use ignore::{IgnoreRule, Subject};
use managers::ManagerTable;
use orphans::{AppIdentity, ArgoApp, FluxApp, Selectable, Unclaimed};
use serde_json::Value;
use std::collections::HashMap;

/// One object with where it came from (`file#document`), for errors and evidence.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub object: Value,
    pub origin: String,
}

/// The label Argo CD tracks app instances with unless configured otherwise.
pub const DEFAULT_INSTANCE_LABEL: &str = "app.kubernetes.io/instance";

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub managers: ManagerTable,
    /// Ignore rules given up front (`--ignore FILE`); the app's own definition adds more.
    pub rules: Vec<IgnoreRule>,
    /// The label that ties objects to their app instance.
    pub instance_label: String,
    /// Annotation keys whose values are masked like Secret data.
    pub mask_annotations: Vec<String>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            managers: ManagerTable::default(),
            rules: Vec::new(),
            instance_label: DEFAULT_INSTANCE_LABEL.to_owned(),
            mask_annotations: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EngineError {
    #[error("{key} is defined twice in desired state: {first} and {second}")]
    /// `key` is the resource as `Kind namespace/name`.
    DuplicateDesired { key: String, first: String, second: String },
    /// An ignore rule in the app's live definition cannot be used.
    #[error("ignore rule in the app's definition: {0}")]
    BadRule(#[from] RuleError),
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
    /// The normalized pair and its evidence, kept only when it differs (ignore rules need it).
    pair: Option<Box<KeptPair>>,
}

/// Kept as compact JSON text, a tenth of a value tree's size: most scans have no rule that
/// matches, and the text is parsed again only when one does.
struct KeptPair {
    desired: Box<str>,
    live: Box<str>,
    managed_fields: Option<Box<str>>,
    last_applied: Option<String>,
}

impl KeptPair {
    /// Text written from a value by this engine always parses back.
    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or_default()
    }
}

pub struct Comparator<'c> {
    config: &'c EngineConfig,
    app: String,
    default_namespace: String,
    now: Option<i64>,
    /// Desired objects in the order they were given, and where each key sits.
    desired: Vec<Desired>,
    index: FastMap<ResourceKey, usize>,
    unclaimed: Vec<Unclaimed>,
    unclaimed_keys: FastMap<ResourceKey, ()>,
    /// Pods and pod templates a leftover Service could still select.
    selectable: Selectable,
    /// Workloads a live HPA scales → the HPA's name.
    hpa_targets: FastMap<ResourceKey, String>,
    /// Rules read from the app's own definition found among the live objects.
    app_rules: Vec<IgnoreRule>,
    app_notes: Vec<String>,
    /// App definitions and controller pods already read (a snapshot may hold one twice).
    definitions_read: Vec<ResourceKey>,
    /// App-level findings: why the controller's sync status may be stale.
    app_findings: Vec<Finding>,
    rule_error: Option<RuleError>,
    flux: Option<FluxApp>,
    argo: Option<ArgoApp>,
    events: events::EventLog,
    /// What the app's controller says of it, from its definition.
    controller: Option<ControllerStatus>,
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
            unclaimed: Vec::new(),
            unclaimed_keys: FastMap::default(),
            selectable: Selectable::default(),
            hpa_targets: FastMap::default(),
            app_rules: Vec::new(),
            app_notes: Vec::new(),
            definitions_read: Vec::new(),
            app_findings: Vec::new(),
            rule_error: None,
            flux: None,
            argo: None,
            events: events::EventLog::default(),
            controller: None,
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
        match key.kind.as_str() {
            "HorizontalPodAutoscaler" => self.note_hpa(&key, &object),
            "Application" | "Kustomization" | "HelmRelease" | "ConfigMap" => {
                self.note_app_definition(&key, &object, &origin)
            }
            "Event" => {
                self.events.observe(&object);
                return;
            }
            "Pod" if !self.definitions_read.contains(&key) => {
                if let Some(finding) = availability::from_controller_pod(&object, &key.namespace, &key.name) {
                    self.definitions_read.push(key.clone());
                    self.app_findings.push(finding);
                }
            }
            _ => {}
        }
        self.selectable.observe(&key, &object);
        let Some(&slot) = self.index.get(&key) else {
            // Overlapping snapshot files: the first copy wins, consistently.
            if !self.unclaimed_keys.contains_key(&key)
                && let Some(object) = orphans::unclaimed(&key, &object, origin, &self.config.instance_label)
            {
                self.unclaimed_keys.insert(key, ());
                self.unclaimed.push(object);
            }
            return;
        };
        let desired = &mut self.desired[slot];
        if desired.compared.is_some() {
            return;
        }
        let removed = normalize::normalize(&mut object, &key.kind, identity::is_cluster_scoped(&key.kind));
        let evidence =
            live_evidence(&key, removed.managed_fields.as_ref(), removed.last_applied.as_deref(), self.config);
        let desired_object = KeptPair::parse(&desired.text);
        let diffs = diff::diff_objects(&desired_object, &object, &evidence);
        let mut notes = Vec::new();
        if !evidence.has_ownership() {
            notes.push(
                "live copy has no managedFields: fields added out of band cannot be attributed \
                 (capture with `kubectl get -o yaml --show-managed-fields`)"
                    .to_owned(),
            );
        }
        let version = identity::version_of(&object);
        // Paired: the desired text is needed again only if the pair differs.
        let desired_text = std::mem::take(&mut desired.text);
        let pair = (!diffs.is_empty()).then(|| {
            let text = |value: &Value| serde_json::to_string(value).unwrap_or_default().into_boxed_str();
            Box::new(KeptPair {
                desired: desired_text,
                live: text(&object),
                managed_fields: removed.managed_fields.as_ref().map(text),
                last_applied: removed.last_applied,
            })
        });
        desired.compared = Some(Compared { version, diffs, live_origin: origin, notes, pair });
    }

    /// Reads ignore rules (and a Flux inventory) from the app's own definition: an Argo CD
    /// `Application`, Flux `Kustomization` or `HelmRelease` named like the app, and Argo
    /// CD's `argocd-cm`, whose rules apply to every app.
    fn note_app_definition(&mut self, key: &ResourceKey, object: &Value, origin: &str) {
        let is_app = key.name == self.app
            && matches!(
                (key.group.as_str(), key.kind.as_str()),
                ("argoproj.io", "Application")
                    | ("kustomize.toolkit.fluxcd.io", "Kustomization")
                    | ("helm.toolkit.fluxcd.io", "HelmRelease")
            );
        let is_argocd_cm = key.kind == "ConfigMap" && key.group.is_empty() && key.name == "argocd-cm";
        if (!is_app && !is_argocd_cm) || self.definitions_read.contains(key) {
            return;
        }
        self.definitions_read.push(key.clone());
        if is_app && self.controller.is_none() {
            self.controller = availability::controller_status(object);
        }
        let source = format!("{origin} ({key})");
        match key.kind.as_str() {
            "Kustomization" => {
                self.flux = Some(FluxApp::from_kustomization(object, &key.namespace, source.clone()));
                let name = format!("{}/{}", key.namespace, key.name);
                self.app_findings.extend(availability::from_flux_kustomization(object, &name));
            }
            "Application" if is_app => {
                self.argo = Some(ArgoApp::from_application(object, source.clone()));
                let name = format!("{}/{}", key.namespace, key.name);
                self.app_findings.extend(availability::from_argo_application(object, &name));
            }
            _ => {}
        }
        match ignore::parse::rules_in(object, &source) {
            Ok(Some(parsed)) => {
                self.app_rules.extend(parsed.rules);
                self.app_notes.extend(parsed.notes);
            }
            Ok(None) => {}
            Err(error) => {
                self.rule_error.get_or_insert(error);
            }
        }
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

    /// Applies ignore rules, classifies everything observed and builds the app's report.
    pub fn finish(mut self) -> Result<AppReport, EngineError> {
        if let Some(error) = self.rule_error {
            return Err(error.into());
        }
        let rules: Vec<&IgnoreRule> = self.config.rules.iter().chain(&self.app_rules).collect();
        let mut resources = Vec::with_capacity(self.desired.len() + self.unclaimed.len());
        for desired in self.desired {
            let Some(compared) = desired.compared else {
                let mut report =
                    resource_report(&desired.key, desired.version, vec![orphans::missing_finding(&desired.key)]);
                report.status = ResourceStatus::Missing;
                report.desired_source = Some(desired.origin);
                resources.push(report);
                continue;
            };
            let Compared { version, diffs, live_origin, mut notes, pair } = compared;
            let marked = match pair {
                Some(pair) => apply_rules(&rules, &desired.key, &version, &pair, diffs, self.config, &mut notes),
                None => Vec::new(),
            };
            let hpa = self.hpa_targets.get(&desired.key).map(String::as_str);
            let ctx = classify::Context {
                key: &desired.key,
                now: self.now,
                hpa,
                mask_annotations: &self.config.mask_annotations,
            };
            let mut findings: Vec<Finding> = marked
                .into_iter()
                .map(|(raw, ignored_by)| Finding { ignored_by, ..classify::classify(raw, &ctx) })
                .collect();
            // What needs action first, most severe first; otherwise object order.
            findings.sort_by_key(|f| (!f.needs_action(), f.ignored_by.is_some(), std::cmp::Reverse(f.severity)));
            let mut report = resource_report(&desired.key, version, findings);
            report.desired_source = Some(desired.origin);
            report.live_source = Some(live_origin);
            report.notes = notes;
            resources.push(report);
        }
        let identity = AppIdentity {
            name: &self.app,
            instance_label: &self.config.instance_label,
            flux: self.flux.as_ref(),
            argo: self.argo.as_ref(),
        };
        for object in self.unclaimed {
            let Some(finding) = orphans::orphan_finding(&object, &identity, &self.selectable) else {
                continue;
            };
            let mut report = resource_report(&object.key, object.version.clone(), vec![finding]);
            if report.status != ResourceStatus::Ignored {
                report.status = ResourceStatus::Orphan;
            }
            report.live_source = Some(object.origin);
            resources.push(report);
        }
        for resource in resources.iter_mut().filter(|r| r.status != ResourceStatus::Synced) {
            resource.events = self.events.take(&resource.key());
        }
        let in_sync = resources.iter().all(|r| matches!(r.status, ResourceStatus::Synced | ResourceStatus::Ignored));
        Ok(AppReport {
            name: self.app,
            sync_status: if in_sync { SyncStatus::Synced } else { SyncStatus::OutOfSync },
            findings: self.app_findings,
            resources,
            notes: self.app_notes,
            owner_team: None,
            criticality: None,
            permissions: Vec::new(),
            desired_git: None,
            controller: self.controller,
        })
    }
}

/// The pair's differences with those hidden by a matching rule marked.
fn apply_rules(
    rules: &[&IgnoreRule],
    key: &ResourceKey,
    version: &str,
    pair: &KeptPair,
    diffs: Vec<RawDiff>,
    config: &EngineConfig,
    notes: &mut Vec<String>,
) -> Vec<(RawDiff, Option<IgnoredBy>)> {
    if rules.is_empty() {
        return diffs.into_iter().map(|d| (d, None)).collect();
    }
    let desired = KeptPair::parse(&pair.desired);
    let subject = Subject { key, version, object: &desired };
    let matching: Vec<&IgnoreRule> = rules.iter().copied().filter(|rule| rule.applies_to(&subject)).collect();
    if matching.is_empty() {
        return diffs.into_iter().map(|d| (d, None)).collect();
    }
    let live = KeptPair::parse(&pair.live);
    let managed_fields = pair.managed_fields.as_deref().map(KeptPair::parse);
    let evidence = live_evidence(key, managed_fields.as_ref(), pair.last_applied.as_deref(), config);
    let rediff = |desired: &Value, live: &Value| diff::diff_objects(desired, live, &evidence);
    let outcome = ignore::apply::apply(&matching, &desired, &live, diffs, &rediff);
    notes.extend(outcome.notes);
    outcome.diffs
}

fn live_evidence<'a>(
    key: &'a ResourceKey,
    managed_fields: Option<&'a Value>,
    last_applied: Option<&'a str>,
    config: &'a EngineConfig,
) -> LiveEvidence<'a> {
    LiveEvidence {
        kind: &key.kind,
        managed_fields,
        managers: &config.managers,
        last_applied,
        opaque_data: matches!(key.kind.as_str(), "ConfigMap" | "Secret"),
        builtin_kind: identity::is_builtin_group(&key.group),
        instance_label: &config.instance_label,
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
        desired_commit: None,
        notes: Vec::new(),
        events: Vec::new(),
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
    comparator.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest(object: Value) -> Manifest {
        Manifest { object, origin: "test.yaml#1".to_owned() }
    }

    #[test]
    fn an_orphan_argo_cd_ignores_as_extraneous_leaves_the_app_synced() {
        let settings =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "prod"}});
        let leftover = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old", "namespace": "prod",
            "labels": {"app.kubernetes.io/instance": "web"},
            "annotations": {"argocd.argoproj.io/compare-options": "IgnoreExtraneous"}}});
        let config = EngineConfig::default();
        let live = vec![manifest(settings.clone()), manifest(leftover)];
        let app = compare_app(&config, "web", "prod", None, vec![manifest(settings)], live).unwrap();
        assert_eq!(app.sync_status, SyncStatus::Synced);
        let orphan = app.resources.iter().find(|r| r.name == "old").expect("still reported");
        assert_eq!(orphan.status, ResourceStatus::Ignored);
        assert!(!app.all_findings().any(Finding::needs_action));
    }

    #[test]
    fn rules_from_an_application_seen_after_its_objects_still_apply() {
        let desired = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod"}, "spec": {"replicas": 2}});
        let mut live = desired.clone();
        live["spec"]["replicas"] = json!(5);
        let application = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "web", "namespace": "argocd"},
            "spec": {"ignoreDifferences": [{"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}]}});
        let config = EngineConfig::default();
        let app = compare_app(
            &config,
            "web",
            "prod",
            None,
            vec![manifest(desired)],
            vec![manifest(live), manifest(application)],
        )
        .unwrap();
        let web = app.resources.iter().find(|r| r.name == "web").unwrap();
        assert_eq!(web.status, ResourceStatus::Ignored);
        let by = web.findings[0].ignored_by.as_ref().expect("hidden by the Application's rule");
        assert_eq!(by.source, "test.yaml#1 (Application argocd/web)");
        assert_eq!(app.sync_status, SyncStatus::Synced);
    }
}
