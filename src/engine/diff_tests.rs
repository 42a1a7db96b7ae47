//! Unit tests of the diff walk's rules (DESIGN §3), each on the smallest realistic object with
//! real manager names and field shapes.

use crate::engine::defaults::ApiKind;
use crate::engine::diff::{Change, LiveEvidence, Provenance, RawDiff, diff_objects};
use crate::engine::managers::ManagerTable;
use crate::engine::normalize::normalize;
use crate::model::ManagerClass;
use serde_json::{Value, json};

/// Normalizes both sides as the engine does and diffs them.
fn diff(kind: &str, desired: Value, live: Value) -> Vec<RawDiff> {
    diff_with(kind, desired, live, true)
}

fn diff_with(kind: &str, mut desired: Value, mut live: Value, builtin: bool) -> Vec<RawDiff> {
    normalize(&mut desired, kind, false);
    let removed = normalize(&mut live, kind, false);
    let managers = ManagerTable::default();
    let evidence = LiveEvidence {
        api: ApiKind { group: api_group(kind), version: "v1", kind },
        managed_fields: removed.managed_fields.as_ref(),
        managers: &managers,
        last_applied: removed.last_applied.as_deref(),
        opaque_data: matches!(kind, "ConfigMap" | "Secret"),
        builtin_kind: builtin,
        instance_label: "argocd.argoproj.io/instance",
        predicted: None,
    };
    diff_objects(&desired, &live, &evidence)
}

/// The API group tests use for a kind.
fn api_group(kind: &str) -> &'static str {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" => "apps",
        _ => "",
    }
}

fn deployment(containers: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "checkout-api", "namespace": "prod"},
        "spec": {"template": {"spec": {"containers": containers}}}})
}

pub(super) fn managed(mut object: Value, entries: Value) -> Value {
    object["metadata"]["managedFields"] = entries;
    object
}

pub(super) fn entry(manager: &str, fields: Value) -> Value {
    json!({"manager": manager, "operation": "Update", "apiVersion": "apps/v1", "time": "2026-04-26T08:10:00Z",
        "fieldsType": "FieldsV1", "fieldsV1": fields})
}

pub(super) fn paths(diffs: &[RawDiff]) -> Vec<&str> {
    diffs.iter().map(|d| d.pointer.as_str()).collect()
}

#[test]
fn containers_match_by_name_not_position() {
    let desired = deployment(json!([{"name": "app", "image": "a:1"}, {"name": "proxy", "image": "envoy:1"}]));
    let live = deployment(json!([{"name": "proxy", "image": "envoy:1"}, {"name": "app", "image": "a:2"}]));
    let diffs = diff("Deployment", desired, live);
    assert_eq!(paths(&diffs), ["/spec/template/spec/containers/1/image"], "live index of the app container");
    assert_eq!(diffs[0].display, "spec.template.spec.containers[name=app].image");
    assert_eq!((diffs[0].desired.clone(), diffs[0].live.clone()), (Some(json!("a:1")), Some(json!("a:2"))));
}

#[test]
fn absent_null_and_empty_collections_are_equal() {
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {}},
        "data": {"a": "b"}, "binaryData": null});
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {}},
        "data": {"a": "b"}, "immutable": null});
    assert!(diff("ConfigMap", desired, live).is_empty());
}

#[test]
fn served_api_version_is_not_drift() {
    let desired = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"}});
    let live = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"}});
    assert!(diff("HorizontalPodAutoscaler", desired, live).is_empty());
}

#[test]
fn config_map_payloads_compare_as_exact_strings() {
    let desired = json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"RATIO": "1"}});
    let live = json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"RATIO": "1.0"}});
    assert_eq!(paths(&diff("ConfigMap", desired, live)), ["/data/RATIO"]);
}

#[test]
fn numbers_and_numeric_strings_are_equal_outside_payloads() {
    let desired = deployment(json!([{"name": "app", "ports": [{"containerPort": "8080"}]}]));
    let live = deployment(json!([{"name": "app", "ports": [{"containerPort": 8080, "protocol": "TCP"}]}]));
    assert!(diff("Deployment", desired, live).is_empty());
}

#[test]
fn a_field_git_sets_but_live_lacks_is_desired_only() {
    let desired = deployment(json!([{"name": "app", "image": "a:1", "args": ["--port=8080"]}]));
    let live = deployment(json!([{"name": "app", "image": "a:1"}]));
    let diffs = diff("Deployment", desired, live);
    assert_eq!(paths(&diffs), ["/spec/template/spec/containers/0/args"]);
    assert_eq!(diffs[0].change, Change::DesiredOnly);
}

#[test]
fn scalar_lists_change_as_a_whole() {
    let desired = deployment(json!([{"name": "app", "args": ["--a", "--b"]}]));
    let live = deployment(json!([{"name": "app", "args": ["--a", "--b", "--debug"]}]));
    let diffs = diff("Deployment", desired, live);
    assert_eq!(paths(&diffs), ["/spec/template/spec/containers/0/args"]);
    assert_eq!(diffs[0].live, Some(json!(["--a", "--b", "--debug"])));
}

#[test]
fn crd_lists_are_positional_even_with_familiar_names() {
    let desired =
        json!({"kind": "Widget", "metadata": {"name": "w"}, "spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
    let live =
        json!({"kind": "Widget", "metadata": {"name": "w"}, "spec": {"containers": [{"name": "b"}, {"name": "a"}]}});
    let diffs = diff_with("Widget", desired, live, false);
    assert_eq!(paths(&diffs), ["/spec/containers/0/name", "/spec/containers/1/name"]);
}

#[test]
fn env_added_by_a_person_is_drift_attributed_to_them() {
    let desired = deployment(json!([{"name": "app", "env": [{"name": "LOG_LEVEL", "value": "info"}]}]));
    let live = managed(
        deployment(
            json!([{"name": "app", "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "DEBUG", "value": "1"}]}]),
        ),
        json!([entry(
            "kubectl-set",
            json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {
            "f:env": {"k:{\"name\":\"DEBUG\"}": {".": {}, "f:name": {}, "f:value": {}}}}}}}}})
        )]),
    );
    let diffs = diff("Deployment", desired, live);
    assert_eq!(paths(&diffs), ["/spec/template/spec/containers/0/env/1"], "one finding for the whole env var");
    assert_eq!(diffs[0].change, Change::LiveOnly);
    let Some(owner) = diffs[0].owner.as_ref() else { panic!("not attributed: {diffs:?}") };
    assert_eq!((owner.manager.as_str(), owner.class), ("kubectl-set", ManagerClass::Human));
}

#[test]
fn a_label_git_removed_but_the_gitops_manager_set_is_drift() {
    let desired = json!({"kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app": "a"}}});
    let mut live = managed(
        json!({"kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app": "a", "tier": "backend"}}}),
        json!([entry(
            "argocd-controller",
            json!({"f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:tier": {}},
                "f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}}})
        )]),
    );
    live["metadata"]["annotations"] = json!({"kubectl.kubernetes.io/last-applied-configuration":
        "{\"kind\":\"ConfigMap\",\"metadata\":{\"labels\":{\"app\":\"a\",\"tier\":\"backend\"},\"name\":\"c\"}}"});
    let diffs = diff("ConfigMap", desired, live);
    assert_eq!(paths(&diffs), ["/metadata/labels/tier"]);
    assert_eq!(diffs[0].provenance, Provenance::Managed);
    assert_eq!(diffs[0].owner.as_ref().map(|o| o.class), Some(ManagerClass::Gitops));
}

#[test]
fn a_gitops_owned_field_missing_from_its_applied_configuration_was_injected() {
    let desired = json!({"kind": "ConfigMap", "metadata": {"name": "c"}});
    let mut live = managed(
        json!({"kind": "ConfigMap", "metadata": {"name": "c", "annotations": {"policy.example.com/tier": "baseline"}}}),
        json!([entry(
            "argocd-controller",
            json!({"f:metadata": {"f:annotations": {".": {}, "f:policy.example.com/tier": {},
                "f:kubectl.kubernetes.io/last-applied-configuration": {}}}})
        )]),
    );
    live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] =
        json!("{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}");
    let diffs = diff("ConfigMap", desired, live);
    assert_eq!(paths(&diffs), ["/metadata/annotations/policy.example.com~1tier"]);
    assert_eq!(diffs[0].provenance, Provenance::InjectedAtAdmission);
}

#[test]
fn a_last_applied_written_by_another_manager_proves_nothing_about_a_server_side_apply() {
    // Moved from `kubectl apply` to Argo CD's server-side apply: the stale annotation is
    // kubectl-client-side-apply's, the field is argocd-controller's through Apply.
    let desired = json!({"kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 443}]}});
    let mut live = managed(
        json!({"kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "NodePort", "ports": [{"port": 443}]}}),
        json!([
            entry("kubectl-client-side-apply",
                json!({"f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}}})),
            {"manager": "argocd-controller", "operation": "Apply", "time": "2026-05-01T00:00:00Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:type": {}}}}
        ]),
    );
    live["metadata"]["annotations"] = json!({"kubectl.kubernetes.io/last-applied-configuration":
        "{\"kind\":\"Service\",\"spec\":{\"ports\":[{\"port\":443}]}}"});
    let diffs = diff("Service", desired, live);
    assert_eq!(paths(&diffs), ["/spec/type"]);
    assert_eq!(diffs[0].provenance, Provenance::ForeignLastApplied);
    assert_eq!(diffs[0].last_applied_by.as_deref(), Some("kubectl-client-side-apply"));
    assert_eq!(diffs[0].owner.as_ref().map(|o| o.manager.as_str()), Some("argocd-controller"));
}

#[test]
fn name_and_namespace_are_identity_never_drift() {
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
    let live = managed(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "prod",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"1\"},\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"namespace\":\"prod\"}}"}},
            "data": {"a": "1"}}),
        json!([entry(
            "argocd-controller",
            json!({"f:data": {"f:a": {}},
            "f:metadata": {"f:annotations": {"f:kubectl.kubernetes.io/last-applied-configuration": {}}}})
        )]),
    );
    assert!(diff("ConfigMap", desired, live).is_empty());
}

#[test]
fn controller_owned_and_unowned_live_fields_are_not_drift() {
    let desired = json!({"kind": "ConfigMap", "metadata": {"name": "c"}});
    let live = managed(
        json!({"kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["example.com/protect"],
            "annotations": {"example.com/defaulted": "x"}}}),
        json!([entry(
            "kube-controller-manager",
            json!({"f:metadata": {"f:finalizers": {"v:\"example.com/protect\"": {}}}})
        )]),
    );
    assert!(diff("ConfigMap", desired, live).is_empty());
}

#[test]
fn without_managed_fields_only_last_applied_proves_a_removal() {
    let desired = json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
    let live = json!({"kind": "ConfigMap", "metadata": {"name": "c", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}"}},
        "data": {"a": "1", "b": "2", "c": "3"}});
    let diffs = diff("ConfigMap", desired, live);
    assert_eq!(paths(&diffs), ["/data/b"], "b was applied from Git before; c cannot be attributed");
    assert_eq!(diffs[0].provenance, Provenance::LastApplied);
}

#[test]
fn kubectl_scale_is_a_person_on_the_scale_subresource() {
    let desired = json!({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 3}});
    let live = managed(
        json!({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 8}}),
        json!([{"manager": "kubectl", "operation": "Update", "subresource": "scale", "time": "2026-06-01T00:00:00Z",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]),
    );
    let diffs = diff("Deployment", desired, live);
    let Some(owner) = diffs[0].owner.as_ref() else { panic!("not attributed: {diffs:?}") };
    assert_eq!(
        (owner.manager.as_str(), owner.class, owner.subresource.as_deref()),
        ("kubectl", ManagerClass::Human, Some("scale"))
    );
}

#[test]
fn server_defaults_owned_by_a_client_side_apply_are_not_drift() {
    let desired = deployment(json!([{"name": "app", "image": "a:1"}]));
    let live = managed(
        deployment(json!([{"name": "app", "image": "a:1", "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log"}])),
        json!([entry(
            "argocd-controller",
            json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {
            ".": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {}, "f:terminationMessagePath": {}}}}}}})
        )]),
    );
    assert!(diff("Deployment", desired, live).is_empty());
}

#[test]
fn the_configured_instance_label_is_tracking_metadata() {
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a",
        "labels": {"argocd.argoproj.io/instance": "checkout-api"},
        "managedFields": [{"manager": "argocd-controller", "operation": "Update",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:argocd.argoproj.io/instance": {}}}}}]}});
    assert_eq!(diff_with("ConfigMap", desired, live, true), vec![]);
}

#[test]
fn controller_stamped_annotations_and_allocated_ips_are_never_drift() {
    let desired = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}});
    let live = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a",
        "annotations": {"deployment.kubernetes.io/revision": "7"},
        "managedFields": [{"manager": "kubectl-edit", "operation": "Update", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}}}}]}});
    assert_eq!(diff_with("Deployment", desired, live, true), vec![]);

    let service = |spec: Value| {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s",
            "managedFields": [{"manager": "kubectl-create", "operation": "Update", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:spec": {"f:clusterIP": {}, "f:clusterIPs": {}}}}]}, "spec": spec})
    };
    let desired = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {}});
    let allocated = service(json!({"clusterIP": "10.96.0.12", "clusterIPs": ["10.96.0.12"]}));
    assert_eq!(diff_with("Service", desired.clone(), allocated, true), vec![]);
    let headless = service(json!({"clusterIP": "None"}));
    let diffs = diff_with("Service", desired, headless, true);
    assert_eq!(
        diffs.iter().map(|d| d.pointer.as_str()).collect::<Vec<_>>(),
        ["/spec/clusterIP"],
        "a choice, not an allocation"
    );
}

#[test]
fn keyed_items_carry_their_desired_position_too() {
    // Live lists the injected sidecar first; Git has only the app container.
    let desired = deployment(json!([{"name": "app", "image": "app:v1"}]));
    let live = deployment(json!([{"name": "istio-proxy", "image": "proxy:1"}, {"name": "app", "image": "app:v2"}]));
    let diffs = diff_with("Deployment", desired, live, true);
    let Some(image) = diffs.iter().find(|d| d.display.ends_with("image")) else {
        panic!("image drift expected: {diffs:?}");
    };
    assert_eq!(image.pointer, "/spec/template/spec/containers/1/image");
    assert_eq!(image.desired_pointer, "/spec/template/spec/containers/0/image");
}

/// A long env list reordered and edited: items still match by name (through the key map),
/// and only the edited variable is reported, at its live position.
#[test]
fn long_keyed_lists_match_by_name_in_any_order() {
    let env = |values: &[(usize, &str)]| -> Value {
        values.iter().map(|(i, value)| json!({"name": format!("VAR_{i}"), "value": value})).collect()
    };
    let desired: Vec<(usize, &str)> = (0..60).map(|i| (i, "a")).collect();
    let live: Vec<(usize, &str)> = (0..60).rev().map(|i| (i, if i == 17 { "edited" } else { "a" })).collect();
    let container = |env: Value| json!([{"name": "app", "image": "x", "env": env}]);
    let diffs = diff("Deployment", deployment(container(env(&desired))), deployment(container(env(&live))));
    let shown: Vec<&str> = diffs.iter().map(|d| d.display.as_str()).collect();
    assert_eq!(shown, ["spec.template.spec.containers[name=app].env[name=VAR_17].value"]);
    assert_eq!(diffs[0].pointer, "/spec/template/spec/containers/0/env/42/value", "live position");
}
