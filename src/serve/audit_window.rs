//! The API server's audit webhook as `kdrift serve` receives it: `POST /api/v1/audit` with
//! an `audit.k8s.io/v1` `EventList`, from a caller holding the configured bearer token. The
//! writes that can be an app's drift are kept for a bounded window (a month behind the
//! newest, at most `MAX_WRITES`), and every app's owners are matched against them after
//! each scan, re-comparison and delivery — adding to what an `--audit-log` file named.

use crate::investigate::Investigation;
use crate::sources::audit::{AuditIndex, Wanted};

/// Writes kept: a few hundred bytes each.
const MAX_WRITES: usize = 100_000;
/// Seconds a write is kept behind the newest event.
const MAX_AGE: i64 = 30 * 86_400;

pub(crate) struct AuditWindow {
    token: String,
    index: AuditIndex,
}

impl std::fmt::Debug for AuditWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        write!(f, "AuditWindow({} events)", self.index.coverage.events)
    }
}

impl AuditWindow {
    pub(crate) fn new(token: String) -> AuditWindow {
        AuditWindow { token, index: AuditIndex::new("kdrift serve's audit webhook".to_owned()) }
    }

    /// Whether an `Authorization` header carries the token, compared in constant time.
    pub(crate) fn authorizes(&self, header: Option<&[u8]>) -> bool {
        let Some(header) = header.filter(|h| h.len() > 7 && h[..7].eq_ignore_ascii_case(b"bearer ")) else {
            return false;
        };
        let (given, expected) = (&header[7..], self.token.as_bytes());
        given.len() == expected.len() && given.iter().zip(expected).fold(0, |diff, (a, b)| diff | (a ^ b)) == 0
    }

    /// Adds one delivery's events; `Err` says why the body is not an EventList.
    pub(crate) fn add(&mut self, body: &[u8]) -> Result<usize, String> {
        let count = self.index.add_event_list(body, &Wanted::everything())?;
        // A month behind the newest event, but never behind kdrift's own clock: an event
        // dated in the future must not empty the window.
        let now = crate::clock::now();
        if let Some(newest) = self.index.newest().map(|newest| now.map_or(newest, |now| newest.min(now))) {
            self.index.forget_before(newest - MAX_AGE);
        }
        self.index.keep_newest(MAX_WRITES);
        Ok(count)
    }

    /// Matches every app's owners against the writes received, once any has arrived.
    pub(crate) fn attach(&self, investigation: &mut Investigation) {
        if self.index.coverage.events == 0 {
            return;
        }
        for app in &mut investigation.apps {
            crate::investigate::add_actors(&mut app.report, &self.index);
        }
    }
}
