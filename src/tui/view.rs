//! Drawing: a pure function of the state. The header (source, namespace scope, `[RO]`/`[RW]`,
//! last refresh, theme), a banner line for errors, the screen's body, and a footer with key
//! hints or the open prompt; help is drawn over everything, from the key table.

use crate::engine::time::format_rfc3339;
use crate::tui::app::{App, PromptKind};
use crate::tui::keys::Screen;
use crate::tui::strings;
use crate::tui::style;
use crate::tui::views;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(frame: &mut Frame<'_>, app: &App) {
    let [header, title, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(title_height(app)),
        Constraint::Min(1),
        Constraint::Length(app.footer_height()),
    ])
    .areas(frame.area());
    frame.render_widget(Paragraph::new(header_line(app)), header);
    // A notice or banner wraps (it is read whole); the breadcrumb is cut at the edge.
    let title_text = Paragraph::new(title_line(app));
    let title_text = match app.notice.is_some() || app.banner.is_some() {
        true => title_text.wrap(ratatui::widgets::Wrap { trim: false }),
        false => title_text,
    };
    frame.render_widget(title_text, title);
    match app.screen {
        Screen::Apps => views::apps::render(frame, body, app),
        Screen::Resources => views::resources::render(frame, body, app),
        Screen::Diff => views::diff::render(frame, body, app),
        Screen::Runbook => views::runbook::render(frame, body, app),
        Screen::Train => views::train::render(frame, body, app),
    }
    frame.render_widget(Paragraph::new(footer_lines(app)), footer);
    if app.value_panel.is_some() {
        views::value::render(frame, app);
    }
    if app.picker.is_some() {
        views::picker::render(frame, app);
    }
    if app.help.is_some() {
        crate::tui::help::render(frame, app);
    }
}

fn header_line(app: &App) -> Line<'static> {
    let theme = &app.options.theme;
    let mode = match app.read_only() {
        false if app.simulated() => {
            Span::styled("[SIM]", style::fg(theme.ui.read_write).add_modifier(ratatui::style::Modifier::BOLD))
        }
        true => Span::styled("[RO]", style::fg(theme.ui.read_only).add_modifier(ratatui::style::Modifier::BOLD)),
        false => Span::styled("[RW]", style::fg(theme.ui.read_write).add_modifier(ratatui::style::Modifier::BOLD)),
    };
    // Several clusters: an app's screens name the one it lives in.
    let open_cluster = match app.screen {
        crate::tui::keys::Screen::Apps | crate::tui::keys::Screen::Train => None,
        _ => app.data.apps.get(app.app_open).and_then(|a| a.report.cluster.as_ref()),
    };
    let source = match app.data.context.as_ref().or(open_cluster) {
        Some(context) => format!("context {}", crate::sanitize::clean_line(context)),
        None if app.train.is_some() && app.drill().is_none() => strings::SOURCE_TRAINING.to_owned(),
        None => app.request.label(),
    };
    let refreshed = match (app.loading, app.loaded_at) {
        // Training writes nothing but the record of finished drills, when asked for one.
        _ if app.train.is_some() && app.drill().is_none() => match app.train.as_ref().and_then(|t| t.record.as_ref()) {
            Some(record) => format!("answers recorded in {}", record.display()),
            None => strings::TRAINING_WRITES_NOTHING.to_owned(),
        },
        (true, _) => strings::LOADING.to_owned(),
        (false, Some(at)) => {
            let at = format_rfc3339(at).get(11..19).unwrap_or_default().to_owned();
            match app.live.watching {
                // The list follows the cluster: the time is the last change it took.
                Some(_) => format!("watching · {at} UTC"),
                None => format!("refreshed {at} UTC"),
            }
        }
        (false, None) => strings::NOT_LOADED.to_owned(),
    };
    let sep = || Span::styled(" │ ", style::dim(theme));
    let incident = app.incident.as_ref().map(|incident| format!("incident {incident}"));
    // What must stay at any width: where the data comes from, its scope and the write mode.
    // The refresh time and the theme go first when the line is too long, then the source
    // is cut.
    let scope = namespace_scope(app);
    let fixed = 7
        + 3
        + scope.chars().count()
        + 3
        + mode.content.chars().count()
        + incident.as_ref().map_or(0, |i| 3 + i.chars().count());
    let width = usize::from(app.size.0);
    let theme_name = format!("theme {}", app.options.theme_name);
    let extras = [refreshed, theme_name];
    let mut room = width.saturating_sub(fixed + 3 + source.chars().count());
    let shown_extras: Vec<&String> = extras
        .iter()
        .take_while(|extra| {
            let needed = 3 + extra.chars().count();
            let fits = needed <= room;
            room = room.saturating_sub(needed);
            fits
        })
        .collect();
    let source_room = width.saturating_sub(fixed + 3).max(8);
    let mut spans = vec![
        Span::styled(" kdrift", style::accent(theme)),
        sep(),
        Span::raw(crate::tui::focus::around(&source, 0, source_room)),
        sep(),
        Span::raw(scope),
        sep(),
        mode,
    ];
    if let Some(incident) = incident {
        spans.extend([sep(), Span::styled(incident, style::accent(theme))]);
    }
    for extra in shown_extras {
        spans.extend([sep(), Span::styled(extra.clone(), style::dim(theme))]);
    }
    Line::from(spans)
}

/// The namespace of the open app, or of every app when they share one.
fn namespace_scope(app: &App) -> String {
    if app.train.is_some() && app.drill().is_none() {
        return "every namespace".to_owned();
    }
    if app.screen != Screen::Apps
        && let Some(open) = app.data.apps.get(app.app_open)
    {
        return format!("ns {}", open.namespace);
    }
    let mut namespaces: Vec<&str> = app.data.apps.iter().map(|a| a.namespace.as_str()).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    match namespaces.as_slice() {
        // Nothing loaded (yet): the namespace asked for, else every one.
        [] => match &app.request {
            crate::investigate::Request::Sources(spec) if spec.namespace.is_some() => {
                format!("ns {}", spec.namespace.as_deref().unwrap_or_default())
            }
            _ => "every namespace".to_owned(),
        },
        [one] => format!("ns {one}"),
        many => format!("{} namespaces", many.len()),
    }
}

/// Lines under the header: one, or up to three for a notice or banner too long for one
/// (an error is read whole, not cut at the terminal's edge).
pub fn title_height(app: &App) -> u16 {
    let long = app.notice.as_ref().or(app.banner.as_ref()).map_or(0, |text| text.chars().count() + 3);
    let width = usize::from(app.size.0).max(1);
    u16::try_from(long.div_ceil(width).clamp(1, 3)).unwrap_or(1)
}

fn title_line(app: &App) -> Line<'static> {
    let theme = &app.options.theme;
    // A notice answers the last key, so it goes before a standing banner (which returns at
    // the next key).
    if let Some(notice) = &app.notice {
        return Line::from(Span::styled(format!(" {notice}"), style::fg(theme.ui.banner)));
    }
    if let Some(banner) = &app.banner {
        return Line::from(Span::styled(
            format!(" ⚠ {banner}"),
            style::fg(theme.ui.banner).add_modifier(ratatui::style::Modifier::BOLD),
        ));
    }
    let crumb = match app.screen {
        Screen::Apps => {
            let filter =
                if app.apps.filter.is_empty() { String::new() } else { format!(" · filter '{}'", app.apps.filter) };
            format!(" Apps ({}) · sort {}{filter}", app.visible_apps().len(), app.app_sort.label())
        }
        Screen::Resources => {
            let name = app.data.apps.get(app.app_open).map(|a| a.report.name.clone()).unwrap_or_default();
            let filter = if app.resources.filter.is_empty() {
                String::new()
            } else {
                format!(" · filter '{}'", app.resources.filter)
            };
            format!(" Apps › {name}{}{filter}", source_if_ambiguous(app))
        }
        Screen::Diff => {
            let name = app.data.apps.get(app.app_open).map(|a| a.report.name.clone()).unwrap_or_default();
            let resource = app
                .diff
                .as_ref()
                .and_then(|d| app.data.apps.get(d.app)?.report.resources.get(d.resource))
                .map(|r| r.key().to_string())
                .unwrap_or_default();
            format!(" Apps › {name}{} › {resource}", source_if_ambiguous(app))
        }
        Screen::Runbook => {
            let subject = app.runbook.as_ref().map(|r| &r.runbook.subject);
            let what =
                subject.map(|s| format!("{} › {} · {}", s.app, s.key(), s.fields().join(", "))).unwrap_or_default();
            match app.drill() {
                Some(drill) => format!(
                    " Training › {} › runbook › {what} · decide at step 4, nothing is written",
                    drill.scenario.name
                ),
                None => format!(" Runbook › {what}"),
            }
        }
        Screen::Train => match app.drill() {
            Some(drill) => format!(" Training › {} · {}", drill.scenario.name, progress(drill)),
            None => " Training › pick a scenario".to_owned(),
        },
    };
    Line::from(Span::styled(crumb, style::accent(theme)))
}

/// " (sample flux-apply-failed)" when another app has the open app's name, else nothing.
fn source_if_ambiguous(app: &App) -> String {
    let Some(open) = app.data.apps.get(app.app_open) else { return String::new() };
    let twins = app.data.apps.iter().filter(|a| a.report.name == open.report.name).count();
    if twins > 1 { format!(" ({})", open.origin) } else { String::new() }
}

/// "question 3 of 9 · 2 right so far".
fn progress(drill: &crate::training::drill::Drill) -> String {
    let spec = &drill.scenario.drill;
    let total = spec.predict.len()
        + spec.findings.len()
        + spec.findings.iter().filter(|f| f.owner.is_some()).count()
        + spec.decide.len()
        + 1;
    let done = drill.answers.len() + usize::from(drill.feedback.is_some());
    let right = drill.answers.iter().chain(drill.feedback.as_ref()).filter(|a| a.correct).count();
    format!("answered {done} of {total} · {right} right so far")
}

fn footer_lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.options.theme;
    if let Some(prompt) = &app.prompt {
        let lead = match prompt.kind {
            PromptKind::Filter | PromptKind::Search => "/",
            PromptKind::Command => ":",
        };
        // The prompt takes the footer's last line; the lines above it stay readable.
        let mut lines = match app.screen {
            Screen::Diff => views::diff::footer(app).into_iter().take(2).collect(),
            _ => vec![Line::default()],
        };
        lines.push(Line::from(vec![
            Span::styled(lead, style::accent(theme)),
            Span::raw(format!("{}▏", crate::sanitize::clean_line(&prompt.text))),
        ]));
        return lines;
    }
    if app.screen == Screen::Diff {
        return views::diff::footer(app);
    }
    let previewing =
        matches!(app.runbook.as_ref().map(|r| &r.stage), Some(crate::tui::runbook_state::Stage::Preview { .. }));
    let checking = app.runbook.as_ref().is_some_and(|r| {
        use crate::runbook::Step;
        matches!(r.runbook.step, Step::Scope | Step::Inspect | Step::Ownership)
    });
    let hints = match app.screen {
        Screen::Runbook if previewing => strings::HINTS_PREVIEW,
        Screen::Apps => strings::HINTS_APPS,
        Screen::Train if app.drill().is_none() => strings::HINTS_PICKER,
        Screen::Train => strings::HINTS_DRILL,
        Screen::Runbook if app.drill().is_some() => strings::HINTS_DRILL_RUNBOOK,
        // Before step 4 the decision keys are refused: the footer shows what moves on.
        Screen::Runbook if checking => strings::HINTS_RUNBOOK_CHECKS,
        Screen::Runbook if app.read_only() => strings::HINTS_RUNBOOK_READ_ONLY,
        Screen::Runbook => strings::HINTS_RUNBOOK,
        _ => strings::HINTS_RESOURCES,
    };
    vec![Line::default(), Line::from(Span::styled(format!(" {hints}"), style::dim(theme)))]
}

pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}
