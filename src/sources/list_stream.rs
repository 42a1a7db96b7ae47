//! Large `kind: List` files (`kubectl get -o yaml > snapshot.yaml`) read item by item: the
//! text is cut into runs of items where the list's block sequence starts a new `- ` entry,
//! each run parsed on its own (on every core, a bounded window ahead) and handed on in order, so
//! a 50,000-object list is never one tree of values, nor one parser's buffer of events.
//! Anything unusual about the file (several documents, directives, an indented list, a run
//! that does not parse, an item that fails validation) falls back to parsing it whole, which
//! gives exactly the objects or the error it always gave.

use crate::engine::Manifest;
use crate::engine::yaml_depth::{MAX_FLOW_DEPTH, too_deep};
use crate::sources::files::{ParseProblem, parse_documents, validated};
use serde::Deserialize;
use serde_json::Value;

/// Files smaller than this are parsed whole: cutting them gains nothing.
pub(crate) const STREAM_FROM_BYTES: usize = 4 * 1024 * 1024;

/// Where to cut: files from `from_bytes` on, into runs of about `run_bytes` of text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cut {
    pub from_bytes: usize,
    pub run_bytes: usize,
}

impl Cut {
    pub(crate) const FILES: Cut = Cut { from_bytes: STREAM_FROM_BYTES, run_bytes: 512 * 1024 };
}

/// Hands the file's objects to `sink` in order: item by item when it is one large `kind:
/// List` document, else (or on any doubt) parsed whole.
pub(crate) fn for_each_object(
    text: &str,
    origin: &str,
    workers: usize,
    cut: Cut,
    sink: &mut dyn FnMut(Manifest),
) -> Result<(), ParseProblem> {
    let handed = match runs_of_items(text, cut) {
        Some(runs) => match stream_runs(&runs, origin, workers, sink) {
            Ok(()) => return Ok(()),
            Err(handed) => handed,
        },
        None => 0,
    };
    // Whole, skipping what the streamed part already handed on (the same items, in order).
    parse_documents(text, origin)?.into_iter().skip(handed).for_each(sink);
    Ok(())
}

/// Parses the runs on `workers` threads, a bounded number of bytes ahead of `sink`; on a
/// run that does not parse or an item that fails validation, the number of objects already
/// handed on.
fn stream_runs(runs: &[&str], origin: &str, workers: usize, sink: &mut dyn FnMut(Manifest)) -> Result<(), usize> {
    let ahead = runs.iter().map(|run| run.len() as u64).max().unwrap_or(0) * workers as u64;
    let mut handed: usize = 0;
    crate::sources::ordered::for_each_in_order(
        runs,
        workers,
        ahead,
        |run| run.len() as u64,
        |run| parse_run(run),
        |items| {
            for item in items.ok_or(())? {
                let label = format!("document 1, item {}", handed + 1);
                sink(validated(item, label, origin).map_err(|_| ())?);
                handed += 1;
            }
            Ok(())
        },
    )
    .map_err(|()| handed)
}

/// A run of `- ` entries, parsed under an `items:` key so that it nests as deep as in the
/// whole file (the parser's depth limit then holds alike).
fn parse_run(run: &str) -> Option<Vec<Value>> {
    #[derive(Deserialize)]
    struct Run {
        items: Vec<Value>,
    }
    let text = format!("items:\n{run}");
    let mut documents = yaml_serde::Deserializer::from_str(&text);
    let run = Run::deserialize(documents.next()?).ok()?;
    documents.next().is_none().then_some(run.items)
}

/// The file's items cut into runs, when the file is one `kind: List` document whose `items`
/// is a block sequence at the left margin (as kubectl writes it) and whose other top-level
/// keys are plain words that parse; `None` otherwise.
fn runs_of_items(text: &str, cut: Cut) -> Option<Vec<&str>> {
    // Too deep a nesting is reported by the whole parse, with its line; a byte order mark
    // anywhere is read by the parser as nothing, which a cut by lines cannot follow.
    if text.len() < cut.from_bytes || too_deep(text, MAX_FLOW_DEPTH).is_some() || text.contains('\u{feff}') {
        return None;
    }
    let mut rest = String::new();
    let mut keys: Vec<&str> = Vec::new();
    let (mut items_start, mut items_end) = (None, None);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let bare = line.trim_end_matches(['\n', '\r']);
        let in_items = items_start.is_some() && items_end.is_none();
        if in_items && (bare.starts_with("- ") || bare == "-" || bare.starts_with(' ') || is_blank_or_comment(bare)) {
            continue;
        }
        if in_items {
            items_end = Some(start);
        }
        if bare.starts_with(' ') || is_blank_or_comment(bare) {
            rest.push_str(line);
            continue;
        }
        // A top-level key: a plain word, each once.
        let key = top_level_key(bare)?;
        if keys.contains(&key) {
            return None;
        }
        keys.push(key);
        match (key, bare) {
            ("items", "items:" | "items: ") => items_start = Some(offset),
            ("items", _) => return None,
            _ => rest.push_str(line),
        }
    }
    let (start, end) = (items_start?, items_end.unwrap_or(text.len()));
    // `items:` with no entry is null, not an empty list: the whole parse says so.
    let first = text[start..end].lines().find(|line| !is_blank_or_comment(line))?;
    if !(first.starts_with("- ") || first == "-") {
        return None;
    }
    // The other top-level keys must parse as they would around the list, and say `List`.
    let top: Value = yaml_serde::from_str(&rest).ok()?;
    let top = top.as_object()?;
    if top.len() + 1 != keys.len() || top.get("kind").and_then(Value::as_str) != Some("List") {
        return None;
    }
    Some(cut_runs(&text[start..end], cut.run_bytes))
}

/// `kind` of `kind: List`: a top-level key spelled as a plain word, else `None`.
fn top_level_key(line: &str) -> Option<&str> {
    let (key, value) = line.split_once(':')?;
    let plain = key.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    (plain && (value.is_empty() || value.starts_with(' '))).then_some(key)
}

fn is_blank_or_comment(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.is_empty() || trimmed.starts_with('#')
}

/// Cuts the items' text at `- ` entries after every `run_bytes` or so.
fn cut_runs(items: &str, run_bytes: usize) -> Vec<&str> {
    let mut runs = Vec::new();
    let (mut run_start, mut offset) = (0, 0);
    for line in items.split_inclusive('\n') {
        let entry = line.starts_with("- ") || line.trim_end_matches(['\n', '\r']) == "-";
        if entry && offset - run_start >= run_bytes {
            runs.push(&items[run_start..offset]);
            run_start = offset;
        }
        offset += line.len();
    }
    if run_start < items.len() {
        runs.push(&items[run_start..]);
    }
    runs
}

#[cfg(test)]
#[path = "list_stream_tests.rs"]
mod tests;
