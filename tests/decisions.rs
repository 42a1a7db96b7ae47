//! Decisions keep their promises (issue 16): a sync changes exactly what its preview shows
//! for the fields the responder chose, never a field delegated to a controller, and a write
//! that leaves a chosen field different is recorded as failed, never done. Run through the
//! CLI on the embedded samples (their cluster is simulated: nothing real is written).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::Value;
use std::path::Path;
use support::{kdrift, run};

const LOG_LEVEL: &str = "spec.template.spec.containers[name=app].env[name=LOG_LEVEL].value";
const FEATURE: &str = "spec.template.spec.containers[name=app].env[name=FEATURE_RESERVATIONS]";

fn decide(data: &Path, args: &[&str]) -> support::Run {
    run(kdrift().env("XDG_DATA_HOME", data).args(args))
}

fn audit(data: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(data.join("kdrift/audit.jsonl")).unwrap_or_default();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// The HPA owns the replica count: syncing Git's `3` over its `9` would fight it (and, as
/// the whole object is applied, revert the memory hotfix too). Refused, with nothing written.
#[test]
fn a_field_delegated_to_a_controller_is_never_a_sync_target() {
    let data = tempfile::tempdir().unwrap();
    let args =
        ["sync", "--sample", "checkout-api", "--resource", "Deployment/checkout-api", "--field", "spec.replicas"];
    for extra in [&["--yes"][..], &["--dry-run"][..]] {
        let result = decide(data.path(), &[&args[..], extra].concat());
        assert_eq!(result.code, 2, "{}{}", result.stdout, result.stderr);
        assert!(result.stdout.contains("refused: spec.replicas is delegated to a controller"), "{}", result.stdout);
        assert!(!result.stdout.contains("512Mi"), "no write is previewed: {}", result.stdout);
    }
    let entries = audit(data.path());
    assert!(entries.iter().all(|entry| entry["result"] != "done"), "{entries:#?}");
}

/// Chosen alone, the added env var cannot be removed by applying Git's object (server-side
/// apply removes only what its manager owns), and that apply would change LOG_LEVEL, which
/// was not chosen: refused, naming LOG_LEVEL and what kdrift suggests for it.
#[test]
fn a_sync_of_chosen_fields_that_would_change_another_is_refused_naming_it() {
    let data = tempfile::tempdir().unwrap();
    let args = ["sync", "--sample", "break-glass-env", "--resource", "Deployment/inventory-api", "--field", FEATURE];
    let result = decide(data.path(), &[&args[..], &["--yes"]].concat());
    assert_eq!(result.code, 2, "{}{}", result.stdout, result.stderr);
    let refusal = result.stdout.lines().find(|line| line.starts_with("refused:")).unwrap_or_default();
    assert!(refusal.contains("/spec/template/spec/containers/0/env/0/value: debug → info"), "{refusal}");
    assert!(refusal.contains("kdrift suggests backport for it"), "{refusal}");
    assert!(audit(data.path()).iter().all(|entry| entry["result"] != "done"));
}

/// The whole resource: the preview says the added env var stays (the write leaves it) and
/// names the hotfix it reverts; after the write, the env var still differs, so the decision
/// is recorded as failed and the command exits 2.
#[test]
fn a_write_that_leaves_a_chosen_field_different_is_failed_not_done() {
    let data = tempfile::tempdir().unwrap();
    let args = ["sync", "--sample", "break-glass-env", "--resource", "Deployment/inventory-api", "--yes"];
    let result = decide(data.path(), &args);
    assert_eq!(result.code, 2, "{}{}", result.stdout, result.stderr);
    let stdout = &result.stdout;
    assert!(stdout.contains(&format!("warning: {FEATURE}: this write leaves it as it is")), "{stdout}");
    assert!(stdout.contains("warning: reverts /spec/template/spec/containers/0/env/0/value: debug → info — kdrift suggests backport for it"), "{stdout}");
    assert!(stdout.contains(&format!("✓ {LOG_LEVEL}: no longer differs")), "{stdout}");
    assert!(stdout.contains(&format!("not done: {FEATURE} still differ(s) after the write")), "{stdout}");
    let entries = audit(data.path());
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0]["result"], "failed", "{:#}", entries[0]);
}

/// A field the write clears, chosen alone: exactly that field changes, and it is done.
#[test]
fn a_sync_of_one_field_that_changes_only_that_field_is_done() {
    let data = tempfile::tempdir().unwrap();
    let args = ["sync", "--sample", "break-glass-env", "--resource", "Deployment/inventory-api", "--field", LOG_LEVEL];
    let result = decide(data.path(), &[&args[..], &["--yes"]].concat());
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    assert!(result.stdout.contains(&format!("✓ {LOG_LEVEL}: no longer differs")), "{}", result.stdout);
    assert_eq!(audit(data.path())[0]["result"], "done");
}

/// Printing a rule writes nothing: no confirmation is asked (a pipe is never confirmed, so
/// it used to exit 2), and no decision is recorded.
#[test]
fn printing_an_ignore_rule_needs_no_confirmation() {
    let data = tempfile::tempdir().unwrap();
    let args = ["ignore", "--sample", "checkout-api", "--resource", "Deployment/checkout-api"];
    let result = decide(data.path(), &[&args[..], &["--field", "spec.replicas", "--print"]].concat());
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    assert!(result.stdout.contains("    jsonPointers:\n    - /spec/replicas"), "{}", result.stdout);
    assert!(!result.stdout.contains("Not confirmed"), "{}", result.stdout);
    assert!(audit(data.path()).is_empty());
}

/// The command line and the TUI set a decision up the same way (`investigate::decide`): the
/// same sync on the same sample shows the same plan and writes the same audit line.
#[test]
fn a_decision_taken_in_the_cli_and_in_the_tui_shows_the_same_plan_and_records_the_same_line() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use kdrift::investigate::{Request, SourceSpec};
    use kdrift::tui::app::{App, Msg, Options};
    use kdrift::tui::runbook_state::Stage;

    let memory = "spec.template.spec.containers[name=app].resources.limits.memory";
    let cli_data = tempfile::tempdir().unwrap();
    let args = ["sync", "--sample", "checkout-api", "--resource", "Deployment/checkout-api", "--field", memory];
    let cli = decide(cli_data.path(), &[&args[..], &["--yes"]].concat());
    assert_eq!(cli.code, 0, "{}{}", cli.stdout, cli.stderr);

    let tui_data = tempfile::tempdir().unwrap();
    let request = Request::Sources(Box::new(SourceSpec::sample("checkout-api")));
    let options = Options { data_dir: Some(tui_data.path().join("kdrift")), ..Options::default() };
    let mut app = App::new(request.clone(), options);
    app.update(Msg::Loaded(kdrift::tui::load(&request)));
    let press = |app: &mut App, keys: &[KeyCode]| {
        for code in keys {
            for effect in app.update(Msg::Key(KeyEvent::new(*code, KeyModifiers::NONE))) {
                let answer = kdrift::tui::perform(effect);
                app.update(answer);
            }
        }
    };
    // Open the Deployment's memory finding and walk steps 1–3 to the decision.
    let (space, tab) = (KeyCode::Char(' '), KeyCode::Tab);
    press(&mut app, &[KeyCode::Enter, KeyCode::Char('r')]);
    press(&mut app, &[space, tab, space, tab, space, space, tab, KeyCode::Char('s')]);
    let Some(Stage::Preview { plan, .. }) = app.runbook.as_ref().map(|r| &r.stage) else {
        panic!("no preview: {:?}", app.notice);
    };
    let plan = kdrift::cli::act::render_plan(plan);
    assert!(cli.stdout.starts_with(&plan), "the same plan:\nCLI:\n{}\nTUI:\n{plan}", cli.stdout);
    press(&mut app, &[KeyCode::Char('c')]);

    let read = |dir: &Path| {
        let mut entries = audit(dir);
        assert_eq!(entries.len(), 1, "{entries:#?}");
        let mut entry = entries.remove(0);
        entry.as_object_mut().unwrap().remove("time");
        entry
    };
    let (cli_line, tui_line) = (read(cli_data.path()), read(tui_data.path()));
    assert_eq!(cli_line, tui_line);
    assert_eq!(tui_line["result"], "done", "{tui_line:#?}");
}
