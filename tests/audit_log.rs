//! `--audit-log`: the API server's audit log names the person behind each drifted field's
//! write, in every output — and where it holds no matching write, says so instead of
//! guessing. The events are written here in the `audit.k8s.io/v1` shape a real API server
//! logs (one JSON object per line, several stages per request).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::{Value, json};
use std::io::Write as _;
use std::path::Path;
use support::api_server::{Behaviour, FakeApi, objects_in};
use support::{assert_one_line_error, run, scan_fixture, tree};

/// The fixture's hand-made change: `kubectl set env` on Deployment prod/checkout-api.
const SET_AT: &str = "2026-06-01T22:41:07";

fn event(stage: &str, user: &str, verb: &str, at: &str, field_manager: &str) -> Value {
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": format!("a1b2c3d4-{user}-{at}"), "stage": stage,
        "requestURI": format!("/apis/apps/v1/namespaces/prod/deployments/checkout-api?fieldManager={field_manager}"),
        "verb": verb,
        "user": {"username": user, "groups": ["payments-oncall", "system:authenticated"]},
        "sourceIPs": ["10.20.4.17"],
        "userAgent": "kubectl/v1.31.1 (linux/amd64) kubernetes/948afe5",
        "objectRef": {"resource": "deployments", "namespace": "prod", "name": "checkout-api",
                      "apiGroup": "apps", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 200},
        "requestReceivedTimestamp": format!("{at}.912000Z"),
        "stageTimestamp": format!("{at}.951000Z"),
    })
}

fn lines(events: &[Value]) -> String {
    events.iter().map(|e| format!("{e}\n")).collect()
}

fn scan_with_log(log: &Path) -> support::Run {
    run(scan_fixture("kubectl-set-env").arg("--audit-log").arg(log).args(["-o", "json"]))
}

fn set_env_owner(report: &Value) -> Value {
    let findings = report["apps"][0]["resources"][0]["findings"].as_array().unwrap();
    let finding = findings.iter().find(|f| f["owner"]["manager"] == "kubectl-set").expect("the kubectl-set finding");
    finding["owner"].clone()
}

#[test]
fn a_rotated_gzip_log_names_who_ran_kubectl_set_env_in_the_json_report() {
    let dir = tempfile::tempdir().unwrap();
    // The older file is compressed, as logrotate leaves it; the newer one is being written.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(
        lines(&[
            event("RequestReceived", "priya@example.com", "patch", SET_AT, "kubectl-set"),
            event("ResponseComplete", "priya@example.com", "patch", SET_AT, "kubectl-set"),
            // Denied in the same second: it changed nothing.
            json!({"stage": "ResponseComplete", "verb": "patch", "auditID": "denied",
                   "user": {"username": "intern@example.com"}, "userAgent": "kubectl/v1.31.1",
                   "requestURI": "/apis/apps/v1/namespaces/prod/deployments/checkout-api?fieldManager=kubectl-set",
                   "objectRef": {"resource": "deployments", "namespace": "prod", "name": "checkout-api", "apiGroup": "apps"},
                   "responseStatus": {"code": 403}, "stageTimestamp": format!("{SET_AT}.990000Z")}),
        ])
        .as_bytes(),
    )
    .unwrap();
    std::fs::write(dir.path().join("audit-2026-06-02.log.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(
        dir.path().join("audit.log"),
        lines(&[event("ResponseComplete", "raj@example.com", "get", "2026-06-08T09:00:00", "")]),
    )
    .unwrap();
    let result = scan_with_log(dir.path());
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(result.stderr, "", "no warning");
    let report: Value = serde_json::from_str(&result.stdout).unwrap();
    let actor = &set_env_owner(&report)["actor"];
    assert_eq!(
        *actor,
        json!({"username": "priya@example.com", "groups": ["payments-oncall", "system:authenticated"],
               "source_ips": ["10.20.4.17"], "user_agent": "kubectl/v1.31.1 (linux/amd64) kubernetes/948afe5",
               "impersonated_by": null, "audit_id": "a1b2c3d4-priyaexamplecom-2026-06-01T224107",
               "time": format!("{SET_AT}.951000Z"), "match": "exact", "offset_seconds": 0, "source": "audit-log"})
    );
    let coverage = &report["apps"][0]["audit_log"];
    assert_eq!(coverage["first"], "2026-06-01T22:41:07Z");
    assert_eq!(coverage["last"], "2026-06-08T09:00:00Z");
    assert_eq!(coverage["events"], 4);
}

#[test]
fn the_text_report_names_the_person_and_says_when_no_event_matches() {
    let log = tree(&[(
        "audit.log",
        &lines(&[event("ResponseComplete", "priya@example.com", "patch", SET_AT, "kubectl-set")]),
    )]);
    let result = run(scan_fixture("kubectl-set-env").arg("--audit-log").arg(log.path().join("audit.log")));
    assert!(
        result.stdout.contains("priya@example.com via kubectl-set (human, Update) 2026-06-01T22:41:07Z"),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("who: groups payments-oncall · from 10.20.4.17 · audit"), "{}", result.stdout);
    // Someone else, another second: nobody is named for the change.
    let other = tree(&[(
        "audit.log",
        &lines(&[event("ResponseComplete", "raj@example.com", "patch", "2026-06-01T22:45:00", "kubectl-set")]),
    )]);
    let result = run(scan_fixture("kubectl-set-env").arg("--audit-log").arg(other.path().join("audit.log")));
    assert!(!result.stdout.contains("raj@example.com"), "{}", result.stdout);
    assert!(result.stdout.contains("who: no audit event found"), "{}", result.stdout);
    let json = run(scan_fixture("kubectl-set-env")
        .arg("--audit-log")
        .arg(other.path().join("audit.log"))
        .args(["-o", "json"]));
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(set_env_owner(&report).get("actor").is_none(), "nothing invented: {}", json.stdout);
}

#[test]
fn without_an_audit_log_the_report_is_unchanged() {
    let result = run(scan_fixture("kubectl-set-env").args(["-o", "json"]));
    let report: Value = serde_json::from_str(&result.stdout).unwrap();
    assert!(report["apps"][0].get("audit_log").is_none());
    assert!(set_env_owner(&report).get("actor").is_none());
    assert!(!run(&mut scan_fixture("kubectl-set-env")).stdout.contains("who:"));
}

#[test]
fn the_config_names_each_clusters_log_by_context_and_a_stale_one_is_a_note() {
    let fixture = support::fixture("kubectl-set-env");
    let api = FakeApi::start(objects_in(&fixture.join("live")), Behaviour::default());
    let log = lines(&[event("ResponseComplete", "priya@example.com", "patch", SET_AT, "kubectl-set")]);
    let config = tree(&[
        ("config.toml", "[audit_logs]\ntest-prod = [\"logs/audit.log\"]\nother = [\"logs/other.log\"]\n"),
        ("logs/audit.log", &log),
        ("logs/other.log", &lines(&[event("ResponseComplete", "mallory@example.com", "patch", SET_AT, "kubectl-set")])),
    ]);
    let on = |context: &str, config_file: &str| {
        run(support::kdrift()
            .env("KUBECONFIG", api.kubeconfig())
            .args(["scan", "--context", context, "--app", "checkout-api", "--now", support::NOW, "-o", "json"])
            .args(["--no-server-dry-run", "--desired"])
            .arg(fixture.join("desired"))
            .arg("--config")
            .arg(config.path().join(config_file)))
    };
    let prod = on("test-prod", "config.toml");
    let report: Value = serde_json::from_str(&prod.stdout).unwrap_or_else(|_| panic!("{}", prod.stderr));
    assert_eq!(set_env_owner(&report)["actor"]["username"], "priya@example.com");
    // The same objects read through another context: that cluster's log, not prod's.
    let other = on("other", "config.toml");
    let report: Value = serde_json::from_str(&other.stdout).unwrap();
    assert_eq!(set_env_owner(&report)["actor"]["username"], "mallory@example.com");
    // A snapshot names no context: no config log applies.
    let snapshot = run(scan_fixture("kubectl-set-env")
        .arg("--config")
        .arg(config.path().join("config.toml"))
        .args(["-o", "json"]));
    assert!(set_env_owner(&serde_json::from_str(&snapshot.stdout).unwrap()).get("actor").is_none());
    // A log the config names that is gone: a warning, and the scan goes on.
    std::fs::write(config.path().join("stale.toml"), "[audit_logs]\ntest-prod = [\"/nonexistent/audit\"]\n").unwrap();
    let stale = on("test-prod", "stale.toml");
    assert_eq!(stale.code, 1, "{}", stale.stderr);
    assert!(stale.stderr.contains("audit log /nonexistent/audit: No such file or directory"), "{}", stale.stderr);
    assert!(stale.stderr.contains("(audit_logs in config.toml)"), "{}", stale.stderr);
}

#[test]
fn an_unreadable_log_is_one_clear_error_and_bad_lines_one_warning() {
    let missing = run(scan_fixture("kubectl-set-env").args(["--audit-log", "/nonexistent/audit.log"]));
    assert_one_line_error(&missing, &["audit log /nonexistent/audit.log: No such file or directory"]);
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("audit.pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let blocked = support::bounded(scan_fixture("kubectl-set-env").arg("--audit-log").arg(&fifo), 20);
    assert_one_line_error(&blocked, &["audit.pipe: it is a FIFO, not a regular file"]);
    // A YAML file given by mistake: every line is noted once, with where the first is.
    let log = tree(&[(
        "audit.yaml",
        &format!(
            "apiVersion: audit.k8s.io/v1\n{}",
            lines(&[event("ResponseComplete", "priya@example.com", "patch", SET_AT, "kubectl-set")])
        ),
    )]);
    let result = run(scan_fixture("kubectl-set-env").arg("--audit-log").arg(log.path().join("audit.yaml")));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let warnings: Vec<&str> = result.stderr.lines().collect();
    assert_eq!(warnings.len(), 1, "{}", result.stderr);
    assert!(warnings[0].contains("1 line of the audit log is not an audit event (the first: "), "{}", warnings[0]);
    assert!(warnings[0].contains("audit.yaml:1:1: "), "{}", warnings[0]);
    assert!(
        result.stdout.contains("priya@example.com via kubectl-set"),
        "the good lines still count: {}",
        result.stdout
    );
}

#[test]
fn every_sample_with_a_hand_made_change_ships_the_person_behind_it() {
    for (sample, person) in [
        ("memory-hotfix", "dana.okafor@example.com"),
        ("checkout-api", "marco.rossi@example.com"),
        ("image-hotfix", "sam.ortiz@example.com"),
        ("payment-memory", "ana.silva@example.com"),
        ("break-glass-env", "priya.nair@example.com"),
    ] {
        let result = run(support::kdrift().args(["scan", "--sample", sample, "-o", "json"]));
        let report: Value = serde_json::from_str(&result.stdout).unwrap();
        let people: Vec<&str> = report["apps"][0]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["findings"].as_array().unwrap())
            .filter(|f| f["owner"]["class"] == "human")
            .filter_map(|f| f["owner"]["actor"]["username"].as_str())
            .collect();
        assert!(people.contains(&person), "{sample}: {people:?}");
    }
    // The break-glass patch was made as another user (kubectl --as): both are named.
    let result = run(support::kdrift().args(["scan", "--sample", "break-glass-env"]));
    assert!(
        result.stdout.contains("lee.chen@example.com (as breakglass-admin) via kubectl-patch"),
        "{}",
        result.stdout
    );
    // The dashboard write in the same second is not taken for the kubectl edit.
    let result = run(support::kdrift().args(["scan", "--sample", "payment-memory"]));
    assert!(!result.stdout.contains("kim.lee@example.com"), "{}", result.stdout);
}

#[test]
fn argo_cds_initiated_by_names_who_started_the_sync_behind_its_controllers_write() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/compliance-label");
    let deployment = std::fs::read_to_string(sample.join("live/deployment.yaml")).unwrap();
    // The label was written by argocd-controller at 2026-05-11T10:00:00Z, during this sync.
    let application = r#"
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: billing-api, namespace: argocd}
spec:
  project: default
  source: {repoURL: "https://git.example.com/billing.git", path: apps/billing-api, targetRevision: main}
  destination: {server: "https://kubernetes.default.svc", namespace: prod}
status:
  sync: {status: OutOfSync, revision: 4f1c2a9}
  health: {status: Healthy}
  operationState:
    operation: {initiatedBy: {username: maria@example.com}, sync: {revision: 4f1c2a9}}
    phase: Succeeded
    startedAt: "2026-05-11T09:59:58Z"
    finishedAt: "2026-05-11T10:00:03Z"
  history:
    - {id: 1, revision: 0b9d8e7, deployStartedAt: "2026-05-01T08:00:00Z", deployedAt: "2026-05-01T08:00:05Z", initiatedBy: {automated: true}}
"#;
    let live = tree(&[("deployment.yaml", &deployment), ("application.yaml", application)]);
    let result = run(support::kdrift()
        .arg("scan")
        .arg("--desired")
        .arg(sample.join("desired"))
        .arg("--live")
        .arg(live.path())
        .args(["--app", "billing-api", "-n", "prod", "--now", support::NOW, "-o", "json"]));
    let report: Value = serde_json::from_str(&result.stdout).unwrap_or_else(|_| panic!("{}", result.stderr));
    let app = &report["apps"][0];
    assert_eq!(app["controller"]["syncs"].as_array().unwrap().len(), 2, "{}", app["controller"]);
    let owner = &app["resources"][0]["findings"][0]["owner"];
    assert_eq!(owner["manager"], "argocd-controller");
    assert_eq!(owner["actor"]["username"], "maria@example.com", "{owner}");
    assert_eq!(
        (owner["actor"]["source"].as_str(), owner["actor"]["match"].as_str()),
        (Some("argocd-sync"), Some("exact"))
    );
}
