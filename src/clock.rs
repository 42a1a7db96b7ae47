//! The one wall-clock read (the engine never reads a clock: it is handed "now").

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, or `None` on a clock set before 1970.
pub(crate) fn now() -> Option<i64> {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(elapsed.as_secs()).ok()
}

/// Now as RFC 3339 (`1970-01-01T00:00:00Z` when the clock is unreadable), for records.
pub(crate) fn now_rfc3339() -> String {
    crate::engine::time::format_rfc3339(now().unwrap_or(0))
}
