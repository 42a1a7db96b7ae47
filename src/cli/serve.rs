//! `kdrift serve`: the flags turned into a monitoring session, or `--print-rules`.

use crate::cli::{CliError, EXIT_CLEAN, RulesFormat, ServeArgs};
use crate::investigate::Request;
use crate::report::alert_rules::{self, RuleOptions};
use crate::serve::ServeOptions;
use std::io::Write as _;
use std::time::Duration;

pub(crate) fn run(args: &ServeArgs) -> Result<i32, CliError> {
    let mut spec = crate::cli::sources(&args.source, Some("serve"))?;
    let config = crate::config::load(spec.config.as_deref())?;
    if let Some(format) = args.print_rules {
        let runbook_url = (args.runbook_url.clone().or(config.runbook_url))
            .unwrap_or_else(|| alert_rules::DEFAULT_RUNBOOK_URL.to_owned());
        let options = RuleOptions { runbook_url, app: None };
        let rules = match format {
            RulesFormat::RuleFile => alert_rules::render(&options),
            RulesFormat::PrometheusRule => alert_rules::prometheus_rule(&options),
        };
        std::io::stdout().write_all(rules.as_bytes())?;
        return Ok(EXIT_CLEAN);
    }
    // A monitor's log is its stderr (a pod's log), at info and above.
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(false).with_target(false).try_init();
    // A monitor reads, every interval: no access review and no dry-run writes to ask for
    // (a read-only ServiceAccount may do neither), the offline table decides defaults.
    spec.review_access = false;
    spec.no_server_dry_run = true;
    let owner_labels = config
        .owner_labels
        .unwrap_or_else(|| crate::investigate::summary::DEFAULT_OWNER_LABELS.iter().map(|l| (*l).to_owned()).collect());
    let audit_token = match &args.audit_webhook_token_file {
        Some(path) => Some(crate::serve::read_token(path)?),
        None => None,
    };
    crate::serve::run(ServeOptions {
        request: Request::Sources(Box::new(spec)),
        audit_token,
        listen: args.listen,
        interval: Duration::from_secs(args.interval),
        owner_labels,
        on_listening: Some(|bound| {
            eprintln!("kdrift serve: listening on http://{bound} (/metrics, /api/v1/report, /healthz, /readyz)");
        }),
    })?;
    Ok(EXIT_CLEAN)
}
