//! Scenario fixtures (DESIGN §6 layer 2): each `tests/fixtures/<name>/` holds `desired/`,
//! `live/` and `expected.yaml`; the engine must report exactly the expected findings —
//! every expected one, with its classification, and nothing else. The embedded samples are
//! checked the same way against what their scenario promises. A fixture may name ignore-rule
//! files (`ignore:`), and each finding states whether a rule hid it (`ignored_by:`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

use kdrift::engine::{EngineConfig, compare_app, time::parse_rfc3339};
use kdrift::model::{AppReport, Finding, ResourceReport};
use kdrift::sources::{files::load_path, rules::load_rule_files, samples};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    now: String,
    exit_code: i32,
    /// Ignore-rule files, relative to the fixture directory.
    #[serde(default)]
    ignore: Vec<String>,
    /// Text each expected resource note contains, in any order.
    #[serde(default)]
    notes: Vec<String>,
    /// App-level findings (sync availability), in order.
    #[serde(default)]
    app_findings: Vec<ExpectedAppFinding>,
    resources: BTreeMap<String, String>,
    findings: Vec<ExpectedFinding>,
    /// Event reasons attached to each resource as evidence, newest first.
    #[serde(default)]
    events: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedAppFinding {
    category: String,
    reason_contains: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFinding {
    resource: String,
    path: String,
    display_path: Option<String>,
    category: String,
    severity: String,
    response: String,
    review_required: bool,
    owner: Option<String>,
    reason: Option<String>,
    /// Text the reason must contain (the proof of tracking for orphans).
    reason_contains: Option<String>,
    /// `<rule> <method> <expression>` of the rule that hid it; absent: nothing hid it.
    ignored_by: Option<String>,
}

fn resource_id(r: &ResourceReport) -> String {
    format!("{}/{}/{}", r.kind, r.namespace, r.name)
}

fn check(name: &str, app: &AppReport, expected: &Expected) {
    let statuses: BTreeMap<String, String> =
        app.resources.iter().map(|r| (resource_id(r), r.status.as_str().to_owned())).collect();
    assert_eq!(statuses, expected.resources, "{name}: resource statuses");
    let actual: Vec<(String, &Finding)> =
        app.resources.iter().flat_map(|r| r.findings.iter().map(move |f| (resource_id(r), f))).collect();
    for want in &expected.findings {
        let found = actual.iter().find(|(id, f)| *id == want.resource && f.path == want.path);
        let Some((_, f)) = found else {
            panic!("{name}: expected finding {} {} not reported; got {actual:#?}", want.resource, want.path);
        };
        let context = format!("{name}: {} {}", want.resource, want.path);
        assert_eq!(f.category.as_str(), want.category, "{context}: category");
        assert_eq!(f.severity.as_str(), want.severity, "{context}: severity");
        assert_eq!(f.response.as_str(), want.response, "{context}: response");
        assert_eq!(f.review_required, want.review_required, "{context}: review_required");
        assert_eq!(f.owner.as_ref().map(|o| o.manager.as_str()), want.owner.as_deref(), "{context}: owner");
        if let Some(display) = &want.display_path {
            assert_eq!(&f.display_path, display, "{context}: display_path");
        }
        if let Some(reason) = &want.reason {
            assert_eq!(&f.reason, reason, "{context}: reason");
        }
        if let Some(part) = &want.reason_contains {
            assert!(f.reason.contains(part.as_str()), "{context}: reason {:?} lacks {part:?}", f.reason);
        }
        let ignored_by = f.ignored_by.as_ref().map(|by| format!("{} {} {}", by.rule, by.method.label(), by.expression));
        assert_eq!(ignored_by, want.ignored_by, "{context}: ignored_by");
    }
    let app_findings: Vec<(&str, &str)> =
        app.findings.iter().map(|f| (f.category.as_str(), f.reason.as_str())).collect();
    assert_eq!(app_findings.len(), expected.app_findings.len(), "{name}: app-level findings {app_findings:#?}");
    for (want, (category, reason)) in expected.app_findings.iter().zip(&app_findings) {
        assert_eq!(*category, want.category, "{name}: app finding category");
        assert!(reason.contains(want.reason_contains.as_str()), "{name}: {reason:?} lacks {:?}", want.reason_contains);
    }
    let notes: Vec<&String> = app.resources.iter().flat_map(|r| &r.notes).chain(&app.notes).collect();
    for part in &expected.notes {
        assert!(notes.iter().any(|n| n.contains(part.as_str())), "{name}: no note contains {part:?}: {notes:#?}");
    }
    assert_eq!(
        actual.len(),
        expected.findings.len(),
        "{name}: unexpected extra findings: {:#?}",
        actual
            .iter()
            .filter(|(id, f)| !expected.findings.iter().any(|w| w.resource == *id && w.path == f.path))
            .collect::<Vec<_>>()
    );
    let events: BTreeMap<String, Vec<String>> = app
        .resources
        .iter()
        .filter(|r| !r.events.is_empty())
        .map(|r| (resource_id(r), r.events.iter().map(|e| e.reason.clone()).collect()))
        .collect();
    assert_eq!(events, expected.events, "{name}: events attached as evidence");
    let needs_action = app.all_findings().any(Finding::needs_action);
    assert_eq!(i32::from(needs_action), expected.exit_code, "{name}: exit code");
}

fn load_expected(path: &Path) -> Expected {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_fixture_reports_exactly_its_expected_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut names: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures directory")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("expected.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let required = [
        "crd-list-change",
        "equal-quantities",
        "ignore-rules",
        "ignore-rules-flux-file",
        "orphans-argo",
        "orphans-flux",
        "kubectl-set-env",
        "label-removed-from-git",
        "missing-live",
        "server-defaults",
        "worked-example",
        // One per defect class the anchors' fixtures found (issue 14), in kdrift's own data.
        "namespace-left-to-destination",
        "stale-last-applied",
        "cluster-scoped-custom-kinds",
        "defaults-beyond-workloads",
        "tracking-conflict",
        "argocd-settings",
        "flux-drift-ignore-rules",
        "delivery-blocked",
    ];
    for name in required {
        assert!(names.iter().any(|n| n == name), "fixture {name} is missing");
    }
    for name in &names {
        let dir = root.join(name);
        let expected = load_expected(&dir.join("expected.yaml"));
        let desired = load_path(&dir.join("desired")).expect("desired loads").0;
        let live = load_path(&dir.join("live")).expect("live loads").0;
        let now = parse_rfc3339(&expected.now);
        let rule_files: Vec<_> = expected.ignore.iter().map(|file| dir.join(file)).collect();
        let loaded = load_rule_files(&rule_files).expect("rules load");
        let config =
            EngineConfig { rules: loaded.rules, compare_options: loaded.compare_options, ..Default::default() };
        let app = compare_app(&config, "checkout-api", "prod", now, desired, live).expect("compares");
        check(name, &app, &expected);
    }
}

#[test]
fn every_embedded_sample_reports_exactly_its_expected_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    let names = samples::names();
    for required in [
        "checkout-api",
        "image-hotfix",
        "orphan-service",
        "flux-apply-failed",
        "operator-children",
        "compliance-label",
        "break-glass-env",
    ] {
        assert!(names.contains(&required), "sample {required} is missing");
    }
    for name in names {
        let sample = samples::load(name).expect("sample loads");
        let app = compare_app(
            &EngineConfig::default(),
            &sample.meta.app,
            &sample.meta.namespace,
            sample.observed_at,
            sample.desired,
            sample.live,
        )
        .expect("compares");
        let expected = load_expected(&root.join(name).join("expected.yaml"));
        check(&format!("sample {name}"), &app, &expected);
    }
}
