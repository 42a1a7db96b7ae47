//! What a sync is allowed to change: the fields the responder chose, and nothing else
//! unasked. A field delegated to a controller (the HPA's replicas) or hidden by an ignore
//! rule is never a sync target; a sync chosen for some fields of a resource, whose write
//! (a controller sync, an apply of Git's object) would also change others, is refused with
//! each of those changes named beside kdrift's own suggestion for it; a sync of the whole
//! resource names, for every change, the finding it reverts and what kdrift suggests for it.

use crate::actions::Subject;
use crate::engine::merge_keys::{self, ItemKey};
use crate::model::{Category, Finding, Response};
use serde_json::{Map, Value};

/// The field manager of a field-scoped break-glass apply. Its own, never the GitOps
/// controller's: a server-side apply removes the fields its manager owned and left out, so
/// a partial object sent as `argocd-controller` would delete everything else Argo CD set.
pub(crate) const SCOPED_MANAGER: &str = "kdrift-break-glass";

/// One change a write makes, as the server's dry run shows it.
pub(crate) struct Change {
    /// The pointer into the live object.
    pub pointer: String,
    /// `path: old → new`, masked.
    pub line: String,
}

/// Why a sync cannot target these findings at all, if it cannot.
pub(crate) fn not_a_target(subject: &Subject) -> Option<String> {
    let delegated: Vec<String> = subject
        .findings
        .iter()
        .filter_map(|finding| {
            let label = label(finding);
            if let Some(rule) = &finding.ignored_by {
                return Some(format!("{label} is hidden by ignore rule {rule}"));
            }
            (finding.category == Category::ControllerManaged)
                .then(|| format!("{label} is delegated to a controller ({})", finding.reason))
        })
        .collect();
    (!delegated.is_empty()).then(|| {
        format!(
            "{}: kdrift never syncs such a field back (Git's value would fight the controller); choose ignore, or backport if Git should follow",
            delegated.join("; ")
        )
    })
}

/// Whether the responder chose some fields of the resource rather than the whole of it
/// (every finding that needs action).
pub(crate) fn chose_fields(subject: &Subject) -> bool {
    let acting: Vec<&str> =
        subject.resource.findings.iter().filter(|f| f.needs_action()).map(|f| f.path.as_str()).collect();
    let chosen: Vec<&str> = subject.findings.iter().map(|f| f.path.as_str()).collect();
    acting.iter().any(|path| !chosen.contains(path)) || chosen.iter().any(|path| !acting.contains(path))
}

/// The changes outside the chosen findings, each with the finding it touches (if any).
pub(crate) fn beyond<'s>(subject: &'s Subject, changes: &'s [Change]) -> Vec<(&'s Change, Option<&'s Finding>)> {
    changes
        .iter()
        .filter(|change| !subject.findings.iter().any(|finding| under(&change.pointer, finding)))
        .map(|change| (change, finding_of(subject, &change.pointer)))
        .collect()
}

/// Why a sync of chosen fields is refused when its write would change `outside` as well.
pub(crate) fn refusal(subject: &Subject, outside: &[(&Change, Option<&Finding>)]) -> String {
    let chosen: Vec<String> = subject.findings.iter().map(label).collect();
    let named: Vec<String> = outside.iter().map(|(change, finding)| with_suggestion(&change.line, *finding)).collect();
    format!(
        "this sync writes Git's whole {}: besides {} it would also change {}. Choose the response kdrift suggests for each, apply only the chosen fields as break-glass (`kdrift sync --break-glass --field …`), or sync the whole resource (no field chosen) after reading what it reverts",
        subject.key(),
        chosen.join(", "),
        named.join("; ")
    )
}

/// Why a field-scoped apply is refused when its dry run changes more than the chosen fields:
/// its manager set them in an earlier break-glass apply, and server-side apply removes what
/// a manager owned and now leaves out.
pub(crate) fn scoped_refusal(outside: &[(&Change, Option<&Finding>)]) -> String {
    let named: Vec<String> = outside.iter().map(|(change, finding)| with_suggestion(&change.line, *finding)).collect();
    format!(
        "applying only the chosen fields as '{SCOPED_MANAGER}' would also change {}: an earlier break-glass apply left that manager owning them, and server-side apply removes what a manager owned and now leaves out. Sync the whole resource, or backport first",
        named.join("; ")
    )
}

/// Warnings for a sync of the whole resource: each change that reverts a finding kdrift
/// suggests keeping for now (backport it to Git, or escalate it), such as a human's hotfix.
pub(crate) fn reverts(subject: &Subject, changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .filter_map(|change| {
            let finding = finding_of(subject, &change.pointer)?;
            matches!(finding.response, Response::Backport | Response::Escalate)
                .then(|| format!("reverts {}", with_suggestion(&change.line, Some(finding))))
        })
        .collect()
}

/// Warnings for the chosen findings the write leaves as they are (a field Git lacks that
/// another manager owns: server-side apply removes only what its own manager owns).
pub(crate) fn untouched(subject: &Subject, changes: &[Change]) -> Vec<String> {
    subject
        .findings
        .iter()
        .filter(|finding| !changes.iter().any(|change| under(&change.pointer, finding)))
        .map(|finding| format!("{}: this write leaves it as it is, so it will still differ afterwards", label(finding)))
        .collect()
}

fn with_suggestion(line: &str, finding: Option<&Finding>) -> String {
    match finding {
        Some(finding) => format!(
            "{line} — kdrift suggests {} for it: {}",
            finding.response.as_str(),
            crate::sanitize::clean_line(&finding.reason)
        ),
        None => format!("{line} (no finding: a change Git's object makes on its own)"),
    }
}

/// The finding of the resource whose field `pointer` is, or is inside.
fn finding_of<'s>(subject: &'s Subject, pointer: &str) -> Option<&'s Finding> {
    subject.resource.findings.iter().find(|finding| under(pointer, finding))
}

/// Whether `pointer` is the finding's field or inside it (a whole object finding holds all).
fn under(pointer: &str, finding: &Finding) -> bool {
    let paths = [Some(finding.path.as_str()), finding.desired_path.as_deref()];
    paths.into_iter().flatten().any(|path| {
        path.is_empty() || pointer == path || pointer.strip_prefix(path).is_some_and(|rest| rest.starts_with('/'))
    })
}

fn label(finding: &Finding) -> String {
    if finding.display_path.is_empty() { "the whole object".to_owned() } else { finding.display_path.clone() }
}

/// Git's values of the chosen fields only, as a server-side apply body: the object's
/// identity, the shown `resourceVersion` as a precondition, and each chosen field with the
/// path to it; list items are addressed by their merge key (`containers[name=app]`). A
/// field Git lacks cannot be set, and an item of a list matched by position cannot be
/// addressed alone: either is a refusal, saying why.
pub(crate) fn partial_body(desired: &Value, subject: &Subject) -> Result<Value, String> {
    let mut metadata = Map::new();
    for field in ["name"] {
        if let Some(value) = desired.pointer(&format!("/metadata/{field}")) {
            metadata.insert(field.to_owned(), value.clone());
        }
    }
    if !subject.resource.namespace.is_empty() {
        metadata.insert("namespace".to_owned(), Value::String(subject.resource.namespace.clone()));
    }
    if let Some(version) = subject.live.as_ref().and_then(|live| live.pointer("/metadata/resourceVersion")) {
        metadata.insert("resourceVersion".to_owned(), version.clone());
    }
    let mut body = Map::new();
    for field in ["apiVersion", "kind"] {
        body.insert(field.to_owned(), desired.get(field).cloned().unwrap_or(Value::Null));
    }
    body.insert("metadata".to_owned(), Value::Object(metadata));
    let mut body = Value::Object(body);
    for finding in &subject.findings {
        let Some(value) = &finding.desired else {
            return Err(format!(
                "{}: Git has no value there, and a field-scoped apply can only set values (removing a field another manager set takes the whole object, or a backport)",
                label(finding)
            ));
        };
        let pointer = finding.desired_path.as_deref().unwrap_or(&finding.path);
        copy_path(desired, &mut body, pointer, value).map_err(|why| format!("{}: {why}", label(finding)))?;
    }
    Ok(body)
}

/// Copies `value` at `pointer` of `source` into `body`, creating the maps and keyed list
/// items on the way.
fn copy_path(source: &Value, body: &mut Value, pointer: &str, value: &Value) -> Result<(), String> {
    let tokens: Vec<String> =
        pointer.split('/').skip(1).map(|token| token.replace("~1", "/").replace("~0", "~")).collect();
    if tokens.is_empty() {
        return Err("the whole object cannot be scoped to a field".to_owned());
    }
    let (mut from, mut into) = (source, body);
    let mut field = "";
    for (at, token) in tokens.iter().enumerate() {
        let last = at + 1 == tokens.len();
        match from {
            Value::Array(items) => {
                let index: usize = token.parse().map_err(|_| format!("'{token}' is not a list index"))?;
                let item = items.get(index).ok_or_else(|| format!("Git's list '{field}' has no item {index}"))?;
                let Some(key) = merge_keys::for_list(field, items, items) else {
                    return Err(format!(
                        "the list '{field}' is matched by position, so one of its items cannot be applied alone; sync the whole resource"
                    ));
                };
                if last {
                    return Err(format!("an item of '{field}' is a whole list entry: choose its fields"));
                }
                let slot = keyed_item(into, item, key)?;
                (from, into) = (item, slot);
            }
            Value::Object(map) => {
                let next = map.get(token).ok_or_else(|| format!("Git has no '{token}' there"))?;
                let Value::Object(target) = into else {
                    return Err(format!("'{token}' sits under a value that is not a map"));
                };
                if last {
                    target.insert(token.clone(), value.clone());
                    return Ok(());
                }
                let empty = if next.is_array() { Value::Array(Vec::new()) } else { Value::Object(Map::new()) };
                into = target.entry(token.clone()).or_insert(empty);
                from = next;
                field = token;
            }
            _ => return Err(format!("'{token}' sits under a value that is neither a map nor a list")),
        }
    }
    Ok(())
}

/// The item of the body's list with `item`'s merge key, added (holding only its key) when
/// the body has none yet.
fn keyed_item<'b>(list: &'b mut Value, item: &Value, key: &'static [&'static str]) -> Result<&'b mut Value, String> {
    let Value::Array(items) = list else { return Err("a list item sits under a value that is not a list".to_owned()) };
    let wanted = ItemKey::of(item, key);
    let found = items.iter().position(|existing| ItemKey::of(existing, key) == wanted);
    let index = match found {
        Some(index) => index,
        None => {
            let only_key: Map<String, Value> =
                key.iter().filter_map(|name| Some(((*name).to_owned(), item.get(*name)?.clone()))).collect();
            items.push(Value::Object(only_key));
            items.len() - 1
        }
    };
    items.get_mut(index).ok_or_else(|| "list item vanished".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"spec": {"template": {"spec": {"containers": [
            {"name": "sidecar", "image": "proxy:1"},
            {"name": "app", "image": "app:2", "args": ["--port", "8080"], "env": [{"name": "A", "value": "1"}]}
        ]}}}})
    }

    #[test]
    fn a_field_in_a_keyed_list_is_addressed_by_its_merge_key() {
        let mut body = json!({});
        let pointer = "/spec/template/spec/containers/1/env/0/value";
        copy_path(&deployment(), &mut body, pointer, &json!("1")).unwrap();
        copy_path(&deployment(), &mut body, "/spec/template/spec/containers/1/image", &json!("app:2")).unwrap();
        let containers = json!([{"name": "app", "env": [{"name": "A", "value": "1"}], "image": "app:2"}]);
        assert_eq!(body, json!({"spec": {"template": {"spec": {"containers": containers}}}}));
    }

    #[test]
    fn an_item_of_a_positional_list_cannot_be_applied_alone() {
        let mut body = json!({});
        let error =
            copy_path(&deployment(), &mut body, "/spec/template/spec/containers/1/args/1", &json!("8080")).unwrap_err();
        assert!(error.contains("the list 'args' is matched by position"), "{error}");
        let whole = copy_path(&deployment(), &mut body, "/spec/template/spec/containers/1", &json!({})).unwrap_err();
        assert!(whole.contains("choose its fields"), "{whole}");
    }
}
