//! The markdown report: one table per app, ready to paste into an incident ticket or a pull
//! request description.

use crate::model::{DriftReport, Finding, ResourceReport};
use crate::report::{owner_phrase, text};
use std::fmt::Write as _;

pub(crate) fn render(report: &DriftReport) -> String {
    let mut out = String::from("# kdrift report\n\n");
    for app in &report.apps {
        let cluster = app.cluster.as_ref().map(|c| format!(" (cluster {})", cell(c))).unwrap_or_default();
        let _ = writeln!(out, "## {}{cluster} — {:?}\n", cell(&app.name), app.sync_status);
        for note in &app.notes {
            let _ = writeln!(out, "> note: {}\n", cell(note));
        }
        let rows: Vec<(Option<&ResourceReport>, &Finding)> = app
            .findings
            .iter()
            .map(|f| (None, f))
            .chain(app.resources.iter().flat_map(|r| r.findings.iter().map(move |f| (Some(r), f))))
            .collect();
        if rows.is_empty() {
            out.push_str("No drift.\n\n");
            continue;
        }
        out.push_str("| Severity | Resource | Field | Git | Live | Owner | Category | Response | Reason |\n");
        out.push_str("|---|---|---|---|---|---|---|---|---|\n");
        for (resource, finding) in rows {
            let resource = resource.map(|r| r.key().to_string()).unwrap_or_else(|| "(app)".to_owned());
            let review = if finding.review_required { " (review)" } else { "" };
            let mut reason = finding.reason.clone();
            if let Some(rule) = &finding.ignored_by {
                let _ = write!(reason, " (ignored by {rule})");
                if finding.category.is_harmful() {
                    reason.push_str(" **This rule hides harmful drift.**");
                }
            }
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | {} | {} | {}{} | {} |",
                finding.severity.as_str(),
                cell(&resource),
                code(&finding.display_path),
                cell(&crate::engine::classify::show(finding.desired.as_ref())),
                cell(&crate::engine::classify::show(finding.live.as_ref())),
                cell(&owner_phrase(finding.owner.as_ref())),
                finding.category.as_str(),
                finding.response.as_str(),
                review,
                cell(&reason),
            );
        }
        out.push('\n');
        let mut evidence_lines = 0;
        for resource in &app.resources {
            for note in &resource.notes {
                let _ = writeln!(out, "- {}: {}", cell(&resource.key().to_string()), cell(note));
                evidence_lines += 1;
            }
            for event in &resource.events {
                let key = cell(&resource.key().to_string());
                let _ = writeln!(out, "- {key}: event {}", cell(&text::event_phrase(event)));
                evidence_lines += 1;
            }
        }
        if evidence_lines > 0 {
            out.push('\n');
        }
    }
    let _ = writeln!(out, "**Summary:** {}.", report.summary);
    crate::sanitize::clean_output(&out, false)
}

/// Data as markdown text: no table breaks, no raw HTML, no code spans opened by data.
pub(crate) fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push_str("\\`"),
            c => out.push(c),
        }
    }
    out
}

/// Data inside a code span: a backtick cannot close it early.
fn code(text: &str) -> String {
    text.replace('`', "'").replace('|', "\\|").replace(['\n', '\r'], " ")
}
