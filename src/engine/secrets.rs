//! Secret values never leave the engine: `data`/`stringData` values are replaced by Argo CD
//! style masks (`++++++++`), a longer mask when the two sides differ so the change stays
//! visible without revealing either value.

use serde_json::{Map, Value};

pub const MASK: &str = "++++++++";
const MASK_CHANGED: &str = "++++++++++++";

fn is_secret_payload(kind: &str, fields: &[String]) -> bool {
    kind == "Secret" && matches!(fields.first().map(String::as_str), Some("data" | "stringData"))
}

/// Masks a finding's two values when they are Secret payload.
pub fn mask_pair(
    kind: &str,
    fields: &[String],
    desired: Option<Value>,
    live: Option<Value>,
) -> (Option<Value>, Option<Value>) {
    if !is_secret_payload(kind, fields) {
        return (desired, live);
    }
    let differ = desired != live;
    let desired = desired.map(|d| mask_value(&d, MASK));
    let live = live.map(|l| mask_value(&l, if differ { MASK_CHANGED } else { MASK }));
    (desired, live)
}

fn mask_value(value: &Value, mask: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.keys().map(|k| (k.clone(), Value::String(mask.to_owned()))).collect()),
        _ => Value::String(mask.to_owned()),
    }
}

/// Masks a whole Secret object for display: every value under `data` and `stringData`
/// becomes a mask; `differs(key)` chooses the longer mask for keys whose sides differ.
pub fn mask_secret_object(object: &mut Value, differs: impl Fn(&str) -> bool) {
    if object.get("kind").and_then(Value::as_str) != Some("Secret") {
        return;
    }
    for field in ["data", "stringData"] {
        if let Some(Value::Object(map)) = object.get_mut(field) {
            let masked: Map<String, Value> = map
                .keys()
                .map(|k| {
                    let mask = if differs(k) { MASK_CHANGED } else { MASK };
                    (k.clone(), Value::String(mask.to_owned()))
                })
                .collect();
            *map = masked;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differing_secret_values_get_masks_of_different_lengths() {
        let fields = vec!["data".to_owned(), "password".to_owned()];
        let (d, l) = mask_pair("Secret", &fields, Some(json!("aHVudGVyMg==")), Some(json!("c2VjcmV0")));
        assert_eq!(d, Some(json!(MASK)));
        assert_eq!(l, Some(json!(MASK_CHANGED)));
        let (d, l) = mask_pair("ConfigMap", &fields, Some(json!("a")), Some(json!("b")));
        assert_eq!((d, l), (Some(json!("a")), Some(json!("b"))));
    }

    #[test]
    fn whole_secret_objects_are_masked() {
        let mut secret = json!({"kind": "Secret", "data": {"a": "eA==", "b": "eQ=="}});
        mask_secret_object(&mut secret, |k| k == "b");
        assert_eq!(secret["data"], json!({"a": MASK, "b": MASK_CHANGED}));
    }
}
