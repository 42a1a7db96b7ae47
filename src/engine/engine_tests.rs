//! Unit tests of the comparator (`engine/mod.rs`): whole apps compared, with orphans, destinations,
//! custom kinds' scopes and rules that arrive after the objects they apply to.

use super::*;
use crate::model::{Finding, ResourceStatus, SyncStatus};
use serde_json::json;

fn manifest(object: Value) -> Manifest {
    Manifest { object, origin: "test.yaml#1".to_owned() }
}

#[test]
fn an_orphan_argo_cd_ignores_as_extraneous_leaves_the_app_synced() {
    let settings =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "prod"}});
    let leftover = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old", "namespace": "prod",
        "labels": {"app.kubernetes.io/instance": "web"},
        "annotations": {"argocd.argoproj.io/compare-options": "IgnoreExtraneous"}}});
    let config = EngineConfig::default();
    let live = vec![manifest(settings.clone()), manifest(leftover)];
    let app = compare_app(&config, "web", "prod", None, vec![manifest(settings)], live).unwrap();
    assert_eq!(app.sync_status, SyncStatus::Synced);
    let orphan = app.resources.iter().find(|r| r.name == "old").expect("still reported");
    assert_eq!(orphan.status, ResourceStatus::Ignored);
    assert!(!app.all_findings().any(Finding::needs_action));
}

#[test]
fn a_destination_other_than_the_namespace_compared_in_is_pointed_out() {
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}});
    let application = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "web", "namespace": "argocd"}, "spec": {"destination": {"namespace": "prod"}}});
    let config = EngineConfig::default();
    let app =
        compare_app(&config, "web", "default", None, vec![manifest(desired)], vec![manifest(application)]).unwrap();
    assert!(
        app.notes.iter().any(|n| n.contains(
            "1 object(s) in Git leave their namespace to the destination: kdrift compared them in 'default', but Application argocd/web deploys them to 'prod'; pass -n prod"
        )),
        "{:?}",
        app.notes
    );
}

fn widget(namespace: Option<&str>, size: &str) -> Value {
    let mut object = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"},
        "spec": {"size": size}});
    if let Some(namespace) = namespace {
        object["metadata"]["namespace"] = json!(namespace);
    }
    object
}

#[test]
fn live_objects_say_a_custom_kinds_scope_whatever_a_crd_in_git_claims() {
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Cluster", "names": {"kind": "Widget"}}});
    let desired =
        vec![manifest(crd.clone()), manifest(widget(Some("prod"), "s")), manifest(widget(Some("staging"), "m"))];
    let live = vec![manifest(widget(Some("prod"), "s")), manifest(widget(Some("staging"), "m"))];
    let app = compare_app(&EngineConfig::default(), "web", "prod", None, desired, live).unwrap();
    let statuses: Vec<(String, ResourceStatus)> =
        app.resources.iter().filter(|r| r.kind == "Widget").map(|r| (r.namespace.clone(), r.status)).collect();
    assert_eq!(statuses, [("prod".into(), ResourceStatus::Synced), ("staging".into(), ResourceStatus::Synced)]);
}

#[test]
fn one_cluster_scoped_object_given_twice_in_git_is_an_error_not_a_coin_toss() {
    let desired = vec![manifest(widget(Some("prod"), "small")), manifest(widget(Some("staging"), "huge"))];
    let live = vec![manifest(widget(None, "huge"))];
    let error = compare_app(&EngineConfig::default(), "web", "prod", None, desired, live).unwrap_err();
    assert!(matches!(error, EngineError::DuplicateDesired { .. }), "{error}");
}

#[test]
fn rules_from_an_application_seen_after_its_objects_still_apply() {
    let desired = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "prod"}, "spec": {"replicas": 2}});
    let mut live = desired.clone();
    live["spec"]["replicas"] = json!(5);
    let application = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "web", "namespace": "argocd"},
        "spec": {"ignoreDifferences": [{"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}]}});
    let config = EngineConfig::default();
    let app =
        compare_app(&config, "web", "prod", None, vec![manifest(desired)], vec![manifest(live), manifest(application)])
            .unwrap();
    let web = app.resources.iter().find(|r| r.name == "web").unwrap();
    assert_eq!(web.status, ResourceStatus::Ignored);
    let by = web.findings[0].ignored_by.as_ref().expect("hidden by the Application's rule");
    assert_eq!(by.source, "test.yaml#1 (Application argocd/web)");
    assert_eq!(app.sync_status, SyncStatus::Synced);
}
