//! Normalization before comparing (DESIGN §3): strip what the API server owns (status,
//! identity, versioning, managedFields), fill the defaults that would otherwise show as
//! noise (`protocol: TCP`), and fold equivalent spellings (Secret `stringData`) together.
//! Runs in place on owned values: no copies of the object tree.

use crate::engine::maps::lookup;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

const RUNTIME_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// What normalization took out of an object but must keep as evidence.
#[derive(Debug, Default, Clone)]
pub struct Removed {
    /// The `last-applied-configuration` annotation (JSON text, parsed only when needed):
    /// what `kubectl apply` or a client-side-applying GitOps controller last sent.
    pub last_applied: Option<String>,
    /// `metadata.managedFields`, for the ownership trie.
    pub managed_fields: Option<Value>,
}

/// Normalizes one object in place. `cluster_scoped` drops a namespace Git may carry.
pub fn normalize(object: &mut Value, kind: &str, cluster_scoped: bool) -> Removed {
    let mut removed = Removed::default();
    let Value::Object(root) = object else {
        return removed;
    };
    root.remove("status");
    if let Some(Value::Object(metadata)) = root.get_mut("metadata") {
        removed.managed_fields = metadata.remove("managedFields");
        for field in RUNTIME_METADATA {
            metadata.remove(*field);
        }
        if cluster_scoped {
            metadata.remove("namespace");
        }
        if let Some(Value::Object(annotations)) = metadata.get_mut("annotations")
            && let Some(Value::String(text)) = annotations.shift_remove(LAST_APPLIED)
        {
            removed.last_applied = Some(text);
        }
    }
    if kind == "Secret" {
        fold_secret_data(root);
    }
    normalize_tree(root);
    removed
}

/// `stringData` is write-only sugar for base64 `data`; the API server merges it on write.
/// An empty value and a null value are the same empty secret entry.
fn fold_secret_data(root: &mut Map<String, Value>) {
    let string_data = root.remove("stringData");
    let data = root.entry("data").or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(data) = data else {
        return;
    };
    if let Some(Value::Object(plain)) = string_data {
        for (key, value) in plain {
            let text = match value {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            };
            data.insert(key, Value::String(BASE64.encode(text)));
        }
    }
    for value in data.values_mut() {
        if value.is_null() {
            *value = Value::String(String::new());
        }
    }
    if data.is_empty() {
        root.remove("data");
    }
}

/// One walk for the rules that apply anywhere in the tree.
fn normalize_tree(map: &mut Map<String, Value>) {
    if lookup(map, "creationTimestamp").is_some_and(Value::is_null) {
        map.remove("creationTimestamp");
    }
    for (key, value) in map.iter_mut() {
        match value {
            Value::Object(inner) => normalize_tree(inner),
            Value::Array(items) => {
                if key == "ports" {
                    default_port_protocols(items);
                }
                for item in items.iter_mut() {
                    if let Value::Object(inner) = item {
                        normalize_tree(inner);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Container, Service and NetworkPolicy ports default to TCP; fill it so `(port, protocol)`
/// merge keys match whether or not Git spelled it out.
fn default_port_protocols(ports: &mut [Value]) {
    for port in ports {
        if let Value::Object(fields) = port {
            let is_port = fields.contains_key("containerPort") || fields.contains_key("port");
            if is_port && fields.get("protocol").is_none_or(Value::is_null) {
                fields.insert("protocol".to_owned(), Value::String("TCP".to_owned()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn runtime_metadata_and_status_are_dropped() {
        let mut live = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "checkout-api", "namespace": "prod",
                "uid": "6f6a6f5c-2b55-4b1e-9a0e-21a8f0b98c52", "resourceVersion": "826103",
                "generation": 6, "creationTimestamp": "2026-04-26T08:10:00Z",
                "managedFields": [], "selfLink": "/apis/apps/v1/x"},
            "status": {"replicas": 3}});
        normalize(&mut live, "Deployment", false);
        assert_eq!(
            live,
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "checkout-api", "namespace": "prod"}})
        );
    }

    #[test]
    fn last_applied_is_removed_but_kept_as_evidence() {
        let mut live = json!({"metadata": {"name": "x", "annotations": {
            LAST_APPLIED: "{\"metadata\":{\"labels\":{\"team\":\"payments\"}}}", "keep": "me"}}});
        let removed = normalize(&mut live, "ConfigMap", false);
        assert_eq!(live["metadata"]["annotations"], json!({"keep": "me"}));
        assert_eq!(removed.last_applied.as_deref(), Some("{\"metadata\":{\"labels\":{\"team\":\"payments\"}}}"));
    }

    #[test]
    fn null_creation_timestamps_vanish_even_in_pod_templates() {
        let mut desired =
            json!({"spec": {"template": {"metadata": {"creationTimestamp": null, "labels": {"app": "a"}}}}});
        normalize(&mut desired, "Deployment", false);
        assert_eq!(desired, json!({"spec": {"template": {"metadata": {"labels": {"app": "a"}}}}}));
    }

    #[test]
    fn ports_default_to_tcp() {
        let mut desired =
            json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 53, "protocol": "UDP"}]}});
        normalize(&mut desired, "Service", false);
        assert_eq!(desired["spec"]["ports"][0]["protocol"], "TCP");
        assert_eq!(desired["spec"]["ports"][1]["protocol"], "UDP");
    }

    #[test]
    fn cluster_scoped_kinds_lose_a_namespace_from_git() {
        let mut desired = json!({"metadata": {"name": "reader", "namespace": "prod"}});
        normalize(&mut desired, "ClusterRole", true);
        assert_eq!(desired, json!({"metadata": {"name": "reader"}}));
    }

    #[test]
    fn secret_string_data_folds_into_base64_data() {
        let mut desired = json!({"kind": "Secret", "stringData": {"password": "hunter2", "empty": null},
            "data": {"token": null}});
        normalize(&mut desired, "Secret", false);
        assert_eq!(desired["data"], json!({"token": "", "password": "aHVudGVyMg==", "empty": ""}));
        assert!(desired.get("stringData").is_none());
    }
}
