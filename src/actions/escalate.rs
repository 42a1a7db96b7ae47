//! Escalate: the seed's careful remediation record, in Markdown — the observed diff, the
//! suspected cause, the risk of each response, the chosen action and the owner team — saved
//! under the data directory, shown, and handed on stdin to `escalate.command` when the
//! config names one (a pager, a ticket tool, a chat webhook script).

use crate::actions::{ActionError, Outcome, Plan, Work, Workspace};
use crate::decision::{DECISIONS, Decision, Subject};
use crate::model::Finding;
use crate::model::Response;
use crate::sources::process;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct EscalateWork {
    pub markdown: String,
    pub file_name: String,
}

pub(crate) fn prepare(subject: Subject, workspace: &Workspace, note: Option<&str>) -> Plan {
    let team = owner_team(&subject);
    let markdown = record(&subject, workspace, team.as_deref(), note);
    let stamp = crate::clock::now_rfc3339().replace(':', "");
    let key = subject.key();
    let file_name = format!("{stamp}-{}-{}-{}.md", subject.app, key.kind.to_lowercase(), key.name);
    let to = team.map_or_else(|| "the service owner (no owner team recorded)".to_owned(), |t| format!("team {t}"));
    // Say exactly what confirming does: who hands the record on, and whether a command runs.
    let mut summary = format!("write a remediation record for {}, for {to}", subject.key());
    match (&workspace.escalate_command, workspace.simulated()) {
        (Some(command), false) => {
            let _ = write!(summary, ", and pipe it to `{command}`");
        }
        (Some(_), true) => summary.push_str(" (a sample: escalate.command is not run, the record is only saved)"),
        (None, _) => summary.push_str(" (no escalate.command is set: handing it on is yours)"),
    }
    let mut plan = Plan::new(Decision::Act(Response::Escalate), subject, summary, Work::Nothing);
    plan.preview = markdown.lines().map(str::to_owned).collect();
    plan.work = Work::Escalate(EscalateWork { markdown, file_name });
    plan
}

/// The owner team: the catalog's, else a `team`/`owner` label on the object.
pub(crate) fn owner_team(subject: &Subject) -> Option<String> {
    if let Some(team) = &subject.owner_team {
        return Some(team.clone());
    }
    let label = |object: &Option<Value>, key: &str| {
        object.as_ref()?.pointer("/metadata/labels")?.get(key)?.as_str().map(str::to_owned)
    };
    ["team", "owner", "app.kubernetes.io/team"]
        .iter()
        .find_map(|key| label(&subject.live, key).or_else(|| label(&subject.desired, key)))
}

fn record(subject: &Subject, workspace: &Workspace, team: Option<&str>, note: Option<&str>) -> String {
    let mut out = String::new();
    let now = crate::clock::now_rfc3339();
    let _ = writeln!(out, "# Drift remediation record: {} — {}\n", subject.app, subject.key());
    let _ = writeln!(out, "- Recorded: {now} by {}", workspace.who);
    let _ =
        writeln!(out, "- Where: {}", workspace.writer.as_ref().map_or_else(|| "snapshot".to_owned(), |w| w.label()));
    let _ = writeln!(out, "- Owner team: {}", team.unwrap_or("unknown — find the service owner"));
    if let Some(criticality) = &subject.criticality {
        let _ = writeln!(out, "- Criticality: {criticality}");
    }
    if let Some(incident) = &workspace.incident {
        let _ = writeln!(out, "- Incident: {incident}");
    }
    if let Some(controller) = &subject.controller {
        let _ = writeln!(
            out,
            "- Controller: {} (sync {}, health {})",
            controller.kind,
            controller.sync.as_deref().unwrap_or("unknown"),
            controller.health.as_deref().unwrap_or("unknown")
        );
    }
    out.push_str("\n## Observed diff\n\n| field | Git | live | category | set by |\n|---|---|---|---|---|\n");
    for finding in &subject.findings {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            if finding.display_path.is_empty() { "(whole object)" } else { &finding.display_path },
            cell(finding.desired.as_ref()),
            cell(finding.live.as_ref()),
            finding.category.as_str(),
            owner(finding)
        );
    }
    out.push_str("\n## Suspected cause\n\n");
    for finding in &subject.findings {
        let _ = writeln!(out, "- {}", finding.reason);
    }
    for finding in &subject.findings {
        let Some(owner) = &finding.owner else { continue };
        let who = match &owner.actor {
            Some(actor) => format!("written by {} ({})", actor.describe(), crate::report::actors::details(actor)),
            None => match crate::report::actors::missing(subject.audit_log.as_ref(), owner) {
                Some(why) => why,
                None => continue,
            },
        };
        let source = match owner.actor.as_ref().map(|a| a.source) {
            Some(crate::model::ActorSource::ArgocdSync) => "Argo CD sync",
            _ => "audit log",
        };
        let _ = writeln!(out, "- {source}, `{}`: {}", finding.display_path, person_cell(&who));
    }
    for event in &subject.resource.events {
        let _ = writeln!(out, "- event {} {}: {} (×{})", event.kind, event.reason, event.message, event.count);
    }
    out.push_str("\n## Risk of each response\n\n| response | choose it when | avoid it when |\n|---|---|---|\n");
    for decision in DECISIONS {
        let risk = decision.risk();
        let _ = writeln!(out, "| {} | {} | {} |", decision.as_str(), risk.choose_when, risk.avoid_when);
    }
    let suggested: Vec<&str> = subject.findings.iter().map(|f| f.response.as_str()).collect();
    let _ = writeln!(out, "\nkdrift suggested: {}.", if suggested.is_empty() { "nothing" } else { &suggested[0] });
    out.push_str("\n## Chosen action\n\nEscalated: ownership, safety or impact is unclear, so nothing was written to production.\n");
    if let Some(note) = note {
        let _ = writeln!(out, "\nNote: {note}");
    }
    out.push_str("\nDecision maker: ______  Next action: ______  Due: ______\n");
    out
}

/// Text naming people (from an audit log anyone can write into) as markdown: no table
/// break, HTML, code span or link of theirs.
fn person_cell(text: &str) -> String {
    crate::report::markdown::cell(text).replace('[', "\\[").replace(']', "\\]")
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None => "—".to_owned(),
        Some(Value::String(text)) => format!("`{}`", text.replace('|', "\\|")),
        Some(other) => format!("`{}`", other.to_string().replace('|', "\\|")),
    }
}

fn owner(finding: &Finding) -> String {
    match &finding.owner {
        None => "—".to_owned(),
        Some(owner) => person_cell(&format!(
            "{} ({}){}",
            crate::report::actors::who(owner),
            owner.class.as_str(),
            owner.time.as_deref().map(|t| format!(" at {t}")).unwrap_or_default()
        )),
    }
}

/// Where remediation records are kept.
pub(crate) fn records_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("records")
}

pub(crate) fn execute(plan: &Plan, work: &EscalateWork, workspace: &Workspace) -> Result<Outcome, ActionError> {
    let dir = records_dir(&workspace.data_dir);
    std::fs::create_dir_all(&dir).map_err(ActionError::io(&dir))?;
    let path = dir.join(&work.file_name);
    std::fs::write(&path, &work.markdown).map_err(ActionError::io(&path))?;
    let mut verification = vec![format!("✓ record written: {} ({} bytes)", path.display(), work.markdown.len())];
    match &workspace.escalate_command {
        Some(_) if workspace.simulated() => {
            verification.push("escalate.command not run: a sample's decisions are simulated".to_owned());
        }
        Some(command) => verification.push(hand_on(command, &work.markdown)),
        None => {}
    }
    Ok(Outcome {
        decision: plan.decision,
        still_differ: Vec::new(),
        result: format!("escalated {}: remediation record saved", plan.subject.key()),
        verification,
        artefacts: vec![format!("record: {}", path.display())],
        rescanned: None,
        live_after: None,
    })
}

/// Runs `escalate.command` with the record on stdin, within `limits.hook_seconds`; its
/// failure is reported, not fatal: the record is already saved.
fn hand_on(command: &str, markdown: &str) -> String {
    let mut shell = std::process::Command::new("sh");
    shell.arg("-c").arg(command);
    let timeout = std::time::Duration::from_secs(crate::limits::current().hook_seconds);
    let bounds = process::Bounds { timeout, stdout_bytes: 1024 * 1024, stderr_bytes: 4096 };
    match process::run(&mut shell, Some(markdown.as_bytes().to_vec()), bounds) {
        Ok(finished) if finished.status.success() => format!("✓ handed to `{command}`"),
        Ok(finished) => format!(
            "✗ `{command}` exited {}: {}",
            finished.status.code().unwrap_or(-1),
            crate::sanitize::clean_line(String::from_utf8_lossy(&finished.stderr).trim())
        ),
        Err(error @ process::RunError::Timeout(_)) => {
            format!("✗ `{command}` {error} (raise [limits] hook_seconds in config.toml)")
        }
        Err(error) => format!("✗ `{command}` {error}"),
    }
}
