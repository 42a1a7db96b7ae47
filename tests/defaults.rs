//! Every default in kdrift's offline table (`src/engine/defaults/table.rs`), checked against
//! objects shaped like a real cluster's: each `tests/fixtures/kinds/*.yaml` holds an object as
//! Git keeps it and as the API server returns it after creating it. The live copy gets what
//! Argo CD's client-side apply leaves — argocd-controller (`Update`) owning every field,
//! defaults included, beside its own last-applied-configuration that lacks them — so the
//! table alone decides. Each entry must find its value in some live object; the pair must be
//! in sync; and any other value at the same place must be reported. A kind the table names
//! without a fixture fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

use kdrift::engine::defaults::{self, ApiKind, Entry, Fixed, Place};
use kdrift::engine::identity::split_api_version;
use kdrift::engine::{EngineConfig, Manifest, compare_app};
use serde_json::{Map, Value, json};
use std::path::Path;

const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];
const PROBES: &[&str] = &["livenessProbe", "readinessProbe", "startupProbe"];

struct Fixture {
    file: String,
    desired: Value,
    live: Value,
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kinds");
    let mut fixtures: Vec<Fixture> = std::fs::read_dir(&dir)
        .expect("kinds directory")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let docs: Vec<Value> = text.split("\n---\n").map(|doc| yaml_serde::from_str(doc).unwrap()).collect();
            let [desired, live] = <[Value; 2]>::try_from(docs).expect("two documents: as Git holds it, as served");
            Fixture { file: path.file_name().unwrap().to_string_lossy().into_owned(), desired, live }
        })
        .collect();
    fixtures.sort_by(|a, b| a.file.cmp(&b.file));
    fixtures
}

/// The full field paths an entry covers in an object of `api` (none: it does not apply).
fn paths(entry: &Entry, api: &ApiKind<'_>) -> Vec<Vec<String>> {
    if !entry.versions.is_empty() && !entry.versions.contains(&api.version) {
        return Vec::new();
    }
    let owned = |parts: &[&str]| parts.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
    let prefixes: Vec<Vec<&str>> = match entry.place {
        Place::Root { group, kinds } if group == api.group && kinds.contains(&api.kind) => vec![Vec::new()],
        Place::Root { .. } => Vec::new(),
        place => match defaults::pod_spec_prefix(api) {
            None => Vec::new(),
            Some(prefix) => match place {
                Place::PodSpec => vec![prefix.to_vec()],
                Place::Container => CONTAINER_LISTS.iter().map(|list| [prefix, &[*list]].concat()).collect(),
                _ => CONTAINER_LISTS
                    .iter()
                    .flat_map(|list| PROBES.iter().map(move |probe| [prefix, &[*list, *probe]].concat()))
                    .collect(),
            },
        },
    };
    prefixes.into_iter().map(|prefix| [owned(&prefix), owned(entry.path)].concat()).collect()
}

/// Calls `leaf` on every live map holding the path's last field where Git's object leaves it
/// out (list items are transparent and correspond by position in these fixtures).
fn visit_defaulted(
    desired: Option<&Value>,
    live: &mut Value,
    path: &[String],
    leaf: &mut dyn FnMut(&mut Map<String, Value>, &str),
) {
    let Some((first, rest)) = path.split_first() else { return };
    match live {
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                visit_defaulted(desired.and_then(|d| d.get(index)), item, path, leaf);
            }
        }
        Value::Object(map) if rest.is_empty() => {
            let defaulted = map.contains_key(first) && desired.and_then(|d| d.get(first)).is_none();
            if defaulted {
                leaf(map, first);
            }
        }
        Value::Object(map) => {
            if let Some(child) = map.get_mut(first) {
                visit_defaulted(desired.and_then(|d| d.get(first)), child, rest, leaf);
            }
        }
        _ => {}
    }
}

/// A value that is not the default.
fn other_than(value: Fixed) -> Value {
    match value {
        Fixed::Text("") => json!("x"),
        Fixed::Text(text) => json!(format!("{text}-custom")),
        Fixed::Int(number) => json!(number + 7),
        Fixed::Bool(flag) => json!(!flag),
        Fixed::Texts(texts) => json!([texts, &["extra"][..]].concat()),
    }
}

/// A merge key as managedFields spell it, for the lists the API server keys.
fn item_key(list: &str, item: &Value) -> Option<String> {
    let pick = |names: &[&str]| -> Option<String> {
        let map: Map<String, Value> =
            names.iter().map(|n| Some(((*n).to_owned(), item.get(*n)?.clone()))).collect::<Option<_>>()?;
        Some(format!("k:{}", serde_json::to_string(&map).ok()?))
    };
    match list {
        "ports" if item.get("containerPort").is_some() => pick(&["containerPort", "protocol"]),
        "ports" => pick(&["port", "protocol"]),
        "containers" | "initContainers" | "volumes" | "env" | "webhooks" | "imagePullSecrets" => pick(&["name"]),
        "volumeMounts" => pick(&["mountPath"]),
        _ => None,
    }
}

/// The fieldsV1 set owning every field of `value` (lists without a merge key atomically).
fn owning(value: &Value) -> Value {
    let Value::Object(map) = value else { return json!({}) };
    let mut set = Map::new();
    for (key, child) in map {
        let owned = match child {
            Value::Object(_) => owning(child),
            Value::Array(items) if !items.is_empty() && items.iter().all(|item| item_key(key, item).is_some()) => {
                let list: Map<String, Value> = items
                    .iter()
                    .map(|item| {
                        let mut fields = owning(item);
                        fields["."] = json!({});
                        (item_key(key, item).unwrap(), fields)
                    })
                    .collect();
                Value::Object(list)
            }
            _ => json!({}),
        };
        set.insert(format!("f:{key}"), owned);
    }
    Value::Object(set)
}

/// The live copy Argo CD's client-side apply leaves: its last-applied-configuration (Git's
/// object) and argocd-controller owning every field through one `Update`.
fn as_created_by_argocd(mut live: Value, desired: &Value) -> Value {
    let annotations = live["metadata"].as_object_mut().unwrap().entry("annotations").or_insert_with(|| json!({}));
    annotations["kubectl.kubernetes.io/last-applied-configuration"] = json!(serde_json::to_string(desired).unwrap());
    let mut owned = live.clone();
    let owned_map = owned.as_object_mut().unwrap();
    for identity in ["apiVersion", "kind", "status"] {
        owned_map.remove(identity);
    }
    for identity in ["name", "namespace", "creationTimestamp", "resourceVersion", "uid"] {
        owned_map["metadata"].as_object_mut().unwrap().remove(identity);
    }
    live["metadata"]["managedFields"] = json!([{"manager": "argocd-controller", "operation": "Update",
        "apiVersion": live["apiVersion"], "time": "2026-04-02T10:20:00Z", "fieldsType": "FieldsV1",
        "fieldsV1": owning(&owned)}]);
    live
}

fn findings(desired: &Value, live: &Value) -> Vec<String> {
    let manifest = |object: &Value| Manifest { object: object.clone(), origin: "kinds.yaml#1".to_owned() };
    let app = compare_app(
        &EngineConfig::default(),
        "checkout-api",
        "prod",
        None,
        vec![manifest(desired)],
        vec![manifest(&as_created_by_argocd(live.clone(), desired))],
    )
    .unwrap();
    app.all_findings().map(|f| format!("{} ({})", f.display_path, f.reason)).collect()
}

#[test]
fn every_realistic_object_is_in_sync_with_its_defaults_filled_in() {
    for fixture in fixtures() {
        let found = findings(&fixture.desired, &fixture.live);
        assert!(found.is_empty(), "{}: the served object's defaults reported as drift: {found:#?}", fixture.file);
    }
}

#[test]
fn every_default_in_the_table_is_what_a_served_object_holds_and_only_that_value_passes() {
    let fixtures = fixtures();
    for entry in defaults::entries() {
        let mut places = 0;
        for fixture in &fixtures {
            let (group, version) = split_api_version(fixture.live["apiVersion"].as_str().unwrap());
            let kind = fixture.live["kind"].as_str().unwrap();
            let api = ApiKind { group, version, kind };
            for path in paths(entry, &api) {
                let mut served = Vec::new();
                let mut live = fixture.live.clone();
                visit_defaulted(Some(&fixture.desired), &mut live, &path, &mut |map, key| {
                    served.extend(map.get(key).cloned())
                });
                if served.is_empty() {
                    continue;
                }
                places += 1;
                let wanted = entry.value.to_value();
                assert!(
                    served.iter().all(|v| *v == wanted),
                    "{}: {path:?} is {served:?}, the table says {wanted}",
                    fixture.file
                );
                let mut changed = fixture.live.clone();
                visit_defaulted(Some(&fixture.desired), &mut changed, &path, &mut |map, key| {
                    map.insert(key.to_owned(), other_than(entry.value));
                });
                let reported = findings(&fixture.desired, &changed);
                assert!(
                    !reported.is_empty(),
                    "{}: {path:?} = {} is not the default, yet in sync",
                    fixture.file,
                    other_than(entry.value)
                );
            }
        }
        assert!(
            places > 0,
            "no object under tests/fixtures/kinds/ holds {entry:?}: add one shaped like a real cluster's"
        );
    }
}
