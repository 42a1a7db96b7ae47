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

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = &app.options.theme;
    let mut widths = Widths::for_width(area.width);
    // A narrow terminal gives an OWNER column nobody fills to the SOURCE, which tells apps of
    // the same name apart.
    if widths.compact && app.summaries.iter().all(|s| s.team.is_none()) {
        widths.owner = 0;
    }
    let heading: String =
        widths.headings().iter().zip(widths.columns()).map(|(title, width)| column(title, width)).collect();
    // Several clusters at once: the last column tells which one each app lives in.
    let fleet = app.data.apps.iter().any(|a| a.report.cluster.is_some());
    let last = if fleet { "CLUSTER" } else { "SOURCE" };
    let mut lines = vec![Line::from(Span::styled(format!(" {heading}{last}"), style::dim(theme)))];
    if app.loading && app.data.apps.is_empty() {
        lines.push(Line::from(Span::styled(" loading…", style::dim(theme))));
    }
    let shown = app.visible_apps();
    if !app.loading && shown.is_empty() {
        let why =
            if app.data.apps.is_empty() { " nothing loaded (Ctrl-r retries)" } else { " no apps match the filter" };
        lines.push(Line::from(Span::styled(why, style::dim(theme))));
    }
    let height = usize::from(area.height).saturating_sub(1);
    let start = window_start(app.apps.selected, height);
    for (position, &index) in shown.iter().enumerate().skip(start).take(height) {
        let (data, summary) = (&app.data.apps[index], &app.summaries[index]);
        let report = &data.report;
        let sync = match report.sync_status {
            SyncStatus::Synced => Span::styled(column("Synced", widths.sync), style::fg(theme.added)),
            SyncStatus::OutOfSync => Span::styled(
                column("OutOfSync", widths.sync),
                style::fg(theme.changed).add_modifier(ratatui::style::Modifier::BOLD),
            ),
            SyncStatus::Unknown => Span::styled(column("Unknown", widths.sync), style::fg(theme.ui.banner)),
        };
        let severity = match summary.highest {
            Some(level) => Span::styled(column(level.as_str(), widths.severity), style::severity(theme, level)),
            None => Span::styled(column("-", widths.severity), style::dim(theme)),
        };
        let count = |n: usize, width: usize| column(&n.to_string(), width);
        let harmful = Span::styled(
            count(summary.harmful, widths.harmful),
            if summary.harmful > 0 { style::severity(theme, crate::model::Severity::High) } else { style::dim(theme) },
        );
        let oldest = summary.oldest_harmful.map(short_age).unwrap_or_else(|| "-".to_owned());
        // Δ: its findings changed since the responder last opened it (following the cluster).
        let changed = app.live.changed_apps.contains(&crate::tui::changes::app_id(data));
        let mark = match changed {
            true => Span::styled("Δ", style::accent(theme).add_modifier(ratatui::style::Modifier::BOLD)),
            false => Span::raw(" "),
        };
        let mut spans = vec![
            mark,
            Span::raw(column(&report.name, widths.name)),
            sync,
            harmful,
            Span::raw(count(summary.expected, widths.expected)),
            Span::styled(count(summary.ignored, widths.ignored), style::dim(theme)),
            Span::raw(count(summary.orphans, widths.orphans)),
            severity,
            Span::raw(column(&oldest, widths.oldest)),
            Span::raw(column(summary.team.as_deref().unwrap_or("-"), widths.owner)),
            // Narrow: "sample " is in the header already; the sample's name is what differs.
            match &report.cluster {
                Some(cluster) => {
                    let room = usize::from(area.width).saturating_sub(1 + widths.total());
                    Span::raw(tail(&crate::sanitize::clean_line(cluster), room))
                }
                None => Span::styled(
                    match widths.compact {
                        true => data.origin.strip_prefix("sample ").unwrap_or(&data.origin).to_owned(),
                        false => data.origin.clone(),
                    },
                    style::dim(theme),
                ),
            },
        ];
        if position == app.apps.selected {
            spans = spans.into_iter().map(|s| s.patch_style(style::selected())).collect();
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// `text` in `room` columns, cut at its start: clusters' context names differ at their end
/// (`…/prod-eu`, `…us-east-1`).
fn tail(text: &str, room: usize) -> String {
    let count = text.chars().count();
    if count <= room || room == 0 {
        return text.to_owned();
    }
    let kept: String = text.chars().skip(count - (room - 1)).collect();
    format!("…{kept}")
}

/// Column widths; narrow terminals get short headings so every column still fits in 80.
struct Widths {
    name: usize,
    sync: usize,
    harmful: usize,
    expected: usize,
    ignored: usize,
    orphans: usize,
    severity: usize,
    oldest: usize,
    owner: usize,
    compact: bool,
}

impl Widths {
    fn for_width(width: u16) -> Widths {
        match width < 120 {
            // Ten columns left for the SOURCE, which tells apps of the same name apart.
            true => Widths {
                name: 17,
                sync: 10,
                harmful: 5,
                expected: 4,
                ignored: 4,
                orphans: 5,
                severity: 9,
                oldest: 5,
                owner: 10,
                compact: true,
            },
            false => Widths {
                name: 22,
                sync: 11,
                harmful: 8,
                expected: 9,
                ignored: 8,
                orphans: 8,
                severity: 9,
                oldest: 7,
                owner: 17,
                compact: false,
            },
        }
    }

    fn headings(&self) -> [&'static str; 9] {
        match self.compact {
            true => ["APP", "SYNC", "HARM", "EXP", "IGN", "ORPH", "SEVERITY", "AGE", "OWNER"],
            false => ["APP", "SYNC", "HARMFUL", "EXPECTED", "IGNORED", "ORPHANS", "SEVERITY", "OLDEST", "OWNER"],
        }
    }

    fn total(&self) -> usize {
        self.columns().iter().sum()
    }

    fn columns(&self) -> [usize; 9] {
        [
            self.name,
            self.sync,
            self.harmful,
            self.expected,
            self.ignored,
            self.orphans,
            self.severity,
            self.oldest,
            self.owner,
        ]
    }
}
