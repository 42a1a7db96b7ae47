//! The simulated write target (`target::Simulated`): the sample's live objects held in memory,
//! where writes behave as the API server's would (merge patches, server-side apply,
//! `resourceVersion`, preconditions) but change only this copy.

use crate::actions::ActionError;
use crate::actions::target::{Mode, ObjectRef, Preconditions, Writer};
use crate::engine::identity;
use crate::model::ResourceKey;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;

/// A cluster in memory: the sample's live objects. Writes change only this copy.
pub(crate) struct Simulated {
    pub label: String,
    objects: RefCell<HashMap<ResourceKey, Value>>,
    namespace: String,
}

impl Simulated {
    pub(crate) fn new(label: String, namespace: &str, objects: impl IntoIterator<Item = Value>) -> Simulated {
        let objects = objects.into_iter().map(|object| (identity::key_of(&object, namespace), object)).collect();
        Simulated { label, objects: RefCell::new(objects), namespace: namespace.to_owned() }
    }
}

impl Simulated {
    /// Replaces (or, with `None`, deletes) one object: an earlier simulated action's result.
    pub(crate) fn set(&self, key: &ResourceKey, object: Option<Value>) {
        let mut objects = self.objects.borrow_mut();
        match object {
            Some(object) => objects.insert(key.clone(), object),
            None => objects.remove(key),
        };
    }
}

impl Writer for Simulated {
    fn get(&self, target: &ObjectRef) -> Result<Option<Value>, ActionError> {
        Ok(self.objects.borrow().get(&target.key).cloned())
    }

    fn list(&self, group: &str, kind: &str, namespace: &str) -> Result<Vec<Value>, ActionError> {
        let objects = self.objects.borrow();
        let mut found: Vec<Value> = objects
            .iter()
            .filter(|(key, _)| key.group == group && key.kind == kind && key.namespace == namespace)
            .map(|(_, object)| object.clone())
            .collect();
        found.sort_by_key(|object| identity::key_of(object, &self.namespace).name);
        Ok(found)
    }

    fn apply(
        &self,
        target: &ObjectRef,
        object: &Value,
        _field_manager: &str,
        _force: bool,
        mode: Mode,
    ) -> Result<Value, ActionError> {
        let mut objects = self.objects.borrow_mut();
        let mut result = objects.get(&target.key).cloned().unwrap_or(Value::Null);
        let wanted = object.pointer("/metadata/resourceVersion").and_then(Value::as_str);
        if let Some(wanted) = wanted
            && result.pointer("/metadata/resourceVersion").and_then(Value::as_str) != Some(wanted)
        {
            return Err(ActionError::Precondition(target.key.to_string()));
        }
        merge_applied(&mut result, object);
        bump_version(&mut result);
        if mode == Mode::Commit {
            objects.insert(target.key.clone(), result.clone());
        }
        Ok(result)
    }

    fn merge_patch(&self, target: &ObjectRef, patch: &Value, mode: Mode) -> Result<Value, ActionError> {
        let mut objects = self.objects.borrow_mut();
        let Some(current) = objects.get(&target.key) else {
            return Err(ActionError::Gone(target.key.to_string()));
        };
        let mut result = current.clone();
        json_merge(&mut result, patch);
        bump_version(&mut result);
        if mode == Mode::Commit {
            objects.insert(target.key.clone(), result.clone());
        }
        Ok(result)
    }

    fn delete(
        &self,
        target: &ObjectRef,
        _propagation: &str,
        preconditions: &Preconditions,
        mode: Mode,
    ) -> Result<(), ActionError> {
        let mut objects = self.objects.borrow_mut();
        let Some(current) = objects.get(&target.key) else {
            return Err(ActionError::Gone(target.key.to_string()));
        };
        if !preconditions.hold_for(current) {
            return Err(ActionError::Precondition(target.key.to_string()));
        }
        if mode == Mode::Commit {
            objects.remove(&target.key);
        }
        Ok(())
    }

    fn label(&self) -> String {
        self.label.clone()
    }

    fn is_simulated(&self) -> bool {
        true
    }
}

/// RFC 7386 merge patch: `null` removes, maps merge, everything else replaces.
pub(crate) fn json_merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(target_map) = target {
        for (key, value) in patch_map {
            if value.is_null() {
                target_map.remove(key);
            } else {
                json_merge(target_map.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// What a server-side apply leaves in the simulated copy: the applied fields win, lists
/// whose items carry names merge by name (as containers and env do), other lists replace.
fn merge_applied(target: &mut Value, applied: &Value) {
    match (target, applied) {
        (Value::Object(target_map), Value::Object(applied_map)) => {
            for (key, value) in applied_map {
                merge_applied(target_map.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (Value::Array(target_items), Value::Array(applied_items)) if applied_items.iter().all(named) => {
            for item in applied_items {
                match target_items.iter_mut().find(|t| t.get("name") == item.get("name")) {
                    Some(existing) => merge_applied(existing, item),
                    None => target_items.push(item.clone()),
                }
            }
        }
        (target, applied) => *target = applied.clone(),
    }
}

fn named(item: &Value) -> bool {
    item.get("name").is_some_and(Value::is_string)
}

/// The simulated API server moves `resourceVersion` on every write, as the real one does.
fn bump_version(object: &mut Value) {
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let next =
        metadata.get("resourceVersion").and_then(Value::as_str).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + 1;
    metadata.insert("resourceVersion".into(), Value::String(next.to_string()));
}
