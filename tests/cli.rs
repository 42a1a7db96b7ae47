//! CLI contract tests (DESIGN §6 layer 3): outputs, exit codes (0 clean, 1 drift needing
//! action, 2 error) and one clear stderr line for every bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::Value;
use std::path::Path;
use support::{CONFIGMAP, NOW, Run, assert_one_line_error, fixture, kdrift, run, scan_fixture, tree};

#[test]
fn scan_of_the_worked_example_reports_memory_drift_and_exits_1() {
    let result = run(&mut scan_fixture("worked-example"));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let out = &result.stdout;
    assert!(out.contains("spec.template.spec.containers[name=app].resources.limits.memory"), "{out}");
    assert!(out.contains("Git 512Mi → live 2Gi · kubectl-edit (human, Update) 2026-04-26T08:10:00Z"), "{out}");
    assert!(out.contains("memory limit raised live by kubectl-edit 43 days ago; Git says 512Mi"), "{out}");
    assert!(out.contains("controller-managed spec.replicas"), "{out}");
    assert!(out.contains("2 finding(s), 1 need action"), "{out}");
}

#[test]
fn no_exit_code_turns_drift_into_exit_0() {
    let result = run(scan_fixture("worked-example").arg("--no-exit-code"));
    assert_eq!(result.code, 0);
}

#[test]
fn clean_scans_exit_0() {
    for name in ["server-defaults", "equal-quantities"] {
        let result = run(&mut scan_fixture(name));
        assert_eq!(result.code, 0, "{name}: {}", result.stdout);
        assert!(result.stdout.contains("Synced"), "{name}: {}", result.stdout);
    }
}

#[test]
fn controller_managed_drift_alone_does_not_fail_the_scan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fixture("worked-example");
    // The worked example without the hand edit: only the HPA's replicas differ.
    let live = std::fs::read_to_string(root.join("live/deployment.yaml")).expect("fixture");
    std::fs::create_dir_all(dir.path().join("live")).expect("mkdir");
    std::fs::write(dir.path().join("live/deployment.yaml"), live.replace("memory: 2Gi", "memory: 512Mi"))
        .expect("write");
    std::fs::copy(root.join("live/hpa.yaml"), dir.path().join("live/hpa.yaml")).expect("copy");
    let result = run(kdrift()
        .arg("scan")
        .arg("--desired")
        .arg(root.join("desired"))
        .arg("--live")
        .arg(dir.path().join("live"))
        .args(["-n", "prod", "--now", NOW]));
    assert_eq!(result.code, 0, "{}", result.stdout);
    assert!(result.stdout.contains("OutOfSync") && result.stdout.contains("0 need action"), "{}", result.stdout);
}

#[test]
fn json_output_follows_the_version_1_contract() {
    let result = run(scan_fixture("worked-example").args(["--output", "json"]));
    assert_eq!(result.code, 1);
    let report: Value = serde_json::from_str(&result.stdout).expect("valid JSON");
    assert_eq!(report["version"], 1);
    let app = &report["apps"][0];
    assert_eq!(app["name"], "checkout-api");
    assert_eq!(app["sync_status"], "OutOfSync");
    assert!(app["findings"].is_array());
    let deployment = app["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["kind"] == "Deployment"))
        .expect("deployment resource");
    for key in ["group", "version", "kind", "namespace", "name", "status", "findings"] {
        assert!(deployment.get(key).is_some(), "resource key {key}");
    }
    assert_eq!(deployment["group"], "apps");
    assert_eq!(deployment["version"], "v1");
    assert_eq!(deployment["status"], "modified");
    let memory = &deployment["findings"][0];
    let keys: Vec<&str> = memory.as_object().expect("finding object").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "path",
            "display_path",
            "desired",
            "live",
            "category",
            "severity",
            "response",
            "review_required",
            "owner",
            "ignored_by",
            "reason",
            // An extension of v1: what decided which differences the API server makes itself.
            "oracle"
        ]
    );
    assert_eq!(memory["oracle"], "defaults-table", "a snapshot has no API server to ask");
    assert_eq!(memory["path"], "/spec/template/spec/containers/0/resources/limits/memory");
    assert_eq!(memory["desired"], "512Mi");
    assert_eq!(memory["live"], "2Gi");
    assert_eq!(memory["category"], "desired-config");
    assert_eq!(memory["severity"], "high");
    assert_eq!(memory["response"], "backport");
    assert_eq!(memory["review_required"], true);
    assert_eq!(
        memory["owner"],
        serde_json::json!({"manager": "kubectl-edit", "class": "human", "operation": "Update",
            "subresource": null, "time": "2026-04-26T08:10:00Z"})
    );
    assert_eq!(memory["ignored_by"], Value::Null);
    let replicas = &deployment["findings"][1];
    assert_eq!(replicas["category"], "controller-managed");
    assert_eq!(replicas["owner"]["subresource"], "scale");
    assert_eq!(report["summary"]["apps"], 1);
    assert_eq!(report["summary"]["out_of_sync"], 1);
    assert_eq!(report["summary"]["findings"], 2);
}

#[test]
fn markdown_output_is_a_table() {
    let result = run(scan_fixture("worked-example").args(["-o", "markdown"]));
    assert_eq!(result.code, 1);
    assert!(result.stdout.contains("| Severity | Resource | Field |"), "{}", result.stdout);
    assert!(result.stdout.contains("| high | Deployment prod/checkout-api | `spec.template.spec.containers[name=app].resources.limits.memory` | 512Mi | 2Gi |"), "{}", result.stdout);
}

#[test]
fn diff_puts_desired_and_live_side_by_side_with_owners_in_the_gutter() {
    let dir = fixture("worked-example");
    let mut command = kdrift();
    command
        .arg("diff")
        .arg("--desired")
        .arg(dir.join("desired"))
        .arg("--live")
        .arg(dir.join("live"))
        .args(["-n", "prod", "--now", NOW, "--width", "140"]);
    let result = run(&mut command);
    assert_eq!(result.code, 0, "diff exits 0 unless --exit-code: {}", result.stderr);
    let memory_line = result.stdout.lines().find(|l| l.contains("memory: 512Mi")).expect("desired memory line");
    assert!(memory_line.contains("memory: 2Gi"), "same row holds the live value: {memory_line}");
    assert!(memory_line.trim_end().ends_with("human kubectl-edit 43d"), "{memory_line}");
    let replicas_line = result.stdout.lines().find(|l| l.contains("replicas: 3")).expect("replicas row");
    assert!(
        replicas_line.contains("replicas: 9") && replicas_line.contains("ctrl kube-controller-manager"),
        "{replicas_line}"
    );
    assert!(!result.stdout.contains("\x1b["), "no colour when not a terminal");
    assert!(!result.stdout.contains("resourceVersion") && !result.stdout.contains("managedFields"));
    let exit = run(command.arg("--exit-code"));
    assert_eq!(exit.code, 1);
}

#[test]
fn diff_marks_equal_values_in_other_spellings_as_equal() {
    let result = run(kdrift().args(["diff", "--sample", "checkout-api", "--width", "140"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let cpu_line = result.stdout.lines().find(|l| l.contains("cpu: 1000m")).expect("cpu row");
    assert!(cpu_line.contains("cpu: '1'") && cpu_line.contains("equal by value"), "{cpu_line}");
    assert!(cpu_line.contains('≈'), "{cpu_line}");
    let orphan = result.stdout.lines().find(|l| l.contains("checkout-api-legacy")).expect("orphan line");
    assert!(orphan.contains("orphan"), "{orphan}");
}

#[test]
fn colour_marks_owners_by_class_when_asked() {
    let result = run(kdrift().args(["diff", "--sample", "checkout-api", "--width", "140", "--color", "always"]));
    let memory = result.stdout.lines().find(|l| l.contains("memory: 2Gi")).expect("memory row");
    // The theme's human colour (bright red, SGR 91) on the gutter; the changed row in yellow.
    assert!(memory.contains("\x1b[91mhuman kubectl-edit 43d\x1b[0m"), "{memory:?}");
    assert!(memory.starts_with("\x1b[33m"), "{memory:?}");
    let replicas = result.stdout.lines().find(|l| l.contains("replicas: 9")).expect("replicas row");
    assert!(replicas.contains("\x1b[36mctrl kube-controller-manager"), "controller colour: {replicas:?}");
    let plain = run(kdrift().args(["diff", "--sample", "checkout-api", "--color", "never"]));
    assert!(!plain.stdout.contains('\x1b'));
}

#[test]
fn diff_of_an_unknown_resource_is_an_error() {
    let dir = fixture("worked-example");
    let result = run(kdrift()
        .arg("diff")
        .arg("--desired")
        .arg(dir.join("desired"))
        .arg("--live")
        .arg(dir.join("live"))
        .args(["-n", "prod", "--resource", "Deployment/nope"]));
    assert_one_line_error(&result, &["no resource matches --resource 'Deployment/nope'"]);
    let bad = run(kdrift().args(["diff", "--sample", "checkout-api", "--resource", "just-a-name"]));
    assert_one_line_error(&bad, &["--resource 'just-a-name' must be KIND/NAME"]);
}

#[test]
fn resources_are_named_as_kubectl_names_them() {
    let diff = |resource: &str| run(kdrift().args(["diff", "--sample", "checkout-api", "--resource", resource]));
    let full = diff("Deployment/checkout-api");
    assert_eq!(full.code, 0, "{}", full.stderr);
    assert!(full.stdout.contains("memory: 2Gi"), "{}", full.stdout);
    for short in ["deploy/checkout-api", "deployments/prod/checkout-api", "deployments.apps/checkout-api"] {
        let same = diff(short);
        assert_eq!((same.code, &same.stdout), (full.code, &full.stdout), "{short}: {}", same.stderr);
    }
    let service = diff("svc/checkout-api-legacy");
    assert!(service.stdout.contains("Service prod/checkout-api-legacy"), "{}", service.stdout);
    let wrong_group = diff("deployments.batch/checkout-api");
    assert_one_line_error(&wrong_group, &["no resource matches --resource 'deployments.batch/checkout-api'"]);
}

#[test]
fn demo_scans_the_embedded_sample() {
    let result = run(kdrift().arg("demo"));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(result.stdout.contains("memory limit raised live by kubectl-edit 43 days ago"), "{}", result.stdout);
    assert!(result.stdout.contains("Service prod/checkout-api-legacy  orphan"), "{}", result.stdout);
    assert!(result.stdout.contains("sample checkout-api"));
}

fn scan_dirs(desired: &Path, live: &Path) -> Run {
    run(kdrift().arg("scan").arg("--desired").arg(desired).arg("--live").arg(live))
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let dir = tree(&[
        ("desired/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n"),
        ("live/cm.yaml", CONFIGMAP),
    ]);
    let result = scan_dirs(&dir.path().join("desired"), &dir.path().join("live"));
    assert_one_line_error(&result, &["bad.yaml:5:1: invalid YAML"]);
}

#[test]
fn objects_without_identity_name_the_file_and_document() {
    let cases = [
        ("kind: ConfigMap\nmetadata: {name: a}\n", "document 1: object has no 'apiVersion'"),
        ("apiVersion: v1\nmetadata: {name: a}\n", "document 1: object has no 'kind'"),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: x}\n",
            "document 2: object has no 'metadata.name'",
        ),
        (
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  metadata: {name: a}\n",
            "document 1, item 1: object has no 'kind'",
        ),
    ];
    for (content, message) in cases {
        let dir = tree(&[("desired/objects.yaml", content), ("live/cm.yaml", CONFIGMAP)]);
        let result = scan_dirs(&dir.path().join("desired"), &dir.path().join("live"));
        assert_one_line_error(&result, &["objects.yaml", message]);
    }
}

#[test]
fn the_same_identity_twice_in_desired_names_both_places() {
    let dir = tree(&[("desired/a.yaml", CONFIGMAP), ("desired/sub/b.yml", CONFIGMAP), ("live/cm.yaml", CONFIGMAP)]);
    let result = scan_dirs(&dir.path().join("desired"), &dir.path().join("live"));
    assert_one_line_error(
        &result,
        &["ConfigMap prod/settings is defined twice in desired state", "a.yaml#1", "b.yml#1"],
    );
}

#[test]
fn missing_and_empty_paths_are_clear_errors() {
    let dir = tree(&[("live/cm.yaml", CONFIGMAP), ("empty/README.md", "nothing here")]);
    let missing = scan_dirs(&dir.path().join("nope"), &dir.path().join("live"));
    assert_one_line_error(&missing, &["nope' does not exist"]);
    let empty = scan_dirs(&dir.path().join("empty"), &dir.path().join("live"));
    assert_one_line_error(&empty, &["holds no .yaml, .yml or .json files"]);
}

#[test]
fn bad_flags_are_clear_errors() {
    let bad_now = run(kdrift().args(["scan", "--sample", "checkout-api", "--now", "yesterday"]));
    assert_one_line_error(&bad_now, &["--now 'yesterday' is not an RFC 3339 time"]);
    let unknown_sample = run(kdrift().args(["scan", "--sample", "nope"]));
    assert_one_line_error(&unknown_sample, &["no sample named 'nope'", "checkout-api"]);
    // No source at all means "the current cluster": without a kubeconfig, say what else works.
    let no_source = run(kdrift().arg("scan"));
    assert_one_line_error(&no_source, &["no kubeconfig to reach a cluster", "give --live PATH", "kdrift demo"]);
    let live_only = run(kdrift().args(["scan", "--live", "x"]));
    assert_one_line_error(
        &live_only,
        &["give --desired PATH or --repo PATH (and --live PATH, or a kubeconfig context)"],
    );
    let clashing = run(kdrift().args(["scan", "--live", "x", "--context", "prod"]));
    assert_eq!(clashing.code, 2, "clap usage errors exit 2");
    assert!(clashing.stderr.starts_with("error:"), "{}", clashing.stderr);
}

#[test]
fn kustomize_directories_are_rendered_and_render_failures_are_clear() {
    let deployment =
        std::fs::read_to_string(fixture("worked-example").join("desired/deployment.yaml")).expect("fixture");
    let dir = tree(&[
        ("desired/deployment.yaml", deployment.as_str()),
        ("desired/kustomization.yaml", "resources:\n  - deployment.yaml\n"),
        ("broken/kustomization.yaml", "resources:\n  - does-not-exist.yaml\n"),
    ]);
    let live = fixture("worked-example").join("live");
    let result = run(kdrift()
        .arg("scan")
        .arg("--desired")
        .arg(dir.path().join("desired"))
        .arg("--live")
        .arg(&live)
        .args(["-n", "prod", "--now", NOW]));
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(result.stdout.contains("memory limit raised live by kubectl-edit 43 days ago"), "{}", result.stdout);
    // A render failure is what the GitOps controller hits too: an app-level finding, not a crash.
    let broken = run(kdrift().arg("scan").arg("--desired").arg(dir.path().join("broken")).arg("--live").arg(&live));
    assert_eq!(broken.code, 1, "{}", broken.stderr);
    assert!(broken.stdout.contains("Unknown"), "nothing was compared: {}", broken.stdout);
    assert!(broken.stdout.contains("sync-availability"), "{}", broken.stdout);
    assert!(broken.stdout.contains("kustomize failed on the desired state"), "{}", broken.stdout);
    assert!(broken.stdout.contains("does-not-exist.yaml"), "the renderer's own error: {}", broken.stdout);
    assert!(!broken.stdout.contains("orphan"), "live objects are not claimed as orphans: {}", broken.stdout);
}

#[test]
fn an_installed_binary_runs_the_samples_from_an_empty_directory() {
    // Installed: the binary alone, copied away from the source tree and its assets.
    let install = tempfile::tempdir().expect("tempdir");
    let binary = install.path().join("kdrift");
    std::fs::copy(assert_cmd::cargo::cargo_bin("kdrift"), &binary).expect("copy binary");
    let empty = tempfile::tempdir().expect("tempdir");
    let installed = |args: &[&str]| {
        let mut command = assert_cmd::Command::new(&binary);
        command.current_dir(empty.path()).env("HOME", empty.path()).env("NO_COLOR", "1").env_remove("KUBECONFIG");
        command.env("XDG_CONFIG_HOME", empty.path().join("config"));
        run(command.args(args))
    };
    let demo = installed(&["demo"]);
    assert_eq!(demo.code, 0, "{}", demo.stderr);
    assert!(demo.stdout.contains("memory limit raised live by kubectl-edit"), "{}", demo.stdout);
    let hotfix = installed(&["scan", "--sample", "image-hotfix", "-o", "json"]);
    assert_eq!(hotfix.code, 1, "{}", hotfix.stderr);
    assert!(
        hotfix.stdout.contains("\"category\": \"desired-config\"")
            || hotfix.stdout.contains("\"category\":\"desired-config\"")
    );
    let diff = installed(&["diff", "--sample", "checkout-api", "--width", "120"]);
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    assert!(diff.stdout.contains("kubectl-edit"), "{}", diff.stdout);
    let scenarios = installed(&["train", "--list"]);
    assert_eq!(scenarios.code, 0, "{}", scenarios.stderr);
    assert!(scenarios.stdout.contains("memory-hotfix      beginner"), "{}", scenarios.stdout);
    let piped = installed(&["train", "hpa-replicas"]);
    assert_eq!(piped.code, 2);
    assert!(
        piped.stderr.contains("kdrift train needs a terminal") && piped.stderr.contains("--list"),
        "{}",
        piped.stderr
    );
    let unknown = installed(&["train", "hpa"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("no scenario named 'hpa' (available: break-glass-env,"), "{}", unknown.stderr);
    assert_eq!(std::fs::read_dir(empty.path()).expect("dir").count(), 0, "nothing written to the directory");
}

#[test]
fn kdrift_alone_opens_the_current_context_or_says_how_to_start_the_demo() {
    // No kubeconfig at all.
    let alone = run(&mut kdrift());
    assert_one_line_error(&alone, &["no cluster to open", "run `kdrift demo` for the embedded sample cluster"]);
    // A kubeconfig, but no terminal to draw on (as in CI or a pipe).
    let dir = tree(&[(
        "kubeconfig",
        "apiVersion: v1\nkind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: 'http://127.0.0.1:1'}\nusers:\n- name: u\n  user: {token: t}\n",
    )]);
    let piped = run(kdrift().env("KUBECONFIG", dir.path().join("kubeconfig")));
    assert_one_line_error(&piped, &["kdrift's TUI needs a terminal", "kdrift scan"]);
}
