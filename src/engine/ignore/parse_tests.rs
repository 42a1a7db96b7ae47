//! Unit tests of reading ignore rules (`parse.rs`) from every shape teams keep them in, and of the
//! errors that name the key at fault.

use super::*;

fn parse(yaml: &str) -> Result<Option<Parsed>, RuleError> {
    let document: Value = yaml_serde::from_str(yaml).unwrap();
    rules_in(&document, "rules.yaml")
}

fn rules(yaml: &str) -> Vec<IgnoreRule> {
    parse(yaml).unwrap().expect("a rule shape").rules
}

#[test]
fn reads_an_argo_cd_application() {
    let found = rules(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: checkout-api}\nspec:\n  ignoreDifferences:\n  - group: apps\n    kind: Deployment\n    name: checkout-api\n    jsonPointers: [/spec/replicas]\n  - group: '*'\n    kind: '*'\n    jqPathExpressions: [.status]\n    managedFieldsManagers: [vpa-updater]\n",
    );
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].rule, "spec.ignoreDifferences[0]");
    assert_eq!(found[0].pointers, vec!["/spec/replicas"]);
    assert!(
        matches!(&found[0].target, Target::Argo { group, name: Some(name), .. } if group == "apps" && name == "checkout-api")
    );
    assert_eq!(found[1].jq.len(), 1);
    assert_eq!(found[1].managers, vec!["vpa-updater"]);
}

#[test]
fn reads_argocd_cm_customizations() {
    let found = rules(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata:\n  url: https://argo.example.com\n  resource.customizations.ignoreDifferences.apps_Deployment: |\n    jsonPointers:\n    - /spec/replicas\n  resource.customizations.ignoreDifferences.Service: |\n    jqPathExpressions:\n    - .spec.clusterIP\n  resource.customizations.ignoreDifferences.all: |\n    managedFieldsManagers:\n    - kube-controller-manager\n",
    );
    let targets: Vec<(String, String)> = found
        .iter()
        .map(|r| match &r.target {
            Target::Argo { group, kind, .. } => (group.clone(), kind.clone()),
            Target::Flux(_) => unreachable!(),
        })
        .collect();
    assert_eq!(
        targets,
        vec![("apps".into(), "Deployment".into()), (String::new(), "Service".into()), ("*".into(), "*".into())]
    );
    assert_eq!(found[0].rule, "data[\"resource.customizations.ignoreDifferences.apps_Deployment\"]");
}

#[test]
fn reads_flux_kustomization_and_helmrelease_rules() {
    let kustomization = rules(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: checkout-api}\nspec:\n  ignore:\n  - paths: [/spec/replicas]\n    target: {kind: Deployment, labelSelector: app=checkout-api}\n",
    );
    assert_eq!(kustomization[0].rule, "spec.ignore[0]");
    assert_eq!(kustomization[0].pointer_method().label(), "paths");
    let helm = rules(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: checkout-api}\nspec:\n  driftDetection:\n    mode: enabled\n    ignore:\n    - paths: [/spec/replicas]\n",
    );
    assert_eq!(helm[0].rule, "spec.driftDetection.ignore[0]");
    let drafted = rules(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: checkout-api}\nspec:\n  driftIgnoreRules:\n  - paths: [/metadata/annotations]\n",
    );
    assert_eq!(drafted[0].rule, "spec.driftIgnoreRules[0]", "the name kustomize-controller's drafts used");
}

#[test]
fn reads_argocd_cm_compare_options() {
    let parsed = parse(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata:\n  resource.compareoptions: |\n    ignoreAggregatedRoles: true\n",
    )
    .unwrap()
    .unwrap();
    let options = parsed.compare_options.expect("read");
    assert!(options.ignore_aggregated_roles);
    assert_eq!(options.source, "rules.yaml");
    let error = parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm}\ndata:\n  resource.compareoptions: |\n    ignoreAggregatedRoles: maybe\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "rules.yaml: data[\"resource.compareoptions\"]: ignoreAggregatedRoles: must be true or false"
    );
}

#[test]
fn a_flux_source_ignore_string_is_noted_not_applied() {
    let parsed = parse(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: a}\nspec:\n  ignore: |\n    /docs\n",
    )
    .unwrap()
    .unwrap();
    assert!(parsed.rules.is_empty());
    assert!(parsed.notes[0].contains(".sourceignore"));
}

#[test]
fn reads_a_plain_list_of_rules() {
    let found = rules("- kind: ConfigMap\n  jsonPointers: [/data/generated]\n");
    assert_eq!(found[0].rule, "[0]");
}

#[test]
fn other_documents_are_not_rule_sources() {
    assert!(parse("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n").unwrap().is_none());
}

#[test]
fn errors_name_the_key_at_fault() {
    let error = |yaml: &str| parse(yaml).unwrap_err().to_string();
    assert_eq!(
        error("- kind: Deployment\n  jsonPointer: [/spec/replicas]\n"),
        "rules.yaml: [0].jsonPointer: unknown key (expected one of: group, kind, name, namespace, jsonPointers, jqPathExpressions, managedFieldsManagers)"
    );
    assert!(
        error("- kind: Deployment\n  jqPathExpressions: ['.spec | select(']\n")
            .starts_with("rules.yaml: [0].jqPathExpressions[0]: invalid jq")
    );
    assert!(
        error("- kind: Deployment\n  jsonPointers: [spec.replicas]\n")
            .starts_with("rules.yaml: [0].jsonPointers[0]: 'spec.replicas' is not a JSON pointer")
    );
    assert!(error("- jsonPointers: [/a]\n").contains("kind is required"));
    assert!(error("- kind: Deployment\n").contains("hides nothing"));
    let flux = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  driftDetection:\n    ignore:\n    - paths: [/a]\n      target: {kind: '('}\n";
    assert!(error(flux).starts_with("rules.yaml: spec.driftDetection.ignore[0].target.kind: invalid regex"));
}
