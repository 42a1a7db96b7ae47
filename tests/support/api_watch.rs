//! Watch streams for the fake API server, as the real one serves them: a LIST carries the
//! collection's resourceVersion; `?watch=true&resourceVersion=N` streams every change after N
//! as one JSON event per line (chunked), with BOOKMARK events each second when asked
//! (`allowWatchBookmarks`), until `timeoutSeconds`; a resourceVersion older than what the
//! server still remembers is answered with an ERROR event of code 410 (Gone), after which a
//! client must list again.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::api_server::{Recorded, SERVED};
use serde_json::{Value, json};
use std::io::Write;
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Changes made to the served objects, numbered by resourceVersion.
pub struct WatchLog {
    log: Mutex<Log>,
}

struct Log {
    revision: u64,
    events: Vec<(u64, &'static str, Value)>,
    /// Watches from a resourceVersion older than this are told 410 Gone.
    forgotten_at: u64,
}

impl Default for WatchLog {
    fn default() -> WatchLog {
        WatchLog { log: Mutex::new(Log { revision: 4242, events: Vec::new(), forgotten_at: 0 }) }
    }
}

impl WatchLog {
    /// The resourceVersion a LIST answers with now.
    pub fn revision(&self) -> u64 {
        self.log.lock().unwrap().revision
    }

    /// Records that `object` was `kind` (ADDED, MODIFIED, DELETED), giving it the next
    /// resourceVersion.
    pub fn record(&self, kind: &'static str, object: &mut Value) {
        let mut log = self.log.lock().unwrap();
        log.revision += 1;
        object["metadata"]["resourceVersion"] = json!(log.revision.to_string());
        let revision = log.revision;
        log.events.push((revision, kind, object.clone()));
    }

    /// Forgets every change so far (as etcd compaction does): every open watch gets 410
    /// Gone, and only a LIST from now on gives a resourceVersion to watch from.
    pub fn forget(&self) {
        let mut log = self.log.lock().unwrap();
        log.revision += 1;
        log.forgotten_at = log.revision;
    }

    fn since(&self, after: u64) -> Result<Vec<(u64, &'static str, Value)>, ()> {
        let log = self.log.lock().unwrap();
        if after < log.forgotten_at {
            return Err(());
        }
        Ok(log.events.iter().filter(|(revision, _, _)| *revision > after).cloned().collect())
    }
}

/// Whether `request` asks for a watch.
pub fn is_watch(request: &Recorded) -> bool {
    request.method == "GET" && matches!(request.query().get("watch").map(String::as_str), Some("true" | "1"))
}

/// The kind and namespace a collection path names: `/apis/apps/v1/namespaces/prod/deployments`.
fn collection(path: &str) -> Option<(&'static str, Option<String>)> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let (namespace, plural) = match rest {
        ["namespaces", namespace, plural] => (Some((*namespace).to_owned()), *plural),
        [plural] => (None, *plural),
        _ => return None,
    };
    let served = SERVED.iter().find(|s| s.0 == group && s.1 == version && s.3 == plural)?;
    Some((served.2, namespace))
}

fn chunk(writer: &mut TcpStream, event: &Value) -> std::io::Result<()> {
    let line = format!("{event}\n");
    write!(writer, "{:x}\r\n{line}\r\n", line.len())?;
    writer.flush()
}

/// Answers the watch `request` on `writer` until its timeout, or until the client leaves.
pub fn stream(writer: &mut TcpStream, request: &Recorded, log: &WatchLog) {
    let query = request.query();
    let Some((kind, namespace)) = collection(request.path()) else {
        let _ = writer.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let mut after: u64 = query.get("resourceVersion").and_then(|v| v.parse().ok()).unwrap_or_else(|| log.revision());
    let seconds: u64 = query.get("timeoutSeconds").and_then(|v| v.parse().ok()).unwrap_or(290).min(30);
    let bookmarks = query.get("allowWatchBookmarks").is_some_and(|v| v == "true");
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    if writer.write_all(head.as_bytes()).is_err() {
        return;
    }
    let ends = Instant::now() + Duration::from_secs(seconds);
    let mut last_bookmark = Instant::now();
    while Instant::now() < ends {
        let Ok(events) = log.since(after) else {
            let gone = json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                "message": format!("too old resource version: {after}"), "reason": "Expired", "code": 410}});
            let _ = chunk(writer, &gone);
            break;
        };
        for (revision, event, object) in events {
            after = revision;
            let ours = object["kind"] == kind
                && namespace.as_ref().is_none_or(|ns| object["metadata"]["namespace"] == ns.as_str());
            if ours && chunk(writer, &json!({"type": event, "object": object})).is_err() {
                return;
            }
        }
        if bookmarks && last_bookmark.elapsed() >= Duration::from_secs(1) {
            last_bookmark = Instant::now();
            // Everything up to `after` was looked at: that is where a resumed watch starts.
            let mark = json!({"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": "v1",
                "metadata": {"resourceVersion": after.to_string()}}});
            if chunk(writer, &mark).is_err() {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = writer.write_all(b"0\r\n\r\n");
}
