//! Trust under hostile input (issue 15): one case per class of attack an object's author, a
//! rule's author or a broken cluster can mount. Masked values must not reach any output
//! (previews, diffs, raw views, commits, audit, training, notes), in clear or in base64.
//! The write cases (names that would reshape a URL, the server's resourceVersion
//! precondition, a backport onto an unborn current branch) live in `tests/actions.rs`
//! beside the other writes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use base64::Engine as _;
use kdrift::model::Response;
use std::path::{Path, PathBuf};
use support::api_server::{Behaviour, FakeApi, objects_in};
use support::{NOW, bounded, kdrift, run, tree};

fn leaks() -> PathBuf {
    support::fixture("hostile/leaks")
}

/// Every masked value of `tests/fixtures/hostile/leaks` in clear (the base64 forms are derived).
const FORBIDDEN: &[&str] = &[
    "hunter2",
    "git-copy",
    "git-value",
    "live-copy",
    "live-value",
    "string-data",
    "text-live",
    "l1st-in-git",
    "l1st-live",
    "l1st-b64",
    "t0ken-in-git",
    "t0ken-live",
    "t0ken-in-copy",
    "cm-t0ken-in-git",
];

/// Fails when `text` shows any forbidden value, in clear or in base64.
fn assert_no_leak(what: &str, text: &str) {
    let b64 = base64::engine::general_purpose::STANDARD;
    for secret in FORBIDDEN {
        let encoded = b64.encode(secret);
        // Padding varies with what follows in a longer value: compare the stable prefix.
        let stable = &encoded[..encoded.len() / 4 * 4 - 4];
        assert!(!text.contains(secret), "{what} shows '{secret}' in clear:\n{text}");
        assert!(!text.contains(stable), "{what} shows '{secret}' in base64 ({encoded}):\n{text}");
    }
}

fn with_config(command: &mut assert_cmd::Command) -> &mut assert_cmd::Command {
    command.arg("--config").arg(leaks().join("config.toml"))
}

#[test]
fn sync_previews_mask_annotations_payloads_and_last_applied_copies() {
    let data = tempfile::tempdir().unwrap();
    let api = FakeApi::start(objects_in(&leaks().join("live")), Behaviour::default());
    for resource in ["Deployment/web", "Secret/nodata", "Secret/withcopy", "ConfigMap/noannotations", "Secret/text"] {
        let mut command = kdrift();
        command.env("KUBECONFIG", api.kubeconfig()).env("XDG_DATA_HOME", data.path());
        command.arg("sync").arg("--desired").arg(leaks().join("desired"));
        with_config(&mut command).args(["--app", "web", "--now", NOW, "--resource", resource, "--dry-run"]);
        let result = run(&mut command);
        assert_eq!(result.code, 0, "{resource}: {}{}", result.stdout, result.stderr);
        assert!(result.stdout.contains("server dry run"), "{resource}: the preview was shown: {}", result.stdout);
        assert_no_leak(&format!("sync preview of {resource}"), &format!("{}{}", result.stdout, result.stderr));
    }
    // The change itself stays visible: a Secret that had no data gains a key.
    let mut command = kdrift();
    command.env("KUBECONFIG", api.kubeconfig()).env("XDG_DATA_HOME", data.path());
    command.arg("sync").arg("--desired").arg(leaks().join("desired"));
    with_config(&mut command).args(["--app", "web", "--now", NOW, "--resource", "Secret/nodata", "--dry-run"]);
    let shown = run(&mut command).stdout;
    assert!(shown.contains("/data: (absent) → {\"password\":\"++++++++"), "{shown}");
}

#[test]
fn diffs_and_scans_mask_malformed_payloads() {
    for resource in ["Secret/text", "Secret/list", "Deployment/web"] {
        for full in [false, true] {
            let mut command = kdrift();
            command.arg("diff").arg("--desired").arg(leaks().join("desired")).arg("--live").arg(leaks().join("live"));
            with_config(&mut command).args(["--app", "web", "-n", "prod", "--now", NOW, "--resource", resource]);
            if full {
                command.arg("--full");
            }
            let result = run(&mut command);
            assert_eq!(result.code, 0, "{resource}: {}", result.stderr);
            assert_no_leak(&format!("diff {resource} full={full}"), &format!("{}{}", result.stdout, result.stderr));
        }
    }
    for format in ["text", "json", "markdown"] {
        let mut command = kdrift();
        command.arg("scan").arg("--desired").arg(leaks().join("desired")).arg("--live").arg(leaks().join("live"));
        with_config(&mut command).args(["--app", "web", "-n", "prod", "--now", NOW, "-o", format]);
        let result = run(&mut command);
        assert_eq!(result.code, 1, "{}", result.stderr);
        assert_no_leak(&format!("scan -o {format}"), &format!("{}{}", result.stdout, result.stderr));
    }
}

#[test]
fn a_jq_rule_cannot_spell_a_secret_out_through_its_error() {
    // `hunter2` as the digits of its character codes, raised as an error: 104 117 110 …
    let rules = r#"- kind: Secret
  jqPathExpressions: ['(.data.password | @base64d | explode | map(tostring) | join("") | tonumber) as $n | error($n)']
- kind: Secret
  jqPathExpressions: ['error(.data.password | @base64d | explode | .[0])']
"#;
    let dir = tree(&[("rules.yaml", rules)]);
    for format in ["text", "json"] {
        let mut command = kdrift();
        command.arg("scan").arg("--desired").arg(leaks().join("desired")).arg("--live").arg(leaks().join("live"));
        with_config(&mut command).args(["--app", "web", "-n", "prod", "--now", NOW, "-o", format]);
        let result = run(command.arg("--ignore").arg(dir.path().join("rules.yaml")));
        assert_eq!(result.code, 1, "{}", result.stderr);
        assert!(result.stdout.contains("value withheld"), "the failing rule is noted: {}", result.stdout);
        for spelled in ["104117110", "104"] {
            let notes: Vec<&str> = result.stdout.lines().filter(|l| l.contains("jq error")).collect();
            assert!(notes.iter().all(|n| !n.contains(spelled)), "-o {format}: {notes:?}");
        }
        assert_no_leak(&format!("scan -o {format} with jq rules"), &result.stdout);
    }
}

fn git_repo(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    let path = dir.join("repo");
    let mut options = git2::RepositoryInitOptions::new();
    options.initial_head("main");
    let repo = git2::Repository::init_opts(&path, &options).unwrap();
    support::commit(&repo, files, "Alice", 1_777_000_000, "Add web");
    path
}

#[test]
fn a_masked_annotation_is_never_backported() {
    let dir = tempfile::tempdir().unwrap();
    let desired = std::fs::read_to_string(leaks().join("desired/objects.yaml")).unwrap();
    let deployment = desired.split("\n---\n").next().unwrap();
    let repo = git_repo(dir.path(), &[("apps/web/deployment.yaml", deployment)]);
    let live = tree(&[("live.yaml", std::fs::read_to_string(leaks().join("live/objects.yaml")).unwrap().as_str())]);
    let mut command = kdrift();
    command.env("XDG_DATA_HOME", dir.path().join("data"));
    command.arg("backport").arg("--repo").arg(&repo).arg("--live").arg(live.path());
    with_config(&mut command).args(["--path", "apps/web", "--app", "web", "-n", "prod", "--now", NOW]);
    let result = run(command.args(["--resource", "Deployment/web", "--yes"]));
    assert_eq!(result.code, 2, "{}{}", result.stdout, result.stderr);
    assert!(result.stderr.contains("is masked"), "{}", result.stderr);
    let opened = git2::Repository::open(&repo).unwrap();
    let branches = opened.branches(Some(git2::BranchType::Local)).unwrap().count();
    assert_eq!(branches, 1, "no backport branch was made");
    let audit = std::fs::read_to_string(dir.path().join("data/kdrift/audit.jsonl")).unwrap();
    assert_no_leak("backport", &format!("{}{}{audit}", result.stdout, result.stderr));
}

#[test]
fn the_raw_view_masks_annotations_inside_a_last_applied_copy() {
    let live = "apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  namespace: prod
  annotations:
    vault.example.com/token: t0ken-live
    kubectl.kubernetes.io/last-applied-configuration: '{\"metadata\":{\"annotations\":{\"vault.example.com/token\":\"t0ken-in-copy\"}}}'
data: {a: live}
";
    let desired = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: prod\ndata: {a: git}\n";
    let dir = tree(&[("desired/cm.yaml", desired), ("live/cm.yaml", live)]);
    let config = leaks().join("config.toml");
    let (desired_dir, live_dir) = (dir.path().join("desired"), dir.path().join("live"));
    let args = [
        "--desired",
        desired_dir.to_str().unwrap(),
        "--live",
        live_dir.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--app",
        "web",
        "-n",
        "prod",
    ];
    let mut terminal = support::terminal::Terminal::start(&args, dir.path(), dir.path());
    terminal.wait_for("web");
    terminal.type_keys(b"\r");
    terminal.wait_for("ConfigMap");
    terminal.type_keys(b"\r");
    terminal.wait_for("data");
    terminal.type_keys(b"y");
    terminal.wait_for("last-applied-configuration");
    let screen = terminal.parser.screen().contents();
    assert!(screen.contains("++++++++"), "{screen}");
    terminal.type_keys(b"qqq");
    terminal.finish();
    assert_no_leak("the raw view", &screen);
}

#[test]
fn training_consequences_mask_as_the_trainees_config_says() {
    // The image-hotfix scenario with a masked annotation changed by the same hand.
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/image-hotfix");
    let read = |part: &str| std::fs::read_to_string(sample.join(part)).unwrap();
    let desired = read("desired/deployment.yaml").replacen(
        "  namespace: prod\n",
        "  namespace: prod\n  annotations:\n    vault.example.com/token: t0ken-in-git\n",
        1,
    );
    // Live already has annotations.
    let live = read("live/deployment.yaml").replacen(
        "  annotations:\n",
        "  annotations:\n    vault.example.com/token: t0ken-live\n",
        1,
    );
    let drill = read("scenario.yaml").replacen(
        "  decide:\n",
        "    - resource: Deployment/prod/payments-api\n      field: /metadata/annotations/vault.example.com~1token\n      category: desired-config\n      explanation: the token, changed by the same hand\n  decide:\n",
        1,
    );
    let dir = tree(&[
        ("sc/scenario.yaml", &drill),
        ("sc/desired/deployment.yaml", &desired),
        ("sc/live/deployment.yaml", &live),
    ]);
    let scenario = kdrift::training::scenario::load_dir(&dir.path().join("sc")).unwrap();
    let unmasked =
        kdrift::training::simulate::consequences(&scenario, 0, kdrift::decision::Decision::Act(Response::Sync))
            .join("\n");
    assert!(unmasked.contains("t0ken-live"), "without masks the drill shows the value: {unmasked}");
    let masked = scenario.masked_with(&["vault.example.com/token".to_owned()]);
    for decision in
        [kdrift::decision::Decision::Act(Response::Sync), kdrift::decision::Decision::Act(Response::Backport)]
    {
        let lines = kdrift::training::simulate::consequences(&masked, 0, decision).join("\n");
        assert!(lines.contains("simulated"), "{lines}");
        assert_no_leak(&format!("training {decision:?}"), &lines);
    }
}

// ---- the terminal ------------------------------------------------------------------------

#[test]
fn a_signal_restores_the_terminal_before_kdrift_exits() {
    for signal in ["TERM", "HUP"] {
        let home = tempfile::tempdir().unwrap();
        let mut terminal = support::terminal::Terminal::start(&["demo"], home.path(), home.path());
        terminal.wait_for("OutOfSync");
        assert!(terminal.raw() && terminal.parser.screen().alternate_screen(), "the TUI owns the terminal");
        terminal.signal(signal);
        let code = terminal.exit_within(std::time::Duration::from_secs(10)).expect("kdrift exits on the signal");
        assert_eq!(code, if signal == "TERM" { 143 } else { 129 });
        assert!(terminal.restored(), "SIG{signal}: raw mode, alternate screen and hidden cursor all undone");
    }
}

#[test]
fn quitting_never_waits_for_a_stuck_load() {
    // An API server that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = home.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: stuck\ncontexts:\n- name: stuck\n  context: {{cluster: c, user: u}}\nclusters:\n- name: c\n  cluster: {{server: '{server}'}}\nusers:\n- name: u\n  user: {{token: t}}\n"
        ),
    )
    .unwrap();
    let desired = leaks().join("desired");
    let mut terminal = support::terminal::Terminal::start_with_env(
        &["--desired", desired.to_str().unwrap(), "--app", "web", "--request-timeout", "600"],
        home.path(),
        home.path(),
        &[("KUBECONFIG", kubeconfig.to_str().unwrap())],
    );
    terminal.wait_for("oading");
    terminal.type_keys(b"q");
    let code = terminal.exit_within(std::time::Duration::from_secs(5));
    assert_eq!(code, Some(0), "q exits at once though the load never finishes");
    assert!(terminal.restored());
}

#[test]
fn ctrl_c_cancels_a_prompt_instead_of_typing_c() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use kdrift::investigate::Request;
    use kdrift::tui::app::{App, Msg, Options};
    let mut app = App::new(Request::Samples, Options::default());
    app.update(Msg::Resize(120, 30));
    app.update(Msg::Loaded(kdrift::tui::load(&Request::Samples)));
    let ctrl_c = || Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    for opener in [':', '/'] {
        app.update(Msg::Key(KeyEvent::new(KeyCode::Char(opener), KeyModifiers::NONE)));
        app.update(Msg::Key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)));
        assert!(app.prompt.is_some(), "{opener} opens a prompt");
        app.update(ctrl_c());
        assert!(app.prompt.is_none(), "Ctrl-C closes the {opener} prompt");
        assert!(!app.quit, "and does not quit");
    }
    app.update(ctrl_c());
    assert!(app.quit, "on a screen, Ctrl-C quits");
}

// ---- output ------------------------------------------------------------------------------

/// An object whose author wants the on-call engineer's terminal: clear the screen, set the
/// title, print a fake banner in red, reorder text; and raw HTML for markdown.
const ESCAPES_LIVE: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: prod
  annotations:
    note: \"\\e]0;pwned\\a\\e[2J\\e[31mALL CLEAR: no drift\\e[0m\\u202Eevil\"
  managedFields:
  - manager: \"kubectl\\e[2J\"
    operation: Update
    time: \"2026-06-01T00:00:00Z\"
    fieldsType: FieldsV1
    fieldsV1: {f:data: {f:a: {}}, f:metadata: {f:annotations: {f:note: {}}}}
data:
  a: \"<img src=x onerror=alert(1)>\"
";

const ESCAPES_DESIRED: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: prod
data:
  a: b
";

#[test]
fn text_markdown_and_diffs_show_escapes_from_data_visibly_and_colour_only_from_kdrift() {
    let dir = tree(&[("desired/cm.yaml", ESCAPES_DESIRED), ("live/cm.yaml", ESCAPES_LIVE)]);
    let outputs = [("text", "always"), ("text", "never"), ("markdown", "never"), ("diff", "always"), ("diff", "never")];
    for (format, color) in outputs {
        let mut command = support::kdrift();
        command.arg(if format == "diff" { "diff" } else { "scan" });
        command.arg("--desired").arg(dir.path().join("desired")).arg("--live").arg(dir.path().join("live"));
        command.args(["--app", "web", "-n", "prod", "--now", NOW, "--color", color]);
        if format != "diff" {
            command.args(["-o", format]);
        }
        let result = run(&mut command);
        assert!(result.code <= 1, "{}", result.stderr);
        let out = &result.stdout;
        // The manager name is printed as it is; in the diff, the value as YAML escapes it.
        assert!(out.contains("kubectl\\u{1b}[2J"), "-o {format}: the escape is shown, not obeyed: {out}");
        let banner = if format == "diff" { "\\e[31mALL CLEAR" } else { "\\u{1b}[31mALL CLEAR" };
        if format != "diff" {
            assert!(out.contains("\\u{1b}]0;pwned\\u{7}"), "-o {format}: {out}");
            assert!(out.contains("\\u{202e}"), "{out}");
        }
        // What is left of ESC must be kdrift's own SGR colour, and only with colour on.
        let mut rest = out.as_str();
        while let Some(at) = rest.find('\x1b') {
            let sequence = &rest[at..];
            let end = sequence.find('m').expect("an SGR sequence");
            assert!(
                color == "always" && sequence[2..end].bytes().all(|b| b.is_ascii_digit() || b == b';'),
                "-o {format} --color {color}: raw escape {:?}",
                &sequence[..end.min(12)]
            );
            rest = &sequence[1..];
        }
        // The fake red banner is shown as the text it is, never painted (painted or not, the
        // data around kdrift's colour is cleaned).
        assert!(out.contains(banner), "-o {format} --color {color}: {out}");
        assert!(!out.contains('\u{7}') && !out.contains('\u{202e}'), "-o {format}");
        if format == "markdown" {
            assert!(out.contains("&lt;img src=x onerror=alert(1)&gt;"), "{out}");
            assert!(!out.contains("<img"), "{out}");
        }
    }
}

// ---- bounded reading ---------------------------------------------------------------------

#[test]
fn a_manifest_directory_with_link_loops_a_fifo_and_a_device_is_read_once_and_noted() {
    let dir = tree(&[("desired/cm.yaml", ESCAPES_DESIRED), ("live/cm.yaml", ESCAPES_DESIRED)]);
    let live = dir.path().join("live");
    std::os::unix::fs::symlink(".", live.join("loop-a")).unwrap();
    std::os::unix::fs::symlink(".", live.join("loop-b")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", live.join("zero.yaml")).unwrap();
    let fifo = live.join("pipe.yaml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let result = bounded(support::scan_tree(dir.path()).args(["--app", "web", "-n", "prod", "-o", "json"]), 30);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let notes = report["apps"][0]["notes"].to_string();
    assert!(notes.contains("pipe.yaml: skipped, it is a FIFO"), "{notes}");
    assert!(notes.contains("zero.yaml: skipped, it is a device"), "{notes}");
    assert!(notes.contains("loop-a: a link to a directory already read"), "{notes}");
}

#[test]
fn a_file_over_the_configured_limit_is_one_clear_error() {
    let big = format!("{ESCAPES_DESIRED}---\n# {}\n", "x".repeat(1_200_000));
    let dir = tree(&[
        ("desired/cm.yaml", ESCAPES_DESIRED),
        ("live/cm.yaml", &big),
        ("config.toml", "[limits]\nfile_mb = 1\n"),
    ]);
    let result = bounded(
        support::scan_tree(dir.path()).arg("--config").arg(dir.path().join("config.toml")).args(["--app", "web"]),
        30,
    );
    support::assert_one_line_error(&result, &["cm.yaml", "over the 1 MiB file limit", "file_mb"]);
}

#[test]
fn pathological_nesting_is_refused_in_linear_time() {
    let deep = format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\ndata: {}\n", "{\"a\":".repeat(40_000));
    let dir = tree(&[("desired/cm.yaml", ESCAPES_DESIRED), ("live/cm.yaml", &deep)]);
    let result = bounded(support::scan_tree(dir.path()).args(["--app", "web"]), 10);
    support::assert_one_line_error(&result, &["cm.yaml:4:", "nested more than 256 levels deep"]);
}

// ---- the API server as an adversary --------------------------------------------------------

#[test]
fn an_endless_list_and_a_huge_answer_become_notes_not_hangs() {
    let behaviour = Behaviour {
        endless: vec!["/api/v1/namespaces/prod/configmaps".to_owned()],
        padded: vec![("/api/v1/namespaces/prod/services".to_owned(), 3 * 1024 * 1024)],
        ..Behaviour::default()
    };
    let api = FakeApi::start(objects_in(&leaks().join("live")), behaviour);
    let dir = tree(&[("desired/cm.yaml", ESCAPES_DESIRED), ("config.toml", "[limits]\nresponse_mb = 1\n")]);
    let mut command = kdrift();
    command.env("KUBECONFIG", api.kubeconfig()).arg("scan").arg("--desired").arg(dir.path().join("desired"));
    command.arg("--config").arg(dir.path().join("config.toml")).args(["--app", "web", "-o", "json", "--now", NOW]);
    let result = bounded(&mut command, 30);
    assert!(result.code == 0 || result.code == 1, "{}", result.stderr);
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    // The ConfigMap is desired: its list failing leaves it uncompared (a finding); the
    // Services are evidence: a note.
    let app = report["apps"][0].to_string();
    let endless = "list configmaps in namespace prod (context test-prod): the list does not end: page 2 repeats";
    assert!(app.contains(endless), "{app}");
    assert!(app.contains("services in namespace prod: the answer is over the 1 MiB response limit"), "{app}");
    let pages = api.lines().iter().filter(|l| l.starts_with("GET /api/v1/namespaces/prod/configmaps?")).count();
    assert_eq!(pages, 2, "the second sight of the token ends the list");
}

// ---- other programs ----------------------------------------------------------------------

/// An executable shell script at `dir/name`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn a_renderer_whose_child_keeps_stdout_open_is_not_waited_for() {
    let dir = tree(&[
        ("app/kustomization.yaml", "resources: [cm.yaml]\n"),
        ("app/cm.yaml", ESCAPES_DESIRED),
        ("live/cm.yaml", ESCAPES_DESIRED),
    ]);
    // Prints the object, then leaves a child holding stdout for ten minutes.
    let renderer = script(dir.path(), "kustomize", &format!("cat <<'EOF'\n{ESCAPES_DESIRED}EOF\nsleep 600 &"));
    let mut command = kdrift();
    command.arg("scan").arg("--desired").arg(dir.path().join("app")).arg("--live").arg(dir.path().join("live"));
    command.arg("--kustomize").arg(&renderer).args(["--app", "web", "-n", "prod", "--render-timeout", "60"]);
    let started = std::time::Instant::now();
    let result = bounded(&mut command, 20);
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    // And one that never ends is stopped at the render timeout.
    let endless = script(dir.path(), "endless", "sleep 600");
    let mut command = kdrift();
    command.arg("scan").arg("--desired").arg(dir.path().join("app")).arg("--live").arg(dir.path().join("live"));
    command.arg("--kustomize").arg(&endless).args(["--app", "web", "-n", "prod", "--render-timeout", "1"]);
    let result = bounded(&mut command, 20);
    assert!(
        result.stdout.contains("did not finish within 1 s and was stopped")
            || result.stderr.contains("did not finish within 1 s"),
        "{}{}",
        result.stdout,
        result.stderr
    );
}

#[test]
fn an_escalation_hook_that_never_ends_is_stopped_and_audited_before_and_after() {
    let data = tempfile::tempdir().unwrap();
    let config =
        tree(&[("config.toml", "[escalate]\ncommand = \"sleep 600 & sleep 600\"\n[limits]\nhook_seconds = 1\n")]);
    // A snapshot of the sample: on the sample itself, decisions are simulated and no hook runs.
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/checkout-api");
    let mut command = kdrift();
    command.env("XDG_DATA_HOME", data.path()).arg("escalate");
    command.arg("--desired").arg(sample.join("desired")).arg("--live").arg(sample.join("live"));
    command
        .args(["--app", "checkout-api", "-n", "prod", "--resource", "Deployment/checkout-api", "--yes"])
        .arg("--config")
        .arg(config.path().join("config.toml"));
    let result = bounded(&mut command, 20);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(result.stdout.contains("still running after 1s: stopped"), "{}", result.stdout);
    let audit = std::fs::read_to_string(data.path().join("kdrift/audit.jsonl")).unwrap();
    let results: Vec<String> = audit
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["result"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(results, ["started", "done"]);
}

/// A kubeconfig for `server` whose user runs `plugin` for its credential.
fn exec_kubeconfig(dir: &Path, server: &str, plugin: &Path) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: test-prod\ncontexts:\n- name: test-prod\n  context: {{cluster: fake, user: plugin, namespace: prod}}\nclusters:\n- name: fake\n  cluster: {{server: '{server}'}}\nusers:\n- name: plugin\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
            plugin.display()
        ),
    )
    .unwrap();
    path
}

#[test]
fn an_exec_credential_plugin_runs_within_the_request_timeout_and_an_output_cap() {
    let api = FakeApi::start(objects_in(&leaks().join("live")), Behaviour::default());
    let dir = tree(&[("desired/cm.yaml", ESCAPES_DESIRED)]);
    let scan = |plugin: &Path| {
        let mut command = kdrift();
        command.env("KUBECONFIG", exec_kubeconfig(dir.path(), &api.url, plugin));
        command.arg("scan").arg("--desired").arg(dir.path().join("desired"));
        command.args(["--app", "web", "--request-timeout", "2", "-o", "json"]);
        bounded(&mut command, 20)
    };
    let good = script(
        dir.path(),
        "good",
        r#"echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin"}}'"#,
    );
    let result = scan(&good);
    assert!(result.code == 0 || result.code == 1, "{}", result.stderr);
    assert!(api.requests().iter().all(|r| r.authorization.as_deref() == Some("Bearer from-plugin")));
    let hanging = script(dir.path(), "hanging", "sleep 600");
    support::assert_one_line_error(&scan(&hanging), &["exec credential plugin", "did not answer within 2s"]);
    let chatty = script(dir.path(), "chatty", "yes");
    support::assert_one_line_error(&scan(&chatty), &["exec credential plugin", "printed more than 1 MiB"]);
}

// ---- one-line errors ---------------------------------------------------------------------

#[test]
fn a_broken_kubeconfig_is_one_line_that_quotes_no_credential() {
    let dir = tree(&[("desired/cm.yaml", ESCAPES_DESIRED)]);
    let broken = [
        "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: {token: KUBE-TOKEN-SECRET, [\n",
        "apiVersion: v1\nkind: Config\ncurrent-context: [not, a, string]\nusers:\n- name: u\n  user: {token: KUBE-TOKEN-SECRET}\n",
    ];
    for text in broken {
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, text).unwrap();
        let mut command = kdrift();
        command.env("KUBECONFIG", &kubeconfig).arg("scan").arg("--desired").arg(dir.path().join("desired"));
        let result = bounded(command.args(["--app", "web"]), 20);
        support::assert_one_line_error(&result, &["kubeconfig"]);
        assert!(!result.stderr.contains("KUBE-TOKEN-SECRET"), "{}", result.stderr);
    }
}
