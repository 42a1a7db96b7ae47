//! `spec.path` of an unpacked artifact laid out as kustomize-controller builds it: a
//! `kustomization.yaml` generated when there is none (every manifest below, a directory with
//! its own kustomization taken whole), the Kustomization's `targetNamespace`, `namePrefix`,
//! `nameSuffix`, `patches`, `images`, `components` and `commonMetadata` merged into it; and,
//! after the build, `postBuild` variables substituted (`${var}`, `${var:=default}`,
//! `${var:-default}`; `$${var}` escapes), except in objects annotated
//! `kustomize.toolkit.fluxcd.io/substitute: disabled`. Not done, as kdrift cannot: SOPS
//! decryption, and variables from Secrets (left unsubstituted, with a note).

use crate::engine::Manifest;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A marker among the variables: some were not read, so an unknown one stays as written.
pub(crate) const KEEP_UNKNOWN: &str = " keep unknown";

const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Prepares `root/spec.path` for `kustomize build`; the directory to build.
pub(crate) fn prepare(root: &Path, kustomization: &Value) -> Result<PathBuf, String> {
    let spec = kustomization.get("spec").cloned().unwrap_or(Value::Null);
    let path = spec.get("path").and_then(Value::as_str).unwrap_or("./");
    let relative: PathBuf = Path::new(path.trim_start_matches("./"))
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .collect();
    let dir = root.join(relative);
    if !dir.is_dir() {
        return Err(format!("the artifact has no directory '{path}' (spec.path)"));
    }
    let existing = KUSTOMIZATION_FILES.iter().map(|name| dir.join(name)).find(|file| file.is_file());
    let mut document = match &existing {
        Some(file) => {
            let text = crate::sources::bounded::read_text(file).map_err(|e| format!("{}: {e}", file.display()))?;
            yaml_serde::from_str::<Value>(&text).map_err(|e| format!("{}: {e}", file.display()))?
        }
        None => generated(&dir)?,
    };
    let map = document.as_object_mut().ok_or("the kustomization is not a mapping")?;
    merge(map, &spec);
    let text = yaml_serde::to_string(&document).map_err(|e| e.to_string())?;
    if let Some(file) = existing {
        std::fs::remove_file(file).map_err(|e| e.to_string())?;
    }
    std::fs::write(dir.join("kustomization.yaml"), text).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// What kustomize-controller writes when `spec.path` has no kustomization: every manifest
/// below it, and each subdirectory holding its own kustomization as one resource.
fn generated(dir: &Path) -> Result<Value, String> {
    let mut resources = Vec::new();
    collect(dir, dir, &mut resources)?;
    resources.sort();
    Ok(
        serde_json::json!({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": resources}),
    )
}

fn collect(root: &Path, dir: &Path, resources: &mut Vec<String>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let relative = path.strip_prefix(root).map_err(|e| e.to_string())?.to_string_lossy().into_owned();
        if path.is_dir() {
            if KUSTOMIZATION_FILES.iter().any(|name| path.join(name).is_file()) {
                resources.push(relative);
            } else {
                collect(root, &path, resources)?;
            }
        } else if relative.ends_with(".yaml") || relative.ends_with(".yml") {
            resources.push(relative);
        }
    }
    Ok(())
}

/// The Kustomization's own build settings, merged as kustomize-controller merges them.
fn merge(map: &mut Map<String, Value>, spec: &Value) {
    let text = |key: &str| spec.get(key).and_then(Value::as_str).filter(|t| !t.is_empty());
    if let Some(namespace) = text("targetNamespace") {
        map.insert("namespace".to_owned(), Value::from(namespace));
    }
    for key in ["namePrefix", "nameSuffix"] {
        if let Some(value) = text(key) {
            map.insert(key.to_owned(), Value::from(value));
        }
    }
    for key in ["patches", "images", "components"] {
        if let Some(Value::Array(more)) = spec.get(key) {
            let list = map.entry(key.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                list.extend(more.iter().cloned());
            }
        }
    }
    if let Some(metadata) = spec.get("commonMetadata") {
        if let Some(labels) = metadata.get("labels").filter(|l| l.is_object()) {
            let entry = serde_json::json!({"pairs": labels, "includeSelectors": false});
            if let Value::Array(list) = map.entry("labels").or_insert_with(|| Value::Array(Vec::new())) {
                list.push(entry);
            }
        }
        if let Some(Value::Object(annotations)) = metadata.get("annotations") {
            let common = map.entry("commonAnnotations").or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(common) = common {
                common.extend(annotations.clone());
            }
        }
    }
}

/// Substitutes `vars` into every string (and key) of `manifests`, as `postBuild` does.
pub(crate) fn substitute(manifests: &mut [Manifest], vars: &BTreeMap<String, String>) {
    for manifest in manifests {
        let disabled = manifest
            .object
            .pointer("/metadata/annotations/kustomize.toolkit.fluxcd.io~1substitute")
            .and_then(Value::as_str)
            == Some("disabled");
        if !disabled {
            substitute_value(&mut manifest.object, vars);
        }
    }
}

fn substitute_value(value: &mut Value, vars: &BTreeMap<String, String>) {
    match value {
        Value::String(text) if text.contains('$') => *text = expand(text, vars),
        Value::Array(items) => items.iter_mut().for_each(|item| substitute_value(item, vars)),
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (key, mut item) in old {
                substitute_value(&mut item, vars);
                let key = if key.contains('$') { expand(&key, vars) } else { key };
                map.insert(key, item);
            }
        }
        _ => {}
    }
}

/// `text` with `${var}`, `${var:=default}` and `${var:-default}` expanded (an unset
/// variable without a default becomes empty, as Flux does when not strict); `$${` stays `${`.
pub(crate) fn expand(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(escaped) = after.strip_prefix("${") {
            out.push_str("${");
            rest = escaped;
            continue;
        }
        let Some(body) = after.strip_prefix('{') else {
            out.push('$');
            rest = after;
            continue;
        };
        let Some(end) = body.find('}') else {
            out.push_str(&rest[at..]);
            return out;
        };
        let (name, default) = match body[..end].split_once(":=").or_else(|| body[..end].split_once(":-")) {
            Some((name, default)) => (name, Some(default)),
            None => (&body[..end], None),
        };
        let valid = name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        let known = vars.get(name).filter(|v| !v.is_empty()).map(String::as_str).or(default);
        if valid && (known.is_some() || !vars.contains_key(KEEP_UNKNOWN)) {
            out.push_str(known.unwrap_or(""));
        } else {
            out.push_str(&rest[at..at + 2 + end + 1]);
        }
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    out
}
