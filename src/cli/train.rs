//! `kdrift train`: the scenario picker or one scenario in the TUI; `--list` prints the
//! scenarios, `--check PATH` validates an instructor's scenario directory, `--report DIR`
//! summarizes a class's record files.

use crate::cli::{CliError, EXIT_CLEAN, Next, ReportFormat, Session, TrainArgs};
use crate::training::{record, scenario};
use std::io::Write as _;

pub(crate) fn run(args: &TrainArgs) -> Result<Next, CliError> {
    if args.list {
        return list().map(Next::Exit);
    }
    if let Some(path) = &args.check {
        return check(path).map(Next::Exit);
    }
    if let Some(dir) = &args.report {
        let summary = record::summarize(dir)?;
        let text = match args.output {
            ReportFormat::Text => record::render(&summary, dir),
            ReportFormat::Json => {
                format!("{}\n", serde_json::to_string_pretty(&summary).map_err(std::io::Error::other)?)
            }
        };
        std::io::stdout().write_all(text.as_bytes())?;
        return Ok(Next::Exit(EXIT_CLEAN));
    }
    let mut scenarios = scenario::embedded()?;
    let first = match &args.scenario {
        None => None,
        Some(wanted) => match scenarios.iter().position(|s| s.name == *wanted) {
            Some(index) => Some(index),
            None => {
                // A directory outside the binary joins the picker at the top.
                scenarios.insert(0, scenario::find(wanted)?);
                Some(0)
            }
        },
    };
    // A scenario named wrongly is reported before the missing terminal.
    use std::io::IsTerminal as _;
    if !std::io::stdout().is_terminal() {
        return Err(CliError::TrainingNeedsTerminal);
    }
    let trainee = args.trainee.clone().unwrap_or_else(crate::actions::audit::os_user);
    // Masks apply in training as on a cluster: the trainee's own `mask_annotations`.
    let masks = crate::config::load(None)?.mask_annotations;
    let scenarios = scenarios.into_iter().map(|scenario| scenario.masked_with(&masks)).collect();
    let session = Session { read_only: false, theme: args.theme.clone(), config: None };
    Ok(Next::Train { scenarios, first, record: args.record.clone(), trainee, session })
}

fn list() -> Result<i32, CliError> {
    let scenarios = scenario::embedded()?;
    let mut out = format!("{:<18} {:<13} {}\n", "SCENARIO", "DIFFICULTY", "WHAT IT TEACHES");
    for scenario in &scenarios {
        out.push_str(&format!(
            "{:<18} {:<13} {}\n{:<32} practises {}\n",
            scenario.name,
            scenario.drill.difficulty.as_str(),
            scenario.drill.teaches,
            "",
            scenario.drill.situation
        ));
    }
    out.push_str(&format!(
        "\n{} scenario(s). Play one with `kdrift train NAME`, or pick with `kdrift train`.\n",
        scenarios.len()
    ));
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(EXIT_CLEAN)
}

fn check(path: &std::path::Path) -> Result<i32, CliError> {
    let scenario = scenario::load_dir(path)?;
    let drill = &scenario.drill;
    let owners = drill.findings.iter().filter(|f| f.owner.is_some()).count();
    println!(
        "{}: scenario '{}' is valid: {} prediction(s), {} finding(s) to classify ({} with an owner question), {} decision(s), agreeing with the engine",
        path.display(),
        scenario.name,
        drill.predict.len(),
        drill.findings.len(),
        owners,
        drill.decide.len()
    );
    Ok(EXIT_CLEAN)
}
