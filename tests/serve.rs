//! `kdrift serve` (issue 19): the real binary on a loopback port, scraped over HTTP as
//! Prometheus would. What it serves must match `kdrift scan` on the same objects, pass
//! Debian's `promtool check metrics`, keep its labels bounded, and refuse what is not a GET
//! of its four pages.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::Value;
use std::io::Write as _;
use support::served::{Served, promtool, samples, value};
use support::{NOW, assert_one_line_error, kdrift, run};

fn scan_json(args: &[&str]) -> Value {
    let result = run(kdrift().arg("scan").args(args).args(["-o", "json", "--no-exit-code"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    serde_json::from_str(&result.stdout).unwrap()
}

/// Harmful findings (not ignored, in a harmful category) per app name, from a JSON report.
fn harmful_by_app(report: &Value) -> Vec<(String, usize)> {
    let harmful = ["desired-config", "orphan", "missing", "sync-availability"];
    report["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|app| {
            let findings = app["findings"]
                .as_array()
                .unwrap()
                .iter()
                .chain(app["resources"].as_array().unwrap().iter().flat_map(|r| r["findings"].as_array().unwrap()));
            let count = findings
                .filter(|f| f["ignored_by"].is_null() && harmful.contains(&f["category"].as_str().unwrap()))
                .count();
            (app["name"].as_str().unwrap().to_owned(), count)
        })
        .collect()
}

#[test]
fn a_sample_is_served_as_scan_reports_it_and_promtool_accepts_the_metrics() {
    let served = Served::start(&["--sample", "checkout-api", "--now", NOW], None);
    let health = served.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    assert_eq!(served.get("/readyz").status, 200, "a static source is scanned before serving");

    // The report is the scan's, byte for byte.
    let report = served.get("/api/v1/report");
    assert_eq!(report.status, 200);
    assert_eq!(report.header("content-type"), Some("application/json"));
    let served_report: Value = serde_json::from_str(&report.body).unwrap();
    let scanned = scan_json(&["--sample", "checkout-api", "--now", NOW]);
    assert_eq!(served_report, scanned);

    let metrics = served.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert_eq!(metrics.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    let page = metrics.body;
    for (app, harmful) in harmful_by_app(&scanned) {
        let series = format!("kdrift_app_harmful_findings{{app=\"{app}\",dest_namespace=\"prod\"}}");
        assert_eq!(value(&page, &series), Some(harmful as f64), "{series} in:\n{page}");
    }
    assert_eq!(
        value(&page, "kdrift_app_sync{app=\"checkout-api\",dest_namespace=\"prod\",status=\"OutOfSync\"}"),
        Some(1.0)
    );
    // The HPA's replicas are expected drift, the person's memory limit harmful: apart.
    let expected = value(&page, "kdrift_app_expected_findings{app=\"checkout-api\",dest_namespace=\"prod\"}").unwrap();
    assert!(expected >= 1.0, "{page}");
    let human = samples(&page)
        .into_iter()
        .filter(|(s, _)| s.starts_with("kdrift_findings{") && s.contains("owner_class=\"human\""))
        .map(|(_, v)| v)
        .sum::<f64>();
    assert!(human >= 1.0, "the kubectl edit is a human's finding:\n{page}");
    assert!(
        value(&page, "kdrift_harmful_drift_oldest_seconds{app=\"checkout-api\",dest_namespace=\"prod\"}").unwrap()
            > 3_600.0
    );
    assert_eq!(value(&page, "kdrift_scans_total"), Some(1.0));

    // Debian's promtool lints the real scrape.
    let (clean, said) = promtool().args(["check", "metrics"]).stdin(std::process::Stdio::piped()).output_with(&page);
    assert!(clean, "promtool check metrics: {said}");

    assert!(served.stop().success(), "SIGTERM stops it cleanly");
}

/// Runs a command with `input` on stdin: (success, stdout and stderr).
trait OutputWith {
    fn output_with(&mut self, input: &str) -> (bool, String);
}

impl OutputWith for std::process::Command {
    fn output_with(&mut self, input: &str) -> (bool, String) {
        let mut child = self.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), text)
    }
}

#[test]
fn only_gets_of_its_pages_are_answered() {
    let served = Served::start(&["--sample", "hpa-replicas"], None);
    let post = served.send("POST /metrics HTTP/1.1\r\nHost: k\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    assert_eq!(served.get("/secrets").status, 404);
    assert_eq!(served.get("/metrics?x=1").status, 200, "a query string changes nothing");
    let head = served.send("HEAD /healthz HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n");
    assert_eq!((head.status, head.body.as_str()), (200, ""));
    // Headers past the buffer are refused, not read forever.
    let huge = format!("GET /metrics HTTP/1.1\r\nHost: k\r\nX-Fill: {}\r\n\r\n", "a".repeat(64 * 1024));
    assert_eq!(served.send(&huge).status, 431);
    // HPA-only drift: expected findings, nothing harmful.
    let page = served.get("/metrics").body;
    assert_eq!(
        value(&page, "kdrift_app_harmful_findings{app=\"orders-api\",dest_namespace=\"prod\"}"),
        Some(0.0),
        "{page}"
    );
    assert!(value(&page, "kdrift_app_expected_findings{app=\"orders-api\",dest_namespace=\"prod\"}").unwrap() >= 1.0);
    assert!(!page.contains("kdrift_harmful_drift_oldest_seconds{"), "no harmful drift, no age:\n{page}");
}

#[test]
fn labels_stay_bounded_no_resource_name_or_field_path() {
    let served = Served::start(&["--sample", "checkout-api"], None);
    let page = served.get("/metrics").body;
    let allowed = [
        "app",
        "dest_namespace",
        "category",
        "severity",
        "owner_class",
        "response",
        "status",
        "team",
        "criticality",
        "controller",
        "reason",
        "version",
    ];
    for (series, _) in samples(&page) {
        let Some((_, labels)) = series.split_once('{') else { continue };
        for pair in labels.trim_end_matches('}').split("\",") {
            let name = pair.split('=').next().unwrap();
            assert!(allowed.contains(&name), "label {name} in {series}");
        }
        assert!(!series.contains("checkout-api-legacy") && !series.contains("spec."), "{series}");
    }
}

#[test]
fn a_source_that_cannot_be_read_is_one_line_before_anything_listens() {
    let result = run(kdrift().args([
        "serve",
        "--desired",
        "/nonexistent/desired",
        "--live",
        "/nonexistent/live",
        "--listen",
        "127.0.0.1:0",
    ]));
    assert_one_line_error(&result, &["/nonexistent/desired"]);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    let result = run(kdrift().args(["serve", "--sample", "hpa-replicas", "--listen", &port]));
    assert_one_line_error(&result, &["cannot listen on", &port]);
    // A cluster without a kubeconfig is not a transient failure to retry forever.
    let result = run(kdrift().args(["serve", "--listen", "127.0.0.1:0"]));
    assert_one_line_error(&result, &["no kubeconfig"]);
}

#[test]
fn print_rules_passes_promtool_check_rules() {
    let result = run(kdrift().args(["serve", "--print-rules", "--runbook-url", "https://runbooks.example.org/drift"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(result.stdout.contains("runbook_url: https://runbooks.example.org/drift"), "{}", result.stdout);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.yaml");
    std::fs::write(&file, &result.stdout).unwrap();
    let check = promtool().args(["check", "rules"]).arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

fn sample_dir(part: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/checkout-api").join(part)
}

/// `assets/deploy`'s in-cluster kubeconfig, pointed at `server`, its token in a file.
fn in_cluster_kubeconfig(dir: &std::path::Path, server: &str) -> std::path::PathBuf {
    let deployed: Value = yaml_serde::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/deploy/kubeconfig.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut kubeconfig: Value = yaml_serde::from_str(deployed["data"]["kubeconfig"].as_str().unwrap()).unwrap();
    // As Kubernetes mounts it: no newline at the end.
    std::fs::write(dir.join("token"), "mounted-token").unwrap();
    kubeconfig["clusters"][0]["cluster"] = serde_json::json!({"server": server});
    kubeconfig["users"][0]["user"]["tokenFile"] = Value::String(dir.join("token").display().to_string());
    let path = dir.join("kubeconfig");
    std::fs::write(&path, yaml_serde::to_string(&kubeconfig).unwrap()).unwrap();
    path
}

/// The series of `page` whose name is `metric`, with their values.
fn family(page: &str, metric: &str) -> Vec<(String, f64)> {
    samples(page).into_iter().filter(|(s, _)| s.starts_with(&format!("{metric}{{"))).collect()
}

#[test]
fn on_a_cluster_it_serves_what_scan_sees_and_follows_a_change() {
    use support::api_server::{Behaviour, FakeApi, objects_in};
    let api = FakeApi::start(objects_in(&sample_dir("live")), Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = in_cluster_kubeconfig(dir.path(), &api.url);
    let desired = sample_dir("desired").display().to_string();
    let source = ["--app", "checkout-api", "-n", "prod", "--desired", &desired, "--now", NOW];
    let served = Served::start(&[&source[..], &["--interval", "1"]].concat(), Some(&kubeconfig));
    let wait_for = |done: &dyn Fn(&str) -> bool| {
        for _ in 0..100 {
            let page = served.get("/metrics").body;
            if done(&page) {
                return page;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("not seen within 10 s:\n{}", served.get("/metrics").body);
    };
    let page = wait_for(&|page| value(page, "kdrift_scans_total").is_some_and(|n| n >= 1.0));
    let ready = served.get("/readyz");
    assert_eq!(ready.status, 200, "{}", ready.body);
    // The mounted token is what the API server sees.
    assert!(api.requests().iter().all(|r| r.authorization.as_deref() == Some("Bearer mounted-token")));

    // What scan sees on the same objects, read the same way.
    let mut scan = kdrift();
    scan.env("KUBECONFIG", &kubeconfig).arg("scan").args(source).args([
        "--no-server-dry-run",
        "-o",
        "json",
        "--no-exit-code",
    ]);
    let scanned: Value = serde_json::from_str(&run(&mut scan).stdout).unwrap();
    let harmful = harmful_by_app(&scanned);
    assert_eq!(harmful.len(), 1);
    let series = "kdrift_app_harmful_findings{app=\"checkout-api\",dest_namespace=\"prod\"}";
    assert_eq!(value(&page, series), Some(harmful[0].1 as f64), "{page}");
    let served_report: Value = serde_json::from_str(&served.get("/api/v1/report").body).unwrap();
    assert_eq!(served_report["apps"][0]["resources"], scanned["apps"][0]["resources"]);
    let human = |page: &str| {
        family(page, "kdrift_findings")
            .iter()
            .filter(|(s, _)| s.contains("owner_class=\"human\""))
            .map(|(_, v)| v)
            .sum::<f64>()
    };
    assert!(human(&page) >= 1.0, "{page}");

    // Someone puts Git's memory limit back by hand: the next scan sees it.
    let mut deployment = api.object("Deployment", "checkout-api").unwrap();
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] =
        Value::String("512Mi".into());
    api.set(deployment);
    let before = harmful[0].1 as f64;
    let page = wait_for(&|page| value(page, series).is_some_and(|now| now < before));
    assert_eq!(value(&page, series), Some(before - 1.0), "{page}");
    assert!(served.stop().success());
}

#[test]
fn watches_bring_a_change_in_compared_alone_as_scan_would_and_survive_410_gone() {
    use support::api_server::{Behaviour, FakeApi, objects_in};
    let api = FakeApi::start(objects_in(&sample_dir("live")), Behaviour::default());
    let desired = sample_dir("desired").display().to_string();
    // A full scan only every hour: what follows within seconds came by the watches.
    let source = ["--app", "checkout-api", "-n", "prod", "--desired", &desired, "--now", NOW, "--interval", "3600"];
    let served = Served::start(&source, Some(&api.kubeconfig()));
    let series = "kdrift_app_harmful_findings{app=\"checkout-api\",dest_namespace=\"prod\"}";
    let wait_for = |what: &str, done: &dyn Fn(&str) -> bool| {
        for _ in 0..150 {
            let page = served.get("/metrics").body;
            if done(&page) {
                return page;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("{what}: not within 15 s:\n{}", served.get("/metrics").body);
    };
    wait_for("watching", &|page| value(page, "kdrift_watches").is_some_and(|n| n >= 1.0));
    // Scans done once the count holds for a second and a half (the watches' first lists
    // bring one more, closing the gap since the first scan).
    let settled = || {
        let mut last = value(&served.get("/metrics").body, "kdrift_scans_total").unwrap();
        let mut since = std::time::Instant::now();
        while since.elapsed() < std::time::Duration::from_millis(1500) {
            std::thread::sleep(std::time::Duration::from_millis(100));
            let now = value(&served.get("/metrics").body, "kdrift_scans_total").unwrap();
            if now != last {
                (last, since) = (now, std::time::Instant::now());
            }
        }
        last
    };
    let scans = settled();
    let before = value(&served.get("/metrics").body, series).unwrap();
    let watches: Vec<String> =
        api.requests().iter().filter(|r| r.target.contains("watch=")).map(|r| r.target.clone()).collect();
    assert!(watches.iter().any(|t| t.starts_with("/apis/apps/v1/namespaces/prod/deployments?")), "{watches:?}");
    assert!(watches.iter().all(|t| t.contains("allowWatchBookmarks=true")), "{watches:?}");

    // The orphan Service is pruned by someone: one harmful finding fewer, seen by a watch,
    // in one scan.
    api.remove("Service", "checkout-api-legacy");
    wait_for("the prune", &|page| value(page, series) == Some(before - 1.0));
    assert_eq!(settled(), scans + 1.0, "one scan for one change");

    // The API server forgets its history: the watches list again and go on, from after it.
    api.watch.forget();
    let forgotten = api.watch.revision();
    wait_for("a re-list", &|page| value(page, "kdrift_watch_restarts_total").is_some_and(|n| n >= 1.0));
    let scans = settled();
    let mut deployment = api.object("Deployment", "checkout-api").unwrap();
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] =
        Value::String("512Mi".into());
    api.set(deployment);
    let page = wait_for("the memory limit put back", &|page| value(page, series) == Some(before - 2.0));
    assert_eq!(settled(), scans, "compared again alone, from the watch event: no scan");
    assert_eq!(value(&page, "kdrift_recompares_total"), Some(1.0), "{page}");
    // What serve now says is what a scan of the same objects says.
    let same_as_scan = |what: &str| {
        let mut scan = kdrift();
        scan.env("KUBECONFIG", api.kubeconfig()).arg("scan").args(&source[..8]).args([
            "--no-server-dry-run",
            "-o",
            "json",
            "--no-exit-code",
        ]);
        let scanned: Value = serde_json::from_str(&run(&mut scan).stdout).unwrap();
        let served_report: Value = serde_json::from_str(&served.get("/api/v1/report").body).unwrap();
        assert_eq!(served_report["apps"][0]["resources"], scanned["apps"][0]["resources"], "{what}");
        assert_eq!(served_report["apps"][0]["sync_status"], scanned["apps"][0]["sync_status"], "{what}");
        let page = served.get("/metrics").body;
        assert_eq!(value(&page, series), Some(harmful_by_app(&scanned)[0].1 as f64), "{what}: {page}");
    };
    same_as_scan("after the memory limit was put back");
    // Someone sets another image by hand: new drift, compared alone too.
    let mut deployment = api.object("Deployment", "checkout-api").unwrap();
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = Value::String("evil.example/app:1".into());
    api.set(deployment);
    wait_for("the new image", &|page| value(page, "kdrift_recompares_total") == Some(2.0));
    assert_eq!(settled(), scans, "no scan for it either");
    same_as_scan("after the image was changed");
    let resumed = api.requests().iter().any(|r| {
        r.target.contains("watch=")
            && r.query().get("resourceVersion").and_then(|v| v.parse::<u64>().ok()) >= Some(forgotten)
    });
    assert!(resumed, "a watch from after the forgotten history");
    // A status update alone changes nothing a comparison sees: no scan.
    let mut deployment = api.object("Deployment", "checkout-api").unwrap();
    deployment["status"]["observedGeneration"] = Value::from(99);
    api.set(deployment);
    assert_eq!(settled(), scans, "a status update is not news");
    assert_eq!(value(&served.get("/metrics").body, "kdrift_recompares_total"), Some(2.0), "nor compared again");
    assert!(served.stop().success());
}

/// `POST /api/v1/audit` with a body and headers, as the API server's webhook sends it.
fn deliver(served: &Served, token: Option<&str>, body: &str) -> support::served::Answer {
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    served.send(&format!(
        "POST /api/v1/audit HTTP/1.1\r\nHost: k\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ))
}

#[test]
fn the_audit_webhook_names_the_person_once_its_token_holder_delivers_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let token = "s3cr3t-webhook-token-0123456789";
    std::fs::write(dir.path().join("token"), format!("{token}\n")).unwrap();
    let fixture = support::fixture("kubectl-set-env");
    let (desired, live) = (fixture.join("desired"), fixture.join("live"));
    let served = Served::start(
        &[
            "--desired",
            desired.to_str().unwrap(),
            "--live",
            live.to_str().unwrap(),
            "--app",
            "checkout-api",
            "-n",
            "prod",
            "--now",
            NOW,
            "--audit-webhook-token-file",
            dir.path().join("token").to_str().unwrap(),
        ],
        None,
    );
    let actor = |served: &Served| {
        let report: Value = serde_json::from_str(&served.get("/api/v1/report").body).unwrap();
        let findings = report["apps"][0]["resources"][0]["findings"].as_array().unwrap().clone();
        let set = findings.into_iter().find(|f| f["owner"]["manager"] == "kubectl-set").unwrap();
        set["owner"].get("actor").cloned()
    };
    assert_eq!(actor(&served), None, "nobody named before a delivery");
    let write = serde_json::json!({
        "kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {},
        "items": [{"level": "Metadata", "auditID": "9f8e7d6c", "stage": "ResponseComplete",
            "requestURI": "/apis/apps/v1/namespaces/prod/deployments/checkout-api?fieldManager=kubectl-set",
            "verb": "patch", "user": {"username": "priya@example.com", "groups": ["payments-oncall"]},
            "sourceIPs": ["10.20.4.17"], "userAgent": "kubectl/v1.31.1 (linux/amd64) kubernetes/948afe5",
            "objectRef": {"resource": "deployments", "namespace": "prod", "name": "checkout-api", "apiGroup": "apps"},
            "responseStatus": {"metadata": {}, "code": 200},
            "requestReceivedTimestamp": "2026-06-01T22:41:06.990000Z", "stageTimestamp": "2026-06-01T22:41:07.020000Z"}]
    })
    .to_string();
    // Without the token, or with another, nothing is read or kept.
    let anonymous = deliver(&served, None, &write);
    assert_eq!((anonymous.status, anonymous.header("www-authenticate")), (401, Some("Bearer")));
    assert_eq!(deliver(&served, Some("s3cr3t-webhook-token-0123456788"), &write).status, 401);
    assert_eq!(actor(&served), None);
    // A body that is not an EventList, or one past the bound, is refused.
    assert_eq!(deliver(&served, Some(token), "[1, 2]").status, 400);
    let huge = served.send(&format!(
        "POST /api/v1/audit HTTP/1.1\r\nHost: k\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        64 * 1024 * 1024
    ));
    assert_eq!(huge.status, 413);
    let delivered = deliver(&served, Some(token), &write);
    assert_eq!((delivered.status, delivered.body.as_str()), (200, "1 events received\n"));
    let actor = actor(&served).expect("the person is named");
    assert_eq!(actor["username"], "priya@example.com");
    assert_eq!(actor["match"], "exact");
    assert_eq!(served.get("/metrics").status, 200);
}

#[test]
fn an_audit_webhook_token_that_cannot_be_read_stops_serve_before_it_listens() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("short"), "abc\n").unwrap();
    let result = run(kdrift()
        .args(["serve", "--sample", "hpa-replicas", "--audit-webhook-token-file"])
        .arg(dir.path().join("short")));
    assert_one_line_error(&result, &["audit webhook token file", "at least 16 characters"]);
}
