//! Routes into YAML documents and the comment-preserving edits made along them: a value
//! replaced, added or removed in place (yamlpatch), a path built into a strategic merge patch,
//! a patch entry added to a kustomization.

use super::Seg;
use serde_json::Value;

pub(super) fn pointer_len(pointer: &str) -> usize {
    pointer.split('/').skip(1).count()
}

fn tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~"))
}

/// The route to `pointer` (a pointer into `live`) inside `document`, matching list items by
/// `name` when they have one (a patch lists only the containers it changes), else by
/// position; `complete` is false when the document stops short of the field.
pub(crate) fn route_in(document: &Value, live: &Value, pointer: &str) -> (Vec<Seg>, bool) {
    let mut route = Vec::new();
    let (mut here, mut there) = (document, live);
    for token in tokens(pointer) {
        let step = match (here, there) {
            (Value::Object(map), _) => map.get(&token).map(|next| (Seg::Key(token.clone()), next, there.get(&token))),
            (Value::Array(items), Value::Array(live_items)) => {
                let index: usize = token.parse().unwrap_or(usize::MAX);
                let live_item = live_items.get(index);
                let name = live_item.and_then(|item| item.get("name")).and_then(Value::as_str);
                let position = match name {
                    Some(name) => items.iter().position(|item| item.get("name").and_then(Value::as_str) == Some(name)),
                    None => (index < items.len()).then_some(index),
                };
                position.map(|p| (Seg::Index(p), &items[p], live_item))
            }
            _ => None,
        };
        match step {
            Some((seg, next, live_next)) => {
                route.push(seg);
                here = next;
                there = live_next.unwrap_or(&Value::Null);
            }
            None => return (route, false),
        }
    }
    (route, true)
}

pub(super) fn extend(mut route: Vec<Seg>, pointer: &str) -> Vec<Seg> {
    if let Some(last) = tokens(pointer).last() {
        route.push(Seg::Key(last));
    }
    route
}

/// Builds `pointer`'s path into a strategic merge patch, list items by name, ending in the
/// live value.
pub(super) fn insert_by_name(patch: &mut Value, live: &Value, pointer: &str) -> Option<()> {
    let tokens: Vec<String> = tokens(pointer).collect();
    let mut here = patch;
    let mut there = live;
    for (index, token) in tokens.iter().enumerate() {
        let last = index + 1 == tokens.len();
        match there {
            Value::Array(items) => {
                let item = items.get(token.parse::<usize>().ok()?)?;
                let name = item.get("name")?.clone();
                if !here.is_array() {
                    *here = Value::Array(Vec::new());
                }
                let list = here.as_array_mut()?;
                let position = match list.iter().position(|i| i.get("name") == Some(&name)) {
                    Some(position) => position,
                    None => {
                        list.push(serde_json::json!({"name": name}));
                        list.len() - 1
                    }
                };
                here = &mut list[position];
                there = item;
            }
            _ => {
                let next = there.get(token)?;
                if !here.is_object() {
                    *here = Value::Object(serde_json::Map::new());
                }
                let map = here.as_object_mut()?;
                let slot = map.entry(token.clone()).or_insert(Value::Null);
                if last {
                    *slot = next.clone();
                    return Some(());
                }
                here = slot;
                there = next;
            }
        }
    }
    Some(())
}

fn components(route: &[Seg]) -> Vec<yamlpath::Component<'_>> {
    route
        .iter()
        .map(|seg| match seg {
            Seg::Key(key) => yamlpath::Component::Key(key.as_str().into()),
            Seg::Index(index) => yamlpath::Component::Index(*index),
        })
        .collect()
}

/// Edits document `number` of `text`: replaces the value at `route` (complete), adds the
/// pointer's last key under it (the parent), or removes it (`value` is `None`); every other
/// byte, comments included, stays as it was.
pub(super) fn edit_document(
    text: &str,
    number: usize,
    route: &[Seg],
    pointer: &str,
    complete: bool,
    value: Option<&Value>,
) -> Result<String, String> {
    let (_, body) = crate::sources::git::nth_document(text, number).ok_or("document not found")?;
    let start = body.as_ptr() as usize - text.as_ptr() as usize;
    let document = yamlpath::Document::new(body.to_owned()).map_err(|e| e.to_string())?;
    let to_yaml = |value: &Value| yaml_serde::to_value(value).map_err(|e| e.to_string());
    let patch = match (complete, value) {
        (true, Some(value)) => yamlpatch::Patch {
            route: yamlpath::Route::from(components(route)),
            operation: yamlpatch::Op::Replace(to_yaml(value)?),
        },
        (true, None) => {
            yamlpatch::Patch { route: yamlpath::Route::from(components(route)), operation: yamlpatch::Op::Remove }
        }
        (false, Some(value)) => {
            let key = tokens(pointer).last().ok_or("empty path")?;
            yamlpatch::Patch {
                route: yamlpath::Route::from(components(route)),
                operation: yamlpatch::Op::Add { key, value: to_yaml(value)? },
            }
        }
        (false, None) => return Ok(text.to_owned()),
    };
    let edited = yamlpatch::apply_yaml_patches(&document, &[patch]).map_err(|e| e.to_string())?;
    Ok(format!("{}{}{}", &text[..start], edited.source(), &text[start + body.len()..]))
}

/// Adds `- path: FILE` to the kustomization's `patches`: appended to the block list when it
/// exists, else a new block list at the end of the file (every other line kept as written).
pub(super) fn add_patch_entry(text: &str, file: &str) -> Result<String, String> {
    let parsed: Value = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
    if parsed.get("patches").is_none() {
        let separator = if text.is_empty() || text.ends_with('\n') { "" } else { "\n" };
        return Ok(format!("{text}{separator}patches:\n- path: {file}\n"));
    }
    let document = yamlpath::Document::new(text.to_owned()).map_err(|e| e.to_string())?;
    let entry = yaml_serde::to_value(serde_json::json!({"path": file})).map_err(|e| e.to_string())?;
    let route = yamlpath::Route::from(vec![yamlpath::Component::Key("patches".into())]);
    let patch = yamlpatch::Patch { route, operation: yamlpatch::Op::Append { value: entry } };
    let edited = yamlpatch::apply_yaml_patches(&document, &[patch]).map_err(|e| e.to_string())?;
    Ok(edited.source().to_owned())
}

pub(super) fn value_at<'v>(document: &'v Value, route: &[Seg]) -> Option<&'v Value> {
    route.iter().try_fold(document, |here, seg| match seg {
        Seg::Key(key) => here.get(key),
        Seg::Index(index) => here.get(index),
    })
}
