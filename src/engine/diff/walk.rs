//! The structural walk over one pair: maps by key, lists by merge key or position, scalars
//! with Kubernetes equivalences; each difference recorded at its path with its live owner.

use super::{Change, Provenance, RawDiff, Segment, Walker, is_empty_like};
use crate::engine::maps::{FastMap, lookup};
use crate::engine::merge_keys::{self, ItemKey};
use crate::engine::quantity::Quantity;
use crate::model::{Oracle, Owner};
use serde_json::{Map, Value};
use std::fmt::Write as _;

impl<'a> Walker<'a, '_> {
    pub(super) fn compare(&mut self, desired: &'a Value, live: &'a Value) {
        match (desired, live) {
            (Value::Object(d), Value::Object(l)) => self.compare_maps(d, l),
            (Value::Array(d), Value::Array(l)) => self.compare_lists(d, l),
            _ if self.equivalent(desired, live) => {}
            _ if self.server_stores(live) => self.settle(),
            _ => self.report(Change::Changed, Some(desired.clone()), Some(live.clone()), Provenance::Managed),
        }
    }

    /// Values equal as the API server compares them, structures member by member.
    pub(super) fn same_value(&self, a: &Value, b: &Value) -> bool {
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
    pub(super) fn settle(&mut self) {
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
        // Keys are unique per side (`merge_keys::for_list` checked), so a map finds the one.
        let by_key: Option<FastMap<&ItemKey<'a>, usize>> = (live_keys.len() > merge_keys::SCAN_UP_TO)
            .then(|| live_keys.iter().enumerate().map(|(index, key)| (key, index)).collect());
        let mut matched = vec![false; live.len()];
        for (desired_index, d) in desired.iter().enumerate() {
            let key = ItemKey::of(d, key_fields);
            let found = match &by_key {
                Some(by_key) => by_key.get(&key).copied(),
                None => live_keys.iter().position(|k| *k == key),
            };
            match found {
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

    /// Records a difference at the current path, attributed to the live owner there.
    pub(super) fn report(
        &mut self,
        change: Change,
        desired: Option<Value>,
        live: Option<Value>,
        provenance: Provenance,
    ) {
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
