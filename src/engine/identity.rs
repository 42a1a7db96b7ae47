//! Object identity: API group and version from `apiVersion`, which kinds are cluster-scoped,
//! and the pairing key (group, kind, namespace, name) with a default namespace for Git objects
//! that leave it to the destination.

use crate::model::ResourceKey;
use serde_json::Value;

/// Built-in and common cluster-scoped kinds. Discovery refines this against a live cluster.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "CertificateSigningRequest",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "ClusterIssuer",
    "GatewayClass",
];

pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

/// Groups served by Kubernetes itself: their list merge keys are known.
pub fn is_builtin_group(group: &str) -> bool {
    group.is_empty() || !group.contains('.') || group.ends_with(".k8s.io")
}

fn text<'a>(object: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(object, |v, key| v.get(*key))?.as_str()
}

/// The pairing key of a validated object (loaders guarantee apiVersion, kind and name).
pub fn key_of(object: &Value, default_namespace: &str) -> ResourceKey {
    let kind = text(object, &["kind"]).unwrap_or_default();
    let (group, _) = split_api_version(text(object, &["apiVersion"]).unwrap_or_default());
    let namespace = if is_cluster_scoped(kind) {
        ""
    } else {
        text(object, &["metadata", "namespace"]).filter(|ns| !ns.is_empty()).unwrap_or(default_namespace)
    };
    ResourceKey {
        group: group.to_owned(),
        kind: kind.to_owned(),
        namespace: namespace.to_owned(),
        name: text(object, &["metadata", "name"]).unwrap_or_default().to_owned(),
    }
}

pub fn version_of(object: &Value) -> String {
    split_api_version(text(object, &["apiVersion"]).unwrap_or_default()).1.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn api_version_does_not_take_part_in_identity() {
        let a = key_of(&json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}}), "prod");
        let b = key_of(
            &json!({"apiVersion": "apps/v1beta2", "kind": "Deployment",
            "metadata": {"name": "x", "namespace": "prod"}}),
            "default",
        );
        assert_eq!(a, b);
    }

    #[test]
    fn cluster_scoped_kinds_ignore_a_namespace() {
        let key = key_of(
            &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "reader", "namespace": "prod"}}),
            "prod",
        );
        assert_eq!(key.namespace, "");
        assert_eq!(key.group, "rbac.authorization.k8s.io");
    }
}
