//! The JSON report (DESIGN §4, version 1): the contract CI, alerting and other tools read.

use crate::model::DriftReport;

pub(crate) fn render(report: &DriftReport) -> String {
    // Serializing plain data with string keys cannot fail; an empty object is never emitted.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
