//! Live objects Git no longer declares, found only where ownership proves they belong to the
//! app (its tracking label or annotation, or the GitOps manager in managedFields) and are not
//! generated children of another object; plus the findings for missing and orphan resources.

use crate::engine::identity;
use crate::engine::managers::ManagerTable;
use crate::model::{Category, Finding, ResourceKey, Response, Severity};
use serde_json::Value;

/// Kinds that exist because another object does (and copy its labels): never orphans.
const GENERATED_KINDS: &[&str] =
    &["Endpoints", "EndpointSlice", "Event", "ControllerRevision", "Lease", "Pod", "ReplicaSet"];

/// Kinds whose leftovers keep affecting traffic or permissions.
const DANGEROUS_ORPHANS: &[&str] = &[
    "Service",
    "Ingress",
    "HTTPRoute",
    "NetworkPolicy",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "ServiceAccount",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

#[derive(Debug, Clone)]
pub struct Candidate {
    pub key: ResourceKey,
    pub version: String,
    pub origin: String,
    /// How the object is tied to the app; `None` when only managedFields say the GitOps
    /// controller wrote it (ownership unclear: which app?).
    pub tracked_by: Option<String>,
}

/// An orphan candidate when the live object is tied to `app` and is nobody's child.
pub fn candidate(
    key: &ResourceKey,
    live: &Value,
    app: &str,
    managers: &ManagerTable,
    origin: String,
) -> Option<Candidate> {
    if GENERATED_KINDS.contains(&key.kind.as_str()) {
        return None;
    }
    let metadata = live.get("metadata")?;
    let has_parent = metadata.get("ownerReferences").and_then(Value::as_array).is_some_and(|refs| !refs.is_empty());
    if has_parent {
        return None;
    }
    let tracked_by = tracking(metadata, app);
    let written_by_gitops = metadata.get("managedFields").and_then(Value::as_array).is_some_and(|entries| {
        entries.iter().any(|e| e.get("manager").and_then(Value::as_str).is_some_and(|m| managers.is_gitops(m)))
    });
    if tracked_by.is_none() && !written_by_gitops {
        return None;
    }
    Some(Candidate { key: key.clone(), version: identity::version_of(live), origin, tracked_by })
}

fn tracking(metadata: &Value, app: &str) -> Option<String> {
    let label = |name: &str| metadata.get("labels").and_then(|l| l.get(name)).and_then(Value::as_str);
    let annotation = |name: &str| metadata.get("annotations").and_then(|a| a.get(name)).and_then(Value::as_str);
    if let Some(id) = annotation("argocd.argoproj.io/tracking-id")
        && id.split(':').next() == Some(app)
    {
        return Some(format!("annotation argocd.argoproj.io/tracking-id={id}"));
    }
    for name in ["app.kubernetes.io/instance", "kustomize.toolkit.fluxcd.io/name", "helm.toolkit.fluxcd.io/name"] {
        if label(name) == Some(app) {
            return Some(format!("label {name}={app}"));
        }
    }
    None
}

pub fn orphan_finding(candidate: &Candidate, app: &str) -> Finding {
    let dangerous = DANGEROUS_ORPHANS.contains(&candidate.key.kind.as_str());
    let severity = if dangerous { Severity::High } else { Severity::Medium };
    let (response, review_required, reason) = match &candidate.tracked_by {
        Some(how) => (
            Response::Prune,
            dangerous,
            format!(
                "{} is tracked to {app} ({how}) but no longer in Git{}; prune it after checking nothing depends on it",
                candidate.key,
                if dangerous { " and can still affect traffic or permissions" } else { "" }
            ),
        ),
        None => (
            Response::Escalate,
            true,
            format!(
                "{} was written by a GitOps controller and is not in {app}'s Git, but nothing ties it to {app}: find its owner before pruning",
                candidate.key
            ),
        ),
    };
    Finding {
        path: String::new(),
        display_path: "(whole object)".to_owned(),
        desired: None,
        live: None,
        category: Category::Orphan,
        severity,
        response,
        review_required,
        owner: None,
        ignored_by: None,
        reason,
    }
}

pub fn missing_finding(key: &ResourceKey) -> Finding {
    Finding {
        path: String::new(),
        display_path: "(whole object)".to_owned(),
        desired: None,
        live: None,
        category: Category::Missing,
        severity: if DANGEROUS_ORPHANS.contains(&key.kind.as_str()) { Severity::High } else { Severity::Medium },
        response: Response::Sync,
        review_required: false,
        owner: None,
        ignored_by: None,
        reason: format!(
            "{key} is in Git but not in the cluster: deleted out of band or never applied; a sync creates it"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(kind: &str) -> ResourceKey {
        ResourceKey { group: String::new(), kind: kind.into(), namespace: "prod".into(), name: "old".into() }
    }

    #[test]
    fn tracked_objects_without_parents_are_orphans() {
        let live = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "old", "labels": {"app.kubernetes.io/instance": "checkout-api"}}});
        let found = candidate(&key("Service"), &live, "checkout-api", &ManagerTable::default(), "live.yaml#1".into());
        let found = found.expect("tracked Service is an orphan");
        let finding = orphan_finding(&found, "checkout-api");
        assert_eq!(
            (finding.category, finding.response, finding.severity),
            (Category::Orphan, Response::Prune, Severity::High)
        );
    }

    #[test]
    fn children_and_untracked_objects_are_not_orphans() {
        let child = json!({"metadata": {"name": "old", "labels": {"app.kubernetes.io/instance": "checkout-api"},
            "ownerReferences": [{"kind": "Deployment", "name": "checkout-api"}]}});
        assert!(
            candidate(&key("ConfigMap"), &child, "checkout-api", &ManagerTable::default(), String::new()).is_none()
        );
        let stranger = json!({"metadata": {"name": "old", "labels": {"app": "other"}}});
        assert!(
            candidate(&key("ConfigMap"), &stranger, "checkout-api", &ManagerTable::default(), String::new()).is_none()
        );
    }

    #[test]
    fn gitops_written_but_untracked_objects_escalate() {
        let live = json!({"metadata": {"name": "old", "managedFields": [{"manager": "argocd-controller"}]}});
        let found = candidate(&key("ConfigMap"), &live, "checkout-api", &ManagerTable::default(), String::new());
        let finding = orphan_finding(&found.expect("gitops-written"), "checkout-api");
        assert_eq!(finding.response, Response::Escalate);
    }
}
