//! Several clusters at once (`--contexts`, `--all-contexts`): each context is read exactly as
//! a single one would be, a few at a time, and its apps are tagged with the context they came
//! from. A context that cannot be read is a note naming it — the others still show — and only
//! when none can be read is the whole load an error.

use crate::investigate::{InvestigateError, Investigation, Keep, SourceSpec};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Contexts read at the same time: each holds a connection and a worker thread, and a
/// kubeconfig may name hundreds.
const AT_ONCE: usize = 8;

/// One context's load, as `load_sources` does it for a single context.
pub(crate) type LoadOne = fn(&SourceSpec, &Keep) -> Result<Investigation, InvestigateError>;

/// Loads every context of `spec.contexts` with `load_one`, in the order given.
pub(crate) fn load(spec: &SourceSpec, keep: &Keep, load_one: LoadOne) -> Result<Investigation, InvestigateError> {
    let config = crate::config::load(spec.config.as_deref())?;
    let specs: Vec<SourceSpec> = spec
        .contexts
        .iter()
        .map(|context| SourceSpec {
            context: Some(context.clone()),
            contexts: Vec::new(),
            // A read-only context is asked nothing that looks like a write, not even a dry run.
            no_server_dry_run: spec.no_server_dry_run || config.is_read_only(context),
            ..spec.clone()
        })
        .collect();
    let results: Vec<Mutex<Option<Result<Investigation, String>>>> = specs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..AT_ONCE.min(specs.len()) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(one) = specs.get(index) else { break };
                    // A load that panicked is that context's failure, not the end of the others.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load_one(one, keep)))
                        .map_err(|_| "reading it stopped unexpectedly".to_owned())
                        .and_then(|result| match result {
                            // A cluster with no GitOps apps (a spoke, a local kind) was read:
                            // it has nothing to show, which is not a failure.
                            Err(InvestigateError::NoApps(_)) => Ok(Investigation {
                                notes: vec!["no Argo CD Application or Flux Kustomization there".to_owned()],
                                ..Investigation::default()
                            }),
                            result => result.map_err(|error| error.to_string()),
                        });
                    if let Some(Ok(mut slot)) = results.get(index).map(Mutex::lock) {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    let label = crate::investigate::Request::Sources(Box::new(spec.clone())).label();
    let mut merged = Investigation { label, ..Investigation::default() };
    let mut read = 0;
    for (context, slot) in spec.contexts.iter().zip(results) {
        match slot.into_inner().ok().flatten() {
            Some(Ok(one)) => {
                read += 1;
                merged.notes.extend(one.notes.into_iter().map(|note| format!("{context}: {note}")));
                for mut app in one.apps {
                    app.report.cluster = Some(context.clone());
                    merged.apps.push(app);
                }
            }
            // Cluster errors already name their context.
            Some(Err(why)) if why.starts_with(&format!("context '{context}'")) => merged.unreachable.push(why),
            Some(Err(why)) => merged.unreachable.push(format!("context {context}: {why}")),
            None => merged.unreachable.push(format!("context {context}: not read")),
        }
    }
    if read == 0 {
        return Err(InvestigateError::NoContext(merged.unreachable.join("; ")));
    }
    // Unreachable contexts first: they are what the responder must not overlook.
    let mut notes = merged.unreachable.clone();
    notes.append(&mut merged.notes);
    merged.notes = notes;
    Ok(merged)
}
