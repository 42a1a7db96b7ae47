//! Ignore rules through the CLI (issue 3): `--ignore FILE` shows exactly which differences
//! each rule hid in every output format, `--hide-ignored` leaves them out on request, ignored
//! findings never fail a scan, and every bad rule file or config is one clear error line.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{assert_one_line_error, fixture, kdrift, run, scan_fixture, scan_tree, tree};

fn sample_rules(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/checkout-api/rules").join(name)
}

fn scan_sample(args: &[&str], rules: &[PathBuf]) -> support::Run {
    let mut command = kdrift();
    command.args(["scan", "--sample", "checkout-api"]).args(args);
    for file in rules {
        command.arg("--ignore").arg(file);
    }
    run(&mut command)
}

#[test]
fn text_output_names_the_rule_that_hid_each_difference() {
    let result = scan_sample(&[], &[sample_rules("argocd-application.yaml")]);
    assert_eq!(result.code, 1, "the memory hotfix and the orphan still need action: {}", result.stderr);
    let out = &result.stdout;
    assert!(out.contains("spec.ignoreDifferences[0] jsonPointers /spec/replicas)"), "{out}");
    assert!(out.contains("spec.ignoreDifferences[1] jqPathExpressions .metadata.annotations"), "{out}");
    assert!(out.contains("2 finding(s), 2 need action, 2 ignored"), "{out}");
    assert!(!out.contains("hides harmful drift"), "these rules hide only delegated fields: {out}");
}

#[test]
fn a_broad_rule_is_shown_hiding_harmful_drift() {
    let result = scan_sample(&[], &[sample_rules("too-broad.yaml")]);
    let out = &result.stdout;
    let memory = out.find("resources.limits.memory").expect("memory finding stays in the report");
    let rest = &out[memory..];
    assert!(rest.contains("(ignored by"), "{out}");
    assert!(rest.contains("too-broad.yaml [0] jsonPointers /spec)"), "{out}");
    assert!(rest.contains("this rule hides harmful drift"), "{out}");
}

#[test]
fn json_and_markdown_carry_the_rule() {
    let result = scan_sample(&["-o", "json"], &[sample_rules("argocd-application.yaml")]);
    let json: Value = serde_json::from_str(&result.stdout).expect("json");
    let deployment = json["apps"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "Deployment")
        .expect("deployment")
        .clone();
    let replicas = deployment["findings"].as_array().unwrap().iter().find(|f| f["path"] == "/spec/replicas").unwrap();
    let by = &replicas["ignored_by"];
    assert!(by["source"].as_str().unwrap().ends_with("argocd-application.yaml"), "{by}");
    assert_eq!(by["rule"], "spec.ignoreDifferences[0]");
    assert_eq!(by["method"], "json-pointer");
    assert_eq!(by["expression"], "/spec/replicas");
    let memory =
        deployment["findings"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with("memory"));
    assert_eq!(memory.unwrap()["ignored_by"], Value::Null);
    assert_eq!(json["summary"]["ignored"], 2);

    let markdown = scan_sample(&["-o", "markdown"], &[sample_rules("argocd-application.yaml")]).stdout;
    assert!(markdown.contains("(ignored by "), "{markdown}");
    assert!(markdown.contains("spec.ignoreDifferences[0] jsonPointers /spec/replicas"), "{markdown}");
}

#[test]
fn hide_ignored_leaves_them_out_but_still_counts_them() {
    let result = scan_sample(&["--hide-ignored"], &[sample_rules("argocd-application.yaml")]);
    let out = &result.stdout;
    assert!(!out.contains("spec.replicas") && !out.contains("ignored by"), "{out}");
    assert!(out.contains("resources.limits.memory"), "{out}");
    assert!(out.contains("Summary: 1 app(s), 1 out of sync; 2 finding(s), 2 need action, 2 ignored"), "{out}");
    let json = scan_sample(&["--hide-ignored", "-o", "json"], &[sample_rules("argocd-application.yaml")]).stdout;
    assert!(!json.contains("\"ignored_by\": {"), "{json}");
}

#[test]
fn ignored_findings_never_fail_the_scan() {
    let dir = fixture("ignore-rules-flux-file");
    let without = run(&mut scan_fixture("ignore-rules-flux-file"));
    assert_eq!(without.code, 1, "Git's label is drift without the rule: {}", without.stdout);
    let with = run(scan_fixture("ignore-rules-flux-file").arg("--ignore").arg(dir.join("helmrelease.yaml")));
    assert_eq!(with.code, 0, "everything harmful is ignored: {}", with.stdout);
    assert!(with.stdout.contains("spec.driftDetection.ignore[0] paths /metadata/labels/team"), "{}", with.stdout);
}

#[test]
fn the_live_application_brings_its_own_rules_and_reports_a_failing_one() {
    let result = run(&mut scan_fixture("ignore-rules"));
    let out = &result.stdout;
    assert!(out.contains("(Application argocd/checkout-api) spec.ignoreDifferences[0] jsonPointers"), "{out}");
    assert!(out.contains("note: ignore rule"), "{out}");
    assert!(out.contains("spec.ignoreDifferences[3] skipped for this object: jq error"), "{out}");
}

const DEPLOYMENT: &str =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  replicas: 2\n";

#[test]
fn bad_rule_files_are_one_clear_line() {
    let dir = tree(&[
        ("desired/web.yaml", DEPLOYMENT),
        ("live/web.yaml", DEPLOYMENT),
        ("bad-jq.yaml", "- kind: Deployment\n  jqPathExpressions: ['.spec | select(']\n"),
        ("typo.yaml", "- kind: Deployment\n  jsonPointer: [/spec/replicas]\n"),
        ("not-rules.yaml", DEPLOYMENT),
        ("broken.yaml", "- kind: Deployment\n  jsonPointers: [/spec\n"),
        (
            "app.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n  ignoreDifferences:\n  - group: apps\n    kind: Deployment\n    jsonPointers: [spec/replicas]\n",
        ),
    ]);
    let scan_with = |rules: &str| run(scan_tree(dir.path()).arg("--ignore").arg(dir.path().join(rules)));
    assert_one_line_error(&scan_with("bad-jq.yaml"), &["bad-jq.yaml: [0].jqPathExpressions[0]: invalid jq"]);
    assert_one_line_error(&scan_with("typo.yaml"), &["typo.yaml: [0].jsonPointer: unknown key"]);
    assert_one_line_error(
        &scan_with("not-rules.yaml"),
        &["not-rules.yaml: not an ignore rule source (Deployment)", "Argo CD Application"],
    );
    assert_one_line_error(&scan_with("broken.yaml"), &["broken.yaml:", "invalid YAML"]);
    assert_one_line_error(
        &scan_with("app.yaml"),
        &["app.yaml: spec.ignoreDifferences[0].jsonPointers[0]: 'spec/replicas' is not a JSON pointer"],
    );
    assert_one_line_error(&scan_with("absent.yaml"), &["absent.yaml' does not exist"]);
}

#[test]
fn a_bad_rule_in_the_live_app_definition_names_the_object() {
    let application = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web, namespace: argocd}\nspec:\n  ignoreDifferences:\n  - kind: Deployment\n    jqPathExpressions: ['.spec | ']\n";
    let dir = tree(&[("desired/web.yaml", DEPLOYMENT), ("live/web.yaml", DEPLOYMENT), ("live/app.yaml", application)]);
    let result = run(scan_tree(dir.path()).args(["--app", "web"]));
    assert_one_line_error(
        &result,
        &["app.yaml#1 (Application argocd/web): spec.ignoreDifferences[0].jqPathExpressions[0]: invalid jq"],
    );
}

#[test]
fn a_file_without_rules_is_a_warning_not_an_error() {
    let kustomization = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: web}\nspec:\n  ignore: |\n    /docs\n";
    let dir = tree(&[("desired/web.yaml", DEPLOYMENT), ("live/web.yaml", DEPLOYMENT), ("flux.yaml", kustomization)]);
    let result = run(scan_tree(dir.path()).arg("--ignore").arg(dir.path().join("flux.yaml")));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(result.stderr.contains("kdrift: warning:") && result.stderr.contains(".sourceignore"), "{}", result.stderr);
    assert!(result.stderr.contains("holds no ignore rules"), "{}", result.stderr);
}

#[test]
fn config_errors_name_the_key_and_config_rules_apply() {
    let dir = tree(&[
        ("desired/web.yaml", DEPLOYMENT),
        ("live/web.yaml", &DEPLOYMENT.replace("replicas: 2", "replicas: 5")),
        ("bad.toml", "mask_annotations = []\nignore_files = [\"x.yaml\"]\n"),
        ("good.toml", "ignore = [\"rules/replicas.yaml\"]\n"),
        ("rules/replicas.yaml", "- group: apps\n  kind: Deployment\n  jsonPointers: [/spec/replicas]\n"),
    ]);
    let scan_with = |config: &str| run(scan_tree(dir.path()).arg("--config").arg(dir.path().join(config)));
    assert_one_line_error(&scan_with("bad.toml"), &["bad.toml", "unknown field `ignore_files`", "line 2"]);
    assert_one_line_error(&scan_with("absent.toml"), &["config", "absent.toml' does not exist"]);
    let result = scan_with("good.toml");
    assert_eq!(result.code, 0, "the config's rule file (relative to the config) hides replicas: {}", result.stdout);
    assert!(result.stdout.contains("replicas.yaml [0] jsonPointers /spec/replicas"), "{}", result.stdout);
}

#[test]
fn diff_shows_ignored_lines_with_the_rule_instead_of_an_owner() {
    let result = run(kdrift()
        .args(["diff", "--sample", "checkout-api", "--resource", "Deployment/checkout-api", "--width", "200"])
        .arg("--ignore")
        .arg(sample_rules("argocd-application.yaml")));
    let out = &result.stdout;
    let replicas = out.lines().find(|l| l.contains("replicas: 9")).expect("live replicas line");
    assert!(replicas.ends_with("ignored: /spec/replicas"), "{replicas}");
    let memory = out.lines().find(|l| l.contains("memory: 2Gi")).expect("live memory line");
    assert!(memory.contains("human kubectl-edit"), "{memory}");
}

#[test]
fn the_default_config_file_is_read_from_the_config_directory() {
    let dir = tree(&[
        ("desired/web.yaml", DEPLOYMENT),
        ("live/web.yaml", &DEPLOYMENT.replace("replicas: 2", "replicas: 5")),
        ("xdg/kdrift/config.toml", "ignore = [\"replicas.yaml\"]\n"),
        ("xdg/kdrift/replicas.yaml", "- group: apps\n  kind: Deployment\n  jsonPointers: [/spec/replicas]\n"),
    ]);
    let result = run(scan_tree(dir.path()).env("XDG_CONFIG_HOME", dir.path().join("xdg")));
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    assert!(result.stdout.contains("kdrift/replicas.yaml [0] jsonPointers /spec/replicas"), "{}", result.stdout);
}
