//! Live state from a cluster (issue 4), tested on the wire (DESIGN §6 layer 5): there is no
//! Kubernetes API server on these machines, so a loopback server serves real API shapes and
//! records what the real `kdrift` binary sends. Each test asserts the exact requests
//! (discovery, paginated LISTs, GETs, access reviews with their bodies) and what the user sees:
//! the same report as from a snapshot of the same objects, 403s as findings, and 401s,
//! timeouts and unreachable servers as one line naming context, verb and resource.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use support::api_server::{Behaviour, FakeApi, objects_in};
use support::{NOW, assert_one_line_error, kdrift, run, tree};

fn sample(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/checkout-api").join(part)
}

/// The app's Argo CD Application, as the cluster holds it.
fn application(revision: &str) -> Value {
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "checkout-api", "namespace": "argocd"},
        "spec": {"source": {"repoURL": "https://git.example.com/platform/apps.git",
            "targetRevision": "main", "path": "apps/checkout-api"},
            "destination": {"namespace": "prod"}},
        "status": {"sync": {"status": "OutOfSync", "revision": revision}, "health": {"status": "Healthy"}}})
}

fn kdrift_on(api: &FakeApi) -> assert_cmd::Command {
    let mut command = kdrift();
    command.env("KUBECONFIG", api.kubeconfig());
    command
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The report without what only says where the objects came from.
fn findings_only(mut report: Value) -> Value {
    for app in report["apps"].as_array_mut().unwrap() {
        let app = app.as_object_mut().unwrap();
        app.remove("permissions");
        for resource in app["resources"].as_array_mut().unwrap() {
            resource.as_object_mut().unwrap().remove("live_source");
        }
    }
    report
}

#[test]
fn the_cluster_is_read_like_a_snapshot_with_exact_requests() {
    // The sample's live objects plus the app's Application, served by the cluster and
    // written as a snapshot: both must give the same findings.
    let mut objects = objects_in(&sample("live"));
    objects.push(application("4f9c2ab"));
    let snapshot = tree(&[("live/application.yaml", &yaml_serde::to_string(&application("4f9c2ab")).unwrap())]);
    for file in std::fs::read_dir(sample("live")).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), snapshot.path().join("live").join(file.file_name())).unwrap();
    }
    let behaviour = Behaviour {
        paged: vec!["/api/v1/namespaces/prod/services".into()],
        allowed: vec!["patch applications".into()],
        ..Behaviour::default()
    };
    let api = FakeApi::start(objects, behaviour);
    let args = ["scan", "--app", "checkout-api", "--now", NOW, "-o", "json"];
    // Reads only: the API server's dry run has a test of its own.
    let from_cluster =
        run(kdrift_on(&api).args(args).arg("--no-server-dry-run").arg("--desired").arg(sample("desired")));
    assert_eq!(from_cluster.code, 1, "drift needs action; stderr: {}", from_cluster.stderr);
    let from_snapshot = run(kdrift()
        .args(args)
        .arg("--desired")
        .arg(sample("desired"))
        .args(["-n", "prod"])
        .arg("--live")
        .arg(snapshot.path().join("live")));
    let (cluster_report, snapshot_report) = (json_of(&from_cluster.stdout), json_of(&from_snapshot.stdout));
    assert_eq!(findings_only(cluster_report.clone()), findings_only(snapshot_report), "same report as the snapshot");

    // The orphan Service sits on the second page: the continue token was followed.
    let app = &cluster_report["apps"][0];
    let orphan = app["resources"].as_array().unwrap().iter().find(|r| r["name"] == "checkout-api-legacy").unwrap();
    assert_eq!(orphan["status"], "orphan");
    assert_eq!(orphan["live_source"], "cluster test-prod: services prod/checkout-api-legacy");

    let q = "?limit=500";
    let prod = |path: &str| format!("GET {path}{q}");
    let mut expected = vec![
        "GET /api/v1".to_owned(),
        "GET /apis".to_owned(),
        "GET /apis/apps/v1".to_owned(),
        "GET /apis/argoproj.io/v1alpha1".to_owned(),
        "GET /apis/autoscaling/v2".to_owned(),
        "GET /apis/kustomize.toolkit.fluxcd.io/v1".to_owned(),
        "GET /apis/rbac.authorization.k8s.io/v1".to_owned(),
        prod("/api/v1/namespaces/prod/configmaps"),
        prod("/api/v1/namespaces/prod/services"),
        "GET /api/v1/namespaces/prod/services?limit=500&continue=page-2-token%3D%3D".to_owned(),
        prod("/api/v1/namespaces/prod/serviceaccounts"),
        prod("/api/v1/namespaces/prod/persistentvolumeclaims"),
        prod("/api/v1/namespaces/prod/pods"),
        prod("/api/v1/namespaces/prod/events"),
        prod("/apis/apps/v1/namespaces/prod/deployments"),
        prod("/apis/apps/v1/namespaces/prod/statefulsets"),
        prod("/apis/apps/v1/namespaces/prod/daemonsets"),
        prod("/apis/autoscaling/v2/namespaces/prod/horizontalpodautoscalers"),
        prod("/apis/rbac.authorization.k8s.io/v1/namespaces/prod/roles"),
        prod("/apis/rbac.authorization.k8s.io/v1/namespaces/prod/rolebindings"),
        "GET /apis/argoproj.io/v1alpha1/applications?fieldSelector=metadata.name%3Dcheckout-api&limit=500".to_owned(),
        "GET /apis/kustomize.toolkit.fluxcd.io/v1/kustomizations?fieldSelector=metadata.name%3Dcheckout-api&limit=500"
            .to_owned(),
        // Beside the Application: Argo CD's own ignore rules and its controller pods.
        "GET /api/v1/namespaces/argocd/configmaps/argocd-cm".to_owned(),
        prod("/api/v1/namespaces/argocd/pods"),
        "POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews".to_owned(),
        "POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews".to_owned(),
    ];
    expected.sort();
    assert_eq!(api.lines(), expected);
    for request in api.requests() {
        assert_eq!(request.authorization.as_deref(), Some("Bearer test-token"), "{}", request.line());
    }

    // Access reviews: sync through the Application, prune the orphan Service.
    let mut reviews: Vec<Value> = api
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| {
            assert_eq!(r.content_type.as_deref(), Some("application/json"));
            serde_json::from_str(&r.body).unwrap()
        })
        .collect();
    reviews.sort_by_key(|r| r["spec"]["resourceAttributes"]["verb"].to_string());
    assert_eq!(reviews[0]["kind"], "SelfSubjectAccessReview");
    assert_eq!(
        reviews[0]["spec"]["resourceAttributes"],
        json!({"verb": "delete", "group": "", "resource": "services", "namespace": "prod", "name": ""})
    );
    assert_eq!(
        reviews[1]["spec"]["resourceAttributes"],
        json!({"verb": "patch", "group": "argoproj.io", "resource": "applications", "namespace": "argocd", "name": "checkout-api"})
    );
    let permissions = app["permissions"].as_array().unwrap();
    let allowed: Vec<(&str, bool)> =
        permissions.iter().map(|p| (p["action"].as_str().unwrap(), p["allowed"].as_bool().unwrap())).collect();
    assert_eq!(allowed, [("sync", true), ("prune", false)]);

    let text = run(kdrift_on(&api)
        .args(["scan", "--app", "checkout-api", "--now", NOW, "--no-server-dry-run"])
        .arg("--desired")
        .arg(sample("desired")));
    assert!(text.stdout.contains("(cluster test-prod; 4 finding(s), 2 need action, 0 ignored)"), "{}", text.stdout);
    assert!(
        text.stdout.contains("access: may sync (patch applications.argoproj.io argocd/checkout-api)"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("access: may not prune (delete services in prod)"), "{}", text.stdout);
}

#[test]
fn a_forbidden_kind_is_a_finding_and_its_objects_are_not_called_missing() {
    let forbidden = "deployments.apps is forbidden: User \"tester\" cannot list resource \"deployments\" in API group \"apps\" in the namespace \"prod\"";
    let behaviour = Behaviour {
        failures: vec![("/apis/apps/v1/namespaces/prod/deployments".into(), 403, forbidden.into())],
        ..Behaviour::default()
    };
    let api = FakeApi::start(objects_in(&sample("live")), behaviour);
    let result = run(kdrift_on(&api)
        .args(["scan", "--app", "checkout-api", "--now", NOW, "-o", "json"])
        .arg("--desired")
        .arg(sample("desired")));
    assert_eq!(result.code, 1, "an incomplete report needs action; stderr: {}", result.stderr);
    let report = json_of(&result.stdout);
    let app = &report["apps"][0];
    assert_eq!(app["findings"][0]["category"], "sync-availability");
    let reason = app["findings"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!("kdrift cannot list deployments.apps in namespace prod (context test-prod): forbidden (403): {forbidden}; not compared: Deployment prod/checkout-api")),
        "{reason}"
    );
    let kinds: Vec<&str> = app["resources"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert!(!kinds.contains(&"Deployment"), "not reported missing: {kinds:?}");
    assert!(kinds.contains(&"ConfigMap"), "the rest is still compared: {kinds:?}");
}

#[test]
fn a_cluster_scoped_object_is_fetched_by_name_and_a_404_means_missing() {
    let desired = tree(&[
        (
            "desired/role.yaml",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\nrules: []\n",
        ),
        (
            "desired/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: prod\ndata:\n  a: b\n",
        ),
    ]);
    let live_cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "prod"}, "data": {"a": "b"}});
    let api = FakeApi::start(vec![live_cm], Behaviour::default());
    let result = run(kdrift_on(&api)
        .args(["scan", "--app", "web", "-o", "json"])
        .arg("--desired")
        .arg(desired.path().join("desired")));
    let report = json_of(&result.stdout);
    let statuses: Vec<(&str, &str)> = report["apps"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("ConfigMap", "synced"), ("ClusterRole", "missing")]);
    assert!(api.lines().contains(&"GET /apis/rbac.authorization.k8s.io/v1/clusterroles/reader".to_owned()));
    let prune_review = api.requests().iter().any(|r| r.body.contains("\"delete\""));
    assert!(!prune_review, "nothing to prune, so no prune review");
}

#[test]
fn unauthorized_unreachable_and_silent_servers_are_one_line_naming_context_verb_and_resource() {
    let behaviour =
        Behaviour { failures: vec![("/api/v1".into(), 401, "Unauthorized".into())], ..Behaviour::default() };
    let api = FakeApi::start(Vec::new(), behaviour);
    let desired = sample("desired");
    let result = run(kdrift_on(&api).arg("scan").arg("--desired").arg(&desired));
    assert_one_line_error(
        &result,
        &["context 'test-prod': cannot discover the core API (/api/v1): unauthorized (401)", "log in again"],
    );

    // Nothing listens on port 1.
    api.write_kubeconfig("http://127.0.0.1:1");
    let result = run(kdrift_on(&api).arg("scan").arg("--desired").arg(&desired));
    assert_one_line_error(
        &result,
        &["context 'test-prod': cannot discover the core API (/api/v1): API server http://127.0.0.1:1 unreachable"],
    );

    // A server that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = silent.local_addr().unwrap();
    std::thread::spawn(move || {
        let held: Vec<_> = silent.incoming().take(4).collect();
        std::thread::sleep(std::time::Duration::from_secs(30));
        drop(held);
    });
    api.write_kubeconfig(&format!("http://{address}"));
    let result = run(kdrift_on(&api).args(["scan", "--request-timeout", "1"]).arg("--desired").arg(&desired));
    assert_one_line_error(&result, &["context 'test-prod': cannot discover the core API (/api/v1)", "within 1s"]);
}

#[test]
fn kubeconfig_problems_say_what_to_do() {
    let api = FakeApi::start(Vec::new(), Behaviour::default());
    let result = run(kdrift_on(&api).args(["scan", "--context", "nope"]).arg("--desired").arg(sample("desired")));
    assert_one_line_error(&result, &["kubeconfig has no context 'nope' (it has: test-prod, other)"]);
    let result =
        run(kdrift().env("KUBECONFIG", "/nonexistent/kubeconfig").arg("scan").arg("--desired").arg(sample("desired")));
    assert_one_line_error(&result, &["cannot read /nonexistent/kubeconfig", "give --live PATH", "kdrift demo"]);
}

#[test]
fn apps_are_discovered_in_the_cluster_and_compared_from_a_clone_of_their_repository() {
    let kustomization = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "payments", "namespace": "flux-system"},
        "spec": {"path": "./apps/payments", "targetNamespace": "payments", "sourceRef": {"kind": "GitRepository", "name": "platform"}},
        "status": {"lastAttemptedRevision": "main@sha1:bbb222", "lastAppliedRevision": "main@sha1:aaa111",
            "conditions": [{"type": "Ready", "status": "False", "reason": "ReconciliationFailed", "message": "apply failed"}]}});
    let mut objects = objects_in(&sample("live"));
    objects.push(application("0000000"));
    objects.push(kustomization);
    let api = FakeApi::start(objects, Behaviour::default());

    // Outside a clone: every app with what its controller says, and how to compare it.
    let elsewhere = tempfile::tempdir().unwrap();
    let result = run(kdrift_on(&api).current_dir(elsewhere.path()).args(["scan", "-o", "json"]));
    assert_eq!(result.code, 1, "Flux's failed apply needs action even uncompared; stderr: {}", result.stderr);
    let report = json_of(&result.stdout);
    let apps = report["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 2);
    assert_eq!(apps[0]["name"], "checkout-api");
    assert_eq!(apps[0]["sync_status"], "Unknown");
    assert_eq!(
        apps[0]["controller"],
        json!({"kind": "Argo CD Application", "sync": "OutOfSync", "health": "Healthy", "revision": "0000000",
            "object": {"api_version": "argoproj.io/v1alpha1", "kind": "Application", "namespace": "argocd", "name": "checkout-api"}})
    );
    assert_eq!(
        apps[0]["notes"][0],
        "desired state not read: give --repo PATH (a clone of https://git.example.com/platform/apps.git), or run kdrift inside such a clone"
    );
    assert_eq!(apps[1]["controller"]["sync"], "NotReady (ReconciliationFailed)");
    assert_eq!(apps[1]["findings"][0]["category"], "sync-availability");
    let reason = apps[1]["findings"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("last attempted main@sha1:bbb222 but last applied main@sha1:aaa111"), "{reason}");
    let mut discovery = vec![
        "GET /api/v1",
        "GET /apis",
        "GET /apis/argoproj.io/v1alpha1",
        "GET /apis/kustomize.toolkit.fluxcd.io/v1",
        "GET /apis/argoproj.io/v1alpha1/applications?limit=500",
        "GET /apis/kustomize.toolkit.fluxcd.io/v1/kustomizations?limit=500",
        // No clone of the Flux app's repository here: its source's artifact is looked for.
        "GET /apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/platform",
    ];
    discovery.sort_unstable();
    assert_eq!(api.lines(), discovery);
    let flux_notes = apps[1]["notes"].to_string();
    assert!(flux_notes.contains("not compared: GitRepository flux-system/platform: cannot read it"), "{flux_notes}");

    // Inside a clone (its origin is the Application's repoURL, over SSH): compared.
    let clone = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(clone.path()).unwrap();
    repo.remote("origin", "git@git.example.com:platform/apps.git").unwrap();
    let mut index = repo.index().unwrap();
    for file in std::fs::read_dir(sample("desired")).unwrap() {
        let file = file.unwrap();
        let relative = Path::new("apps/checkout-api").join(file.file_name());
        std::fs::create_dir_all(clone.path().join("apps/checkout-api")).unwrap();
        std::fs::copy(file.path(), clone.path().join(&relative)).unwrap();
        index.add_path(&relative).unwrap();
    }
    let tree_id = index.write_tree().unwrap();
    let signature = git2::Signature::now("Dev", "dev@example.com").unwrap();
    repo.commit(Some("HEAD"), &signature, &signature, "checkout-api", &repo.find_tree(tree_id).unwrap(), &[]).unwrap();
    let result = run(kdrift_on(&api).current_dir(clone.path()).args([
        "scan",
        "--context",
        "test-prod",
        "--app",
        "checkout-api",
        "--now",
        NOW,
        "-o",
        "json",
    ]));
    assert_eq!(result.code, 1, "stderr: {}", result.stderr);
    let report = json_of(&result.stdout);
    let app = &report["apps"][0];
    assert_eq!(app["sync_status"], "OutOfSync");
    assert_eq!(app["controller"]["kind"], "Argo CD Application", "the controller's view beside kdrift's");
    assert!(
        app["notes"][0].as_str().unwrap().contains(
            "targets revision '0000000' or 'main', which this repository does not have: compared against HEAD"
        ),
        "{}",
        app["notes"]
    );
    let memory = app["resources"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["findings"].as_array().unwrap())
        .find(|f| f["path"] == "/spec/template/spec/containers/0/resources/limits/memory")
        .expect("the memory hotfix is found through the clone");
    assert_eq!(memory["response"], "backport");
    // Finding the apps and reading one of them share the session's discovery: each run
    // reads the core API list once.
    let core_lists = api.lines().iter().filter(|line| *line == "GET /api/v1").count();
    assert_eq!(core_lists, 2, "one per run: {:#?}", api.lines());
}

#[test]
fn diff_reads_the_cluster_too() {
    let api = FakeApi::start(objects_in(&sample("live")), Behaviour::default());
    let result = run(kdrift_on(&api)
        .args([
            "diff",
            "--app",
            "checkout-api",
            "--resource",
            "Deployment/checkout-api",
            "--width",
            "140",
            "--now",
            NOW,
        ])
        .arg("--desired")
        .arg(sample("desired")));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(result.stdout.contains("2Gi") && result.stdout.contains("kubectl-edit"), "{}", result.stdout);
    let writes: Vec<String> = api.requests().iter().filter(|r| r.method != "GET").map(|r| r.line()).collect();
    assert!(
        writes.iter().all(|w| w.starts_with("PATCH ") && w.contains("dryRun=All")),
        "a diff writes nothing (only the API server's dry run is asked): {writes:?}"
    );
}

#[test]
fn a_crds_short_name_is_learned_from_discovery() {
    let rollout = |image: &str| {
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "web", "namespace": "prod"},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": image}]}}}})
    };
    let desired = tree(&[("rollout.yaml", &yaml_serde::to_string(&rollout("web:1")).unwrap())]);
    let api = FakeApi::start(vec![rollout("web:2")], Behaviour::default());
    let diff = |resource: &str| {
        run(kdrift_on(&api)
            .args(["diff", "--app", "web", "--resource", resource, "--width", "140", "--now", NOW])
            .arg("--desired")
            .arg(desired.path()))
    };
    // `ro` is no built-in short name: only the cluster's discovery says it is a Rollout's.
    let result = diff("ro/web");
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(result.stdout.contains("web:1") && result.stdout.contains("web:2"), "{}", result.stdout);
    let result = diff("rollouts.argoproj.io/web");
    assert_eq!(result.code, 0, "{}", result.stderr);
    // A name the cluster does not serve still says so.
    assert_one_line_error(&diff("rx/web"), &["rx/web"]);
    // Offline, with no discovery to ask, the short name is unknown and said so.
    let live = tree(&[("rollout.yaml", &yaml_serde::to_string(&rollout("web:2")).unwrap())]);
    let offline = run(kdrift()
        .args(["diff", "--app", "web", "--resource", "ro/web", "--now", NOW])
        .arg("--desired")
        .arg(desired.path())
        .arg("--live")
        .arg(live.path()));
    assert_one_line_error(&offline, &["ro/web"]);
}

/// checkout-api as a cluster with an image-mirroring webhook holds it: the webhook rewrote
/// Git's image to the mirror during Argo CD's server-side apply, and a person raised the
/// memory limit by hand. A drifted Secret sits beside it.
fn mirrored() -> (PathBuf, tempfile::TempDir, Vec<Value>) {
    let desired = tree(&[(
        "desired/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout-api\n  namespace: prod\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: checkout-api}\n  template:\n    metadata:\n      labels: {app: checkout-api}\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/checkout:v1.2.3\n        resources:\n          limits: {memory: 512Mi}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: checkout-db\n  namespace: prod\ndata:\n  password: Z2l0\n",
    )]);
    let applied = |memory: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "checkout-api", "namespace": "prod", "resourceVersion": "5001",
                "managedFields": [
                    {"manager": "argocd-controller", "operation": "Apply", "time": "2026-05-01T10:00:00Z",
                     "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}, "f:selector": {}, "f:template": {
                        "f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {
                            ".": {}, "f:name": {}, "f:image": {}, "f:resources": {"f:limits": {"f:memory": {}}}}}}}}}},
                    {"manager": "kubectl-edit", "operation": "Update", "time": "2026-05-20T08:00:00Z",
                     "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {
                        "k:{\"name\":\"app\"}": {"f:resources": {"f:limits": {"f:memory": {}}}}}}}}}}]},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "checkout-api"}},
                "template": {"metadata": {"labels": {"app": "checkout-api"}}, "spec": {"containers": [
                    {"name": "app", "image": "mirror.example.com/checkout:v1.2.3",
                     "resources": {"limits": {"memory": memory}}}]}}}})
    };
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "checkout-db", "namespace": "prod"},
        "type": "Opaque", "data": {"password": "bGl2ZQ=="}});
    let path = desired.path().join("desired");
    // The dry run's answer: Git's memory (forced), the webhook's image, as the server stores them.
    (path, desired, vec![applied("2Gi"), secret, applied("512Mi")])
}

#[test]
fn the_api_servers_dry_run_decides_what_it_produces_itself() {
    let (desired, _dir, mut objects) = mirrored();
    let answer = objects.pop().unwrap();
    let object_path = "/apis/apps/v1/namespaces/prod/deployments/checkout-api";
    let behaviour = Behaviour { dry_run_answers: vec![(object_path.to_owned(), answer)], ..Behaviour::default() };
    let api = FakeApi::start(objects, behaviour);
    let result = run(kdrift_on(&api)
        .args(["scan", "--app", "checkout-api", "--now", NOW, "-o", "json", "--desired"])
        .arg(&desired));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report = json_of(&result.stdout);
    let deployment =
        report["apps"][0]["resources"].as_array().unwrap().iter().find(|r| r["kind"] == "Deployment").unwrap().clone();
    let paths: Vec<&str> =
        deployment["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/spec/template/spec/containers/0/resources/limits/memory"], "the mirrored image is not drift");
    assert_eq!(deployment["findings"][0]["oracle"], "server-dry-run");
    assert_eq!(deployment["findings"][0]["owner"]["manager"], "kubectl-edit");
    let notes = deployment["notes"].to_string();
    assert!(
        notes.contains("the API server's dry run of Git's object stores the live value at spec.template.spec.containers[name=app].image"),
        "{notes}"
    );

    // Exactly one request that is not a read: the dry run, as Argo CD's own manager (it
    // applies server-side), forced, with Git's object as the body. The Secret is never sent.
    let writes: Vec<_> = api.requests().into_iter().filter(|r| r.method != "GET" && r.method != "POST").collect();
    assert_eq!(writes.len(), 1, "{:?}", writes.iter().map(|w| w.line()).collect::<Vec<_>>());
    let dry_run = &writes[0];
    assert_eq!(dry_run.line(), format!("PATCH {object_path}?dryRun=All&fieldManager=argocd-controller&force=true"));
    assert_eq!(dry_run.content_type.as_deref(), Some("application/apply-patch+yaml"));
    let body: Value = serde_json::from_str(&dry_run.body).unwrap();
    assert_eq!(body["metadata"], json!({"name": "checkout-api", "namespace": "prod"}));
    assert_eq!(body["spec"]["template"]["spec"]["containers"][0]["image"], "registry.example.com/checkout:v1.2.3");
    assert!(!api.requests().iter().any(|r| r.path().contains("/secrets/") && r.method == "PATCH"));
}

#[test]
fn without_the_dry_run_or_when_it_is_refused_the_offline_table_decides() {
    let (desired, _dir, mut objects) = mirrored();
    objects.pop();
    for (flag, behaviour) in [
        (Some("--no-server-dry-run"), Behaviour::default()),
        (None, Behaviour { forbid_dry_runs: true, ..Behaviour::default() }),
    ] {
        let api = FakeApi::start(objects.clone(), behaviour);
        let mut command = kdrift_on(&api);
        command.args(["scan", "--app", "checkout-api", "--now", NOW, "-o", "json", "--desired"]).arg(&desired);
        command.args(flag);
        let result = run(&mut command);
        let report = json_of(&result.stdout);
        let app = &report["apps"][0];
        let deployment = app["resources"].as_array().unwrap().iter().find(|r| r["kind"] == "Deployment").unwrap();
        let image =
            deployment["findings"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with("/image"));
        let image = image.unwrap_or_else(|| panic!("{flag:?}: the table cannot know the webhook: {deployment}"));
        assert_eq!(image["oracle"], "defaults-table");
        match flag {
            Some(_) => assert!(!api.requests().iter().any(|r| r.method == "PATCH"), "no dry run was asked"),
            None => assert!(
                app["notes"]
                    .to_string()
                    .contains("the API server's dry run failed for Deployment prod/checkout-api (forbidden (403)"),
                "{}",
                app["notes"]
            ),
        }
    }
}

#[test]
fn an_app_nothing_of_which_could_be_compared_is_unknown_never_synced() {
    let forbidden = "deployments.apps is forbidden: User \"tester\" cannot list resource \"deployments\"";
    let behaviour = Behaviour {
        failures: vec![("/apis/apps/v1/namespaces/prod/deployments".into(), 403, forbidden.into())],
        ..Behaviour::default()
    };
    let desired = tree(&[(
        "desired/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout-api\n  namespace: prod\nspec:\n  replicas: 3\n",
    )]);
    let api = FakeApi::start(Vec::new(), behaviour);
    let result = run(kdrift_on(&api)
        .args(["scan", "--app", "checkout-api", "--now", NOW, "-o", "json", "--desired"])
        .arg(desired.path().join("desired")));
    assert_eq!(result.code, 1, "nothing compared is not all clear: {}", result.stderr);
    let report = json_of(&result.stdout);
    assert_eq!(report["apps"][0]["sync_status"], "Unknown");
    assert_eq!(report["summary"]["out_of_sync"], 0);
    assert_eq!(report["summary"]["unknown"], 1);
    let text = run(kdrift_on(&api)
        .args(["scan", "--app", "checkout-api", "--now", NOW, "--desired"])
        .arg(desired.path().join("desired")));
    assert!(text.stdout.contains("1 not compared"), "{}", text.stdout);
}

/// An app spread over ten namespaces: each kind is listed once across all namespaces, not
/// once per namespace, and the report is the one per-namespace lists give, which kdrift falls
/// back to where RBAC forbids listing across namespaces, or where the cluster has four times
/// more namespaces than the app. Objects of other namespaces are not the app's concern.
#[test]
fn kinds_of_an_app_in_many_namespaces_are_listed_once_across_them() {
    let config_map = |namespace: &str, value: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": namespace,
            "labels": {"app.kubernetes.io/instance": "spread"}}, "data": {"mode": value}})
    };
    let namespaces: Vec<String> = (0..10).map(|i| format!("team-{i}")).collect();
    let desired: Vec<String> =
        namespaces.iter().map(|ns| yaml_serde::to_string(&config_map(ns, "safe")).unwrap()).collect();
    let dir = tree(&[("desired/settings.yaml", &desired.join("---\n"))]);
    let orphan = |namespace: &str| {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "old", "namespace": namespace,
            "labels": {"app.kubernetes.io/instance": "spread"}}, "spec": {"selector": {"app": "old"}}})
    };
    let mut live: Vec<Value> =
        namespaces.iter().map(|ns| config_map(ns, if ns == "team-4" { "edited" } else { "safe" })).collect();
    live.extend([orphan("team-3"), orphan("elsewhere"), config_map("elsewhere", "x")]);
    // Every namespaced kind kdrift reads for an app (Secrets only when Git has one; custom
    // kinds only when Git has them).
    let wide: Vec<String> = support::api_server::SERVED
        .iter()
        .filter(|(_, _, kind, _, namespaced)| {
            *namespaced && !matches!(*kind, "Application" | "Rollout" | "Kustomization" | "Secret")
        })
        .map(|(group, version, _, plural, _)| match *group {
            "" => format!("/api/v1/{plural}"),
            group => format!("/apis/{group}/{version}/{plural}"),
        })
        .collect();
    let scan = |api: &FakeApi| {
        let result = run(kdrift_on(api)
            .args(["scan", "--app", "spread", "--now", NOW, "-o", "json", "--no-server-dry-run"])
            .arg("--desired")
            .arg(dir.path().join("desired")));
        assert_eq!(result.code, 1, "{}", result.stderr);
        json_of(&result.stdout)
    };

    let api = FakeApi::start(live.clone(), Behaviour::default());
    let across = scan(&api);
    let lists: Vec<String> = api.lines().into_iter().filter(|l| l.contains("limit=500")).collect();
    assert!(lists.iter().all(|l| !l.contains("/namespaces/team-")), "no list per namespace: {lists:#?}");
    for path in &wide {
        assert!(lists.contains(&format!("GET {path}?limit=500")), "{path} listed across namespaces: {lists:#?}");
    }
    assert!(lists.len() <= wide.len() + 5, "requests grow with kinds: {lists:#?}");
    assert!(lists.contains(&"GET /api/v1/namespaces?limit=500".to_owned()), "the cluster's namespaces counted");

    // A cluster of many more namespaces than the app's: listing across them would read
    // mostly what is not the app's, so each is listed per namespace.
    let mut crowded = live.clone();
    crowded.extend(
        (0..50).map(|i| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": format!("other-{i}")}})),
    );
    let api = FakeApi::start(crowded, Behaviour::default());
    assert_eq!(scan(&api), across, "the same report");
    assert!(api.lines().iter().all(|l| !l.starts_with("GET /api/v1/configmaps")), "not listed across namespaces");

    let forbidden = wide.iter().map(|path| (path.clone(), 403, "cannot list across namespaces".to_owned())).collect();
    let api = FakeApi::start(live, Behaviour { failures: forbidden, ..Behaviour::default() });
    let per_namespace = scan(&api);
    assert!(
        api.lines().contains(&"GET /api/v1/namespaces/team-7/configmaps?limit=500".to_owned()),
        "forbidden across namespaces: listed per namespace"
    );
    assert_eq!(across, per_namespace, "the same report either way");

    let resources = across["apps"][0]["resources"].as_array().unwrap();
    let shown: Vec<String> = resources
        .iter()
        .filter(|r| r["status"] != "synced")
        .map(|r| format!("{} {}/{} {}", r["kind"], r["namespace"], r["name"], r["status"]).replace('"', ""))
        .collect();
    assert_eq!(shown, ["ConfigMap team-4/settings modified", "Service team-3/old orphan"]);
}

/// A big list's answer (one page of some 1 MB, far over the size kdrift decodes off the
/// runtime thread) is read whole: every object compared, the one edited found.
#[test]
fn a_big_list_answer_is_all_read_and_compared() {
    let filler = "x".repeat(2400);
    let config_map = |i: usize, value: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("settings-{i:04}"),
            "namespace": "big"}, "data": {"mode": value, "filler": filler}})
    };
    let desired: Vec<String> = (0..400).map(|i| yaml_serde::to_string(&config_map(i, "safe")).unwrap()).collect();
    let dir = tree(&[("desired/settings.yaml", &desired.join("---\n"))]);
    let live: Vec<Value> = (0..400).map(|i| config_map(i, if i == 277 { "edited" } else { "safe" })).collect();
    let api = FakeApi::start(live, Behaviour::default());
    let result = run(kdrift_on(&api)
        .args(["scan", "--app", "big", "--now", NOW, "-o", "json", "--no-server-dry-run"])
        .arg("--desired")
        .arg(dir.path().join("desired")));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let lists = api.lines().into_iter().filter(|l| l.contains("/namespaces/big/configmaps?")).count();
    assert_eq!(lists, 1, "{:#?}", api.lines());
    let report = json_of(&result.stdout);
    let resources = report["apps"][0]["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 400);
    let modified: Vec<&str> =
        resources.iter().filter(|r| r["status"] == "modified").filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(modified, ["settings-0277"]);
}

#[test]
fn the_tui_names_the_real_context_and_picks_contexts_and_namespaces_from_the_cluster() {
    let mut objects = objects_in(&sample("live"));
    objects.extend(
        ["prod", "staging", "payments"]
            .map(|n| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}})),
    );
    let api = FakeApi::start(objects, Behaviour::default());
    let home = tempfile::tempdir().unwrap();
    let desired = sample("desired");
    let mut terminal = support::terminal::Terminal::start_with_env(
        &["--desired", desired.to_str().unwrap(), "--app", "checkout-api", "--no-server-dry-run"],
        home.path(),
        home.path(),
        &[("KUBECONFIG", api.kubeconfig().to_str().unwrap())],
    );
    terminal.wait_for("context test-prod");
    terminal.wait_for("OutOfSync");
    terminal.type_keys(b":ctx\r");
    terminal.wait_for("contexts (kubeconfig)");
    terminal.wait_for("other");
    terminal.type_keys(b"\x1b");
    std::thread::sleep(std::time::Duration::from_millis(200));
    terminal.type_keys(b":ns\r");
    terminal.wait_for("staging");
    terminal.type_keys(b"pay\r");
    terminal.wait_for("ns payments");
    let asked = api.lines();
    assert!(asked.iter().any(|l| l.starts_with("GET /api/v1/namespaces")), "{asked:?}");
    terminal.type_keys(b"\x03");
    assert!(terminal.finish(), "Ctrl-C quits");
    assert!(terminal.restored());
}
