//! The diff screen: desired (left) and live (right) side by side with one scroll position,
//! equal columns, line numbers, changed words highlighted, unchanged runs folded, horizontal
//! scrolling instead of wrapping, and the ownership gutter on every live line. The footer
//! names the focused line's manager, operation, subresource and age. Only the rows on screen
//! are drawn.

use crate::engine::classify::manager_label;
use crate::engine::time::{parse_rfc3339, short_age};
use crate::model::ResourceReport;
use crate::report::aligned::{Cell, LineOwner, Row, RowKind};
use crate::theme::Theme;
use crate::tui::app::App;
use crate::tui::diff_search::Search;
use crate::tui::diff_state::{DiffState, Visible};
use crate::tui::strings;
use crate::tui::style::{self, OWNER_GUTTER, OWNER_MARK};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Column widths of one frame.
struct Columns {
    number: usize,
    text: usize,
    /// Room for "ignored" beside the owner mark (narrow terminals show one or the other).
    wide_gutter: bool,
}

impl Columns {
    fn new(width: usize, lines: usize) -> Columns {
        let number = lines.max(1).to_string().len();
        let wide_gutter = width >= 120;
        let gutter = if wide_gutter { OWNER_GUTTER } else { OWNER_MARK };
        // cursor, and per side: number + marker + space; " │ " twice; the owner gutter.
        let fixed = 1 + 2 * (number + 2) + 3 + 3 + gutter;
        Columns { number, text: width.saturating_sub(fixed).max(8) / 2, wide_gutter }
    }
}

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = &app.options.theme;
    let Some(diff) = &app.diff else { return };
    let Some(resource) = app.data.apps.get(diff.app).and_then(|a| a.report.resources.get(diff.resource)) else {
        return;
    };
    if let Some(alone) = &diff.alone {
        let text = Paragraph::new(Span::styled(format!(" {alone}"), style::dim(theme))).wrap(Wrap { trim: false });
        frame.render_widget(text, area);
        return;
    }
    if diff.aligning.is_some() && (!diff.show_raw || diff.raw.is_empty()) {
        let text = strings::aligning(resource.key());
        let text = Paragraph::new(Span::styled(format!(" {text}"), style::dim(theme))).wrap(Wrap { trim: false });
        frame.render_widget(text, area);
        return;
    }
    let height = usize::from(area.height).saturating_sub(1);
    let lines =
        if diff.show_raw { raw(diff, theme, area, height) } else { aligned(diff, resource, theme, area, height) };
    frame.render_widget(Paragraph::new(lines), area);
}

fn aligned(
    diff: &DiffState,
    resource: &ResourceReport,
    theme: &Theme,
    area: Rect,
    height: usize,
) -> Vec<Line<'static>> {
    let columns = Columns::new(usize::from(area.width), diff.aligned.lines);
    let header = format!(
        " {:w$}{} │ {:w$}{} │ owner",
        "",
        super::fit("desired (Git)", columns.text + 2),
        "",
        super::fit(
            if diff.full { "live (cluster, every field; · not in Git)" } else { "live (cluster)" },
            columns.text + 2
        ),
        w = columns.number
    );
    let mut lines = vec![Line::from(Span::styled(header, style::dim(theme)))];
    for (index, visible) in diff.visible.iter().enumerate().skip(diff.top).take(height) {
        let focused = index == diff.cursor;
        let line = match visible {
            Visible::Fold(fold) => {
                let hidden = diff.aligned.folds[*fold].len;
                let cursor = if focused { "▶" } else { " " };
                Line::from(Span::styled(
                    format!("{cursor}{:w$}  ⋯ {hidden} unchanged lines (Enter expands)", "", w = columns.number),
                    style::dim(theme),
                ))
            }
            Visible::Row(row) => {
                let search = diff.search.as_ref().filter(|s| !s.raw);
                row_line(&diff.aligned.rows[*row], resource, theme, &columns, (diff.left, search, diff.full), focused)
            }
        };
        lines.push(line);
    }
    lines
}

fn row_line(
    row: &Row,
    resource: &ResourceReport,
    theme: &Theme,
    columns: &Columns,
    (left, search, full): (usize, Option<&Search>, bool),
    focused: bool,
) -> Line<'static> {
    let view = (left, search);
    let ignored = row.ignored(resource);
    // Under `f`, live fields Git never set (server defaults, controller fields) are shown
    // as what they are, not as drift: their own colour and a `·` instead of `+`.
    let extra = full && row.kind == RowKind::Added && !on_a_finding(row, resource);
    let base = match row.kind {
        _ if ignored => style::dim(theme).add_modifier(Modifier::ITALIC),
        _ if extra => style::fg(theme.server_default),
        RowKind::Equal => Style::default(),
        RowKind::Equivalent => style::fg(theme.equivalent),
        RowKind::Removed => style::fg(theme.removed),
        RowKind::Added => style::fg(theme.added),
        RowKind::Changed => style::fg(theme.changed),
    };
    let (left_mark, right_mark) = match row.kind {
        RowKind::Equal => (' ', ' '),
        RowKind::Equivalent => ('≈', '≈'),
        _ if extra => (' ', '·'),
        _ => (if row.left.is_some() { '-' } else { ' ' }, if row.right.is_some() { '+' } else { ' ' }),
    };
    let cursor = if focused { Span::styled("▶", style::accent(theme)) } else { Span::raw(" ") };
    let mut spans = vec![cursor];
    spans.extend(cell(row.left.as_ref(), left_mark, base, theme, columns, view));
    spans.push(Span::styled(" │ ", style::dim(theme)));
    spans.extend(cell(row.right.as_ref(), right_mark, base, theme, columns, view));
    spans.push(Span::styled(" │ ", style::dim(theme)));
    let mark = if row.right.is_some() { style::owner_mark(row.owner.as_ref()) } else { "" };
    match (ignored, columns.wide_gutter) {
        // Narrow: the rule wins the gutter; the footer still names the owner.
        (true, false) => spans.push(Span::styled("ignored", style::dim(theme))),
        (true, true) => {
            spans.push(Span::styled(mark, style::owner_style(theme, row.owner.as_ref())));
            spans.push(Span::styled(" ignored", style::dim(theme)));
        }
        (false, _) => spans.push(Span::styled(mark, style::owner_style(theme, row.owner.as_ref()))),
    }
    Line::from(spans)
}

/// Whether the row shows a finding's field or a field above one (a map holding drift).
fn on_a_finding(row: &Row, resource: &ResourceReport) -> bool {
    let Some(pointer) = row.right.as_ref().map(|cell| cell.pointer.as_str()) else { return true };
    row.finding.is_some()
        || resource.findings.iter().any(|f| {
            f.path == pointer || (f.path.starts_with(pointer) && f.path.as_bytes().get(pointer.len()) == Some(&b'/'))
        })
}

/// A side: line number, marker, and the text scrolled `left` characters, changed words
/// emphasized and search matches reversed, cut to the column. Unscrolled, a long line whose
/// change lies beyond the column starts near the change (`…` marks the cut), so the
/// difference is never the part hidden.
fn cell(
    cell: Option<&Cell>,
    mark: char,
    base: Style,
    theme: &Theme,
    columns: &Columns,
    (left, search): (usize, Option<&Search>),
) -> Vec<Span<'static>> {
    let Some(cell) = cell else {
        return vec![Span::raw(" ".repeat(columns.number + 2 + columns.text))];
    };
    let mut spans = vec![
        Span::styled(format!("{:>w$}", cell.number, w = columns.number), style::dim(theme)),
        Span::styled(format!("{mark} "), base),
    ];
    let hits = search.map(|s| s.ranges(&cell.text)).unwrap_or_default();
    let skip = if left > 0 { left } else { start_near_change(cell, columns.text) };
    let styled = |byte: usize| {
        let mut style = base;
        if cell.emphasis.iter().any(|range| range.contains(&byte)) {
            style = style.add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
        }
        if hits.iter().any(|range| range.contains(&byte)) {
            style = style.add_modifier(Modifier::REVERSED);
        }
        style
    };
    let total = cell.text.chars().count();
    let mut shown = 0;
    let mut run = String::new();
    let mut run_style = base;
    for (byte, character) in cell.text.char_indices().skip(skip) {
        if shown == columns.text {
            break;
        }
        let style = styled(byte);
        if style != run_style && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), run_style));
        }
        run_style = style;
        // A line shown from past its start says so with its first character.
        run.push(if shown == 0 && skip > 0 && left == 0 { '…' } else { character });
        shown += 1;
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, run_style));
    }
    if total > skip + columns.text
        && let Some(last) = spans.last_mut()
    {
        // A cut line says so: its last character becomes `…`.
        let mut text = last.content.to_string();
        text.pop();
        text.push('…');
        last.content = text.into();
    }
    spans.push(Span::raw(" ".repeat(columns.text - shown.min(columns.text))));
    spans
}

/// Characters to skip so that the first changed word of a line too long for `width` shows,
/// a third of the way in; 0 when it shows from the start anyway.
fn start_near_change(cell: &Cell, width: usize) -> usize {
    let Some(first) = cell.emphasis.iter().map(|range| range.start).min() else { return 0 };
    let at = cell.text.get(..first).map_or(0, |before| before.chars().count());
    let total = cell.text.chars().count();
    if at + 2 <= width { 0 } else { at.saturating_sub(width / 3).min(total.saturating_sub(width)) }
}

fn raw(diff: &DiffState, theme: &Theme, area: Rect, height: usize) -> Vec<Line<'static>> {
    let number = diff.raw.len().max(1).to_string().len();
    let width = usize::from(area.width).saturating_sub(number + 3);
    let mut lines = vec![Line::from(Span::styled(
        " raw live object, as the API returned it (status, managedFields; secrets masked) — y returns to the diff",
        style::dim(theme),
    ))];
    let search = diff.search.as_ref().filter(|s| s.raw);
    for (index, text) in diff.raw.iter().enumerate().skip(diff.top).take(height) {
        let cursor = if index == diff.cursor { "▶" } else { " " };
        let hits = search.map(|s| s.ranges(text)).unwrap_or_default();
        let mut spans = vec![Span::styled(format!("{cursor}{:>number$} ", index + 1), style::dim(theme))];
        let mut run = String::new();
        let mut run_hit = false;
        for (byte, character) in text.char_indices().skip(diff.left).take(width) {
            let hit = hits.iter().any(|range| range.contains(&byte));
            if hit != run_hit && !run.is_empty() {
                spans.push(hit_span(std::mem::take(&mut run), run_hit));
            }
            run_hit = hit;
            run.push(character);
        }
        if !run.is_empty() {
            spans.push(hit_span(run, run_hit));
        }
        lines.push(Line::from(spans));
    }
    lines
}

fn hit_span(text: String, hit: bool) -> Span<'static> {
    if hit { Span::styled(text, Style::default().add_modifier(Modifier::REVERSED)) } else { Span::raw(text) }
}

/// Three lines: who set the focused line; its values and finding ("Git 512Mi → live 2Gi ·
/// HIGH desired-config → backport: …"); and the keys that matter now.
pub(crate) fn footer(app: &App) -> Vec<Line<'static>> {
    let theme = &app.options.theme;
    let Some(diff) = &app.diff else { return vec![Line::default(), Line::default(), hints_line(app)] };
    if diff.show_raw {
        let where_ = format!(" raw line {} of {}", diff.cursor + 1, diff.raw.len());
        return vec![Line::from(Span::styled(where_, style::dim(theme))), Line::default(), hints_line(app)];
    }
    let Some(row) = diff.focused_row() else { return vec![Line::default(), Line::default(), hints_line(app)] };
    let owner = owner_line(app).unwrap_or_default();
    let owner = Line::from(Span::styled(format!(" {owner}"), style::owner_style(theme, row.owner.as_ref())));
    let resource = app.data.apps.get(diff.app).and_then(|a| a.report.resources.get(diff.resource));
    // Only a changed line has two values to name; the whole values are not gathered on
    // every redraw of an unchanged one.
    let focused = (row.kind != RowKind::Equal).then(|| {
        crate::tui::focus::focused(diff, |f| {
            resource?.findings.get(f).map(|finding| (finding.path.clone(), finding.display_path.clone()))
        })
    });
    let mut second = Vec::new();
    if let Some(focused) = focused.flatten() {
        second.push(Span::raw(format!(" {}", crate::tui::focus::values_inline(&focused, usize::from(app.size.0) / 3))));
    }
    if let Some(finding) = row.finding.and_then(|f| resource?.findings.get(f)) {
        let verdict = match &finding.ignored_by {
            Some(by) => format!("ignored by {by}"),
            None => format!(
                "{} {} → {}",
                finding.severity.as_str().to_uppercase(),
                finding.category.as_str(),
                finding.response.as_str()
            ),
        };
        let lead = if second.is_empty() { " " } else { " · " };
        second.push(Span::styled(format!("{lead}{verdict}: "), style::severity(theme, finding.severity)));
        second.push(Span::raw(finding.reason.clone()));
    }
    vec![owner, Line::from(second), hints_line(app)]
}

/// The keys that matter now: a search's own, or the diff's.
fn hints_line(app: &App) -> Line<'static> {
    let theme = &app.options.theme;
    let search = app.diff.as_ref().and_then(|d| Some((d, d.search.as_ref()?)));
    let text = match search {
        Some((diff, search)) => format!(
            " '{}' {} · n/N match  Esc clears  v value/copy  ? help",
            crate::sanitize::clean_line(&search.query),
            search.position(diff.search_position())
        ),
        None if app.diff.as_ref().is_some_and(|d| d.show_raw) => {
            " / search  v whole line  h/l scroll  y back to the diff  Esc back  ? help".to_owned()
        }
        None => " n/N finding  / search  v value/copy  f fields  y raw  Esc back  ? help".to_owned(),
    };
    Line::from(Span::styled(text, style::dim(theme)))
}

/// Who set the focused line: its mark, manager, operation, subresource and age. Training
/// shows this alone, as the finding's verdict would give the answer away.
pub(crate) fn owner_line(app: &App) -> Option<String> {
    let diff = app.diff.as_ref()?;
    let data = app.data.apps.get(diff.app)?;
    let row = diff.focused_row().filter(|_| !diff.show_raw)?;
    Some(match &row.owner {
        Some(LineOwner::Manager(owner)) => {
            let age = match (owner.time.as_deref().and_then(parse_rfc3339), data.now) {
                (Some(then), Some(now)) => format!(" · {} ago", short_age(now - then)),
                _ => String::new(),
            };
            let mut parts = vec![manager_label(owner).to_owned()];
            parts.extend(owner.operation.clone());
            parts.extend(owner.subresource.as_ref().map(|s| format!("/{s}")));
            format!("{} · {}{age}", style::owner_mark(row.owner.as_ref()), parts.join(" · "))
        }
        Some(LineOwner::ServerDefault) => "· set by the API server (a default; no manager claims it)".to_owned(),
        Some(LineOwner::NotRecorded) => "the live copy has no managedFields: no owner can be named".to_owned(),
        None => "only in Git".to_owned(),
    })
}
