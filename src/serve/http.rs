//! The HTTP side of `kdrift serve`: `GET` (or `HEAD`) of `/metrics`, `/healthz`, `/readyz`,
//! `/api/v1/report` and `/`, and — when a token is configured — `POST /api/v1/audit` from the
//! API server's audit webhook. It is exposed to whatever can reach the port, so it is
//! bounded: headers must arrive within seconds and fit in a small buffer, a connection
//! lives a minute at most, and past a fixed number of open connections new ones are closed
//! at once with a 503. The only body read is an audit delivery, after its token is checked,
//! within a size and a time.

use crate::serve::board::Board;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Connections served at once; more are closed unanswered.
pub(crate) const MAX_CONNECTIONS: usize = 64;
/// Time for a request's headers to arrive.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a connection (keep-alive included) is kept.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(60);
/// Bytes of request (line and headers) read before giving up on it.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// The Prometheus text format's content type.
const METRICS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves `board` on `listener` until `stop` resolves.
pub(crate) async fn serve(listener: TcpListener, board: Arc<Board>, stop: impl std::future::Future<Output = ()>) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => return,
        };
        let Ok((stream, _)) = accepted else {
            // Out of file descriptors, say: wait a little rather than spin on the error.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            // Full: say so at once and close, never wait for the request.
            tokio::spawn(busy(stream));
            continue;
        };
        let board = Arc::clone(&board);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let board = Arc::clone(&board);
                async move {
                    if request.uri().path() == AUDIT_PATH && request.method() == Method::POST {
                        return Ok::<_, Infallible>(receive_audit(request, &board).await);
                    }
                    Ok::<_, Infallible>(respond(&request, &board))
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_REQUEST_BYTES)
                .serve_connection(TokioIo::new(stream), service);
            // Whatever the peer does, the connection ends: errors are the peer's to see.
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection).await;
            drop(permit);
        });
    }
}

/// What a connection past the limit is told, within a second, before it is closed: the
/// answer, then a short drain of what the client sent (closing with unread bytes would
/// reset the connection, and the client might never read the 503).
async fn busy(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let answer = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(answer).await?;
        stream.shutdown().await?;
        let mut sink = [0_u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, std::io::Error>(())
    })
    .await;
}

fn respond(request: &Request<Incoming>, board: &Board) -> Response<Full<Bytes>> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD are served\n".to_owned());
        response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    match request.uri().path() {
        "/metrics" => typed(StatusCode::OK, METRICS_TYPE, Bytes::from(board.metrics())),
        "/healthz" => match board.liveness() {
            Ok(()) => text(StatusCode::OK, "ok\n".to_owned()),
            Err(why) => text(StatusCode::SERVICE_UNAVAILABLE, format!("{why}\n")),
        },
        "/readyz" => match board.readiness() {
            Ok(state) => text(StatusCode::OK, format!("{state}\n")),
            Err(why) => text(StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}\n")),
        },
        // Rendered on first ask after a change, which can take a while for a large fleet: off
        // the worker that serves `/healthz` and `/metrics` meanwhile (serve's runtime has two).
        "/api/v1/report" => match tokio::task::block_in_place(|| board.report()) {
            Some(report) => typed(StatusCode::OK, "application/json", report),
            None => {
                text(StatusCode::SERVICE_UNAVAILABLE, "no report yet: the first scan has not succeeded\n".to_owned())
            }
        },
        "/" => text(
            StatusCode::OK,
            "kdrift serve: /metrics (Prometheus), /api/v1/report (JSON report v1), /healthz, /readyz\n".to_owned(),
        ),
        _ => text(StatusCode::NOT_FOUND, "not found: /metrics, /api/v1/report, /healthz, /readyz\n".to_owned()),
    }
}

/// Where the API server's audit webhook delivers (`--audit-webhook-token-file`).
const AUDIT_PATH: &str = "/api/v1/audit";
/// Bytes of one delivery: the API server batches up to 400 events, each a few KiB at the
/// Metadata level (request bodies, at higher levels, make it more).
const MAX_AUDIT_BODY: usize = 32 * 1024 * 1024;
/// Time for a delivery's body to arrive.
const AUDIT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// One audit webhook delivery: the token first (nothing is read from a caller without it),
/// then a bounded body, parsed as an `EventList`.
async fn receive_audit(request: Request<Incoming>, board: &Board) -> Response<Full<Bytes>> {
    use http_body_util::BodyExt as _;
    let header = request.headers().get(header::AUTHORIZATION).map(header::HeaderValue::as_bytes);
    match board.audit_authorizes(header) {
        None => {
            return text(
                StatusCode::NOT_FOUND,
                "no audit webhook here: start serve with --audit-webhook-token-file\n".to_owned(),
            );
        }
        Some(false) => {
            let mut response = text(StatusCode::UNAUTHORIZED, "a bearer token is needed\n".to_owned());
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            return response;
        }
        Some(true) => {}
    }
    let too_large = || {
        let why = format!("the body is over {} or broke off\n", crate::limits::size(MAX_AUDIT_BODY as u64));
        text(StatusCode::PAYLOAD_TOO_LARGE, why)
    };
    // A declared length past the bound is refused before any of it is read.
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_AUDIT_BODY as u64) {
        return too_large();
    }
    let body = http_body_util::Limited::new(request.into_body(), MAX_AUDIT_BODY);
    let bytes = match tokio::time::timeout(AUDIT_BODY_TIMEOUT, body.collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(_)) => return too_large(),
        Err(_) => return text(StatusCode::REQUEST_TIMEOUT, "the body did not arrive in time\n".to_owned()),
    };
    match tokio::task::block_in_place(|| board.deliver_audit(&bytes)) {
        Ok(count) => text(StatusCode::OK, format!("{count} events received\n")),
        Err(why) => text(StatusCode::BAD_REQUEST, format!("{}\n", crate::sanitize::clean_line(&why))),
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    typed(status, "text/plain; charset=utf-8", Bytes::from(body))
}

fn typed(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    response
}
