//! Ignore: the narrowest rule that hides one finding — group/kind/name/namespace plus the
//! exact JSON pointer; a jq prefix expression for a family of injected annotations or labels;
//! `managedFieldsManagers` for a delegated controller that owns several fields — written in
//! Argo CD's `ignoreDifferences` form and Flux's `spec.ignore` form. The preview says what the
//! rule would hide across every app of the source and warns when that includes a
//! `desired-config` difference. Saving writes a rules file kdrift and `--ignore` read.

use crate::actions::{ActionError, Decision, Outcome, Plan, Subject, Work, Workspace, verify};
use crate::engine::ignore::parse::rules_in;
use crate::engine::ignore::{IgnoreRule, Subject as RuleSubject};
use crate::model::Response;
use crate::model::{AppReport, Category, Finding, ManagerClass, ResourceReport};
use serde_json::{Value, json};
use std::path::PathBuf;

/// Where a generated rule goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveTo {
    /// Shown only; nothing is written.
    Print,
    /// A YAML list of Argo CD-style rules (the shape `--ignore FILE` and config `ignore` read).
    RulesFile(PathBuf),
    /// The app's Argo CD Application manifest in Git (`spec.ignoreDifferences`), committed on
    /// a new branch as a backport is.
    Application,
}

#[derive(Debug, Clone)]
pub struct IgnoreWork {
    /// The rule as an Argo CD `ignoreDifferences` entry.
    pub argo: Value,
    /// The rule as a Flux `spec.ignore` entry, when Flux can express it.
    pub flux: Option<Value>,
    pub save_to: SaveTo,
    /// For `SaveTo::Application`: the commit to make.
    pub commit: Option<GitChange>,
}

/// A change to one file committed on a new branch.
#[derive(Debug, Clone)]
pub struct GitChange {
    pub spot: crate::model::GitSpot,
    pub branch: String,
    pub file: String,
    /// The file as it is at the app's revision, and as it will be.
    pub before: String,
    pub text: String,
    pub message: String,
}

/// How the rule selects what it hides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Pointer,
    /// A family of keys sharing a `domain/` prefix (injected by a webhook).
    KeyPrefix,
    /// Every field one delegated controller manages.
    Manager,
}

/// The default rules file for an app: under the data directory, never the working tree.
pub(crate) fn default_rules_file(data_dir: &std::path::Path, app: &str) -> PathBuf {
    data_dir.join("ignore").join(format!("{app}.yaml"))
}

pub(crate) fn prepare(subject: Subject, workspace: &Workspace) -> Result<Plan, ActionError> {
    let Some(finding) = subject.findings.first().cloned() else {
        let plan = Plan::new(Decision::Act(Response::Ignore), subject, "ignore".to_owned(), Work::Nothing);
        return Ok(plan.refuse("no difference selected to ignore".to_owned()));
    };
    if finding.path.is_empty() {
        let plan = Plan::new(Decision::Act(Response::Ignore), subject, "ignore".to_owned(), Work::Nothing);
        return Ok(plan.refuse(format!(
            "a {} finding is about the whole object: an ignore rule hides fields",
            finding.category.as_str()
        )));
    }
    let shape = shape_for(&subject.resource, &finding);
    let argo = argo_rule(&subject.resource, &finding, shape);
    let flux = flux_rule(&subject, shape);
    let rule = parse_rule(&argo)?;
    let save_to = if workspace.read_only { SaveTo::Print } else { workspace.ignore_target.clone() };
    let commit = match save_to {
        SaveTo::Application => Some(application_change(&subject, &argo)?),
        _ => None,
    };
    let summary = match (&save_to, &commit) {
        (SaveTo::Print, _) => "print the rule (nothing is written)".to_owned(),
        (SaveTo::RulesFile(path), _) => format!("add the rule to {}", path.display()),
        (SaveTo::Application, Some(change)) => {
            format!("add the rule to {} on a new branch {}", change.file, change.branch)
        }
        (SaveTo::Application, None) => "add the rule to the app's Application".to_owned(),
    };
    let mut plan = Plan::new(Decision::Act(Response::Ignore), subject, summary, Work::Nothing);
    if let Some(change) = &commit {
        plan.preview.push(format!("--- a/{}", change.file));
        plan.preview.push(format!("+++ b/{}", change.file));
        plan.preview.extend(crate::actions::backport::unified(
            &change.before,
            &change.text,
            &workspace.engine.mask_annotations,
        ));
    }
    plan.preview.push("Argo CD (Application spec.ignoreDifferences):".to_owned());
    plan.preview.extend(yaml_lines(&json!([argo])));
    match &flux {
        Some(flux) => {
            plan.preview.push("Flux (Kustomization spec.ignore / HelmRelease spec.driftDetection.ignore):".to_owned());
            plan.preview.extend(yaml_lines(&json!([flux])));
        }
        None => plan.preview.push("Flux: no equivalent (Flux ignores JSON pointers only)".to_owned()),
    }
    let hidden = hidden_by(&rule, &plan.subject, &workspace.all_apps);
    let resources: std::collections::BTreeSet<&str> = hidden.iter().map(|h| h.resource.as_str()).collect();
    plan.preview.push(format!(
        "Across every app of this source it hides {} difference(s) in {} resource(s):",
        hidden.len(),
        resources.len()
    ));
    plan.preview
        .extend(hidden.iter().map(|h| format!("  {} {} {} ({})", h.app, h.resource, h.field, h.category.as_str())));
    for h in hidden.iter().filter(|h| h.category == Category::DesiredConfig) {
        plan.warnings.push(format!(
            "⚠ THIS RULE HIDES A DESIRED-CONFIG DIFFERENCE: {} {} — configuration Git should review, not a field to ignore",
            h.resource, h.field
        ));
    }
    plan.work = Work::Ignore(IgnoreWork { argo, flux, save_to, commit });
    Ok(plan)
}

/// The narrowest shape that still covers the finding's cause.
fn shape_for(resource: &ResourceReport, finding: &Finding) -> Shape {
    let owner = finding.owner.as_ref();
    let class = owner.map(|o| o.class);
    let in_metadata_map =
        finding.path.starts_with("/metadata/annotations/") || finding.path.starts_with("/metadata/labels/");
    if in_metadata_map && class == Some(ManagerClass::Webhook) && key_prefix(&finding.path).is_some() {
        return Shape::KeyPrefix;
    }
    // A controller other than Kubernetes' own that owns several fields of this resource:
    // its manager is the narrowest stable description of what it manages.
    if let Some(owner) = owner.filter(|o| o.class == ManagerClass::Controller && o.manager != "kube-controller-manager")
    {
        let same =
            resource.findings.iter().filter(|f| f.owner.as_ref().is_some_and(|o| o.manager == owner.manager)).count();
        if same > 1 {
            return Shape::Manager;
        }
    }
    Shape::Pointer
}

/// `platform.example.com/` of `/metadata/annotations/platform.example.com~1injected-at`.
fn key_prefix(pointer: &str) -> Option<String> {
    let key = pointer.rsplit('/').next()?.replace("~1", "/").replace("~0", "~");
    let (domain, _) = key.split_once('/')?;
    Some(format!("{domain}/"))
}

fn target(resource: &ResourceReport) -> serde_json::Map<String, Value> {
    let key = resource.key();
    let mut map = serde_json::Map::new();
    map.insert("group".into(), Value::String(key.group.clone()));
    map.insert("kind".into(), Value::String(key.kind.clone()));
    map.insert("name".into(), Value::String(key.name.clone()));
    if !key.namespace.is_empty() {
        map.insert("namespace".into(), Value::String(key.namespace.clone()));
    }
    map
}

/// The narrowest rule hiding `finding`, as an Argo CD `ignoreDifferences` entry (also copied).
pub(crate) fn narrowest_rule(resource: &ResourceReport, finding: &Finding) -> Value {
    argo_rule(resource, finding, shape_for(resource, finding))
}

fn argo_rule(resource: &ResourceReport, finding: &Finding, shape: Shape) -> Value {
    let mut rule = target(resource);
    match shape {
        Shape::Pointer => {
            rule.insert("jsonPointers".into(), json!([finding.path]));
        }
        Shape::KeyPrefix => {
            let field = if finding.path.starts_with("/metadata/labels/") { "labels" } else { "annotations" };
            let prefix = key_prefix(&finding.path).unwrap_or_default();
            let expression = format!(
                ".metadata.{field}[(.metadata.{field} // {{}} | keys[] | select(startswith({})))]",
                Value::String(prefix)
            );
            rule.insert("jqPathExpressions".into(), json!([expression]));
        }
        Shape::Manager => {
            let manager = finding.owner.as_ref().map(|o| o.manager.clone()).unwrap_or_default();
            rule.insert("managedFieldsManagers".into(), json!([manager]));
        }
    }
    Value::Object(rule)
}

fn flux_rule(subject: &Subject, shape: Shape) -> Option<Value> {
    if shape != Shape::Pointer {
        return None;
    }
    let paths: Vec<&str> = subject.findings.iter().map(|f| f.path.as_str()).filter(|p| !p.is_empty()).take(1).collect();
    Some(json!({"paths": paths, "target": Value::Object(target(&subject.resource))}))
}

fn parse_rule(argo: &Value) -> Result<IgnoreRule, ActionError> {
    let parsed = rules_in(&json!([argo]), "generated rule").map_err(ActionError::Rule)?;
    parsed.and_then(|p| p.rules.into_iter().next()).ok_or(ActionError::EmptyRule)
}

fn yaml_lines(value: &Value) -> Vec<String> {
    yaml_serde::to_string(value).unwrap_or_default().lines().map(|line| format!("  {line}")).collect()
}

/// One difference a rule would hide.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hidden {
    pub app: String,
    pub resource: String,
    pub field: String,
    pub category: Category,
}

/// What `rule` would hide among the differences not already ignored, in every app. Pointer
/// and manager rules are matched against the findings; a jq rule is run on the subject's live
/// object (the only object a generated jq rule can target, as it names the resource).
pub(crate) fn hidden_by(rule: &IgnoreRule, subject: &Subject, apps: &[AppReport]) -> Vec<Hidden> {
    let jq_hidden: Vec<String> = match (&subject.live, rule.jq.is_empty()) {
        (Some(live), false) => rule
            .jq
            .iter()
            .filter_map(|jq| jq.delete_from(live).ok())
            .flat_map(|after| {
                subject
                    .resource
                    .findings
                    .iter()
                    .filter(move |f| after.pointer(&f.path).is_none() && !f.path.is_empty())
                    .map(|f| f.path.clone())
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut hidden = Vec::new();
    for app in apps {
        for resource in &app.resources {
            let key = resource.key();
            let applies = rule.applies_to(&RuleSubject { key: &key, version: &resource.version, object: &Value::Null });
            if !applies {
                continue;
            }
            let same_resource = key == subject.key() && app.name == subject.app;
            for finding in resource.findings.iter().filter(|f| f.ignored_by.is_none() && !f.path.is_empty()) {
                let by_pointer =
                    rule.pointers.iter().any(|p| finding.path == *p || finding.path.starts_with(&format!("{p}/")));
                let by_manager = finding.owner.as_ref().is_some_and(|o| rule.managers.contains(&o.manager));
                let by_jq = same_resource && jq_hidden.contains(&finding.path);
                if by_pointer || by_manager || by_jq {
                    hidden.push(Hidden {
                        app: app.name.clone(),
                        resource: key.to_string(),
                        field: finding.display_path.clone(),
                        category: finding.category,
                    });
                }
            }
        }
    }
    hidden
}

pub(crate) fn execute(plan: &Plan, work: &IgnoreWork, workspace: &Workspace) -> Result<Outcome, ActionError> {
    let rule = parse_rule(&work.argo)?;
    let mut artefacts = Vec::new();
    let result = match &work.save_to {
        SaveTo::Print => "rule printed; nothing written (below: what it hides once in place)".to_owned(),
        SaveTo::RulesFile(path) => {
            append_rule(path, &work.argo)?;
            artefacts.push(format!("rules: {}", path.display()));
            format!("rule added to {} (use it with --ignore {0} or config `ignore`)", path.display())
        }
        SaveTo::Application => {
            let change =
                work.commit.as_ref().ok_or_else(|| ActionError::Refused("no Application to edit".to_owned()))?;
            let changes = [(change.file.clone(), change.text.clone())];
            let id = crate::actions::git_write::commit_on_branch(
                &change.spot.repo,
                &change.spot.commit,
                &change.branch,
                &changes,
                &change.message,
            )?;
            artefacts.push(format!("branch: {}", change.branch));
            format!("committed {} on {}: {} gains the rule", &id[..7], change.branch, change.file)
        }
    };
    let mut engine = workspace.engine.clone();
    engine.rules.push(rule);
    let rescanned = verify::rescan(&plan.subject, plan.subject.live.as_ref(), &engine, workspace.now)?;
    let verification: Vec<String> =
        verify::fields_after(&plan.subject, rescanned.as_ref()).iter().map(verify::Verified::line).collect();
    // A printed rule is in place nowhere: what it would hide is shown, never adopted as the
    // resource's state.
    let rescanned = if matches!(work.save_to, SaveTo::Print) { None } else { rescanned };
    Ok(Outcome {
        decision: plan.decision,
        result,
        verification,
        still_differ: Vec::new(),
        artefacts,
        rescanned,
        live_after: None,
    })
}

/// The app's Argo CD Application in Git with `rule` added to `spec.ignoreDifferences`.
fn application_change(subject: &Subject, rule: &Value) -> Result<GitChange, ActionError> {
    let spot = subject.git.clone().ok_or_else(|| {
        ActionError::Refused("desired state did not come from Git: give --repo PATH to commit the rule".to_owned())
    })?;
    let files = crate::actions::git_write::yaml_files(&spot.repo, &spot.commit, "")?;
    let found = files.iter().find_map(|(file, text)| {
        let documents = crate::sources::files::yaml_documents(text).ok()?;
        documents.into_iter().find_map(|(number, document)| {
            let is_app = document.get("kind").and_then(Value::as_str) == Some("Application")
                && document.get("apiVersion").and_then(Value::as_str).is_some_and(|v| v.starts_with("argoproj.io/"))
                && document.pointer("/metadata/name").and_then(Value::as_str) == Some(subject.app.as_str());
            is_app.then(|| (file.clone(), text.clone(), number, document))
        })
    });
    let Some((file, text, number, document)) = found else {
        return Err(ActionError::Refused(format!(
            "no Argo CD Application named '{}' in the repository at {}: save the rule to a file instead (--save FILE)",
            subject.app,
            &spot.commit[..spot.commit.len().min(7)]
        )));
    };
    let has_list = document.pointer("/spec/ignoreDifferences").is_some();
    let edited = add_to_application(&text, number, rule, has_list)
        .map_err(|why| ActionError::Refused(format!("{file}: cannot add the rule: {why}")))?;
    let key = subject.key();
    let wanted = format!("kdrift/ignore/{}/{}-{}", subject.app, key.kind.to_lowercase(), key.name);
    let branch = crate::actions::git_write::free_branch(&spot.repo, &wanted)?;
    let fields = subject.fields().join(", ");
    let message = format!(
        "ignore({}): {fields} of {} {} is managed outside Git\n\n{}\nRecorded-by: kdrift\n",
        subject.app,
        key.kind,
        key.name,
        subject.findings.iter().map(|f| format!("Reason: {}\n", f.reason)).collect::<String>()
    );
    Ok(GitChange { spot, branch, file, before: text, text: edited, message })
}

/// Appends `rule` to document `number`'s `spec.ignoreDifferences` (creating the list).
fn add_to_application(text: &str, number: usize, rule: &Value, has_list: bool) -> Result<String, String> {
    let (_, body) = crate::sources::git::nth_document(text, number).ok_or("document not found")?;
    let start = body.as_ptr() as usize - text.as_ptr() as usize;
    let document = yamlpath::Document::new(body.to_owned()).map_err(|e| e.to_string())?;
    let value = yaml_serde::to_value(rule).map_err(|e| e.to_string())?;
    let spec = yamlpath::Component::Key("spec".into());
    let patch = if has_list {
        let route = yamlpath::Route::from(vec![spec, yamlpath::Component::Key("ignoreDifferences".into())]);
        yamlpatch::Patch { route, operation: yamlpatch::Op::Append { value } }
    } else {
        let route = yamlpath::Route::from(vec![spec]);
        let list = yaml_serde::Value::Sequence(vec![value]);
        yamlpatch::Patch { route, operation: yamlpatch::Op::Add { key: "ignoreDifferences".to_owned(), value: list } }
    };
    let edited = yamlpatch::apply_yaml_patches(&document, &[patch]).map_err(|e| e.to_string())?;
    Ok(format!("{}{}{}", &text[..start], edited.source(), &text[start + body.len()..]))
}

/// Adds `rule` to the list in `path` (created when absent); a file that is not a rule list
/// is left alone with an error naming it.
fn append_rule(path: &std::path::Path, rule: &Value) -> Result<(), ActionError> {
    let mut rules: Vec<Value> = match crate::sources::bounded::read_text(path) {
        Ok(text) if !text.trim().is_empty() => {
            yaml_serde::from_str(&text).map_err(|source| ActionError::RulesFile { path: path.to_owned(), source })?
        }
        _ => Vec::new(),
    };
    if !rules.contains(rule) {
        rules.push(rule.clone());
    }
    let text = yaml_serde::to_string(&rules).map_err(|source| ActionError::Yaml { what: "the rules", source })?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(ActionError::io(parent))?;
    }
    let header = "# Ignore rules written by kdrift (Argo CD ignoreDifferences form); read with --ignore FILE\n";
    std::fs::write(path, format!("{header}{text}")).map_err(ActionError::io(path))
}

#[cfg(test)]
#[path = "ignore_rule_tests.rs"]
mod tests;
