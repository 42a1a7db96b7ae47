//! Values the API server fills in when a client leaves a field out (Kubernetes 1.35 defaults).
//!
//! Unowned defaults are easy to recognize, but an `Update` request (client-side apply, which
//! Argo CD uses by default, or `kubectl create`) makes its manager own every defaulted field
//! of the object it created. A live-only field holding exactly its documented default is
//! therefore never drift, whoever owns it.

use serde_json::{Map, Value, json};

/// True when a live-only `value` at `fields` (field names along the path, no list positions)
/// is what the API server would have defaulted; `parent` is the map holding it.
pub fn is_server_default(kind: &str, fields: &[&str], value: &Value, parent: Option<&Map<String, Value>>) -> bool {
    if let Value::Object(map) = value {
        // A defaulted structure is one whose every member is a default (strategy, probes…).
        return !map.is_empty()
            && map.iter().all(|(key, child)| {
                let mut path = fields.to_vec();
                path.push(key);
                is_server_default(kind, &path, child, Some(map))
            });
    }
    let sibling = |name: &str| parent.and_then(|p| p.get(name));
    if let Some(expected) = leaf_default(kind, fields) {
        return expected.matches(value);
    }
    match fields {
        [.., "imagePullPolicy"] => {
            let image = sibling("image").and_then(Value::as_str).unwrap_or_default();
            let latest = image.ends_with(":latest") || !image.rsplit('/').next().unwrap_or(image).contains(':');
            let digest = image.contains('@');
            *value == json!(if latest && !digest { "Always" } else { "IfNotPresent" })
        }
        // The deprecated alias is copied from serviceAccountName.
        [.., "spec", "serviceAccount"] => sibling("serviceAccountName") == Some(value),
        // A Service port's targetPort defaults to its port.
        ["spec", "ports", "targetPort"] if kind == "Service" => sibling("port") == Some(value),
        ["spec", "ipFamilies"] if kind == "Service" => *value == json!(["IPv4"]) || *value == json!(["IPv6"]),
        // Addresses the API server allocates (a headless `None` is a choice, not allocated).
        ["spec", "clusterIP"] if kind == "Service" => is_ip(value),
        ["spec", "clusterIPs"] if kind == "Service" => {
            value.as_array().is_some_and(|ips| !ips.is_empty() && ips.iter().all(is_ip))
        }
        ["spec", "finalizers"] if kind == "Namespace" => *value == json!(["kubernetes"]),
        // autoscaling/v2 fills the whole scaling behavior in.
        ["spec", "behavior", ..] if kind == "HorizontalPodAutoscaler" => true,
        _ => false,
    }
}

fn is_ip(value: &Value) -> bool {
    value.as_str().is_some_and(|text| text.parse::<std::net::IpAddr>().is_ok())
}

/// A fixed default value, compared without building a `Value`.
#[derive(Debug, Clone, Copy)]
enum Fixed {
    Text(&'static str),
    Int(i64),
    Bool(bool),
}

impl Fixed {
    fn matches(self, value: &Value) -> bool {
        match self {
            Fixed::Text(text) => value.as_str() == Some(text),
            Fixed::Int(number) => value.as_i64() == Some(number),
            Fixed::Bool(flag) => value.as_bool() == Some(flag),
        }
    }
}

/// Fixed defaults, by the trailing field names of the path.
fn leaf_default(kind: &str, fields: &[&str]) -> Option<Fixed> {
    use Fixed::{Bool, Int, Text};
    let value = match (kind, fields) {
        // Pod spec, wherever a pod template sits.
        (_, [.., "spec", "dnsPolicy"]) => Text("ClusterFirst"),
        (_, [.., "spec", "restartPolicy"]) if kind != "Job" && kind != "CronJob" => Text("Always"),
        (_, [.., "spec", "schedulerName"]) => Text("default-scheduler"),
        (_, [.., "spec", "terminationGracePeriodSeconds"]) => Int(30),
        (_, [.., "spec", "enableServiceLinks"]) => Bool(true),
        (_, [.., "terminationMessagePath"]) => Text("/dev/termination-log"),
        (_, [.., "terminationMessagePolicy"]) => Text("File"),
        (_, [.., "livenessProbe" | "readinessProbe" | "startupProbe", "timeoutSeconds"]) => Int(1),
        (_, [.., "livenessProbe" | "readinessProbe" | "startupProbe", "periodSeconds"]) => Int(10),
        (_, [.., "livenessProbe" | "readinessProbe" | "startupProbe", "successThreshold"]) => Int(1),
        (_, [.., "livenessProbe" | "readinessProbe" | "startupProbe", "failureThreshold"]) => Int(3),
        (_, [.., "httpGet", "scheme"]) => Text("HTTP"),
        (_, [.., "configMap" | "secret" | "projected" | "downwardAPI", "defaultMode"]) => Int(420),
        (_, [.., "fieldRef", "apiVersion"]) => Text("v1"),
        // Workloads.
        ("Deployment", ["spec", "progressDeadlineSeconds"]) => Int(600),
        ("Deployment" | "StatefulSet" | "DaemonSet", ["spec", "revisionHistoryLimit"]) => Int(10),
        ("Deployment", ["spec", "strategy", "type"]) => Text("RollingUpdate"),
        ("Deployment", ["spec", "strategy", "rollingUpdate", "maxSurge" | "maxUnavailable"]) => Text("25%"),
        ("StatefulSet", ["spec", "podManagementPolicy"]) => Text("OrderedReady"),
        ("StatefulSet" | "DaemonSet", ["spec", "updateStrategy", "type"]) => Text("RollingUpdate"),
        ("StatefulSet", ["spec", "updateStrategy", "rollingUpdate", "partition"]) => Int(0),
        ("StatefulSet", ["spec", "persistentVolumeClaimRetentionPolicy", _]) => Text("Retain"),
        ("DaemonSet", ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]) => Int(1),
        ("DaemonSet", ["spec", "updateStrategy", "rollingUpdate", "maxSurge"]) => Int(0),
        ("Job", ["spec", "backoffLimit"]) => Int(6),
        ("Job", ["spec", "completions" | "parallelism"]) => Int(1),
        ("Job", ["spec", "completionMode"]) => Text("NonIndexed"),
        ("Job" | "CronJob", ["spec", "suspend"]) => Bool(false),
        ("Job", ["spec", "podReplacementPolicy"]) => Text("TerminatingOrFailed"),
        ("CronJob", ["spec", "concurrencyPolicy"]) => Text("Allow"),
        ("CronJob", ["spec", "failedJobsHistoryLimit"]) => Int(1),
        ("CronJob", ["spec", "successfulJobsHistoryLimit"]) => Int(3),
        // Services and storage.
        ("Service", ["spec", "sessionAffinity"]) => Text("None"),
        ("Service", ["spec", "type"]) => Text("ClusterIP"),
        ("Service", ["spec", "internalTrafficPolicy" | "externalTrafficPolicy"]) => Text("Cluster"),
        ("Service", ["spec", "ipFamilyPolicy"]) => Text("SingleStack"),
        ("Service", ["spec", "allocateLoadBalancerNodePorts"]) => Bool(true),
        ("PersistentVolumeClaim", ["spec", "volumeMode"]) => Text("Filesystem"),
        ("Secret", ["type"]) => Text("Opaque"),
        _ => return None,
    };
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_defaults_are_recognized_including_structures() {
        let strategy = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
        assert!(is_server_default("Deployment", &["spec", "strategy"], &strategy, None));
        let custom = json!({"type": "Recreate"});
        assert!(!is_server_default("Deployment", &["spec", "strategy"], &custom, None));
        assert!(is_server_default("Deployment", &["spec", "progressDeadlineSeconds"], &json!(600), None));
        assert!(!is_server_default("Deployment", &["spec", "progressDeadlineSeconds"], &json!(60), None));
    }

    #[test]
    fn image_pull_policy_default_depends_on_the_tag() {
        let fields = ["spec", "template", "spec", "containers", "imagePullPolicy"];
        let tagged: Map<String, Value> =
            json!({"image": "registry.example.com/checkout:v1.2.3"}).as_object().cloned().unwrap_or_default();
        let latest: Map<String, Value> =
            json!({"image": "registry.example.com:5000/checkout"}).as_object().cloned().unwrap_or_default();
        assert!(is_server_default("Deployment", &fields, &json!("IfNotPresent"), Some(&tagged)));
        assert!(!is_server_default("Deployment", &fields, &json!("Always"), Some(&tagged)));
        assert!(is_server_default("Deployment", &fields, &json!("Always"), Some(&latest)));
    }

    #[test]
    fn service_defaults_and_derived_values() {
        assert!(is_server_default("Service", &["spec", "sessionAffinity"], &json!("None"), None));
        let port: Map<String, Value> = json!({"port": 80}).as_object().cloned().unwrap_or_default();
        assert!(is_server_default("Service", &["spec", "ports", "targetPort"], &json!(80), Some(&port)));
        assert!(!is_server_default("Service", &["spec", "ports", "targetPort"], &json!(8080), Some(&port)));
        assert!(!is_server_default("Service", &["spec", "type"], &json!("LoadBalancer"), None));
    }
}
