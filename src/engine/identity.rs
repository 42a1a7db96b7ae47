//! Object identity: API group and version from `apiVersion`, which kinds are cluster-scoped
//! (built in, learned from discovery or from `CustomResourceDefinition` objects), and the
//! pairing key (group, kind, namespace, name) with a default namespace for Git objects that
//! leave it to the destination.

use crate::model::ResourceKey;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Built-in and well-known cluster-scoped kinds, by (group, kind): a custom kind may share a
/// built-in's name (Cluster API's namespaced `ipam.cluster.x-k8s.io/IPAddress`). Discovery and
/// CRDs add the rest.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("storage.k8s.io", "VolumeAttributesClass"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("networking.k8s.io", "IngressClass"),
    ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "ServiceCIDR"),
    ("node.k8s.io", "RuntimeClass"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("certificates.k8s.io", "ClusterTrustBundle"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
    ("apiregistration.k8s.io", "APIService"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("resource.k8s.io", "DeviceClass"),
    ("storagemigration.k8s.io", "StorageVersionMigration"),
    ("cert-manager.io", "ClusterIssuer"),
    ("gateway.networking.k8s.io", "GatewayClass"),
];

/// True for built-in (and a few well-known) cluster-scoped kinds; `Scopes` knows the rest.
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    // Most kinds are namespaced: a length test rules nearly all of them out at once.
    CLUSTER_SCOPED.iter().any(|(g, k)| k.len() == kind.len() && *k == kind && *g == group)
}

/// Which kinds are cluster-scoped: the built-in ones, plus custom kinds learned from the
/// cluster's discovery or from `CustomResourceDefinition` objects (DESIGN §3).
#[derive(Debug, Clone, Default)]
pub struct Scopes {
    /// Cluster-scoped custom kinds by group (looked up without allocating: this runs for
    /// every object of a scan).
    custom: HashMap<String, HashSet<String>>,
}

impl Scopes {
    pub fn new(cluster_scoped: impl IntoIterator<Item = (String, String)>) -> Scopes {
        let mut custom: HashMap<String, HashSet<String>> = HashMap::new();
        for (group, kind) in cluster_scoped {
            custom.entry(group).or_default().insert(kind);
        }
        Scopes { custom }
    }

    pub fn is_cluster_scoped(&self, group: &str, kind: &str) -> bool {
        is_cluster_scoped(group, kind)
            || (!self.custom.is_empty() && self.custom.get(group).is_some_and(|kinds| kinds.contains(kind)))
    }

    /// Learns the scope a `CustomResourceDefinition` declares; true when it taught something.
    pub fn learn_from(&mut self, object: &Value) -> bool {
        let field = |path: &[&str]| text(object, path);
        if field(&["kind"]) != Some("CustomResourceDefinition") || field(&["spec", "scope"]) != Some("Cluster") {
            return false;
        }
        match (field(&["spec", "group"]), field(&["spec", "names", "kind"])) {
            (Some(group), Some(kind)) => self.learn(group, kind),
            _ => false,
        }
    }

    /// Records that `kind` in `group` is cluster-scoped; true when it was not known yet. Built-in
    /// groups are never learned from data: a CRD in a snapshot claiming `apps/Deployment` must
    /// not make every Deployment cluster-scoped.
    pub fn learn(&mut self, group: &str, kind: &str) -> bool {
        !is_builtin_group(group)
            && !self.is_cluster_scoped(group, kind)
            && self.custom.entry(group.to_owned()).or_default().insert(kind.to_owned())
    }

    /// The pairing key of a validated object: cluster-scoped kinds have no namespace, others
    /// take `default_namespace` when they carry none.
    pub fn key_of(&self, object: &Value, default_namespace: &str) -> ResourceKey {
        let kind = text(object, &["kind"]).unwrap_or_default();
        let (group, _) = split_api_version(text(object, &["apiVersion"]).unwrap_or_default());
        let namespace = if self.is_cluster_scoped(group, kind) {
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

/// The pairing key of a validated object (loaders guarantee apiVersion, kind and name), with
/// the built-in scopes only.
pub fn key_of(object: &Value, default_namespace: &str) -> ResourceKey {
    Scopes::default().key_of(object, default_namespace)
}

/// The namespace an object itself carries, if any.
pub fn namespace_of(object: &Value) -> Option<&str> {
    text(object, &["metadata", "namespace"]).filter(|ns| !ns.is_empty())
}

pub fn version_of(object: &Value) -> String {
    split_api_version(text(object, &["apiVersion"]).unwrap_or_default()).1.to_owned()
}

/// Why `name` cannot be the name of a `group`/`kind` object, when it cannot: the API server's
/// own rules (a DNS-1123 subdomain; RBAC kinds only a path segment, so `system:…` passes),
/// checked before any request so a crafted name can never reshape a request URL.
pub fn invalid_name(group: &str, kind: &str, name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("an empty name".to_owned());
    }
    if name == "." || name == ".." || name.contains(['/', '%']) {
        return Some("a name that cannot be one URL path segment ('.', '..', '/' or '%')".to_owned());
    }
    if name.len() > 253 {
        return Some(format!("a name of {} characters (at most 253)", name.len()));
    }
    // RBAC names are path segments (`system:controller:…`), and so are custom and
    // aggregated APIs' (OpenShift's `kube:admin`): the URL escaping keeps them safe.
    if group == "rbac.authorization.k8s.io" || !is_builtin_group(group) {
        return match name.chars().any(|c| c.is_control() || c.is_whitespace()) {
            true => Some("a name with spaces or control characters".to_owned()),
            false => None,
        };
    }
    let label_ok = |label: &str| {
        let bytes = label.as_bytes();
        !bytes.is_empty()
            && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1] != b'-'
    };
    match name.split('.').all(label_ok) {
        true => None,
        false => {
            Some(format!("a {kind} name that is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')"))
        }
    }
}

/// Why `namespace` cannot be a namespace's name (a DNS-1123 label), when it cannot.
pub fn invalid_namespace(namespace: &str) -> Option<String> {
    let bytes = namespace.as_bytes();
    let ok = !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-';
    (!ok).then(|| "a namespace that is not a DNS-1123 label (at most 63 lowercase letters, digits and '-')".to_owned())
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

    #[test]
    fn custom_kinds_learn_their_scope_from_a_crd() {
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "clusterpolicies.kyverno.io"},
            "spec": {"group": "kyverno.io", "scope": "Cluster", "names": {"kind": "ClusterPolicy"}}});
        let policy = json!({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
            "metadata": {"name": "require-labels", "namespace": "kyverno"}});
        let mut scopes = Scopes::default();
        assert_eq!(scopes.key_of(&policy, "prod").namespace, "kyverno");
        assert!(scopes.learn_from(&crd));
        assert!(!scopes.learn_from(&crd), "learned once");
        assert_eq!(scopes.key_of(&policy, "prod").namespace, "");
        let namespaced = json!({"kind": "CustomResourceDefinition", "spec": {"group": "kyverno.io",
            "scope": "Namespaced", "names": {"kind": "Policy"}}});
        assert!(!scopes.learn_from(&namespaced));
        let hostile = json!({"kind": "CustomResourceDefinition", "spec": {"group": "apps",
            "scope": "Cluster", "names": {"kind": "Deployment"}}});
        assert!(!scopes.learn_from(&hostile), "a snapshot cannot make a built-in kind cluster-scoped");
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        assert_eq!(scopes.key_of(&deployment, "prod").namespace, "prod");
    }

    #[test]
    fn names_that_would_reshape_a_request_are_invalid() {
        assert!(invalid_name("apps", "Deployment", "checkout-api").is_none());
        assert!(invalid_name("", "ConfigMap", "kube-root-ca.crt").is_none());
        for bad in ["checkout-api#", "a?dryRun=None", "a/b", "..", "", "Web", "a b", "-a", "x%2F"] {
            assert!(invalid_name("apps", "Deployment", bad).is_some(), "{bad:?} passed");
        }
        assert!(invalid_name("rbac.authorization.k8s.io", "ClusterRole", "system:controller:x").is_none());
        assert!(invalid_name("rbac.authorization.k8s.io", "ClusterRole", "a/b").is_some());
        assert!(invalid_name("", "Secret", &"a".repeat(254)).is_some());
        assert!(invalid_namespace("prod").is_none());
        assert!(invalid_namespace("prod#").is_some());
        assert!(invalid_namespace(&"a".repeat(64)).is_some());
    }
}
