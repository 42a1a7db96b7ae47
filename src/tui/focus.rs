//! The focused diff line as a whole: its path in both spellings, the complete desired and
//! live values (a scalar decoded from its YAML spelling, or the block beneath a map or list
//! line), who set it and the finding it shows. The value panel, the diff footer and copying
//! all read it from here, so they never disagree.

use crate::engine::path::display_of_pointer;
use crate::report::aligned::{Cell, Row};
use crate::sanitize::clean_line;
use crate::tui::diff_state::DiffState;

/// A block beneath a map or list line is shown up to this many lines (a 50,000-key
/// ConfigMap's `data:` would otherwise be copied whole into the panel).
pub(crate) const BLOCK_LINES: usize = 2_000;

/// One side's whole value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SideValue {
    /// The 1-based line the value starts on.
    pub line: usize,
    /// The value, one entry per line, cleaned for the terminal.
    pub lines: Vec<String>,
    /// Lines of a block left out past `BLOCK_LINES`.
    pub more: usize,
    /// The value as it is (tabs, control characters and all), for the clipboard: copying
    /// must give the value, not its picture on screen.
    pub raw: String,
}

impl SideValue {
    /// The value as one text (what is copied).
    pub(crate) fn text(&self) -> String {
        self.raw.clone()
    }

    /// The value on one line, for the footer: a short scalar as it is, else its first line.
    pub(crate) fn inline(&self) -> String {
        match self.lines.as_slice() {
            [one] => one.clone(),
            [first, ..] => format!("{first} …"),
            [] => String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Focused {
    pub display_path: String,
    pub pointer: String,
    pub desired: Option<SideValue>,
    pub live: Option<SideValue>,
    /// Index of the finding the line shows, in the resource's findings.
    pub finding: Option<usize>,
}

/// The focused line of the aligned view; `None` on a fold or in the raw view.
/// `finding_paths` gives a finding's pointer and display path, by index.
pub(crate) fn focused(diff: &DiffState, finding_paths: impl Fn(usize) -> Option<(String, String)>) -> Option<Focused> {
    if diff.show_raw {
        return None;
    }
    let index = diff.focused_row_index()?;
    let rows = &diff.aligned.rows;
    let row = &rows[index];
    let cell = row.right.as_ref().or(row.left.as_ref())?;
    let pointer = cell.pointer.clone();
    let side_is_right = row.right.is_some();
    // A line inside a finding (an env var under the finding on `env`) has its own path: the
    // finding's readable one only names the line that is the finding.
    let display_path = row
        .finding
        .and_then(&finding_paths)
        .filter(|(path, display)| *path == pointer && !display.is_empty())
        .map(|(_, display)| display)
        .unwrap_or_else(|| {
            display_of_pointer(&pointer, |depth| is_list_position(rows, index, &pointer, depth, side_is_right))
        });
    // A changed block pairs lines by position: each side's value is the line with this
    // pointer on that side, wherever it is.
    let side = |right: bool| -> Option<SideValue> {
        let of: fn(&Row) -> Option<&Cell> = if right { right_cell } else { left_cell };
        let at = match of(row) {
            Some(cell) if cell.pointer == pointer => index,
            _ => rows.iter().position(|r| of(r).is_some_and(|cell| cell.pointer == pointer))?,
        };
        of(&rows[at]).map(|cell| whole_value(rows, at, cell, of))
    };
    Some(Focused { display_path, desired: side(false), live: side(true), pointer, finding: row.finding })
}

fn left_cell(row: &Row) -> Option<&Cell> {
    row.left.as_ref()
}

fn right_cell(row: &Row) -> Option<&Cell> {
    row.right.as_ref()
}

/// The focused raw line, whole (the raw view has no paths).
pub(crate) fn raw_line(diff: &DiffState) -> Option<SideValue> {
    let text = diff.raw.get(diff.cursor).filter(|_| diff.show_raw)?;
    Some(SideValue { line: diff.cursor + 1, lines: vec![clean_line(text)], more: 0, raw: text.clone() })
}

/// "Git 512Mi → live 2Gi" (or "only in Git: …" / "only live: …"), each value cut to
/// `width` characters around where the two first differ.
pub(crate) fn values_inline(focused: &Focused, width: usize) -> String {
    let desired = focused.desired.as_ref().map(SideValue::inline);
    let live = focused.live.as_ref().map(SideValue::inline);
    match (desired, live) {
        (Some(desired), Some(live)) => {
            let at = first_difference(&desired, &live);
            format!("Git {} → live {}", around(&desired, at, width), around(&live, at, width))
        }
        (Some(desired), None) => format!("only in Git: {}", around(&desired, 0, width)),
        (None, Some(live)) => format!("only live: {}", around(&live, 0, width)),
        (None, None) => String::new(),
    }
}

/// The character index where `a` and `b` first differ.
fn first_difference(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// `text` cut to `width` characters so that character `at` shows, `…` marking each cut.
pub(crate) fn around(text: &str, at: usize, width: usize) -> String {
    let width = width.max(8);
    let count = text.chars().count();
    if count <= width {
        return text.to_owned();
    }
    let start = if at + 2 <= width { 0 } else { at.saturating_sub(width / 3).min(count - width) };
    let mut shown: String = text.chars().skip(start).take(width).collect();
    if start + width < count {
        shown.pop();
        shown.push('…');
    }
    if start > 0 {
        shown = format!("…{}", shown.chars().skip(1).collect::<String>());
    }
    shown
}

/// A scalar line's value decoded; for a line that opens a map or list, the block beneath it
/// on the same side, its indentation removed.
fn whole_value<'r>(
    rows: &'r [Row],
    index: usize,
    cell: &Cell,
    side: impl Fn(&'r Row) -> Option<&'r Cell>,
) -> SideValue {
    if !cell.value_text().is_empty() {
        let raw = decoded(cell.value_text());
        let lines = raw.split('\n').map(clean_line).collect();
        return SideValue { line: cell.number, lines, more: 0, raw };
    }
    let nested = format!("{}/", cell.pointer);
    let indent = cell.text.len() - cell.text.trim_start().len();
    let mut lines = Vec::new();
    let mut raw = vec![cell.text.trim_start().to_owned()];
    let mut more = 0;
    // Rows only the other side has are skipped; the block ends at this side's first line
    // outside it.
    for other in rows[index + 1..].iter().filter_map(&side) {
        if !other.pointer.starts_with(&nested) {
            break;
        }
        let text = other.text.get(indent..).unwrap_or(other.text.trim_start());
        match lines.len() < BLOCK_LINES {
            true => {
                lines.push(clean_line(text));
                raw.push(text.to_owned());
            }
            false => more += 1,
        }
    }
    lines.insert(0, clean_line(cell.text.trim_start()));
    SideValue { line: cell.number, lines, more, raw: raw.join("\n") }
}

/// A value as YAML spells it, read back: a double-quoted string (how a multi-line string is
/// kept on one line) decoded, a single-quoted one unquoted, anything else as it is.
fn decoded(text: &str) -> String {
    let unquoted = match text.as_bytes() {
        [b'"', .., b'"'] => serde_json::from_str::<String>(text).ok(),
        [b'\'', inner @ .., b'\''] => std::str::from_utf8(inner).ok().map(|s| s.replace("''", "'")),
        _ => None,
    };
    unquoted.unwrap_or_else(|| text.to_owned())
}

/// Whether token `depth` of `pointer` is a list position: the first line of that entry (the
/// nearest line above the focused one still inside it) starts with YAML's `- `.
fn is_list_position(rows: &[Row], index: usize, pointer: &str, depth: usize, right: bool) -> bool {
    let end = pointer.match_indices('/').nth(depth + 1).map_or(pointer.len(), |(at, _)| at);
    let prefix = &pointer[..end];
    let inside = |cell: &Cell| cell.pointer == prefix || cell.pointer.starts_with(&format!("{prefix}/"));
    fn side(row: &Row, right: bool) -> Option<&Cell> {
        if right { row.right.as_ref() } else { row.left.as_ref() }
    }
    let mut first = None;
    for row in rows[..=index].iter().rev() {
        match side(row, right) {
            Some(cell) if inside(cell) => first = Some(cell),
            Some(_) => break,
            None => {}
        }
    }
    first.is_some_and(|cell| cell.text.trim_start().starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_around_their_first_difference() {
        let git = "registry.example.com/payments/payment-service:v1.4.2";
        let live = "registry.example.com/payments/payment-service:v1.4.3-hotfix";
        let at = first_difference(git, live);
        assert_eq!(around(git, at, 20), "…ment-service:v1.4.2");
        assert_eq!(around(live, at, 20), "…rvice:v1.4.3-hotfix");
        assert_eq!(around("short", 0, 20), "short");
        assert_eq!(around("a-long-value-that-differs-early", 2, 10), "a-long-va…");
    }

    #[test]
    fn quoted_values_are_read_back_whole() {
        assert_eq!(decoded("\"line one\\nline two\\tend\""), "line one\nline two\tend");
        assert_eq!(decoded("'it''s'"), "it's");
        assert_eq!(decoded("512Mi"), "512Mi");
        assert_eq!(decoded("\"unterminated"), "\"unterminated");
    }
}
