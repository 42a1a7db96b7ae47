//! The lines between kdrift and its jq worker: one JSON request per line; one answer per
//! request, or per job for `Run`, each naming its job. The same types are written by one side
//! and read by the other. Holding a value and loading a program are requests of their own, so
//! each has its own deadline and none is charged to an expression.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;

/// Values a worker holds between requests: a pair's two sides.
pub(super) const SLOTS: usize = 2;

/// The most expressions one request runs (the one asked for, and the next ones ahead).
pub(super) const READ_AHEAD: usize = 64;

/// What one expression to run is called on both sides: its program's id and its position.
pub(super) type JobKey = (u64, usize);

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Request<'a> {
    /// Put `value` in `slot` (answered `Held`, or `Refused` with the slot emptied).
    Hold { slot: usize, value: Cow<'a, Value> },
    /// Compile a program of `expressions` under `id` (answered `Loaded` or `Refused`). A
    /// worker past half its memory budget first drops every program but those in `keep`.
    Load { id: u64, expressions: Cow<'a, [String]>, keep: Vec<u64> },
    /// Run `jobs` in order on the value in `slot` (one `Ran` per job, or `Unknown` once).
    Run { slot: usize, jobs: Vec<JobKey> },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "lowercase")]
pub(super) enum Answer {
    /// Sent once, when the worker is up and its memory capped.
    Ready,
    Held,
    /// `dropped`: programs other than the ones to keep were dropped first.
    Loaded {
        dropped: bool,
    },
    /// What one job gave, and how long it ran (in microseconds).
    Ran {
        job: JobKey,
        outcome: Outcome,
        micros: u64,
    },
    /// The worker lacks the value or a program the run needs.
    Unknown,
    /// The request could not be read or done (kdrift's words, never the value's).
    Refused(String),
}

/// What one expression gave: its paths, or jq's error.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "lowercase")]
pub(super) enum Outcome {
    Paths(Vec<Vec<Value>>),
    Error(String),
}

/// Equal as jq sees them: in the same key order (`to_entries`, `first(path(..))` see it,
/// which `==` on JSON values ignores) and numbers written the same (`-0.0` is not `0.0`).
pub(super) fn same_exactly(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && same_exactly(va, vb))
        }
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_exactly(x, y)),
        (Value::Number(x), Value::Number(y)) => {
            x.as_i64() == y.as_i64()
                && x.as_u64() == y.as_u64()
                && x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits)
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_null_value_to_hold_stays_a_value_and_numbers_keep_their_bits() {
        let value = json!({
            "null": null, "sum": 0.1 + 0.2, "tiny": 5e-324, "odd": 1.2345678901234567e-7,
            "negative zero": -0.0, "one": 1.0, "big": u64::MAX
        });
        let request = Request::Hold { slot: 1, value: Cow::Borrowed(&value) };
        let line = serde_json::to_string(&request).unwrap();
        let Request::Hold { slot: 1, value: read } = serde_json::from_str(&line).unwrap() else { panic!("{line}") };
        assert!(same_exactly(&read, &value), "{line}");
        let null = serde_json::to_string(&Request::Hold { slot: 0, value: Cow::Owned(Value::Null) }).unwrap();
        assert!(matches!(serde_json::from_str(&null).unwrap(), Request::Hold { value, .. } if value.is_null()));
    }

    #[test]
    fn values_jq_tells_apart_are_not_the_same() {
        assert!(!same_exactly(&json!({"x": -0.0}), &json!({"x": 0.0})));
        assert!(!same_exactly(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})));
        assert!(!same_exactly(&json!(1), &json!(1.0)));
        assert!(same_exactly(&json!({"a": [1, "x", null, 2.5]}), &json!({"a": [1, "x", null, 2.5]})));
    }
}
