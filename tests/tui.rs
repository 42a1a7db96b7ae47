//! The TUI (issue 5), driven as a user drives it: key events go through the real
//! `App::update` path and every frame is drawn with `view::render` on ratatui's `TestBackend`.
//! The tests read the screen's text *and* its styles (insta snapshots drop colour, so the
//! ownership gutter's colours are asserted cell by cell), snapshot the layouts at 80×24 and
//! 200×50, and run the real binary in a pseudo-terminal.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdrift::investigate::Request;
use kdrift::model::ManagerClass;
use kdrift::theme::Theme;
use kdrift::tui::app::{App, Effect, Msg, Options};
use kdrift::tui::keys::Screen;
use kdrift::tui::style;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use support::screen::{demo, draw, find, press, text};

#[test]
fn the_apps_screen_lists_out_of_sync_and_harmful_first_and_filters() {
    let (mut app, mut terminal) = demo(160, 30);
    let screen = text(&draw(&app, &mut terminal));
    assert!(
        screen.contains("kdrift │ samples (embedded) │ 2 namespaces │ [SIM]"),
        "writes to a sample are simulated: {screen}"
    );
    let first_app = screen.lines().nth(3).unwrap();
    assert!(first_app.starts_with(" checkout-api") && first_app.contains("OutOfSync"), "{screen}");
    assert!(first_app.contains("43d"), "oldest harmful drift: the 2Gi hotfix, 43 days ago: {first_app}");
    let compliance = screen.lines().position(|l| l.contains("billing-api")).unwrap();
    let hotfix = screen.lines().position(|l| l.contains("payments-api")).unwrap();
    assert!(hotfix < compliance, "harmful before expected-only apps:\n{screen}");

    press(&mut app, "/billing\n");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("Apps (1)") && screen.contains("filter 'billing'"), "{screen}");
    press(&mut app, "\x1b");
    assert_eq!(app.visible_apps().len(), 10, "Esc clears the filter");
    press(&mut app, "s");
    assert!(text(&draw(&app, &mut terminal)).contains("sort name"));
}

#[test]
fn the_resources_screen_lists_findings_and_opens_the_diff_at_the_selected_one() {
    let (mut app, mut terminal) = demo(160, 30);
    press(&mut app, "\n");
    assert_eq!(app.screen, Screen::Resources);
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("Apps › checkout-api"), "{screen}");
    let first = screen.lines().nth(3).unwrap();
    assert!(
        first.contains("Deployment checkout-api")
            && first.contains("high")
            && first.contains("▲ kubectl-edit")
            && first.contains("backport"),
        "{first}"
    );
    assert!(
        screen.contains("memory limit raised live by kubectl-edit 43 days ago; Git says 512Mi"),
        "the reason in full: {screen}"
    );
    // The third finding is the HPA's replicas: the diff opens on that line.
    press(&mut app, "jj\n");
    assert_eq!(app.screen, Screen::Diff);
    let buffer = draw(&app, &mut terminal);
    let (_, y) = find(&buffer, "▶").expect("a focused line");
    let focused = text(&buffer).lines().nth(usize::from(y)).unwrap().to_owned();
    assert!(focused.contains("replicas: 3") && focused.contains("replicas: 9"), "{focused}");
    assert!(text(&buffer).contains("kube-controller-manager · Update · /scale · 15m ago"), "{}", text(&buffer));
    press(&mut app, "\x1b\x1b");
    assert_eq!(app.screen, Screen::Apps);
}

#[test]
fn the_diff_marks_every_live_line_with_its_owner_in_colour_and_in_words() {
    let (mut app, mut terminal) = demo(160, 40);
    press(&mut app, "\n\n");
    let buffer = draw(&app, &mut terminal);
    let screen = text(&buffer);
    // 512Mi in Git against 2Gi live, owned by a human with kubectl edit.
    let (_, y) = find(&buffer, "memory: 2Gi").expect("the hotfix line");
    let line = screen.lines().nth(usize::from(y)).unwrap();
    assert!(line.contains("memory: 512Mi") && line.contains("▲ human"), "{line}");
    let (x, _) = find(&buffer, "▲ human").unwrap();
    let theme = Theme::builtin();
    assert_eq!(buffer[(x, y)].fg, style::color(theme.owner(ManagerClass::Human)), "human owner in the human colour");
    // The changed word is emphasized, not the whole line.
    let (value_x, _) = find(&buffer, "2Gi").unwrap();
    let modifiers = buffer[(value_x, y)].modifier;
    assert!(modifiers.contains(ratatui::style::Modifier::UNDERLINED), "changed word emphasized: {modifiers:?}");
    let (key_x, _) = find(&buffer, "memory: 2Gi").unwrap();
    assert!(!buffer[(key_x, y)].modifier.contains(ratatui::style::Modifier::UNDERLINED), "unchanged words are not");
    assert!(
        screen.contains("▲ human · marco.rossi@example.com via kubectl-edit · Update · 43d ago"),
        "footer names the owner: {screen}"
    );
    // Replicas: the HPA's controller, in the controller colour.
    let (_, replicas_y) = find(&buffer, "replicas: 9").unwrap();
    let replicas = screen.lines().nth(usize::from(replicas_y)).unwrap();
    let (ctrl_x, _) = find(&buffer, "● ctrl").unwrap();
    assert!(replicas.contains("● ctrl"), "{replicas}");
    assert_eq!(buffer[(ctrl_x, replicas_y)].fg, style::color(theme.owner(ManagerClass::Controller)));
    // The webhook's annotation and Git's own fields.
    assert!(screen.lines().any(|l| l.contains("injected-policy: baseline") && l.contains("■ hook")), "{screen}");
    assert!(screen.lines().any(|l| l.contains("team: payments") && l.ends_with("◆ gitops")), "{screen}");
    assert!(screen.contains("⋯ 14 unchanged lines"), "long unchanged runs are folded: {screen}");
}

#[test]
fn diff_keys_jump_between_findings_unfold_scroll_and_show_the_raw_object() {
    let (mut app, mut terminal) = demo(160, 40);
    press(&mut app, "\n\n");
    let focused =
        |app: &App| app.diff.as_ref().and_then(|d| d.focused_row()).and_then(|r| r.right.clone()).map(|c| c.text);
    assert_eq!(focused(&app).unwrap().trim(), "memory: 2Gi");
    let annotation = "platform.example.com/injected-policy: baseline";
    press(&mut app, "n");
    assert_eq!(focused(&app).unwrap().trim(), annotation, "wraps to the first finding");
    press(&mut app, "n");
    assert_eq!(focused(&app).unwrap().trim(), "replicas: 9");
    press(&mut app, "N");
    assert_eq!(focused(&app).unwrap().trim(), annotation);
    // Unfold the folded run under the cursor.
    press(&mut app, "gz");
    let screen = text(&draw(&app, &mut terminal));
    assert!(!screen.contains("⋯ 5 unchanged lines"), "first fold opened: {screen}");
    assert!(screen.contains("apiVersion: apps/v1"), "{screen}");
    // Horizontal scroll moves text, never wraps it.
    press(&mut app, "l");
    let scrolled = text(&draw(&app, &mut terminal));
    assert!(
        !scrolled.contains("apiVersion: apps/v1") && scrolled.contains(" on: apps/v1"),
        "eight columns scrolled: {scrolled}"
    );
    press(&mut app, "hy");
    let raw = text(&draw(&app, &mut terminal));
    assert!(raw.contains("managedFields:") && raw.contains("f:progressDeadlineSeconds"), "{raw}");
    press(&mut app, "G");
    let bottom = text(&draw(&app, &mut terminal));
    assert!(bottom.contains("status:") && bottom.contains("availableReplicas"), "the end of the raw object: {bottom}");
    press(&mut app, "f");
    assert!(!app.diff.as_ref().unwrap().full, "the raw view has every field already");
    press(&mut app, "yf");
    assert!(app.diff.as_ref().unwrap().full);
}

#[test]
fn help_is_built_from_the_key_table_and_themes_switch_live() {
    let (mut app, mut terminal) = demo(120, 40);
    press(&mut app, "\n\n?");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("Help: keys on this screen"), "{screen}");
    for (label, help) in kdrift::tui::keys::help_for(Screen::Diff, false) {
        assert!(screen.contains(label) && screen.contains(help), "help lists {label} {help}");
    }
    press(&mut app, "x:theme colorblind\n");
    assert!(app.help.is_none(), "any key closes help");
    let buffer = draw(&app, &mut terminal);
    assert!(text(&buffer).contains("theme colorblind"));
    let (x, y) = find(&buffer, "▲ human").unwrap();
    let colorblind = Theme::named("colorblind", None).unwrap();
    assert_eq!(buffer[(x, y)].fg, style::color(colorblind.owner(ManagerClass::Human)));
    press(&mut app, ":theme neon\n");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("kept theme colorblind: no theme named 'neon'"), "{screen}");
    press(&mut app, ":quit\n");
    assert!(app.quit);
}

#[test]
fn a_failed_load_is_a_banner_and_what_was_shown_stays_usable() {
    let (mut app, mut terminal) = demo(120, 30);
    let refused = "context 'prod': cannot discover the core API (/api/v1): forbidden (403)".to_owned();
    app.update(Msg::Loaded(Err(kdrift::investigate::InvestigateError::Catalog(refused).into())));
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("⚠ context 'prod': cannot discover the core API (/api/v1): forbidden (403)"), "{screen}");
    assert!(screen.contains("checkout-api"), "the last good view stays: {screen}");
    press(&mut app, "\n");
    assert_eq!(app.screen, Screen::Resources, "and keys still work");
}

#[test]
fn the_real_binary_runs_in_a_terminal_and_restores_it() {
    let home = tempfile::tempdir().unwrap();
    let mut terminal = support::terminal::Terminal::start(&["demo"], home.path(), home.path());
    terminal.wait_for("OutOfSync");
    assert!(terminal.parser.screen().alternate_screen(), "the TUI draws on the alternate screen");
    terminal.type_keys(b"\r");
    terminal.wait_for("Apps › checkout-api");
    terminal.type_keys(b"\r");
    terminal.wait_for("▲ human · marco.rossi@example.com via kubectl-edit · Update · 43d ago");
    // The whole value, and its path copied with OSC 52 (what tmux and SSH pass on).
    terminal.type_keys(b"v");
    terminal.wait_for("pointer /spec/template/spec/containers/0/resources/limits/memory");
    terminal.type_keys(b"3");
    terminal.wait_for("copied path (OSC 52)");
    use base64::Engine as _;
    let path = base64::engine::general_purpose::STANDARD
        .encode("spec.template.spec.containers[name=app].resources.limits.memory");
    let osc52 = format!("\x1b]52;c;{path}\x1b\\");
    let written = String::from_utf8_lossy(&terminal.transcript);
    assert!(written.contains(&osc52), "no OSC 52 copy of the path in the output");
    // Any other key closes the panel (it covered the column headings).
    terminal.type_keys(b"q");
    terminal.wait_for("desired (Git)");
    terminal.type_keys(b"?");
    terminal.wait_for("Help: keys on this screen");
    terminal.type_keys(b"x:theme light\r");
    terminal.wait_for("theme light");
    terminal.type_keys(b":mouse\r");
    terminal.wait_for("mouse on");
    terminal.type_keys(b"qqq");
    assert!(terminal.finish(), "quits cleanly");
    assert!(terminal.restored(), "alternate screen left and cursor shown again on quit");
    let written = String::from_utf8_lossy(&terminal.transcript);
    let captured = written.find("\x1b[?1000h").expect("`:mouse` captures the mouse");
    assert!(written[captured..].contains("\x1b[?1000l"), "and quitting gives it back");
}

#[test]
fn differences_an_ignore_rule_hides_are_dimmed_and_name_the_rule() {
    let mut args = kdrift::investigate::SourceSpec::sample("checkout-api");
    args.ignore = vec![
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/samples/checkout-api/rules/argocd-application.yaml"),
    ];
    let request = Request::Sources(Box::new(args));
    let mut app = App::new(request.clone(), Options::default());
    app.update(Msg::Resize(160, 40));
    app.update(Msg::Loaded(kdrift::tui::load(&request)));
    let mut terminal = Terminal::new(TestBackend::new(160, 40)).unwrap();
    press(&mut app, "\n\n");
    // The replicas line: dimmed, marked, and its rule named when focused.
    while app
        .diff
        .as_ref()
        .and_then(|d| d.focused_row())
        .and_then(|r| r.right.clone())
        .is_none_or(|c| c.text.trim() != "replicas: 9")
    {
        press(&mut app, "n");
    }
    let buffer = draw(&app, &mut terminal);
    let screen = text(&buffer);
    let (_, y) = find(&buffer, "replicas: 9").unwrap();
    let line = screen.lines().nth(usize::from(y)).unwrap();
    assert!(line.ends_with("● ctrl ignored"), "{line}");
    let (x, _) = find(&buffer, "replicas: 9").unwrap();
    assert_eq!(buffer[(x, y)].fg, style::color(Theme::builtin().ui.dim), "hidden differences are dimmed");
    assert!(screen.contains("ignored by ") && screen.contains("/spec/replicas"), "{screen}");
}

/// Presses keys (with Tab, BackTab and space) and runs every job a key asks for, as the
/// event loop's worker would, feeding the answer back.
fn walk(app: &mut App, keys: &[KeyCode]) {
    for code in keys {
        let effects = app.update(Msg::Key(KeyEvent::new(*code, KeyModifiers::NONE)));
        for effect in effects {
            if let Effect::Act(_) | Effect::Load(..) = effect {
                let answer = kdrift::tui::perform(effect);
                app.update(answer);
            }
        }
    }
}

fn chars(text: &str) -> Vec<KeyCode> {
    text.chars().map(KeyCode::Char).collect()
}

/// Presses Ctrl and `c`, running the job it asks for.
fn walk_ctrl(app: &mut App, c: char) {
    for effect in app.update(Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))) {
        let answer = kdrift::tui::perform(effect);
        app.update(answer);
    }
}

/// The demo's checkout-api sample, loaded, writing its audit log under `data_dir`.
fn checkout_api(data_dir: &tempfile::TempDir, width: u16, height: u16) -> App {
    let request = Request::Sources(Box::new(kdrift::investigate::SourceSpec::sample("checkout-api")));
    let mut app =
        App::new(request.clone(), Options { data_dir: Some(data_dir.path().to_owned()), ..Options::default() });
    app.update(Msg::Resize(width, height));
    app.update(Msg::Loaded(kdrift::tui::load(&request)));
    app
}

/// Types a `:` command and Enter.
fn command(app: &mut App, text: &str) {
    walk(app, &[KeyCode::Char(':')]);
    walk(app, &chars(text));
    walk(app, &[KeyCode::Enter]);
}

#[test]
fn the_runbook_walks_the_memory_limit_case_to_a_verified_backport() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut app = App::new(
        Request::Sources(Box::new(kdrift::investigate::SourceSpec::sample("checkout-api"))),
        Options { data_dir: Some(data_dir.path().to_owned()), ..Options::default() },
    );
    let loaded = kdrift::tui::load(&app.request);
    app.update(Msg::Resize(160, 40));
    app.update(Msg::Loaded(loaded));
    let mut terminal = Terminal::new(TestBackend::new(160, 40)).unwrap();
    // Open checkout-api; the first finding is the memory limit; `r` opens its runbook.
    walk(&mut app, &[KeyCode::Enter, KeyCode::Char('r')]);
    assert_eq!(app.screen, Screen::Runbook);
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("Runbook › checkout-api › Deployment prod/checkout-api · spec.template.spec.containers[name=app].resources.limits.memory"), "{screen}");
    assert!(screen.contains("▸ 1 Acknowledge and scope"));
    // The step cannot be left before the responder ticks what kdrift cannot check.
    walk(&mut app, &[KeyCode::Tab]);
    assert!(app.notice.as_deref().unwrap_or_default().contains("to tick"), "{:?}", app.notice);
    // A decision key before step 4 does nothing but say how to get there.
    walk(&mut app, &chars("b"));
    assert!(app.notice.as_deref().unwrap_or_default().contains("decide at step 4"), "{:?}", app.notice);
    assert!(matches!(app.runbook.as_ref().unwrap().stage, kdrift::tui::runbook_state::Stage::Checklist));
    walk(&mut app, &[KeyCode::Char(' '), KeyCode::Tab, KeyCode::Tab]);
    // Step 2's `!` (the live value differs from Git's) blocks until it is acknowledged.
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("▸ 2 Inspect the diff") && screen.contains("acknowledge (space)"), "{screen}");
    // The cursor stands on it: the first item waiting for the responder.
    walk(&mut app, &[KeyCode::Char(' '), KeyCode::Tab]);
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("▸ 3 Ownership and cause"), "{screen}");
    assert!(
        screen.contains("marco.rossi@example.com via kubectl-edit (human)") && screen.contains("2026-04-26T08:10:00Z"),
        "the owner, the person and the time: {screen}"
    );
    assert!(screen.contains("Who made the change (the API server's audit log)"), "{screen}");
    assert!(screen.contains("memory: marco.rossi@example.com (groups sre-oncall · from"), "{screen}");
    assert!(screen.contains("Scaled up replica set checkout-api-6d8f9c7b5"), "the events: {screen}");
    // g and G move the cursor to the checklist's first and last item.
    walk(&mut app, &chars("G"));
    let last = app.runbook.as_ref().unwrap().runbook.items().len() - 1;
    assert_eq!(app.runbook.as_ref().unwrap().selected, last);
    walk(&mut app, &chars("g"));
    assert_eq!(app.runbook.as_ref().unwrap().selected, 0);
    // A human set the value (`!`, acknowledged), and the manual check: the cursor moves on.
    walk(&mut app, &[KeyCode::Char(' '), KeyCode::Char(' '), KeyCode::Tab]);
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("Suggested: backport  (review required)"), "{screen}");
    assert!(screen.contains("Blast radius: changing the pod template restarts all 9 pods of checkout-api"), "{screen}");
    for response in ["s  sync", "b  backport", "i  ignore", "p  prune", "e  escalate"] {
        assert!(screen.contains(response), "the risk of {response}: {screen}");
    }
    // Step 4 forces a decision.
    walk(&mut app, &[KeyCode::Tab]);
    assert!(app.notice.as_deref().unwrap_or_default().contains("take a decision"));
    walk(&mut app, &chars("b"));
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("Preview: backport"), "{screen}");
    assert!(
        screen.contains("-              memory: 512Mi") && screen.contains("+              memory: 2Gi"),
        "{screen}"
    );
    assert!(screen.contains("c confirm · Esc cancel"), "{screen}");
    // While the decision is written and verified, one Ctrl-C does not walk away from it.
    let writing = app.update(Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)));
    assert!(matches!(app.runbook.as_ref().unwrap().stage, kdrift::tui::runbook_state::Stage::Executing(_)));
    app.update(Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    assert!(!app.quit && app.notice.as_deref().unwrap_or_default().contains("Ctrl-C again quits"), "{:?}", app.notice);
    for effect in writing {
        let answer = kdrift::tui::perform(effect);
        app.update(answer);
    }
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("▸ 5 Verify and prevent recurrence") && screen.contains("decided: backport"), "{screen}");
    assert!(screen.contains("✓ desired/deployment.yaml: the branch now holds 2Gi"), "{screen}");
    // The branch is real: in the sample's sandbox repository, beside the untouched main.
    let sandbox = git2::Repository::open(data_dir.path().join("sandbox/checkout-api")).unwrap();
    assert!(
        sandbox.find_branch("kdrift/backport/checkout-api/deployment-checkout-api", git2::BranchType::Local).is_ok()
    );
    let audit = std::fs::read_to_string(data_dir.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains("\"decision\":\"backport\"") && audit.contains("\"result\":\"done\""), "{audit}");
    walk(&mut app, &[KeyCode::Char('w')]);
    assert!(data_dir.path().join("prevention/checkout-api/checkout-api-drift-alert.yaml").exists(), "{:?}", app.notice);
    walk(&mut app, &[KeyCode::Char(' '), KeyCode::Down, KeyCode::Char(' ')]);
    assert!(!app.runbook.as_ref().unwrap().runbook.is_complete(), "settled, not yet closed");
    // Step 5 closes, and the closing is recorded.
    walk(&mut app, &[KeyCode::Tab]);
    assert!(app.runbook.as_ref().unwrap().runbook.is_complete(), "{:?}", app.notice);
    assert_eq!(app.notice.as_deref(), Some("runbook complete: recorded in the audit log"));
    let audit = std::fs::read_to_string(data_dir.path().join("audit.jsonl")).unwrap();
    let closing = audit.lines().last().unwrap();
    assert!(closing.contains("\"result\":\"complete\"") && closing.contains("\"decision\":\"backport\""), "{closing}");
}

#[test]
fn a_simulated_sync_clears_the_finding_and_read_only_sessions_offer_no_writes() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut app = checkout_api(&data_dir, 160, 40);
    walk(&mut app, &[KeyCode::Enter, KeyCode::Char('r')]);
    command(&mut app, "skip the incident channel already agreed on a sync");
    walk(&mut app, &chars("s"));
    let preview = text(&draw(&app, &mut Terminal::new(TestBackend::new(160, 40)).unwrap()));
    assert!(preview.contains("/spec/template/spec/containers/0/resources/limits/memory: 2Gi → 512Mi"), "{preview}");
    walk(&mut app, &chars("c"));
    let memory = "/spec/template/spec/containers/0/resources/limits/memory";
    let deployment = app.data.apps[0].report.resources.iter().find(|r| r.kind == "Deployment").unwrap();
    assert!(deployment.findings.iter().all(|f| f.path != memory), "the rescanned resource replaced the old one");
    assert_eq!(app.simulated["checkout-api"].len(), 1, "the simulated cluster remembers the sync");
    let audit = std::fs::read_to_string(data_dir.path().join("audit.jsonl")).unwrap();
    assert!(
        audit.contains("\"reason\":\"runbook steps 1–3 skipped: the incident channel already agreed on a sync\""),
        "the skip is recorded with its reason: {audit}"
    );
    // Ctrl-r reads the sample again from its simulation: the sync is not undone.
    walk_ctrl(&mut app, 'r');
    let deployment = app.data.apps[0].report.resources.iter().find(|r| r.kind == "Deployment").unwrap();
    assert!(deployment.findings.iter().all(|f| f.path != memory), "a refresh brought the synced finding back");
    assert!(app.banner.is_none(), "{:?}", app.banner);

    let request = app.request.clone();
    let mut read_only = App::new(
        request.clone(),
        Options { read_only: true, data_dir: Some(data_dir.path().to_owned()), ..Options::default() },
    );
    read_only.update(Msg::Resize(160, 40));
    read_only.update(Msg::Loaded(kdrift::tui::load(&request)));
    walk(
        &mut read_only,
        &[KeyCode::Enter, KeyCode::Char('r'), KeyCode::Char('s'), KeyCode::Char('b'), KeyCode::Char('p')],
    );
    assert!(
        matches!(read_only.runbook.as_ref().unwrap().stage, kdrift::tui::runbook_state::Stage::Checklist),
        "no write key is bound"
    );
    let help = kdrift::tui::keys::help_for(Screen::Runbook, true);
    assert!(help.iter().all(|(label, _)| !["s", "b", "p", "F"].contains(label)), "{help:?}");
    command(&mut read_only, "skip escalating straight away");
    walk(&mut read_only, &chars("e"));
    let screen = text(&draw(&read_only, &mut Terminal::new(TestBackend::new(160, 40)).unwrap()));
    assert!(
        screen.contains("Preview: escalate") && screen.contains("# Drift remediation record"),
        "escalating stays possible: {screen}"
    );
}

/// In a read-only session an ignore rule is only printed: what it would hide is shown, and
/// the finding stays as it was (it used to turn `ignored`, as if the rule were in place).
#[test]
fn a_rule_printed_in_a_read_only_session_hides_nothing() {
    let data_dir = tempfile::tempdir().unwrap();
    let request = Request::Sources(Box::new(kdrift::investigate::SourceSpec::sample("checkout-api")));
    let options = Options { read_only: true, data_dir: Some(data_dir.path().to_owned()), ..Options::default() };
    let mut app = App::new(request.clone(), options);
    app.update(Msg::Resize(160, 40));
    app.update(Msg::Loaded(kdrift::tui::load(&request)));
    walk(&mut app, &[KeyCode::Enter, KeyCode::Char('r')]);
    command(&mut app, "skip only printing a rule");
    walk(&mut app, &chars("i"));
    let preview = text(&draw(&app, &mut Terminal::new(TestBackend::new(160, 40)).unwrap()));
    assert!(preview.contains("print the rule (nothing is written)"), "{preview}");
    walk(&mut app, &chars("c"));
    let deployment = app.data.apps[0].report.resources.iter().find(|r| r.kind == "Deployment").unwrap();
    let memory = "/spec/template/spec/containers/0/resources/limits/memory";
    let finding = deployment.findings.iter().find(|f| f.path == memory).expect("the finding is still there");
    assert!(finding.ignored_by.is_none(), "{finding:#?}");
}

/// A resource in sync has nothing to decide: the runbook does not open on it (it used to,
/// only to refuse at step 4).
#[test]
fn the_runbook_opens_only_on_something_that_differs() {
    let request = Request::Sources(Box::new(kdrift::investigate::SourceSpec::sample("checkout-api")));
    let mut app = App::new(request.clone(), Options::default());
    app.update(Msg::Resize(160, 40));
    app.update(Msg::Loaded(kdrift::tui::load(&request)));
    walk(&mut app, &[KeyCode::Enter]);
    let screen = text(&draw(&app, &mut Terminal::new(TestBackend::new(160, 40)).unwrap()));
    let synced = screen.lines().position(|line| line.contains("ConfigMap checkout-settings")).unwrap();
    let first = screen.lines().position(|line| line.contains("Deployment checkout-api")).unwrap();
    walk(&mut app, &vec![KeyCode::Down; synced - first]);
    walk(&mut app, &chars("r"));
    assert!(app.runbook.is_none(), "a runbook opened on an object in sync");
    assert!(app.notice.as_deref().unwrap_or_default().contains("is in sync: nothing to decide"), "{:?}", app.notice);
}

/// The TUI offers the break-glass sync the CLI has (`B`, the same code path as `sync
/// --break-glass`; field scoping itself is tested in tests/actions.rs): here the runbook's
/// field is all that differs, so Git's object is applied with no controller involved.
#[test]
fn break_glass_in_the_runbook_is_previewed_and_confirmed_at_80_by_24() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut app = checkout_api(&data_dir, 80, 24);
    walk(&mut app, &[KeyCode::Enter, KeyCode::Char('r')]);
    command(&mut app, "skip rehearsed break-glass drill");
    walk(&mut app, &chars("B"));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("Preview: sync") && screen.contains("break-glass: no controller"), "{screen}");
    // At 80×24 the way to confirm or cancel is on screen, pinned under the preview.
    assert!(screen.contains("c confirm · Esc cancel"), "{screen}");
    walk(&mut app, &chars("c"));
    let audit = std::fs::read_to_string(data_dir.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains("applied Git's") && audit.contains("\"result\":\"done\""), "{audit}");
}

/// A decision keeps working after the responder leaves its runbook (Esc while it executes)
/// and opens another: its answer is folded into its own resource, never into the runbook now
/// open (which it would otherwise mark decided, and whose live copy it would replace).
#[test]
fn an_answer_for_a_runbook_left_behind_lands_on_its_own_resource() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut app = checkout_api(&data_dir, 160, 40);
    walk(&mut app, &[KeyCode::Enter, KeyCode::Char('r')]);
    command(&mut app, "skip testing a slow write");
    walk(&mut app, &chars("s"));
    // Confirm, but hold the job as a slow cluster would.
    let pending = app.update(Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)));
    assert_eq!(pending.len(), 1);
    walk(&mut app, &[KeyCode::Esc, KeyCode::Esc]);
    // Open the orphan Service's runbook instead.
    let report = app.data.apps[0].report.clone();
    let orphan = app
        .resource_rows()
        .iter()
        .position(|row| row.resource.is_some_and(|r| report.resources[r].name == "checkout-api-legacy"))
        .unwrap();
    let downs = orphan - app.resources.selected;
    walk(&mut app, &vec![KeyCode::Down; downs]);
    walk(&mut app, &chars("r"));
    let opened = app.runbook.as_ref().unwrap().runbook.subject.key();
    assert_eq!(opened.name, "checkout-api-legacy");
    for effect in pending {
        let answer = kdrift::tui::perform(effect);
        app.update(answer);
    }
    let screen = app.runbook.as_ref().unwrap();
    assert_eq!(screen.runbook.subject.key(), opened, "the open runbook is still the orphan's");
    assert!(screen.runbook.decided.is_none(), "and nothing was decided on it");
    assert!(app.notice.as_deref().unwrap_or_default().starts_with("earlier decision finished"), "{:?}", app.notice);
    let deployment = app.data.apps[0].report.resources.iter().find(|r| r.kind == "Deployment").unwrap();
    let memory = "/spec/template/spec/containers/0/resources/limits/memory";
    assert!(deployment.findings.iter().all(|f| f.path != memory), "the sync's result is on its own resource");
}

/// A loaded app holding one ConfigMap of `keys` keys, every tenth edited by hand.
fn wide_config_map(keys: usize) -> App {
    use serde_json::{Map, json};
    let (mut desired, mut live, mut owned) = (Map::new(), Map::new(), Map::new());
    for i in 0..keys {
        let key = format!("setting-{i:05}");
        desired.insert(key.clone(), json!(format!("value {i}")));
        live.insert(key.clone(), json!(if i % 10 == 3 { "edited".to_owned() } else { format!("value {i}") }));
        owned.insert(format!("f:{key}"), json!({}));
    }
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "wide", "namespace": "prod"}, "data": desired});
    let managed = json!([{"manager": "kubectl-edit", "operation": "Update", "apiVersion": "v1",
        "time": "2026-06-01T10:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:data": owned}}]);
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "wide", "namespace": "prod", "managedFields": managed}, "data": live});
    let (mut app, _) = support::screen::app_on(desired, live, &[], 120, 30);
    app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    app
}

/// Presses `code`, which must ask a worker for one alignment (and nothing else).
fn alignment_asked(app: &mut App, code: KeyCode) -> Effect {
    let effects = app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    match <[Effect; 1]>::try_from(effects) {
        Ok([effect @ Effect::Align(_)]) => effect,
        other => panic!("one alignment asked: {other:?}"),
    }
}

/// A ConfigMap of 20,000 keys: its diff opens at once saying it is being aligned, keys keep
/// working (the raw YAML, toggles), the rows arrive from the worker with the cursor on the
/// first finding, and an answer the screen no longer waits for (after `f`) is dropped.
#[test]
fn a_very_wide_object_is_aligned_by_a_worker_while_keys_keep_working() {
    let mut app = wide_config_map(20_000);
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let first = alignment_asked(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Diff);
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("aligning ConfigMap prod/wide… (a large object"), "{screen}");
    press(&mut app, "yjy");
    assert!(text(&draw(&app, &mut terminal)).contains("aligning"), "the raw view comes and goes meanwhile");
    let mut narrow = Terminal::new(TestBackend::new(80, 24)).unwrap();
    app.update(Msg::Resize(80, 24));
    let screen = text(&draw(&app, &mut narrow));
    assert!(screen.contains("Esc goes back"), "wrapped, not cut, at 80 columns: {screen}");
    app.update(Msg::Resize(120, 30));

    // `f` asks again; the first answer is stale and changes nothing.
    let second = alignment_asked(&mut app, KeyCode::Char('f'));
    let stale = kdrift::tui::perform(first);
    app.update(stale);
    assert!(text(&draw(&app, &mut terminal)).contains("aligning"), "a stale answer is dropped");

    let answer = kdrift::tui::perform(second);
    assert!(app.update(answer).is_empty());
    let diff = app.diff.as_ref().unwrap();
    assert!(diff.aligning.is_none() && diff.aligned.rows.len() >= 20_000, "{} rows", diff.aligned.rows.len());
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("setting-00003: edited"), "the cursor's first finding is on screen: {screen}");
    assert!(!screen.contains("aligning"));
    press(&mut app, "y");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("managedFields"), "the raw live object came with the rows: {screen}");
}

/// Rows that arrive while the raw view shows wait for it to be left, then show the finding;
/// an answer for a screen since closed is not taken by the screen reopened on it.
#[test]
fn rows_arriving_under_the_raw_view_and_answers_for_a_closed_screen() {
    let mut app = wide_config_map(20_000);
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let closed = alignment_asked(&mut app, KeyCode::Enter);
    press(&mut app, "\x1b");
    let open = alignment_asked(&mut app, KeyCode::Enter);
    app.update(kdrift::tui::perform(closed));
    assert!(app.diff.as_ref().unwrap().aligning.is_some(), "the closed screen's answer is not this one's");

    press(&mut app, "y");
    app.update(kdrift::tui::perform(open));
    assert!(text(&draw(&app, &mut terminal)).contains("managedFields"), "the raw view stays");
    press(&mut app, "y");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("setting-00003: edited"), "leaving the raw view shows the finding: {screen}");
}

/// Ordinary objects are aligned on the spot: no worker, rows at once.
#[test]
fn an_ordinary_object_is_aligned_on_the_spot() {
    let mut app = wide_config_map(200);
    let opened = app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(opened.is_empty(), "{opened:?}");
    assert!(app.diff.as_ref().is_some_and(|d| d.aligning.is_none() && d.aligned.rows.len() >= 200));
}

/// A load of the same sources (a refresh, or one the watched cluster asked for) keeps the
/// responder where they were, says what appeared and cleared, and marks what changed
/// elsewhere until it is opened.
#[test]
fn a_fresh_load_keeps_the_place_says_what_changed_and_marks_it_until_opened() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut app = checkout_api(&data_dir, 160, 30);
    let request = app.request.clone();
    let mut terminal = Terminal::new(TestBackend::new(160, 30)).unwrap();
    press(&mut app, "\n");
    let memory = app.resource_rows().iter().position(|row| {
        let report = &app.data.apps[0].report;
        let finding = row.resource.zip(row.finding).map(|(r, f)| &report.resources[r].findings[f]);
        finding.is_some_and(|f| f.display_path.ends_with("limits.memory"))
    });
    app.resources.selected = memory.unwrap();
    press(&mut app, "\n");
    assert_eq!(app.screen, Screen::Diff);
    let focused =
        |app: &App| app.diff.as_ref().unwrap().focused_row().and_then(|r| r.right.as_ref()).map(|c| c.pointer.clone());
    let before = focused(&app);
    assert_eq!(before.as_deref(), Some("/spec/template/spec/containers/0/resources/limits/memory"));

    // The cluster changed: the HPA's replicas finding is gone, and so is the orphan Service.
    let mut fresh = kdrift::tui::load(&request).unwrap();
    let report = &mut fresh.apps[0].report;
    for resource in &mut report.resources {
        resource.findings.retain(|f| f.path != "/spec/replicas");
    }
    report.resources.retain(|r| r.kind != "Service" || r.name != "checkout-api-legacy");
    app.update(Msg::Loaded(Ok(fresh)));
    assert_eq!(app.screen, Screen::Diff, "the diff stays open");
    assert_eq!(focused(&app), before, "on the same field");
    let screen = text(&draw(&app, &mut terminal));
    assert!(screen.contains("the cluster changed: 2 findings cleared (checkout-api)"), "{screen}");

    // Back in the list: the Deployment was being looked at, so it carries no mark.
    press(&mut app, "\x1b");
    let screen = text(&draw(&app, &mut terminal));
    assert!(!screen.contains("checkout-api-legacy"), "{screen}");
    assert!(!screen.contains('Δ'), "nothing changed that was not in view: {screen}");

    // A change while the responder is on the apps screen marks the app, until it is opened.
    press(&mut app, "\x1b");
    let mut again = kdrift::tui::load(&request).unwrap();
    for resource in &mut again.apps[0].report.resources {
        resource.findings.retain(|f| !f.display_path.ends_with("limits.memory"));
    }
    app.update(Msg::Loaded(Ok(again)));
    let screen = text(&draw(&app, &mut terminal));
    let row = screen.lines().find(|l| l.contains("OutOfSync")).unwrap();
    assert!(row.starts_with("Δcheckout-api"), "{screen}");
    press(&mut app, "\n");
    press(&mut app, "\x1b");
    let screen = text(&draw(&app, &mut terminal));
    assert!(!screen.contains('Δ'), "opened, the mark is gone: {screen}");
}

/// A change the watches report while a runbook is open waits until the responder leaves it,
/// and so does a load that arrives meanwhile (the runbook's app must not move under it).
#[test]
fn a_change_while_deciding_is_read_only_when_the_runbook_is_left() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut app = checkout_api(&data_dir, 160, 30);
    let request = app.request.clone();
    press(&mut app, "\n\n");
    press(&mut app, "r");
    assert_eq!(app.screen, Screen::Runbook);
    assert!(app.update(Msg::ClusterChanged).is_empty(), "nothing moves under a decision");
    let mut arrived = kdrift::tui::load(&request).unwrap();
    arrived.apps[0].report.resources.retain(|r| r.kind != "Service");
    app.update(Msg::Loaded(Ok(arrived)));
    assert!(app.data.apps[0].report.resources.iter().any(|r| r.kind == "Service"), "held while deciding");
    let effects = app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert_ne!(app.screen, Screen::Runbook);
    assert!(app.data.apps[0].report.resources.iter().all(|r| r.kind != "Service"), "shown once left");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Load(..))),
        "the change is read once the runbook is left: {effects:?}"
    );
}

/// A late answer for sources the responder left (`:sample` while a reload ran) is dropped.
#[test]
fn an_answer_for_sources_no_longer_shown_is_dropped() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut app = checkout_api(&data_dir, 160, 30);
    let old = app.request.clone();
    let late = kdrift::tui::perform(Effect::Load(old, Default::default()));
    command(&mut app, "sample hpa-replicas");
    assert!(app.data.apps[0].origin.contains("hpa-replicas"), "{}", app.data.apps[0].origin);
    app.update(late);
    assert!(app.data.apps[0].origin.contains("hpa-replicas"), "still the new sample: {}", app.data.apps[0].origin);
}
