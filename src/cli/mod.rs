//! The command line (DESIGN §4): arguments, and the commands that wire sources, engine and
//! report together. Commands return an exit code; errors travel up as one line for stderr.

pub mod act;
pub mod diff;
pub mod discovery;
pub mod input;
pub mod scan;
pub mod train;

use crate::actions::Decision;
use crate::actions::workspace::Options;
use crate::sources::render::Renderer;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "kdrift",
    version,
    about = "Investigate GitOps drift: what differs, who changed it, does it matter, and what is the least dangerous correction"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command: the TUI on the current kubeconfig context (or these sources).
    #[command(flatten)]
    pub tui: TuiArgs,
}

/// How the interactive TUI opens.
#[derive(Debug, Args, Clone)]
pub struct TuiArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Remove every write action (sync, backport, ignore, prune) from the TUI.
    #[arg(long)]
    pub read_only: bool,
    /// Theme: default, light, high-contrast, colorblind, or NAME.toml in the themes directory.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
}

impl TuiArgs {
    fn start(&self) -> crate::tui::Start {
        crate::tui::Start { read_only: self.read_only, theme: self.theme.clone(), config: self.source.config.clone() }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Investigate the sample cluster embedded in the binary in the TUI (no cluster needed;
    /// outside a terminal, print its report).
    Demo {
        /// Open only this embedded sample (default: every one, as apps of one cluster).
        #[arg(long, value_name = "NAME")]
        sample: Option<String>,
        /// Remove every write action from the TUI.
        #[arg(long)]
        read_only: bool,
        /// Theme: default, light, high-contrast, colorblind, or NAME.toml in the themes directory.
        #[arg(long, value_name = "NAME")]
        theme: Option<String>,
    },
    /// Scan desired against live state and report every finding (for CI and alerting).
    Scan(ScanArgs),
    /// Show desired and live YAML side by side with the owner of every drifted line.
    Diff(DiffArgs),
    /// Training drills on the embedded sample clusters: predict, reveal the diff, classify each
    /// finding and its owner, walk the runbook to a decision, see its simulated consequences,
    /// and get a score per skill. Nothing is written anywhere but --record.
    Train(TrainArgs),
    /// Make live match Git: ask the app's controller (Argo CD operation, Flux reconcile), or
    /// server-side apply Git's object (break-glass). Previewed with a server dry run.
    Sync {
        #[command(flatten)]
        act: ActArgs,
        /// Apply Git's object directly even when the app has a controller.
        #[arg(long)]
        break_glass: bool,
    },
    /// Keep the live value: commit it into the Git file that defines it, on a new branch
    /// (the working tree and current branch are never touched).
    Backport {
        #[command(flatten)]
        act: ActArgs,
        /// Push the new branch to origin with `git push` (your own credentials).
        #[arg(long)]
        push: bool,
    },
    /// Generate the narrowest ignore rule (Argo CD and Flux forms), preview what it hides
    /// across the source, and save it to a rules file.
    Ignore {
        #[command(flatten)]
        act: ActArgs,
        /// Rules file to add the rule to (default: the app's file under kdrift's data directory).
        #[arg(long, value_name = "FILE")]
        save: Option<std::path::PathBuf>,
        /// Only print the rule.
        #[arg(long, conflicts_with = "save")]
        print: bool,
        /// Commit the rule into the app's Argo CD Application manifest in --repo, on a new
        /// branch `kdrift/ignore/<app>/<kind>-<name>`.
        #[arg(long, conflicts_with_all = ["save", "print"])]
        commit: bool,
    },
    /// Delete an orphan the app's tracking proves it managed (dry-run delete and what still
    /// points at it shown first; propagation Foreground).
    Prune {
        #[command(flatten)]
        act: ActArgs,
    },
    /// Write a remediation record (diff, cause, risks, owner team) under the data directory
    /// and hand it to `escalate.command`.
    Escalate {
        #[command(flatten)]
        act: ActArgs,
        /// A note for the record.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The scenario to play (a name from --list, or a scenario directory); without it, a picker.
    #[arg(value_name = "NAME")]
    pub scenario: Option<String>,
    /// Print the scenarios (name, difficulty, what each teaches) and exit.
    #[arg(long, conflicts_with_all = ["scenario", "check", "report"])]
    pub list: bool,
    /// Validate a scenario directory (scenario.yaml, desired/, live/) against the engine and exit.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["scenario", "report"])]
    pub check: Option<PathBuf>,
    /// Summarize the record files (*.json) in DIR: per scenario, success rate, score per skill
    /// and the most common wrong answer.
    #[arg(long, value_name = "DIR", conflicts_with = "scenario")]
    pub report: Option<PathBuf>,
    /// How --report prints.
    #[arg(long, short = 'o', value_enum, default_value_t = train::ReportFormat::Text, requires = "report")]
    pub output: train::ReportFormat,
    /// Append every finished drill (answers and score) to FILE as JSON.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// The trainee's name in the record (default: the OS user).
    #[arg(long, value_name = "NAME")]
    pub trainee: Option<String>,
    /// Theme: default, light, high-contrast, colorblind, or NAME.toml in the themes directory.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
}

/// What every decision command takes: the sources, the resource and the confirmation.
#[derive(Debug, Args)]
pub struct ActArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The resource: KIND/NAME or KIND/NAMESPACE/NAME (e.g. Deployment/checkout-api).
    #[arg(long, value_name = "KIND/NAME")]
    pub resource: String,
    /// Only this field (display path or JSON pointer); default: every field needing action.
    #[arg(long, value_name = "PATH")]
    pub field: Option<String>,
    /// Show the preview (server dry runs included) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Confirm without asking.
    #[arg(long)]
    pub yes: bool,
    /// The resource's name, typed: required with --yes on production contexts.
    #[arg(long, value_name = "NAME")]
    pub confirm: Option<String>,
    /// Sync: take fields other managers own (after their conflicts were shown).
    #[arg(long)]
    pub force: bool,
    /// An incident or change id for the commit, record and audit log.
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    /// Prepare nothing that writes (only escalate and printing a rule remain).
    #[arg(long)]
    pub read_only: bool,
}

/// Where desired and live state come from.
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// Desired state: a manifest file or directory (a directory with kustomization.yaml is rendered).
    #[arg(long, value_name = "PATH", conflicts_with = "sample")]
    pub desired: Option<PathBuf>,
    /// Live state: a snapshot file or directory (`kubectl get -o yaml --show-managed-fields`
    /// output). Without it, live state is read from the cluster of the kubeconfig's context.
    #[arg(long, value_name = "PATH", conflicts_with = "sample")]
    pub live: Option<PathBuf>,
    /// Kubeconfig context to read live state from (default: the current context).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["live", "sample"])]
    pub context: Option<String>,
    /// Seconds one request to the API server may take.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub request_timeout: u64,
    /// Desired state from this Git repository (bare or not), read at --revision without a checkout.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["desired", "sample"])]
    pub repo: Option<PathBuf>,
    /// Revision to read from --repo: a branch, tag, commit or any rev-parse expression
    /// (default: each discovered app's target revision, else HEAD).
    #[arg(long, value_name = "REV", requires = "repo")]
    pub revision: Option<String>,
    /// Directory (or file) inside --repo holding the app's manifests. Without it (and without
    /// --app), every app in the repo's .kdrift.yaml or among the live Argo CD Applications and
    /// Flux Kustomizations is scanned.
    #[arg(long, value_name = "DIR", requires = "repo")]
    pub path: Option<String>,
    /// Use an embedded sample cluster instead of --desired/--live (no NAME: the demo's).
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = crate::sources::samples::DEMO_SAMPLE)]
    pub sample: Option<String>,
    /// App name (tracking labels tie orphans to it); defaults to the desired directory's name.
    #[arg(long, value_name = "NAME")]
    pub app: Option<String>,
    /// Namespace for desired objects that do not set one (the app's destination namespace).
    #[arg(long, short = 'n', value_name = "NS")]
    pub namespace: Option<String>,
    /// Evaluate ages as of this RFC 3339 time instead of now (reproducible reports).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// How to turn the desired directory into objects: `auto` renders a directory holding a
    /// kustomization.yaml or a Chart.yaml; `plain` reads its YAML files as they are.
    #[arg(long, value_enum, default_value_t = RendererChoice::Auto)]
    pub renderer: RendererChoice,
    /// kubectl binary, used for `kubectl kustomize` when no kustomize binary is installed.
    #[arg(long, value_name = "BIN", default_value = "kubectl")]
    pub kubectl: String,
    /// kustomize binary for `kustomize build` (default: `kustomize` on PATH, else kubectl).
    #[arg(long, value_name = "BIN")]
    pub kustomize: Option<String>,
    /// helm binary for directories holding a Chart.yaml (`helm template`).
    #[arg(long, value_name = "BIN", default_value = "helm")]
    pub helm: String,
    /// Helm release name (default: the app name).
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// Helm values file, in order (repeatable).
    #[arg(long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Seconds a renderer may run before it is stopped.
    #[arg(long, value_name = "SECS", default_value_t = 90)]
    pub render_timeout: u64,
    /// Ignore rules: an Argo CD Application, argocd-cm ConfigMap, Flux Kustomization or
    /// HelmRelease, or a YAML list of rules (repeatable). What they hide stays in the report.
    #[arg(long, value_name = "FILE")]
    pub ignore: Vec<PathBuf>,
    /// Config file (default: config.toml in kdrift's config directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// On a cluster, do not ask the API server for a dry-run apply of drifted objects (what it
    /// would store for Git's object); kdrift's offline defaults table decides alone.
    #[arg(long)]
    pub no_server_dry_run: bool,
}

impl SourceArgs {
    /// An embedded sample with every other setting at its default.
    pub fn sample(name: &str) -> SourceArgs {
        SourceArgs {
            desired: None,
            live: None,
            context: None,
            request_timeout: 30,
            repo: None,
            revision: None,
            path: None,
            sample: Some(name.to_owned()),
            app: None,
            namespace: None,
            now: None,
            renderer: RendererChoice::Auto,
            kubectl: "kubectl".to_owned(),
            kustomize: None,
            helm: "helm".to_owned(),
            release: None,
            values: Vec::new(),
            render_timeout: 90,
            ignore: Vec::new(),
            config: None,
            no_server_dry_run: false,
        }
    }
}

/// Which renderer turns desired state into objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RendererChoice {
    /// Kustomize for a kustomization.yaml, Helm for a Chart.yaml, else plain YAML.
    Auto,
    Plain,
    Kustomize,
    Helm,
}

impl RendererChoice {
    /// The renderer for `dir`, whose own files suggest `detected`; a forced renderer the
    /// directory cannot feed is an error naming the file it lacks.
    pub fn choose(self, dir: &std::path::Path, detected: Option<Renderer>) -> Result<Option<Renderer>, CliError> {
        let lacking =
            |file: &str| CliError::Renderer(format!("--renderer {}: '{}' has no {file}", self.name(), dir.display()));
        match (self, detected) {
            (RendererChoice::Auto, detected) => Ok(detected),
            (RendererChoice::Plain, _) => Ok(None),
            (RendererChoice::Kustomize, Some(Renderer::Kustomize)) => Ok(Some(Renderer::Kustomize)),
            (RendererChoice::Kustomize, _) => Err(lacking("kustomization.yaml")),
            (RendererChoice::Helm, Some(Renderer::Helm)) => Ok(Some(Renderer::Helm)),
            (RendererChoice::Helm, _) => Err(lacking("Chart.yaml")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RendererChoice::Auto => "auto",
            RendererChoice::Plain => "plain",
            RendererChoice::Kustomize => "kustomize",
            RendererChoice::Helm => "helm",
        }
    }

    /// The catalog's spelling (`plain`, `kustomize`, `helm`).
    pub fn from_name(name: &str) -> Option<RendererChoice> {
        [RendererChoice::Plain, RendererChoice::Kustomize, RendererChoice::Helm].into_iter().find(|c| c.name() == name)
    }
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn style(self) -> crate::report::style::Style {
        use crate::report::style::Style;
        match self {
            ColorChoice::Auto => Style::detect(),
            ColorChoice::Always => Style { color: true },
            ColorChoice::Never => Style::plain(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Exit 0 even when drift needs action (by default such drift exits 1).
    #[arg(long)]
    pub no_exit_code: bool,
    /// Leave out differences an ignore rule hid (the summary still counts them).
    #[arg(long)]
    pub hide_ignored: bool,
    /// Colour the text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Only this resource: KIND/NAME or KIND/NAMESPACE/NAME (e.g. Deployment/checkout-api).
    #[arg(long, value_name = "KIND/NAME")]
    pub resource: Option<String>,
    /// Show every live field, server defaults and controller-owned fields included.
    #[arg(long)]
    pub full: bool,
    /// Output width in columns (default: the terminal's width, else $COLUMNS, else 160).
    #[arg(long)]
    pub width: Option<usize>,
    /// Exit 1 when drift needs action, as `scan` does.
    #[arg(long)]
    pub exit_code: bool,
    /// Colour the output (removed/added lines, owners by class).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("give --desired PATH or --repo PATH (and --live PATH, or a kubeconfig context), or --sample NAME")]
    NoSource,
    #[error("--now '{0}' is not an RFC 3339 time (like 2026-06-08T09:10:00Z)")]
    BadNow(String),
    #[error("--resource '{0}' must be KIND/NAME or KIND/NAMESPACE/NAME")]
    BadResource(String),
    #[error("no resource matches --resource '{0}'")]
    NoSuchResource(String),
    #[error(
        "no apps found in the {0}: no Argo CD Application or Flux Kustomization there; give --desired PATH or --repo PATH --path DIR, or add a .kdrift.yaml catalog to the repository"
    )]
    NoApps(String),
    #[error("no app named '{0}' in the {1}")]
    NoSuchApp(String, String),
    #[error("{0}")]
    Catalog(String),
    #[error("{0}")]
    Renderer(String),
    #[error(transparent)]
    Tui(#[from] crate::tui::TuiError),
    #[error(
        "no cluster to open ({0}): run `kdrift demo` for the embedded sample cluster, or `kdrift --desired PATH --live PATH`"
    )]
    NoCluster(String),
    #[error(transparent)]
    Source(#[from] crate::sources::SourceError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error("no field '{0}' on that resource (it has: {1})")]
    NoSuchField(String, String),
    #[error(transparent)]
    Action(#[from] crate::actions::ActionError),
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

/// `kdrift` alone: the TUI on the current context, or on the sources given; with no
/// kubeconfig, one line saying how to start the demo instead.
fn open_tui(args: &TuiArgs) -> Result<i32, CliError> {
    let mut source = args.source.clone();
    let wants_cluster = source.sample.is_none() && source.live.is_none();
    if wants_cluster {
        let context = crate::sources::cluster::current_context(source.context.as_deref())
            .map_err(|error| CliError::NoCluster(error.to_string()))?;
        // Read-only asks nothing of the API server that looks like a write, not even a dry run.
        if args.read_only || crate::config::load(source.config.as_deref())?.is_read_only(&context) {
            source.no_server_dry_run = true;
        }
    }
    let request = crate::tui::data::Request::Sources(Box::new(source));
    crate::tui::run(request, &args.start())
}

fn options(args: &ActArgs) -> Options {
    Options { read_only: args.read_only, incident: args.incident.clone(), ..Options::default() }
}

/// Exit codes of `scan` and `diff` (DESIGN §4).
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_DRIFT: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        None => open_tui(&cli.tui),
        Some(Command::Demo { sample, read_only, theme }) => {
            use std::io::IsTerminal as _;
            let name = sample.as_deref().unwrap_or(crate::sources::samples::DEMO_SAMPLE);
            if !std::io::stdout().is_terminal() {
                return scan::demo(name);
            }
            let request = match sample {
                Some(name) => crate::tui::data::Request::Sources(Box::new(SourceArgs::sample(&name))),
                None => crate::tui::data::Request::Samples,
            };
            crate::tui::run(request, &crate::tui::Start { read_only, theme, config: None })
        }
        Some(Command::Scan(args)) => scan::run(&args),
        Some(Command::Train(args)) => train::run(&args),
        Some(Command::Diff(args)) => diff::run(&args),
        Some(Command::Sync { act: args, break_glass }) => {
            let options = Options { break_glass, ..options(&args) };
            act::run(Decision::Sync, &args, options, None)
        }
        Some(Command::Backport { act: args, push }) => {
            act::run(Decision::Backport, &args, Options { push, ..options(&args) }, None)
        }
        Some(Command::Ignore { act: args, save, print, commit }) => {
            let options = Options { rules_file: save, print_only: print, commit_rule: commit, ..options(&args) };
            act::run(Decision::Ignore, &args, options, None)
        }
        Some(Command::Prune { act: args }) => act::run(Decision::Prune, &args, options(&args), None),
        Some(Command::Escalate { act: args, note }) => {
            act::run(Decision::Escalate, &args, options(&args), note.as_deref())
        }
    }
}
