//! The headless twins of the TUI's decisions: `kdrift sync|backport|ignore|prune|escalate
//! --resource KIND/NAME [--field PATH]`. Same sources, same action code: the plan is printed
//! (its preview and warnings), confirmed (`--yes`, `--confirm NAME` on production contexts,
//! or a prompt on a terminal), executed, verified and audited. `--dry-run` stops after the
//! preview and writes nothing.

use crate::actions::workspace::Options;
use crate::actions::{self, Confirm, Confirmation, Plan};
use crate::cli::{ActArgs, CliError, EXIT_CLEAN, EXIT_ERROR, warn};
use crate::decision::{Decision, Subject};
use crate::investigate::decide::{self, Scope, Target};
use crate::investigate::{self, AppData, InvestigateError, Keep, Request, ResourceFilter, SourceKind, SourceSpec};
use crate::model::{AppReport, Response};
use std::io::{BufRead as _, IsTerminal as _, Write as _};

/// Everything a decision on one resource needs, loaded from the command line's sources.
pub struct Loaded {
    pub subject: Subject,
    pub app: AppReport,
    pub workspace: actions::Workspace,
    pub target: Target,
}

pub fn run(decision: Decision, args: &ActArgs, options: Options, note: Option<&str>) -> Result<i32, CliError> {
    let mut loaded = load(args, &options, decision)?;
    let plan = decide::prepare(decision, loaded.subject, &mut loaded.workspace, &loaded.target, &options, note)?;
    let mut out = std::io::stdout();
    out.write_all(crate::sanitize::clean(&render_plan(&plan)).as_bytes())?;
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
    let workspace = &loaded.workspace;
    let on_cluster = workspace.writer.as_ref().is_some_and(|writer| !writer.is_simulated());
    if matches!(plan.work, actions::Work::Sync(_)) && on_cluster && !workspace.wait.is_zero() {
        // The wait is silent otherwise: say what it is for, and how to shorten it.
        eprintln!(
            "kdrift: after the write, verification waits up to {} s for the controller and the rollout (--wait SECS)",
            workspace.wait.as_secs()
        );
    }
    match actions::execute(&plan, &confirmation, workspace) {
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
            out.write_all(crate::sanitize::clean(&text).as_bytes())?;
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

/// Loads the sources, finds the resource (in the one app that has it), and sets up the
/// decision as the TUI does.
fn load(args: &ActArgs, options: &Options, decision: Decision) -> Result<Loaded, CliError> {
    let filter = ResourceFilter::parse(&args.resource)?;
    let mut spec = crate::cli::sources(&args.source, Some(decision.name()))?;
    // Read-only asks nothing of the API server that looks like a write, not even a dry run.
    if options.read_only || read_only_context(&spec)? {
        spec.no_server_dry_run = true;
    }
    // Pin the context: the decision's writes go where the investigation read, whatever the
    // kubeconfig's current context becomes meanwhile.
    if spec.kind() == SourceKind::Cluster && spec.context.is_none() {
        spec.context = crate::sources::cluster::current_context(None).ok();
    }
    let request = Request::Sources(Box::new(spec));
    let investigation = investigate::load(&request, &Keep::Only(filter.clone()))?;
    warn(&investigation.notes);
    let holding: Vec<&AppData> = investigation
        .apps
        .iter()
        .filter(|app| app.report.resources.iter().any(|r| app.asked_for(&filter, &r.key())))
        .collect();
    let app = match holding.as_slice() {
        [] => return Err(InvestigateError::NoSuchResource(filter.text.clone()).into()),
        [one] => *one,
        many => {
            let apps = many.iter().map(|app| app.report.name.clone()).collect();
            return Err(InvestigateError::AmbiguousResource { resource: filter.text.clone(), apps }.into());
        }
    };
    let Some(key) = app.report.resources.iter().map(|r| r.key()).find(|key| app.asked_for(&filter, key)) else {
        return Err(InvestigateError::NoSuchResource(filter.text.clone()).into());
    };
    // Remarks about how the app was compared (a revision the clone lacks, so HEAD was used)
    // qualify every decision on it.
    warn(&app.report.notes);
    let scope = match (args.field.as_deref(), decision) {
        (Some(field), _) => Scope::Field(field),
        // An escalation hands on the whole resource: every finding, expected ones included.
        (None, Decision::Act(Response::Escalate)) => Scope::All,
        (None, _) => Scope::Acting,
    };
    let subject = decide::subject(app, &key, scope)?;
    let target = Target::for_app(app, &request, Default::default());
    let all_apps = investigation.apps.iter().map(|app| app.report.clone()).collect();
    let workspace = decide::workspace(&target, options, app.now, &app.report.name, all_apps)?;
    Ok(Loaded { subject, app: app.report.clone(), workspace, target })
}

/// Whether the kubeconfig context the sources name is read-only in the config.
fn read_only_context(spec: &SourceSpec) -> Result<bool, CliError> {
    if spec.kind() != SourceKind::Cluster {
        return Ok(false);
    }
    let config = crate::config::load(spec.config.as_deref())?;
    Ok(crate::sources::cluster::current_context(spec.context.as_deref())
        .is_ok_and(|context| config.is_read_only(&context)))
}
