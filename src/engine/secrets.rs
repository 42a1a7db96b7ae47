//! Secret values never leave the engine: `data`/`stringData` values, and the values of
//! annotation keys configured as sensitive (`mask_annotations`), are replaced by Argo CD
//! style masks (`++++++++`), a longer mask when the two sides differ so the change stays
//! visible without revealing either value.

use serde_json::{Map, Value};

pub const MASK: &str = "++++++++";
const MASK_CHANGED: &str = "++++++++++++";

fn is_secret_payload(kind: &str, fields: &[String]) -> bool {
    kind == "Secret" && matches!(fields.first().map(String::as_str), Some("data" | "stringData"))
}

/// Masks a finding's two values when they are Secret payload or masked annotations.
pub fn mask_pair(
    kind: &str,
    fields: &[String],
    masked_annotations: &[String],
    desired: Option<Value>,
    live: Option<Value>,
) -> (Option<Value>, Option<Value>) {
    let differ = desired != live;
    let live_mask = if differ { MASK_CHANGED } else { MASK };
    if is_secret_payload(kind, fields) {
        return (desired.map(|d| mask_value(&d, MASK)), live.map(|l| mask_value(&l, live_mask)));
    }
    match fields {
        [metadata, annotations, key] if metadata == "metadata" && annotations == "annotations" => {
            if masked_annotations.contains(key) {
                return (
                    desired.map(|_| Value::String(MASK.to_owned())),
                    live.map(|_| Value::String(live_mask.to_owned())),
                );
            }
            (desired, live)
        }
        // A whole annotations map only one side has: mask the sensitive keys inside it.
        [metadata, annotations] if metadata == "metadata" && annotations == "annotations" => {
            let mask_some = |value: Option<Value>, mask: &str| {
                value.map(|mut v| {
                    mask_annotation_values(&mut v, masked_annotations, |_| mask);
                    v
                })
            };
            (mask_some(desired, MASK), mask_some(live, live_mask))
        }
        _ => (desired, live),
    }
}

/// Replaces the values of the listed keys in an annotations map.
fn mask_annotation_values<'m>(annotations: &mut Value, masked: &[String], mask: impl Fn(&str) -> &'m str) {
    if let Value::Object(map) = annotations {
        for (key, value) in map.iter_mut() {
            if masked.contains(key) {
                *value = Value::String(mask(key).to_owned());
            }
        }
    }
}

fn mask_value(value: &Value, mask: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.keys().map(|k| (k.clone(), Value::String(mask.to_owned()))).collect()),
        _ => Value::String(mask.to_owned()),
    }
}

/// Masks a whole object for display: every value under a Secret's `data` and `stringData`,
/// and the listed annotations of any object. `differs(pointer)` chooses the longer mask for
/// values whose sides differ (`/data/password`, `/metadata/annotations/token`).
pub fn mask_object(object: &mut Value, masked_annotations: &[String], differs: impl Fn(&str) -> bool) {
    let mask_for = |field: &str, key: &str| {
        let mut pointer = format!("/{field}/");
        crate::engine::path::push_pointer_token(&mut pointer, key);
        if differs(&pointer) { MASK_CHANGED } else { MASK }
    };
    if let Some(annotations) = object.pointer_mut("/metadata/annotations") {
        mask_annotation_values(annotations, masked_annotations, |key| mask_for("metadata/annotations", key));
    }
    if object.get("kind").and_then(Value::as_str) != Some("Secret") {
        return;
    }
    for field in ["data", "stringData"] {
        if let Some(Value::Object(map)) = object.get_mut(field) {
            let masked: Map<String, Value> =
                map.keys().map(|k| (k.clone(), Value::String(mask_for(field, k).to_owned()))).collect();
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
        let (d, l) = mask_pair("Secret", &fields, &[], Some(json!("aHVudGVyMg==")), Some(json!("c2VjcmV0")));
        assert_eq!(d, Some(json!(MASK)));
        assert_eq!(l, Some(json!(MASK_CHANGED)));
        let (d, l) = mask_pair("ConfigMap", &fields, &[], Some(json!("a")), Some(json!("b")));
        assert_eq!((d, l), (Some(json!("a")), Some(json!("b"))));
    }

    #[test]
    fn configured_annotations_are_masked_alone_or_inside_a_whole_map() {
        let masked = vec!["vault.example.com/token".to_owned()];
        let fields: Vec<String> = ["metadata", "annotations", "vault.example.com/token"].map(String::from).to_vec();
        let (d, l) = mask_pair("Deployment", &fields, &masked, Some(json!("s3cret")), Some(json!("other")));
        assert_eq!((d, l), (Some(json!(MASK)), Some(json!(MASK_CHANGED))));
        let whole: Vec<String> = ["metadata", "annotations"].map(String::from).to_vec();
        let live = json!({"vault.example.com/token": "s3cret", "team": "payments"});
        let (_, l) = mask_pair("Deployment", &whole, &masked, None, Some(live));
        assert_eq!(l, Some(json!({"vault.example.com/token": MASK_CHANGED, "team": "payments"})));
    }

    #[test]
    fn whole_objects_are_masked() {
        let mut secret = json!({"kind": "Secret", "metadata": {"annotations": {"token": "t", "team": "a"}},
            "data": {"a": "eA==", "b": "eQ=="}});
        mask_object(&mut secret, &["token".to_owned()], |pointer| pointer == "/data/b");
        assert_eq!(secret["data"], json!({"a": MASK, "b": MASK_CHANGED}));
        assert_eq!(secret["metadata"]["annotations"], json!({"token": MASK, "team": "a"}));
    }
}
