//! Unit tests of the live pool (`partition.rs`): an app fed only its share of live state gets
//! the very report it gets from all of it, whatever ties an object to it.

use super::*;
use crate::engine::{EngineConfig, compare_app};
use serde_json::json;

fn manifest(object: Value, at: usize) -> Manifest {
    Manifest { object, origin: format!("live.yaml#{at}") }
}

fn object(kind: &str, namespace: &str, name: &str, labels: Value) -> Value {
    let api = match kind {
        "Deployment" => "apps/v1",
        "HorizontalPodAutoscaler" => "autoscaling/v2",
        _ => "v1",
    };
    json!({"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": namespace, "labels": labels}})
}

fn tracked(app: &str) -> Value {
    json!({"app.kubernetes.io/instance": app})
}

fn deployment(namespace: &str, name: &str, app: &str, image: &str) -> Value {
    let mut d = object("Deployment", namespace, name, tracked(app));
    d["spec"] = json!({"replicas": 2, "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": image}]}}});
    d
}

/// Two apps (`web`, `api`) and everything that can tie a live object to one of them.
fn cluster() -> (Vec<(String, Vec<Manifest>)>, Vec<Manifest>) {
    let web_desired =
        vec![deployment("prod", "web", "web", "web:v1"), object("ConfigMap", "prod", "web-settings", json!({}))];
    let api_desired = vec![deployment("prod", "api", "api", "api:v1")];
    let mut live = vec![
        deployment("prod", "web", "web", "web:v2"),
        deployment("prod", "api", "api", "api:v1"),
        object("ConfigMap", "prod", "web-settings", json!({})),
        // Orphans: by instance label (a Service still selecting a pod), by tracking id, by
        // Flux label, and one only the Application's status lists.
        {
            let mut service = object("Service", "prod", "web-old", tracked("web"));
            service["spec"] = json!({"selector": {"app": "web-old"}});
            service
        },
        object("Pod", "prod", "web-old-5d8f", json!({"app": "web-old"})),
        object("Pod", "staging", "web-old-1a2b", json!({"app": "web-old"})),
        {
            let mut secret = object("Secret", "prod", "api-token", json!({}));
            secret["metadata"]["annotations"] = json!({"argocd.argoproj.io/tracking-id": "api:/Secret:prod/api-token"});
            secret
        },
        object(
            "ConfigMap",
            "prod",
            "web-flux",
            json!({"kustomize.toolkit.fluxcd.io/name": "web",
            "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}),
        ),
        object("ConfigMap", "prod", "listed-only", json!({})),
        object("ConfigMap", "prod", "nobody", tracked("other")),
        // The apps' definitions; Argo CD's settings hide web's replicas.
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "web", "namespace": "argocd"},
            "spec": {"destination": {"namespace": "prod"}},
            "status": {"sync": {"status": "OutOfSync"}, "resources": [{"kind": "ConfigMap", "namespace": "prod", "name": "listed-only"}]}}),
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "api", "namespace": "argocd"},
            "spec": {"destination": {"namespace": "prod"}}}),
        {
            let mut settings = object("ConfigMap", "argocd", "argocd-cm", json!({}));
            settings["data"] = json!({"resource.customizations.ignoreDifferences.apps_Deployment":
                "jsonPointers:\n- /spec/replicas\n"});
            settings
        },
        // A controller pod that is not ready: every app's delivery is blocked.
        {
            let mut pod = object(
                "Pod",
                "argocd",
                "argocd-repo-server-7c9f",
                json!({"app.kubernetes.io/name": "argocd-repo-server"}),
            );
            pod["status"] = json!({"conditions": [{"type": "Ready", "status": "False", "reason": "CrashLoopBackOff", "message": "back-off"}]});
            pod
        },
        // An HPA scaling api, and Events about web's Deployment and its orphan Service.
        {
            let mut hpa = object("HorizontalPodAutoscaler", "prod", "api", json!({}));
            hpa["spec"] = json!({"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}});
            hpa
        },
        json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1", "namespace": "prod"},
            "involvedObject": {"kind": "Deployment", "name": "web", "namespace": "prod", "apiVersion": "apps/v1"},
            "reason": "ScalingReplicaSet", "message": "Scaled up", "type": "Normal", "lastTimestamp": "2026-06-08T09:00:00Z"}),
        json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web-old.1", "namespace": "prod"},
            "involvedObject": {"kind": "Service", "name": "web-old", "namespace": "prod", "apiVersion": "v1"},
            "reason": "Updated", "message": "x", "type": "Warning", "lastTimestamp": "2026-06-08T09:00:00Z"}),
        // An untracked copy read before a tracked one: the first copy decides (no orphan).
        object("ConfigMap", "prod", "dup", json!({})),
        object("ConfigMap", "prod", "dup", tracked("web")),
        // An Event whose tracking names web's Application in another namespace.
        {
            let mut event = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "x.1", "namespace": "prod"},
                "involvedObject": {"kind": "ConfigMap", "name": "elsewhere", "namespace": "prod"}});
            event["metadata"]["annotations"] =
                json!({"argocd.argoproj.io/tracking-id": "team-a_web:/ConfigMap:prod/x"});
            event
        },
    ];
    live.extend((0..30).map(|i| deployment("other", &format!("noise-{i}"), "other", "noise:v1")));
    let live = live.into_iter().enumerate().map(|(at, object)| manifest(object, at)).collect();
    let desired = |objects: Vec<Value>| objects.into_iter().enumerate().map(|(at, o)| manifest(o, at)).collect();
    (vec![("web".to_owned(), desired(web_desired)), ("api".to_owned(), desired(api_desired))], live)
}

fn report(app: &str, desired: &[Manifest], live: Vec<Manifest>) -> Value {
    let config = EngineConfig::default();
    let report = compare_app(&config, app, "prod", Some(1_780_909_800), desired.to_vec(), live).expect("compares");
    serde_json::to_value(report).expect("serializes")
}

#[test]
fn each_app_fed_its_share_reports_exactly_what_it_reports_fed_everything() {
    let (apps, live) = cluster();
    let mut pool = LivePool::new(crate::engine::DEFAULT_INSTANCE_LABEL);
    live.iter().cloned().for_each(|m| pool.add(m));
    assert_eq!(pool.len(), live.len());
    for (app, desired) in &apps {
        let share = pool.share(app, desired);
        assert!(share.len() < live.len() / 2, "{app} gets a share, not everything: {}", share.len());
        let everything = report(app, desired, live.clone());
        assert_eq!(report(app, desired, share), everything, "{app}");
        let findings = everything["resources"].as_array().expect("resources").len();
        assert!(findings >= 2, "{app}: the fixture exercises the app: {everything}");
    }
}

#[test]
fn the_share_names_what_ties_each_object_to_the_app() {
    let (apps, live) = cluster();
    let mut pool = LivePool::new(crate::engine::DEFAULT_INSTANCE_LABEL);
    live.into_iter().for_each(|m| pool.add(m));
    let (app, desired) = &apps[0];
    let names: Vec<String> = pool
        .share(app, desired)
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m.object["kind"].as_str().unwrap_or(""),
                m.object["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "Deployment web",
            "ConfigMap web-settings",
            "Service web-old",
            "Pod web-old-5d8f",
            "ConfigMap web-flux",
            "ConfigMap listed-only",
            "Application web",
            "ConfigMap argocd-cm",
            "Pod argocd-repo-server-7c9f",
            "Event web.1",
            "Event web-old.1",
            "ConfigMap dup",
            "ConfigMap dup",
            "Event x.1",
        ],
        "in the order read; the api app's objects, the HPA, the pod in another namespace and the noise are not web's"
    );
    assert_eq!(pool.definitions().len(), 2);
}
