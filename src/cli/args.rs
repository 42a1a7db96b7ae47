//! The command line's arguments (DESIGN §4), as clap parses them, and their conversion into
//! the application core's plain-data request.

use crate::investigate::{RendererChoice, SourceSpec};
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
    /// Keep scanning and serve the findings to Prometheus: /metrics, /api/v1/report,
    /// /healthz, /readyz. A sample or snapshot is served as scanned once.
    Serve(ServeArgs),
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
    #[arg(long, short = 'o', value_enum, default_value_t = ReportFormat::Text, requires = "report")]
    pub output: ReportFormat,
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
    #[arg(long, value_enum, default_value_t = RendererArg::Auto)]
    pub renderer: RendererArg,
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

impl From<&SourceArgs> for SourceSpec {
    fn from(args: &SourceArgs) -> SourceSpec {
        SourceSpec {
            desired: args.desired.clone(),
            live: args.live.clone(),
            context: args.context.clone(),
            request_timeout: args.request_timeout,
            repo: args.repo.clone(),
            revision: args.revision.clone(),
            path: args.path.clone(),
            sample: args.sample.clone(),
            app: args.app.clone(),
            namespace: args.namespace.clone(),
            now: args.now.clone(),
            renderer: args.renderer.into(),
            kubectl: args.kubectl.clone(),
            kustomize: args.kustomize.clone(),
            helm: args.helm.clone(),
            release: args.release.clone(),
            values: args.values.clone(),
            render_timeout: args.render_timeout,
            ignore: args.ignore.clone(),
            config: args.config.clone(),
            no_server_dry_run: args.no_server_dry_run,
            review_access: true,
        }
    }
}

/// Which renderer turns desired state into objects (`--renderer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RendererArg {
    /// Kustomize for a kustomization.yaml, Helm for a Chart.yaml, else plain YAML.
    Auto,
    Plain,
    Kustomize,
    Helm,
}

impl From<RendererArg> for RendererChoice {
    fn from(arg: RendererArg) -> RendererChoice {
        match arg {
            RendererArg::Auto => RendererChoice::Auto,
            RendererArg::Plain => RendererChoice::Plain,
            RendererArg::Kustomize => RendererChoice::Kustomize,
            RendererArg::Helm => RendererChoice::Helm,
        }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    RuleFile,
    PrometheusRule,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Address to serve on (loopback by default; 0.0.0.0:9477 in a pod; port 0 picks one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9477")]
    pub listen: std::net::SocketAddr,
    /// Seconds between scans of a cluster.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub interval: u64,
    /// Print the Prometheus alerting rules on kdrift's metrics, and exit: a rule file (for
    /// promtool and rule_files), or a PrometheusRule for the Prometheus Operator.
    #[arg(long, value_enum, value_name = "FORMAT", num_args = 0..=1, default_missing_value = "rule-file")]
    pub print_rules: Option<RulesFormat>,
    /// The runbook the alerts link to (default: the config's runbook_url, else a placeholder).
    #[arg(long, value_name = "URL")]
    pub runbook_url: Option<String>,
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

/// How `train --report` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}
