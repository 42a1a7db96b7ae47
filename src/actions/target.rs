//! Where cluster writes go: the real API server (through the user's kubeconfig, as the
//! exact requests DESIGN §6 tests pin down) or a simulated cluster held in memory (the
//! embedded samples and training drills, where nothing may be written anywhere). Sync and
//! prune are written once against `Writer` and behave the same on both.

use crate::actions::ActionError;
use crate::engine::identity;
use crate::model::ResourceKey;
use crate::sources::cluster::blocking::Session;
use crate::sources::cluster::discovery::{self, ServedResource, Wanted};
use crate::sources::cluster::{Cluster, Problem};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;

/// One object to write: its identity and the API version to address it at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub key: ResourceKey,
    pub version: String,
}

impl ObjectRef {
    pub fn of(object: &Value, default_namespace: &str) -> ObjectRef {
        ObjectRef { key: identity::key_of(object, default_namespace), version: identity::version_of(object) }
    }
}

/// Server-side apply's content type (DESIGN §6 asserts it on the wire).
pub const APPLY_PATCH: &str = "application/apply-patch+yaml";
pub const MERGE_PATCH: &str = "application/merge-patch+json";

/// How a write is made: for real, or as the API server's dry run (`dryRun=All`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    DryRun,
    Commit,
}

/// What the object must still be for a write to land: the `resourceVersion` (and `uid`) the
/// responder was shown. The API server checks them itself, so a write that races another
/// writer after kdrift's own re-read is refused rather than applied to an unseen state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preconditions {
    pub resource_version: Option<String>,
    pub uid: Option<String>,
}

impl Preconditions {
    /// The preconditions of the object as it was shown (none for an object that was absent).
    pub fn of(shown: Option<&Value>) -> Preconditions {
        let text = |pointer: &str| shown.and_then(|o| o.pointer(pointer)).and_then(Value::as_str).map(str::to_owned);
        Preconditions { resource_version: text("/metadata/resourceVersion"), uid: text("/metadata/uid") }
    }

    /// Whether `current` still is the object shown.
    fn hold_for(&self, current: &Value) -> bool {
        let same = |wanted: &Option<String>, pointer: &str| {
            wanted.as_deref().is_none_or(|wanted| current.pointer(pointer).and_then(Value::as_str) == Some(wanted))
        };
        same(&self.resource_version, "/metadata/resourceVersion") && same(&self.uid, "/metadata/uid")
    }
}

/// The cluster operations actions need.
pub trait Writer {
    /// The object as the API server has it now; `None` when it does not exist.
    fn get(&self, target: &ObjectRef) -> Result<Option<Value>, ActionError>;
    /// Objects of one kind in one namespace (what might point at an object to prune).
    fn list(&self, group: &str, kind: &str, namespace: &str) -> Result<Vec<Value>, ActionError>;
    /// Server-side apply of `object` as `field_manager`; `force` takes conflicting fields. A
    /// `metadata.resourceVersion` in `object` is the server's precondition.
    fn apply(
        &self,
        target: &ObjectRef,
        object: &Value,
        field_manager: &str,
        force: bool,
        mode: Mode,
    ) -> Result<Value, ActionError>;
    /// A JSON merge patch (Argo CD's `operation`, Flux's reconcile annotation).
    fn merge_patch(&self, target: &ObjectRef, patch: &Value, mode: Mode) -> Result<Value, ActionError>;
    /// Deletes with `propagationPolicy`, only while `preconditions` hold.
    fn delete(
        &self,
        target: &ObjectRef,
        propagation: &str,
        preconditions: &Preconditions,
        mode: Mode,
    ) -> Result<(), ActionError>;
    /// "cluster prod-eu", "simulated sample checkout-api".
    fn label(&self) -> String;
    fn is_simulated(&self) -> bool;
}

/// The real cluster, one blocking session.
pub struct LiveCluster {
    session: std::rc::Rc<Session>,
    served: RefCell<HashMap<(String, String), ServedResource>>,
}

impl LiveCluster {
    pub fn new(session: std::rc::Rc<Session>) -> LiveCluster {
        LiveCluster { session, served: RefCell::new(HashMap::new()) }
    }

    pub fn cluster(&self) -> &Cluster {
        self.session.cluster()
    }

    /// The served resource for `group`/`kind` (discovered once per kind).
    fn resource(&self, group: &str, version: &str, kind: &str) -> Result<ServedResource, ActionError> {
        let wanted_key = (group.to_owned(), kind.to_owned());
        if let Some(found) = self.served.borrow().get(&wanted_key) {
            return Ok(found.clone());
        }
        let cluster = self.session.cluster();
        let wanted: Wanted = [(group.to_owned(), Some(version.to_owned()))].into_iter().collect();
        let map = self.session.block_on(discovery::discover(cluster, &wanted))?;
        let found = map.resolve(group, version, kind).cloned().ok_or_else(|| ActionError::NotServed {
            kind: kind.to_owned(),
            group: group.to_owned(),
            context: cluster.context.clone(),
        })?;
        self.served.borrow_mut().insert(wanted_key, found.clone());
        Ok(found)
    }

    fn object_path(&self, target: &ObjectRef) -> Result<(ServedResource, String), ActionError> {
        let key = &target.key;
        check_names(key)?;
        let resource = self.resource(&key.group, &target.version, &key.kind)?;
        let namespace = Some(key.namespace.as_str()).filter(|ns| !ns.is_empty());
        let path = format!("{}/{}", resource.collection(namespace), crate::sources::cluster::path_segment(&key.name));
        Ok((resource, path))
    }

    fn failed(&self, verb: &'static str, what: String, problem: Problem) -> ActionError {
        ActionError::Cluster(self.session.cluster().error(verb, what, problem))
    }

    fn send(
        &self,
        method: http::Method,
        verb: &'static str,
        target: &ObjectRef,
        query: &[(&str, &str)],
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Value, ActionError> {
        let (resource, path) = self.object_path(target)?;
        let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
        let full = if query.is_empty() { path } else { format!("{path}?{query}") };
        let cluster = self.session.cluster();
        self.session.block_on(cluster.write::<Value>(method, &full, content_type, body)).map_err(|problem| {
            let what = format!("{} {}", resource.display(), describe(&target.key));
            match problem {
                Problem::Status { code: 409, message } if refused_precondition(&message) => {
                    ActionError::Precondition(what)
                }
                problem => self.failed(verb, what, problem),
            }
        })
    }
}

/// A 409 that says the object is no longer the one the write was conditioned on (server-side
/// apply's `resourceVersion`, DeleteOptions' preconditions), not a field conflict.
fn refused_precondition(message: &str) -> bool {
    // "the object has been modified", "… might have been modified", "Precondition failed:
    // UID in precondition …", "the ResourceVersion in the precondition (10) does not match".
    let message = message.to_ascii_lowercase();
    message.contains("been modified") || message.contains("precondition")
}

/// Refuses, before any request, a name or namespace the API server would never accept: the
/// URL is built only from names that are already valid.
pub fn check_names(key: &ResourceKey) -> Result<(), ActionError> {
    let why = identity::invalid_name(&key.group, &key.kind, &key.name)
        .or_else(|| (!key.namespace.is_empty()).then(|| identity::invalid_namespace(&key.namespace)).flatten());
    match why {
        Some(why) => Err(ActionError::InvalidName { kind: key.kind.clone(), name: key.to_string(), why }),
        None => Ok(()),
    }
}

fn describe(key: &ResourceKey) -> String {
    match key.namespace.as_str() {
        "" => key.name.clone(),
        namespace => format!("{namespace}/{}", key.name),
    }
}

fn dry_run(mode: Mode) -> Option<(&'static str, &'static str)> {
    (mode == Mode::DryRun).then_some(("dryRun", "All"))
}

impl Writer for LiveCluster {
    fn get(&self, target: &ObjectRef) -> Result<Option<Value>, ActionError> {
        let (resource, path) = self.object_path(target)?;
        let cluster = self.session.cluster();
        match self.session.block_on(cluster.get::<Value>(&path)) {
            Ok(object) => Ok(Some(object)),
            Err(Problem::NotFound) => Ok(None),
            Err(problem) => {
                Err(self.failed("get", format!("{} {}", resource.display(), describe(&target.key)), problem))
            }
        }
    }

    fn list(&self, group: &str, kind: &str, namespace: &str) -> Result<Vec<Value>, ActionError> {
        let resource = self.resource(group, "", kind)?;
        let cluster = self.session.cluster();
        let path = resource.collection(Some(namespace));
        let list: Value = self
            .session
            .block_on(cluster.get(&path))
            .map_err(|problem| self.failed("list", format!("{} in {namespace}", resource.display()), problem))?;
        let items = list.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
        Ok(items
            .into_iter()
            .map(|mut item| {
                // Lists leave out each item's apiVersion and kind; identity needs them back.
                if let Some(map) = item.as_object_mut() {
                    map.insert("apiVersion".into(), Value::String(resource.api_version()));
                    map.insert("kind".into(), Value::String(resource.kind.clone()));
                }
                item
            })
            .collect())
    }

    fn apply(
        &self,
        target: &ObjectRef,
        object: &Value,
        field_manager: &str,
        force: bool,
        mode: Mode,
    ) -> Result<Value, ActionError> {
        let mut query = vec![("fieldManager", field_manager)];
        if force {
            query.push(("force", "true"));
        }
        query.extend(dry_run(mode));
        // JSON is YAML: the apply content type takes either.
        let body = serde_json::to_vec(object).map_err(|e| ActionError::Invalid(e.to_string()))?;
        self.send(http::Method::PATCH, "apply", target, &query, APPLY_PATCH, body)
    }

    fn merge_patch(&self, target: &ObjectRef, patch: &Value, mode: Mode) -> Result<Value, ActionError> {
        let query: Vec<_> = dry_run(mode).into_iter().collect();
        let body = serde_json::to_vec(patch).map_err(|e| ActionError::Invalid(e.to_string()))?;
        self.send(http::Method::PATCH, "patch", target, &query, MERGE_PATCH, body)
    }

    fn delete(
        &self,
        target: &ObjectRef,
        propagation: &str,
        preconditions: &Preconditions,
        mode: Mode,
    ) -> Result<(), ActionError> {
        let mut query = vec![("propagationPolicy", propagation)];
        query.extend(dry_run(mode));
        let mut conditions = serde_json::Map::new();
        if let Some(version) = &preconditions.resource_version {
            conditions.insert("resourceVersion".into(), Value::String(version.clone()));
        }
        if let Some(uid) = &preconditions.uid {
            conditions.insert("uid".into(), Value::String(uid.clone()));
        }
        let options = serde_json::json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": conditions});
        let body = serde_json::to_vec(&options).map_err(|e| ActionError::Invalid(e.to_string()))?;
        self.send(http::Method::DELETE, "delete", target, &query, "application/json", body).map(|_| ())
    }

    fn label(&self) -> String {
        format!("cluster {}", self.session.cluster().context)
    }

    fn is_simulated(&self) -> bool {
        false
    }
}

/// A cluster in memory: the sample's live objects. Writes change only this copy.
pub struct Simulated {
    pub label: String,
    objects: RefCell<HashMap<ResourceKey, Value>>,
    namespace: String,
}

impl Simulated {
    pub fn new(label: String, namespace: &str, objects: impl IntoIterator<Item = Value>) -> Simulated {
        let objects = objects.into_iter().map(|object| (identity::key_of(&object, namespace), object)).collect();
        Simulated { label, objects: RefCell::new(objects), namespace: namespace.to_owned() }
    }
}

impl Simulated {
    /// Replaces (or, with `None`, deletes) one object: an earlier simulated action's result.
    pub fn set(&self, key: &ResourceKey, object: Option<Value>) {
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
pub fn json_merge(target: &mut Value, patch: &Value) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patches_remove_nulls_and_merge_maps() {
        let mut object = json!({"a": {"b": 1, "c": 2}, "d": [1]});
        json_merge(&mut object, &json!({"a": {"b": null, "e": 3}, "d": [2]}));
        assert_eq!(object, json!({"a": {"c": 2, "e": 3}, "d": [2]}));
    }

    #[test]
    fn simulated_applies_merge_named_items_and_move_the_resource_version() {
        let live = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod", "resourceVersion": "41"},
            "spec": {"replicas": 9, "template": {"spec": {"containers": [
                {"name": "app", "image": "a:1", "resources": {"limits": {"memory": "2Gi"}}},
                {"name": "sidecar", "image": "s:1"}]}}}});
        let cluster = Simulated::new("simulated".into(), "prod", [live.clone()]);
        let target = ObjectRef::of(&live, "prod");
        let desired = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "resources": {"limits": {"memory": "512Mi"}}}]}}}});
        let preview = cluster.apply(&target, &desired, "argocd-controller", false, Mode::DryRun).unwrap();
        assert_eq!(preview.pointer("/spec/template/spec/containers/0/resources/limits/memory"), Some(&json!("512Mi")));
        assert_eq!(cluster.get(&target).unwrap().unwrap(), live, "a dry run changes nothing");
        cluster.apply(&target, &desired, "argocd-controller", false, Mode::Commit).unwrap();
        let after = cluster.get(&target).unwrap().unwrap();
        assert_eq!(after.pointer("/spec/template/spec/containers/1/name"), Some(&json!("sidecar")));
        assert_eq!(after.pointer("/metadata/resourceVersion"), Some(&json!("42")));
        // The version shown before the apply no longer holds: the delete is refused.
        let stale = Preconditions::of(Some(&live));
        let refused = cluster.delete(&target, "Foreground", &stale, Mode::Commit);
        assert!(matches!(refused, Err(ActionError::Precondition(_))), "{refused:?}");
        let stale_apply = json!({"kind": "Deployment", "metadata": {"name": "web", "resourceVersion": "41"}});
        let refused = cluster.apply(&target, &stale_apply, "kdrift", false, Mode::Commit);
        assert!(matches!(refused, Err(ActionError::Precondition(_))), "{refused:?}");
        cluster.delete(&target, "Foreground", &Preconditions::of(Some(&after)), Mode::Commit).unwrap();
        assert!(cluster.get(&target).unwrap().is_none());
    }
}
