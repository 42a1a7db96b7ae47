//! Unit tests of the app-wide context (`app_context.rs`): settings and definitions are trusted
//! only where the controller itself reads them.

use super::*;
use serde_json::json;

fn argocd_cm(namespace: &str) -> (ResourceKey, Value) {
    let object = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm", "namespace": namespace},
        "data": {"resource.customizations.ignoreDifferences.apps_Deployment": "jsonPointers:\n- /spec\n"}});
    (identity::key_of(&object, "default"), object)
}

#[test]
fn argocd_cm_is_trusted_only_in_argo_cds_namespace() {
    let mut context = AppContext::new("checkout-api", "argocd");
    let (rogue_key, rogue) = argocd_cm("prod");
    let (real_key, real) = argocd_cm("argocd");
    context.observe(&rogue_key, &rogue, "live/rogue.yaml#1");
    context.observe(&real_key, &real, "live/argocd.yaml#1");
    let settled = context.settle().unwrap();
    assert_eq!(settled.rules.len(), 1, "only Argo CD's own argocd-cm");
    assert!(settled.rules[0].source.contains("ConfigMap argocd/argocd-cm"), "{}", settled.rules[0].source);
    assert!(context.notes[0].contains("argocd-cm in namespace 'prod' ignored"), "{:?}", context.notes);
}

fn definition(kind: &str, namespace: &str, rules: Value) -> (ResourceKey, Value) {
    let api_version = match kind {
        "Application" => "argoproj.io/v1alpha1",
        _ => "kustomize.toolkit.fluxcd.io/v1",
    };
    let object = json!({"apiVersion": api_version, "kind": kind,
        "metadata": {"name": "checkout-api", "namespace": namespace}, "spec": rules});
    (identity::key_of(&object, "default"), object)
}

#[test]
fn an_argocd_cm_beside_an_application_elsewhere_is_not_trusted_but_explained() {
    // Argo CD's apps in any namespace: a tenant's Application in `prod` must not make a
    // ConfigMap the tenant planted there Argo CD's settings.
    let mut context = AppContext::new("checkout-api", "argocd");
    let (app_key, application) = definition("Application", "prod", json!({}));
    let (key, cm) = argocd_cm("prod");
    let tracked =
        json!({"metadata": {"annotations": {TRACKING_ID: "prod_checkout-api:apps/Deployment:prod/checkout-api"}}});
    context.observe(&key, &cm, "live/cm.yaml#1");
    context.observe(&app_key, &application, "live/app.yaml#1");
    context.tracked_in.note(&tracked, "checkout-api", "argocd");
    assert!(context.settle().unwrap().rules.is_empty());
    assert_eq!(context.application_namespace.as_deref(), Some("prod"), "the tracked Application is adopted");
    assert!(context.notes.iter().any(|n| n.ends_with("set argocd_namespace in the config")), "{:?}", context.notes);
    let mut configured = AppContext::new("checkout-api", "prod");
    configured.observe(&key, &cm, "live/cm.yaml#1");
    assert_eq!(configured.settle().unwrap().rules.len(), 1, "configured: trusted");
}

#[test]
fn a_definition_named_like_the_app_elsewhere_cannot_hide_drift() {
    let hide = json!({"ignoreDifferences": [{"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec"]}]});
    let flux_hide = json!({"ignore": [{"paths": ["/spec"]}]});
    // The app's objects are tracked to Argo CD's own Application and Flux's flux-system one.
    let labels = json!({"metadata": {"labels": {FLUX_NAME: "checkout-api", FLUX_NAMESPACE: "flux-system"}}});
    for (kind, rules) in [("Application", hide), ("Kustomization", flux_hide)] {
        let mut context = AppContext::new("checkout-api", "argocd");
        let (rogue_key, rogue) = definition(kind, "prod", rules);
        context.observe(&rogue_key, &rogue, "live/rogue.yaml#1");
        context.tracked_in.note(&labels, "checkout-api", "argocd");
        if kind == "Application" {
            let ours =
                json!({"metadata": {"annotations": {TRACKING_ID: "checkout-api:apps/Deployment:prod/checkout-api"}}});
            context.tracked_in.note(&ours, "checkout-api", "argocd");
        }
        assert!(context.settle().unwrap().rules.is_empty(), "{kind}: the rogue definition's rules are not read");
        assert!(
            context.notes[0].contains("ignored: its controller does not use it for this app"),
            "{:?}",
            context.notes
        );
    }
    // With nothing tracked, the only Kustomization named like the app is the app's.
    let mut context = AppContext::new("checkout-api", "argocd");
    let (key, kustomization) = definition("Kustomization", "flux-system", json!({"ignore": [{"paths": ["/spec"]}]}));
    context.observe(&key, &kustomization, "live/ks.yaml#1");
    assert_eq!(context.settle().unwrap().rules.len(), 1);
}
