//! The investigator at 3 a.m. (issue 18), at 80×24 as on a laptop over SSH: the whole value
//! of a line with who set it, search in the diff and the raw YAML, copying a value, a path or
//! a rule, the reader's place kept across `f` and `y`, long values cut where they differ,
//! and Ctrl-C leaving from any screen. Driven through `App::update`, drawn on `TestBackend`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use kdrift::investigate::Request;
use kdrift::tui::app::{App, Msg};
use kdrift::tui::keys::Screen;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use serde_json::{Value, json};
use support::screen::{app_on, demo, draw, find, press, press_ctrl, text};

/// The text of the focused row's live side.
fn focused_live(app: &App) -> String {
    let row = app.diff.as_ref().and_then(|d| d.focused_row()).expect("a focused row");
    row.right.as_ref().map(|c| c.text.trim().to_owned()).unwrap_or_default()
}

#[test]
fn the_whole_value_shows_both_sides_who_set_it_and_copies_value_path_and_rule() {
    let (mut app, mut terminal) = demo(80, 24);
    press(&mut app, "\n\n");
    assert_eq!(focused_live(&app), "memory: 2Gi");
    press(&mut app, "v");
    let screen = text(&draw(&app, &mut terminal));
    for shown in [
        "path    spec.template.spec.containers[name=app].resources.limits.memory",
        "pointer /spec/template/spec/containers/0/resources/limits/memory",
        "Git (desired) · line 32",
        "   512Mi",
        "live (cluster) · line 34 · ▲ human · marco.rossi@example.com via",
        "kubectl-edit · Update · 43d ago",
        "who     groups sre-oncall · from 10.20.4.22 · audit",
        "   2Gi",
        "copy 1 live 2 Git 3 path 4 pointer 5 rule",
    ] {
        assert!(screen.contains(shown), "the panel shows {shown:?}:\n{screen}");
    }
    press(&mut app, "3");
    assert_eq!(
        app.clipboard.take().as_deref(),
        Some("spec.template.spec.containers[name=app].resources.limits.memory")
    );
    let notice = text(&draw(&app, &mut terminal));
    assert!(notice.contains("copied path (OSC 52): spec.template"), "{notice}");
    press(&mut app, "4");
    assert_eq!(app.clipboard.take().as_deref(), Some("/spec/template/spec/containers/0/resources/limits/memory"));
    press(&mut app, "1");
    assert_eq!(app.clipboard.take().as_deref(), Some("2Gi"));
    press(&mut app, "2");
    assert_eq!(app.clipboard.take().as_deref(), Some("512Mi"));
    press(&mut app, "5");
    let rule = app.clipboard.take().expect("the rule is copied");
    let parsed: Value = yaml_serde::from_str(&rule).expect("the rule is YAML");
    assert_eq!(
        parsed,
        json!([{"group": "apps", "kind": "Deployment", "name": "checkout-api", "namespace": "prod",
            "jsonPointers": ["/spec/template/spec/containers/0/resources/limits/memory"]}])
    );
    press(&mut app, "\x1b");
    assert!(app.value_panel.is_none(), "Esc closes the panel");
    assert_eq!(app.screen, Screen::Diff, "and only the panel");
    // A fold has no value of its own.
    press(&mut app, "gv");
    assert!(app.value_panel.is_none());
    assert!(text(&draw(&app, &mut terminal)).contains("a folded run has no value of its own"));
}

#[test]
fn the_footer_names_the_owner_both_values_and_the_keys_at_80_by_24() {
    let (mut app, mut terminal) = demo(80, 24);
    press(&mut app, "\n\n");
    let screen = text(&draw(&app, &mut terminal));
    let footer: Vec<&str> = screen.lines().rev().take(3).collect();
    assert_eq!(footer[2].trim(), "▲ human · marco.rossi@example.com via kubectl-edit · Update · 43d ago");
    assert!(footer[1].starts_with(" Git 512Mi → live 2Gi · HIGH desired-config → backport:"), "{screen}");
    assert!(footer[0].contains("/ search") && footer[0].contains("v value/copy") && footer[0].contains("Esc back"));
}

#[test]
fn search_finds_text_on_both_sides_highlights_it_and_walks_matches() {
    let (mut app, mut terminal) = demo(80, 24);
    press(&mut app, "\n\n/replicas\n");
    assert_eq!(focused_live(&app), "replicas: 9");
    let buffer = draw(&app, &mut terminal);
    let screen = text(&buffer);
    assert!(screen.contains("'replicas' 1 of 1 · n/N match"), "{screen}");
    let (x, y) = find(&buffer, "replicas: 9").unwrap();
    assert!(buffer[(x, y)].modifier.contains(Modifier::REVERSED), "the match is highlighted");
    assert!(!buffer[(x + 9, y)].modifier.contains(Modifier::REVERSED), "and only the match");
    press(&mut app, "n");
    assert_eq!(focused_live(&app), "replicas: 9", "one match: n stays on it");
    // Esc clears the search first; n walks the findings again.
    press(&mut app, "\x1b");
    assert_eq!(app.screen, Screen::Diff);
    assert!(app.diff.as_ref().unwrap().search.is_none());
    press(&mut app, "n");
    assert_eq!(focused_live(&app), "memory: 2Gi");
    // Folded lines are searched too, and open when reached; capitals match exactly.
    press(&mut app, "/ProgressDeadline\n");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("no match for 'ProgressDeadline'"), "{screen}");
    press(&mut app, "/containerport\n");
    assert_eq!(focused_live(&app), "- containerPort: 8080");
}

#[test]
fn search_in_the_raw_yaml_walks_its_lines_and_n_never_jumps_to_unrelated_ones() {
    let (mut app, mut terminal) = demo(80, 24);
    press(&mut app, "\n\ny");
    let cursor = |app: &App| app.diff.as_ref().unwrap().cursor;
    press(&mut app, "n");
    assert_eq!(cursor(&app), 0, "without a search, n does nothing in the raw view");
    press(&mut app, "/manager:\n");
    let first = cursor(&app);
    assert!(app.diff.as_ref().unwrap().raw[first].contains("manager:"));
    press(&mut app, "n");
    let second = cursor(&app);
    assert!(second > first && app.diff.as_ref().unwrap().raw[second].contains("manager:"));
    press(&mut app, "N");
    assert_eq!(cursor(&app), first);
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("'manager:' 1 of"), "{screen}");
}

#[test]
fn the_readers_place_survives_every_field_and_the_raw_view() {
    let (mut app, mut terminal) = demo(120, 40);
    press(&mut app, "\n\n");
    // Open the first fold, then go to the replicas line.
    press(&mut app, "gz");
    press(&mut app, "/replicas\n\x1b");
    assert_eq!(focused_live(&app), "replicas: 9");
    press(&mut app, "f");
    assert!(app.diff.as_ref().unwrap().full);
    assert_eq!(focused_live(&app), "replicas: 9", "f keeps the cursor on its field");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("apiVersion: apps/v1"), "f keeps the opened fold open: {screen}");
    press(&mut app, "f");
    assert_eq!(focused_live(&app), "replicas: 9");
    // The raw view has its own cursor; leaving it returns to the line the reader was on.
    press(&mut app, "yjjjy");
    assert_eq!(focused_live(&app), "replicas: 9", "y keeps the cursor");
}

fn config_map(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "namespace": "prod",
        "managedFields": [{"manager": "kubectl-edit", "operation": "Update", "apiVersion": "v1",
            "time": "2026-06-01T10:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:image": {}, "f:config.yaml": {}}}}]}, "data": data})
}

#[test]
fn a_long_value_is_cut_where_it_differs_and_a_multi_line_one_reads_whole() {
    let image = |tag: &str| format!("registry.example.com/payments/payment-service-with-a-long-name:{tag}");
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "namespace": "prod"},
        "data": {"image": image("v1.4.2"), "config.yaml": "listen: 8080\nlog: info\n"}});
    let live = config_map(json!({"image": image("v1.4.3-hotfix"), "config.yaml": "listen: 8080\nlog: debug\n"}));
    let (mut app, mut terminal) = app_on(desired, live, &[], 80, 24);
    press(&mut app, "\n\n");
    let screen = text(&draw(&app, &mut terminal));
    let body = |screen: &str| screen.lines().take(20).collect::<Vec<_>>().join("\n");
    // The body itself, not only the footer: one long word differs only at its end.
    assert!(
        body(&screen).contains("v1.4.2") && body(&screen).contains("v1.4.3"),
        "both sides show where they differ:\n{screen}"
    );
    assert!(!body(&screen).contains("image: registry.example.com/pay"), "so not from the start:\n{screen}");
    // The footer's values too.
    let footer: Vec<&str> = screen.lines().rev().take(3).collect();
    assert!(footer[1].contains("v1.4.2 → live ") && footer[1].contains("v1.4.3"), "{screen}");
    // Scrolling right goes on from there, not back to near the line's start.
    press(&mut app, "/image:\n\x1bl");
    let screen = text(&draw(&app, &mut terminal));
    assert!(app.diff.as_ref().unwrap().left > 8, "{screen}");
    assert!(body(&screen).contains("hotfix") && !body(&screen).contains("payments/pay"), "{screen}");
    // The multi-line value reads as its lines, not as one escaped string.
    press(&mut app, "/log\nv");
    let panel = text(&draw(&app, &mut terminal));
    for line in ["   listen: 8080", "   log: info", "   log: debug"] {
        assert!(panel.contains(line), "{line:?} in:\n{panel}");
    }
    press(&mut app, "1");
    assert_eq!(app.clipboard.take().as_deref(), Some("listen: 8080\nlog: debug\n"));
}

#[test]
fn a_secret_is_copied_as_the_screen_shows_it_masked() {
    let secret = |value: &str| {
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "web", "namespace": "prod"},
            "data": {"password": value}})
    };
    let (mut app, mut terminal) = app_on(secret("aHVudGVyMg=="), secret("c3dvcmRmaXNo"), &[], 80, 24);
    press(&mut app, "\n\nv1");
    let copied = app.clipboard.take().expect("something is copied");
    let screen = text(&draw(&app, &mut terminal));
    for clear in ["aHVudGVyMg==", "c3dvcmRmaXNo", "hunter2", "swordfish"] {
        assert!(!copied.contains(clear) && !screen.contains(clear), "{clear} leaked: {copied} / {screen}");
    }
}

#[test]
fn ctrl_c_quits_from_every_screen() {
    let at = |keys: &str| {
        let (mut app, _terminal) = demo(80, 24);
        press(&mut app, keys);
        app
    };
    for (keys, screen) in [
        ("", Screen::Apps),
        ("\n", Screen::Resources),
        ("\n\n", Screen::Diff),
        ("\n\nv", Screen::Diff),
        ("\n\n?", Screen::Diff),
        ("\n\nr", Screen::Runbook),
    ] {
        let mut app = at(keys);
        assert_eq!(app.screen, screen, "{keys:?}");
        press_ctrl(&mut app, 'c');
        assert!(app.quit, "Ctrl-C quits from {screen:?} ({keys:?})");
    }
    // A prompt is cancelled first, as in a shell.
    let mut app = at("\n\n/x");
    press_ctrl(&mut app, 'c');
    assert!(!app.quit && app.prompt.is_none());
    press_ctrl(&mut app, 'c');
    assert!(app.quit);
}

#[test]
fn the_header_keeps_the_write_mode_at_any_width() {
    for width in [60u16, 80, 120, 200] {
        let (mut app, mut terminal) = demo(width, 24);
        press(&mut app, ":incident INC-2041\n");
        let screen = text(&draw(&app, &mut terminal));
        let header = screen.lines().next().unwrap();
        assert!(header.contains("2 namespaces │ [SIM] │ incident INC-204"), "{width}: {header}");
        assert_eq!(header.contains("samples (embedded)"), width >= 80, "the source is cut last: {header}");
        assert_eq!(header.contains("theme default"), width >= 120, "the theme goes first when room is short: {header}");
    }
}

#[test]
fn help_scrolls_when_the_terminal_is_shorter_than_it() {
    let (mut app, mut terminal) = demo(80, 24);
    press(&mut app, "\n\n?");
    let first = text(&draw(&app, &mut terminal));
    assert!(first.contains("↓ j/k scroll · any other key closes"), "{first}");
    assert!(!first.contains("? other"), "the owner legend is below the fold:\n{first}");
    press(&mut app, &"j".repeat(40));
    let last = text(&draw(&app, &mut terminal));
    assert!(app.help.is_some(), "j scrolls, it does not close help");
    assert!(last.contains("· deflt (API server default)  ? other"), "{last}");
    assert!(!last.contains("↓ j/k scroll"), "at the end, nothing more to scroll to: {last}");
    press(&mut app, "x");
    assert!(app.help.is_none());
}

#[test]
fn every_field_view_draws_defaults_and_controller_fields_apart_from_drift() {
    let (mut app, mut terminal) = demo(160, 60);
    press(&mut app, "\n\nf");
    let buffer = draw(&app, &mut terminal);
    let screen = text(&buffer);
    let theme = kdrift::theme::Theme::builtin();
    let (x, y) = find(&buffer, "progressDeadlineSeconds: 600").expect(&screen);
    let line: String = screen.lines().nth(usize::from(y)).unwrap().to_owned();
    assert!(line.contains("· ") && !line.contains("+ "), "a default is not marked as added drift: {line}");
    assert_eq!(buffer[(x, y)].fg, kdrift::tui::style::color(theme.server_default));
    let (x, y) = find(&buffer, "memory: 2Gi").unwrap();
    assert!(screen.lines().nth(usize::from(y)).unwrap().contains("+ "), "drift keeps its +");
    assert_eq!(buffer[(x, y)].fg, kdrift::tui::style::color(theme.changed), "and its colour");
}

#[test]
fn filters_match_every_column_a_list_shows() {
    let (mut app, mut terminal) = demo(120, 32);
    press(&mut app, "/high");
    let high = app.visible_apps().len();
    assert!(high > 0 && high < app.data.apps.len(), "severity filters the apps: {high}");
    press(&mut app, "\x1b/outofsync");
    assert_eq!(app.visible_apps().len(), app.data.apps.len(), "so does the SYNC column");
    press(&mut app, "\x1b\n");
    let mut rows = |app: &mut App, filter: &str| {
        press(app, &format!("/{filter}\n"));
        let shown = text(&draw(app, &mut terminal));
        press(app, "/");
        app.update(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Esc)));
        shown.lines().skip(3).take_while(|l| !l.trim().is_empty()).map(str::to_owned).collect::<Vec<_>>()
    };
    let orphan = rows(&mut app, "orphan");
    assert_eq!(orphan.len(), 1, "{orphan:?}");
    assert!(orphan[0].contains("Service checkout-api-legacy") && orphan[0].contains("orphan"), "{orphan:?}");
    let high = rows(&mut app, "high");
    assert_eq!(high.len(), 2, "the memory limit and the orphan: {high:?}");
    let human = rows(&mut app, "human");
    assert_eq!(human.len(), 1, "{human:?}");
    assert!(human[0].contains("▲ kubectl-edit") && human[0].contains("desired-config"), "{human:?}");
    let synced = rows(&mut app, "in sync");
    assert_eq!(synced.len(), 3, "{synced:?}");
}

#[test]
fn apps_of_the_same_name_are_told_apart_at_80_by_24() {
    let (mut app, mut terminal) = demo(80, 24);
    let screen = text(&draw(&app, &mut terminal));
    let twins: Vec<&str> = screen.lines().filter(|l| l.trim_start().starts_with("checkout-api ")).collect();
    assert_eq!(twins.len(), 2, "{screen}");
    assert!(twins[0].ends_with(" checkout-a"), "the source shows: {twins:?}");
    assert!(twins[1].ends_with(" flux-apply"), "{twins:?}");
    press(&mut app, "j\n");
    let crumb = text(&draw(&app, &mut terminal));
    assert!(crumb.contains("Apps › checkout-api (sample flux-apply-failed)"), "{crumb}");
    press(&mut app, "\x1bk\n");
    let other = text(&draw(&app, &mut terminal));
    assert!(other.contains("Apps › checkout-api (sample checkout-api)"), "{other}");
}

#[test]
fn the_runbook_footer_shows_the_keys_of_the_step_at_80_by_24() {
    let (mut app, mut terminal) = demo(80, 24);
    press(&mut app, "\n\nr");
    let footer = |app: &App, terminal: &mut Terminal<TestBackend>| {
        text(&draw(app, terminal)).lines().last().unwrap_or_default().to_owned()
    };
    assert_eq!(
        footer(&app, &mut terminal).trim(),
        "space tick  Tab next step  S-Tab back  :skip REASON  ? help  Esc back"
    );
    for _ in 0..3 {
        while app.runbook.as_ref().unwrap().runbook.blocker().is_some() {
            let screen = app.runbook.as_mut().unwrap();
            screen.selected = screen.runbook.first_open();
            press(&mut app, " ");
        }
        app.update(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Tab)));
    }
    let decide = footer(&app, &mut terminal);
    assert!(decide.starts_with(" s sync  b backport  i ignore  p prune  e escalate"), "{decide}");
    assert!(decide.chars().count() <= 80);
}

fn mouse(app: &mut App, kind: crossterm::event::MouseEventKind, row: u16) {
    let event = crossterm::event::MouseEvent { kind, column: 10, row, modifiers: crossterm::event::KeyModifiers::NONE };
    app.update(Msg::Mouse(event));
}

#[test]
fn the_mouse_selects_opens_and_scrolls_once_turned_on() {
    use crossterm::event::{MouseButton, MouseEventKind};
    let click = MouseEventKind::Down(MouseButton::Left);
    let (mut app, mut terminal) = demo(80, 24);
    mouse(&mut app, click, 5);
    assert_eq!(app.apps.selected, 0, "off by default: the terminal keeps its text selection");
    press(&mut app, ":mouse\n");
    assert!(app.mouse);
    assert!(text(&draw(&app, &mut terminal)).contains("mouse on"));
    // Row 5 is the third app (rows 0-2: header, title, headings).
    mouse(&mut app, click, 5);
    assert_eq!(app.apps.selected, 2);
    mouse(&mut app, click, 5);
    assert_eq!(app.screen, Screen::Resources, "a second click opens");
    // The first row is selected already: one click opens it.
    mouse(&mut app, click, 3);
    assert_eq!(app.screen, Screen::Diff);
    let before = app.diff.as_ref().unwrap().cursor;
    mouse(&mut app, MouseEventKind::ScrollUp, 10);
    assert_eq!(app.diff.as_ref().unwrap().cursor, before - 3, "the wheel moves three lines");
    let top = app.diff.as_ref().unwrap().top;
    mouse(&mut app, click, 4);
    assert_eq!(app.diff.as_ref().unwrap().cursor, top + 1, "a click focuses the line under it");
    mouse(&mut app, click, 4);
    assert!(app.value_panel.is_some(), "a second click shows its whole value");
    mouse(&mut app, click, 8);
    assert_eq!(app.diff.as_ref().unwrap().cursor, top + 1, "the panel owns the screen meanwhile");
    press(&mut app, "\x1b:mouse\n");
    assert!(!app.mouse);
}

#[test]
fn pickers_list_what_there_is_and_switch_to_the_choice() {
    use kdrift::tui::app::Effect;
    use kdrift::tui::picker::PickKind;
    let (mut app, mut terminal) = demo(80, 24);
    press(&mut app, ":ctx\n");
    assert!(app.picker.is_none());
    assert!(text(&draw(&app, &mut terminal)).contains("has no kubeconfig contexts"));
    press(&mut app, ":sample\n");
    let picker = text(&draw(&app, &mut terminal));
    assert!(picker.contains("embedded samples") && picker.contains("hpa-replicas"), "{picker}");
    press(&mut app, "hpa");
    let filtered = text(&draw(&app, &mut terminal));
    assert!(filtered.contains("hpa-replicas") && !filtered.contains("memory-hotfix"), "{filtered}");
    let effects = app.update(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter)));
    assert!(app.picker.is_none());
    let Some(Effect::Load(Request::Sources(spec), _)) = effects.first() else { panic!("{effects:?}") };
    assert_eq!(spec.sample.as_deref(), Some("hpa-replicas"));
    press(&mut app, ":sample nope\n");
    assert!(text(&draw(&app, &mut terminal)).contains("no sample named 'nope'"));

    // On a cluster: the list is read by a worker; a refusal falls back to what is loaded.
    let mut spec = kdrift::investigate::SourceSpec::sample("none");
    spec.sample = None;
    let cluster = Request::Sources(Box::new(spec));
    let (mut app, mut terminal) = demo(80, 24);
    app.request = cluster;
    let effects = app.update(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(':'))));
    assert!(effects.is_empty());
    press(&mut app, "ns");
    let effects = app.update(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter)));
    assert!(matches!(effects.first(), Some(Effect::List(PickKind::Namespace, _))), "{effects:?}");
    assert!(text(&draw(&app, &mut terminal)).contains("reading…"));
    app.update(Msg::Listed(PickKind::Namespace, Err("namespaces: forbidden (403)".to_owned())));
    let fallback = text(&draw(&app, &mut terminal));
    assert!(fallback.contains("forbidden (403); showing the") && fallback.contains("loaded apps"), "{fallback}");
    assert!(fallback.contains("prod"), "{fallback}");
}

#[test]
fn a_long_banner_is_read_whole_not_cut_at_the_edge() {
    let (mut app, mut terminal) = demo(80, 24);
    let refused = "context 'prod-eu-west-1': the API server at https://10.20.30.40:6443 is unreachable: \
        Connection refused (os error 111); retry with Ctrl-r";
    app.update(Msg::Loaded(Err(kdrift::investigate::InvestigateError::Catalog(refused.to_owned()).into())));
    let screen = text(&draw(&app, &mut terminal));
    let joined: String = screen.lines().skip(1).take(3).map(str::trim).collect::<Vec<_>>().join(" ");
    assert!(joined.contains("Connection refused (os error 111); retry with Ctrl-r"), "{screen}");
    assert!(screen.contains("checkout-api"), "the last good view stays below it: {screen}");
    press(&mut app, "j");
    assert_eq!(app.apps.selected, 1, "and keys still work");
}

#[test]
fn step_one_of_the_runbook_shows_the_workloads_pods_not_a_checkbox() {
    // The embedded memory hotfix: three pods running since the 2Gi edit.
    let (mut app, mut terminal) = demo(120, 40);
    let storefront = app.visible_apps().iter().position(|&i| app.data.apps[i].report.name == "storefront-api").unwrap();
    press(&mut app, &format!("{}\n\nr", "j".repeat(storefront)));
    let step = text(&draw(&app, &mut terminal));
    assert!(step.contains("The workload's pods are healthy, whatever the sync status"), "{step}");
    assert!(step.contains("pods 3/3 ready · 0 restarts · 0 OOMKilled · 0 in CrashLoopBackOff"), "{step}");
    assert!(!step.contains("Check the workload's health"), "no box to tick instead: {step}");

    // Pods that crash: a warning to acknowledge before the next step.
    let deployment = |memory: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "prod"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "app", "resources": {"limits": {"memory": memory}}}]}}}})
    };
    let pod = |name: &str, ready: bool, last: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "prod", "labels": {"app": "web"}},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": ready, "restartCount": 4,
                "state": if ready { json!({"running": {}}) } else { json!({"waiting": {"reason": "CrashLoopBackOff"}}) },
                "lastState": {"terminated": {"reason": last}}}]}})
    };
    // And what the kubelet warned about those pods (not about another workload's).
    let warning = |pod: &str, reason: &str, at: &str| {
        json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": format!("{pod}.1"), "namespace": "prod"},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": pod}, "type": "Warning",
            "reason": reason, "message": format!("{reason} seen"), "count": 6, "lastTimestamp": at})
    };
    let pods = [
        pod("web-1", true, "OOMKilled"),
        pod("web-2", false, "OOMKilled"),
        warning("web-2", "BackOff", "2026-06-08T08:50:00Z"),
        warning("other-1", "FailedMount", "2026-06-08T08:55:00Z"),
    ];
    let (mut app, mut terminal) = app_on(deployment("512Mi"), deployment("2Gi"), &pods, 120, 40);
    press(&mut app, "\n\nr");
    let step = text(&draw(&app, &mut terminal));
    assert!(step.contains("pods 1/2 ready · 8 restarts · 2 OOMKilled · 1 in CrashLoopBackOff"), "{step}");
    assert!(step.contains("warning BackOff ×6 on pod web-2: BackOff seen"), "{step}");
    assert!(!step.contains("FailedMount"), "{step}");
    assert!(app.runbook.as_ref().unwrap().runbook.blocker().is_some(), "unhealthy pods are acknowledged first");
}

#[test]
fn the_owner_column_names_the_team_from_the_objects_labels() {
    let (mut app, mut terminal) = demo(120, 32);
    let screen = text(&draw(&app, &mut terminal));
    let row = screen.lines().find(|l| l.trim_start().starts_with("checkout-api ")).unwrap();
    assert!(row.contains("payments"), "the team label of its objects: {row}");
    press(&mut app, "/payments");
    assert!(!app.visible_apps().is_empty() && app.visible_apps().len() < app.data.apps.len());
    // The labels looked for come from the config.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "owner_labels = [\"nothing-here\"]\n").unwrap();
    let start = kdrift::tui::Start { config: Some(dir.path().join("config.toml")), ..Default::default() };
    let (options, _) = kdrift::tui::options(&start).unwrap();
    assert_eq!(options.owner_labels, ["nothing-here"]);
    let mut app = App::new(Request::Samples, options);
    app.update(Msg::Resize(120, 32));
    app.update(Msg::Loaded(kdrift::tui::load(&Request::Samples)));
    assert!(app.summaries.iter().all(|s| s.team.is_none()));
}

#[test]
fn each_side_of_a_changed_block_gives_the_value_of_its_own_field() {
    let limits = |value: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "namespace": "prod"}, "data": value});
    // Git has cpu then memory; live only memory: the block pairs `cpu` with `memory` by position.
    let desired = limits(json!({"cpu": "1", "memory": "1Gi"}));
    let live = limits(json!({"memory": "2Gi"}));
    let (mut app, mut terminal) = app_on(desired, live, &[], 120, 30);
    press(&mut app, "\n\n/2Gi\n");
    assert_eq!(focused_live(&app), "memory: 2Gi");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("Git 1Gi → live 2Gi"), "memory's own Git value, not cpu's: {screen}");
    press(&mut app, "\x1bv2");
    assert_eq!(app.clipboard.take().as_deref(), Some("1Gi"));
    press(&mut app, "3");
    assert_eq!(app.clipboard.take().as_deref(), Some("data.memory"));
}

/// A ConfigMap whose keys hold values too long for any column, each changed at its end.
fn long_values(keys: usize) -> (Value, Value) {
    let value = |key: usize, end: &str| format!("{}{end}", format!("segment{key:02}-").repeat(12));
    let data = |end: &str| (0..keys).map(|key| (format!("k{key:02}"), json!(value(key, end)))).collect();
    let object = |data: serde_json::Map<String, Value>| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "long", "namespace": "prod"}, "data": data});
    (object(data("GIT")), object(data("LIVE")))
}

#[test]
fn w_wraps_long_lines_whole_keeps_the_cursor_line_in_view_and_cuts_them_again() {
    let (desired, live) = long_values(12);
    let (mut app, mut terminal) = app_on(desired, live, &[], 80, 24);
    press(&mut app, "\n\n");
    let screen = text(&draw(&app, &mut terminal));
    let body = |screen: &str| screen.lines().take(20).collect::<Vec<_>>().join("\n");
    assert!(!body(&screen).contains("k00: segment00"), "cut near the change, the start is hidden:\n{screen}");
    press(&mut app, "w");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("live (cluster, wrapped)"), "{screen}");
    // The focused value, read back from its pieces, is the whole value.
    let diff = app.diff.as_ref().unwrap();
    let whole = diff.focused_row().unwrap().right.as_ref().unwrap().text.trim().to_owned();
    let live_side: String = screen
        .lines()
        .skip(3)
        .take_while(|line| !line.starts_with(" ▲") && !line.trim().is_empty())
        .filter_map(|line| line.split('│').nth(1))
        // A space, the line number (two digits here), the marker and a space, then the text.
        .map(|side| side.chars().skip(5).collect::<String>())
        .collect::<Vec<_>>()
        .join("");
    assert!(live_side.replace(' ', "").contains(&whole.replace(' ', "")), "{whole} in\n{screen}");
    // The last line, far down: every piece of it on screen, its end included.
    press(&mut app, "G");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("▶"), "{screen}");
    assert!(body(&screen).contains("k11: segment11"), "the cursor line's start shows:\n{screen}");
    let last = body(&screen).lines().rfind(|l| !l.trim().is_empty()).unwrap().to_owned();
    assert!(last.contains("LIVE"), "and its end, last:\n{screen}");
    let diff = app.diff.as_ref().unwrap();
    let height = app.body_height() - 1;
    let used: usize = (diff.top..=diff.cursor).map(|i| diff.line_height(i)).sum();
    assert!(used <= height, "the lines from the top to the cursor fit: {used} > {height}");
    // h/l do nothing while wrapped; w again cuts, and says so.
    press(&mut app, "l");
    assert_eq!(app.diff.as_ref().unwrap().left, 0);
    press(&mut app, "w");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("live (cluster)") && !screen.contains("wrapped"), "{screen}");
    assert!(screen.contains('…'), "cut lines say so:\n{screen}");
}

#[test]
fn a_click_below_wrapped_lines_focuses_the_line_drawn_there_and_the_raw_view_wraps_too() {
    use crossterm::event::{MouseButton, MouseEventKind};
    let (desired, live) = long_values(3);
    let (mut app, mut terminal) = app_on(desired, live, &[], 80, 24);
    press(&mut app, "\n\n:mouse\nwg");
    let buffer = draw(&app, &mut terminal);
    let (_, y) = find(&buffer, "k02:").expect("the third key shows");
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), y);
    assert_eq!(focused_live(&app).split(':').next(), Some("k02"), "{}", text(&buffer));
    // The raw view wraps as well: the long value's end is on screen without scrolling.
    press(&mut app, "y");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("LIVE"), "{screen}");
    press(&mut app, "w");
    let screen = text(&draw(&app, &mut terminal));
    assert!(!screen.contains("LIVE"), "cut again:\n{screen}");
}
