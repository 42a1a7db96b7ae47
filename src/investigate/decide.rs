//! Setting up a decision, one way for the command line and the TUI: which findings it is
//! about (`subject`), where writes go and who acts (`workspace`: a sample's simulation with
//! what earlier decisions changed, a cluster session, or nowhere), and the plan with the
//! per-source steps (a sample's sandbox repository for a backport; an ignore rule committed
//! to the app's Application when Git has one, else saved to the rules file).

use crate::actions::target::Writer;
use crate::actions::workspace::{self, Destination, Options};
use crate::actions::{self, Plan, Workspace};
use crate::decision::{Decision, Subject};
use crate::investigate::input::{self, LiveSource};
use crate::investigate::{AppData, InvestigateError, Pair, Request, SourceKind, SourceSpec};
use crate::model::health::WorkloadHealth;
use crate::model::{AppReport, Finding, ResourceKey, Response};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

/// Where a decision acts.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// An embedded sample's simulated cluster, with the objects earlier decisions changed
    /// (`None`: deleted).
    Sample { name: String, changes: HashMap<ResourceKey, Option<Value>>, config: Option<PathBuf> },
    /// The sources the investigation was opened on (a cluster context, or a snapshot that
    /// cannot be written).
    Sources(Box<SourceSpec>),
    /// Nothing to write to: sync and prune are refused.
    Nowhere,
}

impl Target {
    /// Where decisions on `app`, loaded by `request`, act; a sample starts from `changes`.
    pub fn for_app(app: &AppData, request: &Request, changes: HashMap<ResourceKey, Option<Value>>) -> Target {
        match (&app.source, request) {
            (SourceKind::Sample(name), request) => {
                let config = match request {
                    Request::Sources(spec) => spec.config.clone(),
                    Request::Samples => None,
                };
                Target::Sample { name: name.clone(), changes, config }
            }
            // Several clusters: the app's own context is where its decisions write.
            (_, Request::Sources(spec)) => match &app.report.cluster {
                Some(cluster) => Target::Sources(Box::new(SourceSpec {
                    context: Some(cluster.clone()),
                    contexts: Vec::new(),
                    ..(**spec).clone()
                })),
                None => Target::Sources(spec.clone()),
            },
            (_, Request::Samples) => Target::Nowhere,
        }
    }

    fn spec(&self) -> SourceSpec {
        match self {
            Target::Sources(spec) => (**spec).clone(),
            Target::Sample { name, config, .. } => SourceSpec { config: config.clone(), ..SourceSpec::sample(name) },
            Target::Nowhere => SourceSpec::sample(crate::sources::samples::DEMO_SAMPLE),
        }
    }
}

/// Which findings of a resource a decision is about.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every finding that needs action (every finding, when none does).
    Acting,
    /// The finding at this index of the resource's findings.
    Finding(usize),
    /// The findings at this field (display path or JSON pointer).
    Field(&'a str),
    /// Every finding of the resource (an escalation hands all of it on).
    All,
}

/// What a decision on `key` of `app` is about, with the copies shown to the responder.
pub fn subject(app: &AppData, key: &ResourceKey, scope: Scope<'_>) -> Result<Subject, InvestigateError> {
    let resource = app
        .report
        .resources
        .iter()
        .find(|r| r.key() == *key)
        .ok_or_else(|| InvestigateError::NoSuchResource(key.to_string()))?;
    let findings = in_scope(&resource.findings, scope)?;
    let pair = app.objects.get(key);
    let report = &app.report;
    let live = pair.and_then(Pair::live);
    let health = live.as_ref().and_then(|live| WorkloadHealth::of(live, &key.namespace, &app.pods));
    Ok(Subject {
        app: report.name.clone(),
        namespace: app.namespace.clone(),
        resource: resource.clone(),
        findings,
        desired: pair.and_then(Pair::desired),
        live,
        controller: report.controller.clone(),
        delivery_blocked: report.delivery_blocked.clone(),
        owner_team: report.owner_team.clone(),
        criticality: report.criticality.clone(),
        git: report.desired_git.clone(),
        health,
        audit_log: report.audit_log.clone(),
    })
}

fn in_scope(findings: &[Finding], scope: Scope<'_>) -> Result<Vec<Finding>, InvestigateError> {
    match scope {
        Scope::Finding(index) => Ok(findings.get(index).cloned().into_iter().collect()),
        Scope::Field(field) => {
            let chosen: Vec<Finding> =
                findings.iter().filter(|f| f.display_path == field || f.path == field).cloned().collect();
            if chosen.is_empty() {
                let known: Vec<&str> =
                    findings.iter().map(|f| f.display_path.as_str()).filter(|p| !p.is_empty()).collect();
                return Err(InvestigateError::NoSuchField(field.to_owned(), known.join(", ")));
            }
            Ok(chosen)
        }
        Scope::All => Ok(findings.to_vec()),
        Scope::Acting => {
            let acting: Vec<Finding> = findings.iter().filter(|f| f.needs_action()).cloned().collect();
            Ok(if acting.is_empty() { findings.to_vec() } else { acting })
        }
    }
}

/// Where `app`'s decisions write and who acts: the target's writer, the config's production
/// and read-only contexts, the engine settings for the rescan, every app for the ignore preview.
pub fn workspace(
    target: &Target,
    options: &Options,
    now: Option<i64>,
    app: &str,
    all_apps: Vec<AppReport>,
) -> Result<Workspace, InvestigateError> {
    let spec = target.spec();
    let destination = match target {
        Target::Sample { name, changes, .. } => {
            let cluster = workspace::sample_cluster(name)?;
            for (key, object) in changes {
                cluster.set(key, object.clone());
            }
            let writer: Box<dyn Writer> = Box::new(cluster);
            Destination { writer: Some(writer), ..Destination::default() }
        }
        Target::Sources(spec) if spec.kind() == SourceKind::Cluster => {
            let LiveSource::Cluster(session) = LiveSource::from_spec(spec)? else {
                return Err(InvestigateError::NoSource);
            };
            let context = session.cluster().context.clone();
            // Who the audit log names: the cluster's word for the credentials, asked once.
            let kube_user = session.identity();
            Destination {
                writer: Some(workspace::cluster_writer(Rc::clone(&session))),
                context: Some(context),
                kube_user,
            }
        }
        Target::Sources(_) | Target::Nowhere => Destination::default(),
    };
    let config = crate::config::load(spec.config.as_deref())?;
    // Remarks about the rule files were shown when the app was loaded.
    let (engine, _) = input::engine_config(&spec)?;
    let mut workspace = workspace::workspace(destination, &config, engine, now, app, options)?;
    workspace.all_apps = all_apps;
    Ok(workspace)
}

/// The plan for `decision` on `subject`: every read and dry run its preview needs, no write.
/// A sample's backport goes to its sandbox repository; an ignore rule with no place named
/// goes to the app's Application in Git when there is one, else to the rules file.
pub fn prepare(
    decision: Decision,
    mut subject: Subject,
    workspace: &mut Workspace,
    target: &Target,
    options: &Options,
    note: Option<&str>,
) -> Result<Plan, InvestigateError> {
    if let (Decision::Act(Response::Backport), Target::Sample { name, .. }) = (decision, target) {
        subject.git = Some(workspace::sandbox_repo(&workspace.data_dir, name)?);
    }
    let wants_application = options.prefer_application && !options.print_only && options.rules_file.is_none();
    if decision == Decision::Act(Response::Ignore) && wants_application && subject.git.is_some() && !workspace.read_only
    {
        let fallback = std::mem::replace(&mut workspace.ignore_target, actions::ignore_rule::SaveTo::Application);
        match actions::prepare(decision, subject.clone(), workspace) {
            Ok(plan) => return Ok(plan),
            // No Application in the repository: the rules file it is.
            Err(_) => workspace.ignore_target = fallback,
        }
    }
    Ok(match decision {
        Decision::Act(Response::Escalate) => actions::escalate::prepare(subject, workspace, note),
        _ => actions::prepare(decision, subject, workspace)?,
    })
}
