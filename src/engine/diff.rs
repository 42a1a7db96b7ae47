//! The structural three-way diff of one normalized desired/live pair: maps by key, lists with
//! merge keys by key (DESIGN §3), scalars with Kubernetes equivalences. Each difference is
//! attributed to its live owner; ownership (and last-applied) is looked up only when a
//! difference needs it, so a pair without drift never builds its ownership trie. When the API
//! server's dry run of Git's object is known (`oracle`), it decides what the server itself
//! would produce; the defaults table is the offline fallback.

use crate::engine::defaults::{self, ApiKind};
use crate::engine::managers::ManagerTable;
use crate::engine::maps::lookup;
use crate::engine::merge_keys::{self, ItemKey};
use crate::engine::oracle::{self, Predicted, ServerSays};
use crate::engine::ownership::{NodeId, Owners, OwnershipTrie, ROOT};
use crate::engine::path::PathBuilder;
use crate::engine::quantity::Quantity;
use crate::model::{ManagerClass, Oracle, Owner};
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

/// What to do with a live-only value, decided while the trie is borrowed.
enum LiveOnlyVerdict {
    /// The owner, the provenance, and who wrote a last-applied configuration that is not theirs.
    Report(Owner, Provenance, Option<String>),
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

    fn compare(&mut self, desired: &'a Value, live: &'a Value) {
        match (desired, live) {
            (Value::Object(d), Value::Object(l)) => self.compare_maps(d, l),
            (Value::Array(d), Value::Array(l)) => self.compare_lists(d, l),
            _ if self.equivalent(desired, live) => {}
            _ if self.server_stores(live) => self.settle(),
            _ => self.report(Change::Changed, Some(desired.clone()), Some(live.clone()), Provenance::Managed),
        }
    }

    /// True when the dry run of Git's object stores exactly the live value here and nobody but
    /// the dry run's own apply owns it there: Git's value and live's differ only as the API
    /// server itself makes them differ. A value the answer keeps because a person owns it (an
    /// element a person added to a set-like list) is not the server's doing.
    fn server_stores(&self, live: &Value) -> bool {
        let Some(predicted) = self.evidence.predicted else {
            return false;
        };
        self.follow(predicted.object).is_some_and(|stored| self.same_value(stored, live))
            && self.owned_by_the_dry_run_alone(predicted.manager)
    }

    /// True when, in the dry run's answer, the value here is owned by the dry run's own apply
    /// or by nobody. An answer without managedFields proves nothing (fail closed).
    fn owned_by_the_dry_run_alone(&self, manager: &str) -> bool {
        let Some(trie) = self.predicted_trie() else {
            return false;
        };
        let here = self.resolve(trie);
        let owners = here.node.or(here.atomic).map(|n| trie.subtree_owners(n)).unwrap_or_default();
        oracle::only_the_dry_run(trie, owners, manager)
    }

    /// True when the dry run of Git's object drops a field Git sets (the server discards it).
    fn server_drops(&self) -> bool {
        self.evidence.predicted.is_some_and(|p| self.follow(p.object).is_none())
    }

    /// What the dry run says of a value only live has.
    fn server_on_live_only(&self, live: &Value) -> ServerSays {
        let Some(predicted) = self.evidence.predicted else {
            return ServerSays::NotAsked;
        };
        match self.follow(predicted.object) {
            // Kept because another manager owns it says nothing about the server.
            Some(stored) if self.same_value(stored, live) => match self.owned_by_the_dry_run_alone(predicted.manager) {
                true => ServerSays::Produces,
                false => ServerSays::Undecided,
            },
            _ => ServerSays::Changes,
        }
    }

    /// Values equal as the API server compares them, structures member by member.
    fn same_value(&self, a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let members = |m: &Map<String, Value>| m.values().filter(|v| !is_empty_like(v)).count();
                members(x) == members(y)
                    && x.iter().all(|(k, v)| match lookup(y, k) {
                        Some(w) => self.same_value(v, w),
                        None => is_empty_like(v),
                    })
            }
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(v, w)| self.same_value(v, w))
            }
            _ => self.equivalent(a, b),
        }
    }

    /// Records that the dry run settled the difference here.
    fn settle(&mut self) {
        self.settled.push(self.path.display().to_owned());
    }

    fn compare_maps(&mut self, desired: &'a Map<String, Value>, live: &'a Map<String, Value>) {
        let at_root = self.segments.is_empty();
        for (key, d) in desired {
            // The served version is not part of identity or intent; name and namespace are
            // identity (the pair was matched on them), never a drifted field.
            if (at_root && key == "apiVersion") || self.is_identity(key) {
                continue;
            }
            self.enter_field(key);
            match lookup(live, key) {
                Some(l) => self.compare(d, l),
                None if is_empty_like(d) => {}
                None if self.server_drops() => self.settle(),
                None => self.report(Change::DesiredOnly, Some(d.clone()), None, Provenance::Managed),
            }
            self.leave();
        }
        for (key, l) in live {
            if lookup(desired, key).is_some() || is_empty_like(l) || (at_root && key == "apiVersion") {
                continue;
            }
            if self.is_tracking_metadata(key) || self.is_identity(key) {
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
            if same {
                return;
            }
            let whole = Value::from(live);
            if self.server_stores(&whole) {
                self.settle();
            } else {
                self.report(Change::Changed, Some(Value::from(desired)), Some(whole), Provenance::Managed);
            }
            return;
        }
        for index in 0..desired.len().max(live.len()) {
            match (desired.get(index), live.get(index)) {
                (Some(d), Some(l)) => {
                    self.enter_item(index, l, None, None, Some((index, d)));
                    self.compare(d, l);
                }
                (Some(d), None) => {
                    self.enter_item(index, d, None, None, Some((index, d)));
                    self.desired_only(d);
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
                    self.enter_item(index, &live[index], Some(&key), Some(key_fields), Some((desired_index, d)));
                    self.compare(d, &live[index]);
                }
                None => {
                    // Not in live: point past the end, where an apply would add it.
                    self.path.push_keyed_item_absent(&key);
                    self.segments.push(Segment::Item(live.len(), d, Some(key_fields), Some((desired_index, d))));
                    self.desired_only(d);
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

    /// A list item only Git has: drift, unless the API server would drop it anyway.
    fn desired_only(&mut self, desired: &Value) {
        if self.server_drops() {
            self.settle();
        } else {
            self.report(Change::DesiredOnly, Some(desired.clone()), None, Provenance::Managed);
        }
    }

    /// A field only live has: drift or not depending on who put it there (DESIGN §3).
    /// Maps are never judged whole (their members may have different owners); list items
    /// are, when one set of managers owns the item and everything in it. The API server's
    /// dry run, when known, says whether the server itself produces the value; without it,
    /// the defaults table does.
    fn live_only(&mut self, live: &'a Value, parent: Option<&'a Map<String, Value>>) {
        match self.server_on_live_only(live) {
            ServerSays::Produces => return self.settle(),
            // The server would not store this value from Git's object: whatever the table
            // says, a sync changes it.
            ServerSays::Changes => self.live_only_oracle = Oracle::ServerDryRun,
            ServerSays::NotAsked | ServerSays::Undecided => {
                if defaults::is_server_default(&self.evidence.api, &self.fields, live, parent) {
                    return;
                }
                self.live_only_oracle = Oracle::DefaultsTable;
            }
        }
        // Labels or annotations Git does not set at all, holding only stamped keys (the
        // Deployment revision): nothing to attribute, so no ownership trie to build.
        if let Value::Object(map) = live
            && map.keys().all(|key| self.is_tracking_metadata(key))
        {
            return;
        }
        match self.live_only_verdict(live) {
            LiveOnlyVerdict::Report(owner, provenance, last_applied_by) => {
                self.report(Change::LiveOnly, None, Some(live.clone()), provenance);
                if let Some(last) = self.out.last_mut() {
                    last.owner = Some(owner);
                    last.last_applied_by = last_applied_by;
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
            LiveOnlyVerdict::Report(owner, Provenance::Managed, None)
        } else if let Some(owner) = pick(&[ManagerClass::Gitops]) {
            let (provenance, by) = self.gitops_provenance(trie, trie.of_classes(owners, &[ManagerClass::Gitops]));
            LiveOnlyVerdict::Report(owner, provenance, by)
        } else if let Some(owner) = pick(&[ManagerClass::Webhook]) {
            LiveOnlyVerdict::Report(owner, Provenance::Managed, None)
        } else {
            // Controller-owned only: delegated, not drift.
            LiveOnlyVerdict::NotDrift
        }
    }

    /// What a last-applied configuration proves about a live-only field the GitOps manager
    /// owns: it is evidence of its own writer's applied configuration only (DESIGN §3). Written
    /// by the same managedFields entry and lacking the field, it proves admission injection;
    /// written by anyone else (a stale `kubectl-client-side-apply` annotation from before a
    /// move to server-side apply), it proves nothing, and the field was removed from Git.
    fn gitops_provenance(&self, trie: &OwnershipTrie<'a>, gitops: Owners) -> (Provenance, Option<String>) {
        if self.evidence.last_applied.is_none() {
            return (Provenance::Managed, None);
        }
        let writers = self.last_applied_writers(trie);
        if gitops.overlaps(writers) {
            let provenance =
                if self.last_applied_here().is_none() { Provenance::InjectedAtAdmission } else { Provenance::Managed };
            return (provenance, None);
        }
        (Provenance::ForeignLastApplied, trie.primary(writers).map(|e| e.manager.clone()))
    }

    /// Whether the last-applied configuration may stand for what Git once set: without
    /// managedFields it is the only evidence (as for kubectl's own three-way diff); with them,
    /// only when a GitOps manager (or nobody recorded) wrote it.
    fn last_applied_speaks_for_git(&self) -> bool {
        if self.evidence.last_applied.is_none() {
            return false;
        }
        let Some(trie) = self.trie() else {
            return true;
        };
        let writers = self.last_applied_writers(trie);
        writers.is_empty() || writers.iter().any(|i| trie.entry(i).class == ManagerClass::Gitops)
    }

    /// The entries that wrote the last-applied configuration, looked up once per object.
    fn last_applied_writers(&self, trie: &OwnershipTrie<'a>) -> Owners {
        *self.writers.get_or_init(|| oracle::last_applied_writers(trie))
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
        if !self.last_applied_speaks_for_git() {
            return;
        }
        match (self.last_applied_here(), live) {
            (None, _) => {}
            (Some(Value::Object(_)), Value::Object(_)) => self.live_only_children(live),
            (Some(_), _) => self.report(Change::LiveOnly, None, Some(live.clone()), Provenance::LastApplied),
        }
    }

    /// The value at the current path in another normalized copy of the object (the dry run's
    /// answer): list items by merge key where the list has one, else by name or position.
    fn follow<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        self.segments.iter().try_fold(root, |value, segment| match segment {
            Segment::Field(key) => value.as_object().and_then(|map| lookup(map, key)),
            Segment::Item(_, item, Some(key_fields), _) => {
                let wanted = ItemKey::of(item, key_fields);
                value.as_array()?.iter().find(|candidate| ItemKey::of(candidate, key_fields) == wanted)
            }
            // Compared by position: Git's item is the one to look up (a person may have put
            // another item at this position live).
            Segment::Item(_, _, None, Some((index, desired))) => matching_item(value, *index, desired),
            Segment::Item(index, item, None, None) => matching_item(value, *index, item),
        })
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
            last_applied_by: None,
            oracle: match (change, self.evidence.predicted) {
                (_, None) => Oracle::DefaultsTable,
                (Change::LiveOnly, Some(_)) => self.live_only_oracle,
                // The server was asked and would store Git's value: a sync changes this.
                (_, Some(_)) => Oracle::ServerDryRun,
            },
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
                Segment::Item(.., Some((index, _))) => {
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
