//! The structural three-way diff of one normalized desired/live pair: maps by key, lists with
//! merge keys by key (DESIGN §3), scalars with Kubernetes equivalences. Every difference is
//! attributed to its live owner while walking, using the ownership trie in lockstep.

use crate::engine::defaults;
use crate::engine::merge_keys::{self, ItemKey};
use crate::engine::ownership::{NodeId, OwnershipTrie, ROOT};
use crate::engine::path::PathBuilder;
use crate::engine::quantity::Quantity;
use crate::model::{ManagerClass, Owner};
use serde_json::{Map, Value};
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
    /// Owned by the GitOps manager yet absent from its last-applied configuration: a
    /// mutating webhook changed the object during the GitOps controller's request.
    InjectedAtAdmission,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RawDiff {
    pub pointer: String,
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

/// What the walk knows about the live object besides its value.
pub struct LiveEvidence<'a> {
    pub kind: &'a str,
    pub ownership: Option<&'a OwnershipTrie<'a>>,
    /// The raw `last-applied-configuration` JSON; parsed only if a decision needs it.
    pub last_applied: Option<&'a str>,
    /// ConfigMap and Secret payloads are compared as exact strings, never as numbers.
    pub opaque_data: bool,
    /// Built-in kinds have known list merge keys; CRD lists are compared by position.
    pub builtin_kind: bool,
}

/// Compares one normalized pair and returns every difference that is drift candidate.
pub fn diff_objects(desired: &Value, live: &Value, evidence: &LiveEvidence<'_>) -> Vec<RawDiff> {
    let mut walker = Walker {
        evidence,
        path: PathBuilder::default(),
        fields: Vec::new(),
        segments: Vec::new(),
        last_applied: OnceCell::new(),
        out: Vec::new(),
    };
    let root = evidence.ownership.map(|_| ROOT);
    let place = Place { node: root, atomic: None, is_item: false };
    walker.compare(desired, live, place);
    walker.out
}

/// Where the walk stands in the ownership trie.
#[derive(Clone, Copy)]
struct Place {
    node: Option<NodeId>,
    /// The nearest ancestor owned as a whole (a leaf in the trie, such as an atomic list).
    atomic: Option<NodeId>,
    /// This place is a list item (judged whole when uniformly owned), not a map field.
    is_item: bool,
}

/// One step of the live path, kept so last-applied can be followed when (rarely) needed.
#[derive(Clone, Copy)]
enum Segment<'a> {
    Field(&'a str),
    Item(usize, &'a Value),
}

struct Walker<'a, 'e> {
    evidence: &'e LiveEvidence<'a>,
    path: PathBuilder,
    fields: Vec<&'a str>,
    segments: Vec<Segment<'a>>,
    last_applied: OnceCell<Option<Value>>,
    out: Vec<RawDiff>,
}

impl<'a> Walker<'a, '_> {
    fn trie(&self) -> Option<&'a OwnershipTrie<'a>> {
        self.evidence.ownership
    }

    fn compare(&mut self, desired: &'a Value, live: &'a Value, place: Place) {
        match (desired, live) {
            (Value::Object(d), Value::Object(l)) => self.compare_maps(d, l, place),
            (Value::Array(d), Value::Array(l)) => self.compare_lists(d, l, place),
            _ if self.equivalent(desired, live) => {}
            _ => self.report(Change::Changed, Some(desired), Some(live), place, Provenance::Managed),
        }
    }

    fn compare_maps(&mut self, desired: &'a Map<String, Value>, live: &'a Map<String, Value>, place: Place) {
        let at_root = self.fields.is_empty() && self.path.pointer().is_empty();
        for (key, d) in desired {
            if at_root && key == "apiVersion" {
                // The served version is not part of identity or intent.
                continue;
            }
            let child = self.field_place(place, key);
            self.enter_field(key);
            match lookup(live, key) {
                Some(l) => self.compare(d, l, child),
                None if is_empty_like(d) => {}
                None => self.report(Change::DesiredOnly, Some(d), None, child, Provenance::Managed),
            }
            self.leave_field();
        }
        for (key, l) in live {
            if desired.contains_key(key)
                || is_empty_like(l)
                || (at_root && key == "apiVersion")
                || self.is_tracking_metadata(key)
            {
                continue;
            }
            let child = self.field_place(place, key);
            self.enter_field(key);
            self.live_only(l, child, Some(live));
            self.leave_field();
        }
    }

    fn compare_lists(&mut self, desired: &'a [Value], live: &'a [Value], place: Place) {
        let field = self.fields.last().copied().unwrap_or("");
        let keyed = self.evidence.builtin_kind.then(|| merge_keys::for_list(field, desired, live));
        if let Some(key_fields) = keyed.flatten() {
            return self.compare_keyed(desired, live, key_fields, place);
        }
        let all_scalars = desired.iter().chain(live).all(|v| !v.is_object() && !v.is_array());
        if all_scalars {
            // Scalar lists (args, command, finalizers) read best as one whole-list change.
            let same = desired.len() == live.len() && desired.iter().zip(live).all(|(d, l)| self.equivalent(d, l));
            if !same {
                self.report_values(Change::Changed, Some(Value::from(desired)), Some(Value::from(live)), place);
            }
            return;
        }
        for index in 0..desired.len().max(live.len()) {
            match (desired.get(index), live.get(index)) {
                (Some(d), Some(l)) => {
                    self.enter_item(index, l, None);
                    let child = self.item_place(place, index, l);
                    self.compare(d, l, child);
                }
                (Some(d), None) => {
                    self.enter_item(index, d, None);
                    self.report(Change::DesiredOnly, Some(d), None, place, Provenance::Managed);
                }
                (None, Some(l)) => {
                    self.enter_item(index, l, None);
                    let child = self.item_place(place, index, l);
                    self.live_only(l, child, None);
                }
                (None, None) => continue,
            }
            self.leave_item();
        }
    }

    fn compare_keyed(
        &mut self,
        desired: &'a [Value],
        live: &'a [Value],
        key_fields: &'static [&'static str],
        place: Place,
    ) {
        let live_keys: Vec<ItemKey<'a>> = live.iter().map(|l| ItemKey::of(l, key_fields)).collect();
        let mut matched = vec![false; live.len()];
        for d in desired {
            let key = ItemKey::of(d, key_fields);
            match live_keys.iter().position(|k| *k == key) {
                Some(index) => {
                    matched[index] = true;
                    let l = &live[index];
                    self.enter_item(index, l, Some(&key));
                    let child = self.keyed_item_place(place, index, l, &key);
                    self.compare(d, l, child);
                }
                None => {
                    // Not in live: point past the end, where an apply would add it.
                    self.path.push_keyed_item_absent(&key);
                    self.segments.push(Segment::Item(live.len(), d));
                    self.report(Change::DesiredOnly, Some(d), None, place, Provenance::Managed);
                }
            }
            self.leave_item();
        }
        for (index, l) in live.iter().enumerate() {
            if matched[index] {
                continue;
            }
            self.enter_item(index, l, Some(&live_keys[index]));
            let child = self.keyed_item_place(place, index, l, &live_keys[index]);
            self.live_only(l, child, None);
            self.leave_item();
        }
    }

    /// A field only live has: drift or not depending on who put it there (DESIGN §3).
    /// Maps are never judged whole (their members may have different owners); list items
    /// are, when one set of managers owns the item and everything in it.
    fn live_only(&mut self, live: &'a Value, place: Place, parent: Option<&'a Map<String, Value>>) {
        if defaults::is_server_default(self.evidence.kind, &self.fields, live, parent) {
            return;
        }
        let Some(trie) = self.trie() else {
            // Without managedFields only last-applied can prove Git once set this field.
            return self.live_only_by_last_applied(live, place);
        };
        let owners = match (place.node, place.atomic) {
            (Some(node), _) if trie.is_leaf(node) => trie.direct_owners(node),
            (Some(node), _) if place.is_item => {
                let item_owners = trie.direct_owners(node);
                let everything = trie.subtree_owners(node);
                if item_owners.is_empty() || !everything.within(item_owners) {
                    return self.live_only_children(live, place);
                }
                everything
            }
            (Some(_), _) => return self.live_only_children(live, place),
            (None, Some(atomic)) => trie.direct_owners(atomic),
            (None, None) => return self.live_only_by_last_applied(live, place),
        };
        let pick = |wanted: &[ManagerClass]| trie.primary(trie.of_classes(owners, wanted)).map(|e| e.to_owner());
        if let Some(owner) = pick(&[ManagerClass::Human, ManagerClass::Unknown]) {
            self.report_owned(live, owner, Provenance::Managed);
        } else if let Some(owner) = pick(&[ManagerClass::Gitops]) {
            let injected = self.evidence.last_applied.is_some() && self.last_applied_here().is_none();
            let provenance = if injected { Provenance::InjectedAtAdmission } else { Provenance::Managed };
            self.report_owned(live, owner, provenance);
        } else if let Some(owner) = pick(&[ManagerClass::Webhook]) {
            self.report_owned(live, owner, Provenance::Managed);
        }
        // Controller-owned only: delegated, not drift.
    }

    fn live_only_children(&mut self, live: &'a Value, place: Place) {
        match live {
            Value::Object(map) => {
                for (key, value) in map {
                    if is_empty_like(value) || self.is_tracking_metadata(key) {
                        continue;
                    }
                    let child = self.field_place(place, key);
                    self.enter_field(key);
                    self.live_only(value, child, Some(map));
                    self.leave_field();
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.enter_item(index, item, None);
                    let child = self.item_place(place, index, item);
                    self.live_only(item, child, None);
                    self.leave_item();
                }
            }
            _ => {}
        }
    }

    fn live_only_by_last_applied(&mut self, live: &'a Value, place: Place) {
        match (self.last_applied_here(), live) {
            (None, _) => {}
            (Some(Value::Object(_)), Value::Object(_)) => self.live_only_children(live, place),
            (Some(_), _) => self.report(Change::LiveOnly, None, Some(live), place, Provenance::LastApplied),
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
            Segment::Item(index, item) => matching_item(value, *index, item),
        })
    }

    fn report_owned(&mut self, live: &'a Value, owner: Owner, provenance: Provenance) {
        self.out.push(RawDiff {
            pointer: self.path.pointer().to_owned(),
            display: self.path.display().to_owned(),
            fields: self.fields.iter().map(|f| (*f).to_owned()).collect(),
            change: Change::LiveOnly,
            desired: None,
            live: Some(live.clone()),
            owner: Some(owner),
            provenance,
        });
    }

    fn report(&mut self, change: Change, d: Option<&Value>, l: Option<&Value>, place: Place, prov: Provenance) {
        let owner = if change == Change::DesiredOnly { None } else { self.owner_at(place) };
        self.out.push(RawDiff {
            pointer: self.path.pointer().to_owned(),
            display: self.path.display().to_owned(),
            fields: self.fields.iter().map(|f| (*f).to_owned()).collect(),
            change,
            desired: d.cloned(),
            live: l.cloned(),
            owner,
            provenance: prov,
        });
    }

    fn report_values(&mut self, change: Change, d: Option<Value>, l: Option<Value>, place: Place) {
        let owner = self.owner_at(place);
        self.out.push(RawDiff {
            pointer: self.path.pointer().to_owned(),
            display: self.path.display().to_owned(),
            fields: self.fields.iter().map(|f| (*f).to_owned()).collect(),
            change,
            desired: d,
            live: l,
            owner,
            provenance: Provenance::Managed,
        });
    }

    /// The owner of the live value here: this node's owners, else an atomic ancestor's.
    fn owner_at(&self, place: Place) -> Option<Owner> {
        let trie = self.trie()?;
        let node = place.node.filter(|n| !trie.direct_owners(*n).is_empty()).or(place.atomic)?;
        trie.primary(trie.direct_owners(node)).map(|e| e.to_owner())
    }

    fn field_place(&self, place: Place, key: &str) -> Place {
        let node = match (self.trie(), place.node) {
            (Some(trie), Some(node)) => trie.field(node, key),
            _ => None,
        };
        self.descend(place, node, false)
    }

    fn item_place(&self, place: Place, index: usize, item: &Value) -> Place {
        let node = match (self.trie(), place.node) {
            (Some(trie), Some(node)) => trie.item(node, index, item),
            _ => None,
        };
        self.descend(place, node, true)
    }

    fn keyed_item_place(&self, place: Place, index: usize, item: &Value, key: &ItemKey<'_>) -> Place {
        let node = match (self.trie(), place.node) {
            (Some(trie), Some(node)) => key
                .fields_v1_text()
                .and_then(|text| trie.item_by_key_text(node, &text))
                .or_else(|| trie.item(node, index, item)),
            _ => None,
        };
        self.descend(place, node, true)
    }

    fn descend(&self, place: Place, node: Option<NodeId>, is_item: bool) -> Place {
        let atomic = match (self.trie(), node) {
            (Some(trie), Some(n)) if trie.is_leaf(n) && !trie.direct_owners(n).is_empty() => Some(n),
            _ => place.atomic,
        };
        Place { node, atomic, is_item }
    }

    fn enter_field(&mut self, key: &'a str) {
        self.path.push_field(key);
        self.fields.push(key);
        self.segments.push(Segment::Field(key));
    }

    /// Enters list item `index` (shown by its merge key when it has one).
    fn enter_item(&mut self, index: usize, item: &'a Value, key: Option<&ItemKey<'_>>) {
        match key {
            Some(key) => self.path.push_keyed_item(index, key),
            None => self.path.push_index(index),
        }
        self.segments.push(Segment::Item(index, item));
    }

    fn leave_item(&mut self) {
        self.path.pop();
        self.segments.pop();
    }

    fn leave_field(&mut self) {
        self.path.pop();
        self.fields.pop();
        self.segments.pop();
    }

    fn is_tracking_metadata(&self, key: &str) -> bool {
        matches!(self.fields.as_slice(), ["metadata", "labels" | "annotations"]) && TRACKING_KEYS.contains(&key)
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

/// Map lookup that skips hashing for the small maps Kubernetes objects are made of: a short
/// linear scan beats SipHash on a 3–10 key map.
fn lookup<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    const LINEAR_UP_TO: usize = 16;
    if map.len() <= LINEAR_UP_TO { map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v) } else { map.get(key) }
}

pub fn is_empty_like(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}
