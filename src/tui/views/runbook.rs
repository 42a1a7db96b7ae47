//! The runbook screen: the five steps on the left (done, current, to come), the current
//! step's checklist on the right with kdrift's evidence under each item; at step 4 the
//! suggested response, the blast radius and the risk of each of the five; while a decision
//! is under way, its preview, confirmation prompt or result instead.

use crate::actions::Confirm;
use crate::decision::DECISIONS;
use crate::runbook::{Check, STEPS, Step};
use crate::theme::Theme;
use crate::tui::app::App;
use crate::tui::runbook_screen::{RunbookScreen, Stage};
use crate::tui::strings;
use crate::tui::style;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(screen) = &app.runbook else { return };
    let theme = &app.options.theme;
    let steps_width = if area.width >= 100 { 36 } else { 24 };
    let [steps_area, body_area] =
        Layout::horizontal([Constraint::Length(steps_width), Constraint::Min(20)]).areas(area);
    frame.render_widget(
        Paragraph::new(step_lines(screen, theme)).block(Block::default().borders(Borders::ALL).title(" Steps ")),
        steps_area,
    );
    let (title, lines, scroll) = match &screen.stage {
        Stage::Checklist => (
            format!(" {} ", screen.runbook.step.title()),
            checklist(screen, theme, app.read_only(), app.drill().is_some()),
            0,
        ),
        Stage::Waiting(what) | Stage::Executing(what) => {
            (" Working ".to_owned(), vec![Line::from(format!(" {what}"))], 0)
        }
        Stage::Failed(error) => (
            " Not done ".to_owned(),
            vec![
                Line::from(Span::styled(
                    format!(" ✗ {error}"),
                    style::fg(theme.ui.banner).add_modifier(Modifier::BOLD),
                )),
                Line::default(),
                Line::from(Span::styled(strings::NOT_DONE_FOOTER, style::dim(theme))),
            ],
            0,
        ),
        Stage::Preview { plan, .. } => {
            (format!(" Preview: {} ", plan.decision.as_str()), preview(plan, theme), screen.scroll)
        }
    };
    let block = Block::default().borders(Borders::ALL).title(Span::styled(title, style::accent(theme)));
    let inner = block.inner(body_area);
    frame.render_widget(block, body_area);
    // The confirmation line stays on the last row, whatever the size and the scroll: the
    // responder always sees which key confirms and which cancels.
    let prompt = match &screen.stage {
        Stage::Preview { plan, typed, forcing } => confirm_prompt(plan, typed.as_deref(), *forcing, theme),
        _ => None,
    };
    // One row when the prompt fits the width, two when it wraps.
    let prompt_rows = prompt.as_ref().map_or(0, |line| if line.width() <= usize::from(inner.width) { 1 } else { 2 });
    let [content, prompt_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(prompt_rows.min(inner.height))]).areas(inner);
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0)), content);
    if let Some(prompt) = prompt {
        frame.render_widget(Paragraph::new(prompt).wrap(Wrap { trim: false }), prompt_area);
    }
}

fn step_lines(screen: &RunbookScreen, theme: &Theme) -> Vec<Line<'static>> {
    STEPS
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let settled = screen.runbook.items[index].iter().all(|item| item.settled());
            let done = *step < screen.runbook.step || (*step == Step::Verify && screen.runbook.is_complete());
            let skipped = screen.runbook.skipped.is_some() && *step < Step::Choose && !settled;
            let (mark, text_style) = match (*step == screen.runbook.step, done && settled) {
                (true, _) => ("▸", style::accent(theme).add_modifier(Modifier::BOLD)),
                (false, true) => ("✓", ratatui::style::Style::default()),
                // Skipped on purpose (`:skip REASON`): not done, and not to be mistaken for it.
                (false, false) if skipped => ("–", style::dim(theme)),
                (false, false) => (" ", style::dim(theme)),
            };
            Line::from(Span::styled(format!(" {mark} {}", step.title()), text_style))
        })
        .chain([
            Line::default(),
            Line::from(Span::styled(
                match (screen.runbook.decided, screen.runbook.is_complete()) {
                    (Some(decision), true) => format!(" decided: {} · walk complete", decision.as_str()),
                    (Some(decision), false) => format!(" decided: {}", decision.as_str()),
                    (None, _) => " no decision yet".to_owned(),
                },
                style::dim(theme),
            )),
        ])
        .collect()
}

/// `training`: a drill is being played, so kdrift's suggestion stays hidden until decided.
fn checklist(screen: &RunbookScreen, theme: &Theme, read_only: bool, training: bool) -> Vec<Line<'static>> {
    let runbook = &screen.runbook;
    let mut lines = Vec::new();
    if runbook.step == Step::Choose {
        lines.extend(choose(screen, theme, read_only, training));
    }
    for (index, item) in runbook.items().iter().enumerate() {
        let (mark, mark_style) = match item.check {
            Check::Passed => ("✓", ratatui::style::Style::default().fg(ratatui::style::Color::Green)),
            Check::Warning { acknowledged: false } => ("!", style::fg(theme.ui.banner).add_modifier(Modifier::BOLD)),
            Check::Warning { acknowledged: true } => ("[!]", style::fg(theme.ui.banner)),
            Check::Manual { ticked: true } => ("[x]", ratatui::style::Style::default()),
            Check::Manual { ticked: false } => ("[ ]", style::accent(theme)),
        };
        let mut spans = vec![Span::styled(format!(" {mark:>3} "), mark_style), Span::raw(item.text.clone())];
        if index == screen.selected {
            spans = spans.into_iter().map(|s| s.patch_style(style::selected())).collect();
        }
        lines.push(Line::from(spans));
        lines.extend(item.evidence.iter().map(|e| Line::from(Span::styled(format!("       {e}"), style::dim(theme)))));
    }
    if let Some(blocker) = runbook.blocker() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(format!(" → {blocker}"), style::dim(theme))));
    }
    lines
}

/// Step 4: the suggestion, the blast radius, and what each response risks.
fn choose(screen: &RunbookScreen, theme: &Theme, read_only: bool, training: bool) -> Vec<Line<'static>> {
    let runbook = &screen.runbook;
    let review = runbook.subject.findings.iter().any(|f| f.review_required);
    let mut lines = vec![if training {
        Line::from(Span::styled(strings::TRAINING_SUGGESTION_HIDDEN, style::accent(theme)))
    } else {
        Line::from(vec![
            Span::raw(" Suggested: "),
            Span::styled(runbook.suggested.as_str().to_owned(), style::accent(theme).add_modifier(Modifier::BOLD)),
            Span::raw(if review { "  (review required)" } else { "" }),
        ])
    }];
    if let Some(radius) = &runbook.blast_radius {
        lines.push(Line::from(Span::styled(format!(" Blast radius: {radius}"), style::fg(theme.ui.banner))));
    }
    lines.push(Line::default());
    for decision in DECISIONS {
        let risk = decision.risk();
        let unavailable = read_only && decision.writes();
        let key = decision.as_str().chars().next().unwrap_or(' ');
        let head_style = if unavailable { style::dim(theme) } else { style::accent(theme) };
        let marker = if decision == runbook.suggested && !training { "▶" } else { " " };
        lines.push(Line::from(vec![
            Span::styled(format!(" {marker} {key}  {:<9}", decision.as_str()), head_style.add_modifier(Modifier::BOLD)),
            Span::raw(format!("when {}", risk.choose_when)),
        ]));
        lines.push(Line::from(Span::styled(format!("              risk: {}", risk.avoid_when), style::dim(theme))));
    }
    let leave = if read_only { strings::LEAVE_READ_ONLY } else { strings::LEAVE_RECORDED };
    lines.push(Line::from(Span::styled(leave, style::dim(theme))));
    lines.push(Line::default());
    lines
}

fn preview(plan: &crate::actions::Plan, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        format!(" {}", plan.summary),
        ratatui::style::Style::default().add_modifier(Modifier::BOLD),
    ))];
    let fields = plan.subject.fields();
    if !fields.is_empty() {
        lines.push(Line::from(Span::styled(format!(" fields: {}", fields.join(", ")), style::dim(theme))));
    }
    if let Some(why) = &plan.refused {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!(" ✗ refused: {why}"),
            style::fg(theme.ui.banner).add_modifier(Modifier::BOLD),
        )));
        lines.push(Line::from(Span::styled(strings::CHOOSE_ANOTHER, style::dim(theme))));
        return lines;
    }
    lines.push(Line::default());
    lines.extend(plan.preview.iter().map(|line| {
        let color = match line.chars().next() {
            Some('+') if !line.starts_with("+++") => Some(ratatui::style::Color::Green),
            Some('-') if !line.starts_with("---") => Some(ratatui::style::Color::Red),
            _ => None,
        };
        let text = format!(" {line}");
        match color {
            Some(color) => Line::from(Span::styled(text, ratatui::style::Style::default().fg(color))),
            None => Line::from(text),
        }
    }));
    for warning in &plan.warnings {
        lines.push(Line::from(Span::styled(
            format!(" ⚠ {warning}"),
            style::fg(theme.ui.banner).add_modifier(Modifier::BOLD),
        )));
    }
    lines
}

/// The line that says how to confirm or cancel a preview (none for a refused plan).
fn confirm_prompt(
    plan: &crate::actions::Plan,
    typed: Option<&str>,
    forcing: bool,
    theme: &Theme,
) -> Option<Line<'static>> {
    if plan.refused.is_some() {
        return None;
    }
    let prompt = match (&plan.confirm, typed) {
        (Confirm::TypeName(name), Some(typed)) => strings::confirm_by_name(name, typed),
        _ if !plan.conflicts.is_empty() && !forcing => strings::CONFIRM_CONFLICTS.to_owned(),
        _ if forcing => strings::CONFIRM_FORCING.to_owned(),
        _ => strings::CONFIRM.to_owned(),
    };
    Some(Line::from(Span::styled(prompt, style::accent(theme).add_modifier(Modifier::BOLD))))
}
