//! What `kdrift serve` publishes: the last good scan (each app's metrics, and the apps
//! themselves for the JSON report, rendered when first asked after a change) and how the
//! scans went. The scanner writes it after each scan and amends it after re-comparing a
//! changed object; HTTP requests read it, and render `/metrics` from it at scrape time so
//! ages keep growing between scans.

use crate::investigate::summary::AppSummary;
use crate::investigate::{InvestigateError, Investigation};
use crate::model::DriftReport;
use crate::report::metrics::{self, AppMetrics, ScanStats};
use crate::serve::audit_window::AuditWindow;
use hyper::body::Bytes;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct Published {
    apps: Vec<AppMetrics>,
    scanned_at: Option<Instant>,
    stats: ScanStats,
    /// Why the last scan failed, while the one before it still shows.
    last_error: Option<String>,
}

/// The apps of the last good scan, as re-comparisons since have left them.
#[derive(Debug, Default)]
struct Held {
    investigation: Option<Investigation>,
    /// Their JSON report v1, once asked (shared by every request, not copied); cleared by a change.
    json: Option<Bytes>,
}

/// Shared between the scanner and the HTTP server.
#[derive(Debug, Default)]
pub(crate) struct Board {
    published: RwLock<Published>,
    held: Mutex<Held>,
    /// Set when a scanner that should run has stopped (it panicked): `/healthz` fails, so
    /// the kubelet restarts the pod rather than serve a frozen report as if current.
    scanner_lost: AtomicBool,
    /// The audit webhook's writes, when it is served (locked after `held` when both are).
    audit: Mutex<Option<AuditWindow>>,
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

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn audit(&self) -> std::sync::MutexGuard<'_, Option<AuditWindow>> {
        self.audit.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Serves the audit webhook to callers holding `token`.
    pub(crate) fn receive_audit(&self, token: String) {
        *self.audit() = Some(AuditWindow::new(token));
    }

    /// Whether an `Authorization` header may deliver audit events (`None`: no webhook).
    pub(crate) fn audit_authorizes(&self, header: Option<&[u8]>) -> Option<bool> {
        self.audit().as_ref().map(|window| window.authorizes(header))
    }

    /// One webhook delivery: its writes kept, and every app's owners matched again.
    pub(crate) fn deliver_audit(&self, body: &[u8]) -> Result<usize, String> {
        let count = match self.audit().as_mut() {
            Some(window) => window.add(body)?,
            None => return Err("no audit webhook is served".to_owned()),
        };
        let mut held = self.held();
        if let (Some(investigation), Some(window)) = (held.investigation.as_mut(), self.audit().as_ref()) {
            window.attach(investigation);
        }
        held.json = None;
        Ok(count)
    }

    /// A scan that finished: its apps summed up with `owner_labels`, taking `took`.
    pub(crate) fn publish(&self, mut investigation: Investigation, owner_labels: &[String], took: Duration) {
        if let Some(window) = self.audit().as_ref() {
            window.attach(&mut investigation);
        }
        let apps: Vec<AppMetrics> = investigation.apps.iter().map(|app| metrics_of(app, owner_labels)).collect();
        *self.held() = Held { investigation: Some(investigation), json: None };
        let mut published = self.write();
        published.apps = apps;
        published.scanned_at = Some(Instant::now());
        published.stats.scans += 1;
        published.stats.last_duration_seconds = took.as_secs_f64();
        published.stats.last_success_at = crate::clock::now();
        published.last_error = None;
    }

    /// Changes the published apps in place (`work` re-compares changed objects, says which
    /// app each one it compared belongs to, and whether it settled everything); those apps
    /// are summed up again. `None` before a scan has succeeded.
    pub(crate) fn amend<T>(
        &self,
        owner_labels: &[String],
        work: impl FnOnce(&mut Investigation) -> (Vec<usize>, T),
    ) -> Option<T> {
        let started = Instant::now();
        let mut held = self.held();
        let investigation = held.investigation.as_mut()?;
        let (mut changed, outcome) = work(investigation);
        if changed.is_empty() {
            return Some(outcome);
        }
        if let Some(window) = self.audit().as_ref() {
            window.attach(investigation);
        }
        let objects = changed.len() as u64;
        changed.sort_unstable();
        changed.dedup();
        let metrics: Vec<(usize, AppMetrics)> =
            changed.iter().map(|&index| (index, metrics_of(&investigation.apps[index], owner_labels))).collect();
        held.json = None;
        drop(held);
        let mut published = self.write();
        for (index, app) in metrics {
            if let Some(slot) = published.apps.get_mut(index) {
                *slot = app;
            }
        }
        published.stats.recompares += objects;
        published.stats.last_recompare_seconds = started.elapsed().as_secs_f64();
        Some(outcome)
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

    /// The last good report, once a scan has succeeded (as re-comparisons left it).
    pub(crate) fn report(&self) -> Option<Bytes> {
        let mut held = self.held();
        if held.json.is_none() {
            let investigation = held.investigation.as_ref()?;
            let mut report = DriftReport::new(investigation.apps.iter().map(|app| app.report.clone()).collect());
            report.unreachable.clone_from(&investigation.unreachable);
            held.json = Some(Bytes::from(crate::report::json::render(&report) + "\n"));
        }
        held.json.clone()
    }

    /// Ready once a scan has succeeded (saying so when the latest failed since); else why not.
    pub(crate) fn readiness(&self) -> Result<String, String> {
        let published = self.published.read().unwrap_or_else(PoisonError::into_inner);
        match (&published.scanned_at, &published.last_error) {
            (Some(_), None) => Ok("ready".to_owned()),
            (Some(_), Some(error)) => Ok(format!("ready, from an earlier scan: the latest failed: {error}")),
            (None, Some(error)) => Err(format!("no scan has succeeded yet; the last failed: {error}")),
            (None, None) => Err("the first scan has not finished yet".to_owned()),
        }
    }
}

/// One app's metrics, its team from `owner_labels`.
fn metrics_of(app: &crate::investigate::AppData, owner_labels: &[String]) -> AppMetrics {
    let summary = AppSummary::of(app, owner_labels);
    AppMetrics::of(&app.report, &app.namespace, summary.team, summary.oldest_harmful)
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
