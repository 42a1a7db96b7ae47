//! The TUI driven as a user drives it, for the TUI test files: the demo loaded as the event
//! loop loads it, keys through `App::update`, frames drawn with `view::render` on ratatui's
//! `TestBackend`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdrift::engine::{EngineConfig, Manifest, compare_app};
use kdrift::investigate::{AppData, Investigation, Pair, Request};
use kdrift::model::health::{PodSummary, PodsSeen};
use kdrift::tui::app::{App, Msg, Options};
use kdrift::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use serde_json::Value;

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

/// Live pods, and the Warning events about pods among `objects`.
fn pods_seen(objects: &[Value]) -> PodsSeen {
    let mut seen = PodsSeen::default();
    for object in objects {
        if let Some(pod) = PodSummary::of(object, "prod") {
            seen.add_pod(pod);
        } else if let Some(warning) = kdrift::engine::events::pod_warning(object) {
            seen.add_warning(warning);
        }
    }
    seen
}

/// One app whose only resource is `live` against `desired`, with live `pods`.
pub fn app_on(desired: Value, live: Value, pods: &[Value], width: u16, height: u16) -> (App, Terminal<TestBackend>) {
    let manifest = |object: &Value| Manifest { object: object.clone(), origin: "test".to_owned() };
    let report = compare_app(
        &EngineConfig::default(),
        "web",
        "prod",
        Some(1_780_909_800),
        vec![manifest(&desired)],
        vec![manifest(&live)],
    )
    .unwrap();
    let key = report.resources[0].key();
    let data = AppData {
        report,
        origin: "test".to_owned(),
        source: kdrift::investigate::SourceKind::Snapshot,
        namespace: "prod".to_owned(),
        objects: [(key, Pair::new(Some(&desired), Some(&live)))].into(),
        now: Some(1_780_909_800),
        pods: pods_seen(pods),
        resident: None,
        overview: None,
        audit: None,
    };
    let mut app = App::new(Request::Samples, Options { read_only: true, ..Options::default() });
    app.update(Msg::Resize(width, height));
    app.update(Msg::Loaded(Ok(Investigation { apps: vec![data], ..Investigation::default() })));
    (app, Terminal::new(TestBackend::new(width, height)).unwrap())
}
