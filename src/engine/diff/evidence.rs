//! What decides a difference beyond the two values: the API server's dry run of Git's object
//! (what the server itself stores or drops), and for a value only live has, its owner in
//! `managedFields` and the last-applied configuration (DESIGN §3).

use super::{Change, Provenance, Segment, Walker, is_empty_like, matching_item};
use crate::engine::defaults;
use crate::engine::maps::lookup;
use crate::engine::merge_keys::ItemKey;
use crate::engine::oracle::{self, ServerSays};
use crate::engine::ownership::{Owners, OwnershipTrie};
use crate::model::{ManagerClass, Oracle, Owner};
use serde_json::{Map, Value};

/// What to do with a live-only value, decided while the trie is borrowed.
enum LiveOnlyVerdict {
    /// The owner, the provenance, and who wrote a last-applied configuration that is not theirs.
    Report(Owner, Provenance, Option<String>),
    Children,
    ByLastApplied,
    NotDrift,
}

impl<'a> Walker<'a, '_> {
    /// True when the dry run of Git's object stores exactly the live value here and nobody but
    /// the dry run's own apply owns it there: Git's value and live's differ only as the API
    /// server itself makes them differ. A value the answer keeps because a person owns it (an
    /// element a person added to a set-like list) is not the server's doing.
    pub(super) fn server_stores(&self, live: &Value) -> bool {
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
    pub(super) fn server_drops(&self) -> bool {
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

    /// A field only live has: drift or not depending on who put it there (DESIGN §3).
    /// Maps are never judged whole (their members may have different owners); list items
    /// are, when one set of managers owns the item and everything in it. The API server's
    /// dry run, when known, says whether the server itself produces the value; without it,
    /// the defaults table does.
    pub(super) fn live_only(&mut self, live: &'a Value, parent: Option<&'a Map<String, Value>>) {
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
}
