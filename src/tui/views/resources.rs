//! The resources screen of one app: app-level findings, then each drifted resource with its
//! findings (severity, category, field, owner, suggested response, reason), then the
//! resources in sync. `Enter` opens the diff at the selected finding.

use crate::model::{Finding, ResourceReport};
use crate::tui::app::App;
use crate::tui::style;
use crate::tui::views::{column, window_start};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = &app.options.theme;
    let [list_area, reason_area] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Min(1),
        ratatui::layout::Constraint::Length(3),
    ])
    .areas(area);
    let Some(data) = app.data.apps.get(app.app_open) else { return };
    let report = &data.report;
    let app_id = crate::tui::changes::app_id(data);
    // Narrow terminals drop the category and owner columns (the reason below names both).
    let wide = area.width >= 118;
    let name_width = if area.width >= 140 { 40 } else { 32 };
    let mut heading = format!(" {}{}{}", column("RESOURCE", name_width), column("STATUS", 9), column("SEVERITY", 9));
    if wide {
        heading.push_str(&column("CATEGORY", 19));
        heading.push_str(&column("OWNER", if area.width >= 140 { 24 } else { 20 }));
    }
    heading.push_str("RESPONSE · FIELD");
    let mut lines = vec![Line::from(Span::styled(heading, style::dim(theme)))];
    let rows = app.resource_rows();
    let height = usize::from(list_area.height).saturating_sub(1);
    let start = window_start(app.resources.selected, height);
    for (position, row) in rows.iter().enumerate().skip(start).take(height) {
        let resource: Option<&ResourceReport> = row.resource.map(|r| &report.resources[r]);
        let finding: Option<&Finding> = match (resource, row.finding) {
            (Some(resource), Some(f)) => resource.findings.get(f),
            (None, Some(f)) => report.findings.get(f),
            _ => None,
        };
        // The app's own namespace is in the header: names keep their room for what tells
        // them apart.
        let name = match resource {
            Some(r) if r.namespace == data.namespace => format!("{} {}", r.kind, r.name),
            Some(r) => r.key().to_string(),
            None => "(app)".to_owned(),
        };
        let status = resource.map(|r| r.status.as_str()).unwrap_or("app");
        // Δ: its findings changed since the responder last opened it (following the cluster).
        let changed = resource.is_some_and(|r| app.live.changed_resources.contains(&(app_id.clone(), r.key())));
        let mark = match changed {
            true => Span::styled("Δ", style::accent(theme).add_modifier(Modifier::BOLD)),
            false => Span::raw(" "),
        };
        let mut spans = vec![mark, Span::raw(column(&name, name_width)), Span::raw(column(status, 9))];
        match finding {
            Some(finding) => {
                let owner = finding
                    .owner
                    .as_ref()
                    .map(|o| format!("{} {}", style::class_glyph(o.class), o.manager))
                    .unwrap_or_else(|| "-".to_owned());
                let mut severity_style = style::severity(theme, finding.severity);
                if finding.ignored_by.is_some() {
                    severity_style = style::dim(theme);
                }
                spans.push(Span::styled(column(finding.severity.as_str(), 9), severity_style));
                if wide {
                    spans.push(Span::raw(column(finding.category.as_str(), 19)));
                    spans.push(Span::raw(column(&owner, if area.width >= 140 { 24 } else { 20 })));
                }
                let response = if finding.ignored_by.is_some() {
                    "ignored".to_owned()
                } else {
                    finding.response.as_str().to_owned()
                };
                let bold = ratatui::style::Style::default().add_modifier(Modifier::BOLD);
                spans.push(Span::styled(format!("{response} · {}", finding.display_path), bold));
            }
            None => spans.push(Span::styled("in sync", style::dim(theme))),
        }
        if position == app.resources.selected {
            spans = spans.into_iter().map(|s| s.patch_style(style::selected())).collect();
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), list_area);
    // The selected finding's reason, in full, under the list.
    if let Some(row) = rows.get(app.resources.selected) {
        let reason = match row.resource {
            Some(r) => row.finding.and_then(|f| report.resources[r].findings.get(f)).map(|f| f.reason.clone()),
            None => row.finding.and_then(|f| report.findings.get(f)).map(|f| f.reason.clone()),
        };
        let text = Line::from(Span::styled(format!(" {}", reason.unwrap_or_default()), style::dim(theme)));
        frame.render_widget(Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: false }), reason_area);
    }
}
