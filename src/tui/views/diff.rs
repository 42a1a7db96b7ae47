//! The diff screen: desired (left) and live (right) side by side with one scroll position,
//! equal columns, line numbers, changed words highlighted, unchanged runs folded, horizontal
//! scrolling (or wrapping, `w`), and the ownership gutter on every live line. The footer
//! names the focused line's manager, operation, subresource and age. Only the rows on screen
//! are drawn. `w` wraps long lines instead (each side's pieces under one another).

use crate::engine::classify::manager_label;
use crate::engine::time::{parse_rfc3339, short_age};
use crate::model::ResourceReport;
use crate::report::actors;
use crate::report::aligned::{Cell, LineOwner, Row, RowKind};
use crate::theme::Theme;
use crate::tui::app::App;
use crate::tui::diff_search::Search;
use crate::tui::diff_state::{DiffState, Visible};
use crate::tui::diff_wrap::{Columns, start_near_change};
use crate::tui::strings;
use crate::tui::style;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

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
    let lines = if diff.show_raw {
        super::raw::lines(diff, theme, area, height)
    } else {
        aligned(diff, resource, theme, area, height)
    };
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
            match (diff.full, diff.wrap.is_some()) {
                (true, false) => "live (cluster, every field; · not in Git)",
                (true, true) => "live (cluster, every field; · not in Git; wrapped)",
                (false, false) => "live (cluster)",
                (false, true) => "live (cluster, wrapped)",
            },
            columns.text + 2
        ),
        w = columns.number
    );
    let mut lines = vec![Line::from(Span::styled(header, style::dim(theme)))];
    for (index, visible) in diff.visible.iter().enumerate().skip(diff.top) {
        let room = height.saturating_sub(lines.len() - 1);
        if room == 0 {
            break;
        }
        let focused = index == diff.cursor;
        match visible {
            Visible::Fold(fold) => {
                let hidden = diff.aligned.folds[*fold].len;
                let cursor = if focused { "▶" } else { " " };
                lines.push(Line::from(Span::styled(
                    format!("{cursor}{:w$}  ⋯ {hidden} unchanged lines (Enter expands)", "", w = columns.number),
                    style::dim(theme),
                )));
            }
            Visible::Row(row) => {
                let search = diff.search.as_ref().filter(|s| !s.raw);
                let view = View { left: diff.left, search, full: diff.full, wrap: diff.wrap.is_some(), room };
                let row = &diff.aligned.rows[*row];
                lines.extend(row_lines(row, resource, theme, &columns, view, focused));
            }
        }
    }
    lines
}

/// How the rows are drawn: scrolled sideways, searched, every field, wrapped.
#[derive(Clone, Copy)]
struct View<'a> {
    left: usize,
    search: Option<&'a Search>,
    full: bool,
    wrap: bool,
    /// Screen lines left below the row: a wrapped line is cut into no more pieces.
    room: usize,
}

/// The screen lines of one row: one, or when wrapping as many as its longer side needs
/// (the owner gutter on the first).
fn row_lines(
    row: &Row,
    resource: &ResourceReport,
    theme: &Theme,
    columns: &Columns,
    view: View<'_>,
    focused: bool,
) -> Vec<Line<'static>> {
    let ignored = row.ignored(resource);
    // Under `f`, live fields Git never set (server defaults, controller fields) are shown
    // as what they are, not as drift: their own colour and a `·` instead of `+`.
    let extra = view.full && row.kind == RowKind::Added && !on_a_finding(row, resource);
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
    let left = cell((row.left.as_ref(), row.right.as_ref()), left_mark, base, theme, columns, view);
    let right = cell((row.right.as_ref(), row.left.as_ref()), right_mark, base, theme, columns, view);
    let blank = || vec![Span::raw(" ".repeat(columns.number + 2 + columns.text))];
    let count = left.len().max(right.len());
    let (mut left, mut right) = (left.into_iter(), right.into_iter());
    (0..count)
        .map(|piece| {
            let cursor = match piece {
                0 if focused => Span::styled("▶", style::accent(theme)),
                _ => Span::raw(" "),
            };
            let mut spans = vec![cursor];
            spans.extend(left.next().unwrap_or_else(blank));
            spans.push(Span::styled(" │ ", style::dim(theme)));
            spans.extend(right.next().unwrap_or_else(blank));
            spans.push(Span::styled(" │ ", style::dim(theme)));
            if piece == 0 {
                gutter(&mut spans, row, theme, (ignored, columns.wide_gutter));
            }
            Line::from(spans)
        })
        .collect()
}

/// The owner mark, and "ignored" where a rule covers the row.
fn gutter(spans: &mut Vec<Span<'static>>, row: &Row, theme: &Theme, (ignored, wide): (bool, bool)) {
    let mark = if row.right.is_some() { style::owner_mark(row.owner.as_ref()) } else { "" };
    match (ignored, wide) {
        // Narrow: the rule wins the gutter; the footer still names the owner.
        (true, false) => spans.push(Span::styled("ignored", style::dim(theme))),
        (true, true) => {
            spans.push(Span::styled(mark, style::owner_style(theme, row.owner.as_ref())));
            spans.push(Span::styled(" ignored", style::dim(theme)));
        }
        (false, _) => spans.push(Span::styled(mark, style::owner_style(theme, row.owner.as_ref()))),
    }
}

/// Whether the row shows a finding's field or a field above one (a map holding drift).
fn on_a_finding(row: &Row, resource: &ResourceReport) -> bool {
    let Some(pointer) = row.right.as_ref().map(|cell| cell.pointer.as_str()) else { return true };
    row.finding.is_some()
        || resource.findings.iter().any(|f| {
            f.path == pointer || (f.path.starts_with(pointer) && f.path.as_bytes().get(pointer.len()) == Some(&b'/'))
        })
}

/// A side's screen lines: line number, marker, and the text scrolled `left` characters,
/// changed words emphasized and search matches reversed, cut to the column — or, wrapping,
/// in pieces of the column's width. Unscrolled, a long cut line whose change lies beyond the
/// column starts near the change (`…` marks the cut), so the difference is never the part
/// hidden.
fn cell(
    (cell, other): (Option<&Cell>, Option<&Cell>),
    mark: char,
    base: Style,
    theme: &Theme,
    columns: &Columns,
    view: View<'_>,
) -> Vec<Vec<Span<'static>>> {
    let Some(cell) = cell else {
        return vec![vec![Span::raw(" ".repeat(columns.number + 2 + columns.text))]];
    };
    let hits = view.search.map(|s| s.ranges(&cell.text)).unwrap_or_default();
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
    let number = |first: bool| match first {
        true => vec![
            Span::styled(format!("{:>w$}", cell.number, w = columns.number), style::dim(theme)),
            Span::styled(format!("{mark} "), base),
        ],
        false => vec![Span::raw(" ".repeat(columns.number + 2))],
    };
    if view.wrap {
        let pieces = super::raw::pieces_of(&cell.text, (columns.text, view.room), &styled);
        return pieces
            .into_iter()
            .enumerate()
            .map(|(index, piece)| {
                let mut spans = number(index == 0);
                spans.extend(piece);
                spans
            })
            .collect();
    }
    let mut spans = number(true);
    let skip = if view.left > 0 { view.left } else { start_near_change(cell, other, columns.text) };
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
        run.push(if shown == 0 && skip > 0 && view.left == 0 { '…' } else { character });
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
    vec![spans]
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
            " / search  v whole line  h/l scroll  w wrap  y diff  Esc back  ? help".to_owned()
        }
        None => " n/N finding  / search  v value/copy  w wrap  f fields  y raw  Esc back  ? help".to_owned(),
    };
    Line::from(Span::styled(text, style::dim(theme)))
}

/// The finding's copy of the focused line's managedFields entry: it carries the person the
/// audit log names.
fn finding_owner<'a>(app: &'a App, owner: &crate::model::Owner) -> Option<&'a crate::model::Owner> {
    let diff = app.diff.as_ref()?;
    let resource = app.data.apps.get(diff.app)?.report.resources.get(diff.resource)?;
    actors::finding_owner(resource, owner)
}

/// The person behind the focused line's write, when the audit log names one.
pub(crate) fn focused_actor(app: &App) -> Option<&crate::model::Actor> {
    let row = app.diff.as_ref()?.focused_row()?;
    let Some(LineOwner::Manager(owner)) = &row.owner else { return None };
    finding_owner(app, owner)?.actor.as_deref()
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
            let found = finding_owner(app, owner);
            let mut parts = vec![found.map_or_else(|| manager_label(owner), actors::who)];
            parts.extend(owner.operation.clone());
            parts.extend(owner.subresource.as_ref().map(|s| format!("/{s}")));
            let missing = found.and_then(|o| actors::missing(data.report.audit_log.as_ref(), o));
            let missing = missing.map(|why| format!(" · {why}")).unwrap_or_default();
            format!("{} · {}{age}{missing}", style::owner_mark(row.owner.as_ref()), parts.join(" · "))
        }
        Some(LineOwner::ServerDefault) => "· set by the API server (a default; no manager claims it)".to_owned(),
        Some(LineOwner::NotRecorded) => "the live copy has no managedFields: no owner can be named".to_owned(),
        None => "only in Git".to_owned(),
    })
}
