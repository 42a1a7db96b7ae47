//! The structural three-way diff of one normalized desired/live pair: maps by key, lists with
//! merge keys by key (DESIGN §3), scalars with Kubernetes equivalences. Each difference is
//! attributed to its live owner; ownership (and last-applied) is looked up only when a
//! difference needs it, so a pair without drift never builds its ownership trie.

use crate::engine::defaults;
use crate::engine::managers::ManagerTable;
use crate::engine::maps::lookup;
use crate::engine::merge_keys::{self, ItemKey};
use crate::engine::ownership::{NodeId, Owners, OwnershipTrie, ROOT};
use crate::engine::path::PathBuilder;
use crate::engine::quantity::Quantity;
use crate::model::{ManagerClass, Owner};
use serde_json::{Map, Value};
use std::cell::OnceCell;
use std::fmt::Write as _;

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
    /// Owned by the GitOps manager yet absent from its last-applied configuration: a
    /// mutating webhook changed the object during the GitOps controller's request.
    InjectedAtAdmission,
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
    pub kind: &'a str,
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
}

impl LiveEvidence<'_> {
    /// True when the live copy records field ownership at all.
    pub fn has_ownership(&self) -> bool {
        self.managed_fields.and_then(Value::as_array).is_some_and(|list| !list.is_empty())
    }
}

/// Compares one normalized pair and returns every difference that is a drift candidate.
pub fn diff_objects<'a>(desired: &'a Value, live: &'a Value, evidence: &LiveEvidence<'a>) -> Vec<RawDiff> {
    let mut walker = Walker {
        evidence,
        path: PathBuilder::default(),
        fields: Vec::new(),
        segments: Vec::new(),
        trie: OnceCell::new(),
        last_applied: OnceCell::new(),
        out: Vec::new(),
    };
    walker.compare(desired, live);
    walker.out
}

/// One step of the live path, kept so ownership and last-applied can be followed on demand.
#[derive(Clone, Copy)]
enum Segment<'a> {
    Field(&'a str),
    /// A list item: its live position and value, the list's merge key when it has one, and
    /// its position in the desired list (`None` when only live has it).
    Item(usize, &'a Value, Option<&'static [&'static str]>, Option<usize>),
}

/// Where the current path lands in the ownership trie.
#[derive(Clone, Copy, Default)]
struct Resolved {
    node: Option<NodeId>,
    /// The nearest node owned as a whole (a leaf in the trie, such as an atomic list).
    atomic: Option<NodeId>,
}

/// What to do with a live-only value, decided while the trie is borrowed.
enum LiveOnlyVerdict {
    Report(Owner, Provenance),
    Children,
    ByLastApplied,
    NotDrift,
}

struct Walker<'a, 'e> {
    evidence: &'e LiveEvidence<'a>,
    path: PathBuilder,
    fields: Vec<&'a str>,
    segments: Vec<Segment<'a>>,
    trie: OnceCell<Option<OwnershipTrie<'a>>>,
    last_applied: OnceCell<Option<Value>>,
    out: Vec<RawDiff>,
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

    fn compare(&mut self, desired: &'a Value, live: &'a Value) {
        match (desired, live) {
            (Value::Object(d), Value::Object(l)) => self.compare_maps(d, l),
            (Value::Array(d), Value::Array(l)) => self.compare_lists(d, l),
            _ if self.equivalent(desired, live) => {}
            _ => self.report(Change::Changed, Some(desired.clone()), Some(live.clone()), Provenance::Managed),
        }
    }

    fn compare_maps(&mut self, desired: &'a Map<String, Value>, live: &'a Map<String, Value>) {
        let at_root = self.segments.is_empty();
        for (key, d) in desired {
            if at_root && key == "apiVersion" {
                // The served version is not part of identity or intent.
                continue;
            }
            self.enter_field(key);
            match lookup(live, key) {
                Some(l) => self.compare(d, l),
                None if is_empty_like(d) => {}
                None => self.report(Change::DesiredOnly, Some(d.clone()), None, Provenance::Managed),
            }
            self.leave();
        }
        for (key, l) in live {
            if lookup(desired, key).is_some() || is_empty_like(l) || (at_root && key == "apiVersion") {
                continue;
            }
            if self.is_tracking_metadata(key) {
                continue;
            }
            self.enter_field(key);
            self.live_only(l, Some(live));
            self.leave();
        }
    }

    fn compare_lists(&mut self, desired: &'a [Value], live: &'a [Value]) {
        let field = self.fields.last().copied().unwrap_or("");
        let keyed = self.evidence.builtin_kind.then(|| merge_keys::for_list(field, desired, live));
        if let Some(key_fields) = keyed.flatten() {
            return self.compare_keyed(desired, live, key_fields);
        }
        let all_scalars = desired.iter().chain(live).all(|v| !v.is_object() && !v.is_array());
        if all_scalars {
            // Scalar lists (args, command, finalizers) read best as one whole-list change.
            let same = desired.len() == live.len() && desired.iter().zip(live).all(|(d, l)| self.equivalent(d, l));
            if !same {
                self.report(Change::Changed, Some(Value::from(desired)), Some(Value::from(live)), Provenance::Managed);
            }
            return;
        }
        for index in 0..desired.len().max(live.len()) {
            match (desired.get(index), live.get(index)) {
                (Some(d), Some(l)) => {
                    self.enter_item(index, l, None, None, Some(index));
                    self.compare(d, l);
                }
                (Some(d), None) => {
                    self.enter_item(index, d, None, None, Some(index));
                    self.report(Change::DesiredOnly, Some(d.clone()), None, Provenance::Managed);
                }
                (None, Some(l)) => {
                    self.enter_item(index, l, None, None, None);
                    self.live_only(l, None);
                }
                (None, None) => continue,
            }
            self.leave();
        }
    }

    fn compare_keyed(&mut self, desired: &'a [Value], live: &'a [Value], key_fields: &'static [&'static str]) {
        let live_keys: Vec<ItemKey<'a>> = live.iter().map(|l| ItemKey::of(l, key_fields)).collect();
        let mut matched = vec![false; live.len()];
        for (desired_index, d) in desired.iter().enumerate() {
            let key = ItemKey::of(d, key_fields);
            match live_keys.iter().position(|k| *k == key) {
                Some(index) => {
                    matched[index] = true;
                    self.enter_item(index, &live[index], Some(&key), Some(key_fields), Some(desired_index));
                    self.compare(d, &live[index]);
                }
                None => {
                    // Not in live: point past the end, where an apply would add it.
                    self.path.push_keyed_item_absent(&key);
                    self.segments.push(Segment::Item(live.len(), d, Some(key_fields), Some(desired_index)));
                    self.report(Change::DesiredOnly, Some(d.clone()), None, Provenance::Managed);
                }
            }
            self.leave();
        }
        for (index, l) in live.iter().enumerate() {
            if !matched[index] {
                self.enter_item(index, l, Some(&live_keys[index]), Some(key_fields), None);
                self.live_only(l, None);
                self.leave();
            }
        }
    }

    /// A field only live has: drift or not depending on who put it there (DESIGN §3).
    /// Maps are never judged whole (their members may have different owners); list items
    /// are, when one set of managers owns the item and everything in it.
    fn live_only(&mut self, live: &'a Value, parent: Option<&'a Map<String, Value>>) {
        if defaults::is_server_default(self.evidence.kind, &self.fields, live, parent) {
            return;
        }
        // Labels or annotations Git does not set at all, holding only stamped keys (the
        // Deployment revision): nothing to attribute, so no ownership trie to build.
        if let Value::Object(map) = live
            && map.keys().all(|key| self.is_tracking_metadata(key))
        {
            return;
        }
        match self.live_only_verdict(live) {
            LiveOnlyVerdict::Report(owner, provenance) => {
                self.report(Change::LiveOnly, None, Some(live.clone()), provenance);
                if let Some(last) = self.out.last_mut() {
                    last.owner = Some(owner);
                }
            }
            LiveOnlyVerdict::Children => self.live_only_children(live),
            LiveOnlyVerdict::ByLastApplied => self.live_only_by_last_applied(live),
            LiveOnlyVerdict::NotDrift => {}
        }
    }

    fn live_only_verdict(&self, live: &Value) -> LiveOnlyVerdict {
        let Some(trie) = self.trie() else {
            // Without managedFields only last-applied can prove Git once set this field.
            return LiveOnlyVerdict::ByLastApplied;
        };
        let here = self.resolve(trie);
        let owners: Owners = match (here.node, here.atomic) {
            (Some(node), _) if trie.is_leaf(node) => trie.direct_owners(node),
            (Some(node), _) if self.at_item() && live.is_object() => {
                let item_owners = trie.direct_owners(node);
                let everything = trie.subtree_owners(node);
                if item_owners.is_empty() || !everything.within(item_owners) {
                    return LiveOnlyVerdict::Children;
                }
                everything
            }
            (Some(_), _) => return LiveOnlyVerdict::Children,
            (None, Some(atomic)) => trie.direct_owners(atomic),
            (None, None) => return LiveOnlyVerdict::ByLastApplied,
        };
        let pick = |wanted: &[ManagerClass]| trie.primary(trie.of_classes(owners, wanted)).map(|e| e.to_owner());
        if let Some(owner) = pick(&[ManagerClass::Human, ManagerClass::Unknown]) {
            LiveOnlyVerdict::Report(owner, Provenance::Managed)
        } else if let Some(owner) = pick(&[ManagerClass::Gitops]) {
            let injected = self.evidence.last_applied.is_some() && self.last_applied_here().is_none();
            let provenance = if injected { Provenance::InjectedAtAdmission } else { Provenance::Managed };
            LiveOnlyVerdict::Report(owner, provenance)
        } else if let Some(owner) = pick(&[ManagerClass::Webhook]) {
            LiveOnlyVerdict::Report(owner, Provenance::Managed)
        } else {
            // Controller-owned only: delegated, not drift.
            LiveOnlyVerdict::NotDrift
        }
    }

    fn live_only_children(&mut self, live: &'a Value) {
        match live {
            Value::Object(map) => {
                for (key, value) in map {
                    if is_empty_like(value) || self.is_tracking_metadata(key) {
                        continue;
                    }
                    self.enter_field(key);
                    self.live_only(value, Some(map));
                    self.leave();
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.enter_item(index, item, None, None, None);
                    self.live_only(item, None);
                    self.leave();
                }
            }
            _ => {}
        }
    }

    fn live_only_by_last_applied(&mut self, live: &'a Value) {
        match (self.last_applied_here(), live) {
            (None, _) => {}
            (Some(Value::Object(_)), Value::Object(_)) => self.live_only_children(live),
            (Some(_), _) => self.report(Change::LiveOnly, None, Some(live.clone()), Provenance::LastApplied),
        }
    }

    /// The last-applied value at the current path, parsing the annotation on first use.
    fn last_applied_here(&self) -> Option<&Value> {
        let root = self
            .last_applied
            .get_or_init(|| self.evidence.last_applied.and_then(|text| serde_json::from_str(text).ok()))
            .as_ref()?;
        self.segments.iter().try_fold(root, |value, segment| match segment {
            Segment::Field(key) => value.get(*key),
            Segment::Item(index, item, ..) => matching_item(value, *index, item),
        })
    }

    /// Records a difference at the current path, attributed to the live owner there.
    fn report(&mut self, change: Change, desired: Option<Value>, live: Option<Value>, provenance: Provenance) {
        let owner = if change == Change::DesiredOnly { None } else { self.owner_here() };
        self.out.push(RawDiff {
            pointer: self.path.pointer().to_owned(),
            desired_pointer: self.desired_pointer(),
            display: self.path.display().to_owned(),
            fields: self.fields.iter().map(|f| (*f).to_owned()).collect(),
            change,
            desired,
            live,
            owner,
            provenance,
        });
    }

    /// The current path as a pointer into the desired object.
    fn desired_pointer(&self) -> String {
        let mut pointer = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Field(key) => {
                    pointer.push('/');
                    crate::engine::path::push_pointer_token(&mut pointer, key);
                }
                Segment::Item(.., Some(index)) => {
                    let _ = write!(pointer, "/{index}");
                }
                Segment::Item(.., None) => pointer.push_str("/-"),
            }
        }
        pointer
    }

    /// The owner of the live value here: this node's owners, else an atomic ancestor's.
    fn owner_here(&self) -> Option<Owner> {
        let trie = self.trie()?;
        let here = self.resolve(trie);
        let node = here.node.filter(|n| !trie.direct_owners(*n).is_empty()).or(here.atomic)?;
        trie.primary(trie.direct_owners(node)).map(|e| e.to_owner())
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
        desired_index: Option<usize>,
    ) {
        match key {
            Some(key) => self.path.push_keyed_item(index, key),
            None => self.path.push_index(index),
        }
        self.segments.push(Segment::Item(index, item, key_fields, desired_index));
    }

    /// Leaves the innermost field or item.
    fn leave(&mut self) {
        self.path.pop();
        if let Some(Segment::Field(_)) = self.segments.pop() {
            self.fields.pop();
        }
    }

    /// Labels and annotations GitOps tools and controllers stamp: not compared.
    fn is_tracking_metadata(&self, key: &str) -> bool {
        match self.fields.as_slice() {
            ["metadata", "labels"] => TRACKING_KEYS.contains(&key) || key == self.evidence.instance_label,
            ["metadata", "annotations"] => TRACKING_KEYS.contains(&key) || CONTROLLER_ANNOTATIONS.contains(&key),
            _ => false,
        }
    }

    /// Scalar equality as the API server sees it: quantities by value, `8080` = `"8080"`,
    /// `1` = `1.0`, and absent-like values (`null`, `[]`, `{}`) all alike.
    fn equivalent(&self, desired: &Value, live: &Value) -> bool {
        if desired == live || (is_empty_like(desired) && is_empty_like(live)) {
            return true;
        }
        let opaque = self.evidence.opaque_data && matches!(self.fields.first(), Some(&("data" | "binaryData")));
        if opaque {
            return false;
        }
        if merge_keys::is_quantity_field(&self.fields)
            && let (Some(a), Some(b)) = (Quantity::from_json(desired), Quantity::from_json(live))
        {
            return a == b;
        }
        match (desired, live) {
            (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
                s.parse::<f64>().ok() == n.as_f64()
            }
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
