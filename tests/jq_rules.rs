//! Hostile jq rules (issue 15): an ignore rule's expression comes from a file or from a live
//! object anyone with write access can create, and may never end, fill memory, recurse past
//! any stack, or take long to compile; the object it runs on may be huge or deep. Each is
//! stopped within its budget, named once, and costs nothing more; every other rule still
//! runs, with exactly the effect it would have run alone.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use std::path::PathBuf;
use support::{NOW, bounded, kdrift, run, tree};

fn leaks() -> PathBuf {
    support::fixture("hostile/leaks")
}

/// `kdrift` under `ulimit -s 1024`, as on a tightly configured machine: its threads' stacks
/// (the main one, the worker's main one) are then a quarter of the usual.
fn with_small_stack() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new("sh");
    command.args(["-c", "ulimit -s 1024 && exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_kdrift")]);
    for (key, value) in support::kdrift().get_envs() {
        if let Some(value) = value {
            command.env(key, value);
        }
    }
    command
}

#[test]
fn jq_rules_that_never_end_or_fill_memory_are_stopped_and_named() {
    let rules = "- group: apps
  kind: Deployment
  jqPathExpressions: ['until(false; .)']
- group: apps
  kind: Deployment
  jqPathExpressions: ['def f: f; f']
- group: apps
  kind: Deployment
  jqPathExpressions: ['repeat(.)']
- group: apps
  kind: Deployment
  jqPathExpressions: ['def f: (f as $x | .); f']
- group: apps
  kind: Deployment
  jqPathExpressions: ['.metadata.annotations.team']
";
    let dir = tree(&[
        ("rules.yaml", rules),
        ("config.toml", "mask_annotations = [\"vault.example.com/token\"]\n[limits]\njq_ms = 500\njq_memory_mb = 64\n"),
    ]);
    let mut command = kdrift();
    command.arg("scan").arg("--desired").arg(leaks().join("desired")).arg("--live").arg(leaks().join("live"));
    command.arg("--config").arg(dir.path().join("config.toml")).arg("--ignore").arg(dir.path().join("rules.yaml"));
    command.args(["--app", "web", "-n", "prod", "--now", NOW, "-o", "json"]);
    let started = std::time::Instant::now();
    let result = bounded(&mut command, 60);
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let web = report["apps"][0]["resources"].as_array().unwrap().iter().find(|r| r["name"] == "web").unwrap().clone();
    let notes: Vec<&str> = web["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    for index in 0..4 {
        assert!(
            notes.iter().any(|n| n.contains(&format!("rules.yaml [{index}] skipped"))
                && (n.contains("ran past its 500 ms budget") || n.contains("over the 64 MiB memory limit"))),
            "rule {index}: {notes:#?}"
        );
    }
    assert!(!notes.iter().any(|n| n.contains("[4]")), "the sound rule still runs: {notes:#?}");

    // Given time, `repeat(.)` meets the memory cap instead (a debug build allocates slowly).
    let hungry = "- group: apps\n  kind: Deployment\n  jqPathExpressions: ['repeat(.)']\n";
    let dir = tree(&[("rules.yaml", hungry), ("config.toml", "[limits]\njq_ms = 60000\njq_memory_mb = 32\n")]);
    let mut command = kdrift();
    command.arg("scan").arg("--desired").arg(leaks().join("desired")).arg("--live").arg(leaks().join("live"));
    command.arg("--config").arg(dir.path().join("config.toml")).arg("--ignore").arg(dir.path().join("rules.yaml"));
    let result = bounded(command.args(["--app", "web", "-n", "prod", "--now", NOW]), 90);
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(result.stdout.contains("jq exhausted the evaluator (over the 32 MiB memory limit"), "{}", result.stdout);
}

/// Three hundred rules run in order: kdrift runs them ahead in batches, and must still see
/// each rule's effect on the next (rule 151 selects `b` only while `a` is there; rule 150
/// deletes `a`), stop a runaway met while running ahead (rule 200), and go on after it.
#[test]
fn many_jq_rules_run_ahead_exactly_as_one_by_one() {
    let mut rules = String::new();
    for index in 0..300 {
        let expression = match index {
            150 => ".metadata.annotations.a".to_owned(),
            151 => ".metadata.annotations | select(has(\"a\")) | .b".to_owned(),
            200 => "until(false; .)".to_owned(),
            250 => ".metadata.annotations.c".to_owned(),
            _ => format!(".metadata.annotations[\"x{index}\"]"),
        };
        rules.push_str(&format!("- group: apps\n  kind: Deployment\n  jqPathExpressions: ['{expression}']\n"));
    }
    let deployment = |annotations: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\n{annotations}spec:\n  replicas: 2\n"
        )
    };
    let live = deployment("  annotations: {a: \"1\", b: \"2\", c: \"3\"}\n");
    let dir = tree(&[
        ("desired/web.yaml", &deployment("  annotations: {a: \"0\", b: \"0\", c: \"0\"}\n")),
        ("live/web.yaml", &live),
        ("rules.yaml", &rules),
        ("config.toml", "[limits]\njq_ms = 400\n"),
    ]);
    let mut command = support::scan_tree(dir.path());
    command.arg("--config").arg(dir.path().join("config.toml")).arg("--ignore").arg(dir.path().join("rules.yaml"));
    let started = std::time::Instant::now();
    let result = bounded(command.args(["--app", "web", "-n", "prod", "--now", NOW, "-o", "json"]), 60);
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "{:?}", started.elapsed());
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let web = &report["apps"][0]["resources"][0];
    let rule_of = |annotation: &str| {
        let findings = web["findings"].as_array().unwrap();
        let path = format!("/metadata/annotations/{annotation}");
        let finding = findings.iter().find(|f| f["path"] == path.as_str()).unwrap_or_else(|| panic!("{web:#}"));
        finding["ignored_by"]["rule"].as_str().map(str::to_owned)
    };
    assert_eq!(rule_of("a").as_deref(), Some("[150]"));
    assert_eq!(rule_of("b"), None, "rule 151 sees the pair after rule 150, not before");
    assert_eq!(rule_of("c").as_deref(), Some("[250]"), "rules after the runaway still run");
    let notes = web["notes"].to_string();
    assert!(notes.contains("rules.yaml [200] skipped") && notes.contains("ran past its 400 ms budget"), "{notes}");
    assert_eq!(notes.matches("skipped").count(), 1, "only the runaway is blamed: {notes}");
}

/// Five Deployments under 200 rules: a runaway at [100] costs its budget on the first object
/// only, never again, not even run ahead; its copies at [150] and [170] (the same text, as
/// when the same rules are read again for another app) cost nothing more.
#[test]
fn a_runaway_rule_costs_its_budget_once() {
    let mut rules = String::new();
    for index in 0..200 {
        let expression = if [100, 150, 170].contains(&index) {
            "until(false; .)".to_owned()
        } else {
            format!(".metadata.annotations[\"x{index}\"]")
        };
        rules.push_str(&format!("- group: apps\n  kind: Deployment\n  jqPathExpressions: ['{expression}']\n"));
    }
    rules.push_str("- kind: ConfigMap\n  jqPathExpressions: ['def f: f; f']\n");
    let deployment = |name: &str, replicas: u32| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: prod\nspec:\n  replicas: {replicas}\n"
        )
    };
    let mut files: Vec<(String, String)> =
        vec![("rules.yaml".to_owned(), rules), ("config.toml".to_owned(), "[limits]\njq_ms = 1000\n".to_owned())];
    for index in 0..5 {
        files.push((format!("desired/web{index}.yaml"), deployment(&format!("web{index}"), 2)));
        files.push((format!("live/web{index}.yaml"), deployment(&format!("web{index}"), 3)));
    }
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(path, text)| (path.as_str(), text.as_str())).collect();
    let dir = tree(&borrowed);
    let mut command = support::scan_tree(dir.path());
    command.arg("--config").arg(dir.path().join("config.toml")).arg("--ignore").arg(dir.path().join("rules.yaml"));
    let started = std::time::Instant::now();
    let result = bounded(command.args(["--app", "web", "-n", "prod", "--now", NOW, "-o", "json"]), 60);
    assert_eq!(result.code, 1, "{}", result.stderr);
    // Run ahead once, asked once, alone once: three budgets, for all copies and objects (a
    // budget per copy would be 9 s, per object 15 s).
    assert!(started.elapsed() < std::time::Duration::from_secs(7), "{:?}", started.elapsed());
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let notes = report["apps"][0]["resources"].to_string();
    for index in [100, 150, 170] {
        let first = format!("[{index}] skipped for this object: jq ran past its 1000 ms budget");
        assert_eq!(notes.matches(&first).count(), 1, "{notes}");
        let later = format!("[{index}] skipped for this object: jq not run again");
        assert_eq!(notes.matches(&later).count(), 4, "{notes}");
    }
    assert_eq!(notes.matches("skipped").count(), 15, "no other rule is blamed: {notes}");
}

/// An expression that deletes a whole side (`path(.)`) leaves `null` for the next one, as
/// jq would: never the object it had before.
#[test]
fn an_expression_after_one_that_deleted_a_whole_side_sees_null() {
    let rules = "- group: apps\n  kind: Deployment\n  jqPathExpressions:\n  - 'select(.metadata.annotations.drop == \"yes\")'\n  - '.spec.replicas.foo'\n";
    let deployment = |replicas: u32| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\n  annotations: {{drop: 'yes'}}\nspec:\n  replicas: {replicas}\n"
        )
    };
    let dir = tree(&[("desired/web.yaml", &deployment(3)), ("live/web.yaml", &deployment(5)), ("rules.yaml", rules)]);
    let mut command = support::scan_tree(dir.path());
    command.arg("--ignore").arg(dir.path().join("rules.yaml"));
    let result = bounded(command.args(["--app", "web", "-n", "prod", "--now", NOW, "-o", "json"]), 60);
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let web = &report["apps"][0]["resources"][0];
    assert_eq!(web["findings"][0]["ignored_by"]["rule"], "[0]", "{web:#}");
    assert!(!web["notes"].to_string().contains("skipped"), "{web:#}");
}

/// jq's lexer, parser and compiler recurse once per level (`(`, `|`, `try`, `def`, an
/// interpolated string): an expression deep enough to overflow a stack is refused in one
/// line, and one just within the bound compiles and runs, in kdrift and in its worker,
/// whatever `ulimit -s` says.
#[test]
fn deep_or_huge_jq_expressions_are_one_line_errors_never_a_crash() {
    let rule =
        |expression: String| format!("- group: apps\n  kind: Deployment\n  jqPathExpressions:\n  - '{expression}'\n");
    let too_deep = "more than 1024 words, operators and brackets";
    for (expression, said) in [
        (vec![".a"; 3000].join("|"), too_deep),
        (format!("{}.a", "try ".repeat(1100)), too_deep),
        (format!("{}.a", "def f: ".repeat(400)), too_deep),
        (format!("{}.a{}", "\"\\(".repeat(600), ")\"".repeat(600)), too_deep),
        (format!(".metadata.annotations[\"{}\"]", "A".repeat(20_000)), "longer than 16 KiB"),
    ] {
        let dir = tree(&[("rules.yaml", &rule(expression))]);
        let result = run(support::kdrift()
            .args(["scan", "--sample", "checkout-api", "--ignore"])
            .arg(dir.path().join("rules.yaml")));
        support::assert_one_line_error(&result, &["rules.yaml: [0].jqPathExpressions[0]: invalid jq", said]);
    }
    for within in [
        format!("{}.spec.replicas{}", "(".repeat(1000), ")".repeat(1000)),
        format!("{}.spec.replicas", "try ".repeat(1000)),
        // A regex in a string is one token, however many `|` and `(` it holds.
        format!(".spec | select(has(\"replicas\") or (\"{}\" | test(\"x\"))) | .replicas", "(a|b)".repeat(900)),
    ] {
        let dir = tree(&[("rules.yaml", &rule(within.clone()))]);
        let mut command = with_small_stack();
        command.args(["scan", "--sample", "checkout-api", "-o", "json", "--ignore"]).arg(dir.path().join("rules.yaml"));
        let result = bounded(&mut command, 60);
        assert_eq!(result.code, 1, "{}", result.stderr);
        let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
        let findings = report["apps"][0]["resources"].to_string();
        assert!(findings.contains(r#""method":"jq""#), "{}: {findings}", &within[..40]);
        assert!(!findings.contains("skipped"), "{findings}");
    }
}

/// jq reads a comment ending in a backslash as going on to the next line: the text kdrift
/// puts after an expression is never swallowed by one.
#[test]
fn a_comment_ending_in_a_backslash_swallows_nothing() {
    let rules = "- group: apps\n  kind: Deployment\n  jqPathExpressions:\n  - '.spec.replicas # the HPA owns it \\'\n  - '.metadata.annotations.absent # \\\\'\n";
    let dir = tree(&[("rules.yaml", rules)]);
    let result = run(support::kdrift()
        .args(["scan", "--sample", "checkout-api", "-o", "json", "--ignore"])
        .arg(dir.path().join("rules.yaml")));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let findings = report["apps"][0]["resources"].as_array().unwrap().iter().flat_map(|r| r["findings"].as_array());
    let replicas = findings.flatten().find(|f| f["path"] == "/spec/replicas").cloned().unwrap();
    assert_eq!(replicas["ignored_by"]["method"], "jq", "{replicas:#}");
}

/// The fields of `/proc/<pid>/stat` after the command name (state first), if it exists.
fn stat(pid: u32) -> Vec<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().map(str::to_owned).collect()
}

/// Whether `pid` is a live process (not gone, not a zombie).
fn alive(pid: u32) -> bool {
    stat(pid).first().is_some_and(|state| state != "Z")
}

/// The jq workers `parent` started.
fn workers_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            stat(*pid).get(1).is_some_and(|ppid| *ppid == parent.to_string())
                && cmdline.split(|b| *b == 0).any(|arg| arg == b"__jq-worker")
        })
        .collect()
}

/// kdrift killed (SIGKILL, no chance to clean up) while its worker runs a runaway rule with
/// a long budget: the worker must not spin on alone, orphaned, for the rest of the budget.
#[test]
fn a_worker_dies_with_kdrift_even_in_the_middle_of_a_runaway() {
    let rules = "- group: apps\n  kind: Deployment\n  jqPathExpressions: ['until(false; .)']\n";
    let dir = tree(&[("rules.yaml", rules), ("config.toml", "[limits]\njq_ms = 600000\n")]);
    let mut kdrift = std::process::Command::new(env!("CARGO_BIN_EXE_kdrift"))
        .args(["scan", "--sample", "checkout-api", "--config"])
        .arg(dir.path().join("config.toml"))
        .arg("--ignore")
        .arg(dir.path().join("rules.yaml"))
        .env("XDG_DATA_HOME", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let worker = loop {
        if let Some(worker) = workers_of(kdrift.id()).first() {
            break *worker;
        }
        assert!(started.elapsed().as_secs() < 30, "no worker started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    // Into the runaway: the worker spins (a worker waiting for input uses no CPU).
    let busy = |pid: u32| stat(pid).get(11).and_then(|ticks| ticks.parse::<u64>().ok()).unwrap_or(0) >= 20;
    while !busy(worker) {
        assert!(started.elapsed().as_secs() < 60, "the worker never ran the rule");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    kdrift.kill().unwrap();
    kdrift.wait().unwrap();
    let killed = std::time::Instant::now();
    while alive(worker) {
        assert!(killed.elapsed().as_secs() < 5, "the worker {worker} outlived kdrift by 5 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// An object too large for the evaluator's memory is the object's problem, not the rule's:
/// the rule is noted as not run there and still runs on the next object; a large object that
/// fits takes the time it needs to be sent, which no expression's budget pays for.
#[test]
fn an_object_too_large_for_the_evaluator_costs_no_rule_its_place() {
    let configmap = |name: &str, payload: &str, a: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: prod\ndata:\n  a: '{a}'\n  payload: '{payload}'\n"
        )
    };
    let huge = "x".repeat(24 * 1024 * 1024);
    let large = "y".repeat(3 * 1024 * 1024);
    let dir = tree(&[
        ("desired/huge.yaml", &configmap("huge", &huge, "1")),
        ("live/huge.yaml", &configmap("huge", &huge, "2")),
        ("desired/large.yaml", &configmap("large", &large, "1")),
        ("live/large.yaml", &configmap("large", &large, "2")),
        ("rules.yaml", "- kind: ConfigMap\n  jqPathExpressions: ['.data.a']\n"),
        ("config.toml", "[limits]\njq_ms = 100\njq_memory_mb = 48\n"),
    ]);
    let mut command = support::scan_tree(dir.path());
    command.arg("--config").arg(dir.path().join("config.toml")).arg("--ignore").arg(dir.path().join("rules.yaml"));
    let result = bounded(command.args(["--app", "web", "-n", "prod", "--now", NOW, "-o", "json"]), 120);
    assert!(result.code == 0 || result.code == 1, "{}", result.stderr);
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let resources = report["apps"][0]["resources"].as_array().unwrap();
    let resource = |name: &str| resources.iter().find(|r| r["name"] == name).unwrap().clone();
    let (huge, large) = (resource("huge"), resource("large"));
    assert!(
        huge["notes"].to_string().contains("jq was not run: the object could not be handed to the jq evaluator"),
        "{}",
        huge["notes"]
    );
    assert_eq!(large["findings"][0]["ignored_by"]["method"], "jq", "{}", large["notes"]);
    assert!(!large["notes"].to_string().contains("skipped"), "{}", large["notes"]);
}

/// Compiling a program of many large expressions takes far longer than one expression may
/// run: it is given the time kdrift itself took to compile them, never an expression's
/// budget, so no rule is blamed for it and none is compiled twice.
#[test]
fn compiling_many_large_expressions_is_charged_to_no_expression() {
    let mut rules = String::new();
    for index in 0..128 {
        let expression = format!("{}.metadata.annotations[\"x{index}\"]{}", "(".repeat(480), ")".repeat(480));
        rules.push_str(&format!("- group: apps\n  kind: Deployment\n  jqPathExpressions: ['{expression}']\n"));
    }
    let deployment = |value: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\n  annotations: {{x7: '{value}', x127: '{value}'}}\nspec:\n  replicas: 2\n"
        )
    };
    let dir = tree(&[
        ("desired/web.yaml", &deployment("0")),
        ("live/web.yaml", &deployment("1")),
        ("rules.yaml", &rules),
        ("config.toml", "[limits]\njq_ms = 100\n"),
    ]);
    let mut command = support::scan_tree(dir.path());
    command.arg("--config").arg(dir.path().join("config.toml")).arg("--ignore").arg(dir.path().join("rules.yaml"));
    let result = bounded(command.args(["--app", "web", "-n", "prod", "--now", NOW, "-o", "json"]), 120);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let web = &report["apps"][0]["resources"][0];
    let rules_used: Vec<&str> =
        web["findings"].as_array().unwrap().iter().filter_map(|f| f["ignored_by"]["rule"].as_str()).collect();
    assert_eq!(rules_used, ["[7]", "[127]"], "{web:#}");
    assert!(!web["notes"].to_string().contains("skipped"), "{}", web["notes"]);
}

/// jq's `env` reads the process environment: a rule must not be able to test
/// kdrift's (cloud tokens, Argo CD's) and spell it out, bit by bit, in what it hides.
#[test]
fn a_rule_cannot_read_kdrifts_environment() {
    let rules = "- group: apps\n  kind: Deployment\n  jqPathExpressions:\n  - '.spec | select(env.KDRIFT_TEST_SECRET == \"s3cr3t\") | .replicas'\n  - '.spec | select(env | has(\"HOME\") or has(\"KDRIFT_TEST_SECRET\")) | .replicas'\n";
    let dir = tree(&[("rules.yaml", rules)]);
    let mut command = support::kdrift();
    command.args(["scan", "--sample", "checkout-api", "-o", "json", "--ignore"]).arg(dir.path().join("rules.yaml"));
    let result = bounded(command.env("KDRIFT_TEST_SECRET", "s3cr3t"), 60);
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let findings = report["apps"][0]["resources"].as_array().unwrap().iter().flat_map(|r| r["findings"].as_array());
    let replicas = findings.flatten().find(|f| f["path"] == "/spec/replicas").cloned().unwrap();
    assert!(replicas["ignored_by"].is_null(), "a rule saw kdrift's environment: {replicas:#}");
}

/// kdrift decodes every path an expression selects: one naming millions (that do not even
/// exist) is cut at 100,000, in one note, instead of costing kdrift gigabytes.
#[test]
fn an_expression_selecting_too_many_paths_is_noted_not_decoded() {
    let rules = "- group: apps\n  kind: Deployment\n  jqPathExpressions: ['.x[range(200000)]']\n";
    let dir = tree(&[("rules.yaml", rules), ("config.toml", "[limits]\njq_ms = 30000\n")]);
    let mut command = support::kdrift();
    command.args(["scan", "--sample", "checkout-api", "-o", "json", "--config"]).arg(dir.path().join("config.toml"));
    let result = bounded(command.arg("--ignore").arg(dir.path().join("rules.yaml")), 120);
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(result.stdout.contains("jq error: selected more than 100000 paths"), "{}", result.stdout);
}
