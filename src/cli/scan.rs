//! `kdrift scan` (and `kdrift demo` outside a terminal): one report, exit code by drift.

use crate::cli::discovery;
use crate::cli::input::{self, Input, Side};
use crate::cli::{CliError, EXIT_CLEAN, EXIT_DRIFT, OutputFormat, ScanArgs, SourceArgs};
use crate::engine::Manifest;
use crate::model::DriftReport;
use crate::report::{json, markdown, style::Style, text};
use std::io::Write as _;

pub fn run(args: &ScanArgs) -> Result<i32, CliError> {
    let (mut report, source_label) = match discovery::wanted(&args.source) {
        true => discovery::scan_all(&args.source, &mut |_, _, _| {})?,
        false => {
            let input = input::resolve(&args.source)?;
            let label = input.source_label.clone();
            (build(input)?, label)
        }
    };
    if args.hide_ignored {
        report.hide_ignored();
    }
    let rendered = match args.output {
        OutputFormat::Json => json::render(&report) + "\n",
        OutputFormat::Markdown => markdown::render(&report),
        OutputFormat::Text => {
            text::render(&report, &text::TextOptions { style: args.color.style(), source: source_label })
        }
    };
    std::io::stdout().write_all(rendered.as_bytes())?;
    Ok(if report.needs_action() && !args.no_exit_code { EXIT_DRIFT } else { EXIT_CLEAN })
}

pub fn build(input: Input) -> Result<DriftReport, CliError> {
    Ok(DriftReport::new(vec![build_app(input, &mut |_, _, _| {})?]))
}

/// Sees every object an app's comparison reads: `(app, default namespace)`, the side, and
/// the object (the TUI keeps them for its diff screen; a scan keeps nothing).
pub type Keep<'k> = &'k mut dyn FnMut((&str, &str), Side, &Manifest);

/// One app's report, with Git evidence when desired state came from Git.
pub fn build_app(mut input: Input, keep: Keep<'_>) -> Result<crate::model::AppReport, CliError> {
    let git = input.git.take();
    let (app, namespace) = (input.app.clone(), input.namespace.clone());
    let mut app = input::compare(input, |side, manifest| keep((&app, &namespace), side, manifest))?;
    if let Some(git) = &git {
        crate::sources::git::attach_evidence(git, &mut app);
        app.desired_git = Some(git.spot());
    }
    Ok(app)
}

/// The demo scans an embedded sample and explains where to go next. It exits 0: finding
/// drift in the sample is the point of the demo, not a failure.
pub fn demo(sample: &str) -> Result<i32, CliError> {
    let source = SourceArgs::sample(sample);
    let input = input::resolve(&source)?;
    let label = input.source_label.clone();
    let report = build(input)?;
    let style = Style::detect();
    let mut out = text::render(&report, &text::TextOptions { style, source: label });
    out.push_str(&style.dim(&format!(
        "\nNext: `kdrift diff --sample {sample}` shows desired and live side by side with the owner of each drifted line;\n      `kdrift scan --sample {sample} -o json` is the machine-readable report.\n"
    )));
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(EXIT_CLEAN)
}
