//! Rendering a `DriftReport` for people and machines: JSON (the v1 contract), text for the
//! terminal, markdown for tickets and pull requests, and the side-by-side `diff` view.

pub(crate) mod actors;
pub(crate) mod alert_rules;
pub(crate) mod aligned;
pub(crate) mod diff_view;
mod finding_paths;
pub(crate) mod json;
mod key_order;
pub(crate) mod markdown;
pub(crate) mod metrics;
pub(crate) mod style;
pub(crate) mod text;
pub(crate) mod yaml_lines;

use crate::model::{Finding, Owner};

/// Why a resource has nothing to put side by side (a missing or orphaned object): its first
/// finding's reason and, for an orphan, who put it there.
pub(crate) fn alone_phrase(resource: &crate::model::ResourceReport) -> (String, String) {
    let first = resource.findings.first();
    let reason = first.map(|f| f.reason.clone()).unwrap_or_default();
    let owner = first.and_then(|f| f.owner.as_ref()).map(|owner| owner_phrase(Some(owner))).unwrap_or_default();
    (reason, owner)
}

/// "kubectl-edit (human, Update) 2026-04-26T08:10:00Z" — the owner as one phrase.
pub(crate) fn owner_phrase(owner: Option<&Owner>) -> String {
    let Some(owner) = owner else {
        return "no recorded owner".to_owned();
    };
    let mut phrase = format!("{} ({}", actors::who(owner), owner.class.as_str());
    if let Some(operation) = &owner.operation {
        phrase.push_str(", ");
        phrase.push_str(operation);
    }
    if let Some(subresource) = &owner.subresource {
        phrase.push_str(", /");
        phrase.push_str(subresource);
    }
    phrase.push(')');
    if let Some(time) = &owner.time {
        phrase.push(' ');
        phrase.push_str(time);
    }
    phrase
}

/// "Git 512Mi → live 2Gi" for field findings; empty for whole-object ones.
pub(crate) fn values_phrase(finding: &Finding) -> String {
    use crate::engine::classify::show;
    if finding.desired.is_none() && finding.live.is_none() {
        return String::new();
    }
    format!("Git {} → live {}", show(finding.desired.as_ref()), show(finding.live.as_ref()))
}
