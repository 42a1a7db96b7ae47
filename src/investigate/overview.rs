//! A fleet's overview read from the kdrift metrics in the user's Prometheus (`--prometheus
//! URL`): one row per app and cluster with the counts `kdrift serve` publishes, no finding
//! invented. The cluster is the series' `cluster` label (the external label a federated
//! Prometheus or Thanos adds); drilling into a row reads that app from that context.

use crate::investigate::summary::AppSummary;
use crate::investigate::{AppData, InvestigateError, Investigation, SourceKind, SourceSpec};
use crate::model::{AppReport, Category, Severity, SyncStatus};
use crate::sources::prometheus::{Prometheus, Sample};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// An app in one cluster: (cluster, destination namespace, app).
type Row = (String, String, String);

const BY: &str = "cluster, app, dest_namespace";

fn row_of(sample: &Sample) -> Row {
    let label = |name: &str| sample.labels.get(name).cloned().unwrap_or_default();
    (label("cluster"), label("dest_namespace"), label("app"))
}

/// Every app kdrift's metrics in the Prometheus at `url` know, summed up.
pub(crate) fn load(spec: &SourceSpec, url: &str) -> Result<Investigation, InvestigateError> {
    let prometheus = Prometheus::connect(url, Duration::from_secs(spec.request_timeout)).map_err(overview_error)?;
    let ask = |query: String| prometheus.query(&query).map_err(overview_error);
    let count = |metric: &str| -> Result<BTreeMap<Row, f64>, InvestigateError> {
        Ok(ask(format!("max by ({BY}) ({metric})"))?.iter().map(|s| (row_of(s), s.value)).collect())
    };
    let harmful = count("kdrift_app_harmful_findings")?;
    let expected = count("kdrift_app_expected_findings")?;
    let ignored = count("kdrift_app_ignored_findings")?;
    let orphans = count("kdrift_app_orphans")?;
    let oldest = count("kdrift_harmful_drift_oldest_seconds")?;
    let sync = ask(format!("max by ({BY}, status) (kdrift_app_sync) == 1"))?;
    let info = ask(format!("max by ({BY}, team, criticality) (kdrift_app_info)"))?;
    let findings = ask(format!("max by ({BY}, category, severity) (kdrift_findings) > 0"))?;
    let mut apps: BTreeMap<Row, AppData> = BTreeMap::new();
    for row in harmful.keys().chain(sync.iter().map(row_of).collect::<Vec<_>>().iter()) {
        apps.entry(row.clone()).or_insert_with(|| app_of(row, url));
    }
    let whole = |value: Option<&f64>| value.map_or(0, |v| v.max(0.0) as usize);
    for (row, app) in &mut apps {
        let summary = app.overview.get_or_insert_with(AppSummary::default);
        summary.harmful = whole(harmful.get(row));
        summary.expected = whole(expected.get(row));
        summary.ignored = whole(ignored.get(row));
        summary.orphans = whole(orphans.get(row));
        summary.oldest_harmful = oldest.get(row).map(|seconds| *seconds as i64);
    }
    // Two kdrifts that disagree about one app never make it Synced: out of sync if either
    // says so, else unknown.
    let mut said: BTreeMap<Row, SyncStatus> = BTreeMap::new();
    for sample in &sync {
        let status = match sample.labels.get("status").map(String::as_str) {
            Some("Synced") => SyncStatus::Synced,
            Some("OutOfSync") => SyncStatus::OutOfSync,
            _ => SyncStatus::Unknown,
        };
        let seen = said.entry(row_of(sample)).or_insert(status);
        *seen = match (*seen, status) {
            (before, now) if before == now => now,
            (SyncStatus::OutOfSync, _) | (_, SyncStatus::OutOfSync) => SyncStatus::OutOfSync,
            _ => SyncStatus::Unknown,
        };
    }
    for (row, status) in said {
        if let Some(app) = apps.get_mut(&row) {
            app.report.sync_status = status;
        }
    }
    for sample in &info {
        if let Some(app) = apps.get_mut(&row_of(sample)) {
            let label = |name: &str| sample.labels.get(name).filter(|v| !v.is_empty()).cloned();
            (app.report.owner_team, app.report.criticality) = (label("team"), label("criticality"));
            if let Some(summary) = &mut app.overview {
                summary.team.clone_from(&app.report.owner_team);
            }
        }
    }
    for sample in &findings {
        let text = |name: &str| Value::String(sample.labels.get(name).cloned().unwrap_or_default());
        let category: Option<Category> = serde_json::from_value(text("category")).ok();
        let severity = SEVERITIES.iter().copied().find(|s| Value::String(s.as_str().to_owned()) == text("severity"));
        if let (Some(app), Some(category), Some(severity)) = (apps.get_mut(&row_of(sample)), category, severity)
            && category.is_harmful()
            && let Some(summary) = &mut app.overview
        {
            summary.highest = summary.highest.max(Some(severity));
        }
    }
    let label = format!("prometheus {}", crate::sanitize::clean_line(url));
    let mut notes = Vec::new();
    if apps.is_empty() {
        notes.push(format!("{label} has no kdrift series: is kdrift serve scraped there?"));
    }
    Ok(Investigation { apps: apps.into_values().collect(), label, notes, ..Investigation::default() })
}

const SEVERITIES: &[Severity] = &[Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

/// An app known only from its series: no resources, no finding, its counts in `overview`.
fn app_of((cluster, namespace, name): &Row, url: &str) -> AppData {
    let note = format!(
        "from kdrift's metrics in Prometheus ({}): Enter reads it from its cluster",
        crate::sanitize::clean_line(url)
    );
    let mut report = AppReport::not_compared(name.clone(), Vec::new(), vec![note]);
    report.cluster = (!cluster.is_empty()).then(|| cluster.clone());
    let mut app = AppData::alone(report, SourceKind::Snapshot);
    app.namespace.clone_from(namespace);
    app.origin = format!("prometheus {}", crate::sanitize::clean_line(url));
    app.overview = Some(AppSummary::default());
    app
}

fn overview_error(error: crate::sources::prometheus::PrometheusError) -> InvestigateError {
    InvestigateError::Prometheus(error.to_string())
}
