//! The runbook screen's state and the jobs it sends to a worker: the runbook walk itself
//! (`crate::runbook`), the stage of the decision being taken (waiting for a preview, the
//! preview awaiting confirmation, the typed name, the result), and, for the embedded
//! samples, the simulated cluster's changes so one action sees the last one's effect.

use crate::actions::workspace::Options;
use crate::actions::{self, Confirmation, Outcome, Plan};
use crate::decision::{Decision, Subject};
use crate::investigate::decide::{self, Target};
use crate::model::AppReport;
use crate::runbook::Runbook;
use crate::tui::WorkError;

#[derive(Debug, Clone)]
pub enum Step {
    Prepare(Decision, Box<Subject>),
    Execute(Box<Plan>, Confirmation),
    /// Write the prevention artefacts for the app.
    Prevent(Box<AppReport>, String),
    /// Record that the walk after `decision` was closed at step 5.
    Close(Decision, Box<Subject>),
}

/// One job for the worker.
#[derive(Debug, Clone)]
pub struct Job {
    /// Which runbook asked (`RunbookScreen::id`), and the app and resource it was on: an
    /// answer that arrives after the responder moved on is folded into that resource only.
    pub origin: Origin,
    pub target: Target,
    /// Read-only, where the audit log goes, the incident id.
    pub options: Options,
    /// The app's evaluation time (a sample's snapshot time), for ages in the rescan.
    pub now: Option<i64>,
    pub all_apps: Vec<AppReport>,
    pub step: Step,
}

/// Where a job came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub runbook: u64,
    pub app: usize,
    pub key: crate::model::ResourceKey,
}

/// A job's answer, with where it came from.
#[derive(Debug)]
pub struct Acted {
    pub origin: Origin,
    pub result: Result<Done, WorkError>,
}

#[derive(Debug)]
pub enum Done {
    Prepared(Box<Plan>),
    Executed(Box<Outcome>),
    Prevented(Vec<String>),
    /// The closing line was written to the audit log.
    Closed,
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
    /// Unique per opened runbook: answers to another runbook's jobs are told apart by it.
    pub id: u64,
    pub runbook: Runbook,
    pub app: usize,
    pub stage: Stage,
    pub selected: usize,
    pub scroll: usize,
}

impl RunbookScreen {
    pub fn new(runbook: Runbook, app: usize) -> RunbookScreen {
        static OPENED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        RunbookScreen { id, runbook, app, stage: Stage::Checklist, selected: 0, scroll: 0 }
    }
}

/// Runs a job (blocking: on a worker thread), set up as the command line sets up its
/// decisions (`investigate::decide`).
pub fn run(job: Job) -> Result<Done, WorkError> {
    let Job { target, options, now, all_apps, step, .. } = job;
    let app_name = match &step {
        Step::Prepare(_, subject) => subject.app.clone(),
        Step::Execute(plan, _) => plan.subject.app.clone(),
        Step::Prevent(app, _) => app.name.clone(),
        Step::Close(_, subject) => subject.app.clone(),
    };
    let mut workspace = decide::workspace(&target, &options, now, &app_name, all_apps)?;
    match step {
        Step::Prepare(decision, subject) => {
            let note = options.reason.clone();
            let plan = decide::prepare(decision, *subject, &mut workspace, &target, &options, note.as_deref())?;
            Ok(Done::Prepared(Box::new(plan)))
        }
        Step::Execute(plan, confirmation) => {
            Ok(Done::Executed(Box::new(actions::execute(&plan, &confirmation, &workspace)?)))
        }
        Step::Prevent(app, namespace) => {
            let written = actions::prevent::write(&workspace.data_dir, &app, &namespace)?;
            Ok(Done::Prevented(written.into_iter().map(|p| p.display().to_string()).collect()))
        }
        Step::Close(decision, subject) => {
            let plan = Plan::new(decision, *subject, "close the runbook".to_owned(), actions::Work::Nothing);
            actions::audit::append(&workspace.data_dir, &actions::audit::Entry::closed(&plan, &workspace))?;
            Ok(Done::Closed)
        }
    }
}
