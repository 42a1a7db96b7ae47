//! Waiting for a write to take effect before verifying it: a sync asked of Argo CD or Flux is
//! done by the controller on its own pass, and a workload's new pods roll out over time.
//! Verifying at once would call a field "still different" that is only pending. Each wait
//! reads the object again once a second, up to the decision's deadline; what it last saw is
//! what verification reports (a simulated cluster never moves: nothing is awaited). A read
//! that fails while waiting is not the write failing: the wait goes on.

use crate::actions::ActionError;
use crate::actions::sync::FLUX_REQUESTED_AT;
use crate::actions::target::{ObjectRef, Writer};
use crate::engine::time::parse_rfc3339;
use serde_json::Value;
use std::time::{Duration, Instant};

/// How often the object is read again while waiting (an Application can be large).
const POLL: Duration = Duration::from_secs(1);

/// Argo CD's finished operation phases.
const ARGO_DONE: &[&str] = &["Succeeded", "Failed", "Error"];
/// Argo CD's phases of an operation still going.
const ARGO_GOING: &[&str] = &["Running", "Terminating"];

/// The name of the entry kdrift puts in an Argo CD operation's `info`, whose value tells
/// its operation from anyone else's.
pub(crate) const ARGO_REQUEST_INFO: &str = "kdrift-request";

/// Whether Argo CD is busy with an operation on `app` (one asked for, or one running): a
/// new one written over it would be dropped when that one ends.
fn argo_busy(app: &Value) -> Option<String> {
    let phase = app.pointer("/status/operationState/phase").and_then(Value::as_str);
    match (app.get("operation").is_some_and(|o| !o.is_null()), phase) {
        (true, _) => Some("an operation is already asked of it".to_owned()),
        (false, Some(phase)) if ARGO_GOING.contains(&phase) => Some(format!("an operation is {phase}")),
        _ => None,
    }
}

/// Why the controller cannot take a sync request now, as its app object says: Argo CD busy
/// with another operation (written over it, this one would be dropped when it ends), or a
/// suspended Flux object (the request would never be handled).
pub(crate) fn refusal(app: &Value, at: &ObjectRef) -> Option<String> {
    let (namespace, name) = (&at.key.namespace, &at.key.name);
    match app.get("kind").and_then(Value::as_str) {
        Some("Application") => argo_busy(app).map(|busy| {
            format!("Argo CD is busy with Application {namespace}/{name}: {busy}; wait for it to finish, then sync again")
        }),
        Some(kind @ ("Kustomization" | "HelmRelease")) => {
            (app.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true)).then(|| {
                let command = kind.to_lowercase();
                format!(
                    "Flux {kind} {namespace}/{name} is suspended: it handles no reconcile request; `flux resume {command} {name} -n {namespace}` first, or sync another way"
                )
            })
        }
        _ => None,
    }
}

/// How a wait for the controller ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finished {
    /// The controller finished the request.
    Ours,
    /// It finished an operation that was not this request (which it dropped).
    Another,
    /// Not within the deadline.
    Not,
}

/// Whether the controller finished the sync asked of `app` (as the API returns it now).
fn controller_done(app: &Value, asked: &Value) -> Option<Finished> {
    let text = |pointer: &str| app.pointer(pointer).and_then(Value::as_str);
    match app.get("kind").and_then(Value::as_str) {
        // Argo CD keeps `operation` until the operation completes, then clears it with the
        // final phase; the finished operation is ours when it carries our `info` entry.
        Some("Application") => {
            let phase = text("/status/operationState/phase")?;
            if app.get("operation").is_some_and(|o| !o.is_null()) || !ARGO_DONE.contains(&phase) {
                return None;
            }
            let ours = asked.pointer("/operation/info").and_then(Value::as_array).is_some_and(|info| {
                let ran = app.pointer("/status/operationState/operation/info").and_then(Value::as_array);
                ran.is_some_and(|ran| info.iter().all(|entry| ran.contains(entry)))
            });
            Some(if ours { Finished::Ours } else { Finished::Another })
        }
        // Flux records the newest request it handled: ours, or a later one (which
        // reconciles the same Git revision or a newer one).
        Some("Kustomization" | "HelmRelease") => {
            let token = asked.pointer("/metadata/annotations").and_then(|a| a.get(FLUX_REQUESTED_AT));
            let token = parse_rfc3339(token.and_then(Value::as_str)?)?;
            let handled = parse_rfc3339(text("/status/lastHandledReconcileAt")?)?;
            (handled >= token).then_some(Finished::Ours)
        }
        _ => Some(Finished::Ours),
    }
}

/// What a wait saw last: the object (`None`: gone), whether it got there, and the last
/// read that failed meanwhile (a wait never turns a write that landed into an error).
pub(crate) struct Seen<T> {
    pub object: Option<Value>,
    pub outcome: T,
    pub failed_read: Option<String>,
}

/// Reads `target` until `done` says so or `deadline` passes; `waiting` is told once, before
/// the first pause.
fn wait_until<T>(
    writer: &dyn Writer,
    target: &ObjectRef,
    (deadline, waiting): (Instant, &mut dyn FnMut()),
    done: impl Fn(Option<&Value>) -> Option<T>,
) -> (Option<Value>, Option<T>, Option<String>) {
    let (mut seen, mut failed_read, mut told) = (None, None, false);
    loop {
        match writer.get(target) {
            Ok(object) => {
                if let Some(outcome) = done(object.as_ref()) {
                    return (object, Some(outcome), failed_read);
                }
                seen = object;
            }
            Err(error) => failed_read = Some(error.to_string()),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (seen, None, failed_read);
        }
        if !std::mem::replace(&mut told, true) {
            waiting();
        }
        std::thread::sleep(POLL.min(left));
    }
}

/// Waits for the controller to finish the sync `asked` (the patch sent) of `app`.
pub(crate) fn controller(
    writer: &dyn Writer,
    app: &ObjectRef,
    asked: &Value,
    wait: (Instant, &mut dyn FnMut()),
) -> Result<Seen<Finished>, ActionError> {
    if writer.is_simulated() {
        return Ok(Seen { object: writer.get(app)?, outcome: Finished::Ours, failed_read: None });
    }
    let (object, outcome, failed_read) = wait_until(writer, app, wait, |seen| match seen {
        None => Some(Finished::Ours),
        Some(app) => controller_done(app, asked),
    });
    Ok(Seen { object, outcome: outcome.unwrap_or(Finished::Not), failed_read })
}

/// What the wait for the controller adds to verification.
pub(crate) fn lines(outcome: Finished, failed_read: Option<String>, wait: std::time::Duration) -> Vec<String> {
    let mut lines: Vec<String> =
        failed_read.map(|why| format!("a read failed while waiting ({why})")).into_iter().collect();
    match outcome {
        Finished::Ours => {}
        Finished::Another => lines.push(
            "✗ Argo CD finished another operation and dropped this request: this sync did not run; sync again"
                .to_owned(),
        ),
        Finished::Not => lines.push(format!(
            "the controller had not finished after {} s: what follows is the state then",
            wait.as_secs()
        )),
    }
    lines
}

/// Whether a workload's rollout is over (or cannot go on by itself): the controller saw
/// the change and every wanted pod is updated and available, or the rollout is paused or
/// past its progress deadline, as `kubectl rollout status` ends. Other kinds have nothing
/// to roll out.
fn rolled_out(object: &Value) -> bool {
    let number = |pointer: &str| object.pointer(pointer).and_then(Value::as_i64);
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or_default();
    if !matches!(kind, "Deployment" | "StatefulSet" | "DaemonSet") {
        return true;
    }
    let stuck = (object.pointer("/status/conditions").and_then(Value::as_array).into_iter().flatten())
        .any(|c| c.get("reason").and_then(Value::as_str) == Some("ProgressDeadlineExceeded"));
    if stuck || object.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
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

/// Waits for `target`'s rollout to finish (or the object to go).
pub(crate) fn rollout(
    writer: &dyn Writer,
    target: &ObjectRef,
    wait: (Instant, &mut dyn FnMut()),
) -> Result<Seen<bool>, ActionError> {
    if writer.is_simulated() {
        return Ok(Seen { object: writer.get(target)?, outcome: true, failed_read: None });
    }
    let (object, outcome, failed_read) =
        wait_until(writer, target, wait, |seen| seen.is_none_or(rolled_out).then_some(()));
    Ok(Seen { object, outcome: outcome.is_some(), failed_read })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn argo_is_done_when_the_operation_is_cleared_with_a_final_phase_and_ours_by_its_info() {
        let asked = json!({"operation": {"info": [{"name": ARGO_REQUEST_INFO, "value": "n1"}], "sync": {}}});
        let pending = json!({"kind": "Application", "operation": {"sync": {}}, "status": {"operationState": {"phase": "Succeeded"}}});
        assert_eq!(controller_done(&pending, &asked), None, "the previous operation's phase is not this one's");
        let running = json!({"kind": "Application", "status": {"operationState": {"phase": "Running"}}});
        assert_eq!(controller_done(&running, &asked), None);
        let ours = json!({"kind": "Application", "status": {"operationState": {"phase": "Failed",
            "operation": {"info": [{"name": ARGO_REQUEST_INFO, "value": "n1"}]}}}});
        assert_eq!(controller_done(&ours, &asked), Some(Finished::Ours));
        let theirs = json!({"kind": "Application", "status": {"operationState": {"phase": "Succeeded",
            "operation": {"sync": {}}}}});
        assert_eq!(controller_done(&theirs, &asked), Some(Finished::Another), "our request was dropped");
        assert!(argo_busy(&running).is_some() && argo_busy(&pending).is_some() && argo_busy(&ours).is_none());
    }

    #[test]
    fn a_busy_argo_cd_or_a_suspended_flux_object_cannot_take_a_sync() {
        let at = |kind: &str| ObjectRef {
            key: crate::model::ResourceKey {
                group: String::new(),
                kind: kind.to_owned(),
                namespace: "flux-system".to_owned(),
                name: "web".to_owned(),
            },
            version: "v1".to_owned(),
        };
        let suspended = json!({"kind": "Kustomization", "spec": {"suspend": true}});
        let said = refusal(&suspended, &at("Kustomization")).unwrap();
        assert!(said.contains("is suspended") && said.contains("flux resume kustomization web -n flux-system"));
        assert_eq!(refusal(&json!({"kind": "Kustomization", "spec": {"suspend": false}}), &at("Kustomization")), None);
        let running = json!({"kind": "Application", "status": {"operationState": {"phase": "Running"}}});
        assert!(refusal(&running, &at("Application")).unwrap().contains("Argo CD is busy"));
    }

    #[test]
    fn flux_is_done_when_it_handled_our_request_or_a_later_one() {
        let asked = json!({"metadata": {"annotations": {FLUX_REQUESTED_AT: "2026-12-07T20:00:00Z"}}});
        let before = json!({"kind": "Kustomization", "status": {"lastHandledReconcileAt": "2026-12-07T19:00:00Z"}});
        assert_eq!(controller_done(&before, &asked), None);
        let ours = json!({"kind": "Kustomization", "status": {"lastHandledReconcileAt": "2026-12-07T20:00:00Z"}});
        assert_eq!(controller_done(&ours, &asked), Some(Finished::Ours));
        let later = json!({"kind": "Kustomization", "status": {"lastHandledReconcileAt": "2026-12-07T20:00:01.5Z"}});
        assert_eq!(controller_done(&later, &asked), Some(Finished::Ours), "a later request, with fractions");
    }

    #[test]
    fn a_rollout_waits_for_the_generation_and_every_pod_unless_it_cannot_go_on() {
        let behind = json!({"kind": "Deployment", "metadata": {"generation": 3}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 2, "updatedReplicas": 2, "availableReplicas": 2}});
        assert!(!rolled_out(&behind));
        let halfway = json!({"kind": "Deployment", "metadata": {"generation": 3}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 3, "updatedReplicas": 1, "availableReplicas": 2}});
        assert!(!rolled_out(&halfway));
        let done = json!({"kind": "Deployment", "metadata": {"generation": 3}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 3, "updatedReplicas": 2, "availableReplicas": 2}});
        assert!(rolled_out(&done));
        let mut stuck = halfway.clone();
        stuck["status"]["conditions"] =
            json!([{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]);
        assert!(rolled_out(&stuck), "past its deadline, it will not finish by waiting");
        assert!(rolled_out(&json!({"kind": "ConfigMap"})));
    }
}
