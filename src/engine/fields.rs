//! What a field controls (capacity, image, security, routing, identity, env, scaling…), which
//! sets how severe its drift is and whether a human must review a correction.

use crate::model::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Capacity,
    Image,
    Security,
    /// RBAC rules and bindings: who may do what.
    Authorization,
    Routing,
    Identity,
    Env,
    Scaling,
    Config,
    Metadata,
    Other,
}

impl Topic {
    /// Capacity, security, routing and identity fields need human judgment (seed §3).
    pub fn is_sensitive(self) -> bool {
        !matches!(self, Topic::Scaling | Topic::Config | Topic::Metadata | Topic::Other)
    }

    pub fn severity(self) -> Severity {
        match self {
            Topic::Authorization => Severity::Critical,
            Topic::Capacity | Topic::Image | Topic::Security | Topic::Routing | Topic::Identity | Topic::Env => {
                Severity::High
            }
            Topic::Scaling | Topic::Config | Topic::Other => Severity::Medium,
            Topic::Metadata => Severity::Low,
        }
    }
}

const SECURITY_FIELDS: &[&str] = &[
    "securityContext",
    "privileged",
    "capabilities",
    "allowPrivilegeEscalation",
    "runAsUser",
    "runAsNonRoot",
    "readOnlyRootFilesystem",
    "seccompProfile",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "hostPath",
];

const IDENTITY_FIELDS: &[&str] = &["serviceAccountName", "serviceAccount", "automountServiceAccountToken"];

const ROUTING_KINDS: &[&str] = &["Ingress", "HTTPRoute", "GRPCRoute", "Gateway", "VirtualService", "DestinationRule"];

/// The topic of the field at `fields` (field names along the path) in an object of `kind`.
pub fn topic_of(kind: &str, fields: &[String]) -> Topic {
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    let has = |list: &[&str]| names.iter().any(|n| list.contains(n));
    match (kind, names.as_slice()) {
        ("Role" | "ClusterRole", ["rules" | "aggregationRule", ..]) => return Topic::Authorization,
        ("RoleBinding" | "ClusterRoleBinding", ["subjects" | "roleRef", ..]) => return Topic::Authorization,
        ("NetworkPolicy" | "AuthorizationPolicy", ["spec", ..]) => return Topic::Security,
        ("Secret", ["data" | "stringData" | "type", ..]) => return Topic::Security,
        ("ConfigMap", ["data" | "binaryData", ..]) => return Topic::Config,
        (
            "Service",
            ["spec", "selector" | "ports" | "type" | "externalTrafficPolicy" | "loadBalancerSourceRanges", ..],
        ) => {
            return Topic::Routing;
        }
        (_, ["spec", "selector", ..]) => return Topic::Routing,
        (k, ["spec", ..]) if ROUTING_KINDS.contains(&k) => return Topic::Routing,
        (_, ["metadata", ..]) => return Topic::Metadata,
        _ => {}
    }
    if names.contains(&"resources") && has(&["limits", "requests"]) {
        Topic::Capacity
    } else if names.last() == Some(&"image") {
        Topic::Image
    } else if has(SECURITY_FIELDS) {
        Topic::Security
    } else if has(IDENTITY_FIELDS) {
        Topic::Identity
    } else if has(&["env", "envFrom"]) {
        Topic::Env
    } else if names.last() == Some(&"replicas") {
        Topic::Scaling
    } else {
        Topic::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(kind: &str, path: &str) -> Topic {
        let fields: Vec<String> = path.split('.').map(str::to_owned).collect();
        topic_of(kind, &fields)
    }

    #[test]
    fn fields_map_to_the_seed_risk_areas() {
        assert_eq!(topic("Deployment", "spec.template.spec.containers.resources.limits.memory"), Topic::Capacity);
        assert_eq!(topic("Deployment", "spec.template.spec.containers.image"), Topic::Image);
        assert_eq!(topic("Deployment", "spec.template.spec.containers.securityContext.privileged"), Topic::Security);
        assert_eq!(topic("Deployment", "spec.template.spec.containers.env"), Topic::Env);
        assert_eq!(topic("Service", "spec.selector.app"), Topic::Routing);
        assert_eq!(topic("ClusterRole", "rules"), Topic::Authorization);
        assert_eq!(topic("Deployment", "spec.replicas"), Topic::Scaling);
        assert_eq!(topic("Deployment", "metadata.labels.team"), Topic::Metadata);
        assert_eq!(Topic::Authorization.severity(), Severity::Critical);
        assert!(!Topic::Scaling.is_sensitive());
    }
}
