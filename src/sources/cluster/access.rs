//! Which corrections the user may make: one `SelfSubjectAccessReview` per action the report
//! suggests (sync through the app's controller or a server-side apply, prune), so the UI can
//! offer only what the API server will allow, and say why the rest is missing.

use crate::model::{AppReport, Permission, ResourceKey, ResourceStatus};
use crate::sources::cluster::Cluster;
use crate::sources::cluster::discovery::{CONCURRENCY, ResourceMap};
use futures::StreamExt as _;
use serde_json::{Value, json};

const REVIEWS: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
const IDENTITY: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

/// Who the API server says the credentials are (a `SelfSubjectReview`: the username after
/// authentication, OIDC and impersonation included); `None` when it cannot say (a server
/// before Kubernetes 1.28, or a review that is not allowed).
pub(crate) async fn identity(cluster: &Cluster) -> Option<String> {
    let body = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    let answer: Value = cluster.post(IDENTITY, &body).await.ok()?;
    let name = answer.pointer("/status/userInfo/username").and_then(Value::as_str)?;
    // Data from the server: one clean, bounded line.
    let name: String = crate::sanitize::clean_line(name).chars().take(256).collect();
    (!name.is_empty()).then_some(name)
}

/// The checks a report calls for: syncing through the controller that owns the app (patching
/// its `Application` or annotating its `Kustomization`), else applying each modified or
/// missing object; deleting each kind of orphan.
pub(crate) fn checks_for(report: &AppReport, definitions: &[ResourceKey], map: &ResourceMap) -> Vec<Permission> {
    let mut checks: Vec<Permission> = Vec::new();
    let mut add = |action: &str, verb: &str, key: &ResourceKey, name: Option<&str>| {
        let Some(resource) = map.kind(&key.group, &key.kind) else { return };
        let permission = Permission {
            action: action.to_owned(),
            verb: verb.to_owned(),
            resource: resource.display(),
            namespace: Some(key.namespace.clone()).filter(|ns| !ns.is_empty() && resource.namespaced),
            name: name.map(str::to_owned),
            allowed: false,
            reason: None,
        };
        if !checks.contains(&permission) {
            checks.push(permission);
        }
    };
    let controller = definitions
        .iter()
        .find(|d| d.kind == "Application")
        .or_else(|| definitions.iter().find(|d| d.kind == "Kustomization"));
    match controller {
        Some(definition) => add("sync", "patch", definition, Some(&definition.name)),
        None => {
            for resource in report
                .resources
                .iter()
                .filter(|r| matches!(r.status, ResourceStatus::Modified | ResourceStatus::Missing))
            {
                add("sync", "patch", &resource.key(), None);
            }
        }
    }
    for resource in report.resources.iter().filter(|r| r.status == ResourceStatus::Orphan) {
        add("prune", "delete", &resource.key(), None);
    }
    checks
}

/// Asks the API server about each check; a review that fails counts as "not allowed", with
/// the failure as its reason.
pub(crate) async fn review(cluster: &Cluster, checks: Vec<Permission>) -> Vec<Permission> {
    futures::stream::iter(checks)
        .map(|mut check| async move {
            let (group, resource) = match check.resource.split_once('.') {
                Some((plural, group)) => (group.to_owned(), plural.to_owned()),
                None => (String::new(), check.resource.clone()),
            };
            let body = json!({
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {
                    "verb": check.verb, "group": group, "resource": resource,
                    "namespace": check.namespace.clone().unwrap_or_default(),
                    "name": check.name.clone().unwrap_or_default()}}
            });
            match cluster.post::<Value>(REVIEWS, &body).await {
                Ok(answer) => {
                    check.allowed = answer.pointer("/status/allowed").and_then(Value::as_bool).unwrap_or(false);
                    check.reason = ["/status/reason", "/status/evaluationError"]
                        .iter()
                        .find_map(|p| answer.pointer(p).and_then(Value::as_str).filter(|r| !r.is_empty()))
                        .map(str::to_owned);
                }
                Err(problem) => check.reason = Some(format!("access review failed: {problem}")),
            }
            check
        })
        .buffered(CONCURRENCY)
        .collect()
        .await
}
