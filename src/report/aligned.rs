//! Desired and live YAML aligned row by row, computed once per resource and shared by the
//! CLI's `kdrift diff` and the TUI's diff screen: each row knows its line numbers, whether it
//! changed (with the changed words marked), the finding it belongs to, and who owns the live
//! line. Folding and rendering happen later, on the rows.

use crate::engine::ownership::{LineOwners, OwnershipTrie};
use crate::model::{Owner, ResourceReport};
use crate::report::finding_paths::FindingPaths;
use crate::report::key_order::{Counterparts, align_key_order};
use crate::report::yaml_lines::{YamlLine, render};
use serde_json::{Map, Value};
use similar::{ChangeTag, DiffOp, TextDiff};
use std::ops::Range;

/// Unchanged lines kept around each change before the rest of a run is folded.
pub(crate) const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Equal,
    /// Spelled differently, equal by value (`1000m` and `1`): not drift.
    Equivalent,
    Removed,
    Added,
    Changed,
}

/// One side of a row: its 1-based line number, text, and the changed byte ranges of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub number: usize,
    pub text: String,
    pub pointer: String,
    pub emphasis: Vec<Range<usize>>,
    /// Where the value starts in `text` (its end for a line that opens a map or list).
    pub value_at: usize,
}

impl Cell {
    /// The line's value as written (`512Mi`, `'yes'`, a JSON-escaped multi-line string);
    /// empty for a line that opens a map or list.
    pub fn value_text(&self) -> &str {
        self.text.get(self.value_at..).unwrap_or_default()
    }
}

/// Who set a live line.
#[derive(Debug, Clone, PartialEq)]
pub enum LineOwner {
    Manager(Owner),
    /// No manager claims it: the API server defaulted it.
    ServerDefault,
    /// The live copy carries no managedFields, so nobody can be named.
    NotRecorded,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub kind: RowKind,
    pub left: Option<Cell>,
    pub right: Option<Cell>,
    /// Index into the resource's findings of the one this row shows.
    pub finding: Option<usize>,
    /// Owner of the live line, when there is one.
    pub owner: Option<LineOwner>,
}

impl Row {
    pub fn ignored(&self, resource: &ResourceReport) -> bool {
        self.finding.and_then(|i| resource.findings.get(i)).is_some_and(|f| f.ignored_by.is_some())
    }
}

/// A run of unchanged rows that can be folded: rows `start..start + len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    pub start: usize,
    pub len: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aligned {
    pub rows: Vec<Row>,
    pub folds: Vec<Fold>,
    /// First row of each finding shown, in row order (for `n`/`N`).
    pub finding_rows: Vec<usize>,
    /// Lines of the longer side: the widest line number.
    pub lines: usize,
}

/// Which live fields to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shown {
    /// The fields Git sets and the drifted ones (what Argo CD shows).
    Projected,
    /// Every live field, server defaults and controller-owned ones included.
    Full,
}

/// Aligns `desired` with `live` (both normalized); `trie` attributes every live line.
pub(crate) fn align(
    resource: &ResourceReport,
    desired: &Value,
    live: &Value,
    shown: Shown,
    trie: Option<&OwnershipTrie<'_>>,
) -> Aligned {
    let findings = FindingPaths::new(resource.findings.iter().map(|f| f.path.as_str()));
    let mut live_shown = match shown {
        Shown::Full => live.clone(),
        Shown::Projected => project(live, Some(desired), "", &findings),
    };
    // kubectl sorts keys; Git does not. Same order on both sides keeps lines aligned.
    align_key_order(&mut live_shown, desired);
    let left = render(desired);
    let right = render(&live_shown);
    let left_text: Vec<&str> = left.iter().map(|l| l.text.as_str()).collect();
    let right_text: Vec<&str> = right.iter().map(|l| l.text.as_str()).collect();
    let diff = TextDiff::configure().diff_slices(&left_text, &right_text);
    let builder = Builder { resource, findings: &findings, left: &left, right: &right, live: &live_shown, trie };
    let mut aligned = Aligned { lines: left.len().max(right.len()), ..Aligned::default() };
    let ops = diff.ops();
    for (index, op) in ops.iter().enumerate() {
        match *op {
            DiffOp::Equal { old_index, new_index, len } => {
                let start = aligned.rows.len();
                for i in 0..len {
                    aligned.rows.push(builder.row(RowKind::Equal, Some(old_index + i), Some(new_index + i)));
                }
                let head = if index == 0 { 0 } else { CONTEXT };
                let tail = if index + 1 == ops.len() { 0 } else { CONTEXT };
                if len > head + tail + 1 {
                    aligned.folds.push(Fold { start: start + head, len: len - head - tail });
                }
            }
            DiffOp::Delete { old_index, old_len, .. } => {
                for i in 0..old_len {
                    aligned.rows.push(builder.row(RowKind::Removed, Some(old_index + i), None));
                }
            }
            DiffOp::Insert { new_index, new_len, .. } => {
                for i in 0..new_len {
                    aligned.rows.push(builder.row(RowKind::Added, None, Some(new_index + i)));
                }
            }
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                for i in 0..old_len.max(new_len) {
                    let l = (i < old_len).then_some(old_index + i);
                    let r = (i < new_len).then_some(new_index + i);
                    aligned.rows.push(builder.replaced(l, r));
                }
            }
        }
    }
    let mut seen = vec![false; resource.findings.len()];
    for (index, row) in aligned.rows.iter().enumerate() {
        if let Some(finding) = row.finding.filter(|f| !seen[*f])
            && row.kind != RowKind::Equal
        {
            seen[finding] = true;
            aligned.finding_rows.push(index);
        }
    }
    aligned
}

struct Builder<'a> {
    resource: &'a ResourceReport,
    findings: &'a FindingPaths<'a>,
    left: &'a [YamlLine],
    right: &'a [YamlLine],
    live: &'a Value,
    trie: Option<&'a OwnershipTrie<'a>>,
}

impl Builder<'_> {
    fn cell(lines: &[YamlLine], index: usize) -> Cell {
        let line = &lines[index];
        Cell {
            number: index + 1,
            text: line.text.clone(),
            pointer: line.pointer.clone(),
            emphasis: Vec::new(),
            value_at: line.value_at,
        }
    }

    fn row(&self, kind: RowKind, l: Option<usize>, r: Option<usize>) -> Row {
        let left = l.map(|i| Self::cell(self.left, i));
        let right = r.map(|i| Self::cell(self.right, i));
        let pointer = right.as_ref().or(left.as_ref()).map(|c| c.pointer.as_str()).unwrap_or_default();
        let finding = self.findings.owning(pointer);
        // Inside a finding, the engine's attribution wins: it knows, for example, that a
        // field the GitOps manager "owns" was injected by a webhook during its apply.
        let attributed = finding.and_then(|f| self.resource.findings[f].owner.clone()).map(LineOwner::Manager);
        let owner = right.as_ref().map(|cell| attributed.unwrap_or_else(|| self.owner(&cell.pointer)));
        Row { kind, left, right, finding, owner }
    }

    /// A row of a replaced block: equal by value when both sides show the same field and no
    /// finding covers it; else changed, with the differing words marked.
    fn replaced(&self, l: Option<usize>, r: Option<usize>) -> Row {
        let kind = match (l, r) {
            (Some(_), None) => RowKind::Removed,
            (None, Some(_)) => RowKind::Added,
            _ => RowKind::Changed,
        };
        let mut row = self.row(kind, l, r);
        if let (Some(left), Some(right)) = (&mut row.left, &mut row.right) {
            if left.pointer == right.pointer && row.finding.is_none() {
                row.kind = RowKind::Equivalent;
            } else {
                (left.emphasis, right.emphasis) = changed_words(&left.text, &right.text);
            }
        }
        row
    }

    fn owner(&self, pointer: &str) -> LineOwner {
        let Some(trie) = self.trie else {
            return LineOwner::NotRecorded;
        };
        let entry = match trie.owners_at(self.live, pointer) {
            LineOwners::Value(owners) => trie.primary(owners),
            LineOwners::Beneath(owners) => trie.founder(owners),
        };
        match entry {
            Some(entry) => LineOwner::Manager(entry.to_owner()),
            None => LineOwner::ServerDefault,
        }
    }
}

/// The byte ranges of each side that differ, word by word.
fn changed_words(left: &str, right: &str) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    let diff = TextDiff::from_words(left, right);
    let (mut old, mut new) = (Vec::new(), Vec::new());
    let (mut old_at, mut new_at) = (0, 0);
    for change in diff.iter_all_changes() {
        let len = change.value().len();
        match change.tag() {
            ChangeTag::Equal => {
                old_at += len;
                new_at += len;
            }
            ChangeTag::Delete => {
                old.push(old_at..old_at + len);
                old_at += len;
            }
            ChangeTag::Insert => {
                new.push(new_at..new_at + len);
                new_at += len;
            }
        }
    }
    (old, new)
}

/// Live as Argo CD would show it: the fields Git sets plus the drifted ones, without the
/// server defaults and controller-owned fields that are not drift.
fn project(live: &Value, desired: Option<&Value>, pointer: &str, findings: &FindingPaths<'_>) -> Value {
    match live {
        Value::Object(map) => {
            let mut kept = Map::new();
            for (key, value) in map {
                let mut child = String::with_capacity(pointer.len() + key.len() + 1);
                child.push_str(pointer);
                child.push('/');
                crate::engine::path::push_pointer_token(&mut child, key);
                let counterpart = desired.and_then(|d| d.get(key));
                if counterpart.is_some() || findings.on_finding_path(&child) {
                    kept.insert(key.clone(), project(value, counterpart, &child, findings));
                }
            }
            Value::Object(kept)
        }
        Value::Array(items) => {
            let counterparts = desired.and_then(Value::as_array).map(|list| Counterparts::new(list));
            Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| {
                        let counterpart = counterparts.as_ref().and_then(|c| c.of(index, item));
                        project(item, counterpart, &format!("{pointer}/{index}"), findings)
                    })
                    .collect(),
            )
        }
        scalar => scalar.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn projection_keeps_git_fields_and_drift_but_drops_server_defaults() {
        let live = json!({"spec": {"replicas": 9, "progressDeadlineSeconds": 600,
            "template": {"spec": {"containers": [{"name": "app", "image": "x", "imagePullPolicy": "IfNotPresent",
                "env": [{"name": "DEBUG", "value": "1"}]}]}}}});
        let desired =
            json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "app", "image": "x"}]}}}});
        let shown = project(
            &live,
            Some(&desired),
            "",
            &FindingPaths::new(["/spec/template/spec/containers/0/env"].into_iter()),
        );
        assert_eq!(
            shown,
            json!({"spec": {"replicas": 9, "template": {"spec": {"containers": [
            {"name": "app", "image": "x", "env": [{"name": "DEBUG", "value": "1"}]}]}}}})
        );
    }

    #[test]
    fn changed_words_are_marked_on_both_sides() {
        let (old, new) = changed_words("      memory: 512Mi", "      memory: 2Gi");
        assert_eq!(&"      memory: 512Mi"[old[0].clone()], "512Mi");
        assert_eq!(&"      memory: 2Gi"[new[0].clone()], "2Gi");
    }
}
