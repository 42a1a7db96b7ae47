//! The lines between kdrift and its jq worker: one JSON request per line, one JSON answer
//! per expression run. The same types are written by one side and read by the other.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;

/// Values a worker holds between requests: a pair's two sides.
pub const SLOTS: usize = 2;

/// The most expressions one request runs (the one asked for, and the next ones ahead).
pub const READ_AHEAD: usize = 64;

/// Run `jobs` (program id, position) in order on the value in `slot`, after compiling
/// `programs` and putting `value` in the slot (each only when the worker lacks it).
#[derive(Serialize, Deserialize)]
pub struct Request<'a> {
    pub jobs: Vec<(u64, usize)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<ProgramText<'a>>,
    pub slot: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Held<'a>>,
}

/// A program's expressions, under the id jobs name it by.
#[derive(Serialize, Deserialize)]
pub struct ProgramText<'a> {
    pub id: u64,
    pub expressions: Cow<'a, [String]>,
}

/// A value to hold: wrapped, so a value that is `null` (an expression may delete a whole
/// side) is not read as no value at all.
#[derive(Serialize, Deserialize)]
pub struct Held<'a> {
    pub value: Cow<'a, Value>,
}

/// One answer: the paths, jq's error, or (alone, for the whole request) that the worker
/// lacks a program or the value.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Paths(Vec<Vec<Value>>),
    Error(String),
    Unknown,
}

/// Equal as jq sees them: in the same key order (`to_entries`, `first(path(..))` see it,
/// which `==` on JSON values ignores) and numbers written the same (`-0.0` is not `0.0`).
pub fn same_exactly(a: &Value, b: &Value) -> bool {
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
    fn a_null_value_to_hold_stays_a_value() {
        let request = Request {
            jobs: vec![(1, 0)],
            programs: vec![],
            slot: 0,
            value: Some(Held { value: Cow::Owned(Value::Null) }),
        };
        let line = serde_json::to_string(&request).unwrap();
        let read: Request<'static> = serde_json::from_str(&line).unwrap();
        assert!(read.value.is_some_and(|held| held.value.is_null()), "{line}");
        let without: Request<'static> = serde_json::from_str(r#"{"jobs":[[1,0]],"slot":0}"#).unwrap();
        assert!(without.value.is_none());
    }

    #[test]
    fn values_jq_tells_apart_are_not_the_same() {
        assert!(!same_exactly(&json!({"x": -0.0}), &json!({"x": 0.0})));
        assert!(!same_exactly(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})));
        assert!(!same_exactly(&json!(1), &json!(1.0)));
        assert!(same_exactly(&json!({"a": [1, "x", null, 2.5]}), &json!({"a": [1, "x", null, 2.5]})));
    }
}
