//! The whole-value panel drawn over the diff: path and pointer, the finding, the Git value
//! and the live value with who set it, wrapped to the panel and scrolled; its bottom line
//! lists the copy choices.

use crate::tui::app::App;
use crate::tui::focus::SideValue;
use crate::tui::style;
use crate::tui::value_panel::Shown;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub(crate) fn render(frame: &mut Frame<'_>, app: &App) {
    let (Some(panel), Some(shown)) = (app.value_panel, app.panel_subject()) else { return };
    let theme = &app.options.theme;
    let label = |text: &str| Span::styled(text.to_owned(), style::dim(theme));
    let heading = |text: String| Line::from(Span::styled(text, style::accent(theme)));
    let mut lines: Vec<Line<'static>> = Vec::new();
    match &shown {
        Shown::Raw(line) => {
            lines.push(heading(format!(" raw line {}", line.line)));
            lines.extend(value_lines(line));
        }
        Shown::Line(focused) => {
            lines.push(Line::from(vec![label(" path    "), Span::raw(focused.display_path.clone())]));
            lines.push(Line::from(vec![label(" pointer "), Span::raw(focused.pointer.clone())]));
            let resource = app.diff.as_ref().and_then(|d| app.data.apps.get(d.app)?.report.resources.get(d.resource));
            if let Some(finding) = focused.finding.and_then(|f| resource?.findings.get(f)) {
                let verdict = match &finding.ignored_by {
                    Some(by) => format!("ignored by {by}"),
                    None => format!("{} {}", finding.severity.as_str().to_uppercase(), finding.category.as_str()),
                };
                lines.push(Line::from(vec![
                    label(" finding "),
                    Span::styled(
                        format!("{verdict} → {}: ", finding.response.as_str()),
                        style::severity(theme, finding.severity),
                    ),
                    Span::raw(finding.reason.clone()),
                ]));
            }
            lines.push(Line::default());
            match &focused.desired {
                Some(value) => {
                    lines.push(heading(format!(" Git (desired) · line {}", value.line)));
                    lines.extend(value_lines(value));
                }
                None => lines.push(heading(" Git (desired): not in Git".to_owned())),
            }
            lines.push(Line::default());
            match &focused.live {
                Some(value) => {
                    let row = app.diff.as_ref().and_then(|d| d.focused_row());
                    let owner = crate::tui::views::diff::owner_line(app).unwrap_or_default();
                    lines.push(Line::from(vec![
                        Span::styled(format!(" live (cluster) · line {} · ", value.line), style::accent(theme)),
                        Span::styled(owner, style::owner_style(theme, row.and_then(|r| r.owner.as_ref()))),
                    ]));
                    lines.extend(value_lines(value));
                }
                None => lines.push(heading(" live (cluster): not live".to_owned())),
            }
        }
    }
    let choices: Vec<String> = app.copy_choices().iter().map(|c| format!("{} {}", c.key, c.label)).collect();
    let keys = format!(" copy {} · j/k scroll · Esc ", choices.join(" "));
    let area = frame.area();
    let width = area.width.saturating_sub(4).min(110);
    // As tall as the wrapped text, within the screen.
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let wrapped: usize = lines.iter().map(|line| line.width().max(1).div_ceil(inner)).sum();
    let height = u16::try_from(wrapped + 2).unwrap_or(u16::MAX).min(area.height.saturating_sub(4));
    let area = Rect { x: area.x + (area.width - width) / 2, y: area.y + 2, width, height };
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Whole value ", style::accent(theme)))
        .title_bottom(Span::styled(keys, style::dim(theme)));
    let scroll = u16::try_from(panel.scroll.min(lines.len().saturating_sub(1))).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((scroll, 0)), area);
}

/// A value's lines, indented under their heading, with the count of lines left out.
fn value_lines(value: &SideValue) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = value.lines.iter().map(|line| Line::from(format!("   {line}"))).collect();
    if value.more > 0 {
        lines.push(Line::from(format!("   … {} more lines (the diff shows them all)", value.more)));
    }
    lines
}
