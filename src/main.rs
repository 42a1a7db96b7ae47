//! The `kdrift` binary: parse the command line, run, and turn every error into one line on
//! stderr with exit code 2 — never a backtrace.

use clap::Parser;
use kdrift::cli::{self, Cli, EXIT_ERROR, Next};
use kdrift::tui;
use std::process::ExitCode;

/// The engine allocates many small maps and strings; mimalloc makes a 10,000-object scan
/// about a third faster than the system allocator (measured in benches/engine.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A panic is a bug, but the user still gets one line instead of a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        eprintln!("kdrift: internal error: {message} (please report this)");
    }));
    // The jq evaluator's worker: a hidden mode of this same binary (sources::jq_worker).
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|first| first == kdrift::sources::jq_worker::SUBCOMMAND) {
        let memory = args.next().and_then(|m| m.to_str()?.parse().ok()).unwrap_or(1 << 30);
        return ExitCode::from(u8::try_from(kdrift::sources::jq_worker::serve(memory)).unwrap_or(2));
    }
    // Every jq expression of an ignore rule runs in a bounded worker, never in this process.
    if let Ok(exe) = std::env::current_exe() {
        kdrift::engine::ignore::jq::install(Box::new(kdrift::sources::jq_worker::WorkerEvaluator::new(exe)));
    }
    let cli = Cli::parse();
    let code = match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => {
            eprintln!("kdrift: error: {}", kdrift::sanitize::clean_line(&error_chain(error.as_ref())));
            EXIT_ERROR
        }
        Err(_) => EXIT_ERROR,
    };
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}

/// Runs the command line; an interactive session it asks for opens here, so the command
/// line and the TUI never depend on each other.
fn run(cli: Cli) -> Result<i32, Box<dyn std::error::Error>> {
    let start = |session: cli::Session| tui::Start {
        read_only: session.read_only,
        theme: session.theme,
        config: session.config,
    };
    Ok(match cli::run(cli)? {
        Next::Exit(code) => code,
        Next::Tui { request, session } => tui::run(request, &start(session))?,
        Next::Train { scenarios, first, record, trainee, session } => {
            let training = tui::train_state::Training::new(scenarios, record, trainee);
            tui::run_training(training, first, &start(session))?
        }
    })
}

/// "outer: inner: root cause" on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
