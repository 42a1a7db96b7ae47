//! The markdown report: one table per app, ready to paste into an incident ticket or a pull
//! request description.

use crate::model::{DriftReport, Finding, ResourceReport};
use crate::report::{owner_phrase, text};
use std::fmt::Write as _;

pub fn render(report: &DriftReport) -> String {
    let mut out = String::from("# kdrift report\n\n");
    for app in &report.apps {
        let _ = writeln!(out, "## {} — {:?}\n", app.name, app.sync_status);
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
                finding.display_path.replace('|', "\\|"),
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
                let _ = writeln!(out, "- {}: {}", resource.key(), cell(note));
                evidence_lines += 1;
            }
            for event in &resource.events {
                let _ = writeln!(out, "- {}: event {}", resource.key(), cell(&text::event_phrase(event)));
                evidence_lines += 1;
            }
        }
        if evidence_lines > 0 {
            out.push('\n');
        }
    }
    let _ = writeln!(out, "**Summary:** {}.", report.summary);
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
