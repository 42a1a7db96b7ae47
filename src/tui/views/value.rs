//! The whole-value panel drawn over the diff: path and pointer, the finding, the Git value
//! and the live value with who set it, wrapped to the panel and scrolled; its bottom line
//! lists the copy choices.

use crate::sanitize::clean_line;
use crate::tui::app::App;
use crate::tui::focus::SideValue;
use crate::tui::style;
use crate::tui::value_panel::Shown;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub(crate) fn render(frame: &mut Frame<'_>, app: &App) {
    let (Some(panel), Some(lines)) = (app.value_panel, content(app)) else { return };
    let theme = &app.options.theme;
    let choices: Vec<String> = app.copy_choices().iter().map(|c| format!("{} {}", c.key, c.label)).collect();
    let keys = format!(" copy {} · j/k scroll · Esc ", choices.join(" "));
    let (area, last) = layout(frame.area(), &lines);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Whole value ", style::accent(theme)))
        .title_bottom(Span::styled(keys, style::dim(theme)));
    let scroll = u16::try_from(panel.scroll.min(last)).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((scroll, 0)), area);
}

/// The panel's box in a terminal of `size`: as tall as the wrapped text, within the screen;
/// and how far it scrolls (its wrapped rows past the box).
pub(crate) fn layout(size: Rect, lines: &[Line<'_>]) -> (Rect, usize) {
    let width = size.width.saturating_sub(4).min(110);
    let wrapped = super::wrapped_rows(lines, width.saturating_sub(2));
    let height = u16::try_from(wrapped + 2).unwrap_or(u16::MAX).min(size.height.saturating_sub(4));
    let area = Rect { x: size.x + (size.width - width) / 2, y: size.y + 2, width, height };
    (area, wrapped.saturating_sub(usize::from(height.saturating_sub(2))))
}

/// The panel's text for the focused line (none on a fold).
pub(crate) fn content(app: &App) -> Option<Vec<Line<'static>>> {
    let shown = app.panel_subject()?;
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
            lines.push(Line::from(vec![label(" path    "), Span::raw(clean_line(&focused.display_path))]));
            lines.push(Line::from(vec![label(" pointer "), Span::raw(clean_line(&focused.pointer))]));
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
                    if let Some(actor) = crate::tui::views::diff::focused_actor(app) {
                        let details = crate::report::actors::details(actor);
                        lines.push(Line::from(vec![label(" who     "), Span::raw(details)]));
                    }
                    lines.extend(value_lines(value));
                }
                None => lines.push(heading(" live (cluster): not live".to_owned())),
            }
        }
    }
    Some(lines)
}

/// A value's lines, indented under their heading, with the count of lines left out.
fn value_lines(value: &SideValue) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = value.lines.iter().map(|line| Line::from(format!("   {line}"))).collect();
    if value.more > 0 {
        lines.push(Line::from(format!("   … {} more lines (the diff shows them all)", value.more)));
    }
    lines
}
