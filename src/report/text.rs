//! The terminal report of `kdrift scan`: per app, every resource that is not in sync with its
//! findings (severity, category, field, values, owner, response, reason), then a summary.

use crate::model::{
    AppReport, AuditCoverage, CommitEvidence, ControllerStatus, DriftReport, EventEvidence, Finding, Permission,
    ResourceReport, ResourceStatus, Severity, SyncStatus,
};
use crate::report::style::Style;
use crate::report::{actors, owner_phrase, values_phrase};
use crate::sanitize::clean;
use std::fmt::Write as _;

pub(crate) struct TextOptions {
    pub style: Style,
    /// The source named in the header ("sample checkout-api", "snapshot ./live").
    pub source: String,
}

pub(crate) fn render(report: &DriftReport, options: &TextOptions) -> String {
    let mut out = String::new();
    for app in &report.apps {
        render_app(&mut out, app, options);
    }
    let _ = writeln!(out, "Summary: {}", report.summary);
    for context in &report.unreachable {
        let _ = writeln!(out, "Not read: {}", crate::sanitize::clean_line(context));
    }
    // Every piece of data is cleaned where it is written (painted or not), so the colour
    // left in is kdrift's; this last pass is the net under that rule.
    crate::sanitize::clean_output(&out, options.style.color)
}

fn render_app(out: &mut String, app: &AppReport, options: &TextOptions) {
    let style = options.style;
    let status = match app.sync_status {
        SyncStatus::Synced => style.paint("32", "Synced"),
        SyncStatus::OutOfSync => style.paint("1;33", "OutOfSync"),
        SyncStatus::Unknown => style.paint("1;31", "Unknown"),
    };
    let needing = app.all_findings().filter(|f| f.needs_action()).count();
    let ignored = app.all_findings().filter(|f| f.ignored_by.is_some()).count();
    let catalog = match (&app.owner_team, &app.criticality) {
        (Some(team), Some(level)) => format!("owner {team}, {level}; "),
        (Some(team), None) => format!("owner {team}; "),
        (None, Some(level)) => format!("{level}; "),
        (None, None) => String::new(),
    };
    // Several clusters: each app names its own.
    let source = app
        .cluster
        .as_ref()
        .map_or_else(|| options.source.clone(), |c| format!("cluster {}", crate::sanitize::clean_line(c)));
    let _ = writeln!(
        out,
        "{}  {status}  ({}{}; {} finding(s), {needing} need action, {ignored} ignored)",
        style.bold(&app.name),
        clean(&catalog),
        clean(&source),
        app.all_findings().count() - ignored
    );
    if let Some(controller) = &app.controller {
        let _ = writeln!(out, "  {}", style.dim(&controller_phrase(controller)));
    }
    for permission in &app.permissions {
        let _ = writeln!(out, "  {}", style.dim(&permission_phrase(permission)));
    }
    for note in &app.notes {
        let _ = writeln!(out, "  {}", style.dim(&format!("note: {note}")));
    }
    if !app.findings.is_empty() {
        let _ = writeln!(out, "\n  {}", style.bold("sync availability (the app as a whole)"));
    }
    for finding in &app.findings {
        render_finding(out, finding, None, style);
    }
    let mut synced = 0;
    for resource in &app.resources {
        if resource.status == ResourceStatus::Synced {
            synced += 1;
            continue;
        }
        render_resource(out, resource, app.audit_log.as_ref(), style);
    }
    if synced > 0 {
        let _ = writeln!(out, "  {}", style.dim(&format!("{synced} resource(s) synced")));
    }
    out.push('\n');
}

fn render_resource(out: &mut String, resource: &ResourceReport, audit: Option<&AuditCoverage>, style: Style) {
    let _ = writeln!(out, "\n  {}  {}", style.bold(&resource.key().to_string()), resource.status.as_str());
    if let Some(commit) = &resource.desired_commit {
        let _ = writeln!(out, "    {}", style.dim(&format!("git: file last changed {}", commit_phrase(commit))));
    }
    for note in &resource.notes {
        let _ = writeln!(out, "    {}", style.dim(&format!("note: {note}")));
    }
    // Every field finding of a resource was decided by the same oracle.
    if let Some(oracle) = resource.findings.iter().find_map(|f| f.oracle) {
        let line = format!("defaults and admission changes: decided by {}", oracle.describe());
        let _ = writeln!(out, "    {}", style.dim(&line));
    }
    for finding in &resource.findings {
        render_finding(out, finding, audit, style);
    }
    for event in &resource.events {
        let line = format!("event: {}", event_phrase(event));
        let line = if event.kind == "Warning" { style.severity(Severity::Medium, &line) } else { style.dim(&line) };
        let _ = writeln!(out, "    {line}");
    }
}

/// "Warning OOMKilling ×3, last 2026-06-02 10:00 (kubelet): Memory cgroup out of memory".
pub(crate) fn event_phrase(event: &EventEvidence) -> String {
    let count = if event.count > 1 { format!(" ×{}", event.count) } else { String::new() };
    let when = match &event.last_seen {
        Some(time) => format!(", last {}", time.get(..16).unwrap_or(time).replace('T', " ")),
        None => String::new(),
    };
    let source = event.source.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
    format!("{} {}{count}{when}{source}: {}", event.kind, event.reason, event.message)
}

fn render_finding(out: &mut String, finding: &Finding, audit: Option<&AuditCoverage>, style: Style) {
    let severity = format!("{:<8}", finding.severity.as_str().to_uppercase());
    let _ = writeln!(
        out,
        "    {} {:<18} {}",
        style.severity(finding.severity, &severity),
        finding.category.as_str(),
        clean(&finding.display_path)
    );
    let values = values_phrase(finding);
    match (&finding.owner, values.is_empty()) {
        (_, false) => {
            let owner = owner_phrase(finding.owner.as_ref());
            let _ = writeln!(out, "             {} · {}", clean(&values), clean(&owner));
        }
        // A whole object (an orphan): who put it there.
        (Some(owner), true) => {
            let _ = writeln!(out, "             owner: {}", clean(&owner_phrase(Some(owner))));
        }
        (None, true) => {}
    }
    if let Some(owner) = &finding.owner {
        let who = match &owner.actor {
            Some(actor) => Some(format!("who: {}", actors::details(actor))),
            None => actors::missing(audit, owner).map(|why| format!("who: {why}")),
        };
        if let Some(who) = who {
            let _ = writeln!(out, "             {}", style.dim(&clean(&who)));
        }
    }
    if let Some(commit) = &finding.git_commit {
        let _ =
            writeln!(out, "             {}", style.dim(&format!("git: line last changed {}", commit_phrase(commit))));
    }
    let review = if finding.review_required { " · review required" } else { "" };
    let response = style.bold(finding.response.as_str());
    let _ = writeln!(out, "             → {response}{review}: {}", clean(&finding.reason));
    if let Some(rule) = &finding.ignored_by {
        let _ = writeln!(out, "             {}", style.dim(&format!("(ignored by {rule})")));
        if finding.category.is_harmful() {
            let warning = "this rule hides harmful drift: narrow it to the fields another controller owns";
            let _ = writeln!(out, "             {}", style.severity(Severity::High, warning));
        }
    }
}

/// "controller: Argo CD Application says OutOfSync, Degraded, at 1a2b3c4".
fn controller_phrase(controller: &ControllerStatus) -> String {
    let mut said: Vec<&str> =
        [controller.sync.as_deref(), controller.health.as_deref()].into_iter().flatten().collect();
    if said.is_empty() {
        said.push("nothing yet");
    }
    let at = controller.revision.as_deref().map(|r| format!(", at {r}")).unwrap_or_default();
    format!("controller: {} says {}{at}", controller.kind, said.join(", "))
}

/// "access: may sync (patch applications.argoproj.io argocd/web)", "access: may not prune (…): reason".
fn permission_phrase(permission: &Permission) -> String {
    let may = if permission.allowed { "may" } else { "may not" };
    let reason =
        permission.reason.as_deref().filter(|_| !permission.allowed).map(|r| format!(": {r}")).unwrap_or_default();
    format!("access: {may} {} ({permission}){reason}", permission.action)
}

/// "in 1a2b3c4 by Alice on 2026-05-01: raise memory".
fn commit_phrase(commit: &CommitEvidence) -> String {
    let short: String = commit.id.chars().take(7).collect();
    let day = commit.time.get(..10).unwrap_or(&commit.time);
    format!("in {short} by {} on {day}: {}", commit.author, commit.summary)
}
