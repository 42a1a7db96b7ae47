//! Defaults that follow another field: a container's pull policy from its image tag, a Service
//! port's target from its port, a Job's generated selector, an RBAC subject's API group from
//! its kind. Each rule sees the value and the map holding it.

use super::{ApiKind, CONTAINER_LISTS, pod_spec_prefix};
use serde_json::{Map, Value, json};

/// Labels the Job controller's API defaulting stamps on a Job's pod template (and selects by).
const JOB_LABELS: &[&str] =
    &["batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name", "controller-uid", "job-name"];

/// The last field names a derived rule can end at (and the HPA's whole `behavior`): a cheap
/// test that spares the full match for nearly every field (this runs per live-only leaf).
const DERIVED_LAST_FIELDS: &[&str] = &[
    "imagePullPolicy",
    "serviceAccount",
    "serviceAccountName",
    "requests",
    "targetPort",
    "ipFamilies",
    "clusterIP",
    "clusterIPs",
    "nodePort",
    "healthCheckNodePort",
    "kubernetes.io/metadata.name",
    "selector",
    "metrics",
    "apiGroup",
    "policyTypes",
];

fn may_derive(api: &ApiKind<'_>, fields: &[&str]) -> bool {
    let last = fields.last().copied().unwrap_or_default();
    DERIVED_LAST_FIELDS.contains(&last)
        || (api.kind == "Job" && JOB_LABELS.contains(&last))
        || (api.kind == "HorizontalPodAutoscaler" && fields.get(1) == Some(&"behavior"))
}

pub(super) fn is_derived_default(
    api: &ApiKind<'_>,
    fields: &[&str],
    value: &Value,
    parent: Option<&Map<String, Value>>,
) -> bool {
    if !may_derive(api, fields) {
        return false;
    }
    if let Some(rest) = pod_spec_prefix(api).and_then(|prefix| fields.strip_prefix(prefix)) {
        return in_pod_spec(api.kind, rest, value, parent);
    }
    let sibling = |name: &str| parent.and_then(|p| p.get(name));
    match (api.group, api.kind, fields) {
        // A Service port's targetPort defaults to its port.
        ("", "Service", ["spec", "ports", "targetPort"]) => sibling("port") == Some(value),
        ("", "Service", ["spec", "ipFamilies"]) => *value == json!(["IPv4"]) || *value == json!(["IPv6"]),
        // Addresses the API server allocates (a headless `None` is a choice, not allocated).
        ("", "Service", ["spec", "clusterIP"]) => is_ip(value),
        ("", "Service", ["spec", "clusterIPs"]) => {
            value.as_array().is_some_and(|ips| !ips.is_empty() && ips.iter().all(is_ip))
        }
        // Ports the API server allocates when Git names none.
        ("", "Service", ["spec", "ports", "nodePort"] | ["spec", "healthCheckNodePort"]) => value.is_u64(),
        // The API server labels every namespace with its own name.
        ("", "Namespace", ["metadata", "labels", "kubernetes.io/metadata.name"]) => value.is_string(),
        // A Job's selector and template labels are generated unless it selects manually.
        ("batch", "Job", ["spec", "selector"]) => {
            let labels = value.pointer("/matchLabels").and_then(Value::as_object);
            labels.is_some_and(|labels| !labels.is_empty() && labels.keys().all(|k| JOB_LABELS.contains(&k.as_str())))
        }
        ("batch", "Job", ["spec", "template", "metadata", "labels", key]) => JOB_LABELS.contains(key),
        // autoscaling/v2 fills the whole scaling behavior in, and CPU at 80% when no metric is given.
        ("autoscaling", "HorizontalPodAutoscaler", ["spec", "behavior", ..]) => true,
        ("autoscaling", "HorizontalPodAutoscaler", ["spec", "metrics"]) => {
            *value
                == json!([{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80}}}])
        }
        // Users and groups belong to the RBAC API group; service accounts to the core group.
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding", ["subjects", "apiGroup"]) => {
            match sibling("kind").and_then(Value::as_str) {
                Some("User" | "Group") => value.as_str() == Some("rbac.authorization.k8s.io"),
                Some("ServiceAccount") => value.as_str() == Some(""),
                _ => false,
            }
        }
        // Ingress always; Egress too when the policy has egress rules.
        ("networking.k8s.io", "NetworkPolicy", ["spec", "policyTypes"]) => match sibling("egress") {
            Some(egress) if !egress.is_null() => *value == json!(["Ingress", "Egress"]),
            _ => *value == json!(["Ingress"]),
        },
        _ => false,
    }
}

fn in_pod_spec(kind: &str, rest: &[&str], value: &Value, parent: Option<&Map<String, Value>>) -> bool {
    let sibling = |name: &str| parent.and_then(|p| p.get(name));
    match rest {
        // The ServiceAccount admission plugin names a bare Pod's account.
        ["serviceAccountName"] if kind == "Pod" => value.as_str() == Some("default"),
        // The deprecated alias is copied from serviceAccountName.
        ["serviceAccount"] => sibling("serviceAccountName") == Some(value),
        [list, "imagePullPolicy"] if CONTAINER_LISTS.contains(list) => {
            let image = sibling("image").and_then(Value::as_str).unwrap_or_default();
            value.as_str() == Some(pull_policy_for(image))
        }
        // Requests default to the limits when only limits are given.
        [list, "resources", "requests"] if CONTAINER_LISTS.contains(list) => {
            sibling("limits").is_some_and(|limits| limits == value)
        }
        _ => false,
    }
}

/// `Always` for `:latest` or an untagged image, else `IfNotPresent` (a digest counts as a tag).
fn pull_policy_for(image: &str) -> &'static str {
    let last = image.rsplit('/').next().unwrap_or(image);
    let untagged = !last.contains(':') && !image.contains('@');
    if untagged || (image.ends_with(":latest") && !image.contains('@')) { "Always" } else { "IfNotPresent" }
}

fn is_ip(value: &Value) -> bool {
    value.as_str().is_some_and(|text| text.parse::<std::net::IpAddr>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: ApiKind<'static> = ApiKind { group: "apps", version: "v1", kind: "Deployment" };
    const SERVICE: ApiKind<'static> = ApiKind { group: "", version: "v1", kind: "Service" };

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn image_pull_policy_default_depends_on_the_tag() {
        let fields = ["spec", "template", "spec", "containers", "imagePullPolicy"];
        let tagged = map(json!({"image": "registry.example.com/checkout:v1.2.3"}));
        let untagged = map(json!({"image": "registry.example.com:5000/checkout"}));
        let digest = map(json!({"image": "registry.example.com/checkout@sha256:0f1e"}));
        assert!(is_derived_default(&DEPLOYMENT, &fields, &json!("IfNotPresent"), Some(&tagged)));
        assert!(!is_derived_default(&DEPLOYMENT, &fields, &json!("Always"), Some(&tagged)));
        assert!(is_derived_default(&DEPLOYMENT, &fields, &json!("Always"), Some(&untagged)));
        assert!(is_derived_default(&DEPLOYMENT, &fields, &json!("IfNotPresent"), Some(&digest)));
    }

    #[test]
    fn service_target_ports_and_allocated_addresses() {
        let port = map(json!({"port": 80}));
        assert!(is_derived_default(&SERVICE, &["spec", "ports", "targetPort"], &json!(80), Some(&port)));
        assert!(!is_derived_default(&SERVICE, &["spec", "ports", "targetPort"], &json!(8080), Some(&port)));
        assert!(is_derived_default(&SERVICE, &["spec", "clusterIP"], &json!("10.96.4.17"), None));
        assert!(!is_derived_default(&SERVICE, &["spec", "clusterIP"], &json!("None"), None));
    }

    #[test]
    fn a_bare_pod_runs_as_the_default_service_account() {
        let pod = ApiKind { group: "", version: "v1", kind: "Pod" };
        assert!(is_derived_default(&pod, &["spec", "serviceAccountName"], &json!("default"), None));
        assert!(!is_derived_default(
            &DEPLOYMENT,
            &["spec", "template", "spec", "serviceAccountName"],
            &json!("default"),
            None
        ));
    }

    #[test]
    fn rbac_subject_groups_follow_the_subject_kind() {
        let binding = ApiKind { group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding" };
        let user = map(json!({"kind": "User", "name": "jane"}));
        let account = map(json!({"kind": "ServiceAccount", "name": "ci"}));
        let fields = ["subjects", "apiGroup"];
        assert!(is_derived_default(&binding, &fields, &json!("rbac.authorization.k8s.io"), Some(&user)));
        assert!(is_derived_default(&binding, &fields, &json!(""), Some(&account)));
        assert!(!is_derived_default(&binding, &fields, &json!("rbac.authorization.k8s.io"), Some(&account)));
    }
}
