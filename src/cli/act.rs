//! The headless twins of the TUI's decisions: `kdrift sync|backport|ignore|prune|escalate
//! --resource KIND/NAME [--field PATH]`. Same sources, same action code: the plan is printed
//! (its preview and warnings), confirmed (`--yes`, `--confirm NAME` on production contexts,
//! or a prompt on a terminal), executed, verified and audited. `--dry-run` stops after the
//! preview and writes nothing.

use crate::actions::workspace::{self, Options};
use crate::actions::{self, Confirm, Confirmation, Decision, Plan, Subject};
use crate::cli::diff::ResourceFilter;
use crate::cli::input::{self, Side};
use crate::cli::scan::build_app;
use crate::cli::{ActArgs, CliError, EXIT_CLEAN, EXIT_ERROR};
use crate::engine::{Manifest, identity};
use crate::model::{AppReport, Finding, ResourceKey};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::rc::Rc;

/// Everything a decision on one resource needs, loaded from the command line's sources.
pub struct Loaded {
    pub subject: Subject,
    pub app: AppReport,
    pub workspace: actions::Workspace,
}

pub fn run(decision: Decision, args: &ActArgs, options: Options, note: Option<&str>) -> Result<i32, CliError> {
    let loaded = load(args, &options, decision)?;
    let plan = match decision {
        Decision::Escalate => actions::escalate::prepare(loaded.subject, &loaded.workspace, note),
        _ => actions::prepare(decision, loaded.subject, &loaded.workspace)?,
    };
    let mut out = std::io::stdout();
    out.write_all(crate::report::sanitize::clean(&render_plan(&plan)).as_bytes())?;
    // A rule only printed writes nothing: there is nothing to confirm, and the plan above
    // already shows the rule.
    let prints_only = matches!(&plan.work, actions::Work::Ignore(work) if matches!(work.save_to, actions::ignore_rule::SaveTo::Print));
    if prints_only && plan.refused.is_none() {
        return Ok(EXIT_CLEAN);
    }
    if args.dry_run {
        writeln!(out, "\n--dry-run: nothing was written.")?;
        // A refusal is a refusal, previewed or not.
        return Ok(if plan.refused.is_some() { EXIT_ERROR } else { EXIT_CLEAN });
    }
    let confirmation = match confirm(&plan, args)? {
        Some(confirmation) => confirmation,
        None => {
            writeln!(out, "\nNot confirmed: nothing was written.")?;
            return Ok(EXIT_ERROR);
        }
    };
    match actions::execute(&plan, &confirmation, &loaded.workspace) {
        Ok(outcome) => {
            let mut text = format!("\n{}\n", outcome.result);
            for line in outcome.verification.iter().chain(&outcome.artefacts) {
                text.push_str(&format!("  {line}\n"));
            }
            if !outcome.still_differ.is_empty() {
                text.push_str(&format!(
                    "\nnot done: {} still differ(s) after the write; recorded as failed\n",
                    outcome.still_differ.join(", ")
                ));
            }
            out.write_all(crate::report::sanitize::clean(&text).as_bytes())?;
            Ok(if outcome.still_differ.is_empty() { EXIT_CLEAN } else { EXIT_ERROR })
        }
        Err(error) => Err(CliError::Action(error)),
    }
}

/// The plan as the terminal shows it.
pub fn render_plan(plan: &Plan) -> String {
    let mut text = format!("{} {}: {}\n", plan.decision.as_str(), plan.subject.key(), plan.summary);
    let fields = plan.subject.fields();
    if !fields.is_empty() {
        text.push_str(&format!("fields: {}\n", fields.join(", ")));
    }
    if let Some(why) = &plan.refused {
        text.push_str(&format!("refused: {why}\n"));
        return text;
    }
    text.push('\n');
    for line in &plan.preview {
        text.push_str(line);
        text.push('\n');
    }
    for warning in &plan.warnings {
        text.push_str(&format!("warning: {warning}\n"));
    }
    text
}

/// `--yes` (and `--confirm NAME` when the name must be typed), else a prompt on a terminal.
fn confirm(plan: &Plan, args: &ActArgs) -> Result<Option<Confirmation>, CliError> {
    if plan.refused.is_some() {
        // Executing a refused plan records the refusal in the audit log.
        return Ok(Some(Confirmation::default()));
    }
    let force = args.force;
    if args.yes {
        return Ok(Some(Confirmation { typed: args.confirm.clone(), force }));
    }
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let prompt = match &plan.confirm {
        Confirm::Yes => "Proceed? [y/N] ".to_owned(),
        Confirm::TypeName(name) => format!("Type '{name}' to proceed: "),
    };
    let mut out = std::io::stdout();
    write!(out, "\n{prompt}")?;
    out.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let answer = answer.trim();
    let confirmed = match &plan.confirm {
        Confirm::Yes => answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes"),
        Confirm::TypeName(name) => answer == name,
    };
    Ok(confirmed.then(|| Confirmation { typed: Some(answer.to_owned()), force }))
}

/// Loads the app, finds the resource and its findings, and sets up where writes go.
fn load(args: &ActArgs, options: &Options, decision: Decision) -> Result<Loaded, CliError> {
    let filter = ResourceFilter::parse(&args.resource)?;
    let config = crate::config::load(args.source.config.as_deref())?;
    let mut input = input::resolve(&args.source)?;
    // Read-only asks nothing of the API server that looks like a write, not even a dry run.
    let context_read_only =
        input.cluster.as_ref().is_some_and(|(session, _)| config.is_read_only(&session.cluster().context));
    if options.read_only || context_read_only {
        input.server_dry_run = false;
    }
    let (namespace, now, engine) = (input.namespace.clone(), input.now, input.engine.clone());
    let session = input.cluster.as_ref().map(|(session, _)| Rc::clone(session));
    let mut objects: HashMap<ResourceKey, (Option<Value>, Option<Value>)> = HashMap::new();
    let mut keep = |(_, ns): (&str, &str), side: Side, manifest: &Manifest| {
        let key = identity::key_of(&manifest.object, ns);
        if !filter.matches(&key) {
            return;
        }
        let entry = objects.entry(key).or_default();
        let slot = if side == Side::Desired { &mut entry.0 } else { &mut entry.1 };
        slot.get_or_insert_with(|| manifest.object.clone());
    };
    let app = build_app(input, &mut keep)?;
    let resource = app
        .resources
        .iter()
        .find(|r| filter.matches(&r.key()))
        .cloned()
        .ok_or_else(|| CliError::NoSuchResource(filter.text.clone()))?;
    let findings = select_findings(&resource.findings, args.field.as_deref(), decision)?;
    let key = resource.key();
    let (desired, live) = objects.remove(&key).unwrap_or_else(|| {
        // A cluster-scoped object Git gave a namespace was kept under both keys.
        let mut both = (None, None);
        for (_, (desired, live)) in objects.iter().filter(|(other, _)| identity::same_object_but_namespace(other, &key))
        {
            both.0 = both.0.take().or_else(|| desired.clone());
            both.1 = both.1.take().or_else(|| live.clone());
        }
        both
    });
    let (writer, context, git) = match (&args.source.sample, session) {
        (Some(sample), _) => {
            let data_dir = workspace::data_dir()?;
            let git =
                if decision == Decision::Backport { Some(workspace::sandbox_repo(&data_dir, sample)?) } else { None };
            let writer: Box<dyn actions::target::Writer> = Box::new(workspace::sample_cluster(sample)?);
            (Some(writer), None, git)
        }
        (None, Some(session)) => {
            let context = session.cluster().context.clone();
            (Some(workspace::cluster_writer(session)), Some(context), app.desired_git.clone())
        }
        (None, None) => (None, None, app.desired_git.clone()),
    };
    let mut workspace = workspace::workspace(writer, context.as_deref(), &config, engine, now, &app.name, options)?;
    workspace.all_apps = vec![app.clone()];
    let subject = Subject {
        app: app.name.clone(),
        namespace,
        resource,
        findings,
        desired,
        live,
        controller: app.controller.clone(),
        delivery_blocked: app.delivery_blocked.clone(),
        owner_team: app.owner_team.clone(),
        criticality: app.criticality.clone(),
        git,
    };
    Ok(Loaded { subject, app, workspace })
}

/// The findings `--field` names (display path or pointer), else every one needing action
/// (every finding, for an escalation).
fn select_findings(findings: &[Finding], field: Option<&str>, decision: Decision) -> Result<Vec<Finding>, CliError> {
    match field {
        Some(field) => {
            let chosen: Vec<Finding> =
                findings.iter().filter(|f| f.display_path == field || f.path == field).cloned().collect();
            if chosen.is_empty() {
                let known: Vec<&str> =
                    findings.iter().map(|f| f.display_path.as_str()).filter(|p| !p.is_empty()).collect();
                return Err(CliError::NoSuchField(field.to_owned(), known.join(", ")));
            }
            Ok(chosen)
        }
        None => {
            let acting: Vec<Finding> = findings.iter().filter(|f| f.needs_action()).cloned().collect();
            Ok(if acting.is_empty() || decision == Decision::Escalate { findings.to_vec() } else { acting })
        }
    }
}
