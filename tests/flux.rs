//! A Flux app compared against Flux's own artifact (issue 20): the GitRepository's
//! `status.artifact` names a tarball on source-controller, fetched through the API server's
//! service proxy from the fake API server, its digest checked, `spec.path` built with the real
//! `kubectl kustomize` after the Kustomization's settings are merged, and `postBuild`
//! variables substituted — no clone anywhere.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::{Value, json};
use sha2::Digest as _;
use support::api_server::{Behaviour, FakeApi};
use support::{NOW, kdrift, run};

const SOURCE_PATH: &str = "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/podinfo";
const PROXY_PATH: &str = "/api/v1/namespaces/flux-system/services/source-controller:80/proxy/gitrepository/flux-system/podinfo/4f1c2a9.tar.gz";

/// Git's manifest as the artifact holds it: no namespace (targetNamespace sets it), an old
/// tag (`images` moves it on), variables for postBuild.
const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
spec:
  replicas: 2
  selector:
    matchLabels: {app: podinfo}
  template:
    metadata:
      labels: {app: podinfo}
    spec:
      containers:
      - name: app
        image: ghcr.io/stefanprodan/podinfo:6.4.0
        env:
        - {name: REGION, value: '${cluster}-${region}'}
        resources:
          limits: {memory: 512Mi}
";

fn tarball(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, path, content.as_bytes()).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn objects() -> Vec<Value> {
    let kustomization = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "podinfo", "namespace": "flux-system"},
        "spec": {"interval": "10m", "path": "./apps/podinfo", "prune": true, "targetNamespace": "prod",
            "sourceRef": {"kind": "GitRepository", "name": "podinfo"},
            "images": [{"name": "ghcr.io/stefanprodan/podinfo", "newTag": "6.5.0"}],
            "postBuild": {"substitute": {"cluster": "eu-1"},
                "substituteFrom": [{"kind": "ConfigMap", "name": "cluster-vars"}, {"kind": "Secret", "name": "cluster-secrets"}]}},
        "status": {"lastAppliedRevision": "main@sha1:4f1c2a9", "lastAttemptedRevision": "main@sha1:4f1c2a9",
            "conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded"}]}});
    let vars = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cluster-vars", "namespace": "flux-system"}, "data": {"region": "eu-west-1"}});
    // Live: what Flux applied, with the memory limit raised by hand since.
    let mut live: Value = yaml_serde::from_str(DEPLOYMENT).unwrap();
    live["metadata"]["namespace"] = json!("prod");
    live["metadata"]["labels"] =
        json!({"kustomize.toolkit.fluxcd.io/name": "podinfo", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"});
    live["spec"]["template"]["spec"]["containers"][0]["image"] = json!("ghcr.io/stefanprodan/podinfo:6.5.0");
    live["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = json!("eu-1-eu-west-1");
    live["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = json!("2Gi");
    live["metadata"]["managedFields"] = json!([
        {"manager": "kustomize-controller", "operation": "Apply", "apiVersion": "apps/v1", "time": "2026-06-01T10:00:00Z",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers":
            {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:env": {}, "f:name": {}}}}}}}},
        {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "apps/v1", "time": "2026-06-05T02:00:00Z",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers":
            {"k:{\"name\":\"app\"}": {"f:resources": {"f:limits": {"f:memory": {}}}}}}}}}}
    ]);
    vec![kustomization, vars, live]
}

fn source(digest: &str) -> Vec<u8> {
    json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "podinfo", "namespace": "flux-system"},
        "status": {"artifact": {"path": "gitrepository/flux-system/podinfo/4f1c2a9.tar.gz",
            "url": "http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/podinfo/4f1c2a9.tar.gz",
            "revision": "main@sha1:4f1c2a9", "digest": digest}}})
    .to_string()
    .into_bytes()
}

fn scan(api: &FakeApi) -> (support::Run, Value) {
    let result = run(kdrift().env("KUBECONFIG", api.kubeconfig()).args([
        "scan",
        "--now",
        NOW,
        "-o",
        "json",
        "--no-server-dry-run",
    ]));
    let report = serde_json::from_str(&result.stdout).unwrap_or_else(|_| panic!("{}", result.stderr));
    (result, report)
}

#[test]
fn a_flux_app_compares_against_its_checked_artifact_built_as_flux_builds_it() {
    let artifact = tarball(&[("apps/podinfo/deployment.yaml", DEPLOYMENT), ("README.md", "podinfo")]);
    let digest = format!("sha256:{:x}", sha2::Sha256::digest(&artifact));
    let behaviour = Behaviour {
        raw: vec![(SOURCE_PATH.to_owned(), source(&digest)), (PROXY_PATH.to_owned(), artifact)],
        ..Behaviour::default()
    };
    let api = FakeApi::start(objects(), behaviour);
    let (result, report) = scan(&api);
    assert_eq!(result.code, 1, "{}", result.stderr);
    let app = &report["apps"][0];
    assert_eq!(app["name"], "podinfo");
    let notes = app["notes"].to_string();
    assert!(
        notes.contains(
            "desired state: Flux's artifact of GitRepository flux-system/podinfo at main@sha1:4f1c2a9 (digest checked)"
        ),
        "{notes}"
    );
    assert!(
        notes.contains("postBuild variables from Secret flux-system/cluster-secrets were not substituted"),
        "{notes}"
    );
    let deployment = app["resources"].as_array().unwrap().iter().find(|r| r["kind"] == "Deployment").unwrap();
    // The image tag (images), the namespace (targetNamespace) and the variables (postBuild)
    // are as Flux applied them: the hand-raised limit is the only drift.
    let paths: Vec<&str> =
        deployment["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/spec/template/spec/containers/0/resources/limits/memory"], "{deployment}");
    assert_eq!(deployment["findings"][0]["owner"]["manager"], "kubectl-edit");
    let requests: Vec<String> = api.requests().iter().map(|r| r.target.clone()).collect();
    assert!(requests.contains(&PROXY_PATH.to_owned()), "{requests:#?}");
    assert!(requests.contains(&"/api/v1/namespaces/flux-system/configmaps/cluster-vars".to_owned()), "{requests:#?}");
}

#[test]
fn an_artifact_whose_digest_differs_is_not_used() {
    let artifact = tarball(&[("apps/podinfo/deployment.yaml", DEPLOYMENT)]);
    let wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let behaviour = Behaviour {
        raw: vec![(SOURCE_PATH.to_owned(), source(wrong)), (PROXY_PATH.to_owned(), artifact)],
        ..Behaviour::default()
    };
    let api = FakeApi::start(objects(), behaviour);
    let (_, report) = scan(&api);
    let app = &report["apps"][0];
    let notes = app["notes"].to_string();
    assert!(notes.contains("GitRepository flux-system/podinfo: the artifact's digest is sha256:"), "{notes}");
    assert!(notes.contains(&format!("not the {wrong} its status names: not used")), "{notes}");
    assert!(app["resources"].as_array().unwrap().is_empty(), "nothing compared, nothing pruned: {app}");
}
