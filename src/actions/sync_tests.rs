//! Unit tests of the sync action (`sync.rs`): the leaf changes a preview lists, Secrets masked, and
//! the field conflicts read from the API server's status message.

use super::*;
use crate::actions::changes::leaf_changes;

#[test]
fn leaf_changes_name_paths_and_mask_secrets() {
    let before =
        json!({"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 9, "a": [1, 2]}, "data": {"k": "c2VjcmV0"}});
    let after =
        json!({"metadata": {"resourceVersion": "2"}, "spec": {"replicas": 3, "a": [1, 3]}, "data": {"k": "b3RoZXI="}});
    assert_eq!(
        leaf_changes(&before, &after, &[])[..2],
        ["/data/k: c2VjcmV0 → b3RoZXI=".to_owned(), "/spec/a/1: 2 → 3".to_owned()]
    );
    let secret = |mut object: Value| {
        object["kind"] = json!("Secret");
        object
    };
    let masked = leaf_changes(&secret(before.clone()), &secret(after.clone()), &[]);
    assert_eq!(masked[0], "/data/k: ++++++++ → ++++++++++++");
    assert_eq!(masked.len(), 3, "resourceVersion is the server's: {masked:?}");
    // A Secret that had no data shows keys only; annotations and last-applied copies mask.
    let empty = json!({"kind": "Secret", "metadata": {}});
    let filled = json!({"kind": "Secret", "metadata": {"annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": "{\"kind\":\"Secret\",\"data\":{\"k\":\"aHVudGVyMg==\"}}",
        "token": "s3cret"}}, "data": {"k": "aHVudGVyMg=="}});
    let shown = leaf_changes(&empty, &filled, &["token".to_owned()]).join("\n");
    assert!(!shown.contains("aHVudGVyMg") && !shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("\"k\""), "{shown}");
}

#[test]
fn conflicts_are_read_from_the_status_message() {
    let message = "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.template.spec.containers[name=\"app\"].resources.limits.memory";
    assert_eq!(conflicts_in(message), vec![message.to_owned()]);
    let many = "Apply failed with 2 conflicts: conflicts with \"kubectl-edit\" using apps/v1:\n- .spec.replicas\n- .spec.paused";
    assert_eq!(conflicts_in(many).len(), 3);
    assert_eq!(conflicts_in(many)[1], "- .spec.replicas");
}
