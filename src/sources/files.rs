//! Manifests from files and directories: `.yaml/.yml/.json`, recursive, multi-document,
//! `kind: List` expanded, empty documents skipped. Every failure names the file, and the line
//! and column or document at fault. Files are parsed on all cores, in deterministic order.

use crate::engine::Manifest;
use crate::engine::yaml_depth::{MAX_FLOW_DEPTH, too_deep};
use crate::sources::list_stream;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashSet;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("'{}' does not exist", path.display())]
    NotFound { path: PathBuf },
    #[error("cannot read '{}': {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: invalid YAML: {message}", path.display())]
    Yaml { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{}: {document}: {problem}", path.display())]
    Object { path: PathBuf, document: String, problem: String },
    #[error("'{}' holds no .yaml, .yml or .json files", path.display())]
    NoManifests { path: PathBuf },
}

/// The manifest files of a walk, and what it skipped and why.
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<PathBuf>,
    /// One note per FIFO, device, socket or directory link skipped.
    pub skipped: Vec<String>,
}

/// The manifest files under `path` (itself when it is a file), sorted, hidden entries
/// skipped. Every directory is read once, however many links lead to it (two links to each
/// other end the walk instead of looping), and only regular files are kept.
pub fn manifest_files(path: &Path) -> Result<Walk, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound { path: path.to_owned() },
        _ => LoadError::Io { path: path.to_owned(), source },
    })?;
    let mut walk = Walk::default();
    if !metadata.is_dir() {
        walk.files.push(path.to_owned());
        return Ok(walk);
    }
    let mut visited = HashSet::from([(metadata.dev(), metadata.ino())]);
    collect(path, &mut walk, &mut visited)?;
    if walk.files.is_empty() {
        return Err(LoadError::NoManifests { path: path.to_owned() });
    }
    Ok(walk)
}

fn collect(dir: &Path, walk: &mut Walk, visited: &mut HashSet<(u64, u64)>) -> Result<(), LoadError> {
    let io = |source| LoadError::Io { path: dir.to_owned(), source };
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(io)?.collect::<Result<_, _>>().map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        // What a link points at decides; a dangling link is nothing to read.
        let Ok(metadata) = std::fs::metadata(&path) else { continue };
        if metadata.is_dir() {
            if visited.insert((metadata.dev(), metadata.ino())) {
                collect(&path, walk, visited)?;
            } else {
                walk.skipped
                    .push(format!("{}: a link to a directory already read, not followed again", path.display()));
            }
        } else if is_manifest_file(&path) {
            match crate::sources::bounded::special_kind(metadata.file_type()) {
                Some(kind) => {
                    walk.skipped.push(format!("{}: skipped, it is {kind}, not a regular file", path.display()))
                }
                None => walk.files.push(path),
            }
        }
    }
    Ok(())
}

fn is_manifest_file(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
    matches!(extension, "yaml" | "yml" | "json")
}

/// Loads every manifest under `path`; the notes say what the walk skipped.
pub fn load_path(path: &Path) -> Result<(Vec<Manifest>, Vec<String>), LoadError> {
    let mut all = Vec::new();
    let skipped = for_each_manifest(path, |manifest| all.push(manifest))?;
    Ok((all, skipped))
}

/// Streams the manifests under `path` to `sink` in file order, parsing a batch of files on
/// every core at a time. Batches are bounded in bytes, not files, so a snapshot of a few huge
/// `kind: List` files is never held whole in memory.
pub fn for_each_manifest(path: &Path, mut sink: impl FnMut(Manifest)) -> Result<Vec<String>, LoadError> {
    let Walk { files, skipped } = manifest_files(path)?;
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    for batch in batches(&files, workers) {
        if let [large] = batch
            && is_large(large)
        {
            stream_file(large, workers, &mut sink)?;
            continue;
        }
        let per_worker = batch.len().div_ceil(workers);
        let parsed: Vec<Result<Vec<Manifest>, LoadError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .chunks(per_worker)
                .map(|chunk| scope.spawn(move || chunk.iter().map(|f| load_file(f)).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        for file in parsed {
            file?.into_iter().for_each(&mut sink);
        }
    }
    Ok(skipped)
}

/// A file large enough to be read item by item (`list_stream`).
fn is_large(file: &Path) -> bool {
    std::fs::metadata(file).is_ok_and(|m| m.len() >= list_stream::STREAM_FROM_BYTES as u64)
}

/// Parses one large file, handing its objects on as they are parsed.
fn stream_file(path: &Path, workers: usize, sink: &mut dyn FnMut(Manifest)) -> Result<(), LoadError> {
    let text =
        crate::sources::bounded::read_text(path).map_err(|source| LoadError::Io { path: path.to_owned(), source })?;
    list_stream::for_each_object(&text, &path.display().to_string(), workers, list_stream::Cut::FILES, sink)
        .map_err(|problem| problem.at(path))
}

/// Splits `files` into runs of about `BATCH_BYTES` of YAML (at least one file per worker);
/// a large file is a batch of its own, streamed.
fn batches(files: &[PathBuf], workers: usize) -> Vec<&[PathBuf]> {
    /// Parsed objects take several times their text size; 2 MiB of text per worker keeps a
    /// batch in the tens of megabytes.
    const BATCH_BYTES: u64 = 2 * 1024 * 1024;
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (index, file) in files.iter().enumerate() {
        let size = std::fs::metadata(file).map_or(0, |m| m.len());
        if size >= list_stream::STREAM_FROM_BYTES as u64 {
            if start < index {
                batches.push(&files[start..index]);
            }
            batches.push(&files[index..=index]);
            (start, bytes) = (index + 1, 0);
            continue;
        }
        bytes += size;
        let count = index + 1 - start;
        if bytes >= BATCH_BYTES * workers as u64 && count >= workers {
            batches.push(&files[start..=index]);
            (start, bytes) = (index + 1, 0);
        }
    }
    if start < files.len() {
        batches.push(&files[start..]);
    }
    batches
}

/// Parses one file.
pub fn load_file(path: &Path) -> Result<Vec<Manifest>, LoadError> {
    let text =
        crate::sources::bounded::read_text(path).map_err(|source| LoadError::Io { path: path.to_owned(), source })?;
    parse_documents(&text, &path.display().to_string()).map_err(|problem| problem.at(path))
}

/// A problem found while parsing text, before it is tied to a file.
#[derive(Debug)]
pub enum ParseProblem {
    Yaml { line: usize, column: usize, message: String },
    Object { document: String, problem: String },
}

impl ParseProblem {
    pub fn at(self, path: &Path) -> LoadError {
        let path = path.to_owned();
        match self {
            ParseProblem::Yaml { line, column, message } => LoadError::Yaml { path, line, column, message },
            ParseProblem::Object { document, problem } => LoadError::Object { path, document, problem },
        }
    }
}

/// Parses a multi-document YAML (or JSON) text; `origin` names it in each manifest's origin.
pub fn parse_documents(text: &str, origin: &str) -> Result<Vec<Manifest>, ParseProblem> {
    let mut manifests = Vec::new();
    for (number, value) in yaml_documents(text)? {
        if value.get("kind").and_then(Value::as_str) == Some("List") {
            let Some(Value::Array(items)) = value.get("items").cloned() else {
                return Err(object_problem(format!("document {number}"), "kind: List without an 'items' list"));
            };
            for (item_index, item) in items.into_iter().enumerate() {
                let label = format!("document {number}, item {}", item_index + 1);
                manifests.push(validated(item, label, origin)?);
            }
        } else {
            manifests.push(validated(value, format!("document {number}"), origin)?);
        }
    }
    Ok(manifests)
}

/// The non-empty documents of a YAML (or JSON) text, numbered from 1, of any shape.
pub fn yaml_documents(text: &str) -> Result<Vec<(usize, Value)>, ParseProblem> {
    if let Some((line, column)) = too_deep(text, MAX_FLOW_DEPTH) {
        let message = format!("nested more than {MAX_FLOW_DEPTH} levels deep");
        return Err(ParseProblem::Yaml { line, column, message });
    }
    let mut documents = Vec::new();
    for (index, document) in yaml_serde::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(document).map_err(yaml_problem)?;
        if !value.is_null() {
            documents.push((index + 1, value));
        }
    }
    Ok(documents)
}

fn yaml_problem(error: yaml_serde::Error) -> ParseProblem {
    let (line, column) = error.location().map_or((0, 0), |l| (l.line(), l.column()));
    let mut message = error.to_string();
    // The location is reported separately; keep the message itself short.
    if let Some(at) = message.find(" at line ") {
        message.truncate(at);
    }
    ParseProblem::Yaml { line, column, message }
}

fn object_problem(document: String, problem: &str) -> ParseProblem {
    ParseProblem::Object { document, problem: problem.to_owned() }
}

/// Checks the fields identity needs; `label` is "document 2" or "document 1, item 3".
pub(crate) fn validated(value: Value, label: String, origin: &str) -> Result<Manifest, ParseProblem> {
    if !value.is_object() {
        return Err(object_problem(label, "not a Kubernetes object (expected a mapping)"));
    }
    let has_text = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    for (present, field) in [
        (has_text(value.get("apiVersion")), "apiVersion"),
        (has_text(value.get("kind")), "kind"),
        (has_text(value.get("metadata").and_then(|m| m.get("name"))), "metadata.name"),
    ] {
        if !present {
            return Err(object_problem(label, &format!("object has no '{field}'")));
        }
    }
    Ok(Manifest { object: value, origin: format!("{origin}#{}", label.trim_start_matches("document ")) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_lists_and_empty_documents() {
        let text = "---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: c\n";
        let manifests = parse_documents(text, "live.yaml").expect("valid");
        let names: Vec<&str> = manifests.iter().filter_map(|m| m.object["metadata"]["name"].as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        // The leading `---` opens an empty first document.
        assert_eq!(manifests[1].origin, "live.yaml#2, item 2");
    }

    #[test]
    fn malformed_yaml_names_line_and_column() {
        let Err(ParseProblem::Yaml { line, column, .. }) =
            parse_documents("kind: ConfigMap\nmetadata:\n  name: [unclosed\n", "x")
        else {
            panic!("expected a YAML error");
        };
        assert_eq!(line, 4);
        assert!(column >= 1);
    }

    #[test]
    fn objects_missing_identity_fields_name_the_document() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n";
        let Err(ParseProblem::Object { document, problem }) = parse_documents(text, "x") else {
            panic!("expected an object error");
        };
        assert_eq!(document, "document 2");
        assert_eq!(problem, "object has no 'metadata.name'");
    }

    #[test]
    fn json_files_parse_too() {
        let manifests =
            parse_documents(r#"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}"#, "ns.json");
        assert_eq!(manifests.expect("json is yaml").len(), 1);
    }

    #[test]
    fn pathological_nesting_is_refused_before_parsing_and_brackets_in_text_do_not_count() {
        let deep = "[".repeat(100_000);
        let started = std::time::Instant::now();
        match yaml_documents(&deep) {
            Err(ParseProblem::Yaml { line: 1, column, message }) => {
                assert_eq!(column, MAX_FLOW_DEPTH + 1);
                assert!(message.contains("nested more than 256 levels"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let mapping = "{\"a\":".repeat(300);
        assert!(matches!(yaml_documents(&mapping), Err(ParseProblem::Yaml { .. })));
        let text = format!(
            "a: \"{}\"\nb: '{}'\n# {}\nc: |\n  {}\n  more\nd: [1, [2]]\ne: don't\n",
            "[".repeat(300),
            "{".repeat(300),
            "[".repeat(300),
            "[".repeat(300)
        );
        assert_eq!(too_deep(&text, MAX_FLOW_DEPTH), None);
        assert_eq!(yaml_documents(&text).expect("valid").len(), 1);
    }
}
