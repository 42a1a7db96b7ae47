//! The `/metrics` page: families, escaping, merging, and how many series apps cost.

use super::*;

fn app(name: &str, harmful: usize, team: Option<&str>) -> AppMetrics {
    AppMetrics {
        app: name.to_owned(),
        namespace: "prod".to_owned(),
        sync: if harmful > 0 { SyncStatus::OutOfSync } else { SyncStatus::Synced },
        team: team.map(str::to_owned),
        criticality: None,
        controller: Some("argocd"),
        harmful,
        expected: 1,
        ignored: 0,
        orphans: 0,
        oldest_harmful_age: Some(3_000),
        findings: [(["desired-config", "high", "human", "backport"], harmful)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect(),
    }
}

#[test]
fn each_family_is_declared_once_and_its_samples_follow() {
    let page = render(&[app("web", 2, Some("payments")), app("api", 0, None)], &ScanStats::default(), 600);
    assert!(page.contains(
        "kdrift_findings{app=\"web\",dest_namespace=\"prod\",category=\"desired-config\",severity=\"high\",owner_class=\"human\",response=\"backport\"} 2\n"
    ));
    assert!(
        page.contains("kdrift_app_harmful_findings{app=\"api\",dest_namespace=\"prod\"} 0\n"),
        "a zero resolves alerts"
    );
    assert!(page.contains("kdrift_harmful_drift_oldest_seconds{app=\"web\",dest_namespace=\"prod\"} 3600\n"));
    assert!(!page.contains("kdrift_harmful_drift_oldest_seconds{app=\"api\""), "no harmful drift, no age");
    assert!(page.contains("kdrift_app_sync{app=\"api\",dest_namespace=\"prod\",status=\"Synced\"} 1\n"));
    // An unknown team is no label at all, not an empty one.
    assert!(page.contains("kdrift_app_info{app=\"api\",dest_namespace=\"prod\",controller=\"argocd\"} 1\n"));
    assert!(page.contains("kdrift_scan_errors_total{reason=\"forbidden\"} 0\n"));
    for family in ["kdrift_findings", "kdrift_app_sync", "kdrift_scan_errors_total"] {
        assert_eq!(page.matches(&format!("# TYPE {family} ")).count(), 1, "{family}");
    }
}

#[test]
fn label_values_are_escaped_cut_and_two_apps_of_one_name_merge() {
    let hostile = "a\"b\\c\nd\u{7}".to_owned() + &"x".repeat(500);
    let page = render(&[app(&hostile, 1, None), app("web", 1, None), app("web", 2, None)], &ScanStats::default(), 0);
    let line = page.lines().find(|l| l.starts_with("kdrift_app_harmful_findings{app=\"a")).unwrap();
    // Quote, backslash and newline escaped; the bell dropped; cut at 253 characters.
    assert!(line.starts_with("kdrift_app_harmful_findings{app=\"a\\\"b\\\\c\\ndxxx"), "{line}");
    assert!(line.len() < 320, "cut: {line}");
    assert!(page.contains("kdrift_app_harmful_findings{app=\"web\",dest_namespace=\"prod\"} 3\n"), "{page}");
    assert_eq!(page.matches("kdrift_app_sync{app=\"web\",").count(), 1);
}

/// Series on a page (sample lines, not comments).
fn series(page: &str) -> usize {
    page.lines().filter(|l| !l.starts_with('#')).count()
}

#[test]
fn a_thousand_clean_apps_are_three_thousand_series() {
    // Kdrift's own series: apps, scans, duration, interval, watches, restarts, re-comparisons
    // and their duration, six error reasons, build info.
    let own = series(&render(&[], &ScanStats::default(), 0));
    assert_eq!(own, 15);
    let clean: Vec<AppMetrics> =
        (0..1_000).map(|i| AppMetrics { expected: 0, ..app(&format!("app-{i}"), 0, Some("payments")) }).collect();
    assert_eq!(series(&render(&clean, &ScanStats::default(), 0)), 3 * 1_000 + own, "a clean app is three series");
}
