//! Values the API server fills in when a client leaves a field out (Kubernetes 1.35 defaults):
//! the offline stand-in for the server's own dry run (`engine::oracle`).
//!
//! Unowned defaults are easy to recognize, but an `Update` request (client-side apply, which
//! Argo CD uses by default, or `kubectl create`) makes its manager own every defaulted field
//! of the object it created. A live-only field holding exactly its documented default is
//! therefore never drift, whoever owns it. Fixed values are one table (`table`); values that
//! follow a sibling field are `derived`.

mod derived;
mod table;

use crate::engine::maps::FastMap;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// The API an object belongs to: defaults differ by group, version and kind.
#[derive(Debug, Clone, Copy)]
pub struct ApiKind<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
}

/// Where a default applies: the path of `Entry::path` starts there.
#[derive(Debug, Clone, Copy)]
pub enum Place {
    /// The object's root, in objects of these kinds of this API group.
    Root { group: &'static str, kinds: &'static [&'static str] },
    /// Every pod spec: a Pod's `spec`, a workload's or PodTemplate's `template.spec`, a
    /// CronJob's `jobTemplate.spec.template.spec`.
    PodSpec,
    /// Every container, init container and ephemeral container of a pod spec.
    Container,
    /// Every liveness, readiness and startup probe of a container.
    Probe,
}

/// A fixed default value, compared without building a `Value`.
#[derive(Debug, Clone, Copy)]
pub enum Fixed {
    Text(&'static str),
    Int(i64),
    Bool(bool),
    Texts(&'static [&'static str]),
}

impl Fixed {
    fn matches(self, value: &Value) -> bool {
        match self {
            Fixed::Text(text) => value.as_str() == Some(text),
            Fixed::Int(number) => value.as_i64() == Some(number),
            Fixed::Bool(flag) => value.as_bool() == Some(flag),
            Fixed::Texts(texts) => value
                .as_array()
                .is_some_and(|items| items.len() == texts.len() && items.iter().zip(texts).all(|(v, t)| v == t)),
        }
    }

    /// The value as JSON (for tests and documentation).
    pub fn to_value(self) -> Value {
        match self {
            Fixed::Text(text) => Value::from(text),
            Fixed::Int(number) => Value::from(number),
            Fixed::Bool(flag) => Value::from(flag),
            Fixed::Texts(texts) => Value::from(texts.to_vec()),
        }
    }
}

/// One default: where, the field names along the path (list items are transparent), the
/// value, and the API versions it belongs to (empty: every version).
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub place: Place,
    pub path: &'static [&'static str],
    pub value: Fixed,
    pub versions: &'static [&'static str],
}

/// Every fixed default kdrift knows (the tests check each one against a realistic object).
pub fn entries() -> &'static [Entry] {
    table::ENTRIES
}

/// Built-in groups whose workloads embed pod specs (CRDs default only what their schema says).
const POD_GROUPS: &[&str] = &["", "apps", "batch"];
const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];
const PROBES: &[&str] = &["livenessProbe", "readinessProbe", "startupProbe"];

/// Where the pod spec sits in an object of this kind, if it has one.
pub fn pod_spec_prefix(api: &ApiKind<'_>) -> Option<&'static [&'static str]> {
    if !POD_GROUPS.contains(&api.group) {
        return None;
    }
    Some(match api.kind {
        "Pod" => &["spec"],
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "ReplicationController" => {
            &["spec", "template", "spec"]
        }
        "PodTemplate" => &["template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// A field path seen from the pod spec, a container and a probe, worked out on first need
/// (most candidates are rooted at the object and need none of it): this runs per live leaf.
struct Places<'f> {
    api: ApiKind<'f>,
    root: &'f [&'f str],
    nested: Option<[Option<&'f [&'f str]>; 3]>,
}

impl<'f> Places<'f> {
    fn new(api: ApiKind<'f>, root: &'f [&'f str]) -> Places<'f> {
        Places { api, root, nested: None }
    }

    /// The path below the pod spec, a container and a probe.
    fn nested(&mut self) -> [Option<&'f [&'f str]>; 3] {
        let (api, root) = (self.api, self.root);
        *self.nested.get_or_insert_with(|| {
            let pod_spec = pod_spec_prefix(&api).and_then(|prefix| root.strip_prefix(prefix));
            let inside = |rest: Option<&'f [&'f str]>, names: &[&str]| {
                rest.and_then(|rest| rest.split_first()).filter(|(name, _)| names.contains(name)).map(|(_, rest)| rest)
            };
            let container = inside(pod_spec, CONTAINER_LISTS);
            [pod_spec, container, inside(container, PROBES)]
        })
    }
}

impl Entry {
    /// True when this default applies at the field `places` describes.
    fn applies(&self, places: &mut Places<'_>) -> bool {
        let api = places.api;
        if !self.versions.is_empty() && !self.versions.contains(&api.version) {
            return false;
        }
        let rest = match self.place {
            Place::Root { group, kinds } if group == api.group && kinds.contains(&api.kind) => Some(places.root),
            Place::Root { .. } => None,
            Place::PodSpec => places.nested()[0],
            Place::Container => places.nested()[1],
            Place::Probe => places.nested()[2],
        };
        rest.is_some_and(|rest| rest == self.path)
    }
}

/// The table indexed by the last field name of each path: most fields have no default, and
/// those that do have one or two candidates.
fn by_last_field() -> &'static FastMap<&'static str, Vec<&'static Entry>> {
    static INDEX: OnceLock<FastMap<&'static str, Vec<&'static Entry>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: FastMap<&'static str, Vec<&'static Entry>> = FastMap::default();
        for entry in table::ENTRIES {
            if let Some(last) = entry.path.last() {
                index.entry(last).or_default().push(entry);
            }
        }
        index
    })
}

/// True when a live-only `value` at `fields` (field names along the path, no list positions)
/// is what the API server would have defaulted; `parent` is the map holding it.
pub fn is_server_default(
    api: &ApiKind<'_>,
    fields: &[&str],
    value: &Value,
    parent: Option<&Map<String, Value>>,
) -> bool {
    if let Value::Object(map) = value {
        // A defaulted structure is one whose every member is a default (strategy, probes…),
        // unless the structure itself has a derived default (a Job's generated selector).
        if derived::is_derived_default(api, fields, value, parent) {
            return true;
        }
        // One path for every member (pushed and popped), not one allocation per member.
        let mut path: Vec<&str> = Vec::with_capacity(fields.len() + 1);
        path.extend_from_slice(fields);
        return !map.is_empty()
            && map.iter().all(|(key, child)| {
                path.push(key);
                let default = is_server_default(api, &path, child, Some(map));
                path.pop();
                default
            });
    }
    let fixed = fields.last().and_then(|last| by_last_field().get(last)).and_then(|candidates| {
        let mut places = Places::new(*api, fields);
        candidates.iter().find(|entry| entry.applies(&mut places))
    });
    match fixed {
        Some(entry) => entry.value.matches(value),
        None => derived::is_derived_default(api, fields, value, parent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DEPLOYMENT: ApiKind<'static> = ApiKind { group: "apps", version: "v1", kind: "Deployment" };

    #[test]
    fn deployment_defaults_are_recognized_including_structures() {
        let strategy = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
        assert!(is_server_default(&DEPLOYMENT, &["spec", "strategy"], &strategy, None));
        let custom = json!({"type": "Recreate"});
        assert!(!is_server_default(&DEPLOYMENT, &["spec", "strategy"], &custom, None));
        assert!(is_server_default(&DEPLOYMENT, &["spec", "progressDeadlineSeconds"], &json!(600), None));
        assert!(!is_server_default(&DEPLOYMENT, &["spec", "progressDeadlineSeconds"], &json!(60), None));
    }

    #[test]
    fn pod_spec_defaults_apply_wherever_a_pod_spec_sits_in_built_in_kinds_only() {
        let probe = ["spec", "jobTemplate", "spec", "template", "spec", "containers", "livenessProbe", "periodSeconds"];
        let cron = ApiKind { group: "batch", version: "v1", kind: "CronJob" };
        assert!(is_server_default(&cron, &probe, &json!(10), None));
        let rollout = ApiKind { group: "argoproj.io", version: "v1alpha1", kind: "Rollout" };
        let fields = ["spec", "template", "spec", "dnsPolicy"];
        assert!(!is_server_default(&rollout, &fields, &json!("ClusterFirst"), None), "a CRD defaults by its schema");
        assert!(is_server_default(&DEPLOYMENT, &fields, &json!("ClusterFirst"), None));
    }

    #[test]
    fn webhook_defaults_follow_the_api_version() {
        let v1 = ApiKind { group: ADMISSION, version: "v1", kind: "ValidatingWebhookConfiguration" };
        let v1beta1 = ApiKind { version: "v1beta1", ..v1 };
        assert!(is_server_default(&v1, &["webhooks", "timeoutSeconds"], &json!(10), None));
        assert!(!is_server_default(&v1beta1, &["webhooks", "timeoutSeconds"], &json!(10), None));
        assert!(is_server_default(&v1beta1, &["webhooks", "timeoutSeconds"], &json!(30), None));
    }

    const ADMISSION: &str = "admissionregistration.k8s.io";
}
