//! Where cluster writes go: the real API server (through the user's kubeconfig, as the
//! exact requests DESIGN §6 tests pin down) or a simulated cluster held in memory (the
//! embedded samples and training drills, where nothing may be written anywhere). Sync and
//! prune are written once against `Writer` and behave the same on both.

use crate::actions::ActionError;
use crate::engine::identity;
use crate::model::ResourceKey;
use crate::sources::cluster::Problem;
use crate::sources::cluster::blocking::Session;
use crate::sources::cluster::discovery::{self, ServedResource, Wanted};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;

pub(crate) use crate::actions::simulated::Simulated;

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
pub(crate) const APPLY_PATCH: &str = "application/apply-patch+yaml";
pub(crate) const MERGE_PATCH: &str = "application/merge-patch+json";

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
    pub(super) fn hold_for(&self, current: &Value) -> bool {
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
pub(crate) struct LiveCluster {
    session: std::rc::Rc<Session>,
    served: RefCell<HashMap<(String, String), ServedResource>>,
}

impl LiveCluster {
    pub(crate) fn new(session: std::rc::Rc<Session>) -> LiveCluster {
        LiveCluster { session, served: RefCell::new(HashMap::new()) }
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
pub(crate) fn check_names(key: &ResourceKey) -> Result<(), ActionError> {
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
        let body = serde_json::to_vec(object).map_err(|source| ActionError::Json { what: "the apply body", source })?;
        self.send(http::Method::PATCH, "apply", target, &query, APPLY_PATCH, body)
    }

    fn merge_patch(&self, target: &ObjectRef, patch: &Value, mode: Mode) -> Result<Value, ActionError> {
        let query: Vec<_> = dry_run(mode).into_iter().collect();
        let body = serde_json::to_vec(patch).map_err(|source| ActionError::Json { what: "the patch", source })?;
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
        let body =
            serde_json::to_vec(&options).map_err(|source| ActionError::Json { what: "the delete options", source })?;
        self.send(http::Method::DELETE, "delete", target, &query, "application/json", body).map(|_| ())
    }

    fn label(&self) -> String {
        format!("cluster {}", self.session.cluster().context)
    }

    fn is_simulated(&self) -> bool {
        false
    }
}

#[cfg(test)]
#[path = "target_tests.rs"]
mod tests;
