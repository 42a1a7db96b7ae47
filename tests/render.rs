//! Rendering and sync availability (issue 4). A chart is rendered with `helm template` (a fake
//! `helm` script on PATH stands in: no helm binary exists on these machines, and the script
//! asserts the exact arguments kdrift passes). A renderer that hangs is stopped and reported.
//! A renderer that cannot be started is a local error. A Flux apply failure and an unready
//! controller pod in the snapshot are app-level `sync-availability` findings.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::Value;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use support::{assert_one_line_error, fixture, kdrift, run, scan_tree, tree};

fn executable(path: &Path, script: &str) {
    std::fs::write(path, script).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Prints a ConfigMap naming the release, namespace and values files it was given, so the
/// test sees exactly what kdrift asked helm for.
const FAKE_HELM: &str = r#"#!/bin/sh
[ "$1" = template ] || { echo "unexpected command: $*" >&2; exit 1; }
release="$2"; chart="$3"; shift 3
[ -f "$chart/Chart.yaml" ] || { echo "Error: $chart is not a chart" >&2; exit 1; }
namespace=""; values=""
while [ $# -gt 0 ]; do
  case "$1" in
    --namespace) namespace="$2"; shift 2;;
    --values) values="$values $(basename "$2")"; shift 2;;
    *) echo "unexpected flag $1" >&2; exit 1;;
  esac
done
cat <<EOF
---
# Source: web/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: $release-settings
  namespace: $namespace
data:
  values: "$values"
EOF
"#;

#[test]
fn charts_are_rendered_with_helm_template() {
    let dir = tree(&[
        ("chart/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n"),
        ("chart/values.yaml", "replicas: 2\n"),
        ("prod.yaml", "replicas: 3\n"),
        (
            "live/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\n  namespace: prod\ndata:\n  values: \" prod.yaml\"\n",
        ),
    ]);
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    executable(&bin.join("helm"), FAKE_HELM);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let result = run(kdrift()
        .env("PATH", path)
        .arg("scan")
        .arg("--desired")
        .arg(dir.path().join("chart"))
        .arg("--live")
        .arg(dir.path().join("live"))
        .args(["--app", "web", "-n", "prod", "-o", "json"])
        .arg("--values")
        .arg(dir.path().join("prod.yaml")));
    assert_eq!(result.code, 0, "rendered output matches live exactly: {}{}", result.stdout, result.stderr);
    let report: Value = serde_json::from_str(&result.stdout).unwrap();
    let resource = &report["apps"][0]["resources"][0];
    assert_eq!(resource["name"], "web-settings", "release name defaults to the app");
    assert_eq!(resource["status"], "synced");
    assert!(resource["desired_source"].as_str().unwrap().ends_with("chart (helm template)#1"), "{resource}");
}

#[test]
fn a_hanging_renderer_is_stopped_and_reported() {
    let dir = tree(&[("desired/kustomization.yaml", "resources: []\n"), ("live/cm.yaml", support::CONFIGMAP)]);
    let slow = dir.path().join("slow-kustomize");
    executable(&slow, "#!/bin/sh\nsleep 30\n");
    let started = std::time::Instant::now();
    let result = run(scan_tree(dir.path()).arg("--kustomize").arg(&slow).args(["--render-timeout", "1"]));
    assert!(started.elapsed().as_secs() < 20, "stopped after the time limit");
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(result.stdout.contains("did not finish within 1 s and was stopped"), "{}", result.stdout);
    assert!(result.stdout.contains("sync-availability"), "{}", result.stdout);
}

#[test]
fn a_renderer_that_cannot_start_is_a_local_error() {
    let dir = tree(&[("desired/kustomization.yaml", "resources: []\n"), ("live/cm.yaml", support::CONFIGMAP)]);
    let result = run(scan_tree(dir.path()).args(["--kustomize", "/nonexistent/kustomize"]));
    assert_one_line_error(&result, &["cannot run '/nonexistent/kustomize' to render"]);
}

#[test]
fn flux_apply_failures_and_unready_controllers_are_sync_availability_findings() {
    let kustomization = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: checkout-api
  namespace: flux-system
spec:
  path: ./apps/checkout/overlays/prod
status:
  lastAttemptedRevision: main@sha1:def456
  lastAppliedRevision: main@sha1:abc123
  conditions:
  - type: Ready
    status: \"False\"
    reason: ReconciliationFailed
    message: \"Deployment/prod/checkout-api dry-run failed: spec.template.spec.containers[0].image: Required value\"
---
apiVersion: v1
kind: Pod
metadata:
  name: kustomize-controller-7d9f8-abcde
  namespace: flux-system
  labels:
    app: kustomize-controller
status:
  conditions:
  - type: Ready
    status: \"False\"
    reason: ContainersNotReady
    message: \"containers with unready status: [manager]\"
";
    let live = fixture("worked-example").join("live");
    let dir = tree(&[("live/flux.yaml", kustomization)]);
    std::fs::copy(live.join("deployment.yaml"), dir.path().join("live/deployment.yaml")).unwrap();
    let result = run(kdrift()
        .arg("scan")
        .arg("--desired")
        .arg(fixture("worked-example").join("desired"))
        .arg("--live")
        .arg(dir.path().join("live"))
        .args(["--app", "checkout-api", "-n", "prod", "-o", "json"]));
    assert_eq!(result.code, 1);
    let report: Value = serde_json::from_str(&result.stdout).unwrap();
    let findings = report["apps"][0]["findings"].as_array().unwrap();
    let reasons: Vec<&str> = findings.iter().map(|f| f["reason"].as_str().unwrap()).collect();
    assert_eq!(findings.len(), 3, "{reasons:#?}");
    assert!(findings.iter().all(|f| f["category"] == "sync-availability" && f["response"] == "escalate"));
    assert!(reasons[0].contains("last attempted main@sha1:def456 but last applied main@sha1:abc123"), "{reasons:#?}");
    assert!(reasons[1].contains("ReconciliationFailed"), "{reasons:#?}");
    assert!(
        reasons[2].contains("kustomize-controller-7d9f8-abcde (kustomize-controller) is not ready"),
        "{reasons:#?}"
    );
}
