//! The runbook screen's state and the jobs it sends to a worker: the runbook walk itself
//! (`crate::runbook`), the stage of the decision being taken (waiting for a preview, the
//! preview awaiting confirmation, the typed name, the result), and, for the embedded
//! samples, the simulated cluster's changes so one action sees the last one's effect.

use crate::actions::target::Writer;
use crate::actions::workspace::{self, Options};
use crate::actions::{self, Confirmation, Decision, Outcome, Plan, Subject};
use crate::cli::SourceArgs;
use crate::model::{AppReport, ResourceKey};
use crate::runbook::Runbook;
use serde_json::Value;
use std::collections::HashMap;
use std::rc::Rc;

/// Where a decision acts: an embedded sample's simulated cluster, or the sources the TUI
/// was opened on (a cluster context, or a snapshot that cannot be written).
#[derive(Debug, Clone)]
pub enum Target {
    Sample {
        name: String,
        changes: HashMap<ResourceKey, Option<Value>>,
    },
    Sources(Box<SourceArgs>),
    /// Nothing to write to (the source has no cluster): sync and prune are refused.
    Nowhere,
}

#[derive(Debug, Clone)]
pub enum Step {
    Prepare(Decision, Box<Subject>),
    Execute(Box<Plan>, Confirmation),
    /// Write the prevention artefacts for the app.
    Prevent(Box<AppReport>, String),
}

/// One job for the worker.
#[derive(Debug, Clone)]
pub struct Job {
    pub target: Target,
    pub read_only: bool,
    /// Where the audit log and records go (default: the platform's data directory).
    pub data_dir: Option<std::path::PathBuf>,
    /// The app's evaluation time (a sample's snapshot time), for ages in the rescan.
    pub now: Option<i64>,
    pub all_apps: Vec<AppReport>,
    pub step: Step,
}

#[derive(Debug)]
pub enum Done {
    Prepared(Box<Plan>),
    Executed(Box<Outcome>),
    Prevented(Vec<String>),
}

/// Where the decision in progress stands.
#[derive(Debug, Clone)]
pub enum Stage {
    Checklist,
    Waiting(String),
    /// The preview, waiting for `y` (or the typed name); `forcing` after `F`.
    Preview {
        plan: Box<Plan>,
        typed: Option<String>,
        forcing: bool,
    },
    /// What happened, until the next key.
    Failed(String),
}

pub struct RunbookScreen {
    pub runbook: Runbook,
    pub app: usize,
    pub stage: Stage,
    pub selected: usize,
    pub scroll: usize,
}

impl RunbookScreen {
    pub fn new(runbook: Runbook, app: usize) -> RunbookScreen {
        RunbookScreen { runbook, app, stage: Stage::Checklist, selected: 0, scroll: 0 }
    }
}

/// Runs a job (blocking: on a worker thread).
pub fn run(job: Job) -> Result<Done, String> {
    let Job { target, read_only, data_dir, now, all_apps, step } = job;
    let options = Options { read_only, data_dir, ..Options::default() };
    let (args, writer, context, sample) = match &target {
        Target::Sample { name, changes } => {
            let cluster = workspace::sample_cluster(name).map_err(|e| e.to_string())?;
            for (key, object) in changes {
                cluster.set(key, object.clone());
            }
            let writer: Box<dyn Writer> = Box::new(cluster);
            (SourceArgs::sample(name), Some(writer), None, Some(name.clone()))
        }
        Target::Sources(args) if args.live.is_none() && args.sample.is_none() => {
            let input_live = crate::cli::input::LiveSource::from_args(args).map_err(|e| e.to_string())?;
            let crate::cli::input::LiveSource::Cluster(session) = input_live else {
                return Err("no cluster".to_owned());
            };
            let context = session.cluster().context.clone();
            ((**args).clone(), Some(workspace::cluster_writer(Rc::clone(&session))), Some(context), None)
        }
        Target::Sources(args) => ((**args).clone(), None, None, None),
        Target::Nowhere => (SourceArgs::sample(crate::sources::samples::DEMO_SAMPLE), None, None, None),
    };
    let config = crate::config::load(args.config.as_deref()).map_err(|e| e.to_string())?;
    let engine = crate::cli::input::engine_config(&args).map_err(|e| e.to_string())?;
    let app_name = match &step {
        Step::Prepare(_, subject) => subject.app.clone(),
        Step::Execute(plan, _) => plan.subject.app.clone(),
        Step::Prevent(app, _) => app.name.clone(),
    };
    let mut workspace = workspace::workspace(writer, context.as_deref(), &config, engine, now, &app_name, &options)
        .map_err(|e| e.to_string())?;
    workspace.all_apps = all_apps;
    match step {
        Step::Prepare(decision, mut subject) => {
            if decision == Decision::Backport
                && let Some(name) = &sample
            {
                subject.git = Some(workspace::sandbox_repo(&workspace.data_dir, name).map_err(|e| e.to_string())?);
            }
            // An app from Git keeps its ignore rules in its Application: commit there when
            // the repository has one, else fall back to the rules file.
            if decision == Decision::Ignore && subject.git.is_some() && !read_only {
                let fallback =
                    std::mem::replace(&mut workspace.ignore_target, actions::ignore_rule::SaveTo::Application);
                match actions::prepare(decision, (*subject).clone(), &workspace) {
                    Ok(plan) => return Ok(Done::Prepared(Box::new(plan))),
                    Err(_) => workspace.ignore_target = fallback,
                }
            }
            let plan = match decision {
                Decision::Escalate => actions::escalate::prepare(*subject, &workspace, None),
                _ => actions::prepare(decision, *subject, &workspace).map_err(|e| e.to_string())?,
            };
            Ok(Done::Prepared(Box::new(plan)))
        }
        Step::Execute(plan, confirmation) => actions::execute(&plan, &confirmation, &workspace)
            .map(|o| Done::Executed(Box::new(o)))
            .map_err(|e| e.to_string()),
        Step::Prevent(app, namespace) => {
            let written = actions::prevent::write(&workspace.data_dir, &app, &namespace).map_err(|e| e.to_string())?;
            Ok(Done::Prevented(written.into_iter().map(|p| p.display().to_string()).collect()))
        }
    }
}
