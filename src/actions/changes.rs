//! What a write changes in an object: every leaf whose value differs between the live
//! object and the server's answer, as `path: old → new`, masked as every screen is.

use crate::actions::sync_scope::Change;
use serde_json::Value;

/// Fields whose values differ between two objects, as `path: old → new`, both objects
/// masked first (Secret payload, masked annotations, last-applied copies) so no value the
/// masks hide reaches a preview; the server's own bookkeeping is left out.
#[cfg(test)]
pub(crate) fn leaf_changes(before: &Value, after: &Value, masked_annotations: &[String]) -> Vec<String> {
    changed_leaves(before, after, masked_annotations).into_iter().map(|change| change.line).collect()
}

/// The same, each change with its pointer.
pub(crate) fn changed_leaves(before: &Value, after: &Value, masked_annotations: &[String]) -> Vec<Change> {
    let differs = |pointer: &str| before.pointer(pointer) != after.pointer(pointer);
    let (mut before_shown, mut after_shown) = (before.clone(), after.clone());
    // A write can change the kind only in a broken answer: if either side is a Secret, both
    // are masked as one.
    let is_secret =
        |v: &Value| v.get("kind").and_then(Value::as_str).is_some_and(crate::engine::secrets::is_secret_kind);
    let kind = match is_secret(before) || is_secret(after) {
        true => Some(Value::String("Secret".to_owned())),
        false => after.get("kind").or_else(|| before.get("kind")).cloned(),
    };
    for shown in [&mut before_shown, &mut after_shown] {
        if let (Some(kind), Some(map)) = (&kind, shown.as_object_mut()) {
            map.insert("kind".to_owned(), kind.clone());
        }
    }
    crate::engine::secrets::mask_object(&mut before_shown, masked_annotations, |_| false);
    crate::engine::secrets::mask_object(&mut after_shown, masked_annotations, differs);
    let mut changes = Vec::new();
    walk(&before_shown, &after_shown, &mut String::new(), &mut changes);
    changes
}

const SERVER_FIELDS: &[&str] =
    ["/metadata/managedFields", "/metadata/resourceVersion", "/metadata/generation", "/metadata/uid", "/status"]
        .as_slice();

fn walk(before: &Value, after: &Value, path: &mut String, out: &mut Vec<Change>) {
    if SERVER_FIELDS.contains(&path.as_str()) || before == after {
        return;
    }
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let mark = path.len();
                path.push('/');
                crate::engine::path::push_pointer_token(path, key);
                walk(a.get(key).unwrap_or(&Value::Null), b.get(key).unwrap_or(&Value::Null), path, out);
                path.truncate(mark);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                let mark = path.len();
                path.push_str(&format!("/{index}"));
                walk(x, y, path, out);
                path.truncate(mark);
            }
        }
        (Value::String(_), Value::String(_)) if path.contains("/resources/") && same_quantity(before, after) => {}
        _ => {
            let show = |value: &Value| match value {
                Value::Null => "(absent)".to_owned(),
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            out.push(Change { pointer: path.clone(), line: format!("{path}: {} → {}", show(before), show(after)) });
        }
    }
}

/// `1` and `1000m` are one CPU: the API server stores either as the same quantity.
fn same_quantity(a: &Value, b: &Value) -> bool {
    use crate::engine::quantity::Quantity;
    matches!((Quantity::from_json(a), Quantity::from_json(b)), (Some(x), Some(y)) if x == y)
}
