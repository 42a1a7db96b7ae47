//! `kdrift diff`: the side-by-side view of each drifted resource (or the one asked for).

use crate::cli::{CliError, DiffArgs, EXIT_CLEAN, EXIT_DRIFT, warn};
use crate::investigate::{self, AppData, InvestigateError, Keep, Request, ResourceFilter};
use crate::model::{ResourceReport, ResourceStatus};
use crate::report::diff_view::{DiffOptions, render_resource};
use crate::sanitize::clean;
use std::io::Write as _;

pub(crate) fn run(args: &DiffArgs) -> Result<i32, CliError> {
    let filter = args.resource.as_deref().map(ResourceFilter::parse).transpose()?;
    let mut spec = crate::cli::sources(&args.source, Some("diff"))?;
    spec.review_access = false;
    let config = crate::config::load(spec.config.as_deref())?;
    let keep = filter.clone().map_or(Keep::Shown, Keep::Only);
    let investigation = investigate::load(&Request::Sources(Box::new(spec)), &keep)?;
    warn(&investigation.notes);
    let mut out = String::new();
    let mut shown_any = false;
    let style = args.color.style();
    for app in &investigation.apps {
        let options =
            DiffOptions { style, width: args.width.or_else(columns).unwrap_or(160), full: args.full, now: app.now };
        let wanted = |resource: &ResourceReport| filter.as_ref().is_none_or(|f| app.asked_for(f, &resource.key()));
        shown_any |= render_app(app, &wanted, filter.is_some(), &config.mask_annotations, &options, &mut out);
    }
    if let (Some(f), false) = (&filter, shown_any) {
        return Err(InvestigateError::NoSuchResource(f.text.clone()).into());
    }
    // Manager names, values and renderer errors come from data: each is cleaned where it is
    // written, and this last pass is the net under that rule.
    let out = crate::sanitize::clean_output(&out, style.color);
    std::io::stdout().write_all(out.as_bytes())?;
    let needs_action = investigation.apps.iter().flat_map(|app| app.report.all_findings()).any(|f| f.needs_action());
    Ok(if args.exit_code && needs_action { EXIT_DRIFT } else { EXIT_CLEAN })
}

/// One app's findings and resources; whether any resource was shown.
fn render_app(
    app: &AppData,
    wanted: &dyn Fn(&ResourceReport) -> bool,
    named: bool,
    mask_annotations: &[String],
    options: &DiffOptions,
    out: &mut String,
) -> bool {
    let report = &app.report;
    let shown: Vec<&ResourceReport> =
        report.resources.iter().filter(|r| wanted(r)).filter(|r| named || r.status != ResourceStatus::Synced).collect();
    for finding in &report.findings {
        // Why the comparison may be stale or impossible (a render failure, a failed apply).
        let reason = clean(&finding.reason);
        out.push_str(&format!("── {} · {}: {reason}\n\n", clean(&report.name), finding.category.as_str()));
    }
    for resource in &shown {
        let key = resource.key();
        match app.objects.get(&key).and_then(|pair| pair.normalized(resource, mask_annotations)) {
            Some((desired, live)) => out.push_str(&render_resource(resource, &desired, &live, options)),
            None => {
                // Missing or orphan: nothing to put side by side; say so with the reason and,
                // for an orphan, who put it there.
                let (reason, owner) = crate::report::alone_phrase(resource);
                let owner = if owner.is_empty() { owner } else { format!(" (owner: {owner})") };
                let line = format!("── {key} · {}{owner}: {reason}\n", resource.status.as_str());
                out.push_str(&clean(&line));
            }
        }
        out.push('\n');
    }
    if shown.is_empty() && report.findings.is_empty() && !named {
        out.push_str(&format!("{}: no drift\n", clean(&report.name)));
    }
    !shown.is_empty()
}

/// The terminal's width when stdout is one, else `$COLUMNS`.
fn columns() -> Option<usize> {
    let from_terminal = terminal_size::terminal_size_of(std::io::stdout()).map(|(width, _)| usize::from(width.0));
    from_terminal.or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
}
