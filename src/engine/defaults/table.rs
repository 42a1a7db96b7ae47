//! The table of fixed values the API server fills in when a client leaves a field out
//! (Kubernetes 1.35, from each API group's `SetDefaults_*` functions and the admission plugins
//! every cluster runs). One line per default: to teach kdrift a new kind, add its lines here
//! (and a realistic object of that kind under `tests/fixtures/kinds/`, which the defaults
//! test requires). Values that depend on a sibling field live in `derived`.

use super::{Entry, Fixed, Place};
use Fixed::{Bool, Int, Text, Texts};

const ADMISSION: &str = "admissionregistration.k8s.io";
const WEBHOOKS: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];
const POLICIES: &[&str] = &["ValidatingAdmissionPolicy", "MutatingAdmissionPolicy"];
const BINDINGS: &[&str] = &["ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicyBinding"];

/// A default at `path` from the root of objects of `kinds` in `group`, in every version.
const fn root(
    group: &'static str,
    kinds: &'static [&'static str],
    path: &'static [&'static str],
    value: Fixed,
) -> Entry {
    Entry { place: Place::Root { group, kinds }, path, value, versions: &[] }
}

/// The same, for the listed API versions only.
const fn root_in(
    versions: &'static [&'static str],
    group: &'static str,
    kinds: &'static [&'static str],
    path: &'static [&'static str],
    value: Fixed,
) -> Entry {
    Entry { place: Place::Root { group, kinds }, path, value, versions }
}

const fn at(place: Place, path: &'static [&'static str], value: Fixed) -> Entry {
    Entry { place, path, value, versions: &[] }
}

pub(super) const ENTRIES: &[Entry] = &[
    // Pod spec, wherever one sits (Pod, workload and PodTemplate templates, CronJob job templates).
    at(Place::PodSpec, &["dnsPolicy"], Text("ClusterFirst")),
    at(Place::PodSpec, &["restartPolicy"], Text("Always")),
    at(Place::PodSpec, &["schedulerName"], Text("default-scheduler")),
    at(Place::PodSpec, &["terminationGracePeriodSeconds"], Int(30)),
    at(Place::PodSpec, &["enableServiceLinks"], Bool(true)),
    at(Place::PodSpec, &["volumes", "configMap", "defaultMode"], Int(420)),
    at(Place::PodSpec, &["volumes", "secret", "defaultMode"], Int(420)),
    at(Place::PodSpec, &["volumes", "downwardAPI", "defaultMode"], Int(420)),
    at(Place::PodSpec, &["volumes", "downwardAPI", "items", "fieldRef", "apiVersion"], Text("v1")),
    at(Place::PodSpec, &["volumes", "projected", "defaultMode"], Int(420)),
    at(Place::PodSpec, &["volumes", "projected", "sources", "serviceAccountToken", "expirationSeconds"], Int(3600)),
    at(Place::PodSpec, &["volumes", "hostPath", "type"], Text("")),
    at(Place::PodSpec, &["volumes", "ephemeral", "volumeClaimTemplate", "spec", "volumeMode"], Text("Filesystem")),
    // Every container, init container and ephemeral container.
    at(Place::Container, &["terminationMessagePath"], Text("/dev/termination-log")),
    at(Place::Container, &["terminationMessagePolicy"], Text("File")),
    at(Place::Container, &["ports", "protocol"], Text("TCP")),
    at(Place::Container, &["env", "valueFrom", "fieldRef", "apiVersion"], Text("v1")),
    at(Place::Container, &["lifecycle", "postStart", "httpGet", "scheme"], Text("HTTP")),
    at(Place::Container, &["lifecycle", "preStop", "httpGet", "scheme"], Text("HTTP")),
    // Every liveness, readiness and startup probe.
    at(Place::Probe, &["timeoutSeconds"], Int(1)),
    at(Place::Probe, &["periodSeconds"], Int(10)),
    at(Place::Probe, &["successThreshold"], Int(1)),
    at(Place::Probe, &["failureThreshold"], Int(3)),
    at(Place::Probe, &["httpGet", "scheme"], Text("HTTP")),
    // Pods only: the Priority admission plugin.
    root("", &["Pod"], &["spec", "priority"], Int(0)),
    root("", &["Pod"], &["spec", "preemptionPolicy"], Text("PreemptLowerPriority")),
    // core/v1.
    root("", &["Service"], &["spec", "type"], Text("ClusterIP")),
    root("", &["Service"], &["spec", "sessionAffinity"], Text("None")),
    root("", &["Service"], &["spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"], Int(10800)),
    root("", &["Service"], &["spec", "internalTrafficPolicy"], Text("Cluster")),
    root("", &["Service"], &["spec", "externalTrafficPolicy"], Text("Cluster")),
    root("", &["Service"], &["spec", "ipFamilyPolicy"], Text("SingleStack")),
    root("", &["Service"], &["spec", "allocateLoadBalancerNodePorts"], Bool(true)),
    root("", &["Service"], &["spec", "ports", "protocol"], Text("TCP")),
    root("", &["PersistentVolumeClaim"], &["spec", "volumeMode"], Text("Filesystem")),
    root("", &["PersistentVolume"], &["spec", "volumeMode"], Text("Filesystem")),
    root("", &["PersistentVolume"], &["spec", "persistentVolumeReclaimPolicy"], Text("Retain")),
    root("", &["Secret"], &["type"], Text("Opaque")),
    root("", &["Namespace"], &["spec", "finalizers"], Texts(&["kubernetes"])),
    root("", &["ReplicationController"], &["spec", "replicas"], Int(1)),
    root("", &["Endpoints"], &["subsets", "ports", "protocol"], Text("TCP")),
    // apps/v1.
    root("apps", &["Deployment", "ReplicaSet", "StatefulSet"], &["spec", "replicas"], Int(1)),
    root("apps", &["Deployment", "StatefulSet", "DaemonSet"], &["spec", "revisionHistoryLimit"], Int(10)),
    root("apps", &["Deployment"], &["spec", "progressDeadlineSeconds"], Int(600)),
    root("apps", &["Deployment"], &["spec", "strategy", "type"], Text("RollingUpdate")),
    root("apps", &["Deployment"], &["spec", "strategy", "rollingUpdate", "maxSurge"], Text("25%")),
    root("apps", &["Deployment"], &["spec", "strategy", "rollingUpdate", "maxUnavailable"], Text("25%")),
    root("apps", &["StatefulSet"], &["spec", "podManagementPolicy"], Text("OrderedReady")),
    root("apps", &["StatefulSet", "DaemonSet"], &["spec", "updateStrategy", "type"], Text("RollingUpdate")),
    root("apps", &["StatefulSet"], &["spec", "updateStrategy", "rollingUpdate", "partition"], Int(0)),
    // MaxUnavailableStatefulSet (beta, on by default since 1.35) defaults it to 1.
    root("apps", &["StatefulSet"], &["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"], Int(1)),
    root("apps", &["StatefulSet"], &["spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"], Text("Retain")),
    root("apps", &["StatefulSet"], &["spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"], Text("Retain")),
    root("apps", &["StatefulSet"], &["spec", "volumeClaimTemplates", "apiVersion"], Text("v1")),
    root("apps", &["StatefulSet"], &["spec", "volumeClaimTemplates", "kind"], Text("PersistentVolumeClaim")),
    root("apps", &["StatefulSet"], &["spec", "volumeClaimTemplates", "spec", "volumeMode"], Text("Filesystem")),
    root("apps", &["DaemonSet"], &["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"], Int(1)),
    root("apps", &["DaemonSet"], &["spec", "updateStrategy", "rollingUpdate", "maxSurge"], Int(0)),
    // batch/v1.
    root("batch", &["Job"], &["spec", "backoffLimit"], Int(6)),
    root("batch", &["Job"], &["spec", "completions"], Int(1)),
    root("batch", &["Job"], &["spec", "parallelism"], Int(1)),
    root("batch", &["Job"], &["spec", "completionMode"], Text("NonIndexed")),
    root("batch", &["Job"], &["spec", "suspend"], Bool(false)),
    root("batch", &["Job"], &["spec", "podReplacementPolicy"], Text("TerminatingOrFailed")),
    root("batch", &["CronJob"], &["spec", "concurrencyPolicy"], Text("Allow")),
    root("batch", &["CronJob"], &["spec", "suspend"], Bool(false)),
    root("batch", &["CronJob"], &["spec", "successfulJobsHistoryLimit"], Int(3)),
    root("batch", &["CronJob"], &["spec", "failedJobsHistoryLimit"], Int(1)),
    // autoscaling.
    root("autoscaling", &["HorizontalPodAutoscaler"], &["spec", "minReplicas"], Int(1)),
    // networking.k8s.io/v1.
    root("networking.k8s.io", &["NetworkPolicy"], &["spec", "ingress", "ports", "protocol"], Text("TCP")),
    root("networking.k8s.io", &["NetworkPolicy"], &["spec", "egress", "ports", "protocol"], Text("TCP")),
    root("networking.k8s.io", &["IngressClass"], &["spec", "parameters", "scope"], Text("Cluster")),
    // storage.k8s.io/v1.
    root("storage.k8s.io", &["StorageClass"], &["reclaimPolicy"], Text("Delete")),
    root("storage.k8s.io", &["StorageClass"], &["volumeBindingMode"], Text("Immediate")),
    root("storage.k8s.io", &["CSIDriver"], &["spec", "attachRequired"], Bool(true)),
    root("storage.k8s.io", &["CSIDriver"], &["spec", "podInfoOnMount"], Bool(false)),
    root("storage.k8s.io", &["CSIDriver"], &["spec", "requiresRepublish"], Bool(false)),
    root("storage.k8s.io", &["CSIDriver"], &["spec", "storageCapacity"], Bool(false)),
    root("storage.k8s.io", &["CSIDriver"], &["spec", "seLinuxMount"], Bool(false)),
    root("storage.k8s.io", &["CSIDriver"], &["spec", "fsGroupPolicy"], Text("ReadWriteOnceWithFSType")),
    root("storage.k8s.io", &["CSIDriver"], &["spec", "volumeLifecycleModes"], Texts(&["Persistent"])),
    // scheduling.k8s.io/v1.
    root("scheduling.k8s.io", &["PriorityClass"], &["preemptionPolicy"], Text("PreemptLowerPriority")),
    // admissionregistration.k8s.io: webhook configurations (v1, and the older v1beta1).
    root_in(&["v1"], ADMISSION, WEBHOOKS, &["webhooks", "failurePolicy"], Text("Fail")),
    root_in(&["v1"], ADMISSION, WEBHOOKS, &["webhooks", "matchPolicy"], Text("Equivalent")),
    root_in(&["v1"], ADMISSION, WEBHOOKS, &["webhooks", "timeoutSeconds"], Int(10)),
    root_in(&["v1beta1"], ADMISSION, WEBHOOKS, &["webhooks", "failurePolicy"], Text("Ignore")),
    root_in(&["v1beta1"], ADMISSION, WEBHOOKS, &["webhooks", "matchPolicy"], Text("Exact")),
    root_in(&["v1beta1"], ADMISSION, WEBHOOKS, &["webhooks", "timeoutSeconds"], Int(30)),
    root_in(&["v1beta1"], ADMISSION, WEBHOOKS, &["webhooks", "sideEffects"], Text("Unknown")),
    root_in(&["v1beta1"], ADMISSION, WEBHOOKS, &["webhooks", "admissionReviewVersions"], Texts(&["v1beta1"])),
    root(ADMISSION, WEBHOOKS, &["webhooks", "clientConfig", "service", "port"], Int(443)),
    root(ADMISSION, WEBHOOKS, &["webhooks", "rules", "scope"], Text("*")),
    root(ADMISSION, &["MutatingWebhookConfiguration"], &["webhooks", "reinvocationPolicy"], Text("Never")),
    // admissionregistration.k8s.io: admission policies and their bindings.
    root(ADMISSION, POLICIES, &["spec", "failurePolicy"], Text("Fail")),
    root(ADMISSION, POLICIES, &["spec", "matchConstraints", "matchPolicy"], Text("Equivalent")),
    root(ADMISSION, POLICIES, &["spec", "matchConstraints", "resourceRules", "scope"], Text("*")),
    root(ADMISSION, &["MutatingAdmissionPolicy"], &["spec", "reinvocationPolicy"], Text("Never")),
    root(ADMISSION, BINDINGS, &["spec", "matchResources", "matchPolicy"], Text("Equivalent")),
    root(ADMISSION, BINDINGS, &["spec", "matchResources", "resourceRules", "scope"], Text("*")),
    // apiregistration.k8s.io/v1.
    root("apiregistration.k8s.io", &["APIService"], &["spec", "service", "port"], Int(443)),
    // flowcontrol.apiserver.k8s.io/v1.
    root("flowcontrol.apiserver.k8s.io", &["FlowSchema"], &["spec", "matchingPrecedence"], Int(1000)),
    root(
        "flowcontrol.apiserver.k8s.io",
        &["PriorityLevelConfiguration"],
        &["spec", "limited", "lendablePercent"],
        Int(0),
    ),
    root(
        "flowcontrol.apiserver.k8s.io",
        &["PriorityLevelConfiguration"],
        &["spec", "limited", "nominalConcurrencyShares"],
        Int(30),
    ),
    // discovery.k8s.io/v1 (EndpointSlices are generated, but some teams keep them in Git).
    root("discovery.k8s.io", &["EndpointSlice"], &["ports", "protocol"], Text("TCP")),
];
