//! The jobs the runbook screen sends to a worker (prepare, execute, prevent, close), where
//! each came from, and running one: set up as the command line sets up its decisions.

use crate::actions::workspace::Options;
use crate::actions::{self, Confirmation, Outcome, Plan};
use crate::decision::{Decision, Subject};
use crate::investigate::decide::{self, Target};
use crate::model::AppReport;
use crate::tui::WorkError;
pub use crate::tui::runbook_screen::{RunbookScreen, Stage};

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
    /// The app, by identity (`changes::app_id`): a reload may move it in the list.
    pub app: String,
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
            let written =
                actions::prevent::write(&workspace.data_dir, &app, &namespace, workspace.runbook_url.as_deref())?;
            Ok(Done::Prevented(written.into_iter().map(|p| p.display().to_string()).collect()))
        }
        Step::Close(decision, subject) => {
            let plan = Plan::new(decision, *subject, "close the runbook".to_owned(), actions::Work::Nothing);
            actions::audit::append(&workspace.data_dir, &actions::audit::Entry::closed(&plan, &workspace))?;
            Ok(Done::Closed)
        }
    }
}
