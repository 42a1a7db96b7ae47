//! Unit tests of the ownership trie (`ownership.rs`) built from `managedFields`: keyed list
//! items, set and index elements, subresources.

use super::*;
use serde_json::json;

fn trie(object: &Value) -> OwnershipTrie<'_> {
    OwnershipTrie::from_managed_fields(&object["metadata"]["managedFields"], &ManagerTable::default())
        .expect("managedFields present")
}

fn deployment_with_two_managers() -> Value {
    json!({"metadata": {"name": "checkout-api", "managedFields": [
        {"manager": "argocd-controller", "operation": "Update", "apiVersion": "apps/v1",
         "time": "2026-03-01T10:00:00Z", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {
            "k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {},
               "f:ports": {"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}}}}}}}}},
        {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "apps/v1",
         "time": "2026-04-26T08:10:00Z", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {
            "k:{\"name\":\"app\"}": {"f:resources": {"f:limits": {"f:memory": {}}}}}}}}}},
        {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale",
         "time": "2026-04-27T09:00:00Z", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:spec": {"f:replicas": {}}}}
    ]}})
}

fn container_node(t: &OwnershipTrie<'_>) -> NodeId {
    let spec = t.field(ROOT, "spec").and_then(|n| t.field(n, "template")).and_then(|n| t.field(n, "spec"));
    let containers = spec.and_then(|n| t.field(n, "containers")).expect("containers node");
    t.item(containers, 0, &json!({"name": "app", "image": "x"})).expect("app container")
}

#[test]
fn keyed_list_items_resolve_by_merge_key_and_attribute_leaves() {
    let object = deployment_with_two_managers();
    let t = trie(&object);
    let app = container_node(&t);
    let memory = t
        .field(app, "resources")
        .and_then(|n| t.field(n, "limits"))
        .and_then(|n| t.field(n, "memory"))
        .expect("memory leaf");
    let owner = t.primary(t.direct_owners(memory)).expect("owned");
    assert_eq!(owner.manager, "kubectl-edit");
    assert_eq!(owner.class, ManagerClass::Human);
    assert_eq!(owner.time.as_deref(), Some("2026-04-26T08:10:00Z"));
    // The `.` marker makes argocd own the container item itself.
    assert_eq!(t.primary(t.direct_owners(app)).map(|e| e.manager.as_str()), Some("argocd-controller"));
}

#[test]
fn port_keys_with_numbers_match_string_ports() {
    let object = deployment_with_two_managers();
    let t = trie(&object);
    let ports = t.field(container_node(&t), "ports").expect("ports node");
    let port = t.item(ports, 0, &json!({"containerPort": "8080", "protocol": "TCP"}));
    assert!(port.is_some());
}

#[test]
fn hpa_scale_subresource_is_a_controller() {
    let object = deployment_with_two_managers();
    let t = trie(&object);
    let replicas = t.field(ROOT, "spec").and_then(|n| t.field(n, "replicas")).expect("replicas");
    let owner = t.primary(t.direct_owners(replicas)).expect("owned");
    assert_eq!(owner.manager, "kube-controller-manager");
    assert_eq!(owner.subresource.as_deref(), Some("scale"));
    assert_eq!(owner.class, ManagerClass::Controller);
}

#[test]
fn set_and_index_elements_are_understood() {
    let object = json!({"metadata": {"managedFields": [
        {"manager": "kube-controller-manager", "operation": "Update",
         "fieldsV1": {"f:metadata": {"f:finalizers": {"v:\"foregroundDeletion\"": {}}},
                      "f:spec": {"f:args": {"i:1": {}}}}}]}});
    let t = trie(&object);
    let finalizers = t.field(ROOT, "metadata").and_then(|n| t.field(n, "finalizers")).expect("finalizers");
    assert!(t.item(finalizers, 4, &json!("foregroundDeletion")).is_some());
    assert!(t.item(finalizers, 0, &json!("other")).is_none());
    let args = t.field(ROOT, "spec").and_then(|n| t.field(n, "args")).expect("args");
    assert!(t.item(args, 1, &json!("--v=2")).is_some());
}

#[test]
fn objects_without_managed_fields_have_no_trie() {
    let object = json!({"metadata": {"name": "x"}});
    assert!(
        OwnershipTrie::from_managed_fields(&object["metadata"]["managedFields"], &ManagerTable::default()).is_none()
    );
}

/// A ConfigMap's data with many keys, written by two managers: the second manager's keys are
/// merged into the first's node and each key is found again (through the sibling index).
#[test]
fn maps_with_many_keys_and_two_managers_attribute_every_key() {
    let keys: Vec<String> = (0..40).map(|i| format!("KEY_{i:02}")).collect();
    let all: serde_json::Map<String, Value> = keys.iter().map(|k| (format!("f:{k}"), json!({}))).collect();
    let edited: serde_json::Map<String, Value> =
        keys.iter().step_by(3).map(|k| (format!("f:{k}"), json!({}))).collect();
    let object = json!({"metadata": {"managedFields": [
        {"manager": "argocd-controller", "operation": "Update", "time": "2026-03-01T10:00:00Z",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:data": all}},
        {"manager": "kubectl-edit", "operation": "Update", "time": "2026-04-26T08:10:00Z",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:data": edited, "f:metadata": {"f:labels": {"f:team": {}}}}}
    ]}});
    let t = trie(&object);
    let data = t.field(ROOT, "data").expect("one data node for both managers");
    for (i, key) in keys.iter().enumerate() {
        let node = t.field(data, key).unwrap_or_else(|| panic!("{key} found"));
        let owners: Vec<&str> = t.direct_owners(node).iter().map(|e| t.entry(e).manager.as_str()).collect();
        let expected = if i % 3 == 0 { vec!["argocd-controller", "kubectl-edit"] } else { vec!["argocd-controller"] };
        assert_eq!(owners, expected, "{key}");
        let latest = t.owner_of_fields(&["data".to_owned(), key.clone()]).expect("owned");
        assert_eq!(latest.manager, expected[expected.len() - 1], "{key}");
    }
    assert_eq!(t.field(data, "KEY_99"), None, "an unknown key is not found");
    assert_eq!(t.field(data, "team"), None, "a field of another node is not found");
    let labels = t.field(ROOT, "metadata").and_then(|n| t.field(n, "labels")).expect("labels");
    assert!(t.field(labels, "team").is_some());
}

/// A long keyed list (env): every item is found by its merge key text.
#[test]
fn long_keyed_lists_find_items_by_key_text() {
    let items: serde_json::Map<String, Value> = (0..30)
        .map(|i| (format!("k:{{\"name\":\"VAR_{i}\"}}"), json!({".": {}, "f:name": {}, "f:value": {}})))
        .collect();
    let object = json!({"metadata": {"managedFields": [
        {"manager": "kubectl-set", "operation": "Update", "time": "2026-03-01T10:00:00Z",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:env": items}}]}});
    let t = trie(&object);
    let env = t.field(ROOT, "env").expect("env");
    for i in 0..30 {
        let item = t.item_by_key_text(env, &format!("{{\"name\":\"VAR_{i}\"}}")).expect("item by key text");
        assert_eq!(t.item(env, 99, &json!({"name": format!("VAR_{i}")})), Some(item), "and by parsed key");
    }
    assert_eq!(t.item_by_key_text(env, "{\"name\":\"VAR_30\"}"), None);
}
