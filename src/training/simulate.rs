//! What a decision would do to a scenario's sample, computed in memory and nothing written:
//! the changed copy of live (sync, prune) or of Git (backport) goes through the engine again,
//! so the trainee sees what the rescan would say; the scenario's own consequence (the
//! OOMKilled pods a reverted hotfix brings back) follows.

use crate::decision::Decision;
use crate::engine::{Manifest, compare_app, identity};
use crate::model::Response;
use crate::model::{Finding, ResourceKey};
use crate::training::scenario::{Scenario, resource_named};
use serde_json::Value;

/// The consequences of taking `decision` at `drill.decide[index]`, one line each.
pub fn consequences(scenario: &Scenario, index: usize, decision: Decision) -> Vec<String> {
    let Some(spec) = scenario.drill.decide.get(index) else { return Vec::new() };
    let Some(resource) = resource_named(&scenario.report, &spec.resource, &scenario.namespace) else {
        return Vec::new();
    };
    let key = resource.key();
    let acting: Vec<&Finding> = resource.findings.iter().filter(|f| f.needs_action()).collect();
    let in_scope: Vec<&Finding> = match &spec.field {
        Some(field) => resource.findings.iter().filter(|f| f.path == *field || f.display_path == *field).collect(),
        None if acting.is_empty() => resource.findings.iter().collect(),
        None => acting,
    };
    let mut lines = simulated(scenario, &key, &in_scope, decision);
    if let Some(text) = spec.consequences.get(&decision) {
        lines.extend(text.lines().map(str::to_owned));
    }
    lines
}

fn simulated(scenario: &Scenario, key: &ResourceKey, in_scope: &[&Finding], decision: Decision) -> Vec<String> {
    let whole_object = in_scope.iter().any(|f| f.path.is_empty());
    let fields = || in_scope.iter().map(|f| f.display_path.clone()).collect::<Vec<_>>().join(", ");
    let shown = |value: &Option<Value>| value.as_ref().map_or_else(|| "(absent)".to_owned(), compact);
    match decision {
        Decision::Act(Response::Sync) if whole_object => vec![format!(
            "simulated sync: {key} is not in Git, so a sync leaves it running; only a prune removes an orphan"
        )],
        Decision::Act(Response::Sync) if scenario.report.delivery_blocked.is_some() => {
            let blocked = scenario.report.delivery_blocked.as_deref().unwrap_or_default();
            vec![format!(
                "simulated sync: {blocked}, so the controller fails again: nothing in the cluster changes ({} still differ)",
                fields()
            )]
        }
        Decision::Act(Response::Sync) => {
            // The objects' own values: a finding's may be masked.
            let git = object_of(&scenario.desired, key, &scenario.namespace);
            let live = edited(&scenario.live, key, &scenario.namespace, |object| {
                for finding in in_scope {
                    let from = finding.desired_path.as_deref().unwrap_or(&finding.path);
                    set_pointer(object, &finding.path, git.and_then(|g| g.pointer(from)).cloned());
                }
            });
            let mut lines: Vec<String> = in_scope
                .iter()
                .map(|f| format!("simulated sync: live {} {} → {}", f.display_path, shown(&f.live), shown(&f.desired)))
                .collect();
            lines.push(rescan(scenario, scenario.desired.clone(), live, key));
            lines
        }
        Decision::Act(Response::Backport) if whole_object => {
            vec![format!("simulated backport: {key} is added back to Git as it runs live; it stops being an orphan")]
        }
        Decision::Act(Response::Backport) => {
            let running = object_of(&scenario.live, key, &scenario.namespace);
            let desired = edited(&scenario.desired, key, &scenario.namespace, |object| {
                for finding in in_scope {
                    let path = finding.desired_path.as_deref().unwrap_or(&finding.path);
                    set_pointer(object, path, running.and_then(|l| l.pointer(&finding.path)).cloned());
                }
            });
            let mut lines: Vec<String> = in_scope
                .iter()
                .map(|f| {
                    format!(
                        "simulated backport: Git {} {} → {} on a review branch",
                        f.display_path,
                        shown(&f.desired),
                        shown(&f.live)
                    )
                })
                .collect();
            lines.push(rescan(scenario, desired, scenario.live.clone(), key));
            lines
        }
        Decision::Act(Response::Ignore) => {
            let left = remaining(scenario, key, in_scope);
            vec![
                format!("simulated ignore: a rule for {} on {key} hides it from every report", fields()),
                format!("the rescan shows {left} difference(s) needing action on {key}"),
            ]
        }
        Decision::Act(Response::Prune) if !whole_object => {
            vec![format!("simulated prune: refused — {key} is still in Git; prune removes only objects Git dropped")]
        }
        Decision::Act(Response::Prune) => {
            let live: Vec<Manifest> = scenario
                .live
                .iter()
                .filter(|m| !same_object(&identity::key_of(&m.object, &scenario.namespace), key))
                .cloned()
                .collect();
            vec![
                format!("simulated prune: {key} deleted (propagation Foreground)"),
                rescan(scenario, scenario.desired.clone(), live, key),
            ]
        }
        Decision::Act(Response::Escalate) => vec![format!(
            "simulated escalation: a remediation record (diff, owner, events, risks) goes to {}; nothing is changed yet",
            scenario.report.owner_team.as_deref().unwrap_or("the app's owners")
        )],
        Decision::LeaveAsIs => {
            let left = remaining(scenario, key, &[]);
            vec![format!("nothing changes: {left} difference(s) still need action on {key}")]
        }
    }
}

/// Differences needing action on `key` apart from `hidden`.
fn remaining(scenario: &Scenario, key: &ResourceKey, hidden: &[&Finding]) -> usize {
    scenario
        .report
        .resources
        .iter()
        .filter(|r| same_object(&r.key(), key))
        .flat_map(|r| r.findings.iter())
        .filter(|f| f.needs_action() && !hidden.iter().any(|h| h.path == f.path))
        .count()
}

fn rescan(scenario: &Scenario, desired: Vec<Manifest>, live: Vec<Manifest>, key: &ResourceKey) -> String {
    match compare_app(&scenario.engine, &scenario.app, &scenario.namespace, scenario.now, desired, live) {
        Ok(report) => match report.resources.iter().find(|r| same_object(&r.key(), key)) {
            None => format!("the rescan no longer lists {key}"),
            Some(resource) => {
                let acting = resource.findings.iter().filter(|f| f.needs_action()).count();
                format!(
                    "the rescan shows {key} {}: {acting} difference(s) needing action, {} expected",
                    resource.status.as_str(),
                    resource.findings.len() - acting
                )
            }
        },
        Err(error) => format!("the rescan failed: {error}"),
    }
}

fn same_object(a: &ResourceKey, b: &ResourceKey) -> bool {
    a.kind == b.kind && a.name == b.name && a.namespace == b.namespace
}

/// The object `key` among `manifests`.
fn object_of<'m>(manifests: &'m [Manifest], key: &ResourceKey, namespace: &str) -> Option<&'m Value> {
    manifests.iter().map(|m| &m.object).find(|object| same_object(&identity::key_of(object, namespace), key))
}

/// A copy of `manifests` with `change` applied to the object `key`.
fn edited(manifests: &[Manifest], key: &ResourceKey, namespace: &str, change: impl Fn(&mut Value)) -> Vec<Manifest> {
    manifests
        .iter()
        .map(|m| {
            let mut copy = m.clone();
            if same_object(&identity::key_of(&m.object, namespace), key) {
                change(&mut copy.object);
            }
            copy
        })
        .collect()
}

/// Sets (or with `None` removes) the value at RFC 6901 `pointer`.
fn set_pointer(object: &mut Value, pointer: &str, value: Option<Value>) {
    let Some((parent, last)) = pointer.rsplit_once('/') else { return };
    let last = last.replace("~1", "/").replace("~0", "~");
    let Some(parent) = object.pointer_mut(parent) else { return };
    match (parent, value) {
        (Value::Object(map), Some(value)) => {
            map.insert(last, value);
        }
        (Value::Object(map), None) => {
            map.remove(&last);
        }
        (Value::Array(items), value) => {
            let Ok(at) = last.parse::<usize>() else { return };
            match value {
                Some(value) if at < items.len() => items[at] = value,
                Some(value) if at == items.len() => items.push(value),
                None if at < items.len() => {
                    items.remove(at);
                }
                _ => {}
            }
        }
        _ => {}
    }
}

fn compact(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_are_set_and_removed_in_objects_and_lists() {
        let mut object = json!({"spec": {"a~b": 1, "list": [1, 2], "x/y": 0}});
        set_pointer(&mut object, "/spec/a~0b", Some(json!(2)));
        set_pointer(&mut object, "/spec/x~1y", None);
        set_pointer(&mut object, "/spec/list/1", Some(json!(9)));
        set_pointer(&mut object, "/spec/list/2", Some(json!(3)));
        set_pointer(&mut object, "/spec/list/0", None);
        assert_eq!(object, json!({"spec": {"a~b": 2, "list": [9, 3]}}));
    }

    #[test]
    fn a_simulated_sync_while_the_controller_cannot_apply_changes_nothing() {
        let scenario = crate::training::scenario::load("flux-apply-failed").expect("embedded scenario");
        let index = scenario.drill.decide.iter().position(|d| d.resource.starts_with("Deployment")).expect("decision");
        let lines = consequences(&scenario, index, Decision::Act(Response::Sync));
        assert!(
            lines[0].starts_with("simulated sync: Flux Kustomization flux-system/checkout-api failed to apply main@sha1:def456, so the controller fails again: nothing in the cluster changes"),
            "{lines:?}"
        );
        assert!(!lines.iter().any(|l| l.contains("→")), "no simulated change: {lines:?}");
    }
}
