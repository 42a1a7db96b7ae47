//! The audit log: one JSON line per decision (taken, refused or failed) in `audit.jsonl`
//! under the data directory, written and flushed to disk before the action returns. Values
//! of Secrets never reach it: the findings it quotes are the engine's, already masked.

use crate::actions::{ActionError, Outcome, Plan, Workspace};
use serde::Serialize;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub(crate) const FILE: &str = "audit.jsonl";

pub(crate) fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

#[derive(Debug, Serialize)]
pub(crate) struct Entry {
    /// RFC 3339, UTC.
    pub time: String,
    pub who: String,
    /// Where the decision applied: "cluster prod-eu", "simulated sample checkout-api".
    pub target: String,
    pub app: String,
    pub resource: String,
    pub fields: Vec<FieldEvidence>,
    pub decision: &'static str,
    pub summary: String,
    /// `done`, `refused`, `aborted` or `failed`; `started` before a hook runs (its outcome
    /// follows in a second line); `complete` when the runbook walk after it was closed.
    pub result: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub artefacts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// The responder's reason (a note; runbook steps skipped and why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The evidence behind one field of the decision.
#[derive(Debug, Serialize)]
pub(crate) struct FieldEvidence {
    pub path: String,
    pub desired: Option<serde_json::Value>,
    pub live: Option<serde_json::Value>,
    pub category: &'static str,
    pub owner: Option<String>,
    /// The person behind that write, when the audit log named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<crate::model::Actor>,
    pub changed: Option<String>,
}

impl Entry {
    pub(crate) fn of(plan: &Plan, result: &Result<Outcome, ActionError>, workspace: &Workspace) -> Entry {
        let (status, detail, artefacts) = match result {
            Ok(outcome) if !outcome.still_differ.is_empty() => (
                "failed",
                format!("{}; verification: still differs: {}", outcome.result, outcome.still_differ.join(", ")),
                outcome.artefacts.clone(),
            ),
            Ok(outcome) => ("done", outcome.result.clone(), outcome.artefacts.clone()),
            Err(ActionError::Refused(why)) => ("refused", why.clone(), Vec::new()),
            Err(
                error @ (ActionError::LiveChanged { .. }
                | ActionError::Precondition(_)
                | ActionError::InvalidName { .. }
                | ActionError::NotConfirmed(_)
                | ActionError::ReadOnly(_)),
            ) => ("aborted", error.to_string(), Vec::new()),
            Err(error) => ("failed", error.to_string(), Vec::new()),
        };
        Entry::with(plan, workspace, status, detail, artefacts)
    }

    /// The line that closes a runbook walk: every step settled after the decision.
    pub(crate) fn closed(plan: &Plan, workspace: &Workspace) -> Entry {
        Entry::with(
            plan,
            workspace,
            "complete",
            "runbook closed at step 5: every item there settled or acknowledged".to_owned(),
            Vec::new(),
        )
    }

    /// The line written before a decision runs someone else's program (`escalate.command`):
    /// a hook that never returns still leaves its trace.
    pub(crate) fn started(plan: &Plan, workspace: &Workspace, detail: String) -> Entry {
        Entry::with(plan, workspace, "started", detail, Vec::new())
    }

    fn with(plan: &Plan, workspace: &Workspace, status: &'static str, detail: String, artefacts: Vec<String>) -> Entry {
        let fields = plan
            .subject
            .findings
            .iter()
            .map(|finding| FieldEvidence {
                path: finding.display_path.clone(),
                desired: finding.desired.clone(),
                live: finding.live.clone(),
                category: finding.category.as_str(),
                owner: finding.owner.as_ref().map(|o| format!("{} ({})", o.manager, o.class.as_str())),
                actor: finding.owner.as_ref().and_then(|o| o.actor.as_deref().cloned()),
                changed: finding.owner.as_ref().and_then(|o| o.time.clone()),
            })
            .collect();
        Entry {
            time: crate::clock::now_rfc3339(),
            who: workspace.who.clone(),
            target: workspace.writer.as_ref().map_or_else(|| "no cluster".to_owned(), |w| w.label()),
            app: plan.subject.app.clone(),
            resource: plan.subject.key().to_string(),
            fields,
            decision: plan.decision.as_str(),
            summary: plan.summary.clone(),
            result: status,
            detail,
            artefacts,
            incident: workspace.incident.clone(),
            reason: workspace.reason.clone(),
        }
    }
}

/// Appends `entry` and syncs it to disk.
pub(crate) fn append(data_dir: &Path, entry: &Entry) -> Result<(), ActionError> {
    let file_path = path(data_dir);
    std::fs::create_dir_all(data_dir).map_err(ActionError::io(data_dir))?;
    let mut line =
        serde_json::to_string(entry).map_err(|source| ActionError::Json { what: "the audit entry", source })?;
    line.push('\n');
    let mut file =
        std::fs::OpenOptions::new().create(true).append(true).open(&file_path).map_err(ActionError::io(&file_path))?;
    file.write_all(line.as_bytes()).map_err(ActionError::io(&file_path))?;
    file.sync_data().map_err(ActionError::io(&file_path))
}

/// The OS user running kdrift, from the system (the process's user id, looked up in the
/// user database the system is configured with: files, LDAP, SSSD), never from `$USER`,
/// which anyone can set: `uid 1000` when the id has no name.
#[cfg(unix)]
pub(crate) fn os_user() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => crate::sanitize::clean_line(&user.name),
        _ => format!("uid {uid}"),
    }
}

/// The OS user running kdrift (the session's user name where there is no user id).
#[cfg(not(unix))]
pub fn os_user() -> String {
    std::env::var("USERNAME").unwrap_or_else(|_| "unknown".to_owned())
}

/// The user for the audit log: the OS user, who the cluster says the credentials are
/// (`kube`), and the context acted on.
pub(crate) fn who(context: Option<&str>, kube: Option<&str>) -> String {
    let user = os_user();
    match (context, kube) {
        (Some(context), Some(kube)) => format!("{user} as {kube} (context {context})"),
        (Some(context), None) => format!("{user} (context {context})"),
        (None, _) => user,
    }
}
