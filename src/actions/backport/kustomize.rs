//! Which files in the repository may define an app's objects: its directory, or for Kustomize
//! the resources and patches its kustomization names (following bases), in the order applied.

use serde_json::Value;

pub(super) const KUSTOMIZATION_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The files that may define the app's objects, in the order Kustomize applies them (later
/// ones win), each with whether it lies inside the app's directory.
pub(super) fn candidate_files(files: &[(String, String)], app_path: &str) -> Vec<(String, bool)> {
    let has = |path: &str| files.iter().any(|(p, _)| p == path);
    let kustomization = KUSTOMIZATION_NAMES.iter().map(|name| join(app_path, name)).find(|p| has(p));
    match kustomization {
        Some(_) => {
            let mut order = Vec::new();
            walk_kustomization(files, app_path, &mut order, 0);
            order
                .into_iter()
                .map(|path| {
                    let inside = app_path.is_empty() || path.starts_with(&format!("{app_path}/"));
                    (path, inside)
                })
                .collect()
        }
        None => {
            let prefix = if app_path.is_empty() { String::new() } else { format!("{app_path}/") };
            files
                .iter()
                .filter(|(path, _)| path == app_path || path.starts_with(&prefix))
                .map(|(path, _)| (path.clone(), true))
                .collect()
        }
    }
}

fn walk_kustomization(files: &[(String, String)], dir: &str, order: &mut Vec<String>, depth: usize) {
    if depth > 10 {
        return;
    }
    let Some(text) = KUSTOMIZATION_NAMES.iter().find_map(|name| {
        let path = join(dir, name);
        files.iter().find(|(p, _)| *p == path).map(|(_, text)| text.clone())
    }) else {
        return;
    };
    let Ok(kustomization) = yaml_serde::from_str::<Value>(&text) else { return };
    let strings = |field: &str| -> Vec<String> {
        kustomization.get(field).and_then(Value::as_array).map_or_else(Vec::new, |items| {
            items
                .iter()
                .filter_map(|item| {
                    item.as_str().map(str::to_owned).or_else(|| item.get("path")?.as_str().map(str::to_owned))
                })
                .collect()
        })
    };
    for resource in strings("resources").into_iter().chain(strings("bases")) {
        let path = join(dir, &resource);
        if files.iter().any(|(p, _)| *p == path) {
            order.push(path);
        } else {
            walk_kustomization(files, &path, order, depth + 1);
        }
    }
    for patch in strings("patches").into_iter().chain(strings("patchesStrategicMerge")) {
        order.push(join(dir, &patch));
    }
}

/// `a/b` + `../c/d.yaml` → `a/c/d.yaml`.
pub(super) fn join(dir: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}
