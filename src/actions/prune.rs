//! Prune: delete a live object Git no longer has. Only when tracking (the instance label,
//! Argo CD's tracking annotation, Flux's labels) proves the app managed it, or the responder
//! types its name to override; never when the object opts out (`Prune=false`, `prune:
//! disabled`). The preview is a dry-run delete plus what still points at the object.

use crate::actions::target::{Mode, ObjectRef, Preconditions, Writer};
use crate::actions::{ActionError, Confirm, Decision, Outcome, Plan, Subject, Work, Workspace, recheck_live};
use crate::model::Response;
use serde_json::Value;

/// Dependents go first, so nothing the object owns is left behind running.
pub(crate) const PROPAGATION: &str = "Foreground";

#[derive(Debug, Clone)]
pub struct PruneWork {
    pub target: ObjectRef,
    pub propagation: &'static str,
    /// The object as shown: the delete lands only on it.
    pub preconditions: Preconditions,
}

pub(crate) fn prepare(subject: Subject, workspace: &Workspace) -> Result<Plan, ActionError> {
    let summary = format!("delete {} (propagation {PROPAGATION})", subject.key());
    let plan = Plan::new(Decision::Act(Response::Prune), subject, summary, Work::Nothing);
    let Some(writer) = workspace.writer.as_deref() else {
        return Ok(plan.refuse("live state came from a snapshot: there is no cluster to prune".to_owned()));
    };
    let (Some(live), None) = (plan.subject.live.clone(), &plan.subject.desired) else {
        return Ok(plan.refuse("Git still has this object: prune removes only objects Git no longer has".to_owned()));
    };
    if let Some(opt_out) = opted_out(&live) {
        return Ok(plan.refuse(format!("the object opts out of pruning ({opt_out})")));
    }
    let target = ObjectRef::of(&live, &plan.subject.namespace);
    let mut plan = plan;
    match tracked_by(&live, &plan.subject.app, &workspace.engine.instance_label) {
        Some(proof) => plan.preview.push(format!("Tracking proves {} managed it: {proof}", plan.subject.app)),
        None => {
            plan.warnings.push(format!(
                "nothing on the object proves {} managed it (no tracking label or annotation): type its name to override",
                plan.subject.app
            ));
            plan.confirm = Confirm::TypeName(plan.subject.resource.name.clone());
        }
    }
    let preconditions = Preconditions::of(Some(&live));
    writer.delete(&target, PROPAGATION, &preconditions, Mode::DryRun)?;
    plan.preview
        .push(format!("DELETE {} (propagationPolicy={PROPAGATION}): accepted by a server dry run", plan.subject.key()));
    let pointing = referencers(&live, &plan.subject.namespace, writer);
    if pointing.is_empty() {
        plan.preview.push("Nothing found that still points at it.".to_owned());
    } else {
        plan.warnings.push("still in use — deleting it may break these:".to_owned());
        plan.warnings.extend(pointing.into_iter().map(|line| format!("  {line}")));
    }
    plan.work = Work::Prune(PruneWork { target, propagation: PROPAGATION, preconditions });
    Ok(plan)
}

/// Why the object must not be pruned, when it says so itself.
fn opted_out(live: &Value) -> Option<String> {
    let annotation = |key: &str| live.pointer("/metadata/annotations")?.get(key)?.as_str();
    if let Some(options) = annotation("argocd.argoproj.io/sync-options")
        && options.split(',').any(|o| o.trim() == "Prune=false")
    {
        return Some("argocd.argoproj.io/sync-options: Prune=false".to_owned());
    }
    (annotation("kustomize.toolkit.fluxcd.io/prune") == Some("disabled"))
        .then(|| "kustomize.toolkit.fluxcd.io/prune: disabled".to_owned())
}

/// The tracking metadata that ties the object to `app`, quoted.
pub(crate) fn tracked_by(live: &Value, app: &str, instance_label: &str) -> Option<String> {
    let map = |field: &str| live.pointer(&format!("/metadata/{field}")).and_then(Value::as_object);
    let labels = map("labels");
    let annotations = map("annotations");
    let value = |map: Option<&serde_json::Map<String, Value>>, key: &str| map?.get(key)?.as_str().map(str::to_owned);
    if value(labels, instance_label).as_deref() == Some(app) {
        return Some(format!("label {instance_label}={app}"));
    }
    if let Some(id) = value(annotations, "argocd.argoproj.io/tracking-id")
        && id.split(':').next() == Some(app)
    {
        return Some(format!("annotation argocd.argoproj.io/tracking-id={id}"));
    }
    (value(labels, "kustomize.toolkit.fluxcd.io/name").as_deref() == Some(app))
        .then(|| format!("label kustomize.toolkit.fluxcd.io/name={app}"))
}

/// What still points at (or is served by) the object: Ingresses routing to a Service, Pods
/// a Service or workload selects, Services and NetworkPolicies selecting a workload's pods,
/// RoleBindings naming a ServiceAccount or Role. A kind that cannot be listed says so.
fn referencers(live: &Value, namespace: &str, writer: &dyn Writer) -> Vec<String> {
    let kind = live.get("kind").and_then(Value::as_str).unwrap_or_default();
    let name = live.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    let namespace = live.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or(namespace);
    let mut found = Vec::new();
    let list = |group: &str, kind: &str, found: &mut Vec<String>| match writer.list(group, kind, namespace) {
        Ok(items) => items,
        Err(error) => {
            found.push(format!("could not check {kind}s: {error}"));
            Vec::new()
        }
    };
    match kind {
        "Service" => {
            for ingress in list("networking.k8s.io", "Ingress", &mut found) {
                if mentions_service(&ingress, name) {
                    found.push(format!("Ingress {} routes to it", name_of(&ingress)));
                }
            }
            if let Some(selector) = live.pointer("/spec/selector").and_then(Value::as_object) {
                for (group, workload_kind) in [("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet")] {
                    for workload in list(group, workload_kind, &mut found) {
                        if selects(selector, workload.pointer("/spec/template/metadata/labels")) {
                            found.push(format!("it still selects the pods of {workload_kind} {}", name_of(&workload)));
                        }
                    }
                }
                let pods: Vec<String> = list("", "Pod", &mut found)
                    .iter()
                    .filter(|pod| selects(selector, pod.pointer("/metadata/labels")))
                    .map(name_of)
                    .collect();
                if !pods.is_empty() {
                    found.push(format!("it still selects {} running pod(s): {}", pods.len(), pods.join(", ")));
                }
            }
        }
        "Deployment" | "StatefulSet" | "DaemonSet" => {
            let labels = live.pointer("/spec/template/metadata/labels");
            for service in list("", "Service", &mut found) {
                if let Some(selector) = service.pointer("/spec/selector").and_then(Value::as_object)
                    && selects(selector, labels)
                {
                    found.push(format!("Service {} selects its pods", name_of(&service)));
                }
            }
            for policy in list("networking.k8s.io", "NetworkPolicy", &mut found) {
                if let Some(selector) = policy.pointer("/spec/podSelector/matchLabels").and_then(Value::as_object)
                    && !selector.is_empty()
                    && selects(selector, labels)
                {
                    found.push(format!("NetworkPolicy {} selects its pods", name_of(&policy)));
                }
            }
        }
        "ServiceAccount" | "Role" => {
            for binding in list("rbac.authorization.k8s.io", "RoleBinding", &mut found) {
                let subjects = binding.get("subjects").and_then(Value::as_array).cloned().unwrap_or_default();
                let named = match kind {
                    "Role" => binding.pointer("/roleRef/name").and_then(Value::as_str) == Some(name),
                    _ => subjects.iter().any(|s| {
                        s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                            && s.get("name").and_then(Value::as_str) == Some(name)
                    }),
                };
                if named {
                    found.push(format!("RoleBinding {} names it", name_of(&binding)));
                }
            }
        }
        _ => {}
    }
    found
}

fn name_of(object: &Value) -> String {
    object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("?").to_owned()
}

fn selects(selector: &serde_json::Map<String, Value>, labels: Option<&Value>) -> bool {
    let Some(labels) = labels.and_then(Value::as_object) else {
        return false;
    };
    !selector.is_empty() && selector.iter().all(|(key, value)| labels.get(key) == Some(value))
}

/// Whether any `service: {name: …}` backend in the Ingress names the Service.
fn mentions_service(value: &Value, name: &str) -> bool {
    match value {
        Value::Object(map) => {
            map.get("service").and_then(|s| s.get("name")).and_then(Value::as_str) == Some(name)
                || map.get("serviceName").and_then(Value::as_str) == Some(name)
                || map.values().any(|v| mentions_service(v, name))
        }
        Value::Array(items) => items.iter().any(|v| mentions_service(v, name)),
        _ => false,
    }
}

pub(crate) fn execute(plan: &Plan, work: &PruneWork, workspace: &Workspace) -> Result<Outcome, ActionError> {
    let writer = workspace.writer.as_deref().ok_or_else(|| ActionError::Refused("no cluster".to_owned()))?;
    recheck_live(&plan.subject, writer)?;
    writer.delete(&work.target, work.propagation, &work.preconditions, Mode::Commit)?;
    let after = writer.get(&work.target)?;
    let verification = vec![match &after {
        None => format!("✓ {} is gone", plan.subject.key()),
        Some(object) if object.pointer("/metadata/deletionTimestamp").is_some() => {
            format!("… {} is being deleted (foreground: its dependents go first)", plan.subject.key())
        }
        Some(_) => format!("✗ {} still exists", plan.subject.key()),
    }];
    Ok(Outcome {
        decision: plan.decision,
        still_differ: Vec::new(),
        result: format!("deleted {} (propagation {})", plan.subject.key(), work.propagation),
        verification,
        artefacts: Vec::new(),
        rescanned: None,
        live_after: after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tracking_and_opt_outs_are_read_from_metadata() {
        let tracked = json!({"metadata": {"labels": {"app.kubernetes.io/instance": "checkout-api"}}});
        assert_eq!(
            tracked_by(&tracked, "checkout-api", "app.kubernetes.io/instance").as_deref(),
            Some("label app.kubernetes.io/instance=checkout-api")
        );
        assert!(tracked_by(&tracked, "other", "app.kubernetes.io/instance").is_none());
        let argo = json!({"metadata": {"annotations": {"argocd.argoproj.io/tracking-id": "web:/Service:prod/web"}}});
        assert!(tracked_by(&argo, "web", "x").is_some());
        let kept =
            json!({"metadata": {"annotations": {"argocd.argoproj.io/sync-options": "Replace=true, Prune=false"}}});
        assert!(opted_out(&kept).is_some());
        assert!(
            opted_out(&json!({"metadata": {"annotations": {"kustomize.toolkit.fluxcd.io/prune": "disabled"}}}))
                .is_some()
        );
        assert!(opted_out(&tracked).is_none());
    }

    #[test]
    fn ingress_backends_are_found_at_any_depth() {
        let ingress = json!({"spec": {"rules": [{"http": {"paths": [{"backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}});
        assert!(mentions_service(&ingress, "web"));
        assert!(!mentions_service(&ingress, "api"));
    }
}
