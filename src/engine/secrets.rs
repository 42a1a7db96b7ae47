//! The one masking path: Secret `data`/`stringData` (in any shape), the values of annotation
//! keys configured as sensitive (`mask_annotations`), and every copy of them inside a
//! `last-applied-configuration` are replaced by Argo CD style masks (`++++++++`), a longer
//! mask when the two sides differ so the change stays visible without revealing either
//! value. Findings, diffs, raw views, previews, verification lines, training and commits all
//! mask through here.

use serde_json::{Map, Value};

pub const MASK: &str = "++++++++";
const MASK_CHANGED: &str = "++++++++++++";

/// The last-applied annotation: a copy of what was applied, masked values included.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Whether objects of `kind` carry secret payload. Any group's `Secret` counts: masking a
/// look-alike costs nothing, missing the real one leaks it.
pub fn is_secret_kind(kind: &str) -> bool {
    kind == "Secret"
}

/// Masks a finding's two values when they are, or hold, Secret payload or masked
/// annotations (`fields` is the finding's path from the object's root).
pub fn mask_pair(
    kind: &str,
    fields: &[String],
    masked_annotations: &[String],
    desired: Option<Value>,
    live: Option<Value>,
) -> (Option<Value>, Option<Value>) {
    // Only a Secret's fields and metadata can hold masked values: most findings skip the probe.
    let may_hold = is_secret_kind(kind) || fields.first().is_none_or(|field| field == "metadata");
    if !may_hold {
        return (desired, live);
    }
    let differ = desired != live;
    let mut pointer = String::new();
    for field in fields {
        pointer.push('/');
        crate::engine::path::push_pointer_token(&mut pointer, field);
    }
    let mask = |value: Option<Value>, changed: bool| {
        value.map(|value| mask_at(kind, &pointer, &value, masked_annotations, changed))
    };
    (mask(desired, false), mask(live, differ))
}

/// Replaces the values of the listed keys in an annotations map, and masks what a
/// last-applied copy holds.
fn mask_annotation_values<'m>(annotations: &mut Value, masked: &[String], mask: impl Fn(&str) -> &'m str) {
    if let Value::Object(map) = annotations {
        for (key, value) in map.iter_mut() {
            if masked.contains(key) {
                *value = Value::String(mask(key).to_owned());
            } else if key == LAST_APPLIED {
                *value = masked_last_applied(value, masked, mask(key));
            }
        }
    }
}

/// A last-applied copy with its own masked values masked: the copy of a Secret (or one that
/// is not JSON, so nothing in it can be told apart) is withheld whole.
fn masked_last_applied(value: &Value, masked: &[String], mask: &str) -> Value {
    let parsed = value.as_str().and_then(|text| serde_json::from_str::<Value>(text).ok());
    match parsed {
        Some(mut copy @ Value::Object(_)) if !copy.get("kind").and_then(Value::as_str).is_some_and(is_secret_kind) => {
            let before = copy.clone();
            mask_object(&mut copy, masked, |_| false);
            if copy == before { value.clone() } else { Value::String(copy.to_string()) }
        }
        _ => Value::String(mask.to_owned()),
    }
}

/// A payload masked whatever its shape: a map keeps its keys, a list its length, anything
/// else (a malformed `data: "…"`) becomes one mask.
fn mask_value(value: &Value, mask: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.keys().map(|k| (k.clone(), Value::String(mask.to_owned()))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(|_| Value::String(mask.to_owned())).collect()),
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
    let secret = object.get("kind").and_then(Value::as_str).is_some_and(is_secret_kind);
    if let Some(annotations) = object.pointer_mut("/metadata/annotations") {
        mask_annotation_values(annotations, masked_annotations, |key| mask_for("metadata/annotations", key));
        // A Secret's copy is withheld whatever kind the copy itself claims.
        if secret
            && let Some(copy) = annotations.get_mut(LAST_APPLIED)
            && !copy.is_null()
        {
            *copy = Value::String(mask_for("metadata/annotations", LAST_APPLIED).to_owned());
        }
    }
    if !secret {
        return;
    }
    for field in ["data", "stringData"] {
        match object.get_mut(field) {
            Some(Value::Object(map)) => {
                let masked: Map<String, Value> =
                    map.keys().map(|k| (k.clone(), Value::String(mask_for(field, k).to_owned()))).collect();
                *map = masked;
            }
            Some(Value::Null) | None => {}
            Some(other) => *other = mask_value(other, if differs(&format!("/{field}")) { MASK_CHANGED } else { MASK }),
        }
    }
}

/// `value` as it may be shown at `pointer` in an object of `kind`: masked when it is, or
/// holds, anything masked. Previews, verification lines and training show values this way.
pub fn mask_at(kind: &str, pointer: &str, value: &Value, masked_annotations: &[String], changed: bool) -> Value {
    let mut probe = probe_object(kind, pointer, value.clone());
    mask_object(&mut probe, masked_annotations, |_| changed);
    let mut shown = probe_value(probe, pointer).unwrap_or_else(|| Value::String(MASK.to_owned()));
    // The whole object: drop the kind the probe lent it.
    if pointer.is_empty()
        && value.get("kind").is_none()
        && let Value::Object(map) = &mut shown
    {
        map.remove("kind");
    }
    shown
}

/// Whether showing or writing `value` at `pointer` would reveal a masked value: a backport
/// refuses such a field, as it refuses a Secret's.
pub fn is_masked_at(kind: &str, pointer: &str, value: &Value, masked_annotations: &[String]) -> bool {
    mask_at(kind, pointer, value, masked_annotations, false) != *value
}

/// An object of `kind` holding only `value` at `pointer` (every step a map key: the masked
/// places are all maps), so `mask_object` judges it in place. The kind is added only where
/// the value does not name its own.
fn probe_object(kind: &str, pointer: &str, value: Value) -> Value {
    let mut inner = value;
    for token in pointer_tokens(pointer).rev() {
        inner = Value::Object(Map::from_iter([(token, inner)]));
    }
    if let Value::Object(map) = &mut inner
        && !map.contains_key("kind")
    {
        map.insert("kind".to_owned(), Value::String(kind.to_owned()));
    }
    inner
}

fn probe_value(probe: Value, pointer: &str) -> Option<Value> {
    let mut current = probe;
    for token in pointer_tokens(pointer) {
        current = match current {
            Value::Object(mut map) => map.remove(&token)?,
            _ => return None,
        };
    }
    Some(current)
}

fn pointer_tokens(pointer: &str) -> std::vec::IntoIter<String> {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    tokens.into_iter()
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
    fn malformed_payloads_and_last_applied_copies_are_masked() {
        let masked = vec!["vault.example.com/token".to_owned()];
        let mut text = json!({"kind": "Secret", "data": "c2VjcmV0"});
        mask_object(&mut text, &[], |_| false);
        assert_eq!(text["data"], json!(MASK));
        let mut list = json!({"kind": "Secret", "stringData": ["hunter2", "c2VjcmV0"]});
        mask_object(&mut list, &[], |_| false);
        assert_eq!(list["stringData"], json!([MASK, MASK]));
        let copy = json!({"kind": "Deployment", "metadata": {"annotations": {"vault.example.com/token": "s3cret", "team": "a"}}});
        let mut deployment = json!({"kind": "Deployment", "metadata": {"annotations": {
            "vault.example.com/token": "s3cret", LAST_APPLIED: copy.to_string()}}});
        mask_object(&mut deployment, &masked, |_| false);
        let shown = deployment.to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("team"), "the rest of the copy stays readable: {shown}");
        let secret_copy = json!({"kind": "Secret", "data": {"a": "eA=="}}).to_string();
        let mut secret = json!({"kind": "Secret", "metadata": {"annotations": {LAST_APPLIED: secret_copy}}});
        mask_object(&mut secret, &[], |_| false);
        assert_eq!(secret["metadata"]["annotations"][LAST_APPLIED], json!(MASK));
    }

    #[test]
    fn values_are_masked_where_they_would_be_shown() {
        let masked = vec!["vault.example.com/token".to_owned()];
        let at = |kind: &str, pointer: &str, value: Value| mask_at(kind, pointer, &value, &masked, false);
        assert_eq!(at("Secret", "/data/password", json!("aHVudGVyMg==")), json!(MASK));
        assert_eq!(at("Secret", "/data", json!({"p": "aHVudGVyMg=="})), json!({"p": MASK}));
        assert_eq!(at("Secret", "", json!({"data": {"p": "x"}}))["data"], json!({"p": MASK}));
        assert_eq!(at("Deployment", "/metadata/annotations/vault.example.com~1token", json!("t")), json!(MASK));
        assert_eq!(
            at("Deployment", "/metadata/annotations", json!({"vault.example.com/token": "t", "team": "a"})),
            json!({"vault.example.com/token": MASK, "team": "a"})
        );
        assert_eq!(at("Deployment", "/spec/replicas", json!(3)), json!(3));
        assert!(is_masked_at("Deployment", "/metadata/annotations/vault.example.com~1token", &json!("t"), &masked));
        assert!(!is_masked_at("Deployment", "/spec/template/spec/containers/0/image", &json!("nginx"), &masked));
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
