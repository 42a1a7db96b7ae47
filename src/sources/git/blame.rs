//! Git evidence for findings: the last commit that changed each resource's file, and for a
//! field the last commit that changed its line (blame), found by locating the field's JSON
//! pointer in its YAML document.

use super::{GitEvidence, evidence_of, open, parse_origin};
use crate::model::AppReport;
use git2::{BlameOptions, Oid, Repository};
use std::collections::HashMap;
use std::path::Path;

/// Adds Git evidence to a report whose desired side came from `desired`: each resource gets
/// the last commit that changed its file, each field finding the last commit that changed
/// its line. Evidence that cannot be found is left out, never guessed.
pub(crate) fn attach_evidence(desired: &GitEvidence, report: &mut AppReport) {
    let Ok(repo) = open(&desired.repo) else {
        return;
    };
    let Ok(head) = Oid::from_str(&desired.commit.id) else {
        return;
    };
    let mut texts: HashMap<String, Option<String>> = HashMap::new();
    let mut blames: HashMap<String, Option<git2::Blame<'_>>> = HashMap::new();
    for resource in &mut report.resources {
        let Some(origin) = resource.desired_source.as_deref() else {
            continue;
        };
        let Some((file, document, item)) = parse_origin(origin) else {
            continue;
        };
        resource.desired_commit = desired.file_commits.get(file).cloned();
        let text = texts.entry(file.to_owned()).or_insert_with(|| blob_text(&repo, head, file)).clone();
        let Some(text) = text else {
            continue;
        };
        let blame = blames.entry(file.to_owned()).or_insert_with(|| {
            let mut options = BlameOptions::new();
            options.newest_commit(head);
            repo.blame_file(Path::new(file), Some(&mut options)).ok()
        });
        let Some(blame) = blame.as_ref() else {
            continue;
        };
        for finding in &mut resource.findings {
            if finding.desired.is_none() || finding.path.is_empty() {
                continue;
            }
            let pointer = finding.desired_path.as_deref().unwrap_or(&finding.path);
            let Some(line) = line_of(&text, document, item, pointer) else {
                continue;
            };
            let commit = blame.get_line(line).and_then(|hunk| repo.find_commit(hunk.final_commit_id()).ok());
            finding.git_commit = commit.as_ref().map(evidence_of);
        }
    }
}

fn blob_text(repo: &Repository, head: Oid, file: &str) -> Option<String> {
    let tree = repo.find_commit(head).ok()?.tree().ok()?;
    let blob = repo.find_blob(tree.get_path(Path::new(file)).ok()?.id()).ok()?;
    Some(String::from_utf8_lossy(blob.content()).into_owned())
}

/// The 1-based line of `pointer` in document `document` (1-based, as the loader numbers
/// them) of a multi-document text; the nearest ancestor that exists when the pointer's own
/// key does not (a field Git sets inside a map live lacks).
pub(super) fn line_of(text: &str, document: usize, item: Option<usize>, pointer: &str) -> Option<usize> {
    let (start_line, body) = nth_document(text, document)?;
    let parsed = yamlpath::Document::new(body.to_owned()).ok()?;
    let mut components: Vec<yamlpath::Component<'_>> = Vec::new();
    if let Some(item) = item {
        components.push(yamlpath::Component::Key("items".into()));
        components.push(yamlpath::Component::Index(item.checked_sub(1)?));
    }
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        components.push(match token.parse::<usize>() {
            Ok(index) => yamlpath::Component::Index(index),
            Err(_) => yamlpath::Component::Key(token.into()),
        });
    }
    while !components.is_empty() {
        let route = yamlpath::Route::from(components.clone());
        if let Ok(feature) = parsed.query_pretty(&route) {
            return Some(start_line + feature.location.point_span.0.0 + 1);
        }
        components.pop();
    }
    None
}

/// Document `number` (1-based, as `files::parse_documents` counts them) and the 0-based line
/// it starts on. Content before the first `---` is a document only when it holds something.
pub(crate) fn nth_document(text: &str, number: usize) -> Option<(usize, &str)> {
    let mut documents: Vec<(usize, usize, usize)> = Vec::new(); // (first line, start byte, end byte)
    let (mut start_byte, mut start_line, mut offset) = (0, 0, 0);
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") {
            documents.push((start_line, start_byte, offset));
            start_byte = offset + line.len();
            start_line = index + 1;
        }
        offset += line.len();
    }
    documents.push((start_line, start_byte, text.len()));
    let has_content = |(_, start, end): &(usize, usize, usize)| {
        text[*start..*end].lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    };
    if documents.len() > 1 && !has_content(&documents[0]) {
        documents.remove(0);
    }
    let (line, start, end) = *documents.get(number.checked_sub(1)?)?;
    Some((line, &text[start..end]))
}
