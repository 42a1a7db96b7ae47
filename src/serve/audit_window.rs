//! The API server's audit webhook as `kdrift serve` receives it: `POST /api/v1/audit` with
//! an `audit.k8s.io/v1` `EventList`, from a caller holding the configured bearer token. The
//! writes are kept for a bounded window (a month, at most `MAX_WRITES`), and every app's
//! owners are matched against them after each scan, re-comparison and delivery.

use crate::investigate::Investigation;
use crate::sources::audit::{AuditIndex, Wanted};

/// Writes kept: about 300 bytes each.
const MAX_WRITES: usize = 50_000;
/// Seconds a write is kept behind the newest event.
const MAX_AGE: i64 = 30 * 86_400;

#[derive(Debug)]
pub(crate) struct AuditWindow {
    token: String,
    index: AuditIndex,
}

impl AuditWindow {
    pub(crate) fn new(token: String) -> AuditWindow {
        AuditWindow { token, index: AuditIndex::new("kdrift serve's audit webhook".to_owned()) }
    }

    /// Whether an `Authorization` header carries the token, compared in constant time.
    pub(crate) fn authorizes(&self, header: Option<&[u8]>) -> bool {
        let Some(given) = header.and_then(|h| h.strip_prefix(b"Bearer ")) else {
            return false;
        };
        let expected = self.token.as_bytes();
        given.len() == expected.len() && given.iter().zip(expected).fold(0, |diff, (a, b)| diff | (a ^ b)) == 0
    }

    /// Adds one delivery's events; `Err` says why the body is not an EventList.
    pub(crate) fn add(&mut self, body: &[u8]) -> Result<usize, String> {
        let count = self.index.add_event_list(body, &Wanted::everything())?;
        // A month behind the newest event received, by the API server's clock.
        if let Some(newest) = self.index.newest() {
            self.index.forget_before(newest - MAX_AGE);
        }
        self.index.keep_newest(MAX_WRITES);
        Ok(count)
    }

    /// Matches every app's owners against the writes received.
    pub(crate) fn attach(&self, investigation: &mut Investigation) {
        for app in &mut investigation.apps {
            crate::investigate::attach_actors(&mut app.report, &self.index);
        }
    }
}
