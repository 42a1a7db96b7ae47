//! The mouse, once turned on with `:mouse` (off by default, so the terminal's own text
//! selection keeps working): a click selects the list row or diff line under it, a click on
//! the row already selected opens it (a list row's next screen, a diff line's whole value),
//! and the wheel moves three lines as the arrow keys do.

use crate::tui::app::{App, Effect};
use crate::tui::keys::Screen;
use crate::tui::views::window_start;
use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};

/// The screen row of the first list row or diff line: under the header, a one-line title
/// and the column headings.
const FIRST_ROW: u16 = 3;
/// Lines one turn of the wheel moves.
const WHEEL_LINES: usize = 3;
/// The resources screen keeps this many lines under its list for the selected reason.
const REASON_LINES: u16 = 3;

impl App {
    pub(crate) fn mouse(&mut self, event: MouseEvent) -> Vec<Effect> {
        // Overlays and the prompt own the screen; the mouse waits for them to close.
        if !self.mouse
            || self.prompt.is_some()
            || self.help.is_some()
            || self.value_panel.is_some()
            || self.picker.is_some()
        {
            return Vec::new();
        }
        let arrow = match event.kind {
            MouseEventKind::ScrollDown => KeyCode::Down,
            MouseEventKind::ScrollUp => KeyCode::Up,
            MouseEventKind::Down(MouseButton::Left) => return self.click(event.row),
            _ => return Vec::new(),
        };
        let mut effects = Vec::new();
        for _ in 0..WHEEL_LINES {
            effects.extend(self.update(crate::tui::app::Msg::Key(KeyEvent::from(arrow))));
        }
        effects
    }

    /// Selects what is drawn on screen row `row`; a second click on it opens it.
    fn click(&mut self, row: u16) -> Vec<Effect> {
        let title = crate::tui::view::title_height(self);
        let Some(offset) = row.checked_sub(FIRST_ROW + title - 1).map(usize::from) else { return Vec::new() };
        // The body's height as the views lay it out: the terminal minus header, title, footer.
        let body = self.size.1.saturating_sub(1 + title + self.footer_height());
        match self.screen {
            Screen::Apps => {
                let height = usize::from(body.saturating_sub(1));
                let index = window_start(self.apps.selected, height) + offset;
                if offset >= height || index >= self.visible_apps().len() {
                    return Vec::new();
                }
                self.select_or_open(index, |app| &mut app.apps.selected)
            }
            Screen::Resources => {
                let height = usize::from(body.saturating_sub(REASON_LINES + 1));
                let index = window_start(self.resources.selected, height) + offset;
                if offset >= height || index >= self.resource_rows().len() {
                    return Vec::new();
                }
                self.select_or_open(index, |app| &mut app.resources.selected)
            }
            Screen::Diff => {
                let Some(diff) = &mut self.diff else { return Vec::new() };
                let Some(index) = diff.line_at(offset, usize::from(body.saturating_sub(1))) else {
                    return Vec::new();
                };
                if diff.cursor == index {
                    self.open_value_panel();
                } else {
                    diff.cursor = index;
                }
                Vec::new()
            }
            Screen::Runbook | Screen::Train => Vec::new(),
        }
    }

    /// Moves the selection to `index`, or opens it when it is selected already (as Enter).
    fn select_or_open(&mut self, index: usize, selected: fn(&mut App) -> &mut usize) -> Vec<Effect> {
        if *selected(self) == index {
            return self.update(crate::tui::app::Msg::Key(KeyEvent::from(KeyCode::Enter)));
        }
        *selected(self) = index;
        Vec::new()
    }
}
