//! The training screen: the scenario picker (name, difficulty, what it teaches), and for the
//! drill in play the briefing, each question with its numbered choices (under the finding's
//! diff while classifying), the right/wrong feedback with the scenario's explanation and a
//! decision's simulated consequences, and the debrief with the score per skill.

use crate::theme::Theme;
use crate::training::drill::{Answer, Drill, Stage, Tally};
use crate::training::spec::SKILLS;
use crate::tui::app::App;
use crate::tui::style;
use crate::tui::train_state::Training;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(training) = &app.train else { return };
    let theme = &app.options.theme;
    let Some(drill) = &training.drill else {
        picker(frame, area, training, theme);
        return;
    };
    let classifying = matches!(drill.stage, Stage::Category(_) | Stage::Owner(_));
    let (title, lines) = body(drill, training, theme);
    let inner_width = area.width.saturating_sub(2);
    let wrapped = |lines: &[Line<'_>]| super::wrapped_rows(lines, inner_width);
    let area = if classifying {
        // The question and all its choices first; the diff above takes what is left (the
        // answer's explanation, once shown, takes two thirds).
        let question = match drill.feedback {
            Some(_) => area.height * 2 / 3,
            None => u16::try_from(wrapped(&lines) + 2).unwrap_or(u16::MAX).min(area.height.saturating_sub(5)),
        };
        let [top, bottom] = Layout::vertical([Constraint::Min(4), Constraint::Length(question)]).areas(area);
        if app.diff.is_some() {
            let block = Block::default()
                .borders(Borders::TOP)
                .title(Span::styled(" The diff, revealed (owner marks on the right) ", style::dim(theme)));
            let inner = block.inner(top);
            frame.render_widget(block, top);
            let [diff_area, owner_area] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
            super::diff::render(frame, diff_area, app);
            // The ownership question asks exactly this: its answer is not printed above it.
            let owner = match drill.stage {
                Stage::Owner(_) if drill.feedback.is_none() => "? (the question below)".to_owned(),
                _ => super::diff::owner_line(app).unwrap_or_default(),
            };
            frame.render_widget(
                Paragraph::new(Span::styled(format!(" set by: {owner}"), style::accent(theme))),
                owner_area,
            );
        } else {
            app_level(frame, top, drill, theme);
        }
        bottom
    } else {
        area
    };
    // The highlighted choice is always on screen: scrolled to when it is below the box.
    let height = usize::from(area.height.saturating_sub(2));
    let choice_bottom = drill.selected.filter(|_| drill.feedback.is_none()).map(|chosen| {
        // The highlighted choice's line, wherever the question's own lines end.
        let marker = format!(" ▸ {}  ", chosen + 1);
        let at = lines.iter().position(|line| line.to_string().starts_with(&marker));
        wrapped(&lines[..at.map_or(lines.len(), |at| at + 1)])
    });
    let scroll = training.scroll.max(choice_bottom.map_or(0, |bottom| bottom.saturating_sub(height)));
    let block = Block::default().borders(Borders::ALL).title(Span::styled(title, style::accent(theme)));
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((scroll, 0)), area);
}

fn picker(frame: &mut Frame<'_>, area: Rect, training: &Training, theme: &Theme) {
    let [list_area, detail_area] = Layout::vertical([Constraint::Min(4), Constraint::Length(7)]).areas(area);
    let width = usize::from(list_area.width).saturating_sub(2);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            " {}{}{}{}",
            super::column("SCENARIO", 20),
            super::column("LEVEL", 14),
            super::column("PLAYED", 12),
            "WHAT IT TEACHES"
        ),
        style::dim(theme),
    ))];
    let height = usize::from(list_area.height).saturating_sub(3);
    let first = super::window_start(training.selected, height);
    for (index, scenario) in training.scenarios.iter().enumerate().skip(first).take(height) {
        let played = match training.results.get(&scenario.name) {
            Some(score) if score.passed => format!("✓ {}/{}", score.total.right, score.total.total),
            Some(score) => format!("✗ {}/{}", score.total.right, score.total.total),
            None => "–".to_owned(),
        };
        let text = format!(
            " {}{}{}{}",
            super::column(&scenario.name, 20),
            super::column(scenario.drill.difficulty.as_str(), 14),
            super::column(&played, 12),
            scenario.drill.teaches
        );
        let line = Line::from(super::fit(&text, width));
        lines.push(if index == training.selected { line.style(style::selected()) } else { line });
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" Training scenarios ({}) ", training.scenarios.len()), style::accent(theme)))
        .title_bottom(Span::styled(
            match &training.record {
                Some(record) => format!(" finished drills are recorded in {} ", record.display()),
                None => " nothing is recorded (kdrift train --record FILE keeps your results) ".to_owned(),
            },
            style::dim(theme),
        ));
    frame.render_widget(Paragraph::new(lines).block(block), list_area);
    if let Some(scenario) = training.scenarios.get(training.selected) {
        let detail = vec![
            Line::from(Span::styled(format!(" {}", scenario.title), Style::default().add_modifier(Modifier::BOLD))),
            Line::from(Span::styled(format!(" practises: {}", scenario.drill.situation), style::dim(theme))),
            Line::from(format!(" {}", scenario.description)),
        ];
        frame.render_widget(
            Paragraph::new(detail).wrap(Wrap { trim: false }).block(Block::default().borders(Borders::ALL)),
            detail_area,
        );
    }
}

/// An app-level finding has no diff: the controller's status is the evidence.
fn app_level(frame: &mut Frame<'_>, area: Rect, drill: &Drill, theme: &Theme) {
    let report = &drill.scenario.report;
    let mut lines = Vec::new();
    if let Some(controller) = &report.controller {
        lines.push(Line::from(format!(
            " {}: sync {}, health {}, revision {}",
            controller.kind,
            controller.sync.as_deref().unwrap_or("unknown"),
            controller.health.as_deref().unwrap_or("not reported"),
            controller.revision.as_deref().unwrap_or("unknown"),
        )));
    }
    for finding in &report.findings {
        lines.push(Line::from(Span::styled(format!(" • {}", finding.reason), style::fg(theme.ui.banner))));
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(" The controller's status, revealed ", style::dim(theme)));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

fn body(drill: &Drill, training: &Training, theme: &Theme) -> (String, Vec<Line<'static>>) {
    let scenario = &drill.scenario;
    let spec = &scenario.drill;
    let bold = Style::default().add_modifier(Modifier::BOLD);
    match drill.stage {
        Stage::Briefing => {
            let mut lines = vec![
                Line::from(Span::styled(format!(" {}", scenario.title), bold)),
                Line::from(Span::styled(
                    format!(" {} · practises {}", spec.difficulty.as_str(), spec.situation),
                    style::dim(theme),
                )),
                Line::default(),
            ];
            lines.extend(text(&spec.briefing));
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                " Predict first, then the diff is revealed. Nothing you do here writes anywhere.",
                style::dim(theme),
            )));
            lines.push(Line::from(Span::styled(" Enter: begin", style::accent(theme))));
            (" Briefing ".to_owned(), lines)
        }
        Stage::Decide(index) => {
            let total = spec.decide.len();
            let lines = match &drill.feedback {
                Some(answer) => feedback(answer, theme),
                None => vec![Line::from(" Walk the runbook to step 4 and take a decision.")],
            };
            let resource = spec.decide.get(index).map(|d| d.resource.as_str()).unwrap_or_default();
            (format!(" Decision {}/{total}: {resource} ", index + 1), lines)
        }
        Stage::Debrief => (" Debrief ".to_owned(), debrief(drill, training, theme)),
        Stage::Predict(_) | Stage::Category(_) | Stage::Owner(_) | Stage::Verify => {
            let title = match drill.stage {
                Stage::Predict(i) => format!(" Pause and predict {}/{} ", i + 1, spec.predict.len()),
                Stage::Category(i) => format!(" Classify {}/{} ", i + 1, spec.findings.len()),
                Stage::Owner(i) => format!(" Ownership {}/{} ", i + 1, spec.findings.len()),
                _ => " Verify ".to_owned(),
            };
            (title, question(drill, theme))
        }
    }
}

fn question(drill: &Drill, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    // The verification question speaks of the expected correction; after another one, say
    // so rather than let it read as what the trainee did.
    let wrong: Vec<&str> = drill
        .answers
        .iter()
        .filter(|a| drill.stage == Stage::Verify && a.step.starts_with("decide ") && !a.correct)
        .map(|a| a.expected.as_str())
        .collect();
    if !wrong.is_empty() {
        let note = format!(" Suppose the expected correction ({}) was made instead of yours:", wrong.join("; "));
        lines.push(Line::from(Span::styled(note, style::fg(theme.ui.banner))));
    }
    lines.push(Line::from(Span::styled(
        format!(" {}", drill.question().unwrap_or_default()),
        Style::default().add_modifier(Modifier::BOLD),
    )));
    lines.push(Line::default());
    for (index, choice) in drill.choices().iter().enumerate() {
        let chosen = drill.selected == Some(index);
        let marker = if chosen { "▸" } else { " " };
        let line = Line::from(format!(" {marker} {}  {choice}", index + 1));
        lines.push(if chosen && drill.feedback.is_none() { line.style(style::selected()) } else { line });
    }
    lines.push(Line::default());
    match &drill.feedback {
        Some(answer) => lines.extend(feedback(answer, theme)),
        None => lines.push(Line::from(Span::styled(" 1-9 or j/k and Enter: answer", style::dim(theme)))),
    }
    lines
}

fn verdict(correct: bool) -> Span<'static> {
    if correct {
        Span::styled(" ✓ Right", Style::default().fg(Color::Green).add_modifier(Modifier::BOLD))
    } else {
        Span::styled(" ✗ Not quite", Style::default().fg(Color::Red).add_modifier(Modifier::BOLD))
    }
}

fn feedback(answer: &Answer, theme: &Theme) -> Vec<Line<'static>> {
    let mut head = vec![verdict(answer.correct), Span::raw(format!(" — you answered: {}", answer.given))];
    if !answer.correct {
        head.push(Span::raw(format!("; the answer: {}", answer.expected)));
    }
    let mut lines = vec![Line::from(head)];
    if !answer.consequences.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(" What it did (simulated, nothing written):", style::accent(theme))));
        for consequence in &answer.consequences {
            let shown = if consequence.starts_with("simulated") || consequence.starts_with("the rescan") {
                style::dim(theme)
            } else {
                style::fg(theme.ui.banner)
            };
            lines.push(Line::from(Span::styled(format!("   {consequence}"), shown)));
        }
    }
    lines.push(Line::default());
    lines.extend(text(&answer.explanation));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(" space: continue", style::accent(theme))));
    lines
}

fn debrief(drill: &Drill, training: &Training, theme: &Theme) -> Vec<Line<'static>> {
    let score = drill.score();
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!(" {} — ", drill.scenario.name), bold),
        if score.passed {
            Span::styled("passed", Style::default().fg(Color::Green).add_modifier(Modifier::BOLD))
        } else {
            Span::styled("not passed yet", Style::default().fg(Color::Red).add_modifier(Modifier::BOLD))
        },
        Span::raw(format!(" ({} of {} right)", score.total.right, score.total.total)),
    ])];
    lines.push(Line::default());
    for skill in SKILLS {
        let tally = score.skill(skill);
        lines.push(Line::from(vec![
            Span::raw(format!("   {:<16}", skill.as_str())),
            Span::styled(bar(tally), style::accent(theme)),
            Span::raw(format!(" {}/{}", tally.right, tally.total)),
        ]));
    }
    let missed: Vec<&Answer> = drill.answers.iter().filter(|a| !a.correct).collect();
    if !missed.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(" To revisit:", style::accent(theme))));
        for answer in missed {
            lines.push(Line::from(format!(
                "   {}: you said {}, the answer: {}",
                answer.step, answer.given, answer.expected
            )));
        }
    }
    lines.push(Line::default());
    lines.extend(text(&drill.scenario.drill.debrief));
    lines.push(Line::default());
    if let Some(recorded) = &training.recorded {
        lines.push(Line::from(Span::styled(format!(" {recorded}"), style::dim(theme))));
    }
    lines.push(Line::from(Span::styled(" Enter: back to the scenarios · q: quit from there", style::accent(theme))));
    lines
}

/// "██████░░░░" for a tally (ten cells).
fn bar(tally: Tally) -> String {
    let filled = (tally.right * 10).checked_div(tally.total).unwrap_or(0);
    format!("{}{}", "█".repeat(filled), "░".repeat(10 - filled))
}

fn text(text: &str) -> Vec<Line<'static>> {
    text.lines().map(|line| Line::from(format!(" {line}"))).collect()
}
