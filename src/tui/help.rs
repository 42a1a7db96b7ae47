//! The `?` help over every screen, built from the key table and the command table (so it
//! never lies about a key), scrolled with j/k when the terminal is shorter than it; any other
//! key closes it.

use crate::tui::app::App;
use crate::tui::keys::{self, Screen};
use crate::tui::style;
use crate::tui::view::centered;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

impl App {
    /// A key while help shows: scroll keys scroll it, any other closes it (and does nothing else).
    pub(crate) fn help_key(&mut self, key: KeyEvent) {
        let Some(scroll) = &mut self.help else { return };
        let page = usize::from(self.size.1).saturating_sub(4).max(1);
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => *scroll += 1,
            KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => *scroll += page,
            KeyCode::PageUp => *scroll = scroll.saturating_sub(page),
            _ => self.help = None,
        }
        // Never past the end: the drawing clamps, and so does the next key.
        let size = Rect::new(0, 0, self.size.0, self.size.1);
        let (_, most) = layout(size, &help_text(self));
        if let Some(scroll) = &mut self.help {
            *scroll = (*scroll).min(most);
        }
    }
}

/// Help's lines on this screen: the keys, the commands, the owner legend.
fn help_text(app: &App) -> Vec<Line<'static>> {
    let theme = &app.options.theme;
    let keys = keys::help_for(app.screen, app.read_only());
    // The key column as wide as its longest label, so no label runs into its text.
    let width = keys.iter().map(|(label, _)| label.chars().count()).max().unwrap_or(0) + 1;
    keys.into_iter()
        .map(|(label, help)| {
            Line::from(vec![Span::styled(format!(" {label:<width$}"), style::accent(theme)), Span::raw(help)])
        })
        .chain(commands_help(app))
        .chain([
            Line::default(),
            Line::from(Span::styled(
                " Owner marks: ◆ gitops  ● ctrl (controller)  ▲ human  ■ hook (webhook/operator)",
                style::dim(theme),
            )),
            Line::from(Span::styled("              · deflt (API server default)  ? other", style::dim(theme))),
            Line::from(Span::styled(
                " Δ: findings changed since you last opened it (on a cluster the lists follow its changes)",
                style::dim(theme),
            )),
        ])
        .collect()
}

/// The box help is drawn in, in a terminal of `size`, and how far it can scroll: its
/// wrapped lines past the box's height.
fn layout(size: Rect, lines: &[Line<'_>]) -> (Rect, usize) {
    let width = size.width.min(110);
    let wrapped = crate::tui::views::wrapped_rows(lines, width.saturating_sub(2));
    let area = centered(size, width, u16::try_from(wrapped + 2).unwrap_or(u16::MAX));
    (area, wrapped.saturating_sub(usize::from(area.height.saturating_sub(2))))
}

pub(crate) fn render(frame: &mut Frame<'_>, app: &App) {
    let theme = &app.options.theme;
    let lines = help_text(app);
    let (area, last) = layout(frame.area(), &lines);
    let scroll = app.help.unwrap_or(0).min(last);
    let more = if scroll < last { " ↓ j/k scroll · " } else { " " };
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Help: keys on this screen ", style::accent(theme)))
        .title_bottom(Span::styled(format!("{more}any other key closes "), style::dim(theme)));
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((scroll, 0)), area);
}

/// The `:` commands, from the table that runs them (none in training).
fn commands_help(app: &App) -> Vec<Line<'static>> {
    if app.screen == Screen::Train {
        return Vec::new();
    }
    let theme = &app.options.theme;
    let mut lines = vec![Line::default()];
    lines.extend(crate::tui::commands::COMMANDS.iter().map(|command| {
        Line::from(vec![Span::styled(format!(" {:<14}", command.usage), style::accent(theme)), Span::raw(command.help)])
    }));
    lines
}
