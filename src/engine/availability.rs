//! Sync availability (the seed's fourth cause of drift): evidence that the GitOps controller
//! cannot fetch, render or apply, so the drift status it reports may be stale. Read from the
//! app's Flux `Kustomization` or Argo CD `Application`, from GitOps controller pods, and from
//! kdrift's own render of the desired state; each becomes an app-level finding.

use crate::model::{Category, ControllerKind, ControllerStatus, Finding, Response, Severity, SyncRun};
use serde_json::Value;

/// Controller components whose pods must be ready for GitOps to apply anything.
const CONTROLLER_COMPONENTS: &[&str] = &[
    "argocd-application-controller",
    "argocd-repo-server",
    "argocd-server",
    "kustomize-controller",
    "helm-controller",
    "source-controller",
];

fn finding(severity: Severity, reason: String) -> Finding {
    Finding {
        path: String::new(),
        display_path: "(app)".to_owned(),
        desired: None,
        live: None,
        category: Category::SyncAvailability,
        severity,
        response: Response::Escalate,
        review_required: true,
        owner: None,
        ignored_by: None,
        reason,
        desired_path: None,
        git_commit: None,
        oracle: None,
    }
}

/// What an Argo CD `Application` or Flux `Kustomization` says of its app.
pub fn controller_status(object: &Value) -> Option<ControllerStatus> {
    let text =
        |pointer: &str| object.pointer(pointer).and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_owned);
    let group = text("/apiVersion")?.split('/').next()?.to_owned();
    match (group.as_str(), text("/kind")?.as_str()) {
        ("argoproj.io", "Application") => Some(ControllerStatus {
            kind: ControllerKind::ArgoApplication,
            sync: text("/status/sync/status"),
            health: text("/status/health/status"),
            // The exact commit Argo CD compared against, when it has compared.
            revision: text("/status/sync/revision"),
            object: object_name(object),
            syncs: argo_syncs(object),
        }),
        ("kustomize.toolkit.fluxcd.io", "Kustomization") => Some(ControllerStatus {
            kind: ControllerKind::FluxKustomization,
            sync: flux_ready(object.get("status")),
            health: None,
            revision: text("/status/lastAppliedRevision"),
            object: object_name(object),
            syncs: Vec::new(),
        }),
        _ => None,
    }
}

/// Syncs kept of an Application's history (Argo CD keeps ten by default).
const MAX_SYNCS: usize = 20;

/// The Application's current or last operation and its history, newest first, each with
/// who started it: the person behind what Argo CD's controller wrote.
fn argo_syncs(object: &Value) -> Vec<SyncRun> {
    fn text(value: Option<&Value>) -> Option<String> {
        let text = value.and_then(Value::as_str).filter(|t| !t.is_empty())?;
        Some(crate::sanitize::clean_line(text).chars().take(256).collect())
    }
    let run = |initiator: Option<&Value>, started: Option<&Value>, finished: Option<&Value>| {
        let initiator = initiator?;
        Some(SyncRun {
            initiated_by: text(initiator.get("username")),
            automated: initiator.get("automated").and_then(Value::as_bool).unwrap_or(false),
            started_at: text(started),
            finished_at: text(finished),
        })
    };
    let mut syncs = Vec::new();
    if let Some(state) = object.pointer("/status/operationState") {
        let initiator = state.pointer("/operation/initiatedBy");
        syncs.extend(run(initiator, state.get("startedAt"), state.get("finishedAt")));
    }
    let history = object.pointer("/status/history").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    for entry in history.iter().rev() {
        if let Some(sync) = run(entry.get("initiatedBy"), entry.get("deployStartedAt"), entry.get("deployedAt"))
            && !syncs.contains(&sync)
        {
            syncs.push(sync);
        }
    }
    syncs.truncate(MAX_SYNCS);
    syncs
}

fn object_name(object: &Value) -> Option<crate::model::ObjectName> {
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    Some(crate::model::ObjectName {
        api_version: text("/apiVersion")?,
        kind: text("/kind")?,
        namespace: text("/metadata/namespace").unwrap_or_default(),
        name: text("/metadata/name")?,
    })
}

/// "Ready", or "NotReady (ReconciliationFailed)", from Flux's Ready condition.
fn flux_ready(status: Option<&Value>) -> Option<String> {
    let conditions = status?.get("conditions")?.as_array()?;
    let ready = conditions.iter().find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))?;
    let reason = ready.get("reason").and_then(Value::as_str).unwrap_or("unknown");
    Some(match ready.get("status").and_then(Value::as_str) {
        Some("True") => "Ready".to_owned(),
        _ => format!("NotReady ({reason})"),
    })
}

/// What a controller's status says about delivery: the app-level findings, and — when they
/// mean the controller cannot apply what Git says — a short phrase saying so, which field
/// findings repeat instead of suggesting a sync that would fail the same way.
#[derive(Debug, Default)]
pub struct Delivery {
    pub findings: Vec<Finding>,
    pub blocked: Option<String>,
}

/// A Flux `Kustomization`'s delivery: a failed apply or a false Ready condition blocks it.
pub fn flux_delivery(object: &Value, name: &str) -> Delivery {
    let status = object.get("status");
    let text = |field: &str| status.and_then(|s| s.get(field)).and_then(Value::as_str);
    let mut delivery = Delivery::default();
    if let (Some(attempted), Some(applied)) = (text("lastAttemptedRevision"), text("lastAppliedRevision"))
        && attempted != applied
    {
        delivery.blocked = Some(format!("Flux Kustomization {name} failed to apply {attempted}"));
        delivery.findings.push(finding(
            Severity::High,
            format!(
                "Flux Kustomization {name} last attempted {attempted} but last applied {applied}: the newest revision failed to apply, so the cluster still runs {applied} and drift reported against Git may be stale; fix the apply error before syncing anything"
            ),
        ));
    }
    if let Some((reason, message)) = false_condition(status, "Ready") {
        delivery.blocked.get_or_insert_with(|| format!("Flux Kustomization {name} is not Ready ({reason})"));
        delivery
            .findings
            .push(finding(Severity::High, format!("Flux Kustomization {name} is not Ready ({reason}): {message}")));
    }
    delivery
}

/// An Argo CD `Application`'s delivery: a failed sync or an error condition blocks it.
pub fn argo_delivery(object: &Value, name: &str) -> Delivery {
    let status = object.get("status");
    let mut delivery = Delivery::default();
    let operation = status.and_then(|s| s.get("operationState"));
    let phase = operation.and_then(|o| o.get("phase")).and_then(Value::as_str);
    if let Some(phase @ ("Failed" | "Error")) = phase {
        let message = operation.and_then(|o| o.get("message")).and_then(Value::as_str).unwrap_or("no message");
        let revision = operation
            .and_then(|o| o.pointer("/syncResult/revision"))
            .and_then(Value::as_str)
            .map(|r| format!(" of revision {r}"))
            .unwrap_or_default();
        delivery.blocked = Some(format!("Argo CD's last sync of {name} ended in {phase}"));
        delivery.findings.push(finding(
            Severity::High,
            format!(
                "Argo CD's last sync{revision} of {name} ended in {phase}: {message}; the cluster may not hold what Git says, and a retried sync will fail the same way"
            ),
        ));
    }
    let conditions = status.and_then(|s| s.get("conditions")).and_then(Value::as_array);
    for condition in conditions.into_iter().flatten() {
        let kind = condition.get("type").and_then(Value::as_str).unwrap_or_default();
        if kind.ends_with("Error") {
            let message = condition.get("message").and_then(Value::as_str).unwrap_or("no message");
            delivery.blocked.get_or_insert_with(|| format!("Argo CD reports {kind} for {name}"));
            delivery.findings.push(finding(
                Severity::High,
                format!("Argo CD reports {kind} for {name}: {message}; its sync status cannot be trusted until this is fixed"),
            ));
        }
    }
    delivery
}

/// The GitOps controller component a pod runs (`argocd-repo-server`, `kustomize-controller`…).
fn controller_component(pod: &Value) -> Option<&str> {
    let labels = pod.pointer("/metadata/labels");
    let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
    [label("app.kubernetes.io/name"), label("app")]
        .into_iter()
        .flatten()
        .find(|value| CONTROLLER_COMPONENTS.contains(value))
}

/// Whether `pod` runs a GitOps controller (whose readiness every app's delivery depends on).
pub fn is_controller_pod(pod: &Value) -> bool {
    controller_component(pod).is_some()
}

/// A finding when `pod` is a GitOps controller pod that is not ready (which blocks delivery).
pub fn from_controller_pod(pod: &Value, namespace: &str, name: &str) -> Option<Finding> {
    let component = controller_component(pod)?;
    let status = pod.get("status");
    let (reason, message) = false_condition(status, "Ready")?;
    Some(finding(
        Severity::High,
        format!(
            "GitOps controller pod {namespace}/{name} ({component}) is not ready ({reason}): {message}; nothing is being fetched, rendered or applied, so every drift status it reports is stale"
        ),
    ))
}

/// A finding for a desired state kdrift itself could not render (nor can the controller).
pub fn render_failure(renderer: &str, detail: &str) -> Finding {
    finding(
        Severity::High,
        format!(
            "{renderer} failed on the desired state: {detail}; the GitOps controller cannot render this revision either, so the app's sync status is stale: fix the manifests in Git"
        ),
    )
}

/// A finding for live state kdrift could not read: the report is incomplete for those
/// objects, and nothing about them may be concluded. `reason` says what, why, and which.
pub fn read_failure(reason: String) -> Finding {
    finding(Severity::Medium, reason)
}

/// `(reason, message)` of a condition of `kind` whose status is `False`.
fn false_condition(status: Option<&Value>, kind: &str) -> Option<(String, String)> {
    let conditions = status?.get("conditions")?.as_array()?;
    let condition = conditions.iter().find(|c| c.get("type").and_then(Value::as_str) == Some(kind))?;
    if condition.get("status").and_then(Value::as_str) != Some("False") {
        return None;
    }
    let field = |name: &str| condition.get(name).and_then(Value::as_str).unwrap_or("unknown").to_owned();
    Some((field("reason"), field("message")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_failed_flux_apply_is_reported_with_both_revisions() {
        let kustomization = json!({"status": {
            "lastAttemptedRevision": "main@sha1:def456", "lastAppliedRevision": "main@sha1:abc123",
            "conditions": [{"type": "Ready", "status": "False", "reason": "ReconciliationFailed",
                "message": "Deployment/prod/checkout-api dry-run failed: spec.replicas: Invalid value"}]}});
        let findings = flux_delivery(&kustomization, "checkout-api").findings;
        assert_eq!(findings.len(), 2);
        assert!(findings[0].reason.contains("last attempted main@sha1:def456 but last applied main@sha1:abc123"));
        assert!(
            findings[1]
                .reason
                .contains("not Ready (ReconciliationFailed): Deployment/prod/checkout-api dry-run failed")
        );
        assert!(findings.iter().all(|f| f.category == Category::SyncAvailability && f.needs_action()));
        let healthy = json!({"status": {"lastAttemptedRevision": "a", "lastAppliedRevision": "a",
            "conditions": [{"type": "Ready", "status": "True"}]}});
        assert!(flux_delivery(&healthy, "x").findings.is_empty());
    }

    #[test]
    fn argo_cd_failed_operations_and_comparison_errors_are_reported() {
        let application = json!({"status": {
            "operationState": {"phase": "Failed", "message": "one or more objects failed to apply",
                "syncResult": {"revision": "abc123"}},
            "conditions": [{"type": "ComparisonError", "message": "rpc error: kustomize build failed"},
                           {"type": "SharedResourceWarning", "message": "fine"}]}});
        let findings = argo_delivery(&application, "checkout-api").findings;
        assert_eq!(findings.len(), 2);
        assert!(findings[0].reason.contains("sync of revision abc123 of checkout-api ended in Failed"));
        assert!(findings[1].reason.contains("ComparisonError"));
        let succeeded = json!({"status": {"operationState": {"phase": "Succeeded"}}});
        assert!(argo_delivery(&succeeded, "x").findings.is_empty());
    }

    #[test]
    fn only_unready_gitops_controller_pods_count() {
        let pod = |name: &str, ready: &str| {
            json!({"metadata": {"labels": {"app.kubernetes.io/name": name}},
                   "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "ContainersNotReady",
                       "message": "containers with unready status: [manager]"}]}})
        };
        assert!(from_controller_pod(&pod("kustomize-controller", "False"), "flux-system", "kc-1").is_some());
        assert!(from_controller_pod(&pod("kustomize-controller", "True"), "flux-system", "kc-1").is_none());
        assert!(from_controller_pod(&pod("checkout-api", "False"), "prod", "web-1").is_none());
    }
}
