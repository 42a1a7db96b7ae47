//! What `kdrift serve` publishes: the last good scan (each app's metrics and the JSON
//! report) and how the scans went. The scanner writes it after each scan; HTTP requests read
//! it, and render `/metrics` from it at scrape time so ages keep growing between scans.

use crate::investigate::summary::AppSummary;
use crate::investigate::{InvestigateError, Investigation};
use crate::model::DriftReport;
use crate::report::metrics::{self, AppMetrics, ScanStats};
use hyper::body::Bytes;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct Published {
    apps: Vec<AppMetrics>,
    /// The JSON report v1 of the last good scan (shared by every request, not copied).
    report: Option<Bytes>,
    scanned_at: Option<Instant>,
    stats: ScanStats,
    /// Why the last scan failed, while the one before it still shows.
    last_error: Option<String>,
}

/// Shared between the scanner and the HTTP server.
#[derive(Debug, Default)]
pub(crate) struct Board {
    published: RwLock<Published>,
    /// Set when a scanner that should run has stopped (it panicked): `/healthz` fails, so
    /// the kubelet restarts the pod rather than serve a frozen report as if current.
    scanner_lost: AtomicBool,
}

impl Board {
    /// Seconds between full scans (0: a source scanned once).
    pub(crate) fn set_interval(&self, seconds: u64) {
        self.write().stats.rescan_interval_seconds = seconds;
    }

    /// How many watch streams are open.
    pub(crate) fn watching(&self, streams: usize) {
        self.write().stats.watches = streams;
    }

    /// A watch had to list again.
    pub(crate) fn watch_restarted(&self) {
        self.write().stats.watch_restarts += 1;
    }

    /// The scanner is gone for good.
    pub(crate) fn scanner_lost(&self) {
        self.scanner_lost.store(true, Ordering::SeqCst);
    }

    /// Alive unless the scanner is lost.
    pub(crate) fn liveness(&self) -> Result<(), &'static str> {
        match self.scanner_lost.load(Ordering::SeqCst) {
            true => Err("the scanner stopped: the report would never change again"),
            false => Ok(()),
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Published> {
        self.published.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// A scan that finished: its apps summed up with `owner_labels`, taking `took`.
    pub(crate) fn publish(&self, investigation: Investigation, owner_labels: &[String], took: Duration) {
        let apps: Vec<AppMetrics> = (investigation.apps.iter())
            .map(|app| {
                let summary = AppSummary::of(app, owner_labels);
                AppMetrics::of(&app.report, &app.namespace, summary.team, summary.oldest_harmful)
            })
            .collect();
        let report = DriftReport::new(investigation.apps.into_iter().map(|app| app.report).collect());
        let json = crate::report::json::render(&report) + "\n";
        let mut published = self.write();
        published.apps = apps;
        published.report = Some(Bytes::from(json));
        published.scanned_at = Some(Instant::now());
        published.stats.scans += 1;
        published.stats.last_duration_seconds = took.as_secs_f64();
        published.stats.last_success_at = crate::clock::now();
        published.last_error = None;
    }

    /// A scan that failed: counted by reason; the last good one stays published.
    pub(crate) fn failed(&self, error: &InvestigateError, took: Duration) {
        let mut published = self.write();
        published.stats.scans += 1;
        published.stats.last_duration_seconds = took.as_secs_f64();
        *published.stats.errors.entry(reason(error)).or_default() += 1;
        published.last_error = Some(crate::sanitize::clean_line(&error.to_string()));
    }

    /// The `/metrics` page now.
    pub(crate) fn metrics(&self) -> String {
        let published = self.published.read().unwrap_or_else(PoisonError::into_inner);
        let since = published.scanned_at.map_or(0, |at| i64::try_from(at.elapsed().as_secs()).unwrap_or(i64::MAX));
        metrics::render(&published.apps, &published.stats, since)
    }

    /// The last good report, once a scan has succeeded.
    pub(crate) fn report(&self) -> Option<Bytes> {
        self.published.read().unwrap_or_else(PoisonError::into_inner).report.clone()
    }

    /// Ready once a scan has succeeded (saying so when the latest failed since); else why not.
    pub(crate) fn readiness(&self) -> Result<String, String> {
        let published = self.published.read().unwrap_or_else(PoisonError::into_inner);
        match (&published.report, &published.last_error) {
            (Some(_), None) => Ok("ready".to_owned()),
            (Some(_), Some(error)) => Ok(format!("ready, from an earlier scan: the latest failed: {error}")),
            (None, Some(error)) => Err(format!("no scan has succeeded yet; the last failed: {error}")),
            (None, None) => Err("the first scan has not finished yet".to_owned()),
        }
    }
}

/// The `reason` label of a failed scan (one of `metrics::ERROR_REASONS`).
fn reason(error: &InvestigateError) -> &'static str {
    use crate::sources::SourceError;
    use crate::sources::cluster::{ClusterError, Problem};
    match error {
        InvestigateError::Source(SourceError::Cluster(cluster)) => match cluster {
            ClusterError::Request { problem, .. } => match problem {
                Problem::Unauthorized(_) => "unauthorized",
                Problem::Forbidden(_) => "forbidden",
                Problem::Timeout(_) => "timeout",
                Problem::Unreachable { .. } => "unreachable",
                _ => "other",
            },
            _ => "source",
        },
        InvestigateError::Source(_)
        | InvestigateError::NoSource
        | InvestigateError::NoApps(_)
        | InvestigateError::NoSuchApp(..)
        | InvestigateError::Catalog(_)
        | InvestigateError::Renderer(_)
        | InvestigateError::Config(_) => "source",
        _ => "other",
    }
}
