//! The command line (DESIGN §4): `args` parses, each command module runs the application
//! core and prints. Commands return an exit code, or ask `main` to open the TUI (the command
//! line never starts it itself); errors travel up as one line for stderr.

pub mod act;
pub mod args;
pub(crate) mod diff;
pub(crate) mod scan;
pub(crate) mod serve;
pub mod source_args;
pub(crate) mod train;

pub use args::*;
pub use source_args::*;

use crate::actions::workspace::Options;
use crate::decision::Decision;
use crate::investigate::{InvestigateError, Request, SourceSpec};
use crate::model::Response;
use std::path::PathBuf;

/// Exit codes of `scan` and `diff` (DESIGN §4).
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_DRIFT: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// What a command line leads to: an exit code, or an interactive session for `main` to open.
#[derive(Debug)]
pub enum Next {
    Exit(i32),
    /// The investigator on `request`.
    Tui {
        request: Request,
        session: Session,
    },
    /// Training: the scenario picker, or scenario `first`.
    Train {
        scenarios: Vec<crate::training::scenario::Scenario>,
        first: Option<usize>,
        record: Option<PathBuf>,
        trainee: String,
        session: Session,
    },
}

/// How an interactive session starts.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub read_only: bool,
    pub theme: Option<String>,
    pub config: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Investigate(#[from] InvestigateError),
    #[error(
        "--contexts and --all-contexts are for the TUI and `kdrift scan`; `kdrift {0}` reads one cluster: give --context NAME"
    )]
    OneContextOnly(&'static str),
    #[error(
        "--prometheus reads a fleet overview for the TUI; `kdrift {0}` needs the app's own objects: give --context NAME (the row's cluster)"
    )]
    OverviewInTuiOnly(&'static str),
    #[error(
        "no cluster to open ({0}): run `kdrift demo` for the embedded sample cluster, or `kdrift --desired PATH --live PATH`"
    )]
    NoCluster(String),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Action(#[from] crate::actions::ActionError),
    #[error(transparent)]
    Serve(#[from] crate::serve::ServeError),
    #[error(
        "kdrift train needs a terminal: run it in one (`kdrift train --list` prints the scenarios, `--report DIR` summarizes records)"
    )]
    TrainingNeedsTerminal,
    #[error(transparent)]
    Scenario(#[from] crate::training::scenario::ScenarioError),
    #[error(transparent)]
    Record(#[from] crate::training::record::RecordError),
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

/// The sources `args` name, `--all-contexts` read from the kubeconfig. Only the TUI and
/// `scan` (`command` None) read several contexts; `command` names the one that refuses.
pub(crate) fn sources(args: &SourceArgs, command: Option<&'static str>) -> Result<SourceSpec, CliError> {
    let mut spec = SourceSpec::from(args);
    if args.all_contexts {
        spec.contexts =
            crate::sources::cluster::context_names().map_err(|error| CliError::NoCluster(error.to_string()))?;
        if spec.contexts.is_empty() {
            return Err(CliError::NoCluster("the kubeconfig names no context".to_owned()));
        }
    }
    // Each context once, in the order given.
    let mut seen = std::collections::HashSet::new();
    spec.contexts.retain(|context| seen.insert(context.clone()));
    match command {
        Some(command) if spec.prometheus.is_some() => Err(CliError::OverviewInTuiOnly(command)),
        Some(command) if !spec.contexts.is_empty() => Err(CliError::OneContextOnly(command)),
        _ => Ok(spec),
    }
}

/// `kdrift` alone: the TUI on the current context, or on the sources given; with no
/// kubeconfig, one line saying how to start the demo instead.
fn open_tui(args: &TuiArgs) -> Result<Next, CliError> {
    let mut source = sources(&args.source, None)?;
    if args.read_only {
        source.no_server_dry_run = true;
    }
    // An overview from Prometheus needs no kubeconfig until a row is opened.
    let one_cluster = source.contexts.is_empty() && source.prometheus.is_none();
    if source.kind() == crate::investigate::SourceKind::Cluster && one_cluster {
        let context = crate::sources::cluster::current_context(source.context.as_deref())
            .map_err(|error| CliError::NoCluster(error.to_string()))?;
        // Pinned: decisions write where the TUI read, whatever the kubeconfig says later.
        source.context = Some(context.clone());
        // Read-only asks nothing of the API server that looks like a write, not even a dry run.
        if args.read_only || crate::config::load(source.config.as_deref())?.is_read_only(&context) {
            source.no_server_dry_run = true;
        }
    }
    let session = Session { read_only: args.read_only, theme: args.theme.clone(), config: source.config.clone() };
    Ok(Next::Tui { request: Request::Sources(Box::new(source)), session })
}

fn options(args: &ActArgs) -> Options {
    Options { read_only: args.read_only, incident: args.incident.clone(), wait: Some(args.wait), ..Options::default() }
}

/// Prints remarks about the sources (a rules file that holds no rule) as warnings.
pub(crate) fn warn(notes: &[String]) {
    for note in notes {
        eprintln!("kdrift: warning: {}", crate::sanitize::clean_line(note));
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<Next, CliError> {
    let exit = |code: Result<i32, CliError>| code.map(Next::Exit);
    match cli.command {
        None => open_tui(&cli.tui),
        Some(Command::Demo { sample, read_only, theme }) => {
            use std::io::IsTerminal as _;
            let name = sample.as_deref().unwrap_or(crate::sources::samples::DEMO_SAMPLE);
            if !std::io::stdout().is_terminal() {
                return exit(scan::demo(name));
            }
            let request = match sample {
                Some(name) => Request::Sources(Box::new(SourceSpec::sample(&name))),
                None => Request::Samples,
            };
            Ok(Next::Tui { request, session: Session { read_only, theme, config: None } })
        }
        Some(Command::Scan(args)) => exit(scan::run(&args)),
        Some(Command::Serve(args)) => exit(serve::run(&args)),
        Some(Command::Train(args)) => train::run(&args),
        Some(Command::Diff(args)) => exit(diff::run(&args)),
        Some(Command::Sync { act: args, break_glass }) => {
            let options = Options { break_glass, ..options(&args) };
            exit(act::run(Decision::Act(Response::Sync), &args, options, None))
        }
        Some(Command::Backport { act: args, push }) => {
            exit(act::run(Decision::Act(Response::Backport), &args, Options { push, ..options(&args) }, None))
        }
        Some(Command::Ignore { act: args, save, print, commit }) => {
            let options = Options { rules_file: save, print_only: print, commit_rule: commit, ..options(&args) };
            exit(act::run(Decision::Act(Response::Ignore), &args, options, None))
        }
        Some(Command::Prune { act: args }) => {
            exit(act::run(Decision::Act(Response::Prune), &args, options(&args), None))
        }
        Some(Command::Escalate { act: args, note }) => {
            // The note is the record's and the audit line's reason too.
            let options = Options { reason: note.clone(), ..options(&args) };
            exit(act::run(Decision::Act(Response::Escalate), &args, options, note.as_deref()))
        }
    }
}
