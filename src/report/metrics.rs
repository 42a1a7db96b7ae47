//! The monitoring contract (DESIGN §4 "Monitoring"): what `kdrift serve` exposes on
//! `/metrics`, in the Prometheus text format (version 0.0.4). Labels are bounded — app,
//! dest_namespace (the app's destination, named as Argo CD's metrics name it, so a scrape's
//! own `namespace` label never clashes), category, severity, owner class, response, team,
//! criticality, controller —
//! never a resource name or a field path, so a thousand apps stay a few thousand series: a
//! clean app is three series, a drifted one adds one per non-zero count and one per distinct
//! (category, severity, owner class, response) among its findings.
//! Harmful drift (a person, a webhook, a missing or orphaned object) is counted apart from
//! expected drift (the HPA's replicas, defaults), which must never page anybody.

use crate::model::{AppReport, Finding, SyncStatus};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Why a scan failed, as the `reason` label of `kdrift_scan_errors_total` (a closed set).
pub(crate) const ERROR_REASONS: &[&str] = &["unreachable", "unauthorized", "forbidden", "timeout", "source", "other"];

/// Label values longer than this are cut: a label is a name (Kubernetes names reach 253),
/// not a document.
const LABEL_MAX: usize = 253;

/// One app, as the metrics need it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppMetrics {
    pub(crate) app: String,
    pub(crate) namespace: String,
    pub(crate) sync: SyncStatus,
    pub(crate) team: Option<String>,
    pub(crate) criticality: Option<String>,
    pub(crate) controller: Option<&'static str>,
    pub(crate) harmful: usize,
    pub(crate) expected: usize,
    pub(crate) ignored: usize,
    pub(crate) orphans: usize,
    /// How old the oldest harmful change a person or a webhook made was when the app was
    /// scanned (seconds), when its manager recorded a time.
    pub(crate) oldest_harmful_age: Option<i64>,
    /// Counted findings by (category, severity, owner class, response); ignored ones apart.
    pub(crate) findings: BTreeMap<[&'static str; 4], usize>,
}

impl AppMetrics {
    /// The metrics of `report`, its destination `namespace`, owned by `team`, its oldest
    /// harmful change `oldest_harmful_age` seconds old, as the investigation summed it up.
    pub(crate) fn of(
        report: &AppReport,
        namespace: &str,
        team: Option<String>,
        oldest_harmful_age: Option<i64>,
    ) -> AppMetrics {
        let mut findings = BTreeMap::new();
        let (mut harmful, mut expected, mut ignored) = (0, 0, 0);
        for finding in report.all_findings() {
            if finding.ignored_by.is_some() {
                ignored += 1;
                continue;
            }
            if finding.category.is_harmful() {
                harmful += 1
            } else {
                expected += 1
            }
            *findings.entry(labels_of(finding)).or_default() += 1;
        }
        AppMetrics {
            app: report.name.clone(),
            namespace: namespace.to_owned(),
            sync: report.sync_status,
            team,
            criticality: report.criticality.clone(),
            controller: report.controller.as_ref().map(|c| match c.kind {
                crate::model::ControllerKind::ArgoApplication => "argocd",
                crate::model::ControllerKind::FluxKustomization => "flux",
            }),
            harmful,
            expected,
            ignored,
            orphans: report.resources.iter().filter(|r| r.status == crate::model::ResourceStatus::Orphan).count(),
            oldest_harmful_age,
            findings,
        }
    }
}

fn labels_of(finding: &Finding) -> [&'static str; 4] {
    [
        finding.category.as_str(),
        finding.severity.as_str(),
        finding.owner.as_ref().map_or("none", |owner| owner.class.as_str()),
        finding.response.as_str(),
    ]
}

/// How the scans went, for kdrift's own health.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ScanStats {
    pub(crate) scans: u64,
    pub(crate) last_duration_seconds: f64,
    /// When the last scan that succeeded ended (seconds since the epoch).
    pub(crate) last_success_at: Option<i64>,
    /// Failed scans by reason (one of [`ERROR_REASONS`]).
    pub(crate) errors: BTreeMap<&'static str, u64>,
    /// Seconds between full scans; 0 for a source scanned once (a sample, a snapshot).
    pub(crate) rescan_interval_seconds: u64,
    /// Watch streams open on the cluster.
    pub(crate) watches: usize,
    /// Times a watch had to list again (410 Gone, a dropped stream).
    pub(crate) watch_restarts: u64,
    /// Changed objects compared again alone (no full scan), and how long the last batch took.
    pub(crate) recompares: u64,
    pub(crate) last_recompare_seconds: f64,
}

/// One metric family being written: its samples by label set, merged when two apps share
/// one (two apps of one name in one namespace count together rather than break the format).
struct Family {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    samples: BTreeMap<String, f64>,
    merge: fn(f64, f64) -> f64,
}

impl Family {
    fn new(name: &'static str, kind: &'static str, help: &'static str) -> Family {
        Family { name, help, kind, samples: BTreeMap::new(), merge: |a, b| a + b }
    }

    fn merged_by(mut self, merge: fn(f64, f64) -> f64) -> Family {
        self.merge = merge;
        self
    }

    fn add(&mut self, labels: &[(&str, &str)], value: f64) {
        let key = labels
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("{name}=\"{}\"", escape(value)))
            .collect::<Vec<_>>()
            .join(",");
        let merge = self.merge;
        self.samples.entry(key).and_modify(|old| *old = merge(*old, value)).or_insert(value);
    }

    fn write(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind);
        for (labels, value) in &self.samples {
            let labels = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
            let _ = writeln!(out, "{}{labels} {}", self.name, number(*value));
        }
    }
}

/// A label value as the text format needs it: `\`, `"` and newlines escaped; other control
/// characters dropped; cut to [`LABEL_MAX`] characters.
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars().take(LABEL_MAX) {
        match character {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { format!("{value}") }
}

/// The whole `/metrics` page, `since_scan` seconds after the apps were scanned (ages go on
/// growing between scans).
pub(crate) fn render(apps: &[AppMetrics], stats: &ScanStats, since_scan: i64) -> String {
    let mut findings = Family::new(
        "kdrift_findings",
        "gauge",
        "Drift findings now, by category, severity, owner class of the live value and suggested response (ignored ones left out).",
    );
    let mut harmful = Family::new(
        "kdrift_app_harmful_findings",
        "gauge",
        "Drift Git does not explain (changed by a person or a webhook, a missing or orphaned object), per app.",
    );
    let mut expected = Family::new(
        "kdrift_app_expected_findings",
        "gauge",
        "Expected differences (controller-managed fields such as HPA replicas, runtime metadata), per app: never page on these.",
    );
    let mut ignored = Family::new("kdrift_app_ignored_findings", "gauge", "Differences an ignore rule hides, per app.");
    let mut orphans = Family::new("kdrift_app_orphans", "gauge", "Live objects of the app that Git no longer has.");
    let mut oldest = Family::new(
        "kdrift_harmful_drift_oldest_seconds",
        "gauge",
        "Age of the oldest harmful change a person or a webhook made, from its managedFields time.",
    )
    .merged_by(f64::max);
    let mut sync =
        Family::new("kdrift_app_sync", "gauge", "The app's sync status as kdrift sees it (1 for the status it has).")
            .merged_by(f64::max);
    let mut info = Family::new(
        "kdrift_app_info",
        "gauge",
        "The app's owner team, criticality and GitOps controller, for joins (always 1).",
    )
    .merged_by(f64::max);
    for app in apps {
        let (name, namespace) = (app.app.as_str(), app.namespace.as_str());
        let at = [("app", name), ("dest_namespace", namespace)];
        for ([category, severity, owner_class, response], count) in &app.findings {
            let labels = [
                at[0],
                at[1],
                ("category", *category),
                ("severity", *severity),
                ("owner_class", *owner_class),
                ("response", *response),
            ];
            findings.add(&labels, *count as f64);
        }
        // Harmful is always there, so an alert on it resolves; the other counts only when
        // not zero, so a clean app costs three series (harmful, sync, info).
        harmful.add(&at, app.harmful as f64);
        for (family, count) in [(&mut expected, app.expected), (&mut ignored, app.ignored), (&mut orphans, app.orphans)]
        {
            if count > 0 {
                family.add(&at, count as f64);
            }
        }
        if let Some(age) = app.oldest_harmful_age.filter(|_| app.harmful > 0) {
            oldest.add(&at, (age + since_scan).max(0) as f64);
        }
        sync.add(&[at[0], at[1], ("status", app.sync.as_str())], 1.0);
        let team = app.team.as_deref().unwrap_or_default();
        let criticality = app.criticality.as_deref().unwrap_or_default();
        let controller = app.controller.unwrap_or_default();
        info.add(&[at[0], at[1], ("team", team), ("criticality", criticality), ("controller", controller)], 1.0);
    }
    let mut out = String::new();
    for family in [&findings, &harmful, &expected, &ignored, &orphans, &oldest, &sync, &info] {
        family.write(&mut out);
    }
    scans(stats, apps.len(), &mut out);
    out
}

/// kdrift's own health: scans, their duration, failures by reason, the apps seen.
fn scans(stats: &ScanStats, apps: usize, out: &mut String) {
    let mut single = |name: &'static str, kind: &'static str, help: &'static str, value: f64| {
        let mut family = Family::new(name, kind, help);
        family.add(&[], value);
        family.write(out);
    };
    single("kdrift_apps", "gauge", "Apps in the last report.", apps as f64);
    single("kdrift_scans_total", "counter", "Scans run since kdrift started.", stats.scans as f64);
    single("kdrift_scan_duration_seconds", "gauge", "How long the last scan took.", stats.last_duration_seconds);
    if let Some(at) = stats.last_success_at {
        single(
            "kdrift_last_scan_success_timestamp_seconds",
            "gauge",
            "When the last scan that succeeded ended (alert when it grows old: kdrift's view is stale).",
            at as f64,
        );
    }
    single(
        "kdrift_rescan_interval_seconds",
        "gauge",
        "Seconds between full scans; 0 when the source is scanned once (a sample or a snapshot never goes stale).",
        stats.rescan_interval_seconds as f64,
    );
    single("kdrift_watches", "gauge", "Watch streams open on the cluster.", stats.watches as f64);
    single(
        "kdrift_watch_restarts_total",
        "counter",
        "Times a watch had to list again (410 Gone, a dropped stream).",
        stats.watch_restarts as f64,
    );
    single(
        "kdrift_recompares_total",
        "counter",
        "Changed objects compared again alone, from what a watch delivered, without a full scan.",
        stats.recompares as f64,
    );
    single(
        "kdrift_recompare_duration_seconds",
        "gauge",
        "How long the last re-comparison of changed objects took, publishing included.",
        stats.last_recompare_seconds,
    );
    let mut errors = Family::new("kdrift_scan_errors_total", "counter", "Scans that failed, by reason.");
    for reason in ERROR_REASONS {
        errors.add(&[("reason", reason)], stats.errors.get(reason).copied().unwrap_or(0) as f64);
    }
    errors.write(out);
    let mut build = Family::new("kdrift_build_info", "gauge", "The kdrift version serving these metrics (always 1).");
    build.add(&[("version", env!("CARGO_PKG_VERSION"))], 1.0);
    build.write(out);
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
