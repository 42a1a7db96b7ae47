//! The five decisions as values (DESIGN §2): every correction is prepared into a `Plan`
//! (its preview, what confirming it takes, and the work it will do), then executed against
//! the cluster or the repository, verified by rescanning, and appended to the audit log.
//! These modules are the only code in kdrift that writes anywhere.

pub(crate) mod audit;
pub(crate) mod backport;
pub(crate) mod changes;
pub(crate) mod escalate;
pub(crate) mod git_write;
pub(crate) mod ignore_rule;
pub(crate) mod prevent;
pub(crate) mod prune;
pub(crate) mod settle;
pub(crate) mod simulated;
pub(crate) mod sync;
pub(crate) mod sync_scope;
pub(crate) mod target;
pub(crate) mod verify;
pub(crate) mod workspace;

use crate::decision::{Decision, Subject};
use crate::model::ResourceReport;
use crate::model::Response;
use crate::sources::cluster::ClusterError;
use serde_json::Value;
use std::path::PathBuf;
use target::Writer;

/// How a plan must be confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// `y` (or `--yes`).
    Yes,
    /// The resource's name typed back (a dangerous write on a production context).
    TypeName(String),
}

/// A prepared decision: what it will do, shown before anything is written.
#[derive(Debug, Clone)]
pub struct Plan {
    pub decision: Decision,
    pub subject: Subject,
    /// One line: what confirming does.
    pub summary: String,
    /// The preview: a server dry-run diff, a patch, a rule, a record.
    pub preview: Vec<String>,
    pub warnings: Vec<String>,
    /// Why this decision cannot be taken here (nothing is executed then).
    pub refused: Option<String>,
    pub confirm: Confirm,
    /// Field conflicts a server-side apply reported: forcing needs a second confirmation.
    pub conflicts: Vec<String>,
    pub work: Work,
}

/// What executing a plan does.
#[derive(Debug, Clone)]
pub enum Work {
    Sync(sync::SyncWork),
    Backport(backport::BackportWork),
    Ignore(ignore_rule::IgnoreWork),
    Prune(prune::PruneWork),
    Escalate(escalate::EscalateWork),
    Nothing,
}

/// What the responder confirmed.
#[derive(Debug, Clone, Default)]
pub struct Confirmation {
    /// The name typed, when the plan asks for it.
    pub typed: Option<String>,
    /// Take conflicting fields (a second confirmation after the conflicts were shown).
    pub force: bool,
}

/// What happened, verified.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub decision: Decision,
    /// One line: what was done.
    pub result: String,
    /// What the rescan (or the repository) shows now.
    pub verification: Vec<String>,
    /// The fields in scope the rescan still finds different: the decision did not do what
    /// it promised, and is recorded as failed.
    pub still_differ: Vec<String>,
    /// Files, branches and records written.
    pub artefacts: Vec<String>,
    /// The resource as the rescan sees it, for the UI to show.
    pub rescanned: Option<ResourceReport>,
    /// The live object after the write.
    pub live_after: Option<Value>,
}

/// Where an action may write, and who is acting.
pub struct Workspace {
    /// The cluster (or its simulation); `None` when the source has none.
    pub writer: Option<Box<dyn Writer>>,
    /// `--read-only` or a read-only context: no write is prepared.
    pub read_only: bool,
    /// The context matches `production_contexts`: dangerous writes need the name typed.
    pub production: bool,
    pub data_dir: PathBuf,
    /// Where the prevention step's alerts link (config `runbook_url`).
    pub runbook_url: Option<String>,
    /// "alice (context prod-eu)", for the audit log and records.
    pub who: String,
    pub escalate_command: Option<String>,
    pub engine: crate::engine::EngineConfig,
    pub now: Option<i64>,
    /// An incident or change id quoted in commits and records.
    pub incident: Option<String>,
    /// Why the responder chose this (their note; steps of the runbook skipped and why),
    /// quoted in the audit log and records.
    pub reason: Option<String>,
    /// Sync by server-side apply even when the app has a controller (break-glass).
    pub break_glass: bool,
    /// Push a backport branch with `git push` after committing it.
    pub push: bool,
    /// Where `ignore` saves rules: the repository's `.kdrift.yaml`, the app's manifest, or nowhere.
    pub ignore_target: ignore_rule::SaveTo,
    /// Every app of the current source, for the ignore preview.
    pub all_apps: Vec<crate::model::AppReport>,
    /// How long a sync waits for the controller and the rollout before verifying.
    pub wait: std::time::Duration,
}

impl Workspace {
    /// Whether decisions act on a sample's simulated cluster: nothing real is done there,
    /// and that includes running someone's command.
    pub fn simulated(&self) -> bool {
        self.writer.as_ref().is_some_and(|writer| writer.is_simulated())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("context '{context}' serves no {kind} in group '{group}'")]
    NotServed { kind: String, group: String, context: String },
    #[error(
        "{resource} changed since it was shown (resourceVersion {shown} → {now}): nothing was written; refresh and look again"
    )]
    LiveChanged { resource: String, shown: String, now: String },
    #[error(
        "{0} changed since it was shown (the API server refused the write's resourceVersion precondition): nothing was written; refresh and look again"
    )]
    Precondition(String),
    #[error("{name}: Git gives {why}; the API server would refuse it, so nothing was sent")]
    InvalidName { kind: String, name: String, why: String },
    #[error("{0} no longer exists: nothing was written")]
    Gone(String),
    #[error("refused: {0}")]
    Refused(String),
    #[error("not confirmed: type '{0}' to confirm")]
    NotConfirmed(String),
    #[error("read-only: {0} writes, and this session may not write")]
    ReadOnly(&'static str),
    #[error("Git: {0}")]
    Git(String),
    #[error("cannot write '{}': {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the generated ignore rule: {0}")]
    Rule(#[source] crate::engine::ignore::parse::RuleError),
    #[error("the generated ignore rule is empty")]
    EmptyRule,
    #[error("{}: not a list of rules ({source}); nothing written", path.display())]
    RulesFile { path: PathBuf, source: yaml_serde::Error },
    #[error("cannot encode {what}: {source}")]
    Json { what: &'static str, source: serde_json::Error },
    #[error("cannot encode {what} as YAML: {source}")]
    Yaml { what: &'static str, source: yaml_serde::Error },
    #[error("the rescan after the write failed: {0}")]
    Rescan(#[source] crate::engine::EngineError),
    #[error("no data directory for the audit log (set HOME or XDG_DATA_HOME)")]
    NoDataDir,
    #[error(transparent)]
    Sample(#[from] crate::sources::samples::SampleError),
}

impl ActionError {
    pub fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> ActionError + '_ {
        move |source| ActionError::Io { path: path.to_owned(), source }
    }
}

/// Prepares `decision` for `subject`: every read and dry run the preview needs, no write.
pub(crate) fn prepare(decision: Decision, subject: Subject, workspace: &Workspace) -> Result<Plan, ActionError> {
    if workspace.read_only && decision.writes() {
        return Err(ActionError::ReadOnly(decision.as_str()));
    }
    let mut plan = match decision {
        Decision::Act(Response::Sync) => sync::prepare(subject, workspace)?,
        Decision::Act(Response::Backport) => backport::prepare(subject, workspace)?,
        Decision::Act(Response::Ignore) => ignore_rule::prepare(subject, workspace)?,
        Decision::Act(Response::Prune) => prune::prepare(subject, workspace)?,
        Decision::Act(Response::Escalate) => escalate::prepare(subject, workspace, None),
        Decision::LeaveAsIs => Plan::new(
            Decision::LeaveAsIs,
            subject,
            "record that the difference is left as it is".to_owned(),
            Work::Nothing,
        ),
    };
    let dangerous = matches!(decision, Decision::Act(Response::Sync) | Decision::Act(Response::Prune));
    if dangerous && workspace.production {
        plan.confirm = Confirm::TypeName(plan.subject.resource.name.clone());
    }
    Ok(plan)
}

impl Plan {
    pub fn new(decision: Decision, subject: Subject, summary: String, work: Work) -> Plan {
        Plan {
            decision,
            subject,
            summary,
            preview: Vec::new(),
            warnings: Vec::new(),
            refused: None,
            confirm: Confirm::Yes,
            conflicts: Vec::new(),
            work,
        }
    }

    fn refuse(mut self, why: String) -> Plan {
        self.refused = Some(why);
        self
    }
}

/// Executes a confirmed plan, verifies it, and appends the decision to the audit log
/// (whatever the result) before returning.
pub(crate) fn execute(plan: &Plan, confirmation: &Confirmation, workspace: &Workspace) -> Result<Outcome, ActionError> {
    if let (Decision::Act(Response::Escalate), Some(command), None, false) =
        (plan.decision, &workspace.escalate_command, &plan.refused, workspace.simulated())
    {
        let detail = format!("handing the record to `{command}`");
        audit::append(&workspace.data_dir, &audit::Entry::started(plan, workspace, detail))?;
    }
    let result = checked_execute(plan, confirmation, workspace);
    let entry = audit::Entry::of(plan, &result, workspace);
    audit::append(&workspace.data_dir, &entry)?;
    let mut outcome = result?;
    outcome.artefacts.push(format!("audit: {}", audit::path(&workspace.data_dir).display()));
    Ok(outcome)
}

fn checked_execute(plan: &Plan, confirmation: &Confirmation, workspace: &Workspace) -> Result<Outcome, ActionError> {
    if let Some(why) = &plan.refused {
        return Err(ActionError::Refused(why.clone()));
    }
    if let Confirm::TypeName(name) = &plan.confirm
        && confirmation.typed.as_deref() != Some(name.as_str())
    {
        return Err(ActionError::NotConfirmed(name.clone()));
    }
    if workspace.read_only && plan.decision.writes() {
        return Err(ActionError::ReadOnly(plan.decision.as_str()));
    }
    match &plan.work {
        Work::Sync(work) => sync::execute(plan, work, confirmation.force, workspace),
        Work::Backport(work) => backport::execute(plan, work, workspace),
        Work::Ignore(work) => ignore_rule::execute(plan, work, workspace),
        Work::Prune(work) => prune::execute(plan, work, workspace),
        Work::Escalate(work) => escalate::execute(plan, work, workspace),
        Work::Nothing => Ok(Outcome {
            decision: plan.decision,
            still_differ: Vec::new(),
            result: format!("{} left as it is", plan.subject.key()),
            verification: Vec::new(),
            artefacts: Vec::new(),
            rescanned: None,
            live_after: None,
        }),
    }
}

/// Re-reads the live object and fails when it moved since it was shown: a write must never
/// land on a state the responder did not see.
pub(crate) fn recheck_live(subject: &Subject, writer: &dyn Writer) -> Result<Option<Value>, ActionError> {
    let Some(shown) = &subject.live else {
        return Ok(None);
    };
    let target = target::ObjectRef::of(shown, &subject.namespace);
    let now = writer.get(&target)?.ok_or_else(|| ActionError::Gone(subject.key().to_string()))?;
    let version =
        |object: &Value| object.pointer("/metadata/resourceVersion").and_then(Value::as_str).map(str::to_owned);
    match (version(shown), version(&now)) {
        (Some(shown), Some(current)) if shown != current => {
            Err(ActionError::LiveChanged { resource: subject.key().to_string(), shown, now: current })
        }
        _ => Ok(Some(now)),
    }
}
