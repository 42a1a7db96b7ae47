//! The apps screen: every app with its sync status, finding counts by kind (harmful,
//! expected, ignored, orphans), highest severity, age of the oldest harmful drift and owner;
//! out-of-sync and harmful first unless another sort is chosen.

use crate::engine::time::short_age;
use crate::model::SyncStatus;
use crate::tui::app::App;
use crate::tui::style;
use crate::tui::views::{column, window_start};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = &app.options.theme;
    let mut lines = vec![Line::from(Span::styled(
        format!(
            " {}{}{}{}{}{}{}{}{}{}",
            column("APP", 22),
            column("SYNC", 11),
            column("HARMFUL", 8),
            column("EXPECTED", 9),
            column("IGNORED", 8),
            column("ORPHANS", 8),
            column("SEVERITY", 9),
            column("OLDEST", 7),
            column("OWNER", 17),
            "SOURCE"
        ),
        style::dim(theme),
    ))];
    if app.loading && app.data.apps.is_empty() {
        lines.push(Line::from(Span::styled(" loading…", style::dim(theme))));
    }
    let shown = app.visible_apps();
    if !app.loading && shown.is_empty() {
        lines.push(Line::from(Span::styled(" no apps match", style::dim(theme))));
    }
    let height = usize::from(area.height).saturating_sub(1);
    let start = window_start(app.app_selected, height);
    for (position, &index) in shown.iter().enumerate().skip(start).take(height) {
        let (data, summary) = (&app.data.apps[index], &app.summaries[index]);
        let report = &data.report;
        let sync = match report.sync_status {
            SyncStatus::Synced => Span::styled(column("Synced", 11), style::fg(theme.added)),
            SyncStatus::OutOfSync => Span::styled(
                column("OutOfSync", 11),
                style::fg(theme.changed).add_modifier(ratatui::style::Modifier::BOLD),
            ),
            SyncStatus::Unknown => Span::styled(column("Unknown", 11), style::fg(theme.ui.banner)),
        };
        let severity = match summary.highest {
            Some(level) => Span::styled(column(level.as_str(), 9), style::severity(theme, level)),
            None => Span::styled(column("-", 9), style::dim(theme)),
        };
        let count = |n: usize, width: usize| column(&n.to_string(), width);
        let harmful = Span::styled(
            count(summary.harmful, 8),
            if summary.harmful > 0 { style::severity(theme, crate::model::Severity::High) } else { style::dim(theme) },
        );
        let oldest = summary.oldest_harmful.map(short_age).unwrap_or_else(|| "-".to_owned());
        let mut spans = vec![
            Span::raw(format!(" {}", column(&report.name, 22))),
            sync,
            harmful,
            Span::raw(count(summary.expected, 9)),
            Span::styled(count(summary.ignored, 8), style::dim(theme)),
            Span::raw(count(summary.orphans, 8)),
            severity,
            Span::raw(column(&oldest, 7)),
            Span::raw(column(report.owner_team.as_deref().unwrap_or("-"), 17)),
            Span::styled(data.origin.clone(), style::dim(theme)),
        ];
        if position == app.app_selected {
            spans = spans.into_iter().map(|s| s.patch_style(style::selected())).collect();
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
