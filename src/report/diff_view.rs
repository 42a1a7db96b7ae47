//! `kdrift diff`: desired and live YAML side by side in plain text, aligned line by line,
//! unchanged runs folded, and a gutter naming the owner and age of every drifted live line.

use crate::engine::classify::manager_label;
use crate::engine::time::{parse_rfc3339, short_age};
use crate::model::{Finding, ManagerClass, ResourceReport};
use crate::report::style::Style;
use crate::report::yaml_lines::{YamlLine, render};
use crate::theme::{Color, Theme};
use serde_json::{Map, Value};
use similar::{DiffOp, TextDiff};
use std::fmt::Write as _;

/// Unchanged lines kept around each change before the rest of a run is folded.
const CONTEXT: usize = 3;

pub struct DiffOptions {
    pub style: Style,
    /// Total width of the output; each side gets half of what the gutters leave.
    pub width: usize,
    /// Show every live field, including server defaults and controller-owned ones.
    pub full: bool,
    pub now: Option<i64>,
}

/// Renders one resource's normalized desired and live objects side by side.
pub fn render_resource(resource: &ResourceReport, desired: &Value, live: &Value, options: &DiffOptions) -> String {
    let pointers: Vec<&str> = resource.findings.iter().map(|f| f.path.as_str()).collect();
    let mut live_shown = if options.full { live.clone() } else { project(live, Some(desired), "", &pointers) };
    // kubectl sorts keys; Git does not. Same order on both sides keeps lines aligned.
    align_key_order(&mut live_shown, desired);
    let left = render(desired);
    let right = render(&live_shown);
    let mut out = String::new();
    let title =
        format!("── {} · {} · {} finding(s) ", resource.key(), resource.status.as_str(), resource.findings.len());
    let _ = writeln!(out, "{}", options.style.bold(&pad(&title, options.width, '─')));
    let layout = Layout::new(options.width, left.len().max(right.len()));
    let _ = writeln!(
        out,
        "{}",
        options.style.dim(&layout.row(" ", "desired (Git)", " ", "live (cluster)", "owner of drifted line"))
    );
    let left_text: Vec<&str> = left.iter().map(|l| l.text.as_str()).collect();
    let right_text: Vec<&str> = right.iter().map(|l| l.text.as_str()).collect();
    let diff = TextDiff::configure().diff_slices(&left_text, &right_text);
    let ops = diff.ops();
    for (index, op) in ops.iter().enumerate() {
        match *op {
            DiffOp::Equal { old_index, new_index, len } => {
                let keep_head = if index == 0 { 0 } else { CONTEXT };
                let keep_tail = if index + 1 == ops.len() { 0 } else { CONTEXT };
                let pair =
                    |i: usize| line_pair(&left, &right, old_index + i, new_index + i, resource, &layout, options);
                if len > keep_head + keep_tail + 1 {
                    (0..keep_head).for_each(|i| out.push_str(&pair(i)));
                    let folded = format!("⋯ {} unchanged lines", len - keep_head - keep_tail);
                    let _ =
                        writeln!(out, "{}", options.style.dim(&format!("{:>w$}{folded}", "", w = layout.number + 2)));
                    (len - keep_tail..len).for_each(|i| out.push_str(&pair(i)));
                } else {
                    (0..len).for_each(|i| out.push_str(&pair(i)));
                }
            }
            DiffOp::Delete { old_index, old_len, .. } => {
                for i in 0..old_len {
                    out.push_str(&changed_row(Some((&left, old_index + i)), None, resource, &layout, options));
                }
            }
            DiffOp::Insert { new_index, new_len, .. } => {
                for i in 0..new_len {
                    out.push_str(&changed_row(None, Some((&right, new_index + i)), resource, &layout, options));
                }
            }
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                for i in 0..old_len.max(new_len) {
                    let l = (i < old_len).then_some((&left, old_index + i));
                    let r = (i < new_len).then_some((&right, new_index + i));
                    let (l_line, r_line) = (l.map(|(v, i)| &v[i]), r.map(|(v, i)| &v[i]));
                    let same_field = matches!((l_line, r_line), (Some(a), Some(b)) if a.pointer == b.pointer);
                    let drifted =
                        r_line.is_some_and(|line| owning_finding(&line.pointer, &resource.findings).is_some());
                    if same_field && !drifted {
                        // Spelled differently, equal by value (`1000m` and `1`): not drift.
                        out.push_str(&equivalent_row(&left, &right, old_index + i, new_index + i, &layout, options));
                    } else {
                        out.push_str(&changed_row(l, r, resource, &layout, options));
                    }
                }
            }
        }
    }
    out
}

fn line_pair(
    left: &[YamlLine],
    right: &[YamlLine],
    l: usize,
    r: usize,
    resource: &ResourceReport,
    layout: &Layout,
    options: &DiffOptions,
) -> String {
    let sides = layout.sides(Some((l + 1, &left[l].text)), " ", Some((r + 1, &right[r].text)), " ");
    finish_row(sides, None, gutter(&right[r], resource, options.now), layout, options.style)
}

fn equivalent_row(
    left: &[YamlLine],
    right: &[YamlLine],
    l: usize,
    r: usize,
    layout: &Layout,
    options: &DiffOptions,
) -> String {
    let sides = layout.sides(Some((l + 1, &left[l].text)), "≈", Some((r + 1, &right[r].text)), "≈");
    let note = Some(Gutter { text: "equal by value".to_owned(), class: None, ignored: false });
    finish_row(sides, Some(Theme::builtin().equivalent), note, layout, options.style)
}

fn changed_row(
    left: Option<(&Vec<YamlLine>, usize)>,
    right: Option<(&Vec<YamlLine>, usize)>,
    resource: &ResourceReport,
    layout: &Layout,
    options: &DiffOptions,
) -> String {
    let gutter = right.and_then(|(lines, i)| gutter(&lines[i], resource, options.now));
    let sides = layout.sides(
        left.map(|(lines, i)| (i + 1, lines[i].text.as_str())),
        if left.is_some() { "-" } else { " " },
        right.map(|(lines, i)| (i + 1, lines[i].text.as_str())),
        if right.is_some() { "+" } else { " " },
    );
    let theme = Theme::builtin();
    let color = match (left.is_some(), right.is_some()) {
        // Hidden by an ignore rule: shown, but dimmed like an equal value.
        _ if gutter.as_ref().is_some_and(|g| g.ignored) => theme.equivalent,
        (true, false) => theme.removed,
        (false, true) => theme.added,
        _ => theme.changed,
    };
    finish_row(sides, Some(color), gutter, layout, options.style)
}

/// The owner column of a row: its text and, when known, the owner's class for colour.
struct Gutter {
    text: String,
    class: Option<ManagerClass>,
    /// The line's difference is hidden by an ignore rule.
    ignored: bool,
}

/// "human kubectl-edit 43d" for a live line inside a finding's path, "ignored:
/// /spec/replicas" (what the rule matched) when a rule hid it; `None` outside findings.
fn gutter(line: &YamlLine, resource: &ResourceReport, now: Option<i64>) -> Option<Gutter> {
    let finding = owning_finding(&line.pointer, &resource.findings)?;
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
    let tag = match owner.class {
        ManagerClass::Gitops => "gitops",
        ManagerClass::Controller => "ctrl",
        ManagerClass::Human => "human",
        ManagerClass::Webhook => "hook",
        ManagerClass::Unknown => "???",
    };
    Some(Gutter { text: format!("{tag} {}{age}", manager_label(owner)), class: Some(owner.class), ignored: false })
}

/// A finished row: the sides painted with `sides_color`, the gutter with its owner's colour.
fn finish_row(
    sides: String,
    sides_color: Option<Color>,
    gutter: Option<Gutter>,
    layout: &Layout,
    style: Style,
) -> String {
    let paint = |text: &str| match sides_color {
        Some(color) => style.color(color, text),
        None => text.to_owned(),
    };
    match gutter {
        None => format!("{}\n", paint(sides.trim_end())),
        Some(Gutter { text, class, .. }) => {
            let text = fit(&text, layout.gutter);
            let text = text.trim_end();
            let shown = match class {
                Some(class) => style.color(Theme::builtin().owner(class), text),
                None => text.to_owned(),
            };
            format!("{} {shown}\n", paint(&sides))
        }
    }
}

/// Reorders `live`'s maps to follow `desired`'s key order, live-only keys last.
fn align_key_order(live: &mut Value, desired: &Value) {
    match (live, desired) {
        (Value::Object(live_map), Value::Object(desired_map)) => {
            let mut ordered = Map::with_capacity(live_map.len());
            for key in desired_map.keys() {
                if let Some(value) = live_map.shift_remove(key) {
                    ordered.insert(key.clone(), value);
                }
            }
            ordered.extend(std::mem::take(live_map));
            for (key, value) in ordered.iter_mut() {
                if let Some(counterpart) = desired_map.get(key) {
                    align_key_order(value, counterpart);
                }
            }
            *live_map = ordered;
        }
        (Value::Array(live_items), Value::Array(desired_items)) => {
            for (index, item) in live_items.iter_mut().enumerate() {
                let counterpart = match item.get("name") {
                    Some(name) => desired_items.iter().find(|d| d.get("name") == Some(name)),
                    None => desired_items.get(index),
                };
                if let Some(counterpart) = counterpart {
                    align_key_order(item, counterpart);
                }
            }
        }
        _ => {}
    }
}

/// The finding whose path is this line's pointer or one of its ancestors (the deepest one).
fn owning_finding<'f>(pointer: &str, findings: &'f [Finding]) -> Option<&'f Finding> {
    findings
        .iter()
        .filter(|f| !f.path.is_empty())
        .filter(|f| {
            pointer == f.path || pointer.strip_prefix(f.path.as_str()).is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|f| f.path.len())
}

/// Live as Argo CD would show it: the fields Git sets plus the drifted ones, without the
/// server defaults and controller-owned fields that are not drift.
fn project(live: &Value, desired: Option<&Value>, pointer: &str, findings: &[&str]) -> Value {
    let on_finding_path = |p: &str| {
        findings.iter().any(|f| *f == p || f.starts_with(&format!("{p}/")) || p.starts_with(&format!("{f}/")))
    };
    match live {
        Value::Object(map) => {
            let mut kept = Map::new();
            for (key, value) in map {
                let mut child = String::with_capacity(pointer.len() + key.len() + 1);
                child.push_str(pointer);
                child.push('/');
                crate::engine::path::push_pointer_token(&mut child, key);
                let counterpart = desired.and_then(|d| d.get(key));
                if counterpart.is_some() || on_finding_path(&child) {
                    kept.insert(key.clone(), project(value, counterpart, &child, findings));
                }
            }
            Value::Object(kept)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    let counterpart = desired.and_then(Value::as_array).and_then(|list| match item.get("name") {
                        Some(name) => list.iter().find(|d| d.get("name") == Some(name)),
                        None => list.get(index),
                    });
                    project(item, counterpart, &format!("{pointer}/{index}"), findings)
                })
                .collect(),
        ),
        scalar => scalar.clone(),
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
    use serde_json::json;

    #[test]
    fn projection_keeps_git_fields_and_drift_but_drops_server_defaults() {
        let live = json!({"spec": {"replicas": 9, "progressDeadlineSeconds": 600,
            "template": {"spec": {"containers": [{"name": "app", "image": "x", "imagePullPolicy": "IfNotPresent",
                "env": [{"name": "DEBUG", "value": "1"}]}]}}}});
        let desired =
            json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "app", "image": "x"}]}}}});
        let shown = project(&live, Some(&desired), "", &["/spec/template/spec/containers/0/env"]);
        assert_eq!(
            shown,
            json!({"spec": {"replicas": 9, "template": {"spec": {"containers": [
            {"name": "app", "image": "x", "env": [{"name": "DEBUG", "value": "1"}]}]}}}})
        );
    }

    #[test]
    fn long_lines_are_cut_not_wrapped() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
    }
}
