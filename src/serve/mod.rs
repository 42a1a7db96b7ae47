//! `kdrift serve` (DESIGN §4 "Monitoring"), the third front end beside the TUI and the CLI:
//! scans its sources, keeps every app's report current and serves it to Prometheus. A
//! sample, a snapshot or files are scanned once (a static report: try it, demonstrate it,
//! test it without a cluster); a cluster is watched and scanned again when what the apps
//! are made of changes, and every interval, the last good report staying published while a
//! scan fails.

mod audit_window;
pub(crate) mod board;
mod http;
mod scanner;

use crate::investigate::{self, Keep, Request, SourceKind};
use board::Board;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: SocketAddr, reason: String },
    #[error("cannot start the server: {0}")]
    Runtime(String),
    #[error("audit webhook token file {}: {reason}", path.display())]
    Token { path: std::path::PathBuf, reason: String },
    #[error(transparent)]
    Investigate(#[from] investigate::InvestigateError),
}

/// The audit webhook's bearer token, from `path` (one line; surrounding space dropped).
pub(crate) fn read_token(path: &std::path::Path) -> Result<String, ServeError> {
    let token = |reason: String| ServeError::Token { path: path.to_owned(), reason };
    let text = crate::sources::bounded::read_text(path).map_err(|e| token(e.to_string()))?;
    let text = text.trim();
    if text.len() < 16 || text.contains(char::is_whitespace) {
        return Err(token("it must hold one token of at least 16 characters, without spaces".to_owned()));
    }
    Ok(text.to_owned())
}

/// What to serve, where, how often.
#[derive(Debug, Clone)]
pub(crate) struct ServeOptions {
    pub(crate) request: Request,
    pub(crate) listen: SocketAddr,
    /// Between scans of a source that changes (a cluster, a repository).
    pub(crate) interval: Duration,
    /// Labels naming an app's owner team (config `owner_labels`).
    pub(crate) owner_labels: Vec<String>,
    /// The bearer token the API server's audit webhook sends (`None`: no webhook served).
    pub(crate) audit_token: Option<String>,
    /// Told the address actually bound (port 0 picks a free one), before serving starts.
    pub(crate) on_listening: Option<fn(SocketAddr)>,
}

/// Whether the request's sources stay as they are (nothing to scan again).
fn is_static(request: &Request) -> bool {
    match request {
        Request::Samples => true,
        Request::Sources(spec) => matches!(spec.kind(), SourceKind::Sample(_) | SourceKind::Snapshot),
    }
}

/// Serves until SIGINT or SIGTERM. A static source that cannot be read, or a kubeconfig
/// without the context asked for, is an error before anything listens; a cluster that
/// cannot be reached is a metric, and `/readyz` says so until a scan succeeds.
pub(crate) fn run(options: ServeOptions) -> Result<(), ServeError> {
    let board = Arc::new(Board::default());
    if let Some(token) = &options.audit_token {
        board.receive_audit(token.clone());
    }
    let fixed = is_static(&options.request);
    if fixed {
        scan_once(&options, &board)?;
    } else if let Request::Sources(spec) = &options.request {
        // A missing kubeconfig or context is not transient: say so now, not forever.
        crate::sources::cluster::current_context(spec.context.as_deref())
            .map_err(|error| ServeError::Investigate(crate::sources::SourceError::from(error).into()))?;
        board.set_interval(options.interval.as_secs());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()
        .map_err(|error| ServeError::Runtime(error.to_string()))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(options.listen))
        .map_err(|error| ServeError::Listen { addr: options.listen, reason: error.to_string() })?;
    let bound = listener
        .local_addr()
        .map_err(|error| ServeError::Listen { addr: options.listen, reason: error.to_string() })?;
    if let Some(told) = options.on_listening {
        told(bound);
    }
    let (waker, wakes) = scanner::channel();
    let waker = Arc::new(waker);
    let scanner = (!fixed).then(|| {
        let (options, board, waker, handle) =
            (options.clone(), Arc::clone(&board), Arc::clone(&waker), runtime.handle().clone());
        std::thread::spawn(move || scanner::run(&options, &board, (waker, wakes), &handle))
    });
    runtime.block_on(http::serve(listener, Arc::clone(&board), shutdown()));
    waker.stop();
    if let Some(scanner) = scanner {
        // A scan in flight may finish within a few seconds; past that, leave without it
        // (it only reads), so a pod stops within its grace period.
        let deadline = Instant::now() + STOP_WAIT;
        while !scanner.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

/// How long stopping waits for a scan in flight.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// One scan, published; an error is returned, not published.
fn scan_once(options: &ServeOptions, board: &Board) -> Result<(), ServeError> {
    let started = Instant::now();
    let investigation = investigate::load(&options.request, &Keep::Resident)?;
    board.publish(investigation, &options.owner_labels, started.elapsed());
    Ok(())
}

/// Resolves on SIGINT or SIGTERM (a pod being stopped).
async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = interrupt => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

#[cfg(test)]
mod tests {
    use crate::report::metrics::{AppMetrics, ScanStats, render};

    fn series(page: &str) -> usize {
        page.lines().filter(|l| !l.starts_with('#')).count()
    }

    #[test]
    fn a_thousand_drifted_apps_stay_under_ten_series_each() {
        let own = series(&render(&[], &ScanStats::default(), 0));
        // Every sample's real report, a hundred times over under other names.
        let mut drifted = Vec::new();
        for name in crate::sources::samples::names() {
            let (report, _) = crate::investigate::scan(&crate::investigate::SourceSpec::sample(name)).unwrap();
            drifted.extend(report.apps.iter().map(|a| AppMetrics::of(a, "prod", Some("payments".into()), Some(60))));
        }
        let fleet: Vec<AppMetrics> =
            (0..1_000).map(|i| AppMetrics { app: format!("app-{i}"), ..drifted[i % drifted.len()].clone() }).collect();
        let count = series(&render(&fleet, &ScanStats::default(), 0));
        assert!(count <= 10 * 1_000 + own, "{count} series for 1,000 drifted apps");
    }
}
