//! TUI speed (issue #5, #18): one redraw of the diff screen for a 5,000-line manifest must
//! take ≤ 2 ms, with or without a search highlighting matches, because only the visible rows
//! are drawn from rows aligned once when the screen opens; opening (the alignment) is
//! measured too. Drawn on ratatui's TestBackend at 200×50.

#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark code

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdrift::engine::{EngineConfig, Manifest, compare_app};
use kdrift::investigate::{AppData, Investigation, Pair, Request};
use kdrift::tui::app::{App, Msg, Options};
use kdrift::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Map, Value, json};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// A ConfigMap of `keys` keys (one line each); every `edited`th value changed live by kubectl.
fn big_pair(keys: usize, edited: usize) -> (Value, Value) {
    let mut desired_data = Map::new();
    let mut live_data = Map::new();
    let mut owned = Map::new();
    for i in 0..keys {
        let key = format!("setting-{i:05}");
        desired_data.insert(key.clone(), Value::String(format!("value {i} of the service configuration")));
        let live = if i % edited == 0 {
            format!("value {i} changed by hand")
        } else {
            format!("value {i} of the service configuration")
        };
        live_data.insert(key.clone(), Value::String(live));
        owned.insert(format!("f:{key}"), json!({}));
    }
    let metadata = json!({"name": "big", "namespace": "prod"});
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": desired_data});
    let managed = json!([{"manager": "kubectl-edit", "operation": "Update", "apiVersion": "v1",
        "time": "2026-06-01T10:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:data": owned}}]);
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "big", "namespace": "prod", "managedFields": managed}, "data": live_data});
    (desired, live)
}

fn app_on_big_diff() -> App {
    app_on_diff(5_000, 500)
}

fn app_on_diff(keys: usize, edited: usize) -> App {
    let (desired, live) = big_pair(keys, edited);
    let manifest = |object: &Value| Manifest { object: object.clone(), origin: "bench".to_owned() };
    let report = compare_app(
        &EngineConfig::default(),
        "big",
        "prod",
        Some(1_780_909_800),
        vec![manifest(&desired)],
        vec![manifest(&live)],
    )
    .unwrap();
    let key = report.resources[0].key();
    let pair = Pair::new(Some(&desired), Some(&live));
    let data = AppData {
        report,
        origin: "bench".to_owned(),
        source: kdrift::investigate::SourceKind::Snapshot,
        namespace: "prod".to_owned(),
        objects: [(key, pair)].into(),
        now: Some(1_780_909_800),
        pods: Default::default(),
        resident: None,
        overview: None,
        audit: None,
    };
    let options = Options { read_only: true, ..Options::default() };
    let mut app = App::new(Request::Samples, options);
    app.update(Msg::Resize(200, 50));
    app.update(Msg::Loaded(Ok(Investigation { apps: vec![data], ..Investigation::default() })));
    app
}

/// The app opened on its resources screen, the one resource selected.
fn on_resources(mut app: App) -> App {
    enter(&mut app);
    app
}

/// Presses Enter and runs what it asks of a worker (a large diff's alignment), as the event
/// loop does.
fn enter(app: &mut App) {
    for effect in app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))) {
        let answer = kdrift::tui::perform(effect);
        app.update(answer);
    }
}

/// Opening the diff: normalize, align 5,000 lines, attribute every live line.
#[divan::bench(sample_count = 10)]
fn open_5000_line_diff(bencher: divan::Bencher) {
    bencher.with_inputs(|| on_resources(app_on_big_diff())).bench_local_values(|mut app| {
        enter(&mut app);
        assert!(app.diff.is_some());
        app
    });
}

/// Opening the diff of a 50,000-key ConfigMap with 5,000 keys edited (issue #17: ready in
/// ≤ 0.5 s): Enter returns at once with the alignment asked of a worker; the time is that
/// of the key plus the worker's alignment, as the event loop runs them.
#[divan::bench(sample_count = 5)]
fn open_50000_key_diff(bencher: divan::Bencher) {
    bencher.with_inputs(|| on_resources(app_on_diff(50_000, 10))).bench_local_values(|mut app| {
        enter(&mut app);
        assert!(app.diff.as_ref().is_some_and(|d| d.aligned.rows.len() >= 50_000));
        app
    });
}

/// The Enter key alone on the same ConfigMap: what the UI thread spends before it can take
/// the next key.
#[divan::bench(sample_count = 5)]
fn key_opening_50000_key_diff(bencher: divan::Bencher) {
    bencher.with_inputs(|| on_resources(app_on_diff(50_000, 10))).bench_local_values(|mut app| {
        let effects = app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
        assert_eq!(effects.len(), 1, "the alignment is a worker's");
        (app, effects)
    });
}

/// The resources screen of an app of 100,000 resources: one key (`j`) and the redraw that
/// follows (issue #17: every key ≤ 16 ms).
#[divan::bench(sample_count = 20)]
fn key_and_redraw_100k_resources(bencher: divan::Bencher) {
    let manifests = |edited: bool| -> Vec<Manifest> {
        (0..100_000)
            .map(|i| {
                let value = if edited && i % 100 == 0 { "edited" } else { "value" };
                let object = json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("settings-{i:06}"), "namespace": format!("team-{}", i % 50)},
                    "data": {"key": value}});
                Manifest { object, origin: "bench".to_owned() }
            })
            .collect()
    };
    let report =
        compare_app(&EngineConfig::default(), "big", "prod", Some(1_780_909_800), manifests(false), manifests(true))
            .unwrap();
    assert_eq!(report.resources.len(), 100_000);
    let data = AppData {
        report,
        origin: "bench".to_owned(),
        source: kdrift::investigate::SourceKind::Snapshot,
        namespace: "prod".to_owned(),
        objects: Default::default(),
        now: Some(1_780_909_800),
        pods: Default::default(),
        resident: None,
        overview: None,
        audit: None,
    };
    let mut app = App::new(Request::Samples, Options { read_only: true, ..Options::default() });
    app.update(Msg::Resize(200, 50));
    app.update(Msg::Loaded(Ok(Investigation { apps: vec![data], ..Investigation::default() })));
    enter(&mut app);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let down = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    bencher.bench_local(|| {
        app.update(Msg::Key(down));
        terminal.draw(|frame| view::render(frame, &app)).unwrap();
    });
}

/// One redraw of the open diff (the cursor moved a page), 200×50.
#[divan::bench(sample_count = 100)]
fn redraw_5000_line_diff(bencher: divan::Bencher) {
    redraw_paging(bencher, "", false);
}

/// The same with long lines wrapped (`w`) at 100×50, where every line takes two.
#[divan::bench(sample_count = 100)]
fn redraw_5000_line_diff_wrapped(bencher: divan::Bencher) {
    redraw_paging(bencher, "", true);
}

/// The same with a search whose matches are on every line (`value`), highlighted.
#[divan::bench(sample_count = 100)]
fn redraw_5000_line_diff_searching(bencher: divan::Bencher) {
    redraw_paging(bencher, "value", false);
}

/// Pages down and redraws, with `query` searched first (none when empty), wrapped or not.
fn redraw_paging(bencher: divan::Bencher, query: &str, wrap: bool) {
    let mut app = app_on_big_diff();
    let width = if wrap { 100 } else { 200 };
    app.update(Msg::Resize(width, 50));
    enter(&mut app);
    enter(&mut app);
    if wrap {
        app.update(Msg::Key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::NONE)));
        let diff = app.diff.as_ref().unwrap();
        assert!(diff.wrap.is_some() && diff.line_height(diff.cursor) >= 2);
    }
    if !query.is_empty() {
        let key = |code| Msg::Key(KeyEvent::new(code, KeyModifiers::NONE));
        app.update(key(KeyCode::Char('/')));
        for c in query.chars() {
            app.update(key(KeyCode::Char(c)));
        }
        app.update(key(KeyCode::Enter));
        assert!(app.diff.as_ref().unwrap().search.as_ref().is_some_and(|s| s.hits.len() >= 5_000));
    }
    let diff = app.diff.as_ref().unwrap();
    assert!(diff.aligned.rows.len() >= 5_000, "{} rows", diff.aligned.rows.len());
    let mut terminal = Terminal::new(TestBackend::new(width, 50)).unwrap();
    let page = KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE);
    bencher.bench_local(|| {
        app.update(Msg::Key(page));
        terminal.draw(|frame| view::render(frame, &app)).unwrap();
    });
}
