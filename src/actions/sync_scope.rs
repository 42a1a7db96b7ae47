//! What a sync is allowed to change: the fields the responder chose, and nothing else
//! unasked. A field delegated to a controller (the HPA's replicas) or hidden by an ignore
//! rule is never a sync target; a sync chosen for some fields of a resource, whose write
//! (a controller sync, an apply of Git's object) would also change others, is refused with
//! each of those changes named beside kdrift's own suggestion for it; a sync of the whole
//! resource names, for every change, the finding it reverts and what kdrift suggests for it.

use crate::actions::Subject;
use crate::model::{Category, Finding, Response};

/// One change a write makes, as the server's dry run shows it.
pub struct Change {
    /// The pointer into the live object.
    pub pointer: String,
    /// `path: old → new`, masked.
    pub line: String,
}

/// Why a sync cannot target these findings at all, if it cannot.
pub fn not_a_target(subject: &Subject) -> Option<String> {
    let delegated: Vec<String> = subject
        .findings
        .iter()
        .filter_map(|finding| {
            let label = label(finding);
            if let Some(rule) = &finding.ignored_by {
                return Some(format!("{label} is hidden by ignore rule {rule}"));
            }
            (finding.category == Category::ControllerManaged)
                .then(|| format!("{label} is delegated to a controller ({})", finding.reason))
        })
        .collect();
    (!delegated.is_empty()).then(|| {
        format!(
            "{}: kdrift never syncs such a field back (Git's value would fight the controller); choose ignore, or backport if Git should follow",
            delegated.join("; ")
        )
    })
}

/// Whether the responder chose some fields of the resource rather than the whole of it
/// (every finding that needs action).
pub fn chose_fields(subject: &Subject) -> bool {
    let acting: Vec<&str> =
        subject.resource.findings.iter().filter(|f| f.needs_action()).map(|f| f.path.as_str()).collect();
    let chosen: Vec<&str> = subject.findings.iter().map(|f| f.path.as_str()).collect();
    acting.iter().any(|path| !chosen.contains(path)) || chosen.iter().any(|path| !acting.contains(path))
}

/// The changes outside the chosen findings, each with the finding it touches (if any).
pub fn beyond<'s>(subject: &'s Subject, changes: &'s [Change]) -> Vec<(&'s Change, Option<&'s Finding>)> {
    changes
        .iter()
        .filter(|change| !subject.findings.iter().any(|finding| under(&change.pointer, finding)))
        .map(|change| (change, finding_of(subject, &change.pointer)))
        .collect()
}

/// Why a sync of chosen fields is refused when its write would change `outside` as well.
pub fn refusal(subject: &Subject, outside: &[(&Change, Option<&Finding>)]) -> String {
    let chosen: Vec<String> = subject.findings.iter().map(label).collect();
    let named: Vec<String> = outside.iter().map(|(change, finding)| with_suggestion(&change.line, *finding)).collect();
    format!(
        "this sync writes Git's whole {}: besides {} it would also change {}. Choose the response kdrift suggests for each, or sync the whole resource (no field chosen) after reading what it reverts",
        subject.key(),
        chosen.join(", "),
        named.join("; ")
    )
}

/// Warnings for a sync of the whole resource: each change that reverts a finding kdrift
/// suggests keeping for now (backport it to Git, or escalate it), such as a human's hotfix.
pub fn reverts(subject: &Subject, changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .filter_map(|change| {
            let finding = finding_of(subject, &change.pointer)?;
            matches!(finding.response, Response::Backport | Response::Escalate)
                .then(|| format!("reverts {}", with_suggestion(&change.line, Some(finding))))
        })
        .collect()
}

/// Warnings for the chosen findings the write leaves as they are (a field Git lacks that
/// another manager owns: server-side apply removes only what its own manager owns).
pub fn untouched(subject: &Subject, changes: &[Change]) -> Vec<String> {
    subject
        .findings
        .iter()
        .filter(|finding| !changes.iter().any(|change| under(&change.pointer, finding)))
        .map(|finding| format!("{}: this write leaves it as it is, so it will still differ afterwards", label(finding)))
        .collect()
}

fn with_suggestion(line: &str, finding: Option<&Finding>) -> String {
    match finding {
        Some(finding) => format!(
            "{line} — kdrift suggests {} for it: {}",
            finding.response.as_str(),
            crate::sanitize::clean_line(&finding.reason)
        ),
        None => format!("{line} (no finding: a change Git's object makes on its own)"),
    }
}

/// The finding of the resource whose field `pointer` is, or is inside.
fn finding_of<'s>(subject: &'s Subject, pointer: &str) -> Option<&'s Finding> {
    subject.resource.findings.iter().find(|finding| under(pointer, finding))
}

/// Whether `pointer` is the finding's field or inside it (a whole object finding holds all).
fn under(pointer: &str, finding: &Finding) -> bool {
    let paths = [Some(finding.path.as_str()), finding.desired_path.as_deref()];
    paths.into_iter().flatten().any(|path| {
        path.is_empty() || pointer == path || pointer.strip_prefix(path).is_some_and(|rest| rest.starts_with('/'))
    })
}

fn label(finding: &Finding) -> String {
    if finding.display_path.is_empty() { "the whole object".to_owned() } else { finding.display_path.clone() }
}
