//! Several clusters at once and a cluster followed live (issue 19), on loopback API servers
//! (DESIGN §6 layer 5): `--contexts`/`--all-contexts` read every context into one report and
//! one apps screen, each app tagged with its cluster, an unreachable context a warning and
//! exit code 2; the TUI follows its cluster's watches and shows a finding appear and clear.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use support::api_server::{Behaviour, FakeApi, objects_in};
use support::{NOW, assert_one_line_error, kdrift, run};

fn sample(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/checkout-api").join(part)
}

/// Two loopback clusters: `east` holds the sample's drifted objects, `west` holds Git's own
/// (nothing drifted), and `down` points at a port nobody listens on.
struct Fleet {
    east: FakeApi,
    west: FakeApi,
    dir: tempfile::TempDir,
}

impl Fleet {
    fn start() -> Fleet {
        let east = FakeApi::start(objects_in(&sample("live")), Behaviour::default());
        let west = FakeApi::start(objects_in(&sample("desired")), Behaviour::default());
        let dir = tempfile::tempdir().unwrap();
        // A port just freed: connections to it are refused.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let context =
            |name: &str| format!("- name: {name}\n  context: {{cluster: {name}, user: tester, namespace: prod}}\n");
        let cluster = |name: &str, url: &str| format!("- name: {name}\n  cluster: {{server: '{url}'}}\n");
        let text = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: east\ncontexts:\n{}{}{}clusters:\n{}{}{}users:\n- name: tester\n  user: {{token: test-token}}\n",
            context("east"),
            context("west"),
            context("down"),
            cluster("east", &east.url),
            cluster("west", &west.url),
            cluster("down", &format!("http://{closed}")),
        );
        std::fs::write(dir.path().join("kubeconfig"), text).unwrap();
        Fleet { east, west, dir }
    }

    fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    fn kdrift(&self) -> assert_cmd::Command {
        let mut command = kdrift();
        command.env("KUBECONFIG", self.kubeconfig()).env("XDG_DATA_HOME", self.dir.path());
        command
    }
}

/// `--desired` for the sample app, as every context compares it.
const APP: [&str; 5] = ["--app", "checkout-api", "--no-server-dry-run", "--now", NOW];

/// The TUI on the sample app's desired state with `kubeconfig`, plus `args`.
fn tui(kubeconfig: &Path, home: &Path, args: &[&str]) -> support::terminal::Terminal {
    let desired = sample("desired");
    let mut all = args.to_vec();
    all.extend(["--desired", desired.to_str().unwrap()]);
    all.extend(APP);
    support::terminal::Terminal::start_with_env(&all, home, home, &[("KUBECONFIG", kubeconfig.to_str().unwrap())])
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn every_context_is_read_into_one_report_with_each_apps_cluster() {
    let fleet = Fleet::start();
    let desired = sample("desired");
    let result = run(fleet
        .kdrift()
        .args(["scan", "-o", "json", "--contexts", "east,west", "--desired", desired.to_str().unwrap()])
        .args(APP));
    assert_eq!(result.code, 1, "drift in east: {}{}", result.stdout, result.stderr);
    let report = json_of(&result.stdout);
    let apps: Vec<(&str, &str, &str)> = (report["apps"].as_array().unwrap().iter())
        .map(|a| (a["name"].as_str().unwrap(), a["cluster"].as_str().unwrap(), a["sync_status"].as_str().unwrap()))
        .collect();
    assert_eq!(apps, [("checkout-api", "east", "OutOfSync"), ("checkout-api", "west", "Synced")]);
    // Each context was asked on its own server.
    assert!(fleet.east.lines().iter().any(|l| l.starts_with("GET /apis/apps/v1/namespaces/prod/deployments")));
    assert!(fleet.west.lines().iter().any(|l| l.starts_with("GET /apis/apps/v1/namespaces/prod/deployments")));

    // One context alone gives the same findings, without the cluster key (v1 unchanged).
    let alone = run(fleet
        .kdrift()
        .args(["scan", "-o", "json", "--context", "east", "--desired", desired.to_str().unwrap()])
        .args(APP));
    let mut alone = json_of(&alone.stdout);
    assert!(alone["apps"][0].get("cluster").is_none());
    alone["apps"][0]["cluster"] = json!("east");
    assert_eq!(alone["apps"][0], report["apps"][0]);

    // The text report names each app's cluster.
    let text =
        run(fleet.kdrift().args(["scan", "--contexts", "east,west", "--desired", desired.to_str().unwrap()]).args(APP));
    assert!(text.stdout.contains("cluster east;") && text.stdout.contains("cluster west;"), "{}", text.stdout);
}

#[test]
fn an_unreachable_context_is_a_warning_and_exit_code_2_and_all_unreachable_is_an_error() {
    let fleet = Fleet::start();
    let desired = sample("desired");
    let result = run(fleet
        .kdrift()
        .args(["scan", "-o", "json", "--all-contexts", "--desired", desired.to_str().unwrap()])
        .args(APP));
    assert_eq!(result.code, 2, "a cluster not read is not clean: {}{}", result.stdout, result.stderr);
    let report = json_of(&result.stdout);
    let clusters: Vec<&str> =
        report["apps"].as_array().unwrap().iter().map(|a| a["cluster"].as_str().unwrap()).collect();
    assert_eq!(clusters, ["east", "west"], "the kubeconfig's order, down left out");
    // The report itself says which cluster it does not cover (an extension of v1).
    assert!(report["unreachable"][0].as_str().unwrap().starts_with("context 'down': "), "{report}");
    let warnings: Vec<&str> = result.stderr.lines().collect();
    assert_eq!(warnings.len(), 1, "{}", result.stderr);
    assert!(
        warnings[0].starts_with("kdrift: warning: context 'down': ") && warnings[0].contains("127.0.0.1"),
        "{}",
        result.stderr
    );

    let none =
        run(fleet.kdrift().args(["scan", "--contexts", "down", "--desired", desired.to_str().unwrap()]).args(APP));
    assert_eq!(none.code, 2);
    assert_one_line_error(&none, &["no context could be read", "context 'down'"]);
}

#[test]
fn a_context_without_gitops_apps_was_read_and_is_not_unreachable() {
    // Without --desired, apps are found among each cluster's Argo CD and Flux objects, and
    // neither loopback cluster has any (a spoke of hub-and-spoke Argo CD, a local kind).
    let fleet = Fleet::start();
    let result =
        run(fleet.kdrift().args(["scan", "-o", "json", "--contexts", "east,west,east", "--no-server-dry-run"]));
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    assert_eq!(json_of(&result.stdout)["apps"], json!([]));
    let warnings: Vec<&str> = result.stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "each context once: {}", result.stderr);
    assert!(
        warnings[0].starts_with("kdrift: warning: east: no Argo CD Application or Flux Kustomization there"),
        "{}",
        result.stderr
    );
}

#[test]
fn commands_that_act_on_one_cluster_refuse_several() {
    let fleet = Fleet::start();
    let desired = sample("desired");
    let diff = run(fleet
        .kdrift()
        .args([
            "diff",
            "--contexts",
            "east,west",
            "--desired",
            desired.to_str().unwrap(),
            "--resource",
            "deploy/checkout-api",
        ])
        .args(APP));
    assert_one_line_error(&diff, &["--contexts", "kdrift diff", "--context NAME"]);
    let sync = run(fleet
        .kdrift()
        .args(["sync", "--all-contexts", "--desired", desired.to_str().unwrap(), "--resource", "deploy/checkout-api"])
        .args(APP));
    assert_one_line_error(&sync, &["kdrift sync", "--context NAME"]);
    assert!(fleet.east.lines().is_empty() && fleet.west.lines().is_empty(), "nothing was asked");
}

#[test]
fn the_tui_shows_every_cluster_in_one_apps_screen_and_drills_into_one() {
    let fleet = Fleet::start();
    let home = tempfile::tempdir().unwrap();
    let mut terminal = tui(&fleet.kubeconfig(), home.path(), &["--contexts", "east,west,down"]);
    terminal.wait_for("contexts east, west, down");
    terminal.wait_for("CLUSTER");
    terminal.wait_for("context 'down':");
    let screen = terminal.contents();
    let row = |cluster: &str| {
        screen.lines().find(|l| l.contains("checkout-api") && l.trim_end().ends_with(cluster)).map(str::to_owned)
    };
    let east = row("east").unwrap_or_else(|| panic!("{screen}"));
    let west = row("west").unwrap_or_else(|| panic!("{screen}"));
    assert!(east.contains("OutOfSync") && west.contains("Synced"), "{screen}");
    // The filter matches the cluster column; opening the app names its own context.
    terminal.type_keys(b"/west\r");
    terminal.wait_until("east filtered out", |screen| !screen.contains("OutOfSync"));
    terminal.type_keys(b"\r");
    terminal.wait_for("context west");
    terminal.type_keys(b"\x03");
    assert!(terminal.finish(), "Ctrl-C quits");
}

fn deployment(api: &FakeApi) -> Value {
    api.object("Deployment", "checkout-api").unwrap()
}

#[test]
fn the_tui_follows_its_cluster_a_finding_clears_and_one_appears_while_watching() {
    let api = FakeApi::start(objects_in(&sample("live")), Behaviour::default());
    let home = tempfile::tempdir().unwrap();
    let mut terminal = tui(&api.kubeconfig(), home.path(), &[]);
    terminal.wait_for("OutOfSync");
    terminal.wait_for("watching ·");
    // Into the app's resources, on the memory limit's line.
    terminal.type_keys(b"\r");
    terminal.wait_for("memory limit raised live by kubectl-edit");

    // Someone puts the memory limit back as Git has it: the finding clears on screen.
    let mut fixed = deployment(&api);
    fixed["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = json!("512Mi");
    api.set(fixed);
    terminal.wait_for("1 finding cleared (checkout-api)");
    let rows = |screen: &str| screen.lines().filter(|l| l.contains("Deployment checkout-api")).count();
    // The HPA's replicas and the webhook's annotation remain.
    terminal.wait_until("the memory limit gone", |screen| !screen.contains("Git says 512Mi") && rows(screen) == 2);

    // Someone edits the image: a finding appears, marked as changed.
    let mut edited = deployment(&api);
    edited["spec"]["template"]["spec"]["containers"][0]["image"] = json!("registry.example.com/checkout:v9-hotfix");
    api.set(edited);
    terminal.wait_for("1 finding appeared (checkout-api)");
    let marked = |screen: &str| screen.lines().filter(|l| l.starts_with("ΔDeployment checkout-api")).count();
    terminal.wait_until("the image's finding, marked", |screen| rows(screen) == 3 && marked(screen) == 3);
    // The watches asked the server to stream, the reloads listed again.
    assert!(api.lines().iter().any(|l| l.contains("watch=true")), "{:?}", api.lines());
    terminal.type_keys(b"\x03");
    assert!(terminal.finish(), "Ctrl-C quits");
}
