//! The TUI driven as a user drives it, for the TUI test files: the demo loaded as the event
//! loop loads it, keys through `App::update`, frames drawn with `view::render` on ratatui's
//! `TestBackend`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdrift::investigate::Request;
use kdrift::tui::app::{App, Msg, Options};
use kdrift::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

/// The demo's sample cluster, loaded as the event loop would load it.
pub fn demo(width: u16, height: u16) -> (App, Terminal<TestBackend>) {
    let mut app = App::new(Request::Samples, Options::default());
    let loaded = kdrift::tui::load(&Request::Samples);
    app.update(Msg::Resize(width, height));
    app.update(Msg::Loaded(loaded));
    (app, Terminal::new(TestBackend::new(width, height)).unwrap())
}

pub fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

pub fn draw(app: &App, terminal: &mut Terminal<TestBackend>) -> Buffer {
    terminal.draw(|frame| view::render(frame, app)).unwrap();
    terminal.backend().buffer().clone()
}

pub fn text(buffer: &Buffer) -> String {
    super::buffer_text(buffer)
}

/// The screen line holding `needle`, and the column where it starts.
pub fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let lines = text(buffer);
    lines.lines().enumerate().find_map(|(y, line)| {
        let byte = line.find(needle)?;
        Some((line[..byte].chars().count() as u16, y as u16))
    })
}

/// Ctrl plus `c`, as the terminal sends it.
pub fn press_ctrl(app: &mut App, c: char) {
    app.update(Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
}
