//! The house plan (DESIGN §2) as checks on the source: the top-level modules depend on each
//! other without a cycle, the two front ends never import each other, and no source file
//! grows past 400 lines.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 400;

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn sources() -> Vec<(String, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| (path.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/"), path))
        .collect()
}

/// The top-level module a file belongs to (`tui/app.rs` → `tui`, `clock.rs` → `clock`).
fn module_of(relative: &str) -> String {
    relative.split('/').next().unwrap().trim_end_matches(".rs").to_owned()
}

/// Every `crate::MODULE` a file names (in `use` lines and in paths), with the line number.
fn references(text: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.push((name, number + 1));
            }
            rest = after;
        }
    }
    found
}

/// module → module → the first place that makes the edge.
fn graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (relative, path) in sources() {
        let from = module_of(&relative);
        if from == "main" || from == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (to, line) in references(&text) {
            if to != from {
                edges.entry(from.clone()).or_default().entry(to).or_insert_with(|| format!("{relative}:{line}"));
            }
        }
    }
    edges
}

/// A cycle through the graph, as the modules on it, if there is one.
fn find_cycle(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeMap<String, String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flat_map(|e| e.keys()) {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_top_level_modules_depend_on_each_other_without_a_cycle() {
    let edges = graph();
    if let Some(cycle) = find_cycle(&edges) {
        let steps: Vec<String> =
            cycle.windows(2).map(|pair| format!("{} → {} ({})", pair[0], pair[1], edges[&pair[0]][&pair[1]])).collect();
        panic!("import cycle:\n  {}", steps.join("\n  "));
    }
}

#[test]
fn the_command_line_and_the_tui_never_import_each_other() {
    let edges = graph();
    for (from, to) in [("cli", "tui"), ("tui", "cli")] {
        if let Some(at) = edges.get(from).and_then(|e| e.get(to)) {
            panic!("{from} imports {to} at {at}: both go through the application core (investigate)");
        }
    }
}

#[test]
fn the_cycle_check_finds_a_cycle_when_there_is_one() {
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    edges.entry("a".into()).or_default().insert("b".into(), "a.rs:1".into());
    edges.entry("b".into()).or_default().insert("c".into(), "b.rs:1".into());
    assert_eq!(find_cycle(&edges), None);
    edges.entry("c".into()).or_default().insert("a".into(), "c.rs:1".into());
    assert_eq!(find_cycle(&edges), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    assert_eq!(references("use crate::model::X; // crate::tui"), vec![("model".to_owned(), 1)]);
}

#[test]
fn no_source_file_grows_past_400_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter_map(|(relative, path)| {
            let lines = std::fs::read_to_string(&path).unwrap().lines().count();
            (lines > MAX_LINES).then(|| format!("{relative}: {lines} lines"))
        })
        .collect();
    assert!(long.is_empty(), "split these (at most {MAX_LINES} lines each):\n  {}", long.join("\n  "));
}
