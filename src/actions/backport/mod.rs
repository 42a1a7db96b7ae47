//! Backport: the live value becomes Git's. The file that sets the field is found at the
//! app's revision (for Kustomize, following `resources` and `patches` from the app's
//! overlay), edited in place with a comment-preserving patch (yamlpatch), and committed on a
//! new branch `kdrift/backport/<app>/<kind>-<name>` with the evidence in the message. A value
//! set by a base outside the app's directory becomes a patch in the app's overlay instead,
//! so other overlays sharing the base do not change. Secrets are refused.

mod kustomize;
mod yaml_edit;

use crate::actions::{ActionError, Decision, Outcome, Plan, Subject, Work, Workspace, git_write, recheck_live};
use crate::model::Response;
use crate::model::{Finding, GitSpot};
use crate::sources::files::yaml_documents;
use kustomize::{KUSTOMIZATION_NAMES, candidate_files, join};
use serde_json::Value;
use std::fmt::Write as _;
use yaml_edit::{add_patch_entry, edit_document, extend, insert_by_name, pointer_len, value_at};

pub(crate) use yaml_edit::route_in;

#[derive(Debug, Clone)]
pub struct BackportWork {
    pub spot: GitSpot,
    pub branch: String,
    /// Repository path → new text.
    pub changes: Vec<(String, String)>,
    pub message: String,
    /// Where each field's new value can be read back: (file, document, route, value).
    pub checks: Vec<(String, usize, Vec<Seg>, Value)>,
}

/// One step of a route into a YAML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

pub(crate) fn prepare(subject: Subject, workspace: &Workspace) -> Result<Plan, ActionError> {
    let branch_wanted =
        format!("kdrift/backport/{}/{}-{}", subject.app, subject.resource.kind.to_lowercase(), subject.resource.name);
    let plan = Plan::new(
        Decision::Act(Response::Backport),
        subject,
        format!("commit the live value on a new branch {branch_wanted}"),
        Work::Nothing,
    );
    if plan.subject.is_secret() {
        return Ok(plan.refuse(
            "a Secret's values must never be written to Git in clear text: change the secret at its source (SOPS, Sealed Secrets, External Secrets) and backport only the reference".to_owned(),
        ));
    }
    let Some(spot) = plan.subject.git.clone() else {
        return Ok(plan
            .refuse("desired state did not come from Git: give --repo PATH so kdrift can write a branch".to_owned()));
    };
    let (Some(live), Some(desired)) = (plan.subject.live.clone(), plan.subject.desired.clone()) else {
        return Ok(plan.refuse(
            "backport writes a live value into Git's object: this resource exists on one side only".to_owned(),
        ));
    };
    let fields: Vec<Finding> = plan.subject.findings.iter().filter(|f| !f.path.is_empty()).cloned().collect();
    if fields.is_empty() {
        return Ok(plan.refuse("no field selected to backport".to_owned()));
    }
    let masked = &workspace.engine.mask_annotations;
    let kind = plan.subject.resource.kind.clone();
    // Either side: Git's value of a masked field is as secret as the live one.
    let hides = |f: &&Finding| {
        let masked_at =
            |value: &Value, pointer: &str| crate::engine::secrets::is_masked_at(&kind, pointer, value, masked);
        let git_pointer = f.desired_path.as_deref().unwrap_or(&f.path);
        live.pointer(&f.path).is_some_and(|value| masked_at(value, &f.path))
            || desired.pointer(git_pointer).is_some_and(|value| masked_at(value, git_pointer))
    };
    if let Some(finding) = fields.iter().find(hides) {
        return Ok(plan.refuse(format!(
            "{} is masked (mask_annotations or a last-applied copy of one): like a Secret's, its value must never be written to Git in clear; change it at its source and backport only a reference",
            finding.display_path
        )));
    }
    let files = git_write::yaml_files(&spot.repo, &spot.commit, "")?;
    let order = candidate_files(&files, &spot.path);
    let mut edits = Edits::default();
    for finding in &fields {
        edits.add(finding, &live, &desired, &files, &order, &spot, &plan.subject)?;
    }
    let branch = git_write::free_branch(&spot.repo, &branch_wanted)?;
    let mut plan = plan;
    plan.summary = format!("commit the live value on a new branch {branch} (HEAD and working tree untouched)");
    for (file, text) in &edits.changes {
        let before = files.iter().find(|(path, _)| path == file).map_or("", |(_, text)| text.as_str());
        plan.preview.push(format!("--- a/{file}"));
        plan.preview.push(format!("+++ b/{file}"));
        plan.preview.extend(unified(before, text, &workspace.engine.mask_annotations));
    }
    plan.warnings.extend(edits.notes.iter().cloned());
    let message = commit_message(&plan.subject, &fields, workspace);
    plan.preview.push(String::new());
    plan.preview.push("Commit message:".to_owned());
    plan.preview.extend(message.lines().map(|line| format!("  {line}")));
    plan.work = Work::Backport(BackportWork { spot, branch, changes: edits.changes, message, checks: edits.checks });
    Ok(plan)
}

#[derive(Default)]
struct Edits {
    changes: Vec<(String, String)>,
    checks: Vec<(String, usize, Vec<Seg>, Value)>,
    notes: Vec<String>,
}

impl Edits {
    fn text_of<'a>(&'a self, files: &'a [(String, String)], file: &str) -> Option<&'a str> {
        self.changes.iter().chain(files.iter()).find(|(path, _)| path == file).map(|(_, text)| text.as_str())
    }

    fn set(&mut self, file: &str, text: String) {
        match self.changes.iter_mut().find(|(path, _)| path == file) {
            Some(entry) => entry.1 = text,
            None => self.changes.push((file.to_owned(), text)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        finding: &Finding,
        live: &Value,
        desired: &Value,
        files: &[(String, String)],
        order: &[(String, bool)],
        spot: &GitSpot,
        subject: &Subject,
    ) -> Result<(), ActionError> {
        let new_value = live.pointer(&finding.path).cloned();
        let kind = desired.get("kind").and_then(Value::as_str).unwrap_or_default();
        let name = desired.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
        // The last file (in apply order) whose document for this object sets the field wins.
        let mut best: Option<(String, bool, usize, Vec<Seg>, bool)> = None;
        for (file, inside) in order {
            let Some(text) = self.text_of(files, file) else { continue };
            let Ok(documents) = yaml_documents(text) else { continue };
            for (number, document) in documents {
                let same = document.get("kind").and_then(Value::as_str) == Some(kind)
                    && document.pointer("/metadata/name").and_then(Value::as_str) == Some(name);
                if !same {
                    continue;
                }
                let (route, complete) = route_in(&document, live, &finding.path);
                let parent_found = route.len() + 1 >= pointer_len(&finding.path);
                if complete || (new_value.is_some() && parent_found && best.as_ref().is_none_or(|b| !b.4)) {
                    best = Some((file.clone(), *inside, number, route, complete));
                }
            }
        }
        let Some((file, inside, number, route, complete)) = best else {
            return Err(ActionError::Refused(format!(
                "no file at {} sets {} of {kind} {name}",
                &spot.commit[..spot.commit.len().min(7)],
                finding.display_path
            )));
        };
        if !inside {
            return self.overlay_patch(finding, live, desired, files, spot, subject, &file);
        }
        let text = self.text_of(files, &file).unwrap_or_default().to_owned();
        let edited = edit_document(&text, number, &route, &finding.path, complete, new_value.as_ref())
            .map_err(|why| ActionError::Refused(format!("{file}: cannot edit {}: {why}", finding.display_path)))?;
        self.set(&file, edited);
        let full_route = if complete { route } else { extend(route, &finding.path) };
        if let Some(value) = new_value {
            self.checks.push((file, number, full_route, value));
        }
        Ok(())
    }

    /// The value is set in a base outside the app's directory: a strategic merge patch in
    /// the overlay changes it for this app only.
    #[allow(clippy::too_many_arguments)]
    fn overlay_patch(
        &mut self,
        finding: &Finding,
        live: &Value,
        desired: &Value,
        files: &[(String, String)],
        spot: &GitSpot,
        subject: &Subject,
        base_file: &str,
    ) -> Result<(), ActionError> {
        let patch_name =
            format!("kdrift-backport-{}-{}.yaml", subject.resource.kind.to_lowercase(), subject.resource.name);
        let patch_file = join(&spot.path, &patch_name);
        let mut patch = match self.text_of(files, &patch_file).map(yaml_serde::from_str::<Value>) {
            Some(Ok(existing)) => existing,
            _ => {
                let mut metadata = serde_json::Map::new();
                metadata.insert("name".into(), desired.pointer("/metadata/name").cloned().unwrap_or(Value::Null));
                if let Some(namespace) = desired.pointer("/metadata/namespace") {
                    metadata.insert("namespace".into(), namespace.clone());
                }
                serde_json::json!({"apiVersion": desired.get("apiVersion"), "kind": desired.get("kind"), "metadata": metadata})
            }
        };
        insert_by_name(&mut patch, live, &finding.path).ok_or_else(|| {
            ActionError::Refused(format!("cannot express {} as a strategic merge patch", finding.display_path))
        })?;
        let text = format!(
            "# Backported from live by kdrift: {} was set in the shared base {base_file}\n{}",
            finding.display_path,
            yaml_serde::to_string(&patch)
                .map_err(|source| ActionError::Yaml { what: "the kustomize patch", source })?
        );
        let first_time = self.text_of(files, &patch_file).is_none();
        self.set(&patch_file, text);
        if first_time {
            let kustomization = KUSTOMIZATION_NAMES
                .iter()
                .map(|name| join(&spot.path, name))
                .find(|p| self.text_of(files, p).is_some())
                .ok_or_else(|| ActionError::Refused(format!("{} has no kustomization.yaml", spot.path)))?;
            let current = self.text_of(files, &kustomization).unwrap_or_default().to_owned();
            let edited = add_patch_entry(&current, &patch_name)
                .map_err(|why| ActionError::Refused(format!("{kustomization}: cannot add the patch: {why}")))?;
            self.set(&kustomization, edited);
        }
        self.notes.push(format!(
            "{} comes from {base_file}, outside the app's directory (a base other overlays may share): the value goes into a new patch {patch_file} instead",
            finding.display_path
        ));
        if let Some(value) = live.pointer(&finding.path) {
            let (route, _) = route_in(&patch, live, &finding.path);
            self.checks.push((patch_file, 1, route, value.clone()));
        }
        Ok(())
    }
}

/// A unified diff with 2 lines of context.
/// Lines of context around each change: none in a file that mentions a Secret, a masked
/// annotation or a last-applied copy anywhere (in any style: block, flow, JSON), whose
/// neighbouring lines may be masked values.
fn context_lines(text: &str, masked_annotations: &[String]) -> usize {
    let sensitive = text.contains("Secret") || holds_masked(text, masked_annotations);
    if sensitive { 0 } else { 2 }
}

/// Whether `text` names a masked annotation or a last-applied copy.
fn holds_masked(text: &str, masked_annotations: &[String]) -> bool {
    text.contains(crate::engine::secrets::LAST_APPLIED)
        || masked_annotations.iter().any(|key| text.contains(key.as_str()))
}

/// A unified diff of one file; `masked_annotations` decide how much context is shown.
pub(crate) fn unified(before: &str, after: &str, masked_annotations: &[String]) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut lines = Vec::new();
    for group in diff.grouped_ops(context_lines(before, masked_annotations)) {
        for op in group {
            for change in diff.iter_changes(&op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                let text = change.value().trim_end_matches('\n');
                if holds_masked(text, masked_annotations) {
                    lines.push(format!("{sign}    (line withheld: it holds a masked value)"));
                } else {
                    lines.push(format!("{sign}{text}"));
                }
            }
        }
    }
    lines
}

fn commit_message(subject: &Subject, fields: &[Finding], workspace: &Workspace) -> String {
    let key = subject.key();
    let mut message =
        format!("backport({}): keep the live {} of {} {}\n\n", subject.app, short_field(fields), key.kind, key.name);
    let _ = writeln!(message, "Live state in {} differed from Git; the live value is kept.\n", subject.namespace);
    for finding in fields {
        let _ = writeln!(message, "Field: {}", finding.display_path);
        let _ = writeln!(message, "Git: {} -> live: {}", text(finding.desired.as_ref()), text(finding.live.as_ref()));
        if let Some(owner) = &finding.owner {
            let _ = writeln!(
                message,
                "Set live by: {} ({}){}{}",
                crate::report::actors::who_certain(owner),
                owner.class.as_str(),
                owner.operation.as_deref().map(|o| format!(", {o}")).unwrap_or_default(),
                owner.time.as_deref().map(|t| format!(", at {t}")).unwrap_or_default()
            );
        }
        let _ = writeln!(message, "Reason: {}\n", finding.reason);
    }
    if let Some(incident) = &workspace.incident {
        let _ = writeln!(message, "Incident: {incident}");
    }
    if let Some(note) = &workspace.reason {
        let _ = writeln!(message, "Responder's note: {}", crate::sanitize::clean_line(note));
    }
    let _ = writeln!(message, "Recorded-by: kdrift for {}", workspace.who);
    message
}

fn short_field(fields: &[Finding]) -> String {
    let last = fields[0].display_path.rsplit('.').next().unwrap_or("value").to_owned();
    if fields.len() > 1 { format!("{last} and {} more", fields.len() - 1) } else { last }
}

fn text(value: Option<&Value>) -> String {
    match value {
        None => "(absent)".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

pub(crate) fn execute(plan: &Plan, work: &BackportWork, workspace: &Workspace) -> Result<Outcome, ActionError> {
    // The value to keep must still be the one shown.
    if let Some(writer) = workspace.writer.as_deref() {
        recheck_live(&plan.subject, writer)?;
    }
    let commit =
        git_write::commit_on_branch(&work.spot.repo, &work.spot.commit, &work.branch, &work.changes, &work.message)?;
    let mut verification =
        vec![format!("✓ branch {} at {} (parent {})", work.branch, &commit[..7], &work.spot.commit[..7])];
    for (file, number, route, value) in &work.checks {
        let text = git_write::file_on_branch(&work.spot.repo, &work.branch, file)?.unwrap_or_default();
        let found = yaml_documents(&text)
            .ok()
            .and_then(|docs| docs.into_iter().find(|(n, _)| n == number))
            .and_then(|(_, doc)| value_at(&doc, route).cloned());
        verification.push(match found {
            Some(found) if found == *value => format!("✓ {file}: the branch now holds {}", text_of(value)),
            _ => format!("✗ {file}: the branch does not hold {}", text_of(value)),
        });
    }
    let mut artefacts = vec![format!("branch: {}", work.branch)];
    if workspace.push {
        let pushed = git_write::push(&work.spot.repo, &work.branch)?;
        verification.push(format!("✓ {pushed}"));
    } else if git_write::has_origin(&work.spot.repo) {
        artefacts.push(format!("push it with: git -C {} push origin {}", work.spot.repo.display(), work.branch));
    } else {
        artefacts.push(format!("see it with: git -C {} show {}", work.spot.repo.display(), work.branch));
    }
    Ok(Outcome {
        decision: plan.decision,
        still_differ: Vec::new(),
        result: format!("committed {} on {}", &commit[..7], work.branch),
        verification,
        artefacts,
        rescanned: None,
        live_after: None,
    })
}

fn text_of(value: &Value) -> String {
    text(Some(value))
}

#[cfg(test)]
#[path = "backport_tests.rs"]
mod tests;
