//! Unit tests of the write targets: merge patches, and the simulated cluster's applies,
//! resource versions and preconditions.

use super::*;
use crate::actions::simulated::json_merge;
use serde_json::json;

#[test]
fn merge_patches_remove_nulls_and_merge_maps() {
    let mut object = json!({"a": {"b": 1, "c": 2}, "d": [1]});
    json_merge(&mut object, &json!({"a": {"b": null, "e": 3}, "d": [2]}));
    assert_eq!(object, json!({"a": {"c": 2, "e": 3}, "d": [2]}));
}

#[test]
fn simulated_applies_merge_named_items_and_move_the_resource_version() {
    let live = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "prod", "resourceVersion": "41"},
        "spec": {"replicas": 9, "template": {"spec": {"containers": [
            {"name": "app", "image": "a:1", "resources": {"limits": {"memory": "2Gi"}}},
            {"name": "sidecar", "image": "s:1"}]}}}});
    let cluster = Simulated::new("simulated".into(), "prod", [live.clone()]);
    let target = ObjectRef::of(&live, "prod");
    let desired = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "resources": {"limits": {"memory": "512Mi"}}}]}}}});
    let preview = cluster.apply(&target, &desired, "argocd-controller", false, Mode::DryRun).unwrap();
    assert_eq!(preview.pointer("/spec/template/spec/containers/0/resources/limits/memory"), Some(&json!("512Mi")));
    assert_eq!(cluster.get(&target).unwrap().unwrap(), live, "a dry run changes nothing");
    cluster.apply(&target, &desired, "argocd-controller", false, Mode::Commit).unwrap();
    let after = cluster.get(&target).unwrap().unwrap();
    assert_eq!(after.pointer("/spec/template/spec/containers/1/name"), Some(&json!("sidecar")));
    assert_eq!(after.pointer("/metadata/resourceVersion"), Some(&json!("42")));
    // The version shown before the apply no longer holds: the delete is refused.
    let stale = Preconditions::of(Some(&live));
    let refused = cluster.delete(&target, "Foreground", &stale, Mode::Commit);
    assert!(matches!(refused, Err(ActionError::Precondition(_))), "{refused:?}");
    let stale_apply = json!({"kind": "Deployment", "metadata": {"name": "web", "resourceVersion": "41"}});
    let refused = cluster.apply(&target, &stale_apply, "kdrift", false, Mode::Commit);
    assert!(matches!(refused, Err(ActionError::Precondition(_))), "{refused:?}");
    cluster.delete(&target, "Foreground", &Preconditions::of(Some(&after)), Mode::Commit).unwrap();
    assert!(cluster.get(&target).unwrap().is_none());
}
