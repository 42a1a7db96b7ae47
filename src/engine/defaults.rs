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
        return *value == expected;
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
        ["spec", "finalizers"] if kind == "Namespace" => *value == json!(["kubernetes"]),
        // autoscaling/v2 fills the whole scaling behavior in.
        ["spec", "behavior", ..] if kind == "HorizontalPodAutoscaler" => true,
        _ => false,
    }
}

/// Fixed defaults, by the trailing field names of the path.
fn leaf_default(kind: &str, fields: &[&str]) -> Option<Value> {
    let value = match (kind, fields) {
        // Pod spec, wherever a pod template sits.
        (_, [.., "spec", "dnsPolicy"]) => json!("ClusterFirst"),
        (_, [.., "spec", "restartPolicy"]) if kind != "Job" && kind != "CronJob" => json!("Always"),
        (_, [.., "spec", "schedulerName"]) => json!("default-scheduler"),
        (_, [.., "spec", "terminationGracePeriodSeconds"]) => json!(30),
        (_, [.., "spec", "enableServiceLinks"]) => json!(true),
        (_, [.., "terminationMessagePath"]) => json!("/dev/termination-log"),
        (_, [.., "terminationMessagePolicy"]) => json!("File"),
        (_, [.., "livenessProbe" | "readinessProbe" | "startupProbe", "timeoutSeconds"]) => json!(1),
        (_, [.., "livenessProbe" | "readinessProbe" | "startupProbe", "periodSeconds"]) => json!(10),
        (_, [.., "livenessProbe" | "readinessProbe" | "startupProbe", "successThreshold"]) => json!(1),
        (_, [.., "livenessProbe" | "readinessProbe" | "startupProbe", "failureThreshold"]) => json!(3),
        (_, [.., "httpGet", "scheme"]) => json!("HTTP"),
        (_, [.., "configMap" | "secret" | "projected" | "downwardAPI", "defaultMode"]) => json!(420),
        (_, [.., "fieldRef", "apiVersion"]) => json!("v1"),
        // Workloads.
        ("Deployment", ["spec", "progressDeadlineSeconds"]) => json!(600),
        ("Deployment" | "StatefulSet" | "DaemonSet", ["spec", "revisionHistoryLimit"]) => json!(10),
        ("Deployment", ["spec", "strategy", "type"]) => json!("RollingUpdate"),
        ("Deployment", ["spec", "strategy", "rollingUpdate", "maxSurge" | "maxUnavailable"]) => json!("25%"),
        ("StatefulSet", ["spec", "podManagementPolicy"]) => json!("OrderedReady"),
        ("StatefulSet" | "DaemonSet", ["spec", "updateStrategy", "type"]) => json!("RollingUpdate"),
        ("StatefulSet", ["spec", "updateStrategy", "rollingUpdate", "partition"]) => json!(0),
        ("StatefulSet", ["spec", "persistentVolumeClaimRetentionPolicy", _]) => json!("Retain"),
        ("DaemonSet", ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]) => json!(1),
        ("DaemonSet", ["spec", "updateStrategy", "rollingUpdate", "maxSurge"]) => json!(0),
        ("Job", ["spec", "backoffLimit"]) => json!(6),
        ("Job", ["spec", "completions" | "parallelism"]) => json!(1),
        ("Job", ["spec", "completionMode"]) => json!("NonIndexed"),
        ("Job" | "CronJob", ["spec", "suspend"]) => json!(false),
        ("Job", ["spec", "podReplacementPolicy"]) => json!("TerminatingOrFailed"),
        ("CronJob", ["spec", "concurrencyPolicy"]) => json!("Allow"),
        ("CronJob", ["spec", "failedJobsHistoryLimit"]) => json!(1),
        ("CronJob", ["spec", "successfulJobsHistoryLimit"]) => json!(3),
        // Services and storage.
        ("Service", ["spec", "sessionAffinity"]) => json!("None"),
        ("Service", ["spec", "type"]) => json!("ClusterIP"),
        ("Service", ["spec", "internalTrafficPolicy" | "externalTrafficPolicy"]) => json!("Cluster"),
        ("Service", ["spec", "ipFamilyPolicy"]) => json!("SingleStack"),
        ("Service", ["spec", "allocateLoadBalancerNodePorts"]) => json!(true),
        ("PersistentVolumeClaim", ["spec", "volumeMode"]) => json!("Filesystem"),
        ("Secret", ["type"]) => json!("Opaque"),
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
