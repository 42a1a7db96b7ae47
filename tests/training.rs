//! Training mode (issue 7): every embedded scenario agrees with the engine, drills are played
//! end to end through the real `App::update` path and drawn on ratatui's `TestBackend` (a
//! right run and a wrong one), records round-trip through `kdrift train --report`, and
//! `kdrift train --check` names the key at fault in a broken scenario.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdrift::training::drill::Stage;
use kdrift::training::scenario::{self, ScenarioError};
use kdrift::tui::app::{App, Effect, Msg, Options};
use kdrift::tui::keys::Screen;
use kdrift::tui::train_state::Training;
use kdrift::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::{Path, PathBuf};

/// A training session opened on `name`, recording to `record`.
fn session(name: &str, record: Option<PathBuf>, trainee: &str) -> (App, Terminal<TestBackend>) {
    let scenarios = scenario::embedded().unwrap();
    let index = scenarios.iter().position(|s| s.name == name).unwrap();
    let mut app = App::training(Training::new(scenarios, record, trainee.to_owned()), Some(index), Options::default());
    app.update(Msg::Resize(120, 40));
    (app, Terminal::new(TestBackend::new(120, 40)).unwrap())
}

/// Presses `keys` as the event loop would, writing records the way it does.
fn press(app: &mut App, keys: &[KeyCode]) {
    for code in keys {
        for effect in app.update(Msg::Key(KeyEvent::new(*code, KeyModifiers::NONE))) {
            match effect {
                effect @ Effect::Record(..) => {
                    let answer = kdrift::tui::perform(effect);
                    app.update(answer);
                }
                other => panic!("a drill asks for no other IO: {other:?}"),
            }
        }
    }
}

fn keys(text: &str) -> Vec<KeyCode> {
    text.chars()
        .map(|c| match c {
            '\n' => KeyCode::Enter,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        })
        .collect()
}

fn screen(app: &App, terminal: &mut Terminal<TestBackend>) -> String {
    terminal.draw(|frame| view::render(frame, app)).unwrap();
    support::buffer_text(terminal.backend().buffer())
}

/// Ticks and tabs through runbook steps 1 to 3, as a trainee who checked each item.
fn walk_to_step_four(app: &mut App) {
    for _ in 0..3 {
        while app.runbook.as_ref().unwrap().runbook.blocker().is_some() {
            let screen = app.runbook.as_mut().unwrap();
            screen.selected = screen.runbook.first_open();
            press(app, &keys(" "));
        }
        press(app, &keys("\t"));
    }
}

#[test]
fn every_embedded_scenario_loads_and_agrees_with_the_engine() {
    let scenarios = scenario::embedded().unwrap();
    let situations: Vec<&str> = scenarios.iter().map(|s| s.drill.situation.as_str()).collect();
    for seed in ["worked example", "quiz 1", "quiz 2", "quiz 3", "quiz 4", "quiz 5", "quiz 6", "quiz 7", "hands-on lab"]
    {
        assert!(situations.iter().any(|s| s.contains(seed)), "no scenario practises {seed}: {situations:?}");
    }
    for scenario in &scenarios {
        let drill = &scenario.drill;
        assert_eq!(scenario.targets.len(), drill.findings.len(), "{}", scenario.name);
        for (expected, target) in drill.findings.iter().zip(&scenario.targets) {
            assert_eq!(target.finding.category, expected.category, "{}: {}", scenario.name, expected.field);
            let owner = target.finding.owner.as_ref().map(|o| o.manager.clone());
            if expected.owner.is_some() {
                assert_eq!(owner, expected.owner, "{}: {}", scenario.name, expected.field);
                assert!(target.owner_choices.contains(&owner.unwrap()), "the right owner is offered");
            }
        }
        let classified = drill.findings.len();
        let reported = scenario.report.resources.iter().map(|r| r.findings.len()).sum::<usize>()
            + usize::from(!scenario.report.findings.is_empty());
        assert!(classified >= reported.min(classified), "{}", scenario.name);
    }
    // Beginners first, as the picker shows them.
    assert_eq!(scenarios[0].drill.difficulty, kdrift::training::spec::Difficulty::Beginner);
}

/// A copy of an embedded scenario's directory, with `edit` applied to its scenario.yaml.
fn scenario_copy(name: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples").join(name);
    for side in ["desired", "live"] {
        std::fs::create_dir_all(dir.path().join(side)).unwrap();
        for entry in std::fs::read_dir(source.join(side)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(side).join(entry.file_name())).unwrap();
        }
    }
    let text = std::fs::read_to_string(source.join("scenario.yaml")).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit must change the scenario");
    std::fs::write(dir.path().join("scenario.yaml"), edited).unwrap();
    dir
}

#[test]
fn a_scenario_the_engine_classifies_differently_does_not_load() {
    let dir = scenario_copy("hpa-replicas", |text| {
        text.replace("      category: controller-managed", "      category: desired-config")
            .replace("      owner: kube-controller-manager", "      owner: argocd-controller")
    });
    let error = scenario::load_dir(dir.path()).expect_err("the engine disagrees");
    let ScenarioError::Invalid { problems, .. } = &error else { panic!("{error}") };
    assert_eq!(
        problems,
        &vec![
            "drill.findings[0].category: 'desired-config' but the engine classifies it as 'controller-managed'"
                .to_owned(),
            "drill.findings[0].owner: 'argocd-controller' but managedFields credit 'kube-controller-manager'"
                .to_owned(),
        ]
    );
    // A finding the drill forgets is named too.
    let dir = scenario_copy("checkout-api", |text| {
        let start = text.find("    - resource: Service/prod/checkout-api-legacy\n      category: orphan").unwrap();
        let end = text[start..].find("  decide:").unwrap() + start;
        format!("{}{}", &text[..start], &text[end..])
    });
    let error = scenario::load_dir(dir.path()).expect_err("unclassified orphan").to_string();
    assert!(
        error.contains(
            "drill.findings: the engine also reports Service/prod/checkout-api-legacy (the whole object) (orphan): classify it too"
        ),
        "{error}"
    );
}

#[test]
fn train_check_names_the_key_at_fault_and_accepts_a_good_scenario() {
    let misspelt =
        scenario_copy("hpa-replicas", |text| text.replacen("      explanation: >-", "      explanaton: >-", 1));
    let output = support::kdrift().args(["train", "--check"]).arg(misspelt.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("scenario.yaml: drill.predict[0]: unknown field `explanaton`")
            && stderr.contains("at line 24 column 7"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");

    let out_of_range = scenario_copy("memory-hotfix", |text| {
        text.replace(
            "  decide:\n    - resource: Deployment/prod/storefront-api\n      expected: backport",
            "  decide:\n    - resource: Deployment/prod/storefront-api\n      expected: sink",
        )
    });
    let output = support::kdrift().args(["train", "--check"]).arg(out_of_range.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "drill.decide[0]: 'sink' is not a decision (sync, backport, ignore, prune, escalate, leave-as-is) at line 46 column 7"
        ),
        "{stderr}"
    );

    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/hpa-replicas");
    let output = support::kdrift().args(["train", "--check"]).arg(&good).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains(
        "scenario 'hpa-replicas' is valid: 2 prediction(s), 1 finding(s) to classify (1 with an owner question), 1 decision(s), agreeing with the engine"
    ));
}

#[test]
fn train_list_prints_every_scenario_with_its_difficulty_and_lesson() {
    let output = support::kdrift().args(["train", "--list"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let first = stdout.lines().nth(1).unwrap();
    assert!(first.starts_with("hpa-replicas       beginner      An HPA owns replicas"), "{stdout}");
    assert!(stdout.contains("memory-hotfix      beginner"), "{stdout}");
    assert!(stdout.contains("10 scenario(s)"), "{stdout}");
}

/// The HPA drill answered right throughout; returns the screen at the debrief.
fn play_hpa_right(app: &mut App, terminal: &mut Terminal<TestBackend>) -> String {
    let briefing = screen(app, terminal);
    assert!(briefing.contains("[ALERT] ArgoCDApplicationOutOfSync — orders-api (prod)"), "{briefing}");
    assert!(!briefing.contains("replicas: 12"), "nothing is revealed before the predictions");
    press(app, &keys("\n2"));
    let predicted = screen(app, terminal);
    assert!(predicted.contains("✓ Right — you answered: No: the HPA owns replicas"), "{predicted}");
    assert!(predicted.contains("start a field"), "the explanation follows: {predicted}");
    press(app, &keys(" 2 "));
    assert_eq!(app.drill().unwrap().stage, Stage::Category(0));
    let revealed = screen(app, terminal);
    assert!(revealed.contains("replicas: 3") && revealed.contains("replicas: 12"), "the diff: {revealed}");
    assert!(revealed.contains("set by: ● ctrl · kube-controller-manager · Update · /scale"), "{revealed}");
    assert!(!revealed.contains("→ ignore"), "the engine's verdict stays hidden: {revealed}");
    press(app, &keys("3 2 "));
    assert_eq!(app.screen, Screen::Runbook, "each decision is taken on the runbook");
    press(app, &keys("i"));
    assert!(app.notice.as_deref().unwrap().starts_with("walk the runbook first"), "{:?}", app.notice);
    assert!(app.drill().unwrap().feedback.is_none());
    walk_to_step_four(app);
    let choosing = screen(app, terminal);
    assert!(choosing.contains("kdrift's suggestion stays hidden") && !choosing.contains("Suggested:"), "{choosing}");
    press(app, &keys("i"));
    assert_eq!(app.screen, Screen::Train);
    let decided = screen(app, terminal);
    assert!(decided.contains("✓ Right — you answered: ignore"), "{decided}");
    assert!(decided.contains("simulated ignore: a rule for spec.replicas on Deployment prod/orders-api"), "{decided}");
    press(app, &keys(" 2 "));
    screen(app, terminal)
}

#[test]
fn a_drill_played_right_scores_every_skill_and_records_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("alice.json");
    let (mut app, mut terminal) = session("hpa-replicas", Some(record.clone()), "alice");
    let debrief = play_hpa_right(&mut app, &mut terminal);
    assert!(debrief.contains("hpa-replicas — passed (6 of 6 right)"), "{debrief}");
    for skill in [
        "classification  ██████████ 1/1",
        "ownership       ██████████ 1/1",
        "response        ██████████ 3/3",
        "verification    ██████████ 1/1",
    ] {
        assert!(debrief.contains(skill), "{skill}: {debrief}");
    }
    assert!(debrief.contains(&format!("recorded in {}", record.display())), "{debrief}");
    let file = kdrift::training::record::read(&record).unwrap();
    assert_eq!(file.runs.len(), 1);
    assert_eq!(file.runs[0].trainee, "alice");
    assert!(file.runs[0].seconds >= 0 && file.runs[0].finished_at.ends_with('Z'), "{:?}", file.runs[0]);
    assert!(file.runs[0].score.passed);
    // Enter goes back to the picker with another scenario to play.
    press(&mut app, &keys("\n"));
    assert!(app.drill().is_none());
    let picker = screen(&app, &mut terminal);
    assert!(picker.contains("Training scenarios (10)"), "{picker}");
    let row = picker.lines().find(|l| l.contains("hpa-replicas")).unwrap();
    assert!(row.contains("✓ 6/6"), "the picker shows what was played: {row}");
}

#[test]
fn a_wrong_sync_on_the_memory_hotfix_shows_the_oom_kills_and_fails_the_drill() {
    let (mut app, mut terminal) = session("memory-hotfix", None, "bob");
    press(&mut app, &keys("\n1"));
    let predicted = screen(&app, &mut terminal);
    assert!(predicted.contains("✗ Not quite — you answered: Sync: the alert says the cluster is wrong; the answer: Compare desired and live"), "{predicted}");
    press(&mut app, &keys(" 1 "));
    let revealed = screen(&app, &mut terminal);
    assert!(revealed.contains("memory: 512Mi") && revealed.contains("memory: 2Gi"), "{revealed}");
    assert!(revealed.contains("kubectl-edit · Update · 2d ago"), "{revealed}");
    press(&mut app, &keys("1 "));
    let choices = app.drill().unwrap().choices();
    assert_eq!(choices, vec!["argocd-controller", "kube-controller-manager", "kubectl-edit"]);
    press(&mut app, &keys("3 "));
    walk_to_step_four(&mut app);
    press(&mut app, &keys("s"));
    let consequences = screen(&app, &mut terminal);
    assert!(
        consequences.contains("✗ Not quite — you answered: sync; the answer: backport or escalate"),
        "{consequences}"
    );
    assert!(
        consequences.contains(
            "simulated sync: live spec.template.spec.containers[name=app].resources.limits.memory 2Gi → 512Mi"
        ),
        "{consequences}"
    );
    assert!(consequences.contains("OOMKilled") && consequences.contains("CrashLoopBackOff"), "{consequences}");
    // Step 5 of the runbook carries the simulated result too.
    let verify = &app.runbook.as_ref().unwrap().runbook.items[4][0];
    assert!(verify.evidence.iter().any(|e| e.contains("2Gi → 512Mi")), "{:?}", verify.evidence);
    press(&mut app, &keys(" "));
    let verify = screen(&app, &mut terminal);
    assert!(
        verify.contains("Suppose the expected correction (backport or escalate) was made instead of yours:"),
        "the backport question says it is about the right correction, not the sync: {verify}"
    );
    press(&mut app, &keys("1 "));
    let debrief = screen(&app, &mut terminal);
    assert!(debrief.contains("memory-hotfix — not passed yet (2 of 6 right)"), "{debrief}");
    assert!(
        debrief.contains("decide Deployment/prod/storefront-api: you said sync, the answer: backport or escalate"),
        "{debrief}"
    );
    assert!(debrief.contains("verification    ░░░░░░░░░░ 0/1"), "{debrief}");
}

#[test]
fn records_round_trip_through_the_instructors_report() {
    let class = tempfile::tempdir().unwrap();
    let (mut app, mut terminal) = session("hpa-replicas", Some(class.path().join("alice.json")), "alice");
    play_hpa_right(&mut app, &mut terminal);
    // Bob predicts right but syncs against the HPA.
    let (mut app, _) = session("hpa-replicas", Some(class.path().join("bob.json")), "bob");
    press(&mut app, &keys("\n2 2 3 2 "));
    walk_to_step_four(&mut app);
    press(&mut app, &keys("s 2 "));
    assert_eq!(app.drill().unwrap().stage, Stage::Debrief);
    // A stray file in the class directory is reported, not fatal, and left as it was.
    std::fs::write(class.path().join("notes.json"), "{\"todo\": true}").unwrap();

    let output = support::kdrift().args(["train", "--report"]).arg(class.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.starts_with("Training report: 2 run(s) by 2 trainee(s) in 2 record file(s)"), "{report}");
    let row = report.lines().find(|l| l.starts_with("hpa-replicas")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[..9], ["hpa-replicas", "2", "1", "50%", "92%", "100%", "100%", "83%", "100%"], "{report}");
    assert!(cells[9].ends_with('s'), "the median time: {row}");
    let trainees: Vec<Vec<&str>> = report
        .lines()
        .skip_while(|l| !l.starts_with("TRAINEE"))
        .skip(1)
        .take(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        trainees,
        [vec!["alice", "1", "1", "100%", "–"], vec!["bob", "1", "0", "83%", "hpa-replicas"]],
        "{report}"
    );
    assert!(
        report.contains(
            "most common wrong answer: decide Deployment/prod/orders-api → 'sync' in 1 of 2 run(s) (right: ignore)"
        ),
        "{report}"
    );
    assert!(
        report.contains("skipped: '") && report.contains("notes.json' is not a kdrift training record"),
        "{report}"
    );
    assert_eq!(std::fs::read_to_string(class.path().join("notes.json")).unwrap(), "{\"todo\": true}");

    let output = support::kdrift().args(["train", "--report"]).arg(class.path()).args(["-o", "json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["scenarios"][0]["success_rate"], 50);
    assert_eq!(json["scenarios"][0]["most_common_wrong"]["given"], "sync");
    assert_eq!(json["trainees"][1]["not_passed"][0], "hpa-replicas");

    // Recording into a file that is not a record writes nothing to it.
    let error = kdrift::training::record::append(
        &class.path().join("notes.json"),
        kdrift::training::record::read(&class.path().join("bob.json")).unwrap().runs[0].clone(),
    )
    .expect_err("not a record");
    assert!(error.to_string().contains("nothing was written to it"), "{error}");
    assert_eq!(std::fs::read_to_string(class.path().join("notes.json")).unwrap(), "{\"todo\": true}");
}

#[test]
fn a_trainee_plays_a_scenario_with_the_real_binary_in_an_empty_directory() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let record = home.path().join("alice.json");
    let record_arg = record.to_str().unwrap();
    let mut terminal = support::terminal::Terminal::start(
        &["train", "--record", record_arg, "--trainee", "alice"],
        home.path(),
        work.path(),
    );
    terminal.wait_for("Training scenarios (10)");
    terminal.type_keys(b"\r");
    terminal.wait_for("[ALERT] ArgoCDApplicationOutOfSync — orders-api (prod)");
    terminal.type_keys(b"\r2");
    terminal.wait_for("✓ Right");
    terminal.type_keys(b" 2 3");
    terminal.wait_for("kube-controller-manager · Update · /scale");
    // Step 1 and step 3 each wait for one tick; step 4 takes the decision.
    terminal.type_keys(b" 2  \t\t \ti");
    terminal.wait_for("simulated ignore");
    terminal.type_keys(b" 2 ");
    terminal.wait_for("passed (6 of 6 right)");
    terminal.wait_for("recorded in");
    terminal.type_keys(b"\rq");
    assert!(terminal.finish(), "quits cleanly");
    assert!(terminal.restored());
    assert_eq!(kdrift::training::record::read(&record).unwrap().runs[0].score.total.right, 6);
    assert_eq!(std::fs::read_dir(work.path()).unwrap().count(), 0, "nothing written where the trainee stood");
}

#[test]
fn leaving_a_drill_takes_a_second_q_and_drops_its_answers() {
    let (mut app, mut terminal) = session("orphan-service", None, "carol");
    press(&mut app, &keys("\n2 "));
    press(&mut app, &keys("q"));
    assert!(app.drill().is_some(), "one q only asks");
    assert!(screen(&app, &mut terminal).contains("q or Esc again leaves the drill"));
    press(&mut app, &keys("j"));
    press(&mut app, &keys("q"));
    assert!(app.drill().is_some(), "another key in between starts over");
    press(&mut app, &keys("q"));
    assert!(app.drill().is_none(), "the second q in a row leaves");
    let picker = screen(&app, &mut terminal);
    let row = picker.lines().find(|l| l.contains("orphan-service")).unwrap();
    assert!(row.contains(" – "), "an unfinished drill has no result: {row}");
    press(&mut app, &keys("q"));
    assert!(app.quit, "q on the picker quits");
}

/// The HPA drill at `width`×`height`, at its first classification question (predictions
/// answered right).
fn at_first_classification(width: u16, height: u16) -> (App, Terminal<TestBackend>) {
    let (mut app, _) = session("hpa-replicas", None, "dave");
    app.update(Msg::Resize(width, height));
    press(&mut app, &keys("\n2 2 "));
    assert_eq!(app.drill().unwrap().stage, Stage::Category(0));
    (app, Terminal::new(TestBackend::new(width, height)).unwrap())
}

#[test]
fn no_answer_is_preselected_and_only_the_continue_key_moves_past_the_feedback() {
    let (mut app, mut terminal) = session("hpa-replicas", None, "erin");
    press(&mut app, &keys("\n"));
    assert!(matches!(app.drill().unwrap().stage, Stage::Predict(0)));
    let question = screen(&app, &mut terminal);
    assert!(!question.contains('▸'), "nothing highlighted before the trainee chooses: {question}");
    press(&mut app, &keys("\n"));
    assert!(app.drill().unwrap().feedback.is_none(), "Enter alone answers nothing");
    assert!(screen(&app, &mut terminal).contains("choose an answer first"));
    press(&mut app, &keys("j\n"));
    let answered = app.drill().unwrap().feedback.clone().expect("j then Enter answers the first choice");
    assert_eq!(answered.given, app.drill().unwrap().choices()[0]);
    // A second Enter (the double press of a hurried trainee) stays on the explanation.
    press(&mut app, &keys("\n\n"));
    assert!(matches!(app.drill().unwrap().stage, Stage::Predict(0)), "Enter does not move on");
    assert!(screen(&app, &mut terminal).contains("space (or Tab) continues"));
    press(&mut app, &keys(" "));
    assert!(matches!(app.drill().unwrap().stage, Stage::Predict(1)));
    assert!(app.drill().unwrap().feedback.is_none() && app.drill().unwrap().selected.is_none());
}

#[test]
fn every_choice_can_be_reached_and_seen_at_80_by_24() {
    let (mut app, mut terminal) = at_first_classification(80, 24);
    let choices = app.drill().unwrap().choices();
    assert!(choices.len() >= 5, "{choices:?}");
    for (index, choice) in choices.iter().enumerate() {
        press(&mut app, &keys("j"));
        let shown = screen(&app, &mut terminal);
        assert_eq!(app.drill().unwrap().selected, Some(index));
        let line = format!("▸ {}  {choice}", index + 1);
        assert!(shown.contains(&line), "the highlighted choice {line:?} is on screen:\n{shown}");
    }
}

#[test]
fn the_ownership_question_does_not_print_its_answer_above_it() {
    let (mut app, mut terminal) = at_first_classification(120, 40);
    let category = screen(&app, &mut terminal);
    assert!(category.contains("set by: ● ctrl · kube-controller-manager"), "{category}");
    press(&mut app, &keys("3 "));
    assert_eq!(app.drill().unwrap().stage, Stage::Owner(0));
    let owner = screen(&app, &mut terminal);
    assert!(owner.contains("set by: ? (the question below)"), "{owner}");
    assert!(!owner.contains("· kube-controller-manager · Update"), "{owner}");
    press(&mut app, &keys("2"));
    assert!(screen(&app, &mut terminal).contains("set by: ● ctrl · kube-controller-manager"), "shown with the answer");
}

#[test]
fn the_picker_says_where_answers_are_recorded() {
    let record = tempfile::tempdir().unwrap().path().join("frank.json");
    let scenarios = scenario::embedded().unwrap();
    let app =
        App::training(Training::new(scenarios, Some(record.clone()), "frank".to_owned()), None, Options::default());
    let mut terminal = Terminal::new(TestBackend::new(160, 30)).unwrap();
    let picker = screen(&app, &mut terminal);
    assert!(picker.contains(&format!("finished drills are recorded in {}", record.display())), "{picker}");
    let app =
        App::training(Training::new(scenario::embedded().unwrap(), None, "gina".to_owned()), None, Options::default());
    assert!(screen(&app, &mut terminal).contains("nothing is recorded"));
}
