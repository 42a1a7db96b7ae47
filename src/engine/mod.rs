//! The drift engine: pure values in, an `AppReport` out. No IO, no async, no terminal.
//!
//! Desired objects are fed first and kept normalized as compact JSON text (a tenth of their
//! size as a value tree); live objects are fed one at a time, diffed against their desired
//! pair immediately and dropped, so a scan never holds a large cluster twice. Differences are
//! classified at the end, when cluster-wide evidence such as HPAs is complete. Drifted pairs
//! (usually few) are kept until then, because ignore rules can arrive with the live objects
//! (an Argo CD `Application`, a Flux `Kustomization`) after the objects they apply to, and
//! because the API server may still be asked about them (`dry_run_requests`).

pub mod advice;
pub mod app_context;
pub mod availability;
pub mod classify;
pub mod compact;
pub mod defaults;
pub mod diff;
#[cfg(test)]
mod diff_tests;
#[cfg(test)]
mod diff_tests_dry_run;
mod dry_run;
pub mod events;
pub mod fields;
mod finish;
pub mod identity;
pub mod ignore;
pub mod managers;
pub mod maps;
pub mod merge_keys;
pub mod normalize;
pub mod oracle;
pub mod orphans;
pub mod ownership;
mod ownership_index;
pub mod pairs;
pub mod partition;
pub mod path;
pub mod quantity;
pub mod secrets;
mod selectable;
pub mod time;
pub mod tracking;
pub mod yaml_depth;

use crate::model::{AppReport, ResourceKey};
use app_context::AppContext;
use identity::Scopes;
use ignore::IgnoreRule;
use ignore::compare_options::CompareOptions;
use ignore::parse::RuleError;
use managers::ManagerTable;
use maps::FastMap;
use orphans::{Selectable, Unclaimed};
use pairs::{Compared, Desired, KeptPair};
use serde_json::Value;
use std::collections::BTreeMap;

/// One object with where it came from (`file#document`), for errors and evidence.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub object: Value,
    pub origin: String,
}

/// The label Argo CD tracks app instances with unless configured otherwise.
pub const DEFAULT_INSTANCE_LABEL: &str = "app.kubernetes.io/instance";

/// The namespace Argo CD runs in unless configured otherwise.
pub const DEFAULT_ARGOCD_NAMESPACE: &str = "argocd";

/// The field manager a dry run applies as when the GitOps controller does not apply
/// server-side itself.
pub const DRY_RUN_MANAGER: &str = "kdrift";

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub managers: ManagerTable,
    /// Ignore rules given up front (`--ignore FILE`); the app's own definition adds more.
    pub rules: Vec<IgnoreRule>,
    /// Argo CD compare options given up front (an argocd-cm passed with `--ignore`).
    pub compare_options: Option<CompareOptions>,
    /// The label that ties objects to their app instance.
    pub instance_label: String,
    /// Annotation keys whose values are masked like Secret data.
    pub mask_annotations: Vec<String>,
    /// Where Argo CD keeps its settings: an argocd-cm elsewhere (other than in the namespace
    /// of the app's own Application) is ignored with a note.
    pub argocd_namespace: String,
    /// Cluster-scoped custom kinds as (group, kind), from the cluster's discovery.
    pub cluster_scoped: Vec<(String, String)>,
    /// Desired state leaves hooks out (Argo CD's API does): a live hook is no orphan.
    pub hooks_not_desired: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            managers: ManagerTable::default(),
            rules: Vec::new(),
            compare_options: None,
            instance_label: DEFAULT_INSTANCE_LABEL.to_owned(),
            mask_annotations: Vec::new(),
            argocd_namespace: DEFAULT_ARGOCD_NAMESPACE.to_owned(),
            cluster_scoped: Vec::new(),
            hooks_not_desired: false,
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

/// A desired object the API server can be asked about: a server-side dry-run apply of it
/// tells what the server and its admission chain would store (DESIGN §3).
#[derive(Debug, Clone, PartialEq)]
pub struct DryRunRequest {
    pub key: ResourceKey,
    pub version: String,
    /// The normalized desired object, with its namespace set.
    pub object: Value,
    /// The GitOps controller's own manager when it applies server-side, else `kdrift`.
    pub field_manager: String,
}

pub struct Comparator<'c> {
    config: &'c EngineConfig,
    app: String,
    default_namespace: String,
    now: Option<i64>,
    /// The app's name was guessed (from a directory), so tracking that names another app
    /// is only reported as a hint, not as two apps claiming one object.
    app_name_guessed: bool,
    /// Scopes the cluster says (discovery, live CRDs, live objects without a namespace).
    scopes: Scopes,
    /// Scopes Git's own CRDs declare: used only for desired objects nothing live pairs with
    /// (the live CRD and live objects are the truth when they exist).
    declared: Scopes,
    /// Git gives one cluster-scoped object twice (in two namespaces): an error at the end.
    ambiguous: Option<EngineError>,
    /// Desired objects in the order they were given, and where each key sits.
    desired: Vec<Desired>,
    index: FastMap<ResourceKey, usize>,
    /// Namespaced desired objects of custom kinds by (group, kind, name), namespace left
    /// empty: a live object of that kind and name without a namespace is their pair.
    by_name: FastMap<ResourceKey, Vec<usize>>,
    unclaimed: Vec<Unclaimed>,
    unclaimed_keys: FastMap<ResourceKey, ()>,
    /// Pods and pod templates a leftover Service could still select.
    selectable: Selectable,
    context: AppContext,
    /// Other apps live objects are tracked to, when the app's name was guessed.
    tracked_elsewhere: BTreeMap<String, usize>,
    /// Namespaced desired objects that leave their namespace to the destination.
    namespace_left_to_destination: usize,
}

impl<'c> Comparator<'c> {
    /// A comparator for one app; feed it desired objects, then live ones.
    pub fn new(config: &'c EngineConfig, app: &str, default_namespace: &str, now: Option<i64>) -> Self {
        Comparator {
            config,
            app: app.to_owned(),
            default_namespace: default_namespace.to_owned(),
            now,
            app_name_guessed: false,
            scopes: Scopes::new(config.cluster_scoped.iter().cloned()),
            declared: Scopes::default(),
            ambiguous: None,
            desired: Vec::new(),
            index: FastMap::default(),
            by_name: FastMap::default(),
            unclaimed: Vec::new(),
            unclaimed_keys: FastMap::default(),
            selectable: Selectable::default(),
            context: AppContext::new(app, &config.argocd_namespace),
            tracked_elsewhere: BTreeMap::new(),
            namespace_left_to_destination: 0,
        }
    }

    /// Says the app's name was guessed (from a directory name) rather than given: objects
    /// tracked to another app then yield a hint instead of a finding.
    pub fn app_name_guessed(mut self) -> Self {
        self.app_name_guessed = true;
        self
    }

    /// Indexes and normalizes one desired object; the same identity twice is an error.
    pub fn add_desired(&mut self, manifest: Manifest) -> Result<(), EngineError> {
        let Manifest { mut object, origin } = manifest;
        self.declared.learn_from(&object);
        let key = self.scopes.key_of(&object, &self.default_namespace);
        if let Some(first) = self.index.get(&key) {
            let first = self.desired[*first].origin.clone();
            return Err(EngineError::DuplicateDesired { key: key.to_string(), first, second: origin });
        }
        let namespace_from_git = identity::namespace_of(&object).is_some();
        if !namespace_from_git && !key.namespace.is_empty() {
            self.namespace_left_to_destination += 1;
        }
        let ignored_namespace = match key.namespace.is_empty() {
            true => identity::namespace_of(&object).map(str::to_owned),
            false => None,
        };
        let version = identity::version_of(&object);
        let status = object.get("status").filter(|s| !diff::is_empty_like(s)).map(pairs::to_text);
        normalize::normalize(&mut object, &key.kind, key.namespace.is_empty());
        let text = pairs::to_text(&object);
        let slot = self.desired.len();
        if !key.namespace.is_empty() && !identity::is_builtin_group(&key.group) {
            self.by_name.entry(ResourceKey { namespace: String::new(), ..key.clone() }).or_default().push(slot);
        }
        self.index.insert(key.clone(), slot);
        let desired =
            Desired { key, text, version, origin, status, namespace_from_git, ignored_namespace, compared: None };
        self.desired.push(desired);
        Ok(())
    }

    /// Compares one live object with its desired pair (or keeps it as an orphan candidate).
    pub fn observe_live(&mut self, manifest: Manifest) {
        let Manifest { object, origin } = manifest;
        self.scopes.learn_from(&object);
        let key = self.live_key(&object);
        if !self.context.observe(&key, &object, &origin) {
            return;
        }
        self.selectable.observe(&key, &object);
        let Some(slot) = self.index.get(&key).copied().or_else(|| self.cluster_scoped_pair(&key)) else {
            // Overlapping snapshot files: the first copy wins, consistently.
            // A hook desired state leaves out is nobody's orphan.
            let hook_left_out = self.config.hooks_not_desired && orphans::is_hook(&object);
            if !self.unclaimed_keys.contains_key(&key)
                && !hook_left_out
                && let Some(object) =
                    orphans::unclaimed(&key, &object, origin, &self.config.instance_label, &self.config.managers)
            {
                self.unclaimed_keys.insert(key, ());
                self.unclaimed.push(object);
            }
            return;
        };
        if self.desired[slot].compared.is_none() {
            self.compare_pair(slot, object, origin);
        }
    }

    /// Compares a live object with its desired pair and keeps what classification needs.
    fn compare_pair(&mut self, slot: usize, mut object: Value, origin: String) {
        let desired_object = pairs::parse(&self.desired[slot].text);
        let key = self.desired[slot].key.clone();
        let (claim, tracking_note) = pairs::claim_of(&object, &desired_object, &key, &self.app, self.config);
        let claim = match (claim, self.app_name_guessed) {
            (Some((claim, _)), true) => {
                if claim.check == tracking::Check::Always {
                    *self.tracked_elsewhere.entry(claim.app).or_default() += 1;
                }
                None
            }
            (claim, _) => claim,
        };
        let live_status = self.desired[slot].status.as_ref().and_then(|_| object.get("status").cloned());
        let removed = normalize::normalize(&mut object, &key.kind, key.namespace.is_empty());
        let version = identity::version_of(&object);
        let evidence = pairs::live_evidence(
            &key,
            &version,
            removed.managed_fields.as_ref(),
            removed.last_applied.as_deref(),
            None,
            self.config,
        );
        let diffs = diff::diff_objects(&desired_object, &object, &evidence);
        let status_diffs = match &self.desired[slot].status {
            Some(git) => pairs::status_diffs(git, live_status, &evidence),
            None => Vec::new(),
        };
        let mut notes: Vec<String> = tracking_note.into_iter().collect();
        if !evidence.has_ownership() {
            notes.push(pairs::NO_MANAGED_FIELDS.to_owned());
        }
        let desired = &mut self.desired[slot];
        // Paired: the desired text is needed again only if the pair differs.
        let desired_text = std::mem::take(&mut desired.text);
        let pair = (!diffs.is_empty() || !status_diffs.is_empty()).then(|| {
            Box::new(KeptPair {
                desired: desired_text,
                live: pairs::to_text(&object),
                managed_fields: removed.managed_fields.as_ref().map(pairs::to_text),
                last_applied: removed.last_applied,
                predicted: None,
            })
        });
        desired.compared = Some(Compared { version, diffs, status_diffs, live_origin: origin, notes, pair, claim });
    }

    /// The pairing key of a live object. For a custom kind the object itself says its scope:
    /// the API server sets a namespace on every namespaced object and none on the others
    /// (whatever a CRD in the data claims).
    fn live_key(&mut self, object: &Value) -> ResourceKey {
        let mut key = self.scopes.key_of(object, &self.default_namespace);
        if identity::is_builtin_group(&key.group) {
            return key;
        }
        match identity::namespace_of(object) {
            Some(namespace) if key.namespace != namespace => key.namespace = namespace.to_owned(),
            Some(_) => {}
            None => {
                self.scopes.learn(&key.group, &key.kind);
                key.namespace.clear();
            }
        }
        key
    }

    /// A namespaced desired object of this custom kind and name not yet paired: Git gave a
    /// cluster-scoped object a namespace the API server ignores (kustomize's namespace
    /// transformer does not know CRD scopes). The desired key becomes cluster-scoped.
    fn cluster_scoped_pair(&mut self, key: &ResourceKey) -> Option<usize> {
        if !key.namespace.is_empty() {
            return None;
        }
        let candidates: Vec<usize> =
            self.by_name.get(key)?.iter().copied().filter(|slot| self.desired[*slot].compared.is_none()).collect();
        let (&slot, others) = candidates.split_first()?;
        if let Some(&other) = others.first() {
            // Two namespaced copies in Git of one cluster-scoped object: which is meant?
            self.ambiguous.get_or_insert(EngineError::DuplicateDesired {
                key: key.to_string(),
                first: self.desired[slot].origin.clone(),
                second: self.desired[other].origin.clone(),
            });
            return None;
        }
        let desired = &mut self.desired[slot];
        self.index.remove(&desired.key);
        let namespace = std::mem::take(&mut desired.key.namespace);
        if desired.namespace_from_git {
            desired.ignored_namespace = Some(namespace);
        }
        self.index.insert(desired.key.clone(), slot);
        self.scopes.learn(&key.group, &key.kind);
        Some(slot)
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
#[path = "engine_tests.rs"]
mod tests;
