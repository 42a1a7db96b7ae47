//! Running the engine over one app's resolved input while the keeper sees every object; on
//! a cluster, the API server's dry runs and the access review join the report.

use crate::engine::Comparator;
use crate::investigate::InvestigateError;
use crate::investigate::input::Input;
use crate::investigate::keep::{Kept, Side};
use crate::model::{AppReport, SyncStatus};
use crate::sources::cluster::blocking::Session;
use crate::sources::cluster::read::LiveRead;
use std::rc::Rc;

/// Runs the engine over the input. `kept` sees every desired and live object before the
/// engine takes it.
pub(crate) fn compare(mut input: Input, kept: &mut Kept) -> Result<AppReport, InvestigateError> {
    let (cluster, review_access) = (input.cluster.take(), input.review_access);
    let mut report = match input.render_failure.take() {
        Some(finding) => AppReport::not_compared(input.app, vec![finding], Vec::new()),
        None => run_engine(input, cluster.as_ref(), kept)?,
    };
    if let Some((session, read)) = cluster {
        // What could not be read comes first: it qualifies everything below it.
        report.findings.splice(0..0, read.findings.iter().cloned());
        report.notes.extend(read.notes.iter().cloned());
        // Objects left uncompared: the app cannot be called in sync.
        if !read.unreadable.is_empty() && report.sync_status == SyncStatus::Synced {
            report.sync_status = SyncStatus::Unknown;
        }
        if review_access {
            report.permissions = session.permissions(&report, &read);
        }
    }
    Ok(report)
}

/// Feeds desired then live objects to the engine; on a cluster, asks the API server's dry
/// run about the drifted pairs before the engine classifies them.
fn run_engine(
    input: Input,
    cluster: Option<&(Rc<Session>, LiveRead)>,
    kept: &mut Kept,
) -> Result<AppReport, InvestigateError> {
    let Input { app, app_name_guessed, namespace, now, desired, live, engine, server_dry_run, .. } = input;
    let mut comparator = Comparator::new(&engine, &app, &namespace, now);
    if app_name_guessed {
        comparator = comparator.app_name_guessed();
    }
    if let Some((_, read)) = cluster {
        kept.learn(read.resources.served_names());
    }
    let mut duplicate = None;
    let mut skipped = desired.for_each(|manifest| {
        kept.observe(Side::Desired, &manifest);
        if duplicate.is_none() {
            duplicate = comparator.add_desired(manifest).err();
        }
    })?;
    if let Some(error) = duplicate {
        return Err(error.into());
    }
    skipped.extend(live.for_each(|manifest| {
        kept.observe(Side::Live, &manifest);
        comparator.observe_live(manifest);
    })?);
    let mut notes = skipped;
    if let (Some((session, read)), true) = (cluster, server_dry_run) {
        // The API server settles what it produces itself (defaults, admission changes).
        let runs = session.dry_run(read, comparator.dry_run_requests());
        for answer in runs.answers {
            comparator.add_predicted(&answer.key, &answer.manager, answer.object);
        }
        notes.extend(runs.notes);
    }
    let mut report = comparator.finish()?;
    report.notes.extend(notes);
    Ok(report)
}
