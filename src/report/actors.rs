//! How the person behind a write reads in every output: "dana@example.com via kubectl-edit"
//! where a manager alone was shown, the audit details on their own line, and — when an
//! audit log was read but holds no matching write — that no event was found, never a guess.

use crate::engine::time::parse_rfc3339;
use crate::model::{Actor, ActorSource, AuditCoverage, Finding, Owner, ResourceReport};

/// "dana@example.com via kubectl-edit" when the write's person is known, else the manager.
pub(crate) fn who(owner: &Owner) -> String {
    let manager = crate::engine::classify::manager_label(owner);
    match &owner.actor {
        Some(actor) => format!("{} via {manager}", actor.describe()),
        None => manager,
    }
}

/// `who`, for what stays forever (a commit message): the person only when the match is
/// exact and names one person, else the manager alone.
pub(crate) fn who_certain(owner: &Owner) -> String {
    match &owner.actor {
        Some(actor) if actor.quality == crate::model::MatchQuality::Exact && actor.also.is_empty() => who(owner),
        _ => crate::engine::classify::manager_label(owner),
    }
}

/// The audit details of a matched write: "groups sre-oncall · from 10.20.4.17 · audit
/// 5c1e… · exact match".
pub(crate) fn details(actor: &Actor) -> String {
    let mut parts = Vec::new();
    if actor.source == ActorSource::ArgocdSync {
        parts.push(format!("started the Argo CD sync that ended {}", actor.time.as_deref().unwrap_or("unrecorded")));
    }
    let groups: Vec<&str> = actor.groups.iter().map(String::as_str).filter(|g| !g.starts_with("system:")).collect();
    if !groups.is_empty() {
        parts.push(format!("groups {}", groups.join(", ")));
    }
    if !actor.source_ips.is_empty() {
        parts.push(format!("from {}", actor.source_ips.join(", ")));
    }
    if let Some(id) = &actor.audit_id {
        parts.push(format!("audit {id}"));
    }
    parts.push(format!("{} match", actor.quality.as_str()));
    parts.join(" · ")
}

/// Why `owner` has no person although an audit log was read: "no audit event found", or
/// that the log does not reach the change's time. `None` when no log was read, the owner
/// has one, or names no time to look for.
pub(crate) fn missing(coverage: Option<&AuditCoverage>, owner: &Owner) -> Option<String> {
    let coverage = coverage?;
    if owner.actor.is_some() {
        return None;
    }
    let at = parse_rfc3339(owner.time.as_deref()?)?;
    let span = coverage.first.as_deref().and_then(parse_rfc3339).zip(coverage.last.as_deref().and_then(parse_rfc3339));
    Some(match span {
        Some((first, last)) if at < first || at > last => format!(
            "no audit event found: the audit log covers {} to {}",
            coverage.first.as_deref().unwrap_or_default(),
            coverage.last.as_deref().unwrap_or_default()
        ),
        _ if coverage.truncated => {
            "no audit event found in the part of the audit log read ([limits] audit_mb)".to_owned()
        }
        _ if coverage.events == 0 => "no audit event received yet".to_owned(),
        _ => "no audit event found".to_owned(),
    })
}

/// The finding owner in `resource` that is the same managedFields entry as `owner` (a
/// diff line's): it carries the person, when one was found.
pub(crate) fn finding_owner<'r>(resource: &'r ResourceReport, owner: &Owner) -> Option<&'r Owner> {
    resource.findings.iter().filter_map(|f| f.owner.as_ref()).find(|candidate| {
        candidate.manager == owner.manager && candidate.time == owner.time && candidate.subresource == owner.subresource
    })
}

/// Runbook step 3's evidence: the person behind each finding's write with the audit
/// event's details, or why none is named; with no audit log read, a hint where a person
/// (`human`) made a change, else nothing.
pub(crate) fn people(findings: &[Finding], coverage: Option<&AuditCoverage>, human: bool) -> Vec<String> {
    let named = findings.iter().any(|f| f.owner.as_ref().is_some_and(|o| o.actor.is_some()));
    if coverage.is_none() && !named {
        let hint = "no audit log read: --audit-log PATH (or audit_log in config.toml) names the person";
        return if human { vec![hint.to_owned()] } else { Vec::new() };
    }
    findings
        .iter()
        .filter_map(|f| {
            let owner = f.owner.as_ref()?;
            let who = match &owner.actor {
                Some(actor) => format!("{} ({})", actor.describe(), details(actor)),
                None => missing(coverage, owner)?,
            };
            Some(format!("{}: {who}", f.display_path))
        })
        .collect()
}
