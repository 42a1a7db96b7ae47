//! The alert rules of `kdrift serve --print-rules` (issue 19), judged by Debian's real
//! `promtool test rules` on series taken from real `/metrics` scrapes of the samples: harmful
//! drift warns after ten minutes with the owner team, a critical app pages after five, a
//! controller that cannot apply has its own alert, a stale kdrift says so — and HPA-only
//! drift never alerts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::{Value, json};
use support::served::{Served, promtool, samples};
use support::{kdrift, run};

const RUNBOOK: &str = "https://runbooks.example.org/drift";

/// A sample's `/metrics`, as promtool input series held for an hour, scraped by job kdrift.
fn scraped(sample: &str) -> Vec<Value> {
    let served = Served::start(&["--sample", sample], None);
    let page = served.get("/metrics").body;
    samples(&page)
        .into_iter()
        .map(|(series, value)| {
            let labeled = match series.strip_suffix('}') {
                Some(open) => format!("{open},job=\"kdrift\",instance=\"kdrift:9477\"}}"),
                None => format!("{series}{{job=\"kdrift\",instance=\"kdrift:9477\"}}"),
            };
            // A scan succeeds every minute: its wall-clock time becomes promtool's time.
            let values = match series.starts_with("kdrift_last_scan_success_timestamp_seconds") {
                true => "0+60x60".to_owned(),
                false => format!("{value}x60"),
            };
            json!({"series": labeled, "values": values})
        })
        .collect()
}

/// The description kdrift's warning carries for `count` findings in `app`.
fn harmful_description(count: &str, app: &str) -> String {
    format!(
        "{count} finding(s) in {app} (prod) were changed by a person or a webhook, or are missing or orphaned, for 10 minutes. \
         Inspect the diff and who changed each field before syncing (kdrift, the app, then `d`): a sync would revert a hotfix, \
         a backport would keep it."
    )
}

/// `KdriftScansStale` as it fires for instance `k` of job `kdrift`.
fn stale_alert() -> Value {
    json!({
        "exp_labels": {"severity": "warning", "job": "kdrift", "instance": "k"},
        "exp_annotations": {
            "summary": "kdrift's view of k is stale",
            "description": "kdrift has not finished a scan for three intervals, and at least 15 minutes (or never has): drift alerts from it are not current. \
                Check kdrift_scan_errors_total by reason and kdrift's log.",
            "runbook_url": RUNBOOK,
        },
    })
}

fn expect(alertname: &str, at: &str, alerts: Vec<Value>) -> Value {
    json!({"eval_time": at, "alertname": alertname, "exp_alerts": alerts})
}

fn promtool_test(tests: Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let rules = run(kdrift().args(["serve", "--print-rules", "--runbook-url", RUNBOOK]));
    assert_eq!(rules.code, 0, "{}", rules.stderr);
    std::fs::write(dir.path().join("rules.yaml"), &rules.stdout).unwrap();
    let file = json!({"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests});
    std::fs::write(dir.path().join("test.yaml"), yaml_serde::to_string(&file).unwrap()).unwrap();
    let output = promtool().current_dir(dir.path()).args(["test", "rules", "test.yaml"]).output().unwrap();
    assert!(
        output.status.success(),
        "promtool test rules:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn harmful_drift_warns_its_team_after_ten_minutes_and_hpa_drift_never_alerts() {
    let checkout = scraped("checkout-api");
    // The team and the harmful count, as the scrape says them.
    let info = checkout.iter().find(|s| s["series"].as_str().unwrap().starts_with("kdrift_app_info{")).unwrap();
    let team =
        info["series"].as_str().unwrap().split("team=\"").nth(1).map(|rest| rest.split('"').next().unwrap().to_owned());
    assert_eq!(team.as_deref(), Some("payments"), "the team label of its objects");
    let harmful: f64 = checkout
        .iter()
        .filter(|s| {
            let series = s["series"].as_str().unwrap();
            series.starts_with("kdrift_findings{") && !series.contains("sync-availability") && {
                ["desired-config", "orphan", "missing"].iter().any(|c| series.contains(&format!("category=\"{c}\"")))
            }
        })
        .map(|s| s["values"].as_str().unwrap().split('x').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!(harmful >= 2.0);
    let fired = json!({
        "exp_labels": {"severity": "warning", "app": "checkout-api", "dest_namespace": "prod", "team": "payments"},
        "exp_annotations": {
            "summary": "checkout-api in prod has drift Git does not explain",
            "description": harmful_description(&harmful.to_string(), "checkout-api"),
            "runbook_url": RUNBOOK,
        },
    });
    let hpa_only = scraped("hpa-replicas");
    promtool_test(vec![
        json!({"interval": "1m", "input_series": checkout, "alert_rule_test": [
            expect("KdriftHarmfulDrift", "9m", vec![]),
            expect("KdriftHarmfulDrift", "11m", vec![fired]),
            expect("KdriftHarmfulDriftCritical", "30m", vec![]),
            expect("KdriftScansStale", "30m", vec![]),
        ]}),
        json!({"interval": "1m", "input_series": hpa_only, "alert_rule_test": [
            expect("KdriftHarmfulDrift", "45m", vec![]),
            expect("KdriftHarmfulDriftCritical", "45m", vec![]),
            expect("KdriftControllerCannotApply", "45m", vec![]),
        ]}),
    ]);
}

#[test]
fn a_critical_app_pages_sooner_a_broken_controller_and_a_stale_kdrift_have_their_own_alerts() {
    let series =
        |name: &str, labels: &str, values: &str| json!({"series": format!("{name}{{{labels}}}"), "values": values});
    let critical = vec![
        series(
            "kdrift_findings",
            "app=\"pay\",dest_namespace=\"prod\",category=\"desired-config\",severity=\"high\",owner_class=\"human\",response=\"backport\",job=\"kdrift\",instance=\"k\"",
            "1x30",
        ),
        series(
            "kdrift_app_info",
            "app=\"pay\",dest_namespace=\"prod\",team=\"payments\",criticality=\"critical\",job=\"kdrift\",instance=\"k\"",
            "1x30",
        ),
    ];
    let paged = json!({
        "exp_labels": {"severity": "page", "app": "pay", "dest_namespace": "prod", "team": "payments", "criticality": "critical"},
        "exp_annotations": {
            "summary": "Critical app pay in prod has drift Git does not explain",
            "description": "1 harmful finding(s) in the critical app pay for 5 minutes: production differs from Git by hand. \
                Inspect the diff and who changed each field before syncing (kdrift, the app, then `d`): a sync would revert a hotfix, \
                a backport would keep it.",
            "runbook_url": RUNBOOK,
        },
    });
    // A cluster kdrift (it rescans every minute) whose last scan succeeded at time zero.
    let stale = vec![
        series("kdrift_rescan_interval_seconds", "job=\"kdrift\",instance=\"k\"", "60x40"),
        series("kdrift_last_scan_success_timestamp_seconds", "job=\"kdrift\",instance=\"k\"", "0x40"),
        series("kdrift_scans_total", "job=\"kdrift\",instance=\"k\"", "1+1x40"),
    ];
    let stale_alert = stale_alert();
    let controller = scraped("flux-apply-failed");
    let cannot_apply = controller
        .iter()
        .filter_map(|s| s["series"].as_str())
        .find(|s| s.contains("category=\"sync-availability\""))
        .map(|s| s.split("app=\"").nth(1).unwrap().split('"').next().unwrap().to_owned())
        .expect("the flux-apply-failed sample reports a controller that cannot apply");
    promtool_test(vec![
        json!({"interval": "1m", "input_series": critical, "alert_rule_test": [
            expect("KdriftHarmfulDriftCritical", "4m", vec![]),
            expect("KdriftHarmfulDriftCritical", "6m", vec![paged]),
            expect("KdriftHarmfulDrift", "20m", vec![]),
        ]}),
        json!({"interval": "1m", "input_series": stale, "alert_rule_test": [
            expect("KdriftScansStale", "10m", vec![]),
            expect("KdriftScansStale", "21m", vec![stale_alert]),
        ]}),
        json!({"interval": "1m", "input_series": controller, "alert_rule_test": [
            expect("KdriftControllerCannotApply", "9m", vec![]),
            expect("KdriftControllerCannotApply", "11m", vec![json!({
                "exp_labels": {"severity": "warning", "app": cannot_apply, "dest_namespace": "prod"},
                "exp_annotations": {
                    "summary": format!("The GitOps controller cannot apply Git for {cannot_apply} in prod"),
                    "description": format!("The controller reports a fetch, render or apply failure, or its status is stale: \
                        drift status for {cannot_apply} cannot be trusted and no sync can fix it until the controller can apply."),
                    "runbook_url": RUNBOOK,
                },
            })]),
        ]}),
    ]);
}

#[test]
fn two_scrapes_alert_once_kdrifts_own_read_gaps_never_and_a_static_source_never_goes_stale() {
    let series =
        |name: &str, labels: &str, values: &str| json!({"series": format!("{name}{{{labels}}}"), "values": values});
    let finding = "app=\"web\",dest_namespace=\"prod\",category=\"missing\",severity=\"high\",owner_class=\"none\",response=\"sync\"";
    // The pod job and the Service job both scrape it; the app has no team.
    let mut twice = Vec::new();
    for (job, instance) in
        [("kubernetes-pods", "10.0.0.7:9477"), ("kubernetes-service-endpoints", "kdrift.kdrift:9477")]
    {
        let at = format!("job=\"{job}\",instance=\"{instance}\"");
        twice.push(series("kdrift_findings", &format!("{finding},{at}"), "3x30"));
        twice.push(series(
            "kdrift_app_info",
            &format!("app=\"web\",dest_namespace=\"prod\",controller=\"argocd\",{at}"),
            "1x30",
        ));
    }
    let once = json!({
        "exp_labels": {"severity": "warning", "app": "web", "dest_namespace": "prod"},
        "exp_annotations": {
            "summary": "web in prod has drift Git does not explain",
            "description": harmful_description("3", "web"),
            "runbook_url": RUNBOOK,
        },
    });
    // A sample served for an hour: its one scan is old, and that is not staleness.
    let fixed = vec![
        series("kdrift_last_scan_success_timestamp_seconds", "job=\"kdrift\",instance=\"k\"", "0x60"),
        series("kdrift_rescan_interval_seconds", "job=\"kdrift\",instance=\"k\"", "0x60"),
        series("kdrift_scans_total", "job=\"kdrift\",instance=\"k\"", "1x60"),
        series("kdrift_build_info", "job=\"kdrift\",instance=\"k\",version=\"0.1.0\"", "1x60"),
    ];
    // A cluster kdrift that never got through: scans, no success.
    let never = vec![
        series("kdrift_scans_total", "job=\"kdrift\",instance=\"k\"", "1+1x30"),
        series("kdrift_build_info", "job=\"kdrift\",instance=\"k\",version=\"0.1.0\"", "1x30"),
    ];
    let never_alert = stale_alert();
    // kdrift could not read one kind of the app: its own gap, not the controller's failure.
    let unread = vec![
        series(
            "kdrift_findings",
            "app=\"web\",dest_namespace=\"prod\",category=\"sync-availability\",severity=\"medium\",owner_class=\"none\",response=\"escalate\",job=\"kdrift\",instance=\"k\"",
            "1x30",
        ),
        series("kdrift_app_info", "app=\"web\",dest_namespace=\"prod\",job=\"kdrift\",instance=\"k\"", "1x30"),
    ];
    let absent = json!({
        "exp_labels": {"severity": "warning"},
        "exp_annotations": {
            "summary": "No kdrift is being scraped",
            "description": "Prometheus has no kdrift metrics: drift alerts cannot fire (and the ones that fired have resolved). \
                Check the kdrift pod and its scrape target.",
            "runbook_url": RUNBOOK,
        },
    });
    promtool_test(vec![
        json!({"interval": "1m", "input_series": twice, "alert_rule_test": [
            expect("KdriftHarmfulDrift", "11m", vec![once]),
        ]}),
        json!({"interval": "1m", "input_series": unread, "alert_rule_test": [
            expect("KdriftControllerCannotApply", "20m", vec![]),
            expect("KdriftHarmfulDrift", "20m", vec![]),
            expect("KdriftAbsent", "20m", vec![absent]),
        ]}),
        json!({"interval": "1m", "input_series": fixed, "alert_rule_test": [
            expect("KdriftScansStale", "50m", vec![]),
            expect("KdriftAbsent", "50m", vec![]),
        ]}),
        json!({"interval": "1m", "input_series": never, "alert_rule_test": [
            expect("KdriftScansStale", "6m", vec![never_alert]),
        ]}),
    ]);
}
