//! Sync: make live match Git. When the app has a controller, kdrift asks it to act (Argo CD:
//! the Application's `operation.sync`, limited to the drifted objects, as `argocd app sync
//! --resource` does; Flux: the `reconcile.fluxcd.io/requestedAt` annotation). Otherwise, or
//! as break-glass, a server-side apply of the desired object under the GitOps field manager.
//! Every path is previewed with a server dry run (`dryRun=All`) diffed against live.

use crate::actions::changes::changed_leaves;
use crate::actions::sync_scope;
use crate::actions::target::{Mode, ObjectRef, Writer};
use crate::actions::{
    ActionError, Decision, Outcome, Plan, Subject, Work, Workspace, audit, recheck_live, settle, verify,
};
use crate::model::ObjectName;
use crate::model::Response;
use crate::sources::cluster::{ClusterError, Problem};
use serde_json::{Value, json};

pub(crate) const FLUX_REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";

#[derive(Debug, Clone)]
pub enum SyncWork {
    /// Set the Argo CD Application's `operation`.
    Argo { application: ObjectRef, patch: Value },
    /// Annotate the Flux Kustomization.
    Flux { kustomization: ObjectRef, patch: Value },
    /// Server-side apply of the desired object.
    Apply { object: Value, field_manager: String },
}

/// The field manager a break-glass apply uses: the app's GitOps controller's, so the fields
/// stay owned by GitOps afterwards and the next sync does not fight over them.
pub(crate) fn field_manager(subject: &Subject) -> &'static str {
    match subject.controller.as_ref().and_then(|c| c.object.as_ref()).map(|o| o.kind.as_str()) {
        Some("Application") => "argocd-controller",
        Some("Kustomization") => "kustomize-controller",
        _ => "kdrift",
    }
}

pub(crate) fn prepare(subject: Subject, workspace: &Workspace) -> Result<Plan, ActionError> {
    let Some(writer) = workspace.writer.as_deref() else {
        let plan = Plan::new(Decision::Act(Response::Sync), subject, "sync".to_owned(), Work::Nothing);
        return Ok(plan.refuse("live state came from a snapshot: there is no cluster to sync".to_owned()));
    };
    let Some(desired) = subject.desired.clone() else {
        let plan = Plan::new(Decision::Act(Response::Sync), subject, "sync".to_owned(), Work::Nothing);
        return Ok(plan.refuse("Git has no such object: an orphan is pruned, not synced".to_owned()));
    };
    if let Some(why) = sync_scope::not_a_target(&subject) {
        let plan = Plan::new(Decision::Act(Response::Sync), subject, "sync".to_owned(), Work::Nothing);
        return Ok(plan.refuse(why));
    }
    let controller = subject.controller.as_ref().and_then(|c| c.object.clone());
    // Break-glass on chosen fields sends only those fields; a controller always applies Git's
    // whole object, and so does a break-glass sync of the whole resource.
    let scoped = workspace.break_glass && sync_scope::chose_fields(&subject);
    let work = match controller {
        Some(object) if !workspace.break_glass && object.kind == "Application" => argo_work(&subject, &object),
        Some(object) if !workspace.break_glass && object.kind == "Kustomization" => flux_work(&object),
        _ if scoped => match sync_scope::partial_body(&desired, &subject) {
            Ok(object) => SyncWork::Apply { object, field_manager: sync_scope::SCOPED_MANAGER.to_owned() },
            Err(why) => {
                let plan = Plan::new(Decision::Act(Response::Sync), subject, "sync".to_owned(), Work::Nothing);
                return Ok(plan.refuse(format!("a field-scoped apply cannot do this: {why}")));
            }
        },
        _ => SyncWork::Apply {
            object: apply_body(&desired, &subject),
            field_manager: field_manager(&subject).to_owned(),
        },
    };
    let summary = summary(&work, &subject.fields());
    let mut plan = Plan::new(Decision::Act(Response::Sync), subject, summary, Work::Nothing);
    if let (Some(blocked), false) = (&plan.subject.delivery_blocked, matches!(work, SyncWork::Apply { .. })) {
        plan.warnings.push(format!(
            "⚠ {blocked}: this asks it to apply again, and it will fail the same way; the changes shown are what Git says, not what will happen — fix the delivery first"
        ));
    }
    preview(&mut plan, &work, &desired, writer, &workspace.engine.mask_annotations)?;
    plan.work = Work::Sync(work);
    Ok(plan)
}

fn summary(work: &SyncWork, fields: &[String]) -> String {
    match work {
        SyncWork::Argo { application, .. } => format!(
            "ask Argo CD to sync Application {}/{} (only the drifted objects, each as Git's whole object)",
            application.key.namespace, application.key.name
        ),
        SyncWork::Flux { kustomization, .. } => format!(
            "ask Flux to reconcile Kustomization {}/{} now (it re-applies all of its objects, whole)",
            kustomization.key.namespace, kustomization.key.name
        ),
        SyncWork::Apply { field_manager, .. } if field_manager == sync_scope::SCOPED_MANAGER => format!(
            "server-side apply only Git's {} as field manager '{field_manager}' (break-glass: nothing else of Git's object is sent)",
            fields.join(", ")
        ),
        SyncWork::Apply { field_manager, .. } => {
            format!(
                "server-side apply Git's object as field manager '{field_manager}' (break-glass: no controller involved)"
            )
        }
    }
}

fn argo_work(subject: &Subject, application: &ObjectName) -> SyncWork {
    let key = subject.key();
    let revision = subject.controller.as_ref().and_then(|c| c.revision.clone());
    let mut sync =
        json!({"resources": [{"group": key.group, "kind": key.kind, "name": key.name, "namespace": key.namespace}]});
    if let Some(revision) = revision {
        sync["revision"] = Value::String(revision);
    }
    // An `info` entry only this request carries: verification knows the operation Argo CD
    // finished is this one, not one it ran instead.
    let nonce = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let info = json!([{"name": settle::ARGO_REQUEST_INFO, "value": format!("{nonce}-{}", std::process::id())}]);
    let patch = json!({"operation": {"initiatedBy": {"username": "kdrift"}, "info": info, "sync": sync}});
    SyncWork::Argo { application: object_ref(application), patch }
}

/// The request stamp is the wall clock, never the evaluation time (`--now`, the load's
/// time): Flux acts only when the value changes, so a second request must carry a new one.
fn flux_work(kustomization: &ObjectName) -> SyncWork {
    let stamp = crate::clock::now_rfc3339();
    let patch = json!({"metadata": {"annotations": {FLUX_REQUESTED_AT: stamp}}});
    SyncWork::Flux { kustomization: object_ref(kustomization), patch }
}

fn object_ref(object: &ObjectName) -> ObjectRef {
    let (group, version) = crate::engine::identity::split_api_version(&object.api_version);
    ObjectRef {
        key: crate::model::ResourceKey {
            group: group.to_owned(),
            kind: object.kind.clone(),
            namespace: object.namespace.clone(),
            name: object.name.clone(),
        },
        version: version.to_owned(),
    }
}

/// Git's object as an apply body: the namespace filled in, the shown `resourceVersion` as a
/// precondition, nothing else the server owns, and
/// none of the fields delegated to a controller or hidden by an ignore rule (applying Git's
/// `replicas: 3` over an HPA's 9 would fight the autoscaler, as Argo CD's
/// `RespectIgnoreDifferences` avoids).
pub(crate) fn apply_body(desired: &Value, subject: &Subject) -> Value {
    let namespace = subject.namespace.as_str();
    let mut body = desired.clone();
    for finding in &subject.resource.findings {
        let delegated = finding.category == crate::model::Category::ControllerManaged || finding.ignored_by.is_some();
        if delegated && finding.desired.is_some() {
            let pointer = finding.desired_path.as_deref().unwrap_or(&finding.path);
            crate::engine::ignore::apply::remove_pointer(&mut body, pointer);
        }
    }
    if let Some(metadata) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in ["resourceVersion", "uid", "managedFields", "creationTimestamp", "generation"] {
            metadata.remove(field);
        }
        // The version shown is the server's precondition: an object that moved since is not
        // written (the API server answers 409), whatever happened after kdrift's re-read.
        if let Some(version) = subject.live.as_ref().and_then(|live| live.pointer("/metadata/resourceVersion")) {
            metadata.insert("resourceVersion".into(), version.clone());
        }
        // The report settled the scope (custom kinds included): a cluster-scoped object
        // carries no namespace, even one Git gave it.
        if subject.resource.namespace.is_empty() {
            metadata.remove("namespace");
        } else if !metadata.contains_key("namespace") {
            metadata.insert("namespace".into(), Value::String(namespace.to_owned()));
        }
    }
    if let Some(map) = body.as_object_mut() {
        map.remove("status");
    }
    body
}

/// Dry-runs what the sync writes and shows what it would change in the live object.
fn preview(
    plan: &mut Plan,
    work: &SyncWork,
    desired: &Value,
    writer: &dyn Writer,
    masked_annotations: &[String],
) -> Result<(), ActionError> {
    let target = ObjectRef::of(desired, &plan.subject.namespace);
    let manager = field_manager(&plan.subject);
    let scoped = matches!(work, SyncWork::Apply { field_manager, .. } if field_manager == sync_scope::SCOPED_MANAGER);
    match work {
        SyncWork::Argo { application, patch } | SyncWork::Flux { kustomization: application, patch } => {
            writer.merge_patch(application, patch, Mode::DryRun)?;
            plan.preview.push(format!(
                "PATCH {} {}/{} (merge patch, accepted by a server dry run):",
                application.key.kind, application.key.namespace, application.key.name
            ));
            plan.preview.extend(pretty(patch).lines().map(|line| format!("  {line}")));
        }
        SyncWork::Apply { .. } => {}
    }
    let applied = match work {
        SyncWork::Apply { object, field_manager } => writer.apply(&target, object, field_manager, false, Mode::DryRun),
        _ => writer.apply(&target, &apply_body(desired, &plan.subject), manager, true, Mode::DryRun),
    };
    match applied {
        Ok(result) => show_changes(plan, &result, masked_annotations, scoped),
        Err(ActionError::Cluster(ClusterError::Request {
            problem: Problem::Status { code: 409, message }, ..
        })) => {
            plan.conflicts = conflicts_in(&message);
            plan.preview.push("The server dry run found field conflicts (other managers own these fields):".to_owned());
            plan.preview.extend(plan.conflicts.iter().map(|c| format!("  {c}")));
            plan.warnings
                .push("forcing takes these fields from their managers: confirm a second time to force".to_owned());
            match work {
                // Taking the chosen fields from whoever set them is the point of a scoped
                // apply: the forced dry run shows what forcing changes.
                SyncWork::Apply { object, field_manager } if field_manager == sync_scope::SCOPED_MANAGER => {
                    let forced = writer.apply(&target, object, field_manager, true, Mode::DryRun)?;
                    show_changes(plan, &forced, masked_annotations, true);
                }
                _ if sync_scope::chose_fields(&plan.subject) => {
                    plan.refused = Some(
                        "the server dry run could not show what else this sync of Git's whole object changes (field conflicts): sync the whole resource to see it, or apply only the chosen fields as break-glass".to_owned(),
                    );
                }
                _ => {}
            }
        }
        Err(error) => return Err(error),
    }
    if let Some(radius) = crate::decision::blast_radius(&plan.subject) {
        plan.warnings.push(radius);
    }
    Ok(())
}

/// What the dry run's `result` changes in the live object, and whether that is what the
/// responder chose (exactly the chosen fields, or the whole resource with every revert named).
fn show_changes(plan: &mut Plan, result: &Value, masked_annotations: &[String], scoped: bool) {
    plan.preview.push("What the sync changes in the live object (server dry run, dryRun=All):".to_owned());
    let before = plan.subject.live.clone().unwrap_or(Value::Null);
    let changes = changed_leaves(&before, result, masked_annotations);
    if changes.is_empty() {
        plan.preview.push("  nothing: live already matches Git".to_owned());
    }
    plan.preview.extend(changes.iter().map(|change| format!("  {}", change.line)));
    plan.warnings.extend(sync_scope::untouched(&plan.subject, &changes));
    if sync_scope::chose_fields(&plan.subject) {
        let outside = sync_scope::beyond(&plan.subject, &changes);
        if !outside.is_empty() {
            plan.refused = Some(match scoped {
                true => sync_scope::scoped_refusal(&outside),
                false => sync_scope::refusal(&plan.subject, &outside),
            });
        }
    } else {
        plan.warnings.extend(sync_scope::reverts(&plan.subject, &changes));
    }
}

/// The conflicts of a 409 apply answer, one per line: the API server names the manager
/// that holds the fields, then lists them (`- .spec.replicas`).
fn conflicts_in(message: &str) -> Vec<String> {
    message.split('\n').map(str::trim).filter(|line| !line.is_empty()).map(str::to_owned).collect()
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

pub(crate) fn execute(
    plan: &Plan,
    work: &SyncWork,
    force: bool,
    workspace: &Workspace,
) -> Result<Outcome, ActionError> {
    let writer = workspace.writer.as_deref().ok_or_else(|| ActionError::Refused("no cluster".to_owned()))?;
    let subject = &plan.subject;
    recheck_live(subject, writer)?;
    let desired = subject.desired.as_ref().ok_or_else(|| ActionError::Refused("Git has no such object".to_owned()))?;
    let target = ObjectRef::of(desired, &subject.namespace);
    if !plan.conflicts.is_empty() && !force {
        return Err(ActionError::Refused("field conflicts: confirm forcing, or choose another response".to_owned()));
    }
    let mut verification = Vec::new();
    // Verification waits for what the sync set going (the controller's pass, the rollout),
    // all of it within one deadline; the audit log hears of the write before the wait.
    let deadline = std::time::Instant::now().checked_add(workspace.wait).unwrap_or_else(std::time::Instant::now);
    let mut announced = false;
    let mut waiting = || {
        if !std::mem::replace(&mut announced, true) {
            let detail = format!("sent; verification waits up to {} s for it to take effect", workspace.wait.as_secs());
            if let Err(error) = audit::append(&workspace.data_dir, &audit::Entry::started(plan, workspace, detail)) {
                tracing::warn!(%error, "the audit log did not take the write before the wait");
            }
        }
    };
    let mut finished = false;
    let result = match work {
        SyncWork::Argo { application, patch } | SyncWork::Flux { kustomization: application, patch } => {
            if let Some(refusal) = writer.get(application)?.as_ref().and_then(|now| settle::refusal(now, application)) {
                return Err(ActionError::Refused(refusal));
            }
            let mut after = writer.merge_patch(application, patch, Mode::Commit)?;
            if !workspace.wait.is_zero() {
                let seen = settle::controller(writer, application, patch, (deadline, &mut waiting))?;
                after = seen.object.unwrap_or(after);
                finished = seen.outcome != settle::Finished::Not;
                verification.extend(settle::lines(seen.outcome, seen.failed_read, workspace.wait));
            }
            verification.push(controller_state(&after));
            match (&subject.delivery_blocked, writer.is_simulated()) {
                // A controller that cannot apply fails again: the simulated one too.
                (Some(blocked), true) => verification.push(format!("✗ {blocked}: the controller failed again")),
                // The simulated controller does what the real one will: apply Git's object.
                (None, true) => {
                    writer.apply(&target, &apply_body(desired, subject), field_manager(subject), true, Mode::Commit)?;
                }
                (_, false) => {}
            }
            format!("{} {}/{} asked to sync", application.key.kind, application.key.namespace, application.key.name)
        }
        SyncWork::Apply { object, field_manager } => {
            writer.apply(&target, object, field_manager, force, Mode::Commit)?;
            let what = match field_manager == sync_scope::SCOPED_MANAGER {
                true => format!("{} of {}", subject.fields().join(", "), subject.key()),
                false => subject.key().to_string(),
            };
            format!("applied Git's {what} as '{field_manager}'{}", if force { " (forced)" } else { "" })
        }
    };
    let live_after = match workspace.wait.is_zero() {
        true => writer.get(&target)?,
        false => {
            let seen = settle::rollout(writer, &target, (deadline, &mut waiting))?;
            verification.extend(seen.failed_read.map(|why| format!("a read failed while waiting ({why})")));
            seen.object
        }
    };
    let rescanned = verify::rescan(subject, live_after.as_ref(), &workspace.engine, workspace.now)?;
    verification.extend(verify::fields_after(subject, rescanned.as_ref()).iter().map(verify::Verified::line));
    if let Some(rollout) = live_after.as_ref().and_then(verify::rollout) {
        verification.push(if writer.is_simulated() {
            "rollout: not simulated (a sample's status never moves); on a cluster this line counts updated and available pods".to_owned()
        } else {
            rollout
        });
    }
    // A controller applies on its next pass: right after the request, a field that still
    // differs is pending, not failed (a simulated controller applies at once).
    let applied_now = matches!(work, SyncWork::Apply { .. }) || writer.is_simulated() || finished;
    let still_differ = if applied_now { verify::still_differ(subject, rescanned.as_ref()) } else { Vec::new() };
    Ok(Outcome {
        decision: plan.decision,
        result,
        verification,
        still_differ,
        artefacts: Vec::new(),
        rescanned,
        live_after,
    })
}

/// What the controller says after the request: Argo CD's operation phase, Flux's readiness.
fn controller_state(object: &Value) -> String {
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str);
    if let Some(phase) = text("/status/operationState/phase") {
        return format!("Argo CD operation: {phase}");
    }
    if object.pointer("/operation").is_some() {
        return "Argo CD accepted the operation; it runs on the controller's next pass".to_owned();
    }
    match text(&format!("/metadata/annotations/{}", FLUX_REQUESTED_AT.replace('/', "~1"))) {
        Some(stamp) => format!("Flux reconcile requested at {stamp}"),
        None => "the controller accepted the request".to_owned(),
    }
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
