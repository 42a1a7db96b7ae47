//! Unit tests of the diff walk with the API server's dry run of Git's object as the oracle
//! (DESIGN §3): what the server itself stores is settled, what a sync would change stays drift.

use crate::engine::defaults::ApiKind;
use crate::engine::diff::LiveEvidence;
use crate::engine::diff_tests::{entry, managed, paths};
use crate::engine::managers::ManagerTable;
use crate::engine::normalize::normalize;
use crate::model::ManagerClass;
use serde_json::{Value, json};

/// Diffs with the API server's dry-run answer as the oracle.
fn diff_with_server(
    kind: &str,
    mut desired: Value,
    mut live: Value,
    mut predicted: Value,
) -> crate::engine::diff::PairDiff {
    normalize(&mut desired, kind, false);
    let removed = normalize(&mut live, kind, false);
    let answer = normalize(&mut predicted, kind, false);
    let managers = ManagerTable::default();
    let predicted = crate::engine::oracle::Predicted {
        object: &predicted,
        managed_fields: answer.managed_fields.as_ref(),
        manager: "argocd-controller",
    };
    let evidence = LiveEvidence {
        api: ApiKind { group: "example.com", version: "v1", kind },
        managed_fields: removed.managed_fields.as_ref(),
        managers: &managers,
        last_applied: removed.last_applied.as_deref(),
        opaque_data: false,
        builtin_kind: false,
        instance_label: "argocd.argoproj.io/instance",
        predicted: Some(&predicted),
    };
    crate::engine::diff::diff_pair(&desired, &live, &evidence)
}

fn apply_entry(manager: &str, fields: Value) -> Value {
    json!({"manager": manager, "operation": "Apply", "time": "2026-05-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": fields})
}

#[test]
fn what_the_servers_dry_run_stores_is_not_drift() {
    // A CRD's schema defaults `retries`; an admission webhook rewrites the image to a mirror.
    let desired = json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"image": "nginx:1.27"}});
    let live = managed(
        json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"image": "mirror.example.com/nginx:1.27", "retries": 3}}),
        json!([apply_entry("argocd-controller", json!({"f:spec": {"f:image": {}}}))]),
    );
    let predicted = managed(
        json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"image": "mirror.example.com/nginx:1.27", "retries": 3}}),
        json!([apply_entry("argocd-controller", json!({"f:spec": {"f:image": {}}}))]),
    );
    let outcome = diff_with_server("Job", desired, live, predicted);
    assert!(outcome.diffs.is_empty(), "{:?}", outcome.diffs);
    assert_eq!(outcome.settled, ["spec.image", "spec.retries"]);
}

#[test]
fn what_the_servers_dry_run_would_change_stays_drift() {
    // Git dropped `suspend`; argocd-controller applied it before: the dry run removes it.
    let desired = json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"image": "nginx:1.27"}});
    let live = managed(
        json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"image": "nginx:1.27", "suspend": true}}),
        json!([apply_entry("argocd-controller", json!({"f:spec": {"f:image": {}, "f:suspend": {}}}))]),
    );
    let predicted = json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"image": "nginx:1.27"}});
    let outcome = diff_with_server("Job", desired, live, predicted);
    assert_eq!(paths(&outcome.diffs), ["/spec/suspend"]);
    assert!(outcome.settled.is_empty());
}

#[test]
fn a_value_the_dry_run_keeps_because_a_person_owns_it_is_decided_by_ownership() {
    let desired = json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"image": "nginx:1.27"}});
    let owners = json!([
        apply_entry("argocd-controller", json!({"f:spec": {"f:image": {}}})),
        entry("kubectl-edit", json!({"f:spec": {"f:debug": {}}}))
    ]);
    let live = managed(
        json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"image": "nginx:1.27", "debug": true}}),
        owners.clone(),
    );
    let predicted = managed(
        json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"image": "nginx:1.27", "debug": true}}),
        owners,
    );
    let outcome = diff_with_server("Job", desired, live, predicted);
    assert_eq!(paths(&outcome.diffs), ["/spec/debug"]);
    assert_eq!(outcome.diffs[0].owner.as_ref().map(|o| o.class), Some(ManagerClass::Human));
}

#[test]
fn the_dry_run_never_settles_what_a_person_owns_or_an_answer_without_owners() {
    // A person added a finalizer; a forced apply keeps it (set-like list), so the answer
    // equals live — but kubectl-patch owns it there: not the server's doing.
    let desired = json!({"kind": "Job", "metadata": {"name": "j", "finalizers": ["example.com/cleanup"]}});
    let owners = json!([
        apply_entry("argocd-controller", json!({"f:metadata": {"f:finalizers": {"v:\"example.com/cleanup\"": {}}}})),
        entry("kubectl-patch", json!({"f:metadata": {"f:finalizers": {"v:\"example.com/block-delete\"": {}}}}))
    ]);
    let finalizers = json!(["example.com/cleanup", "example.com/block-delete"]);
    let object = |owners: Option<&Value>| {
        let mut o = json!({"kind": "Job", "metadata": {"name": "j", "finalizers": finalizers}});
        if let Some(owners) = owners {
            o["metadata"]["managedFields"] = owners.clone();
        }
        o
    };
    let outcome = diff_with_server("Job", desired.clone(), object(Some(&owners)), object(Some(&owners)));
    assert_eq!(paths(&outcome.diffs), ["/metadata/finalizers"]);
    assert!(outcome.settled.is_empty());
    // An answer without managedFields proves nothing either.
    let outcome = diff_with_server("Job", desired, object(Some(&owners)), object(None));
    assert_eq!(paths(&outcome.diffs), ["/metadata/finalizers"]);
}

#[test]
fn in_a_positional_list_the_dry_run_is_asked_about_gits_item_not_the_one_a_person_put_there() {
    // Git has one webhook; a person inserted another at position 0. The answer keeps both
    // (keyed by name server-side): Git's item must be looked up by Git's name.
    let git_hook = json!({"name": "policy", "failurePolicy": "Fail", "sideEffects": "None"});
    let evil = json!({"name": "evil", "failurePolicy": "Ignore"});
    let desired = json!({"kind": "Hooks", "metadata": {"name": "h"}, "webhooks": [git_hook]});
    let owners = json!([
        apply_entry(
            "argocd-controller",
            json!({"f:webhooks": {"k:{\"name\":\"policy\"}": {".": {}, "f:failurePolicy": {}, "f:name": {}, "f:sideEffects": {}}}})
        ),
        entry(
            "kubectl-edit",
            json!({"f:webhooks": {"k:{\"name\":\"evil\"}": {".": {}, "f:failurePolicy": {}, "f:name": {}}}})
        )
    ]);
    let live =
        managed(json!({"kind": "Hooks", "metadata": {"name": "h"}, "webhooks": [evil, git_hook]}), owners.clone());
    let predicted = live.clone();
    let outcome = diff_with_server("Hooks", desired, live, predicted);
    let found = paths(&outcome.diffs);
    assert!(found.contains(&"/webhooks/0/name") && found.contains(&"/webhooks/0/failurePolicy"), "{found:?}");
}
