//! Every screen at the sizes on-call engineers use (issue 18): 80×24 (a laptop over SSH),
//! 120×32 and 200×50, and 60×20 where it degrades. Snapshots of the text, drawn through
//! `App::update` and `view::render` on `TestBackend`; the refresh time is pinned.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use kdrift::training::scenario;
use kdrift::tui::app::{App, Msg, Options};
use kdrift::tui::train_state::Training;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::screen::{demo, draw, press, text};

const SIZES: [(u16, u16); 4] = [(60, 20), (80, 24), (120, 32), (200, 50)];

/// The screen after `keys`, with the refresh time pinned.
fn shown(app: &mut App, terminal: &mut Terminal<TestBackend>, keys: &str) -> String {
    press(app, keys);
    app.loaded_at = Some(1_780_909_800);
    text(&draw(app, terminal))
}

#[test]
fn every_investigation_screen_at_every_size() {
    for (width, height) in SIZES {
        let (mut app, mut terminal) = demo(width, height);
        let size = format!("{width}x{height}");
        for (name, keys) in [
            ("apps", ""),
            ("resources", "\n"),
            ("diff", "\n"),
            ("value", "v"),
            ("search", "\x1b/replicas\n"),
            ("raw", "\x1by"),
            ("every_field", "yf"),
            ("wrapped", "fw"),
            ("help", "?"),
            ("runbook", "xr"),
        ] {
            let screen = shown(&mut app, &mut terminal, keys);
            insta::assert_snapshot!(format!("{name}_{size}"), screen);
        }
    }
}

#[test]
fn every_training_screen_at_every_size() {
    for (width, height) in SIZES {
        let scenarios = scenario::embedded().unwrap();
        let mut app = App::training(Training::new(scenarios, None, "ana".to_owned()), None, Options::default());
        app.update(Msg::Resize(width, height));
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        let size = format!("{width}x{height}");
        for (name, keys) in [
            ("picker", ""),
            ("briefing", "\n"),
            ("predict", "\n"),
            ("feedback", "2"),
            ("classify", " 2 "),
            ("owner", "3 "),
        ] {
            let screen = shown(&mut app, &mut terminal, keys);
            insta::assert_snapshot!(format!("train_{name}_{size}"), screen);
        }
    }
}

/// The apps screen of several clusters (a CLUSTER column), with one app whose findings
/// changed since the responder looked (Δ).
#[test]
fn the_apps_screen_of_several_clusters_with_a_change_marked_at_every_size() {
    for (width, height) in SIZES {
        let (mut app, mut terminal) = demo(width, height);
        for (index, data) in app.data.apps.iter_mut().enumerate() {
            data.report.cluster = Some(if index % 2 == 0 { "prod-eu-west-1" } else { "prod-us-east-1" }.to_owned());
        }
        let changed = kdrift::tui::changes::app_id(&app.data.apps[1]);
        app.live.changed_apps.insert(changed);
        app.live.watching = Some(3);
        let screen = shown(&mut app, &mut terminal, "");
        insta::assert_snapshot!(format!("fleet_apps_{width}x{height}"), screen);
    }
}
