//! The picker over the screen (`:ctx`, `:ns`, `:sample` without a name): the filter typed so
//! far, the items it lets through with the selected one reversed and the one in use marked,
//! and why the list is partial when it is.

use crate::sanitize::clean_line;
use crate::tui::app::App;
use crate::tui::style;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub(crate) fn render(frame: &mut Frame<'_>, app: &App) {
    let Some(picker) = &app.picker else { return };
    let theme = &app.options.theme;
    let area = crate::tui::view::centered(frame.area(), 60, frame.area().height.saturating_sub(4));
    let height = usize::from(area.height.saturating_sub(4));
    let mut lines = vec![Line::from(vec![
        Span::styled(" filter: ", style::dim(theme)),
        Span::raw(format!("{}▏", clean_line(&picker.filter))),
    ])];
    match &picker.items {
        None => lines.push(Line::from(Span::styled(" reading…", style::dim(theme)))),
        Some(_) => {
            let shown = picker.shown();
            if shown.is_empty() {
                lines.push(Line::from(Span::styled(" nothing matches", style::dim(theme))));
            }
            let start = super::window_start(picker.selected, height);
            for (index, item) in shown.iter().enumerate().skip(start).take(height) {
                let mark = if picker.current.as_deref() == Some(*item) { "● " } else { "  " };
                let line = Line::from(format!(" {mark}{}", clean_line(item)));
                lines.push(if index == picker.selected { line.style(style::selected()) } else { line });
            }
        }
    }
    if let Some(note) = &picker.note {
        lines.push(Line::from(Span::styled(format!(" {}", clean_line(note)), style::fg(theme.ui.banner))));
    }
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {} ", picker.kind.title()), style::accent(theme)))
        .title_bottom(Span::styled(" type to filter · ↑/↓ · Enter switch · Esc ", style::dim(theme)));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}
