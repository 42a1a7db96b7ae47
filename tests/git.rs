//! Desired state from Git (issue 4): real repositories built with git2 in temp directories.
//! Revisions and tags are read without a checkout, bare repositories work, each desired
//! resource and drifted line carries its commit evidence, the working tree and current branch
//! are never touched, and a missing revision or path is one clear error line.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use git2::Repository;
use serde_json::Value;
use std::path::Path;
use support::{assert_one_line_error, commit, kdrift, run, tree};

const DEPLOYMENT_V1: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: app
        image: registry.example.com/web:v1
        resources:
          limits:
            memory: 512Mi
";

const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n";

/// Live: the image is v3 (set by hand) and memory 2Gi (kubectl edit).
const LIVE: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
  managedFields:
  - manager: kubectl-edit
    operation: Update
    time: \"2026-05-20T10:00:00Z\"
    fieldsType: FieldsV1
    fieldsV1:
      f:spec:
        f:template:
          f:spec:
            f:containers:
              k:{\"name\":\"app\"}:
                f:image: {}
                f:resources:
                  f:limits:
                    f:memory: {}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: app
        image: registry.example.com/web:v3
        resources:
          limits:
            memory: 2Gi
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: prod
spec:
  selector:
    app: web
  ports:
  - port: 80
    protocol: TCP
";

/// A repository with two commits: Alice adds the app (image v1, 512Mi), Bob bumps the image
/// to v2. Tag `first` marks Alice's commit. Returns (temp dir, repo path, live dir).
fn history() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tree(&[("live/web.yaml", LIVE)]);
    let repo_path = dir.path().join("repo");
    let mut options = git2::RepositoryInitOptions::new();
    options.initial_head("main");
    let repo = Repository::init_opts(&repo_path, &options).unwrap();
    let first = commit(
        &repo,
        &[
            ("apps/web/deployment.yaml", DEPLOYMENT_V1),
            ("apps/web/service.yaml", SERVICE),
            ("README.md", "# platform\n"),
        ],
        "Alice",
        1_772_359_200, // 2026-03-01
        "Add web",
    );
    repo.tag_lightweight("first", &repo.find_object(first, None).unwrap(), false).unwrap();
    commit(
        &repo,
        &[("apps/web/deployment.yaml", &DEPLOYMENT_V1.replace("web:v1", "web:v2"))],
        "Bob",
        1_775_037_600, // 2026-04-01
        "Bump web to v2",
    );
    let live = dir.path().join("live");
    (dir, repo_path, live)
}

fn scan_json(repo: &Path, revision: &str, live: &Path) -> Value {
    let result = run(kdrift()
        .arg("scan")
        .arg("--repo")
        .arg(repo)
        .args(["--revision", revision, "--path", "apps/web", "-o", "json", "--now", "2026-06-08T09:10:00Z"])
        .arg("--live")
        .arg(live));
    assert_eq!(result.code, 1, "drift found: {}", result.stderr);
    serde_json::from_str(&result.stdout).expect("json")
}

fn deployment(report: &Value) -> &Value {
    report["apps"][0]["resources"].as_array().unwrap().iter().find(|r| r["kind"] == "Deployment").unwrap()
}

fn finding<'a>(resource: &'a Value, suffix: &str) -> &'a Value {
    resource["findings"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with(suffix)).unwrap()
}

#[test]
fn a_revision_is_read_with_commit_and_blame_evidence() {
    let (_dir, repo, live) = history();
    let report = scan_json(&repo, "main", &live);
    assert_eq!(report["apps"][0]["name"], "web", "the app is named after --path");
    let deployment = deployment(&report);
    let source = deployment["desired_source"].as_str().unwrap();
    assert!(source.starts_with("apps/web/deployment.yaml@") && source.ends_with("#1"), "{source}");
    assert_eq!(deployment["desired_commit"]["author"], "Bob", "the file was last changed by Bob");
    assert_eq!(deployment["desired_commit"]["summary"], "Bump web to v2");
    let image = finding(deployment, "/image");
    assert_eq!(image["desired"], "registry.example.com/web:v2");
    assert_eq!(image["git_commit"]["author"], "Bob", "Bob's commit set the image line");
    assert_eq!(image["git_commit"]["time"], "2026-04-01T10:00:00Z");
    let memory = finding(deployment, "/memory");
    assert_eq!(memory["git_commit"]["author"], "Alice", "the memory line dates from Alice's commit");
    assert_eq!(memory["git_commit"]["summary"], "Add web");

    let text = run(kdrift()
        .arg("scan")
        .arg("--repo")
        .arg(&repo)
        .args(["--revision", "main", "--path", "apps/web"])
        .arg("--live")
        .arg(&live))
    .stdout;
    assert!(text.contains("git: file last changed in "), "{text}");
    assert!(text.contains("by Alice on 2026-03-01: Add web"), "{text}");
}

#[test]
fn older_revisions_and_tags_are_read_without_a_checkout() {
    let (_dir, repo, live) = history();
    let report = scan_json(&repo, "first", &live);
    let image = finding(deployment(&report), "/image");
    assert_eq!(image["desired"], "registry.example.com/web:v1");
    assert_eq!(image["git_commit"]["author"], "Alice");
    let by_parent = scan_json(&repo, "main~1", &live);
    assert_eq!(finding(deployment(&by_parent), "/image")["desired"], "registry.example.com/web:v1");
}

#[test]
fn bare_repositories_work() {
    let (dir, repo, live) = history();
    let bare = dir.path().join("bare.git");
    git2::build::RepoBuilder::new().bare(true).clone(repo.to_str().unwrap(), &bare).unwrap();
    let report = scan_json(&bare, "main", &live);
    assert_eq!(finding(deployment(&report), "/image")["git_commit"]["author"], "Bob");
}

#[test]
fn the_working_tree_index_and_branch_are_never_touched() {
    let (_dir, repo_path, live) = history();
    let repo = Repository::open(&repo_path).unwrap();
    repo.branch("feature", &repo.head().unwrap().peel_to_commit().unwrap(), false).unwrap();
    repo.set_head("refs/heads/feature").unwrap();
    // Uncommitted work in progress: a half-edited manifest.
    let wip = repo_path.join("apps/web/deployment.yaml");
    std::fs::write(&wip, "this: is [not finished\n").unwrap();
    let before_index = std::fs::read(repo_path.join(".git/index")).unwrap();

    let report = scan_json(&repo_path, "main", &live);
    assert_eq!(
        finding(deployment(&report), "/image")["desired"],
        "registry.example.com/web:v2",
        "read from Git, not the working tree"
    );
    assert_eq!(std::fs::read_to_string(&wip).unwrap(), "this: is [not finished\n");
    assert_eq!(repo.head().unwrap().name().ok(), Some("refs/heads/feature"));
    assert_eq!(std::fs::read(repo_path.join(".git/index")).unwrap(), before_index);
}

#[test]
fn a_kustomize_overlay_at_a_revision_is_rendered() {
    let (_dir, repo_path, live) = history();
    let repo = Repository::open(&repo_path).unwrap();
    commit(
        &repo,
        &[
            ("base/deployment.yaml", DEPLOYMENT_V1),
            ("base/kustomization.yaml", "resources:\n- deployment.yaml\n"),
            (
                "overlays/prod/kustomization.yaml",
                "resources:\n- ../../base\nimages:\n- name: registry.example.com/web\n  newTag: v4\n",
            ),
        ],
        "Carol",
        1_777_000_000,
        "Kustomize layout",
    );
    let result = run(kdrift()
        .arg("scan")
        .arg("--repo")
        .arg(&repo_path)
        .args(["--path", "overlays/prod", "--app", "web", "-o", "json"])
        .arg("--live")
        .arg(&live));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report: Value = serde_json::from_str(&result.stdout).unwrap();
    let deployment = deployment(&report);
    assert_eq!(finding(deployment, "/image")["desired"], "registry.example.com/web:v4", "the overlay's image tag");
    let source = deployment["desired_source"].as_str().unwrap();
    assert!(source.starts_with("overlays/prod@") && source.contains("(kustomize)"), "{source}");
}

#[test]
fn missing_revisions_and_paths_are_one_clear_line() {
    let (_dir, repo, live) = history();
    let scan = |revision: &str, path: &str| {
        run(kdrift()
            .arg("scan")
            .arg("--repo")
            .arg(&repo)
            .args(["--revision", revision, "--path", path])
            .arg("--live")
            .arg(&live))
    };
    assert_one_line_error(&scan("no-such-branch", "apps/web"), &["revision 'no-such-branch' not found in"]);
    assert_one_line_error(&scan("main", "apps/nope"), &["path 'apps/nope' does not exist at revision 'main'"]);
    assert_one_line_error(&scan("main", "README.md"), &["holds no .yaml, .yml or .json files"]);
    let not_a_repo = run(kdrift().arg("scan").arg("--repo").arg(&live).arg("--live").arg(&live));
    assert_one_line_error(&not_a_repo, &["cannot open Git repository"]);
}

const APPLICATIONS: &str = "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  source:
    repoURL: https://git.example.com/platform.git
    targetRevision: first
    path: ./apps/web
  destination:
    namespace: prod
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: gone
  namespace: argocd
spec:
  source:
    repoURL: https://git.example.com/platform.git
    targetRevision: main
    path: apps/gone
  destination:
    namespace: prod
";

#[test]
fn without_a_path_every_app_in_the_snapshot_is_scanned_at_its_target_revision() {
    let (dir, repo, live) = history();
    std::fs::write(live.join("applications.yaml"), APPLICATIONS).unwrap();
    let result = run(kdrift().arg("scan").arg("--repo").arg(&repo).arg("--live").arg(&live).args(["-o", "json"]));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report: Value = serde_json::from_str(&result.stdout).unwrap();
    let apps = report["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 2);
    assert_eq!(apps[0]["name"], "web");
    let image = finding(deployment(&report), "/image");
    assert_eq!(image["desired"], "registry.example.com/web:v1", "the Application's targetRevision 'first'");
    assert_eq!(apps[1]["name"], "gone");
    assert_eq!(apps[1]["sync_status"], "Unknown");
    assert!(apps[1]["notes"][0].as_str().unwrap().contains("path 'apps/gone' does not exist"), "{}", apps[1]);
    drop(dir);
}

#[test]
fn a_kdrift_catalog_names_apps_with_owner_and_criticality() {
    let (_dir, repo_path, live) = history();
    let repo = Repository::open(&repo_path).unwrap();
    commit(
        &repo,
        &[(
            ".kdrift.yaml",
            "apps:\n- name: storefront\n  path: apps/web\n  namespace: prod\n  owner: team-storefront\n  criticality: critical\n",
        )],
        "Dana",
        1_777_100_000,
        "Catalog",
    );
    let result = run(kdrift().arg("scan").arg("--repo").arg(&repo_path).arg("--live").arg(&live));
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(
        result.stdout.starts_with("storefront  OutOfSync  (owner team-storefront, critical; git "),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("CRITICAL desired-config     spec.template.spec.containers[name=app].image"),
        "a critical app's image drift is critical: {}",
        result.stdout
    );

    commit(
        &repo,
        &[(".kdrift.yaml", "apps:\n- name: storefront\n  path: apps/web\n  criticality: urgent\n")],
        "Dana",
        1_777_200_000,
        "Typo",
    );
    let bad = run(kdrift().arg("scan").arg("--repo").arg(&repo_path).arg("--live").arg(&live));
    assert_one_line_error(
        &bad,
        &[".kdrift.yaml@HEAD: apps[0].criticality: 'urgent' is not one of low, medium, high, critical"],
    );
}

#[test]
fn a_renderer_named_by_the_catalog_or_flag_is_checked_against_the_files() {
    let (_dir, repo_path, live) = history();
    let repo = Repository::open(&repo_path).unwrap();
    let catalog = "apps:\n- name: storefront\n  path: apps/web\n  namespace: prod\n  renderer: helm\n- name: plain-web\n  path: apps/web\n  namespace: prod\n  renderer: plain\n";
    commit(&repo, &[(".kdrift.yaml", catalog)], "Dana", 1_777_100_000, "Catalog with renderers");
    let result = run(kdrift().arg("scan").arg("--repo").arg(&repo_path).arg("--live").arg(&live).args(["-o", "json"]));
    let report: Value = serde_json::from_str(&result.stdout).unwrap_or_else(|e| panic!("{e}: {}", result.stderr));
    let apps = report["apps"].as_array().unwrap();
    assert_eq!(apps[0]["sync_status"], "Unknown", "a chart that is not there is not compared");
    assert_eq!(apps[0]["notes"][0], "not compared: --renderer helm: 'apps/web' has no Chart.yaml");
    assert_eq!(apps[1]["sync_status"], "OutOfSync", "the other app is still scanned");

    let plain = tree(&[("desired/deployment.yaml", DEPLOYMENT_V1)]);
    let forced = run(kdrift()
        .args(["scan", "--renderer", "kustomize", "--desired"])
        .arg(plain.path().join("desired"))
        .arg("--live")
        .arg(&live));
    let expected =
        format!("--renderer kustomize: '{}' has no kustomization.yaml", plain.path().join("desired").display());
    assert_one_line_error(&forced, &[expected.as_str()]);
}

/// Git leaves `metadata.namespace` to the destination; the cluster runs the app in `prod`.
const NAMESPACELESS: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\ndata:\n  mode: fast\n";
const LIVE_IN_PROD: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\n  namespace: prod\ndata:\n  mode: fast\n";
const WEB_APPLICATION: &str = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  source:\n    repoURL: https://git.example.com/platform.git\n    path: apps/web\n  destination:\n    namespace: prod\n";

#[test]
fn the_destination_namespace_outranks_dash_n_which_outranks_the_catalog() {
    let dir = tree(&[("live/settings.yaml", LIVE_IN_PROD)]);
    let repo_path = dir.path().join("repo");
    let repo = Repository::init(&repo_path).unwrap();
    let without_catalog =
        commit(&repo, &[("apps/web/settings.yaml", NAMESPACELESS)], "Alice", 1_772_359_200, "Add web");
    commit(
        &repo,
        &[(".kdrift.yaml", "apps:\n- name: web\n  path: apps/web\n  namespace: prod\n")],
        "Alice",
        1_772_359_300,
        "Catalog",
    );
    let scan = |revision: &str, extra: &[&str]| {
        let result = run(kdrift()
            .arg("scan")
            .arg("--repo")
            .arg(&repo_path)
            .args(["--revision", revision, "-o", "json"])
            .args(extra)
            .arg("--live")
            .arg(dir.path().join("live")));
        let report: Value = serde_json::from_str(&result.stdout).unwrap_or_else(|e| panic!("{e}: {}", result.stderr));
        report["apps"][0].clone()
    };
    let statuses = |app: &Value| -> Vec<String> {
        app["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}/{} {}",
                    r["namespace"].as_str().unwrap(),
                    r["name"].as_str().unwrap(),
                    r["status"].as_str().unwrap()
                )
            })
            .collect()
    };
    // The catalog says prod.
    assert_eq!(statuses(&scan("HEAD", &[])), ["prod/web-settings synced"]);
    // -n outranks the catalog.
    assert_eq!(statuses(&scan("HEAD", &["-n", "staging"])), ["staging/web-settings missing"]);
    // The Application's destination outranks -n, and the report says -n was not used.
    std::fs::write(dir.path().join("live/application.yaml"), WEB_APPLICATION).unwrap();
    let app = scan(&without_catalog.to_string(), &["-n", "staging"]);
    assert_eq!(statuses(&app), ["prod/web-settings synced"]);
    assert!(
        app["notes"].to_string().contains("deploys to namespace 'prod', so objects Git leaves without a namespace were compared there, not in 'staging' (-n)"),
        "{}",
        app["notes"]
    );
}
