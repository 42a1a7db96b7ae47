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

/// Streams the manifests under `path` to `sink` in file order. Files are parsed on every
/// core by workers that run a bounded number of bytes ahead of `sink` (the engine), so
/// parsing and comparing overlap and a snapshot of many files is never held whole; a large
/// file is read item by item (`list_stream`) when its turn comes.
pub fn for_each_manifest(path: &Path, mut sink: impl FnMut(Manifest)) -> Result<Vec<String>, LoadError> {
    /// Parsed objects take several times their text size; 2 MiB of text ahead per worker
    /// keeps what waits for the engine in the tens of megabytes.
    const AHEAD_BYTES_PER_WORKER: u64 = 2 * 1024 * 1024;
    let Walk { files, skipped } = manifest_files(path)?;
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let sized: Vec<(&Path, u64)> =
        files.iter().map(|file| (file.as_path(), std::fs::metadata(file).map_or(0, |m| m.len()))).collect();
    let large = |size: u64| size >= list_stream::STREAM_FROM_BYTES as u64;
    crate::sources::ordered::for_each_in_order(
        &sized,
        workers,
        AHEAD_BYTES_PER_WORKER * workers as u64,
        // A large file is streamed by the consumer when its turn comes, never held ahead.
        |&(_, size)| if large(size) { 0 } else { size },
        |&(file, size)| match large(size) {
            true => Parsed::Large(file),
            false => Parsed::Whole(load_file(file)),
        },
        |parsed| match parsed {
            Parsed::Whole(manifests) => manifests.map(|manifests| manifests.into_iter().for_each(&mut sink)),
            Parsed::Large(file) => stream_file(file, workers, &mut sink),
        },
    )?;
    Ok(skipped)
}

/// A file as a worker hands it on: parsed, or left to be streamed.
enum Parsed<'f> {
    Whole(Result<Vec<Manifest>, LoadError>),
    Large(&'f Path),
}

/// Parses one large file, handing its objects on as they are parsed.
fn stream_file(path: &Path, workers: usize, sink: &mut dyn FnMut(Manifest)) -> Result<(), LoadError> {
    let text =
        crate::sources::bounded::read_text(path).map_err(|source| LoadError::Io { path: path.to_owned(), source })?;
    list_stream::for_each_object(&text, &path.display().to_string(), workers, list_stream::Cut::FILES, sink)
        .map_err(|problem| problem.at(path))
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
    for (number, mut value) in yaml_documents(text)? {
        if value.get("kind").and_then(Value::as_str) == Some("List") {
            let Some(Value::Array(items)) = value.get_mut("items").map(Value::take) else {
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
    // JSON (what `kubectl get -o json` writes) is YAML, but serde_json reads it several
    // times faster. Whatever it refuses (YAML's own flow style, a syntax error) goes to the
    // YAML parser, which gives its own result or error; so does a text the two might read
    // differently (`reads_differently_as_yaml`).
    if text.trim_start().starts_with('{')
        && !reads_differently_as_yaml(text)
        && let Ok(value) = serde_json::from_str::<Value>(text)
    {
        return Ok(vec![(1, value)]);
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

/// Whether `text` may hold something serde_json reads otherwise than the YAML parser: a run
/// of 19 digits or more (the shortest integer outside the 64-bit range; serde_json rounds it
/// to a float where YAML reports it), `-0` (a float to serde_json, the integer 0 to YAML), or
/// a raw NEL, LINE or PARAGRAPH SEPARATOR (line breaks YAML folds inside strings). Strings
/// are not told apart from numbers: a false alarm only costs the faster path.
fn reads_differently_as_yaml(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut run = 0;
    let long_number = bytes.iter().any(|byte| {
        run = if byte.is_ascii_digit() { run + 1 } else { 0 };
        run >= 19
    });
    let negative_zero = memchr::memmem::find_iter(bytes, b"-0")
        .any(|at| !matches!(bytes.get(at + 2), Some(b'0'..=b'9' | b'.' | b'e' | b'E')));
    let yaml_line_break = memchr::memmem::find(bytes, "\u{85}".as_bytes()).is_some()
        || memchr::memmem::find(bytes, "\u{2028}".as_bytes()).is_some()
        || memchr::memmem::find(bytes, "\u{2029}".as_bytes()).is_some();
    long_number || negative_zero || yaml_line_break
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

    /// The JSON fast path reads every JSON text exactly as the YAML parser does, and leaves
    /// what is not JSON to it.
    #[test]
    fn json_reads_as_the_yaml_parser_reads_it() {
        let yaml_read = |text: &str| -> Vec<Value> {
            yaml_serde::Deserializer::from_str(text).map(|d| Value::deserialize(d).expect("yaml")).collect()
        };
        for text in [
            r#"{"apiVersion": "v1", "kind": "List", "items": [{"kind": "ConfigMap", "metadata": {"name": "a"}}]}"#,
            r#"{"a": 1, "b": -2, "c": 1.5, "d": 1e3, "e": 18446744073709551615, "f": 0.1, "g": -0.0}"#,
            r#"{"s": "tab\tquote\"slash\/unicode\u00e9", "n": null, "t": true, "l": [], "m": {}}"#,
            r#"{"on": "yes", "y": "n", "octal": "0755", "null": "~"}"#,
            r#"{"z": 1, "a": 2, "m": 3}"#,
            r#"{"a": 1, "b": 2, "a": 3}"#,
            "{\"nel\": \"x\u{85}y\", \"ls\": \"x \u{2028} y\", \"ps\": \"x\u{2029}\"}",
            r#"{"zero": -0, "list": [-0], "fine": -0.5}"#,
        ] {
            let documents = yaml_documents(text).expect("json");
            assert_eq!(documents.len(), 1);
            assert_eq!(vec![documents[0].1.clone()], yaml_read(text), "{text}");
        }
        // A character beyond the BMP escaped as a surrogate pair is valid JSON the YAML parser
        // refuses: JSON reads it.
        let emoji = yaml_documents(r#"{"s": "\ud83d\ude00"}"#).expect("json");
        assert_eq!(emoji[0].1["s"], "\u{1f600}");
        // Integers past 64 bits: the YAML parser's error, not serde_json's rounding.
        let huge = r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "n": -9223372036854775809}"#;
        assert!(matches!(yaml_documents(huge), Err(ParseProblem::Yaml { .. })), "{:?}", yaml_documents(huge));
        // Not JSON, but YAML: flow style with plain scalars, and two documents.
        let flow = yaml_documents("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}").expect("yaml");
        assert_eq!(flow[0].1["metadata"]["name"], "a");
        let two = yaml_documents("{\"a\": 1}\n---\n{\"b\": 2}\n").expect("yaml");
        assert_eq!(two.len(), 2);
        // Broken JSON gets the YAML parser's error, with its line and column.
        assert!(matches!(yaml_documents("{\"a\": 1,\n \"b\": [2}"), Err(ParseProblem::Yaml { line: 2, .. })));
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
