//! Verification after an action: the resource is compared again by the engine (desired
//! against the live object as it is now) and the fields the decision was about are checked
//! one by one: cleared, now ignored, or still different. Workloads also report rollout state.

use crate::actions::{ActionError, Subject};
use crate::engine::{Comparator, EngineConfig, Manifest};
use crate::model::{Finding, ResourceReport};
use serde_json::Value;

/// The resource compared again with `live` (`None`: the object is gone).
pub(crate) fn rescan(
    subject: &Subject,
    live: Option<&Value>,
    engine: &EngineConfig,
    now: Option<i64>,
) -> Result<Option<ResourceReport>, ActionError> {
    // The report settled the resource's scope (discovery knew a custom cluster-scoped kind):
    // the rescan must key it the same way, or it would find nothing and call every field cleared.
    let scoped;
    let engine = match subject.resource.namespace.is_empty() {
        true => {
            let mut with_scope = engine.clone();
            with_scope.cluster_scoped.push((subject.resource.group.clone(), subject.resource.kind.clone()));
            scoped = with_scope;
            &scoped
        }
        false => engine,
    };
    let mut comparator = Comparator::new(engine, &subject.app, &subject.namespace, now);
    if let Some(desired) = &subject.desired {
        let manifest = Manifest { object: desired.clone(), origin: "desired".to_owned() };
        comparator.add_desired(manifest).map_err(ActionError::Rescan)?;
    }
    if let Some(live) = live {
        comparator.observe_live(Manifest { object: live.clone(), origin: "live (rescanned)".to_owned() });
    }
    let report = comparator.finish().map_err(ActionError::Rescan)?;
    let key = subject.key();
    Ok(report.resources.into_iter().find(|r| r.key() == key))
}

/// What the rescan says about one field in scope after a write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verified {
    /// The difference is gone.
    Cleared { field: String },
    /// The difference remains, hidden by an ignore rule (what an ignore decision promises).
    Ignored { field: String, rule: String },
    /// The difference remains: the decision did not do what it promised.
    StillDiffers { field: String, desired: String, live: String },
    /// The object is there but the rescan could not find it: nothing can be called cleared.
    NotFound { field: String },
}

impl Verified {
    /// Whether the field is as the decision promised.
    pub(crate) fn holds(&self) -> bool {
        !matches!(self, Verified::StillDiffers { .. } | Verified::NotFound { .. })
    }

    pub(crate) fn field(&self) -> &str {
        match self {
            Verified::Cleared { field }
            | Verified::Ignored { field, .. }
            | Verified::StillDiffers { field, .. }
            | Verified::NotFound { field } => field,
        }
    }

    /// The line screens and the CLI show: `✓ field: no longer differs`.
    pub(crate) fn line(&self) -> String {
        match self {
            Verified::Cleared { field } => format!("✓ {field}: no longer differs"),
            Verified::Ignored { field, rule } => format!("✓ {field}: now ignored by {rule}"),
            Verified::StillDiffers { field, desired, live } => {
                format!("✗ {field}: still differs (desired {desired}, live {live})")
            }
            Verified::NotFound { field } => format!("✗ {field}: not verified (the rescan did not find the resource)"),
        }
    }
}

/// Each field in scope as the rescan finds it (`rescanned` is `None` when the resource is
/// not in the rescan: gone, or not found).
pub(crate) fn fields_after(subject: &Subject, rescanned: Option<&ResourceReport>) -> Vec<Verified> {
    let findings: &[Finding] = rescanned.map_or(&[], |r| r.findings.as_slice());
    // Gone is what a prune promises; for anything else a missing rescan proves nothing.
    if rescanned.is_none() && subject.desired.is_some() {
        return subject.findings.iter().map(|finding| Verified::NotFound { field: label(subject, finding) }).collect();
    }
    subject
        .findings
        .iter()
        .map(|before| {
            let field = label(subject, before);
            match findings.iter().find(|after| after.path == before.path) {
                None => Verified::Cleared { field },
                Some(after) => match &after.ignored_by {
                    Some(rule) => Verified::Ignored { field, rule: rule.to_string() },
                    None => Verified::StillDiffers {
                        field,
                        desired: shown(after.desired.as_ref()),
                        live: shown(after.live.as_ref()),
                    },
                },
            }
        })
        .collect()
}

/// The fields in scope the rescan still finds different (not cleared, not ignored).
pub(crate) fn still_differ(subject: &Subject, rescanned: Option<&ResourceReport>) -> Vec<String> {
    fields_after(subject, rescanned).iter().filter(|v| !v.holds()).map(|v| v.field().to_owned()).collect()
}

/// How a finding is named in verification lines: its field, or the resource for a whole
/// object.
fn label(subject: &Subject, finding: &Finding) -> String {
    if finding.display_path.is_empty() { subject.key().to_string() } else { finding.display_path.clone() }
}

fn shown(value: Option<&Value>) -> String {
    match value {
        None => "absent".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// Rollout state of a workload from its status: "rollout: 9/9 updated, 9 available".
pub(crate) fn rollout(object: &Value) -> Option<String> {
    let kind = object.get("kind")?.as_str()?;
    if !matches!(kind, "Deployment" | "StatefulSet" | "DaemonSet") {
        return None;
    }
    let number = |pointer: &str| object.pointer(pointer).and_then(Value::as_i64);
    let generation = number("/metadata/generation");
    let observed = number("/status/observedGeneration");
    let wanted = number("/spec/replicas").or(number("/status/desiredNumberScheduled")).unwrap_or(1);
    let updated = number("/status/updatedReplicas").or(number("/status/updatedNumberScheduled")).unwrap_or(0);
    let available = number("/status/availableReplicas").or(number("/status/numberAvailable")).unwrap_or(0);
    if generation.is_some() && observed < generation {
        return Some("rollout: the controller has not seen the change yet (observedGeneration behind)".to_owned());
    }
    let state = if updated >= wanted && available >= wanted { "complete" } else { "in progress" };
    Some(format!("rollout {state}: {updated}/{wanted} updated, {available} available"))
}
