//! Unit tests of the backport action: paths joined as Kustomize resolves them, routes that
//! match list items by name, edits that keep comments, strategic merge patches.

use super::*;
use serde_json::json;

#[test]
fn paths_join_like_kustomize_resolves_them() {
    assert_eq!(join("apps/web/overlays/prod", "../../base"), "apps/web/base");
    assert_eq!(join("apps/web", "./deploy.yaml"), "apps/web/deploy.yaml");
    assert_eq!(join("", "a.yaml"), "a.yaml");
}

#[test]
fn routes_match_list_items_by_name() {
    let live = json!({"spec": {"containers": [{"name": "sidecar"}, {"name": "app", "memory": "2Gi"}]}});
    let patch = json!({"spec": {"containers": [{"name": "app", "memory": "1Gi"}]}});
    assert_eq!(
        route_in(&patch, &live, "/spec/containers/1/memory"),
        (vec![Seg::Key("spec".into()), Seg::Key("containers".into()), Seg::Index(0), Seg::Key("memory".into())], true)
    );
    let (route, complete) = route_in(&json!({"spec": {}}), &live, "/spec/containers/1/memory");
    assert_eq!((route.len(), complete), (1, false));
}

#[test]
fn edits_keep_comments_and_other_documents() {
    let text = "# the config\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# web\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3 # keep small\n";
    let route = vec![Seg::Key("spec".into()), Seg::Key("replicas".into())];
    let edited = edit_document(text, 2, &route, "/spec/replicas", true, Some(&json!(9))).unwrap();
    assert_eq!(edited, text.replace("replicas: 3", "replicas: 9"));
}

#[test]
fn strategic_merge_patches_name_list_items() {
    let live = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "resources": {"limits": {"memory": "2Gi"}}}]}}}});
    let mut patch = json!({"kind": "Deployment"});
    insert_by_name(&mut patch, &live, "/spec/template/spec/containers/0/resources/limits/memory").unwrap();
    assert_eq!(
        patch,
        json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": [{"name": "app", "resources": {"limits": {"memory": "2Gi"}}}]}}}})
    );
}
