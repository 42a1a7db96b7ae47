//! Unit tests of orphan claims (`orphans.rs`): each tracking method that proves one, the copies
//! and children that prove nothing, and the findings they lead to.

use super::*;
use serde_json::json;

const APP: AppIdentity<'static> =
    AppIdentity { name: "checkout-api", instance_label: "app.kubernetes.io/instance", flux: None, argo: None };

fn service(metadata: Value) -> (ResourceKey, Value) {
    let key =
        ResourceKey { group: String::new(), kind: "Service".into(), namespace: "prod".into(), name: "old".into() };
    let mut metadata = metadata;
    metadata["name"] = json!("old");
    metadata["namespace"] = json!("prod");
    (
        key,
        json!({"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": {"selector": {"app": "checkout-api"}}}),
    )
}

fn finding_for(metadata: Value, app: &AppIdentity<'_>, selectable: &Selectable) -> Option<Finding> {
    let (key, live) = service(metadata);
    let object = unclaimed(&key, &live, "live.yaml#3".into(), app.instance_label, &ManagerTable::default())?;
    orphan_finding(&object, app, selectable)
}

#[test]
fn each_tracking_method_proves_an_orphan() {
    for (metadata, proof) in [
        (
            json!({"annotations": {TRACKING_ID: "checkout-api:/Service:prod/old"}}),
            "annotation argocd.argoproj.io/tracking-id",
        ),
        (
            json!({"annotations": {TRACKING_ID: "argocd_checkout-api:/Service:prod/old"}}),
            "tracking-id=argocd_checkout-api",
        ),
        (
            json!({"labels": {"app.kubernetes.io/instance": "checkout-api"}}),
            "label app.kubernetes.io/instance=checkout-api",
        ),
        (
            json!({"labels": {FLUX_NAME: "checkout-api", FLUX_NAMESPACE: "flux-system"}}),
            "kustomize.toolkit.fluxcd.io/namespace=flux-system",
        ),
    ] {
        let finding = finding_for(metadata, &APP, &Selectable::default()).expect(proof);
        assert_eq!((finding.category, finding.response), (Category::Orphan, Response::Prune));
        assert!(finding.reason.contains(proof), "{proof}: {}", finding.reason);
    }
}

#[test]
fn a_copied_tracking_id_naming_another_object_proves_nothing() {
    let copied = json!({"annotations": {TRACKING_ID: "checkout-api:/Service:prod/checkout-api"}});
    assert!(finding_for(copied, &APP, &Selectable::default()).is_none());
    let other_app = json!({"annotations": {TRACKING_ID: "payments:/Service:prod/old"}});
    assert!(finding_for(other_app, &APP, &Selectable::default()).is_none());
}

#[test]
fn the_flux_inventory_proves_an_orphan_and_a_foreign_namespace_label_does_not() {
    let kustomization = json!({"status": {"inventory": {"entries": [
        {"id": "prod_old__Service", "v": "v1"}, {"id": "prod_checkout-api_apps_Deployment", "v": "v1"}]}}});
    let flux = FluxApp::from_kustomization(&kustomization, "flux-system", "live.yaml#9".into());
    let app = AppIdentity { flux: Some(&flux), ..APP };
    let finding = finding_for(json!({}), &app, &Selectable::default()).expect("in the inventory");
    assert!(finding.reason.contains("status.inventory as prod_old__Service"), "{}", finding.reason);
    let elsewhere = json!({"labels": {FLUX_NAME: "checkout-api", FLUX_NAMESPACE: "team-b"}});
    let app_without_inventory =
        AppIdentity { flux: Some(&FluxApp { namespace: "flux-system".into(), ..FluxApp::default() }), ..APP };
    assert!(finding_for(elsewhere, &app_without_inventory, &Selectable::default()).is_none());
}

#[test]
fn the_argo_cd_application_status_resources_prove_an_orphan() {
    let application = json!({"status": {"resources": [
        {"version": "v1", "kind": "Service", "namespace": "prod", "name": "old", "requiresPruning": true},
        {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "prod", "name": "checkout-api"}]}});
    let argo = ArgoApp::from_application(&application, "live.yaml#4 (Application argocd/checkout-api)".into());
    let app = AppIdentity { argo: Some(&argo), ..APP };
    let finding = finding_for(json!({}), &app, &Selectable::default()).expect("listed by Argo CD");
    assert!(finding.reason.contains("listed in the Argo CD Application's status.resources"), "{}", finding.reason);
    assert!(finding_for(json!({}), &APP, &Selectable::default()).is_none(), "unlisted and untracked");
}

#[test]
fn children_and_untracked_objects_are_never_claimed() {
    let (key, mut live) = service(json!({"labels": {"app.kubernetes.io/instance": "checkout-api"}}));
    live["metadata"]["ownerReferences"] = json!([{"kind": "Deployment", "name": "checkout-api"}]);
    assert!(unclaimed(&key, &live, String::new(), "app.kubernetes.io/instance", &ManagerTable::default()).is_none());
    let gitops_written = json!({"managedFields": [{"manager": "argocd-controller"}]});
    assert!(finding_for(gitops_written, &APP, &Selectable::default()).is_none());
}

#[test]
fn prune_disabled_and_ignore_extraneous_escalate() {
    let tracked = |annotations: Value| json!({"labels": {"app.kubernetes.io/instance": "checkout-api"}, "annotations": annotations});
    let argo =
        finding_for(tracked(json!({SYNC_OPTIONS: "ServerSideApply=true,Prune=false"})), &APP, &Selectable::default())
            .unwrap();
    assert_eq!(argo.response, Response::Escalate);
    assert!(argo.reason.contains("Prune=false"));
    let flux = finding_for(tracked(json!({FLUX_PRUNE: "disabled"})), &APP, &Selectable::default()).unwrap();
    assert_eq!(flux.response, Response::Escalate);
    let extraneous =
        finding_for(tracked(json!({COMPARE_OPTIONS: "IgnoreExtraneous"})), &APP, &Selectable::default()).unwrap();
    assert_eq!(extraneous.response, Response::Escalate);
    assert_eq!(extraneous.ignored_by.map(|b| b.method), Some(IgnoreMethod::CompareOption));
}

#[test]
fn a_service_still_selecting_pods_says_so() {
    let mut selectable = Selectable::default();
    let deployment = ResourceKey {
        group: "apps".into(),
        kind: "Deployment".into(),
        namespace: "prod".into(),
        name: "checkout-api".into(),
    };
    selectable.observe(
        &deployment,
        &json!({"spec": {"template": {"metadata": {"labels": {"app": "checkout-api", "tier": "web"}}}}}),
    );
    let finding =
        finding_for(json!({"labels": {"app.kubernetes.io/instance": "checkout-api"}}), &APP, &selectable).unwrap();
    assert!(finding.reason.contains("still selects Deployment checkout-api"), "{}", finding.reason);
    assert_eq!((finding.severity, finding.review_required), (Severity::High, true));
}

/// Services are checked against an index of pod labels: the pods and templates a leftover
/// Service selects are named in the order seen, from its namespace only.
#[test]
fn a_leftover_service_names_what_it_still_selects_among_many_pods() {
    let mut selectable = Selectable::default();
    for i in 0..200 {
        let namespace = if i == 50 { "staging" } else { "prod" };
        let app = if i % 50 == 0 { "checkout-api" } else { "other" };
        let key = ResourceKey {
            group: String::new(),
            kind: "Pod".into(),
            namespace: namespace.into(),
            name: format!("web-{i}"),
        };
        selectable.observe(&key, &json!({"metadata": {"labels": {"app": app, "tier": "web"}}}));
    }
    let finding = finding_for(json!({"labels": {"app.kubernetes.io/instance": "checkout-api"}}), &APP, &selectable)
        .expect("tracked by label");
    assert!(finding.reason.contains("it still selects Pod web-0, Pod web-100, Pod web-150,"), "{}", finding.reason);
    assert!(!finding.reason.contains("web-50"), "web-50 runs in staging: {}", finding.reason);
    assert_eq!(finding.severity, Severity::High);
}
