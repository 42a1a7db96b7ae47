//! `kdrift scan` (and `kdrift demo` outside a terminal): one report, exit code by drift.

use crate::cli::{CliError, EXIT_CLEAN, EXIT_DRIFT, EXIT_ERROR, OutputFormat, ScanArgs, warn};
use crate::investigate::{self, SourceSpec};
use crate::report::{json, markdown, style::Style, text};
use std::io::Write as _;

pub(crate) fn run(args: &ScanArgs) -> Result<i32, CliError> {
    let spec = crate::cli::sources(&args.source, None)?;
    if spec.prometheus.is_some() {
        // The overview has counts, not findings: a report of it would read as a clean fleet.
        return Err(CliError::OverviewInTuiOnly("scan"));
    }
    let (mut report, investigation) = investigate::scan(&spec)?;
    warn(&investigation.notes);
    if args.hide_ignored {
        report.hide_ignored();
    }
    let rendered = match args.output {
        OutputFormat::Json => json::render(&report) + "\n",
        OutputFormat::Markdown => markdown::render(&report),
        OutputFormat::Text => {
            text::render(&report, &text::TextOptions { style: args.color.style(), source: investigation.label })
        }
    };
    std::io::stdout().write_all(rendered.as_bytes())?;
    // The report covers the clusters that answered; one that did not is not clean.
    if !investigation.unreachable.is_empty() {
        return Ok(EXIT_ERROR);
    }
    Ok(if report.needs_action() && !args.no_exit_code { EXIT_DRIFT } else { EXIT_CLEAN })
}

/// The demo scans an embedded sample and explains where to go next. It exits 0: finding
/// drift in the sample is the point of the demo, not a failure.
pub(crate) fn demo(sample: &str) -> Result<i32, CliError> {
    let (report, investigation) = investigate::scan(&SourceSpec::sample(sample))?;
    warn(&investigation.notes);
    let style = Style::detect();
    let mut out = text::render(&report, &text::TextOptions { style, source: investigation.label });
    out.push_str(&style.dim(&format!(
        "\nNext: `kdrift diff --sample {sample}` shows desired and live side by side with the owner of each drifted line;\n      `kdrift scan --sample {sample} -o json` is the machine-readable report.\n"
    )));
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(EXIT_CLEAN)
}
