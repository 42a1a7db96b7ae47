//! The structural three-way diff of one normalized desired/live pair: maps by key, lists with
//! merge keys by key (DESIGN §3), scalars with Kubernetes equivalences. Each difference is
//! attributed to its live owner; ownership (and last-applied) is looked up only when a
//! difference needs it, so a pair without drift never builds its ownership trie. When the API
//! server's dry run of Git's object is known (`oracle`), it decides what the server itself
//! would produce; the defaults table is the offline fallback.

mod evidence;
mod walk;

use crate::engine::defaults::ApiKind;
use crate::engine::managers::ManagerTable;
use crate::engine::merge_keys::ItemKey;
use crate::engine::oracle::Predicted;
use crate::engine::ownership::{NodeId, Owners, OwnershipTrie, ROOT};
use crate::engine::path::PathBuilder;
use crate::model::{Oracle, Owner};
use serde_json::Value;
use std::cell::OnceCell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Both sides hold the field with different values.
    Changed,
    /// Git sets the field; live does not have it.
    DesiredOnly,
    /// Live has the field; Git does not (only reported when ownership makes it drift).
    LiveOnly,
}

/// Why a live-only field counts as drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Attributed from managedFields (or nothing is known, for `Changed`/`DesiredOnly`).
    Managed,
    /// Not owned in managedFields, but recorded in last-applied: Git used to set it.
    LastApplied,
    /// Owned by the GitOps manager yet absent from its last-applied configuration, which that
    /// same manager wrote: a mutating webhook changed the object during its request.
    InjectedAtAdmission,
    /// Owned by the GitOps manager and absent from Git; a last-applied configuration exists but
    /// another manager wrote it (`RawDiff::last_applied_by`), so it proves nothing about what
    /// the GitOps manager applied.
    ForeignLastApplied,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RawDiff {
    pub pointer: String,
    /// The same place in the desired object (list positions differ when items are matched by
    /// key; `-` stands for an item only live has).
    pub desired_pointer: String,
    pub display: String,
    /// The field names along the path (list positions left out), for classification.
    pub fields: Vec<String>,
    pub change: Change,
    pub desired: Option<Value>,
    pub live: Option<Value>,
    pub owner: Option<Owner>,
    pub provenance: Provenance,
    /// The manager that wrote the last-applied configuration, when it is not the owner's.
    pub last_applied_by: Option<String>,
    /// What decided whether the API server itself produces the difference: its dry run (which
    /// confirmed a sync changes it), or the offline table.
    pub oracle: Oracle,
}

/// Metadata keys GitOps controllers stamp on what they apply; never drift by themselves.
const TRACKING_KEYS: &[&str] = &[
    "argocd.argoproj.io/tracking-id",
    "app.kubernetes.io/instance",
    "kustomize.toolkit.fluxcd.io/name",
    "kustomize.toolkit.fluxcd.io/namespace",
    "helm.toolkit.fluxcd.io/name",
    "helm.toolkit.fluxcd.io/namespace",
    "meta.helm.sh/release-name",
    "meta.helm.sh/release-namespace",
];

/// Annotations Kubernetes controllers stamp on every object of a kind (the Deployment
/// controller's revision counter, the DaemonSet controller's template generation): runtime
/// metadata, never drift. Skipping them spares building the ownership trie for nearly every
/// workload that has not drifted.
const CONTROLLER_ANNOTATIONS: &[&str] =
    &["deployment.kubernetes.io/revision", "deprecated.daemonset.template.generation"];

/// What the walk knows about the live object besides its value.
pub struct LiveEvidence<'a> {
    /// Group, version and kind: which API-server defaults apply.
    pub api: ApiKind<'a>,
    /// `metadata.managedFields` as taken out of the live object by normalization.
    pub managed_fields: Option<&'a Value>,
    pub managers: &'a ManagerTable,
    /// The raw `last-applied-configuration` JSON; parsed only if a decision needs it.
    pub last_applied: Option<&'a str>,
    /// ConfigMap and Secret payloads are compared as exact strings, never as numbers.
    pub opaque_data: bool,
    /// Built-in kinds have known list merge keys; CRD lists are compared by position.
    pub builtin_kind: bool,
    /// The configured instance label, stamped by the GitOps controller like the tracking keys.
    pub instance_label: &'a str,
    /// What the API server would store for Git's object (a server-side dry-run apply).
    pub predicted: Option<&'a Predicted<'a>>,
}

impl LiveEvidence<'_> {
    /// True when the live copy records field ownership at all.
    pub fn has_ownership(&self) -> bool {
        self.managed_fields.and_then(Value::as_array).is_some_and(|list| !list.is_empty())
    }
}

/// Compares one normalized pair and returns every difference that is a drift candidate.
pub fn diff_objects<'a>(desired: &'a Value, live: &'a Value, evidence: &LiveEvidence<'a>) -> Vec<RawDiff> {
    diff_pair(desired, live, evidence).diffs
}

/// The differences of one pair, and the places the API server's dry run settled.
#[derive(Debug, Default)]
pub struct PairDiff {
    pub diffs: Vec<RawDiff>,
    /// Display paths where Git and live differ only as the API server itself would make them
    /// differ (defaults, admission changes): not drift, by the server's own dry run.
    pub settled: Vec<String>,
}

pub fn diff_pair<'a>(desired: &'a Value, live: &'a Value, evidence: &LiveEvidence<'a>) -> PairDiff {
    let mut walker = Walker {
        evidence,
        path: PathBuilder::default(),
        fields: Vec::new(),
        segments: Vec::new(),
        trie: OnceCell::new(),
        predicted_trie: OnceCell::new(),
        last_applied: OnceCell::new(),
        writers: OnceCell::new(),
        live_only_oracle: Oracle::DefaultsTable,
        out: Vec::new(),
        settled: Vec::new(),
    };
    walker.compare(desired, live);
    PairDiff { diffs: walker.out, settled: walker.settled }
}

/// One step of the live path, kept so ownership and last-applied can be followed on demand.
#[derive(Clone, Copy)]
enum Segment<'a> {
    Field(&'a str),
    /// A list item: its live position and value, the list's merge key when it has one, and
    /// its position and value in the desired list (`None` when only live has it).
    Item(usize, &'a Value, Option<&'static [&'static str]>, Option<(usize, &'a Value)>),
}

/// Where the current path lands in the ownership trie.
#[derive(Clone, Copy, Default)]
struct Resolved {
    node: Option<NodeId>,
    /// The nearest node owned as a whole (a leaf in the trie, such as an atomic list).
    atomic: Option<NodeId>,
}

struct Walker<'a, 'e> {
    evidence: &'e LiveEvidence<'a>,
    path: PathBuilder,
    fields: Vec<&'a str>,
    segments: Vec<Segment<'a>>,
    trie: OnceCell<Option<OwnershipTrie<'a>>>,
    /// Ownership in the dry run's answer, when there is one.
    predicted_trie: OnceCell<Option<OwnershipTrie<'a>>>,
    last_applied: OnceCell<Option<Value>>,
    /// The managedFields entries that wrote the last-applied configuration.
    writers: OnceCell<Owners>,
    /// What decided the live-only value being reported.
    live_only_oracle: Oracle,
    out: Vec<RawDiff>,
    settled: Vec<String>,
}

impl<'a> Walker<'a, '_> {
    /// The ownership trie, built on first use.
    fn trie(&self) -> Option<&OwnershipTrie<'a>> {
        self.trie
            .get_or_init(|| {
                let fields = self.evidence.managed_fields?;
                OwnershipTrie::from_managed_fields(fields, self.evidence.managers)
            })
            .as_ref()
    }

    /// Ownership in the dry run's answer, built on first use.
    fn predicted_trie(&self) -> Option<&OwnershipTrie<'a>> {
        self.predicted_trie
            .get_or_init(|| {
                let fields = self.evidence.predicted?.managed_fields?;
                OwnershipTrie::from_managed_fields(fields, self.evidence.managers)
            })
            .as_ref()
    }

    /// Follows the current path into the trie.
    fn resolve(&self, trie: &OwnershipTrie<'a>) -> Resolved {
        let mut resolved = Resolved { node: Some(ROOT), atomic: None };
        for segment in &self.segments {
            let Some(node) = resolved.node else {
                break;
            };
            let child = match segment {
                Segment::Field(key) => trie.field(node, key),
                Segment::Item(index, item, Some(key_fields), _) => ItemKey::of(item, key_fields)
                    .fields_v1_text()
                    .and_then(|text| trie.item_by_key_text(node, &text))
                    .or_else(|| trie.item(node, *index, item)),
                Segment::Item(index, item, None, _) => trie.item(node, *index, item),
            };
            if let Some(child) = child.filter(|c| trie.is_leaf(*c) && !trie.direct_owners(*c).is_empty()) {
                resolved.atomic = Some(child);
            }
            resolved.node = child;
        }
        resolved
    }

    fn at_item(&self) -> bool {
        matches!(self.segments.last(), Some(Segment::Item(..)))
    }

    fn enter_field(&mut self, key: &'a str) {
        self.path.push_field(key);
        self.fields.push(key);
        self.segments.push(Segment::Field(key));
    }

    /// Enters list item `index` (shown by its merge key when it has one).
    fn enter_item(
        &mut self,
        index: usize,
        item: &'a Value,
        key: Option<&ItemKey<'_>>,
        key_fields: Option<&'static [&'static str]>,
        desired: Option<(usize, &'a Value)>,
    ) {
        match key {
            Some(key) => self.path.push_keyed_item(index, key),
            None => self.path.push_index(index),
        }
        self.segments.push(Segment::Item(index, item, key_fields, desired));
    }

    /// Leaves the innermost field or item.
    fn leave(&mut self) {
        self.path.pop();
        if let Some(Segment::Field(_)) = self.segments.pop() {
            self.fields.pop();
        }
    }

    /// `metadata.name` and `metadata.namespace`: what the pair was matched on.
    fn is_identity(&self, key: &str) -> bool {
        matches!(key, "name" | "namespace") && self.fields.as_slice() == ["metadata"]
    }

    /// Labels and annotations GitOps tools and controllers stamp: not compared.
    fn is_tracking_metadata(&self, key: &str) -> bool {
        match self.fields.as_slice() {
            ["metadata", "labels"] => TRACKING_KEYS.contains(&key) || key == self.evidence.instance_label,
            ["metadata", "annotations"] => TRACKING_KEYS.contains(&key) || CONTROLLER_ANNOTATIONS.contains(&key),
            _ => false,
        }
    }
}

/// The last-applied counterpart of a live list item: by the item's identifying `name` when
/// it has one, else by position.
fn matching_item<'a>(last_applied: &'a Value, index: usize, item: &Value) -> Option<&'a Value> {
    let list = last_applied.as_array()?;
    match item.get("name") {
        Some(name) => list.iter().find(|candidate| candidate.get("name") == Some(name)),
        None if item.is_object() => list.get(index),
        None => list.iter().find(|candidate| *candidate == item),
    }
}

pub fn is_empty_like(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}
