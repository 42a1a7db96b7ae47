//! Which audit-logged write a managedFields entry records. The API server stamps the entry
//! while it handles the request, so its time (whole seconds) falls between the event's
//! `requestReceivedTimestamp` and `stageTimestamp`; its manager is the `fieldManager` the
//! request named (`kubectl edit` names `kubectl-edit`), else the first word of its user
//! agent (kubectl sends `kubectl/v1.31.0 …` for every command): with the request URI in the
//! event, a write under another manager is never the one. A write that fits both is an exact
//! match (several in that second are all named); when the event does not tell the manager,
//! the time alone counts only for the one write that fits. Nothing is guessed beyond that.
//! managedFields keep one time per manager, so the person named is the one whose write last
//! changed that manager's fields.

use crate::model::{Actor, ActorSource, MatchQuality, Owner};
use crate::sources::audit::event::Manager;
use crate::sources::audit::{AuditIndex, AuditWrite, ObjectId};

impl AuditIndex {
    /// The person behind `owner`'s write to `object`; `resource_matches` says whether an
    /// audit `objectRef.resource` (`deployments`) is the object's kind.
    pub(crate) fn actor_for(
        &self,
        object: &ObjectId,
        resource_matches: impl Fn(&str) -> bool,
        owner: &Owner,
    ) -> Option<Actor> {
        let at = crate::engine::time::parse_rfc3339(owner.time.as_deref()?)?;
        let subresource = owner.subresource.as_deref().filter(|s| !s.is_empty());
        let mut candidates: Vec<(MatchQuality, &AuditWrite)> = Vec::new();
        for write in self.writes(object) {
            if !resource_matches(&write.resource) || write.subresource.as_deref() != subresource {
                continue;
            }
            // The entry's second (truncated) falls within the request's own.
            if !(write.received.unwrap_or(write.completed - 1) <= at && at <= write.completed) {
                continue;
            }
            let quality = match &write.manager {
                Manager::Named(named) if *named != owner.manager => continue,
                Manager::Named(_) => MatchQuality::Exact,
                Manager::FromAgent if agent_word(write.user_agent.as_deref()) != Some(owner.manager.as_str()) => {
                    continue;
                }
                Manager::FromAgent => MatchQuality::Exact,
                Manager::Unknown if agent_names_manager(write.user_agent.as_deref(), &owner.manager) => {
                    MatchQuality::Exact
                }
                Manager::Unknown => MatchQuality::TimeOnly,
            };
            candidates.push((quality, write));
        }
        candidates.sort_by_key(|(quality, write)| (*quality, std::cmp::Reverse(write.completed)));
        let (quality, best) = *candidates.first()?;
        if quality == MatchQuality::TimeOnly && candidates.len() > 1 {
            return None;
        }
        // Everyone else who wrote as that manager in that second: any of them may be the one.
        let who = |w: &AuditWrite| (w.username.clone(), w.impersonated_by.clone());
        let mut also: Vec<String> = candidates
            .iter()
            .filter(|(q, w)| *q == quality && who(w) != who(best))
            .map(|(_, w)| match &w.impersonated_by {
                Some(real) => format!("{real} (as {})", w.username),
                None => w.username.clone(),
            })
            .collect();
        also.sort();
        also.dedup();
        Some(Actor {
            username: best.username.clone(),
            groups: best.groups.clone(),
            source_ips: best.source_ips.clone(),
            user_agent: best.user_agent.clone(),
            impersonated_by: best.impersonated_by.clone(),
            audit_id: best.audit_id.clone(),
            time: Some(best.completed_text.clone()),
            quality,
            offset_seconds: best.completed - at,
            also,
            source: ActorSource::AuditLog,
        })
    }
}

/// The manager the API server makes of a user agent when the request names none: the text
/// before its first `/` (`Mozilla/5.0 …` → `Mozilla`).
fn agent_word(agent: Option<&str>) -> Option<&str> {
    agent.and_then(|a| a.split('/').next()).map(str::trim)
}

/// Whether a request with `agent`, whose field manager the event does not tell, could be
/// recorded as `manager`: the agent's first word, or its family (kubectl names its commands'
/// managers itself: `kubectl-set`, sent as `kubectl/v1.31.0 …`).
fn agent_names_manager(agent: Option<&str>, manager: &str) -> bool {
    let Some(first) = agent_word(agent) else {
        return false;
    };
    let family = |name: &str| name.split('-').next().unwrap_or(name).to_ascii_lowercase();
    first.eq_ignore_ascii_case(manager) || (!first.is_empty() && family(first) == family(manager))
}

#[cfg(test)]
mod tests {
    use super::agent_names_manager;

    #[test]
    fn an_agent_names_its_manager_by_its_first_word_or_its_family() {
        assert!(agent_names_manager(Some("kubectl-edit/v1.31.0 (linux/amd64) kubernetes/abc"), "kubectl-edit"));
        assert!(agent_names_manager(Some("kubectl/v1.31.0 (linux/amd64) kubernetes/abc"), "kubectl-set"));
        assert!(agent_names_manager(Some("Mozilla/5.0 (X11; Linux x86_64)"), "Mozilla"));
        assert!(agent_names_manager(Some("argocd-application-controller/v2.13"), "argocd-controller"));
        assert!(!agent_names_manager(Some("Mozilla/5.0"), "kubectl-edit"));
        assert!(!agent_names_manager(Some("helm/v3.15"), "kubectl-edit"));
        assert!(!agent_names_manager(None, "kubectl-edit"));
    }
}
