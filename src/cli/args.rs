//! The command line's commands and their arguments (DESIGN §4), as clap parses them; the
//! source flags they share are in `source_args`.

use crate::cli::source_args::SourceArgs;
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
    /// Sync: seconds to wait for the controller to finish and the rollout to complete before
    /// verifying (0: verify at once).
    #[arg(long, value_name = "SECS", default_value_t = crate::actions::workspace::DEFAULT_WAIT_SECS, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub wait: u64,
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
    /// Receive the API server's audit webhook on `POST /api/v1/audit`, from callers that
    /// send `Authorization: Bearer` with the token this file holds; the last month of writes
    /// names the people behind drifted fields in `/api/v1/report`.
    #[arg(long, value_name = "FILE")]
    pub audit_webhook_token_file: Option<std::path::PathBuf>,
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
