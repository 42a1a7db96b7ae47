//! Waiting for a write to take effect before verifying it: a sync asked of Argo CD or Flux is
//! done by the controller on its own pass, and a workload's new pods roll out over time.
//! Verifying at once would call a field "still different" that is only pending. Each wait
//! reads the object again about once a second, up to the decision's deadline; what it last
//! saw is what verification reports (a simulated cluster never moves: nothing is awaited).

use crate::actions::ActionError;
use crate::actions::sync::FLUX_REQUESTED_AT;
use crate::actions::target::{ObjectRef, Writer};
use serde_json::Value;
use std::time::{Duration, Instant};

/// How often the object is read again while waiting.
const POLL: Duration = Duration::from_millis(500);

/// Argo CD's finished operation phases.
const ARGO_DONE: &[&str] = &["Succeeded", "Failed", "Error"];

/// Whether the controller finished the sync asked of `app` (as the API returns it now).
fn controller_done(app: &Value, requested_at: Option<&str>) -> bool {
    let text = |pointer: &str| app.pointer(pointer).and_then(Value::as_str);
    match app.get("kind").and_then(Value::as_str) {
        // Argo CD takes `operation` off the Application when it starts the sync, and
        // records the phase in `status.operationState`.
        Some("Application") => {
            app.get("operation").is_none()
                && text("/status/operationState/phase").is_some_and(|phase| ARGO_DONE.contains(&phase))
        }
        // Flux echoes the request's token once it has handled it.
        Some("Kustomization" | "HelmRelease") => {
            requested_at.is_some() && text("/status/lastHandledReconcileAt") == requested_at
        }
        _ => true,
    }
}

/// Reads `target` until `done` says so or `deadline` passes; the last copy read (`None`: gone).
fn wait_until(
    writer: &dyn Writer,
    target: &ObjectRef,
    deadline: Instant,
    done: impl Fn(Option<&Value>) -> bool,
) -> Result<(Option<Value>, bool), ActionError> {
    loop {
        let seen = writer.get(target)?;
        if done(seen.as_ref()) {
            return Ok((seen, true));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok((seen, false));
        }
        std::thread::sleep(POLL.min(left));
    }
}

/// Waits for the controller to finish the sync `patch` asked of `app`; the Application or
/// Kustomization as last read, and whether it finished in time.
pub(crate) fn controller(
    writer: &dyn Writer,
    app: &ObjectRef,
    patch: &Value,
    deadline: Instant,
) -> Result<(Option<Value>, bool), ActionError> {
    let requested_at = patch.pointer("/metadata/annotations").and_then(|a| a.get(FLUX_REQUESTED_AT));
    let requested_at = requested_at.and_then(Value::as_str);
    if writer.is_simulated() {
        return Ok((writer.get(app)?, true));
    }
    wait_until(writer, app, deadline, |seen| seen.is_none_or(|app| controller_done(app, requested_at)))
}

/// Whether a workload's rollout is over: the controller saw the change and every wanted
/// pod is updated and available. Other kinds have nothing to roll out.
fn rolled_out(object: &Value) -> bool {
    let number = |pointer: &str| object.pointer(pointer).and_then(Value::as_i64);
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or_default();
    if !matches!(kind, "Deployment" | "StatefulSet" | "DaemonSet") {
        return true;
    }
    if number("/metadata/generation") > number("/status/observedGeneration") {
        return false;
    }
    let wanted = number("/spec/replicas").or(number("/status/desiredNumberScheduled")).unwrap_or(1);
    let updated = number("/status/updatedReplicas").or(number("/status/updatedNumberScheduled")).unwrap_or(0);
    let available = number("/status/availableReplicas").or(number("/status/numberAvailable")).unwrap_or(0);
    updated >= wanted && available >= wanted
}

/// Waits for `target`'s rollout to finish (or the object to go); the object as last read.
pub(crate) fn rollout(
    writer: &dyn Writer,
    target: &ObjectRef,
    deadline: Instant,
) -> Result<Option<Value>, ActionError> {
    if writer.is_simulated() {
        return writer.get(target);
    }
    Ok(wait_until(writer, target, deadline, |seen| seen.is_none_or(rolled_out))?.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn argo_is_done_when_the_operation_is_taken_and_its_phase_final() {
        let asked = json!({"kind": "Application", "operation": {"sync": {}}, "status": {"operationState": {"phase": "Succeeded"}}});
        assert!(!controller_done(&asked, None), "the previous operation's phase is not this one's");
        let running = json!({"kind": "Application", "status": {"operationState": {"phase": "Running"}}});
        assert!(!controller_done(&running, None));
        let failed = json!({"kind": "Application", "status": {"operationState": {"phase": "Failed"}}});
        assert!(controller_done(&failed, None));
    }

    #[test]
    fn flux_is_done_when_it_echoes_the_request() {
        let before = json!({"kind": "Kustomization", "status": {"lastHandledReconcileAt": "old"}});
        assert!(!controller_done(&before, Some("new")));
        let after = json!({"kind": "Kustomization", "status": {"lastHandledReconcileAt": "new"}});
        assert!(controller_done(&after, Some("new")));
    }

    #[test]
    fn a_rollout_waits_for_the_generation_and_every_pod() {
        let behind = json!({"kind": "Deployment", "metadata": {"generation": 3}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 2, "updatedReplicas": 2, "availableReplicas": 2}});
        assert!(!rolled_out(&behind));
        let halfway = json!({"kind": "Deployment", "metadata": {"generation": 3}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 3, "updatedReplicas": 1, "availableReplicas": 2}});
        assert!(!rolled_out(&halfway));
        let done = json!({"kind": "Deployment", "metadata": {"generation": 3}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 3, "updatedReplicas": 2, "availableReplicas": 2}});
        assert!(rolled_out(&done));
        assert!(rolled_out(&json!({"kind": "ConfigMap"})));
    }
}
