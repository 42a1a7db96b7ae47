//! The five decisions (issue 6) through the real binary: cluster writes asserted on the wire
//! (DESIGN §6: exact verbs, paths, `dryRun=All`, `fieldManager`, content types and bodies, the
//! resourceVersion abort), backports on real Git repositories built with git2 (plain files and
//! a Kustomize overlay over a shared base, rendered again with `kubectl kustomize` to prove
//! the fix), ignore rules and their preview counts, refusals, read-only mode, and the audit
//! log every decision leaves.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use git2::Repository;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use support::api_server::{Behaviour, FakeApi, Recorded, objects_in};
use support::{NOW, kdrift, run, tree};

fn sample(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/checkout-api").join(part)
}

/// `kdrift` with its own data directory (for the audit log) and the fake cluster's kubeconfig.
fn kdrift_with(data: &Path, api: Option<&FakeApi>) -> assert_cmd::Command {
    let mut command = kdrift();
    command.env("XDG_DATA_HOME", data);
    if let Some(api) = api {
        command.env("KUBECONFIG", api.kubeconfig());
    }
    command
}

fn audit(data: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(data.join("kdrift/audit.jsonl")).unwrap_or_default();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// The decision's own writes (dry runs included), without the investigation's questions to
/// the API server (`oracle_dry_runs`).
fn writes(api: &FakeApi) -> Vec<Recorded> {
    let writing = |r: &Recorded| r.method == "PATCH" || r.method == "DELETE";
    api.requests().into_iter().filter(|r| writing(r) && !is_oracle_dry_run(r)).collect()
}

/// The investigation asks the API server what it would store for Git's drifted objects: a
/// forced server-side apply with `dryRun=All`, which a decision never sends.
fn is_oracle_dry_run(request: &Recorded) -> bool {
    let query = request.query();
    request.method == "PATCH"
        && query.get("dryRun").map(String::as_str) == Some("All")
        && query.get("force").map(String::as_str) == Some("true")
}

const DEPLOYMENT_PATH: &str = "/apis/apps/v1/namespaces/prod/deployments/checkout-api";

/// `kdrift <decision> --desired <sample desired> --app checkout-api --resource …` on the cluster.
fn act_on_cluster(data: &Path, api: &FakeApi, decision: &str, resource: &str, extra: &[&str]) -> support::Run {
    run(kdrift_with(data, Some(api))
        .arg(decision)
        .arg("--desired")
        .arg(sample("desired"))
        .args(["--app", "checkout-api", "--now", NOW, "--resource", resource])
        .args(extra))
}

#[test]
fn sync_without_a_controller_dry_runs_then_applies_as_the_gitops_manager() {
    let data = tempfile::tempdir().unwrap();
    let api = FakeApi::start(objects_in(&sample("live")), Behaviour::default());
    let result = run(kdrift_with(data.path(), Some(&api))
        .env("USER", "mallory")
        .args(["sync", "--desired"])
        .arg(sample("desired"))
        .args(["--app", "checkout-api", "--now", NOW, "--resource", "Deployment/checkout-api", "--yes"]));
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    let asked: Vec<String> = api.requests().iter().filter(|r| is_oracle_dry_run(r)).map(Recorded::line).collect();
    assert_eq!(asked, [format!("PATCH {DEPLOYMENT_PATH}?dryRun=All&fieldManager=kdrift&force=true")]);
    let writes = writes(&api);
    let lines: Vec<String> = writes.iter().map(Recorded::line).collect();
    assert_eq!(
        lines,
        [
            format!("PATCH {DEPLOYMENT_PATH}?fieldManager=kdrift&dryRun=All"),
            format!("PATCH {DEPLOYMENT_PATH}?fieldManager=kdrift"),
        ]
    );
    for write in &writes {
        assert_eq!(write.content_type.as_deref(), Some("application/apply-patch+yaml"));
        let body: Value = serde_json::from_str(&write.body).unwrap();
        assert_eq!(body["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"], "512Mi");
        assert!(body["spec"].get("replicas").is_none(), "the HPA's replicas are not fought over: {body}");
        // The version shown is the write's precondition; nothing else of the server's is sent.
        assert_eq!(body["metadata"]["resourceVersion"], "912300", "{body}");
        assert!(body["metadata"].get("uid").is_none() && body.get("status").is_none());
    }
    // Between the dry run and the write: the object is read again to check nothing moved.
    let requests: Vec<String> = api.requests().iter().map(Recorded::line).collect();
    let dry_run = requests.iter().position(|l| l.ends_with("dryRun=All")).unwrap();
    let apply = requests.iter().position(|l| l == &format!("PATCH {DEPLOYMENT_PATH}?fieldManager=kdrift")).unwrap();
    assert!(requests[dry_run..apply].contains(&format!("GET {DEPLOYMENT_PATH}")), "{requests:#?}");
    assert!(result.stdout.contains("/spec/template/spec/containers/0/resources/limits/memory: 2Gi → 512Mi"));
    assert!(result.stdout.contains("restarts all 9 pods of checkout-api"), "blast radius: {}", result.stdout);
    assert!(
        result.stdout.contains("✓ spec.template.spec.containers[name=app].resources.limits.memory: no longer differs")
    );
    let entries = audit(data.path());
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!((entry["decision"].as_str(), entry["result"].as_str()), (Some("sync"), Some("done")));
    assert_eq!(entry["target"], "cluster test-prod");
    assert_eq!(entry["fields"][0]["owner"], "kubectl-edit (human)");
    // Who: the OS user from the system (not $USER, which the test sets to a lie), and the
    // identity the API server confirmed for the credentials (a SelfSubjectReview).
    let who = entry["who"].as_str().unwrap();
    assert!(who.ends_with(" as oncall@example.com (context test-prod)"), "{who}");
    assert!(!who.contains("mallory"), "{who}");
    let review = "POST /apis/authentication.k8s.io/v1/selfsubjectreviews";
    assert_eq!(api.requests().iter().filter(|r| r.line() == review).count(), 1, "asked once who the credentials are");
}

fn application() -> Value {
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "checkout-api", "namespace": "argocd"},
        "spec": {"source": {"repoURL": "https://git.example.com/platform/apps.git", "targetRevision": "main",
            "path": "apps/checkout-api"}, "destination": {"namespace": "prod"}},
        "status": {"sync": {"status": "OutOfSync", "revision": "4f9c2ab"}, "health": {"status": "Healthy"}}})
}

/// One thing a simulated controller does to the cluster.
type Step = Box<dyn Fn(&FakeApi) + Send>;

/// Plays a GitOps controller on the fake cluster: once `asked` sees the sync request on the
/// app object, `steps` run in order, half a second apart (each changes the objects).
fn controller(
    api: &std::sync::Arc<FakeApi>,
    kind: &'static str,
    asked: fn(&Value) -> bool,
    steps: Vec<Step>,
) -> std::thread::JoinHandle<bool> {
    let api = std::sync::Arc::clone(api);
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !api.object(kind, "checkout-api").is_some_and(|o| asked(&o)) {
            if std::time::Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        for step in steps {
            std::thread::sleep(std::time::Duration::from_millis(500));
            step(&api);
        }
        true
    })
}

/// The Deployment's memory limit put back as Git has it (what the controller's sync does).
fn memory_synced(api: &FakeApi) {
    let mut deployment = api.object("Deployment", "checkout-api").unwrap();
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = json!("512Mi");
    api.set(deployment);
}

#[test]
fn sync_asks_argo_cd_for_an_operation_limited_to_the_drifted_object() {
    let data = tempfile::tempdir().unwrap();
    let mut objects = objects_in(&sample("live"));
    objects.push(application());
    let api = std::sync::Arc::new(FakeApi::start(objects, Behaviour::default()));
    // Argo CD takes the operation, runs it, syncs the Deployment, and says it succeeded.
    let phase = |phase: &'static str| -> Step {
        Box::new(move |api: &FakeApi| {
            let mut app = api.object("Application", "checkout-api").unwrap();
            // Argo CD keeps the operation it runs in its state, and clears the request once done.
            let operation =
                app.get("operation").cloned().or_else(|| app.pointer("/status/operationState/operation").cloned());
            if phase != "Running" {
                app.as_object_mut().unwrap().remove("operation");
            }
            app["status"]["operationState"] = json!({"phase": phase, "operation": operation});
            api.set(app);
        })
    };
    let argo = controller(
        &api,
        "Application",
        |app| app.get("operation").is_some(),
        vec![phase("Running"), Box::new(memory_synced), phase("Succeeded")],
    );
    let result = act_on_cluster(data.path(), &api, "sync", "Deployment/checkout-api", &["--yes"]);
    assert!(argo.join().unwrap(), "the sync was asked for");
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    // Verification waited for the operation to finish, and saw what it did.
    assert!(result.stdout.contains("Argo CD operation: Succeeded"), "{}", result.stdout);
    assert!(
        result.stdout.contains("✓ spec.template.spec.containers[name=app].resources.limits.memory: no longer differs"),
        "{}",
        result.stdout
    );
    let application_path = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/checkout-api";
    let patches: Vec<Recorded> = writes(&api).into_iter().filter(|w| w.path() == application_path).collect();
    let lines: Vec<String> = patches.iter().map(Recorded::line).collect();
    assert_eq!(lines, [format!("PATCH {application_path}?dryRun=All"), format!("PATCH {application_path}")]);
    let mut body: Value = serde_json::from_str(&patches[1].body).unwrap();
    assert_eq!(patches[1].content_type.as_deref(), Some("application/merge-patch+json"));
    // The request carries a token of its own, so the operation Argo CD finishes is known to be it.
    let info = body["operation"].as_object_mut().unwrap().remove("info").unwrap();
    assert_eq!(info[0]["name"], "kdrift-request");
    assert_eq!(
        body,
        json!({"operation": {"initiatedBy": {"username": "kdrift"}, "sync": {"revision": "4f9c2ab",
            "resources": [{"group": "apps", "kind": "Deployment", "name": "checkout-api", "namespace": "prod"}]}}})
    );
    // The Deployment itself is only ever dry-run: Argo CD does the writing.
    assert!(writes(&api).iter().filter(|w| w.path() == DEPLOYMENT_PATH).all(|w| w.target.contains("dryRun=All")));
    assert!(result.stdout.contains("ask Argo CD to sync Application argocd/checkout-api"));
}

#[test]
fn a_sync_over_an_operation_argo_cd_is_running_is_refused_and_nothing_is_written() {
    let data = tempfile::tempdir().unwrap();
    let mut objects = objects_in(&sample("live"));
    let mut running = application();
    running["status"]["operationState"] = json!({"phase": "Running", "operation": {"sync": {}}});
    objects.push(running);
    let api = FakeApi::start(objects, Behaviour::default());
    let result = act_on_cluster(data.path(), &api, "sync", "Deployment/checkout-api", &["--yes"]);
    assert_eq!(result.code, 2, "{}{}", result.stdout, result.stderr);
    assert!(
        result.stderr.contains("Argo CD is busy with Application argocd/checkout-api: an operation is Running"),
        "{}",
        result.stderr
    );
    let application_path = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/checkout-api";
    assert!(
        writes(&api).iter().all(|w| w.path() != application_path || w.target.contains("dryRun=All")),
        "only the preview's dry run"
    );
}

#[test]
fn a_sync_while_the_controller_cannot_apply_warns_and_changes_nothing_in_a_sample() {
    // flux-apply-failed: Flux's newest revision failed to apply. The findings already say
    // "escalate"; a responder who syncs anyway is told it will fail, and the simulated
    // controller fails again instead of pretending the difference cleared.
    let data = tempfile::tempdir().unwrap();
    let result = run(kdrift_with(data.path(), None).args([
        "sync",
        "--sample",
        "flux-apply-failed",
        "--resource",
        "Deployment/checkout-api",
        "--yes",
    ]));
    assert!(
        result
            .stdout
            .contains("failed to apply main@sha1:def456: this asks it to apply again, and it will fail the same way"),
        "{}{}",
        result.stdout,
        result.stderr
    );
    assert!(result.stdout.contains("✗ Flux Kustomization flux-system/checkout-api failed to apply main@sha1:def456: the controller failed again"), "{}", result.stdout);
    assert!(
        result.stdout.contains("spec.template.spec.containers[name=app].image: still differs"),
        "{}",
        result.stdout
    );
}

#[test]
fn sync_asks_flux_to_reconcile_with_the_requested_at_annotation() {
    let data = tempfile::tempdir().unwrap();
    let mut objects = objects_in(&sample("live"));
    objects.push(json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "checkout-api", "namespace": "flux-system"},
        "spec": {"path": "./apps/checkout-api", "targetNamespace": "prod"},
        "status": {"lastAppliedRevision": "main@sha1:4f9c2ab", "lastAttemptedRevision": "main@sha1:4f9c2ab",
            "conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded"}]}}));
    let api = std::sync::Arc::new(FakeApi::start(objects, Behaviour::default()));
    // Flux handles the request: it syncs the Deployment, then echoes the request's token.
    let handled: Step = Box::new(|api: &FakeApi| {
        let mut kustomization = api.object("Kustomization", "checkout-api").unwrap();
        let token = kustomization["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"].clone();
        kustomization["status"]["lastHandledReconcileAt"] = token;
        api.set(kustomization);
    });
    let requested = |k: &Value| k.pointer("/metadata/annotations/reconcile.fluxcd.io~1requestedAt").is_some();
    let flux = controller(&api, "Kustomization", requested, vec![Box::new(memory_synced), handled]);
    let result = act_on_cluster(data.path(), &api, "sync", "Deployment/checkout-api", &["--yes"]);
    assert!(flux.join().unwrap(), "the reconcile was asked for");
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    assert!(
        result.stdout.contains("✓ spec.template.spec.containers[name=app].resources.limits.memory: no longer differs"),
        "{}",
        result.stdout
    );
    let path = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/checkout-api";
    let patch = writes(&api).into_iter().find(|w| w.target == path).expect("the real annotation patch");
    assert_eq!(patch.content_type.as_deref(), Some("application/merge-patch+json"));
    let body: Value = serde_json::from_str(&patch.body).unwrap();
    // The wall clock, not --now: Flux acts only on a value it has not seen.
    let stamp = body["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"].as_str().unwrap();
    assert!(stamp.starts_with("20") && stamp.ends_with('Z') && stamp != NOW, "{body}");
    assert_eq!(body["metadata"]["annotations"].as_object().unwrap().len(), 1, "{body}");
    assert!(result.stdout.contains("Flux reconcile requested at"), "{}", result.stdout);
}

#[test]
fn a_live_object_that_moved_since_it_was_read_is_not_written() {
    let data = tempfile::tempdir().unwrap();
    let behaviour = Behaviour { moved_since_list: true, ..Behaviour::default() };
    let api = FakeApi::start(objects_in(&sample("live")), behaviour);
    let result = act_on_cluster(data.path(), &api, "sync", "Deployment/checkout-api", &["--yes"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("changed since it was shown (resourceVersion 912300 → 999999): nothing was written"),
        "{}",
        result.stderr
    );
    assert!(writes(&api).iter().all(|w| w.target.contains("dryRun=All")), "only the dry run was sent");
    assert_eq!(audit(data.path())[0]["result"], "aborted");
}

#[test]
fn a_write_racing_another_writer_is_refused_by_the_servers_precondition() {
    let data = tempfile::tempdir().unwrap();
    let behaviour = Behaviour { concurrent_write: true, ..Behaviour::default() };
    let api = FakeApi::start(objects_in(&sample("live")), behaviour);
    // The re-read sees the version shown; someone writes right after it: only the
    // preconditions the write itself carries can stop it.
    let sync = act_on_cluster(data.path(), &api, "sync", "Deployment/checkout-api", &["--yes"]);
    assert_eq!(sync.code, 2, "{}{}", sync.stdout, sync.stderr);
    assert!(
        sync.stderr.contains("refused the write's resourceVersion precondition): nothing was written"),
        "{}",
        sync.stderr
    );
    let apply =
        writes(&api).into_iter().find(|w| w.target == format!("{DEPLOYMENT_PATH}?fieldManager=kdrift")).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&apply.body).unwrap()["metadata"]["resourceVersion"], "912300");
    let prune = act_on_cluster(data.path(), &api, "prune", "Service/checkout-api-legacy", &["--yes"]);
    assert_eq!(prune.code, 2, "{}{}", prune.stdout, prune.stderr);
    let path = "/api/v1/namespaces/prod/services/checkout-api-legacy";
    let delete =
        writes(&api).into_iter().find(|w| w.line() == format!("DELETE {path}?propagationPolicy=Foreground")).unwrap();
    let options: Value = serde_json::from_str(&delete.body).unwrap();
    assert_eq!(options["kind"], "DeleteOptions");
    assert!(options["preconditions"]["resourceVersion"].is_string(), "{options}");
    assert!(prune.stderr.contains("precondition): nothing was written"), "{}", prune.stderr);
    // The Service is still served: the delete did not land.
    assert!(api.lines().iter().filter(|l| l.starts_with(&format!("GET {path}"))).count() >= 1);
    let results: Vec<String> = audit(data.path()).iter().map(|e| e["result"].as_str().unwrap().to_owned()).collect();
    assert_eq!(results, ["aborted", "aborted"]);
}

#[test]
fn a_name_that_would_reshape_the_url_is_refused_before_any_request() {
    let data = tempfile::tempdir().unwrap();
    let renamed = desired_file("deployment.yaml").replacen("name: checkout-api\n", "name: checkout-api#\n", 1);
    assert!(renamed.contains("checkout-api#"));
    let dir = tree(&[("desired/deployment.yaml", &renamed)]);
    let api = FakeApi::start(objects_in(&sample("live")), Behaviour::default());
    let result = run(kdrift_with(data.path(), Some(&api))
        .arg("sync")
        .arg("--desired")
        .arg(dir.path().join("desired"))
        .args(["--app", "checkout-api", "--now", NOW, "--resource", "Deployment/checkout-api#", "--dry-run"]));
    assert_eq!(result.code, 2, "{}{}", result.stdout, result.stderr);
    support::assert_one_line_error(&result, &["checkout-api#", "not a DNS-1123 subdomain", "nothing was sent"]);
    let written: Vec<String> = writes(&api).iter().map(Recorded::line).collect();
    assert!(written.is_empty(), "no write of any kind was sent: {written:?}");
    assert!(
        api.lines().iter().all(|l| !l.contains("checkout-api#") && !l.contains("checkout-api%23")),
        "{:?}",
        api.lines()
    );
}

#[test]
fn apply_conflicts_are_shown_and_need_force() {
    let data = tempfile::tempdir().unwrap();
    let message = "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.template.spec.containers[name=\"app\"].resources.limits.memory";
    let behaviour = Behaviour { apply_conflict: Some(message.to_owned()), ..Behaviour::default() };
    let api = FakeApi::start(objects_in(&sample("live")), behaviour);
    let refused = act_on_cluster(data.path(), &api, "sync", "Deployment/checkout-api", &["--yes"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stdout.contains("conflict with \"kubectl-edit\""), "{}", refused.stdout);
    assert!(refused.stderr.contains("field conflicts"), "{}", refused.stderr);
    assert!(writes(&api).iter().all(|w| w.target.contains("dryRun=All")));
    let forced = act_on_cluster(data.path(), &api, "sync", "Deployment/checkout-api", &["--yes", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(writes(&api).iter().any(|w| w.target == format!("{DEPLOYMENT_PATH}?fieldManager=kdrift&force=true")));
}

#[test]
fn prune_dry_runs_the_delete_shows_what_points_at_it_and_deletes_in_the_foreground() {
    let data = tempfile::tempdir().unwrap();
    let api = FakeApi::start(objects_in(&sample("live")), Behaviour::default());
    let result = act_on_cluster(data.path(), &api, "prune", "Service/checkout-api-legacy", &["--yes"]);
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    let path = "/api/v1/namespaces/prod/services/checkout-api-legacy";
    let lines: Vec<String> = writes(&api).iter().map(Recorded::line).collect();
    assert_eq!(
        lines,
        [
            format!("DELETE {path}?propagationPolicy=Foreground&dryRun=All"),
            format!("DELETE {path}?propagationPolicy=Foreground")
        ]
    );
    assert!(
        result
            .stdout
            .contains("Tracking proves checkout-api managed it: label app.kubernetes.io/instance=checkout-api")
    );
    assert!(result.stdout.contains("it still selects the pods of Deployment checkout-api"), "{}", result.stdout);
    // A resource Git still has is never pruned.
    let refused = act_on_cluster(data.path(), &api, "prune", "Deployment/checkout-api", &["--yes"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("Git still has this object"), "{}", refused.stderr);
    let entries = audit(data.path());
    assert_eq!(entries.iter().map(|e| e["result"].as_str().unwrap()).collect::<Vec<_>>(), ["done", "refused"]);
}

#[test]
fn production_contexts_need_the_name_typed_and_read_only_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let config = tree(&[("config.toml", "production_contexts = [\"test-*\"]\n")]);
    let api = FakeApi::start(objects_in(&sample("live")), Behaviour::default());
    let config_arg = config.path().join("config.toml");
    let config_arg = config_arg.to_str().unwrap();
    let unconfirmed =
        act_on_cluster(data.path(), &api, "prune", "Service/checkout-api-legacy", &["--yes", "--config", config_arg]);
    assert_eq!(unconfirmed.code, 2);
    assert!(unconfirmed.stderr.contains("type 'checkout-api-legacy' to confirm"), "{}", unconfirmed.stderr);
    let typed = act_on_cluster(
        data.path(),
        &api,
        "prune",
        "Service/checkout-api-legacy",
        &["--yes", "--config", config_arg, "--confirm", "checkout-api-legacy"],
    );
    assert_eq!(typed.code, 0, "{}", typed.stderr);
    let before = api.requests().iter().filter(|r| r.method != "GET" && r.method != "POST").count();
    let read_only = act_on_cluster(data.path(), &api, "sync", "Deployment/checkout-api", &["--yes", "--read-only"]);
    assert_eq!(read_only.code, 2);
    assert!(read_only.stderr.contains("read-only"), "{}", read_only.stderr);
    let after = api.requests().iter().filter(|r| r.method != "GET" && r.method != "POST").count();
    assert_eq!(after, before, "not even a dry run, the investigation's included");
}

// ---- Git: backports -------------------------------------------------------------------

fn new_repo(dir: &Path, files: &[(&str, &str)]) -> (PathBuf, git2::Oid) {
    let path = dir.join("repo");
    let mut options = git2::RepositoryInitOptions::new();
    options.initial_head("main");
    let repo = Repository::init_opts(&path, &options).unwrap();
    let head = support::commit(&repo, files, "Alice", 1_777_000_000, "Add checkout-api");
    (path, head)
}

fn desired_file(name: &str) -> String {
    std::fs::read_to_string(sample("desired").join(name)).unwrap()
}

fn backport(data: &Path, repo: &Path, app_path: &str, resource: &str) -> support::Run {
    run(kdrift_with(data, None)
        .arg("backport")
        .arg("--repo")
        .arg(repo)
        .args(["--path", app_path, "--app", "checkout-api", "-n", "prod", "--now", NOW, "--resource", resource])
        .arg("--live")
        .arg(sample("live"))
        .arg("--audit-log")
        .arg(sample("audit.jsonl"))
        .args(["--incident", "INC-4711", "--yes"]))
}

const BRANCH: &str = "kdrift/backport/checkout-api/deployment-checkout-api";

fn file_at(repo: &Repository, reference: &str, path: &str) -> Option<String> {
    let tree = repo.revparse_single(reference).ok()?.peel_to_tree().ok()?;
    let blob = repo.find_blob(tree.get_path(Path::new(path)).ok()?.id()).ok()?;
    Some(String::from_utf8_lossy(blob.content()).into_owned())
}

#[test]
fn backport_commits_only_the_live_value_on_a_new_branch_and_touches_nothing_checked_out() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = format!("# checkout-api: owned by team payments\n{}", desired_file("deployment.yaml"))
        .replace("memory: 512Mi", "memory: 512Mi # sized for the 2025 load test");
    let (repo_path, head) = new_repo(
        dir.path(),
        &[
            ("apps/checkout-api/deployment.yaml", &deployment),
            ("apps/checkout-api/service.yaml", &desired_file("service.yaml")),
            ("apps/checkout-api/hpa.yaml", &desired_file("hpa.yaml")),
            ("apps/checkout-api/configmap.yaml", &desired_file("configmap.yaml")),
        ],
    );
    // Work in progress in the working tree must survive untouched.
    let wip = repo_path.join("apps/checkout-api/service.yaml");
    std::fs::write(&wip, "half: [edited\n").unwrap();
    let result = backport(dir.path(), &repo_path, "apps/checkout-api", "Deployment/checkout-api");
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);

    let repo = Repository::open(&repo_path).unwrap();
    assert_eq!(repo.head().unwrap().name().ok(), Some("refs/heads/main"), "still on main");
    assert_eq!(repo.head().unwrap().target(), Some(head), "main did not move");
    assert_eq!(std::fs::read_to_string(&wip).unwrap(), "half: [edited\n");
    assert_eq!(std::fs::read_to_string(repo_path.join("apps/checkout-api/deployment.yaml")).unwrap(), deployment);

    let after = file_at(&repo, BRANCH, "apps/checkout-api/deployment.yaml").expect("the branch exists");
    let changed: Vec<(&str, &str)> = deployment.lines().zip(after.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(changed.len(), 1, "one line changed: {changed:?}");
    assert_eq!(changed[0].1.trim(), "memory: 2Gi # sized for the 2025 load test", "the comment is kept");
    assert_eq!(deployment.lines().count(), after.lines().count());
    assert!(after.starts_with("# checkout-api: owned by team payments\n"));

    let commit = repo.revparse_single(BRANCH).unwrap().peel_to_commit().unwrap();
    assert_eq!(commit.parent_id(0).unwrap(), head, "branched from the app's revision");
    let message = commit.message().unwrap();
    for evidence in [
        "spec.template.spec.containers[name=app].resources.limits.memory",
        "Git: 512Mi -> live: 2Gi",
        "Set live by: marco.rossi@example.com via kubectl-edit (human), Update, at 2026-04-26T08:10:00Z",
        "Incident: INC-4711",
    ] {
        assert!(message.contains(evidence), "{evidence} in {message}");
    }
    assert!(
        result.stdout.contains("✓ apps/checkout-api/deployment.yaml: the branch now holds 2Gi"),
        "{}",
        result.stdout
    );
    // A second backport of the same resource gets a fresh branch, never moving the first.
    let again = backport(dir.path(), &repo_path, "apps/checkout-api", "Deployment/checkout-api");
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(repo.find_branch(&format!("{BRANCH}-2"), git2::BranchType::Local).is_ok());
    assert_eq!(audit(dir.path()).iter().filter(|e| e["decision"] == "backport").count(), 2);
}

#[test]
fn a_backport_never_commits_onto_the_checked_out_branch_even_unborn() {
    let dir = tempfile::tempdir().unwrap();
    let (repo_path, head) = new_repo(
        dir.path(),
        &[
            ("apps/checkout-api/deployment.yaml", &desired_file("deployment.yaml")),
            ("apps/checkout-api/hpa.yaml", &desired_file("hpa.yaml")),
        ],
    );
    // The user has just run `git switch --orphan <the name kdrift would pick>`.
    let repo = Repository::open(&repo_path).unwrap();
    repo.set_head(&format!("refs/heads/{BRANCH}")).unwrap();
    let result = run(kdrift_with(dir.path(), None)
        .arg("backport")
        .arg("--repo")
        .arg(&repo_path)
        .args(["--revision", "main", "--path", "apps/checkout-api", "--app", "checkout-api", "-n", "prod"])
        .args(["--now", NOW, "--resource", "Deployment/checkout-api", "--yes"])
        .arg("--live")
        .arg(sample("live")));
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    assert!(result.stdout.contains(&format!("{BRANCH}-2")), "{}", result.stdout);
    assert!(repo.head().is_err_and(|e| e.code() == git2::ErrorCode::UnbornBranch), "HEAD is still unborn");
    assert!(repo.find_branch(BRANCH, git2::BranchType::Local).is_err(), "the checked-out name got no commit");
    let made = repo.find_branch(&format!("{BRANCH}-2"), git2::BranchType::Local).unwrap();
    assert_eq!(made.get().peel_to_commit().unwrap().parent_id(0).unwrap(), head);

    // Run from a linked worktree, the main worktree's unborn branch is still the user's.
    let side = repo.branch("side", &repo.find_commit(head).unwrap(), false).unwrap();
    let mut options = git2::WorktreeAddOptions::new();
    let linked_path = dir.path().join("linked");
    repo.worktree("linked", &linked_path, Some(options.reference(Some(side.get())))).unwrap();
    let result = run(kdrift_with(dir.path(), None)
        .arg("backport")
        .arg("--repo")
        .arg(&linked_path)
        .args(["--revision", "main", "--path", "apps/checkout-api", "--app", "checkout-api", "-n", "prod"])
        .args(["--now", NOW, "--resource", "Deployment/checkout-api", "--yes"])
        .arg("--live")
        .arg(sample("live")));
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    assert!(result.stdout.contains(&format!("{BRANCH}-3")), "{}", result.stdout);
    assert!(repo.find_branch(BRANCH, git2::BranchType::Local).is_err(), "the main worktree's name got no commit");
    let linked = Repository::open(&linked_path).unwrap();
    assert_eq!(linked.head().unwrap().shorthand().ok(), Some("side"), "the linked worktree stays on its branch");
    assert_eq!(linked.head().unwrap().peel_to_commit().unwrap().id(), head);
}

#[test]
fn backport_into_a_kustomize_overlay_patches_the_overlay_not_the_shared_base() {
    let dir = tempfile::tempdir().unwrap();
    let base_files = ["deployment.yaml", "service.yaml", "hpa.yaml", "configmap.yaml"];
    let mut files: Vec<(String, String)> =
        base_files.iter().map(|f| (format!("apps/checkout-api/base/{f}"), desired_file(f))).collect();
    files.push((
        "apps/checkout-api/base/kustomization.yaml".into(),
        format!("resources:\n{}", base_files.iter().map(|f| format!("- {f}\n")).collect::<String>()),
    ));
    let overlay = "# prod overlay\nresources:\n- ../../base\n";
    files.push(("apps/checkout-api/overlays/prod/kustomization.yaml".into(), overlay.into()));
    files.push(("apps/checkout-api/overlays/staging/kustomization.yaml".into(), "resources:\n- ../../base\n".into()));
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    let (repo_path, _) = new_repo(dir.path(), &borrowed);
    let result = backport(dir.path(), &repo_path, "apps/checkout-api/overlays/prod", "Deployment/checkout-api");
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    assert!(result.stdout.contains("outside the app's directory"), "{}", result.stdout);

    let repo = Repository::open(&repo_path).unwrap();
    let base = file_at(&repo, BRANCH, "apps/checkout-api/base/deployment.yaml").unwrap();
    assert_eq!(base, desired_file("deployment.yaml"), "the shared base is unchanged");
    let kustomization = file_at(&repo, BRANCH, "apps/checkout-api/overlays/prod/kustomization.yaml").unwrap();
    assert!(
        kustomization.starts_with("# prod overlay\n")
            && kustomization.contains("path: kdrift-backport-deployment-checkout-api.yaml"),
        "{kustomization}"
    );
    // Rendered again by the real renderer, the prod overlay now carries the live value.
    let scan = run(kdrift_with(dir.path(), None)
        .arg("scan")
        .arg("--repo")
        .arg(&repo_path)
        .args([
            "--revision",
            BRANCH,
            "--path",
            "apps/checkout-api/overlays/prod",
            "--app",
            "checkout-api",
            "-n",
            "prod",
            "--now",
            NOW,
            "-o",
            "json",
        ])
        .arg("--live")
        .arg(sample("live")));
    let report: Value =
        serde_json::from_str(&scan.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", scan.stdout, scan.stderr));
    let memory = report.to_string().contains("resources/limits/memory");
    assert!(!memory, "no memory finding after the backport: {}", scan.stdout);
}

#[test]
fn secrets_are_never_backported() {
    let dir = tree(&[
        (
            "desired/secret.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\ndata:\n  password: b2xk\n",
        ),
        (
            "live/secret.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\ndata:\n  password: c2VjcmV0LW5ldw==\n",
        ),
    ]);
    let result = run(kdrift_with(dir.path(), None)
        .arg("backport")
        .arg("--desired")
        .arg(dir.path().join("desired"))
        .arg("--live")
        .arg(dir.path().join("live"))
        .args(["--resource", "Secret/db", "--yes"]));
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("a Secret's values must never be written to Git"), "{}", result.stderr);
    let everything = format!(
        "{}{}{}",
        result.stdout,
        result.stderr,
        std::fs::read_to_string(dir.path().join("kdrift/audit.jsonl")).unwrap()
    );
    assert!(
        !everything.contains("c2VjcmV0LW5ldw==") && !everything.contains("secret-new"),
        "no value in clear or base64"
    );
}

// ---- ignore and escalate --------------------------------------------------------------

#[test]
fn an_ignore_rule_is_committed_into_the_apps_application_on_a_new_branch() {
    let dir = tempfile::tempdir().unwrap();
    let application = "# checkout-api in prod\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: checkout-api\n  namespace: argocd\nspec:\n  project: prod # reviewed by platform\n  source:\n    repoURL: https://git.example.com/platform/apps.git\n    path: apps/checkout-api\n  destination:\n    namespace: prod\n";
    let files: Vec<(String, String)> = ["deployment.yaml", "service.yaml", "hpa.yaml", "configmap.yaml"]
        .iter()
        .map(|f| (format!("apps/checkout-api/{f}"), desired_file(f)))
        .chain([("argocd/checkout-api.yaml".to_owned(), application.to_owned())])
        .collect();
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    let (repo_path, head) = new_repo(dir.path(), &borrowed);
    let result = run(kdrift_with(dir.path(), None)
        .arg("ignore")
        .arg("--repo")
        .arg(&repo_path)
        .args(["--path", "apps/checkout-api", "--app", "checkout-api", "-n", "prod", "--now", NOW])
        .args(["--resource", "Deployment/checkout-api", "--field", "spec.replicas", "--commit", "--yes"])
        .arg("--live")
        .arg(sample("live")));
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    let repo = Repository::open(&repo_path).unwrap();
    assert_eq!(repo.head().unwrap().target(), Some(head), "main did not move");
    let edited =
        file_at(&repo, "kdrift/ignore/checkout-api/deployment-checkout-api", "argocd/checkout-api.yaml").unwrap();
    assert!(
        edited.starts_with("# checkout-api in prod\n") && edited.contains("project: prod # reviewed by platform"),
        "{edited}"
    );
    let parsed: Value = yaml_serde::from_str(&edited).unwrap();
    assert_eq!(
        parsed["spec"]["ignoreDifferences"],
        json!([{"group": "apps", "kind": "Deployment", "name": "checkout-api", "namespace": "prod", "jsonPointers": ["/spec/replicas"]}])
    );
    assert!(result.stdout.contains("✓ spec.replicas: now ignored"), "{}", result.stdout);
}

#[test]
fn ignore_rules_are_the_narrowest_and_their_preview_counts_what_they_hide() {
    let data = tempfile::tempdir().unwrap();
    let rules = data.path().join("rules.yaml");
    let sample_args = ["--sample", "checkout-api", "--resource", "Deployment/checkout-api"];
    let replicas = run(kdrift_with(data.path(), None)
        .arg("ignore")
        .args(sample_args)
        .args(["--field", "spec.replicas", "--yes", "--save"])
        .arg(&rules));
    assert_eq!(replicas.code, 0, "{}", replicas.stderr);
    assert!(replicas.stdout.contains("hides 1 difference(s) in 1 resource(s)"), "{}", replicas.stdout);
    assert!(replicas.stdout.contains("    jsonPointers:\n    - /spec/replicas"), "{}", replicas.stdout);
    assert!(replicas.stdout.contains("  - paths:\n    - /spec/replicas"), "the Flux form: {}", replicas.stdout);
    assert!(!replicas.stdout.contains("DESIRED-CONFIG"));
    // The saved rule is one `--ignore` reads: the scan now shows replicas as ignored.
    let scan = run(kdrift_with(data.path(), None)
        .args(["scan", "--sample", "checkout-api", "-o", "json", "--ignore"])
        .arg(&rules));
    let report: Value = serde_json::from_str(&scan.stdout).unwrap();
    let findings = &report["apps"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "Deployment")
        .unwrap()["findings"];
    let replicas_finding = findings.as_array().unwrap().iter().find(|f| f["path"] == "/spec/replicas").unwrap();
    assert_eq!(replicas_finding["ignored_by"]["method"], "json-pointer");

    let memory = run(kdrift_with(data.path(), None).arg("ignore").args(sample_args).args([
        "--field",
        "spec.template.spec.containers[name=app].resources.limits.memory",
        "--print",
        "--dry-run",
    ]));
    assert_eq!(memory.code, 0, "{}", memory.stderr);
    assert!(memory.stdout.contains("THIS RULE HIDES A DESIRED-CONFIG DIFFERENCE"), "{}", memory.stdout);

    let injected = run(kdrift_with(data.path(), None).arg("ignore").args(sample_args).args([
        "--field",
        "metadata.annotations.\"platform.example.com/injected-policy\"",
        "--print",
        "--yes",
    ]));
    assert!(
        injected.stdout.contains("select(startswith(\"platform.example.com/\"))"),
        "a prefix rule: {}",
        injected.stdout
    );
    // Printed, not applied: what it would hide is the preview's count (nothing to confirm).
    assert_eq!(injected.code, 0, "{}", injected.stderr);
    let hides = "checkout-api Deployment prod/checkout-api metadata.annotations.\"platform.example.com/injected-policy\" (controller-managed)";
    assert!(injected.stdout.contains(hides), "{}", injected.stdout);
}

#[test]
fn escalation_writes_the_remediation_record_and_hands_it_to_the_configured_command() {
    let data = tempfile::tempdir().unwrap();
    let received = data.path().join("received.md");
    let config = tree(&[("config.toml", &format!("[escalate]\ncommand = \"cat > '{}'\"\n", received.display()))]);
    let escalate = |source: &[&str]| {
        run(kdrift_with(data.path(), None)
            .arg("escalate")
            .args(source)
            .args(["--resource", "Deployment/checkout-api", "--yes", "--note", "who raised it?", "--now", NOW])
            .arg("--config")
            .arg(config.path().join("config.toml")))
    };
    // A sample's decisions are simulated: the record is saved, the command is not run.
    let result = escalate(&["--sample", "checkout-api"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(
        result.stdout.contains("escalate.command not run: a sample's decisions are simulated"),
        "{}",
        result.stdout
    );
    assert!(!received.exists(), "a sample ran the configured command");
    // The sample ships its API audit log: the record names who raised the limit.
    let record = |data: &Path| {
        let records: Vec<_> = std::fs::read_dir(data.join("kdrift/records")).unwrap().collect();
        assert_eq!(records.len(), 1);
        std::fs::read_to_string(records[0].as_ref().unwrap().path()).unwrap()
    };
    let person = "| marco.rossi@example.com via kubectl-edit (human) at 2026-04-26T08:10:00Z |";
    assert!(record(data.path()).contains(person), "{}", record(data.path()));
    std::fs::remove_dir_all(data.path().join("kdrift")).unwrap();
    let desired = sample("desired");
    let live = sample("live");
    let audit_log = sample("../checkout-api/audit.jsonl");
    let snapshot = [
        "--desired",
        desired.to_str().unwrap(),
        "--live",
        live.to_str().unwrap(),
        "--app",
        "checkout-api",
        "-n",
        "prod",
        "--audit-log",
        audit_log.to_str().unwrap(),
    ];
    let result = escalate(&snapshot);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let record = record(data.path());
    for part in [
        person,
        "- audit log, `spec.template.spec.containers[name=app].resources.limits.memory`: written by marco.rossi@example.com (groups sre-oncall · from 10.20.4.22 · audit 07d80066-35fe-4a7d-2d09-4fe1be736de3 · exact match)",
        "## Observed diff",
        "`512Mi` | `2Gi`",
        "## Suspected cause",
        "## Risk of each response",
        "| prune |",
        "## Chosen action",
        "who raised it?",
    ] {
        assert!(record.contains(part), "{part} in {record}");
    }
    assert_eq!(std::fs::read_to_string(&received).unwrap(), record, "the command got the record on stdin");
    assert_eq!(audit(data.path())[0]["decision"], "escalate");
    assert_eq!(audit(data.path())[0]["fields"][0]["actor"]["username"], "marco.rossi@example.com");
}

/// Two drifted fields on one Deployment: Git moved the image on, and a human raised the
/// memory limit. Syncing only the image by applying Git's whole object would revert the
/// memory hotfix, so it is refused; a field-scoped break-glass apply sends the image alone,
/// under its own field manager, and leaves the hotfix where it is.
#[test]
fn a_field_scoped_break_glass_apply_sends_only_the_chosen_field() {
    let data = tempfile::tempdir().unwrap();
    let desired = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(sample("desired")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap().replace("checkout:v1.2.3", "checkout:v1.3.0");
        std::fs::write(desired.path().join(path.file_name().unwrap()), text).unwrap();
    }
    let image = "spec.template.spec.containers[name=app].image";
    let api = FakeApi::start(objects_in(&sample("live")), Behaviour::default());
    let sync = |extra: &[&str]| {
        run(kdrift_with(data.path(), Some(&api))
            .args(["sync", "--desired"])
            .arg(desired.path())
            .args(["--app", "checkout-api", "--now", NOW, "--resource", "Deployment/checkout-api", "--field", image])
            .args(extra))
    };
    let whole = sync(&["--yes"]);
    assert_eq!(whole.code, 2, "{}{}", whole.stdout, whole.stderr);
    assert!(whole.stdout.contains("limits/memory: 2Gi → 512Mi — kdrift suggests backport"), "{}", whole.stdout);
    assert!(whole.stdout.contains("--break-glass --field"), "the way out is named: {}", whole.stdout);
    assert!(writes(&api).iter().all(|w| w.query().contains_key("dryRun")), "nothing written when refused");

    let scoped = sync(&["--break-glass", "--yes"]);
    assert_eq!(scoped.code, 0, "{}{}", scoped.stdout, scoped.stderr);
    assert!(
        scoped.stdout.contains(&format!("server-side apply only Git's {image} as field manager 'kdrift-break-glass'")),
        "{}",
        scoped.stdout
    );
    let applied: Vec<_> =
        writes(&api).into_iter().filter(|w| !w.query().contains_key("dryRun") && w.method == "PATCH").collect();
    assert_eq!(applied.len(), 1, "{applied:#?}");
    assert_eq!(applied[0].query().get("fieldManager").map(String::as_str), Some("kdrift-break-glass"));
    let body: Value = serde_json::from_str(&applied[0].body).unwrap();
    assert_eq!(
        body["spec"],
        json!({"template": {"spec": {"containers": [{"name": "app", "image": "registry.example.com/checkout:v1.3.0"}]}}}),
        "only the chosen field, addressed by the container's name"
    );
    assert_eq!(body["metadata"]["resourceVersion"], "912300", "the version shown is the precondition");
    let live = api.object("Deployment", "checkout-api").unwrap();
    assert_eq!(live["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"], "2Gi");
    assert_eq!(live["spec"]["template"]["spec"]["containers"][0]["image"], "registry.example.com/checkout:v1.3.0");
    let entries = audit(data.path());
    let last = entries.last().unwrap();
    assert_eq!((last["decision"].as_str(), last["result"].as_str()), (Some("sync"), Some("done")), "{last:#?}");
}
