//! `kdrift diff`: desired and live YAML side by side in plain text, aligned line by line,
//! unchanged runs folded, and a gutter naming the owner and age of every drifted live line.

use crate::engine::classify::manager_label;
use crate::engine::time::{parse_rfc3339, short_age};
use crate::model::{Finding, ManagerClass, ResourceReport};
use crate::report::aligned::{Cell, Row, RowKind, Shown, align};
use crate::report::style::Style;
use crate::sanitize::clean;
use crate::theme::{Color, Theme};
use serde_json::Value;
use std::fmt::Write as _;

pub(crate) struct DiffOptions {
    pub style: Style,
    /// Total width of the output; each side gets half of what the gutters leave.
    pub width: usize,
    /// Show every live field, including server defaults and controller-owned ones.
    pub full: bool,
    pub now: Option<i64>,
}

/// Renders one resource's normalized desired and live objects side by side.
pub(crate) fn render_resource(
    resource: &ResourceReport,
    desired: &Value,
    live: &Value,
    options: &DiffOptions,
) -> String {
    let shown = if options.full { Shown::Full } else { Shown::Projected };
    let aligned = align(resource, desired, live, shown, None);
    let mut out = String::new();
    let title =
        format!("── {} · {} · {} finding(s) ", resource.key(), resource.status.as_str(), resource.findings.len());
    let _ = writeln!(out, "{}", options.style.bold(&pad(&title, options.width, '─')));
    let layout = Layout::new(options.width, aligned.lines);
    let _ = writeln!(
        out,
        "{}",
        options.style.dim(&layout.row(" ", "desired (Git)", " ", "live (cluster)", "owner of drifted line"))
    );
    let mut index = 0;
    // Folds come in row order: the next one is the only one that can start here.
    let mut folds = aligned.folds.iter().peekable();
    while index < aligned.rows.len() {
        while folds.next_if(|f| f.start < index).is_some() {}
        if let Some(fold) = folds.next_if(|f| f.start == index) {
            let folded = format!("⋯ {} unchanged lines", fold.len);
            let _ = writeln!(out, "{}", options.style.dim(&format!("{:>w$}{folded}", "", w = layout.number + 2)));
            index += fold.len;
            continue;
        }
        out.push_str(&text_row(&aligned.rows[index], resource, &layout, options));
        index += 1;
    }
    out
}

fn text_row(row: &Row, resource: &ResourceReport, layout: &Layout, options: &DiffOptions) -> String {
    fn cell(c: &Option<Cell>) -> Option<(usize, &str)> {
        c.as_ref().map(|c| (c.number, c.text.as_str()))
    }
    let (lmark, rmark) = match row.kind {
        RowKind::Equal => (" ", " "),
        RowKind::Equivalent => ("≈", "≈"),
        _ => (if row.left.is_some() { "-" } else { " " }, if row.right.is_some() { "+" } else { " " }),
    };
    let sides = layout.sides(cell(&row.left), lmark, cell(&row.right), rmark);
    let theme = Theme::builtin();
    if row.kind == RowKind::Equivalent {
        let note = Some(Gutter { text: "equal by value".to_owned(), class: None, ignored: false });
        return finish_row(sides, Some(theme.equivalent), note, layout, options.style);
    }
    // The gutter names the owner of live lines inside a finding.
    // A row's finding is its live line's when it has one.
    let finding = row.right.as_ref().and(row.finding);
    let gutter = finding.and_then(|i| gutter(&resource.findings[i], options.now));
    let color = match row.kind {
        RowKind::Equal | RowKind::Equivalent => None,
        // Hidden by an ignore rule: shown, but dimmed like an equal value.
        _ if gutter.as_ref().is_some_and(|g| g.ignored) => Some(theme.equivalent),
        RowKind::Removed => Some(theme.removed),
        RowKind::Added => Some(theme.added),
        RowKind::Changed => Some(theme.changed),
    };
    finish_row(sides, color, gutter, layout, options.style)
}

/// The owner column of a row: its text and, when known, the owner's class for colour.
struct Gutter {
    text: String,
    class: Option<ManagerClass>,
    /// The line's difference is hidden by an ignore rule.
    ignored: bool,
}

/// "human kubectl-edit 43d" for a live line inside `finding`, "ignored: /spec/replicas"
/// (what the rule matched) when a rule hid it.
fn gutter(finding: &Finding, now: Option<i64>) -> Option<Gutter> {
    if let Some(by) = &finding.ignored_by {
        let text = format!("ignored: {}", by.expression);
        return Some(Gutter { text, class: None, ignored: true });
    }
    let Some(owner) = &finding.owner else {
        let text = format!("{} (no owner recorded)", finding.category.as_str());
        return Some(Gutter { text, class: None, ignored: false });
    };
    let age = match (owner.time.as_deref().and_then(parse_rfc3339), now) {
        (Some(then), Some(now)) => format!(" {}", short_age(now - then)),
        _ => String::new(),
    };
    Some(Gutter {
        text: format!("{} {}{age}", class_tag(owner.class), manager_label(owner)),
        class: Some(owner.class),
        ignored: false,
    })
}

/// The short name of an owner class, readable without colour.
pub(crate) fn class_tag(class: ManagerClass) -> &'static str {
    match class {
        ManagerClass::Gitops => "gitops",
        ManagerClass::Controller => "ctrl",
        ManagerClass::Human => "human",
        ManagerClass::Webhook => "hook",
        ManagerClass::Unknown => "???",
    }
}

/// A finished row: the sides painted with `sides_color`, the gutter with its owner's colour.
fn finish_row(
    sides: String,
    sides_color: Option<Color>,
    gutter: Option<Gutter>,
    layout: &Layout,
    style: Style,
) -> String {
    // Painted or not, the YAML text is data: cleaned, so the only colour is kdrift's.
    let paint = |text: &str| match sides_color {
        Some(color) => style.color(color, text),
        None => clean(text).into_owned(),
    };
    match gutter {
        None => format!("{}\n", paint(sides.trim_end())),
        Some(Gutter { text, class, .. }) => {
            let text = fit(&text, layout.gutter);
            let text = text.trim_end();
            let shown = match class {
                Some(class) => style.color(Theme::builtin().owner(class), text),
                None => clean(text).into_owned(),
            };
            format!("{} {shown}\n", paint(&sides))
        }
    }
}

/// Column widths: line numbers, two equal text columns and the owner gutter.
struct Layout {
    number: usize,
    column: usize,
    gutter: usize,
}

impl Layout {
    fn new(width: usize, lines: usize) -> Layout {
        let number = lines.max(1).to_string().len();
        let gutter = 34;
        // number + marker + space on each side, " │ " between, " │ " before the gutter.
        let fixed = 2 * (number + 2) + 3 + 3 + gutter;
        let column = width.saturating_sub(fixed).max(20) / 2;
        Layout { number, column, gutter }
    }

    fn row(&self, lmark: &str, left: &str, rmark: &str, right: &str, gutter: &str) -> String {
        let blank = " ".repeat(self.number);
        format!(
            "{blank}{lmark} {} │ {blank}{rmark} {} │ {}",
            fit(left, self.column),
            fit(right, self.column),
            fit(gutter, self.gutter).trim_end()
        )
    }

    /// The two numbered text columns of a row, ending in the gutter separator.
    fn sides(&self, left: Option<(usize, &str)>, lmark: &str, right: Option<(usize, &str)>, rmark: &str) -> String {
        let side = |cell: Option<(usize, &str)>, mark: &str| match cell {
            Some((n, text)) => format!("{n:>w$}{mark} {}", fit(text, self.column), w = self.number),
            None => format!("{:>w$}  {}", "", " ".repeat(self.column), w = self.number),
        };
        format!("{} │ {} │", side(left, lmark), side(right, rmark))
    }
}

/// Cuts or pads to exactly `width` characters; a cut line ends in `…` (no wrapping).
fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text}{}", " ".repeat(width - count))
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn pad(text: &str, width: usize, fill: char) -> String {
    let count = text.chars().count();
    let mut padded = text.to_owned();
    padded.extend(std::iter::repeat_n(fill, width.saturating_sub(count)));
    padded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_not_wrapped() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
    }
}
