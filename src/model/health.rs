//! A workload's health from its live pods, apart from any sync status: how many are ready,
//! how often their containers restarted, and how many were OOMKilled or sit in
//! CrashLoopBackOff. Pods are summarized as the live stream passes (a few fields each), and
//! matched to a workload by its `spec.selector.matchLabels` in its namespace; the Warning
//! events about those pods (BackOff, Unhealthy, FailedScheduling…) come with it.

use crate::model::EventEvidence;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// Warnings about pods an app keeps: the newest, however many the stream holds.
pub const POD_WARNINGS_KEPT: usize = 1_000;
/// Warnings a workload's health shows: the newest tell the story.
pub const WARNINGS_SHOWN: usize = 3;

/// What health needs of one live pod.
/// A string field, or "" when absent.
fn text(value: Option<&Value>) -> &str {
    value.and_then(Value::as_str).unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSummary {
    pub name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub ready: bool,
    pub restarts: u64,
    /// A container's current or last termination was `OOMKilled`.
    pub oom_killed: bool,
    /// A container waits in `CrashLoopBackOff`.
    pub crash_looping: bool,
}

impl PodSummary {
    /// The summary of a live `Pod` object (`None` for anything else).
    pub fn of(object: &Value, default_namespace: &str) -> Option<PodSummary> {
        // A pod that finished (a Job's, `Succeeded`) is not part of what runs.
        if object.get("kind").and_then(Value::as_str) != Some("Pod")
            || text(object.pointer("/status/phase")) == "Succeeded"
        {
            return None;
        }
        let labels = object
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
            .unwrap_or_default();
        let statuses = object.pointer("/status/containerStatuses").and_then(Value::as_array);
        let statuses = statuses.map(Vec::as_slice).unwrap_or_default();
        let ready = text(object.pointer("/status/phase")) == "Running"
            && !statuses.is_empty()
            && statuses.iter().all(|s| s.get("ready").and_then(Value::as_bool) == Some(true));
        let terminated_by = |status: &Value, reason: &str| {
            ["/state/terminated/reason", "/lastState/terminated/reason"]
                .iter()
                .any(|p| text(status.pointer(p)) == reason)
        };
        Some(PodSummary {
            name: text(object.pointer("/metadata/name")).to_owned(),
            namespace: object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or(default_namespace)
                .to_owned(),
            labels,
            ready,
            restarts: statuses.iter().filter_map(|s| s.get("restartCount").and_then(Value::as_u64)).sum(),
            oom_killed: statuses.iter().any(|s| terminated_by(s, "OOMKilled")),
            crash_looping: statuses.iter().any(|s| text(s.pointer("/state/waiting/reason")) == "CrashLoopBackOff"),
        })
    }
}

/// A Warning event about a pod, kept to show with its workload's health.
#[derive(Debug, Clone, PartialEq)]
pub struct PodWarning {
    pub namespace: String,
    pub pod: String,
    /// When it was last seen (seconds since the epoch; `i64::MIN` when the event says not).
    pub at: i64,
    pub event: EventEvidence,
}

/// The live pods of an app, and the warnings about pods, as the live stream passed.
#[derive(Debug, Clone, Default)]
pub struct PodsSeen {
    pub pods: Vec<PodSummary>,
    warnings: Vec<PodWarning>,
}

impl PodsSeen {
    pub fn add_pod(&mut self, pod: PodSummary) {
        self.pods.push(pod);
    }

    /// Keeps `warning` among the newest [`POD_WARNINGS_KEPT`]: trimmed each time the list
    /// doubles, so a stream of any length costs linear time and bounded memory.
    pub fn add_warning(&mut self, warning: PodWarning) {
        self.warnings.push(warning);
        if self.warnings.len() >= 2 * POD_WARNINGS_KEPT {
            self.warnings.sort_by_key(|w| std::cmp::Reverse(w.at));
            self.warnings.truncate(POD_WARNINGS_KEPT);
        }
    }
}

/// The pods of one workload, counted, and the newest warnings about them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkloadHealth {
    pub pods: usize,
    pub ready: usize,
    pub restarts: u64,
    pub oom_killed: usize,
    pub crash_looping: usize,
    /// `(pod, event)`, newest first, at most [`WARNINGS_SHOWN`].
    pub warnings: Vec<(String, EventEvidence)>,
}

impl WorkloadHealth {
    /// The health of the workload `live` (its `spec.selector.matchLabels` in `namespace`);
    /// `None` when it selects no pods by label (not a workload, or none of its pods seen), and
    /// when its selector has `matchExpressions` (rather nothing than another workload's pods).
    pub fn of(live: &Value, namespace: &str, seen: &PodsSeen) -> Option<WorkloadHealth> {
        let selector = live.pointer("/spec/selector/matchLabels")?.as_object()?;
        let expressions = live.pointer("/spec/selector/matchExpressions").and_then(Value::as_array);
        if selector.is_empty() || expressions.is_some_and(|e| !e.is_empty()) {
            return None;
        }
        let selects = |pod: &&PodSummary| {
            pod.namespace == namespace
                && selector
                    .iter()
                    .all(|(k, v)| v.as_str().is_some_and(|v| pod.labels.get(k).map(String::as_str) == Some(v)))
        };
        let mut health = WorkloadHealth::default();
        let mut names = HashSet::new();
        for pod in seen.pods.iter().filter(selects) {
            health.pods += 1;
            health.ready += usize::from(pod.ready);
            health.restarts += pod.restarts;
            health.oom_killed += usize::from(pod.oom_killed);
            health.crash_looping += usize::from(pod.crash_looping);
            names.insert(pod.name.as_str());
        }
        let mut warnings: Vec<&PodWarning> =
            (seen.warnings.iter()).filter(|w| w.namespace == namespace && names.contains(w.pod.as_str())).collect();
        // Newest first; ties keep arrival order, so a snapshot reads the same every time.
        warnings.sort_by_key(|w| std::cmp::Reverse(w.at));
        health.warnings = warnings.into_iter().take(WARNINGS_SHOWN).map(|w| (w.pod.clone(), w.event.clone())).collect();
        (health.pods > 0).then_some(health)
    }

    /// Every pod ready and none crash-looping. An OOM kill the pod recovered from is shown
    /// in the summary, not held against it.
    pub fn healthy(&self) -> bool {
        self.ready == self.pods && self.crash_looping == 0
    }

    /// "pods 3/3 ready · 0 restarts · 0 OOMKilled · 0 in CrashLoopBackOff".
    pub fn summary(&self) -> String {
        format!(
            "pods {}/{} ready · {} restarts · {} OOMKilled · {} in CrashLoopBackOff",
            self.ready, self.pods, self.restarts, self.oom_killed, self.crash_looping
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, app: &str, ready: bool, restarts: u64, last: Option<&str>, waiting: Option<&str>) -> Value {
        let mut status = json!({"name": "app", "ready": ready, "restartCount": restarts, "state": {"running": {}}});
        if let Some(reason) = last {
            status["lastState"] = json!({"terminated": {"reason": reason, "exitCode": 137}});
        }
        if let Some(reason) = waiting {
            status["state"] = json!({"waiting": {"reason": reason}});
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "prod", "labels": {"app": app}},
            "status": {"phase": "Running", "containerStatuses": [status]}})
    }

    #[test]
    fn warnings_kept_stay_bounded_and_the_newest_survive() {
        let mut seen = PodsSeen::default();
        for at in 0..5 * POD_WARNINGS_KEPT as i64 {
            seen.add_warning(PodWarning {
                namespace: "prod".into(),
                pod: "p".into(),
                at,
                event: EventEvidence {
                    kind: "Warning".into(),
                    reason: "R".into(),
                    message: String::new(),
                    count: 1,
                    last_seen: None,
                    source: None,
                },
            });
            assert!(seen.warnings.len() < 2 * POD_WARNINGS_KEPT);
        }
        assert!(seen.warnings.iter().any(|w| w.at == 5 * POD_WARNINGS_KEPT as i64 - 1));
    }

    #[test]
    fn a_workloads_pods_are_counted_by_its_selector() {
        let mut seen = PodsSeen::default();
        for pod in [
            pod("web-1", "web", true, 0, None, None),
            pod("web-2", "web", true, 3, Some("OOMKilled"), None),
            pod("web-3", "web", false, 7, Some("Error"), Some("CrashLoopBackOff")),
            pod("api-1", "api", false, 9, Some("OOMKilled"), None),
        ]
        .iter()
        .filter_map(|p| PodSummary::of(p, "prod"))
        {
            seen.add_pod(pod);
        }
        let warning = |pod: &str, at: i64, reason: &str| PodWarning {
            namespace: "prod".into(),
            pod: pod.into(),
            at,
            event: EventEvidence {
                kind: "Warning".into(),
                reason: reason.into(),
                message: format!("{reason} on {pod}"),
                count: 2,
                last_seen: None,
                source: Some("kubelet".into()),
            },
        };
        for (pod, at, reason) in [
            ("web-3", 10, "BackOff"),
            ("api-1", 30, "OOMKilling"),
            ("web-2", 20, "Unhealthy"),
            ("web-1", 5, "Old"),
            ("web-3", 1, "Older"),
        ] {
            seen.add_warning(warning(pod, at, reason));
        }
        let web = json!({"kind": "Deployment", "spec": {"selector": {"matchLabels": {"app": "web"}}}});
        let health = WorkloadHealth::of(&web, "prod", &seen).expect("web has pods");
        let reasons: Vec<(&str, &str)> = health.warnings.iter().map(|(p, e)| (p.as_str(), e.reason.as_str())).collect();
        assert_eq!(
            reasons,
            [("web-2", "Unhealthy"), ("web-3", "BackOff"), ("web-1", "Old")],
            "its pods', newest first"
        );
        assert_eq!(
            WorkloadHealth { warnings: Vec::new(), ..health.clone() },
            WorkloadHealth { pods: 3, ready: 2, restarts: 10, oom_killed: 1, crash_looping: 1, warnings: Vec::new() }
        );
        assert!(!health.healthy());
        assert_eq!(health.summary(), "pods 2/3 ready · 10 restarts · 1 OOMKilled · 1 in CrashLoopBackOff");
        assert_eq!(WorkloadHealth::of(&web, "staging", &seen), None, "another namespace's pods are not its own");
        let config = json!({"kind": "ConfigMap", "data": {}});
        assert_eq!(WorkloadHealth::of(&config, "prod", &seen), None);
        assert_eq!(PodSummary::of(&config, "prod"), None);
    }
}
