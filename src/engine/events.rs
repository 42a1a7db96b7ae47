//! Kubernetes Events as evidence: the few most recent events about each object, read from
//! the live stream (a snapshot's `kind: Event` objects, or the cluster's event list) and
//! attached to the resources that drifted, so "who changed it" can show what the cluster
//! said at the time (OOMKilled, SuccessfulRescale, FailedCreate, …).

use crate::engine::identity;
use crate::engine::time::parse_rfc3339;
use crate::model::{EventEvidence, ResourceKey};
use serde_json::Value;
use std::collections::HashMap;

/// How many events are kept per object: the newest ones tell the story.
pub const EVENTS_PER_OBJECT: usize = 5;

#[derive(Debug, Default)]
pub struct EventLog {
    by_object: HashMap<ResourceKey, Vec<(i64, EventEvidence)>>,
}

impl EventLog {
    /// Records `event` (core `v1` or `events.k8s.io/v1`) under the object it is about.
    pub fn observe(&mut self, event: &Value) {
        let Some((key, recorded)) = read_event(event) else {
            return;
        };
        let at = recorded.last_seen.as_deref().and_then(parse_rfc3339).unwrap_or(i64::MIN);
        let kept = self.by_object.entry(key).or_default();
        kept.push((at, recorded));
        // Newest first; ties keep arrival order so a snapshot reads the same every time.
        kept.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
        kept.truncate(EVENTS_PER_OBJECT);
    }

    /// The newest events about `key`, newest first.
    pub fn take(&mut self, key: &ResourceKey) -> Vec<EventEvidence> {
        self.by_object.remove(key).map(|kept| kept.into_iter().map(|(_, e)| e).collect()).unwrap_or_default()
    }
}

/// `event` as a warning about a pod (for the pod's workload's health), if it is one.
pub fn pod_warning(event: &Value) -> Option<crate::model::health::PodWarning> {
    let (key, event) = read_event(event)?;
    if key.kind != "Pod" || !key.group.is_empty() || event.kind != "Warning" {
        return None;
    }
    let at = event.last_seen.as_deref().and_then(parse_rfc3339).unwrap_or(i64::MIN);
    Some(crate::model::health::PodWarning { namespace: key.namespace, pod: key.name, at, event })
}

fn read_event(event: &Value) -> Option<(ResourceKey, EventEvidence)> {
    let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    // events.k8s.io/v1 names the object `regarding`; core v1 `involvedObject`.
    let about = event.get("regarding").or_else(|| event.get("involvedObject"))?;
    let field = |name: &str| about.get(name).and_then(Value::as_str).unwrap_or_default();
    let (group, _) = identity::split_api_version(field("apiVersion"));
    let event_namespace = event.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default();
    let namespace = match field("namespace") {
        "" if !identity::is_cluster_scoped(group, field("kind")) => event_namespace,
        namespace => namespace,
    };
    let key = ResourceKey {
        group: group.to_owned(),
        kind: field("kind").to_owned(),
        namespace: namespace.to_owned(),
        name: field("name").to_owned(),
    };
    if key.kind.is_empty() || key.name.is_empty() {
        return None;
    }
    let count = event.get("count").or_else(|| event.pointer("/series/count")).and_then(Value::as_u64).unwrap_or(1);
    let last_seen = ["/lastTimestamp", "/series/lastObservedTime", "/eventTime", "/firstTimestamp"]
        .into_iter()
        .find_map(|pointer| text(pointer).filter(|t| !t.is_empty()));
    let source = text("/reportingController")
        .or_else(|| text("/source/component"))
        .or_else(|| text("/reportingComponent"))
        .filter(|s| !s.is_empty());
    let evidence = EventEvidence {
        kind: text("/type").unwrap_or_else(|| "Normal".to_owned()),
        reason: text("/reason").unwrap_or_default(),
        message: text("/message").or_else(|| text("/note")).unwrap_or_default(),
        count,
        last_seen,
        source,
    };
    Some((key, evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn core_event(name: &str, reason: &str, at: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": "prod"},
            "involvedObject": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "checkout-api"},
            "reason": reason, "message": format!("{reason} happened"), "type": "Warning",
            "count": 3, "lastTimestamp": at, "source": {"component": "deployment-controller"}})
    }

    fn deployment() -> ResourceKey {
        ResourceKey {
            group: "apps".into(),
            kind: "Deployment".into(),
            namespace: "prod".into(),
            name: "checkout-api".into(),
        }
    }

    #[test]
    fn core_events_attach_to_their_object_newest_first() {
        let mut log = EventLog::default();
        log.observe(&core_event("a", "Older", "2026-06-01T00:00:00Z"));
        log.observe(&core_event("b", "Newer", "2026-06-02T00:00:00Z"));
        let events = log.take(&deployment());
        let reasons: Vec<&str> = events.iter().map(|e| e.reason.as_str()).collect();
        assert_eq!(reasons, ["Newer", "Older"]);
        assert_eq!(events[0].count, 3);
        assert_eq!(events[0].source.as_deref(), Some("deployment-controller"));
        assert!(log.take(&deployment()).is_empty(), "taken once");
    }

    #[test]
    fn only_the_newest_few_are_kept() {
        let mut log = EventLog::default();
        for day in 1..=9 {
            log.observe(&core_event(&format!("e{day}"), &format!("Day{day}"), &format!("2026-06-0{day}T00:00:00Z")));
        }
        let events = log.take(&deployment());
        assert_eq!(events.len(), EVENTS_PER_OBJECT);
        assert_eq!(events[0].reason, "Day9");
    }

    #[test]
    fn events_k8s_io_regarding_and_note_are_read() {
        let mut log = EventLog::default();
        log.observe(&json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "x", "namespace": "prod"},
            "regarding": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "checkout-api", "namespace": "prod"},
            "reason": "ScalingReplicaSet", "note": "Scaled up replica set to 9", "type": "Normal",
            "eventTime": "2026-06-02T00:00:00.000000Z", "reportingController": "deployment-controller"}));
        let events = log.take(&deployment());
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].message, "Scaled up replica set to 9");
        assert_eq!(events[0].count, 1);
    }
}
