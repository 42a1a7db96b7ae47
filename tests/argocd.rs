//! `--argocd-server`: desired state as Argo CD rendered it, so a Helm app from a chart
//! repository compares with no clone and no `helm`. Argo CD's API is a loopback server
//! serving its real shapes; the cluster is the fake API server. The exact requests (path,
//! `appNamespace`, bearer token) are asserted, and every failure is one line naming the
//! server and the app.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::{Value, json};
use support::api_server::{Behaviour, FakeApi};
use support::argocd_server::{FakeArgo, Seen, TOKEN};
use support::{NOW, assert_one_line_error, kdrift, run};

fn application() -> Value {
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "payments", "namespace": "argocd"},
        "spec": {"project": "default",
            "source": {"repoURL": "https://charts.example.com", "chart": "payments", "targetRevision": "1.4.2",
                       "helm": {"values": "memory: 512Mi\n"}},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "prod"}},
        "status": {"sync": {"status": "OutOfSync", "revision": "1.4.2"}, "health": {"status": "Healthy"}}})
}

fn labels() -> Value {
    json!({"app.kubernetes.io/instance": "payments", "helm.sh/chart": "payments-1.4.2"})
}

/// What the chart renders: Helm's labels, the 512Mi limit from the values.
fn rendered(memory: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "payments", "namespace": "prod", "labels": labels()},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "payments"}},
            "template": {"metadata": {"labels": {"app": "payments"}},
                "spec": {"containers": [{"name": "app", "image": "registry.example.com/payments:1.4.2",
                    "resources": {"limits": {"memory": memory}}}]}}}})
}

fn secret(password: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "payments-db", "namespace": "prod", "labels": labels()},
        "data": {"password": password}})
}

/// Live: the Deployment with its limit raised by hand, and the real Secret.
fn live() -> Vec<Value> {
    let mut deployment = rendered("2Gi");
    deployment["metadata"]["managedFields"] = json!([
        {"manager": "argocd-controller", "operation": "Apply", "apiVersion": "apps/v1", "time": "2026-05-20T10:00:00Z",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:app.kubernetes.io/instance": {}, "f:helm.sh/chart": {}}},
            "f:spec": {"f:replicas": {}, "f:selector": {}, "f:template": {"f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {}}}}}}}},
        {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "apps/v1", "time": "2026-06-02T03:10:00Z",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"app\"}":
            {"f:resources": {"f:limits": {"f:memory": {}}}}}}}}}}
    ]);
    deployment["metadata"]["resourceVersion"] = json!("5001");
    vec![application(), deployment, secret("aHVudGVyMg==")]
}

fn argo() -> FakeArgo {
    FakeArgo::start(vec![(
        "payments",
        vec![(rendered("512Mi"), Some(rendered("2Gi"))), (secret("c2VjcmV0"), Some(secret("aHVudGVyMg==")))],
    )])
}

fn scan(api: &FakeApi, argo: &str, token: Option<&str>) -> support::Run {
    let mut command = kdrift();
    command.env("KUBECONFIG", api.kubeconfig()).env_remove("ARGOCD_AUTH_TOKEN");
    command.env("ARGOCD_CONFIG_DIR", std::env::temp_dir().join("kdrift-tests-no-argocd"));
    if let Some(token) = token {
        command.env("ARGOCD_AUTH_TOKEN", token);
    }
    run(command.args(["scan", "--now", NOW, "-o", "json", "--no-server-dry-run", "--argocd-server", argo]))
}

#[test]
fn a_helm_app_from_a_chart_repository_compares_against_what_argo_cd_rendered() {
    let (api, argo) = (FakeApi::start(live(), Behaviour::default()), argo());
    let result = scan(&api, &argo.url, Some(TOKEN));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report: Value = serde_json::from_str(&result.stdout).unwrap();
    let app = &report["apps"][0];
    assert_eq!(app["name"], "payments");
    let resource =
        |kind: &str| app["resources"].as_array().unwrap().iter().find(|r| r["kind"] == kind).unwrap().clone();
    let deployment = resource("Deployment");
    assert_eq!(deployment["status"], "modified");
    let memory = &deployment["findings"][0];
    assert_eq!(memory["path"], "/spec/template/spec/containers/0/resources/limits/memory");
    assert_eq!((memory["desired"].as_str(), memory["live"].as_str()), (Some("512Mi"), Some("2Gi")));
    assert_eq!(memory["owner"]["manager"], "kubectl-edit");
    assert_eq!(deployment["desired_source"], format!("argocd {} app payments: Deployment payments", argo.url));
    // Argo CD masks Secret data: what differs there is marked, not reported as drift.
    let secret = resource("Secret");
    assert_ne!(secret["status"], "modified", "{secret}");
    assert!(!result.stdout.contains("aHVudGVyMg=="), "no Secret value in the report");
    assert_eq!(
        argo.seen(),
        [Seen {
            method: "GET".into(),
            target: "/api/v1/applications/payments/managed-resources?appNamespace=argocd".into(),
            authorization: Some(format!("Bearer {TOKEN}")),
        }]
    );
}

#[test]
fn without_argo_cd_a_chart_app_says_what_would_compare_it() {
    let api = FakeApi::start(live(), Behaviour::default());
    let mut command = kdrift();
    let result = run(command.env("KUBECONFIG", api.kubeconfig()).args(["scan", "--now", NOW, "--no-server-dry-run"]));
    assert!(
        result.stdout.contains("Helm chart 'payments' comes from a chart repository; give --argocd-server URL"),
        "{}",
        result.stdout
    );
}

#[test]
fn tokens_come_from_a_file_or_the_argocd_cli_config_and_failures_are_one_line() {
    let (api, argo) = (FakeApi::start(live(), Behaviour::default()), argo());
    let no_token = scan(&api, &argo.url, None);
    assert_one_line_error(&no_token, &[&format!("no Argo CD token for {}", argo.url), "ARGOCD_AUTH_TOKEN"]);
    let wrong = scan(&api, &argo.url, Some("eyJ.wrong.token"));
    assert_one_line_error(
        &wrong,
        &[&format!("Argo CD at {} refused the token (401) for app 'payments'", argo.url), "no session information"],
    );
    // The argocd CLI's config, as `argocd login --plaintext` leaves it.
    let host = argo.url.trim_start_matches("http://");
    let dir = support::tree(&[(
        "config",
        &format!(
            "contexts:\n- {{name: lab, server: '{host}', user: lab}}\ncurrent-context: lab\nservers:\n- {{server: '{host}', plain-text: true, grpc-web-root-path: ''}}\nusers:\n- {{name: lab, auth-token: {TOKEN}}}\n"
        ),
    )]);
    let mut command = kdrift();
    command.env("KUBECONFIG", api.kubeconfig()).env("ARGOCD_CONFIG_DIR", dir.path()).env_remove("ARGOCD_AUTH_TOKEN");
    let from_cli =
        run(command.args(["scan", "--now", NOW, "-o", "json", "--no-server-dry-run", "--argocd-server", host]));
    assert_eq!(from_cli.code, 1, "{}", from_cli.stderr);
    // A token file wins over both.
    let token = support::tree(&[("token", &format!("{TOKEN}\n"))]);
    let mut command = kdrift();
    command.env("KUBECONFIG", api.kubeconfig()).env("ARGOCD_AUTH_TOKEN", "eyJ.wrong.token");
    let from_file = run(command
        .args(["scan", "--now", NOW, "--no-server-dry-run", "--argocd-server", &argo.url, "--argocd-token-file"])
        .arg(token.path().join("token")));
    assert_eq!(from_file.code, 1, "{}", from_file.stderr);
    assert!(argo.seen().iter().all(|s| s.target.starts_with("/api/v1/applications/payments/managed-resources")));
}

#[test]
fn an_app_argo_cd_will_not_show_is_noted_and_plain_http_off_this_machine_is_refused() {
    let mut objects = live();
    let mut other = application();
    other["metadata"]["name"] = json!("ledger");
    objects.push(other);
    let (api, argo) = (FakeApi::start(objects, Behaviour::default()), argo());
    let result = scan(&api, &argo.url, Some(TOKEN));
    let report: Value = serde_json::from_str(&result.stdout).unwrap_or_else(|_| panic!("{}", result.stderr));
    let ledger = report["apps"].as_array().unwrap().iter().find(|a| a["name"] == "ledger").unwrap();
    let notes = ledger["notes"].to_string();
    assert!(notes.contains("denies reading app 'ledger' (403: permission denied)"), "{notes}");
    let remote = scan(&api, "http://argocd.example.com", Some(TOKEN));
    assert_one_line_error(&remote, &["refuses plain http:// for a token off this machine"]);
}

#[test]
fn what_argo_cd_could_not_render_another_clusters_app_and_a_live_hook_are_never_orphans() {
    let mut objects = live();
    // A pre-sync hook still live (hook-delete-policy keeps it): Argo CD's API leaves hooks out.
    objects.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "payments-migrate", "namespace": "prod", "labels": labels(),
            "annotations": {"argocd.argoproj.io/hook": "PreSync"}}, "data": {"step": "1"}}));
    // An app Argo CD could not render (its chart repository was down): every item has no target.
    let mut broken = application();
    broken["metadata"]["name"] = json!("ledger");
    objects.push(broken);
    // An app deployed to another cluster by this Argo CD.
    let mut remote = application();
    remote["metadata"]["name"] = json!("edge");
    remote["spec"]["destination"]["server"] = json!("https://spoke-1.example.com");
    objects.push(remote);
    let api = FakeApi::start(objects, Behaviour::default());
    let argo = FakeArgo::start(vec![
        (
            "payments",
            vec![(rendered("512Mi"), Some(rendered("2Gi"))), (secret("c2VjcmV0"), Some(secret("aHVudGVyMg==")))],
        ),
        ("ledger", vec![(Value::Null, Some(rendered("512Mi")))]),
    ]);
    let result = scan(&api, &argo.url, Some(TOKEN));
    let report: Value = serde_json::from_str(&result.stdout).unwrap_or_else(|_| panic!("{}", result.stderr));
    let app = |name: &str| report["apps"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap().clone();
    let ledger = app("ledger");
    assert!(ledger["notes"].to_string().contains("holds no rendered object for app 'ledger'"), "{ledger}");
    assert!(ledger["resources"].as_array().unwrap().is_empty(), "nothing to prune: {ledger}");
    let edge = app("edge");
    assert!(edge["notes"].to_string().contains("deploys to cluster 'https://spoke-1.example.com'"), "{edge}");
    let payments = app("payments");
    assert!(!payments.to_string().contains("payments-migrate"), "a live hook is no orphan: {payments}");
    assert!(argo.seen().iter().all(|s| !s.target.contains("/edge/")), "another cluster's app is not asked for");
}
