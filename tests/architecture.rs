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

/// The file's module path: `tui/views/runbook.rs` → [tui, views, runbook], `tui/mod.rs` →
/// [tui], and a test file `keys_tests.rs` (declared `#[path] mod tests;` in `keys.rs`) →
/// [tui, keys, tests].
fn module_path(relative: &str) -> Vec<String> {
    let mut parts: Vec<String> = relative.trim_end_matches(".rs").split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    if let Some(parent) = parts.last().and_then(|last| last.strip_suffix("_tests")).map(str::to_owned) {
        parts.pop();
        parts.extend([parent, "tests".to_owned()]);
    }
    parts
}

/// The text with comments, string and character literals blanked (newlines kept), so a
/// `crate::` in a comment or a string never counts and one in code always does.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                out.push(if chars[i] == '\n' { '\n' } else { ' ' });
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                out.push(if chars.get(i) == Some(&'\n') { '\n' } else { ' ' });
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal ('\'', '\n', '\u{1b}'): past the escaped character,
            // then up to the closing quote.
            i += 3;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            // A plain character literal ('"', '{'); any other quote starts a lifetime.
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Every top-level module a file names, with the line: `crate::x`, each name of
/// `crate::{x, y::z}`, and `super::…` that climbs to the crate root (`super::super::x` from
/// `tui/app.rs`). Whitespace around `::` is allowed, as Rust allows it.
fn references(relative: &str, text: &str) -> Vec<(String, usize)> {
    let code = code_only(text);
    let tokens = tokenize(&code);
    let depth = module_path(relative).len();
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (word, line) = (&tokens[i].0, tokens[i].1);
        let at_root = if word == "crate" && tokens.get(i + 1).is_some_and(|t| t.0 == "::") {
            Some(i + 2)
        } else if word == "super" && (i == 0 || tokens[i - 1].0 != "::") {
            let mut climbed = 0;
            let mut j = i;
            while tokens.get(j).is_some_and(|t| t.0 == "super") && tokens.get(j + 1).is_some_and(|t| t.0 == "::") {
                climbed += 1;
                j += 2;
            }
            (climbed >= depth).then_some(j)
        } else {
            None
        };
        if let Some(start) = at_root {
            match tokens.get(start).map(|t| t.0.as_str()) {
                Some("{") => {
                    let mut nesting = 0;
                    let mut expect_name = true;
                    for token in &tokens[start..] {
                        match token.0.as_str() {
                            "{" => {
                                nesting += 1;
                                expect_name = nesting == 1;
                            }
                            "}" => {
                                nesting -= 1;
                                if nesting == 0 {
                                    break;
                                }
                            }
                            "," if nesting == 1 => expect_name = true,
                            name if expect_name && nesting == 1 => {
                                if name != "self" {
                                    found.push((name.to_owned(), token.1));
                                }
                                expect_name = false;
                            }
                            _ => {}
                        }
                    }
                }
                Some(name) if name.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                    found.push((name.to_owned(), line));
                }
                _ => {}
            }
        }
        i += 1;
    }
    found
}

/// Identifiers, `::`, braces and commas, each with its line number.
fn tokenize(code: &str) -> Vec<(String, usize)> {
    let mut tokens = Vec::new();
    for (number, line) in code.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_alphanumeric() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push((chars[start..i].iter().collect(), number + 1));
                continue;
            }
            if c == ':' && chars.get(i + 1) == Some(&':') {
                tokens.push(("::".to_owned(), number + 1));
                i += 2;
                continue;
            }
            if matches!(c, '{' | '}' | ',' | ';') {
                tokens.push((c.to_string(), number + 1));
            }
            i += 1;
        }
    }
    tokens
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
        for (to, line) in references(&relative, &text) {
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
    let found = |file: &str, text: &str| -> Vec<String> {
        references(file, text).into_iter().map(|(module, _)| module).collect()
    };
    assert_eq!(found("cli/act.rs", "use crate::model::X; // crate::tui"), ["model"]);
    assert_eq!(found("cli/act.rs", "let s = \"crate::tui\"; use crate :: report;"), ["report"]);
    assert_eq!(found("cli/act.rs", "use crate::{\n    tui::App,\n    self,\n    model::{A, B},\n};"), ["tui", "model"]);
    assert_eq!(found("cli/act.rs", "use super::super::tui::App; use super::scan;"), ["tui"]);
    assert_eq!(found("cli/mod.rs", "use super::tui;"), ["tui"]);
    assert_eq!(found("tui/keys_tests.rs", "use super::*; use super::super::super::cli;"), ["cli"]);
    assert_eq!(found("cli/act.rs", "let c = '\"'; use crate::tui;"), ["tui"]);
    assert_eq!(found("cli/act.rs", "let q = '\\''; let s = \"a\\\"b\"; use crate::tui;"), ["tui"]);
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
