//! `kdrift scan` without `--path` (or, on a cluster, without any desired source): every app
//! the repository's `.kdrift.yaml` catalog names, or else every Argo CD Application and Flux
//! Kustomization in the live snapshot or cluster, each scanned against its own path (and
//! target revision) in the repository. On a cluster with no `--repo`, an app is compared
//! when the current directory is a clone of the repository it deploys from.

use crate::engine::partition::LivePool;
use crate::investigate::input::{self, LiveSource, Objects, SharedObjects};
use crate::investigate::keep::{AppData, Keep};
use crate::investigate::spec::{RendererChoice, SourceSpec};
use crate::investigate::{InvestigateError, investigate_app};
use crate::model::{AppReport, ControllerKind};
use crate::sources::apps::{self, AppDefinition};
use crate::sources::{self, files, git};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Discovery applies when a repository is given without naming the app or its path, or when
/// no source is given at all and live state comes from a cluster.
pub(crate) fn wanted(args: &SourceSpec) -> bool {
    let nothing_given = args.sample.is_none() && args.desired.is_none() && args.live.is_none();
    match &args.repo {
        Some(_) => args.path.is_none() && args.app.is_none(),
        None => nothing_given,
    }
}

/// Scans every discovered app; returns them, a label naming the sources, and notes about
/// the app definitions that could not be read.
pub(crate) fn scan_all(
    args: &SourceSpec,
    keep: &Keep,
) -> Result<(Vec<AppData>, String, Vec<String>), InvestigateError> {
    let live = LiveSource::from_spec(args)?;
    let mut notes = Vec::new();
    let revision = args.revision.as_deref().unwrap_or("HEAD");
    let catalog = match &args.repo {
        Some(repo) => catalog(repo, revision)?,
        None => None,
    };
    // A snapshot is read once for every app (after the catalog, which may make it moot);
    // each app is then fed its share of it.
    let mut pool = None;
    let read_pool = |pool: &mut Option<SharedSnapshot>| -> Result<(), InvestigateError> {
        if let (LiveSource::Snapshot(path), None) = (&live, &pool) {
            *pool = Some(SharedSnapshot::read(path, args)?);
        }
        Ok(())
    };
    let mut definitions = match catalog {
        Some(definitions) => definitions,
        None => {
            read_pool(&mut pool)?;
            live_apps(&live, pool.as_ref(), &mut notes)?
        }
    };
    if let Some(only) = &args.app {
        definitions.retain(|d| d.name == *only);
        if definitions.is_empty() {
            return Err(InvestigateError::NoSuchApp(only.clone(), live.label()));
        }
    }
    read_pool(&mut pool)?;
    let mut apps = Vec::with_capacity(definitions.len());
    for definition in definitions {
        apps.push(scan_one(args, &live, pool.as_ref(), &definition, keep, &mut notes)?);
    }
    let label = match &args.repo {
        Some(repo) => format!("git {} vs {}", repo.display(), live.label()),
        None => live.label(),
    };
    Ok((apps, label, notes))
}

/// The repository's catalog at `revision`, when it has one.
fn catalog(repo: &Path, revision: &str) -> Result<Option<Vec<AppDefinition>>, InvestigateError> {
    let Some(text) = git::read_file(repo, revision, apps::CATALOG_FILE).map_err(sources::SourceError::from)? else {
        return Ok(None);
    };
    let origin = format!("{}@{revision}", apps::CATALOG_FILE);
    apps::parse_catalog(&text, &origin).map(Some).map_err(InvestigateError::Catalog)
}

/// A live snapshot read once, and what its walk skipped (each app's report says so).
struct SharedSnapshot {
    pool: Rc<LivePool>,
    skipped: Vec<String>,
}

impl SharedSnapshot {
    fn read(path: &Path, args: &SourceSpec) -> Result<SharedSnapshot, InvestigateError> {
        let (engine, _) = input::engine_config(args)?;
        let mut pool = LivePool::new(&engine.instance_label);
        let skipped =
            files::for_each_manifest(path, |manifest| pool.add(manifest)).map_err(sources::SourceError::from)?;
        Ok(SharedSnapshot { pool: Rc::new(pool), skipped })
    }

    /// The app's share of the snapshot, given its desired objects.
    fn share(&self, app: &str, desired: &Objects) -> Objects {
        let desired = match desired {
            Objects::Loaded(manifests) => manifests.as_slice(),
            Objects::Path(_) | Objects::Shared(_) | Objects::Compact(_) => &[],
        };
        let ids = self.pool.share_ids(app, desired);
        Objects::Shared(SharedObjects { pool: Rc::clone(&self.pool), ids, notes: self.skipped.clone() })
    }
}

/// The app objects among the live state.
fn live_apps(
    live: &LiveSource,
    pool: Option<&SharedSnapshot>,
    notes: &mut Vec<String>,
) -> Result<Vec<AppDefinition>, InvestigateError> {
    let mut found: Vec<AppDefinition> = Vec::new();
    let mut add = |manifest: crate::engine::Manifest| {
        if let Some(app) = apps::from_object(&manifest.object, &manifest.origin)
            && !found.iter().any(|known| known.name == app.name)
        {
            found.push(app);
        }
    };
    match (live, pool) {
        // What the walk skipped is noted by each app's own scan.
        (_, Some(pool)) => pool.pool.definitions().into_iter().for_each(add),
        (LiveSource::Snapshot(path), None) => {
            drop(files::for_each_manifest(path, add).map_err(sources::SourceError::from)?)
        }
        (LiveSource::Cluster(session), None) => {
            let (objects, unread) = session.app_definitions().map_err(sources::SourceError::from)?;
            notes.extend(unread);
            objects.into_iter().for_each(&mut add);
        }
    }
    if found.is_empty() {
        return Err(InvestigateError::NoApps(live.label()));
    }
    Ok(found)
}

/// One app: its path at its revision in its repository. An explicit `--revision` wins; else
/// the commit the controller last compared or tried, else its target revision; one the
/// local repository lacks falls back to HEAD, with a note saying so.
fn scan_one(
    args: &SourceSpec,
    live: &LiveSource,
    pool: Option<&SharedSnapshot>,
    definition: &AppDefinition,
    keep: &Keep,
    notes: &mut Vec<String>,
) -> Result<AppData, InvestigateError> {
    let is_argo = definition.controller.as_ref().is_some_and(|c| c.kind == ControllerKind::ArgoApplication);
    if let (Some(argo), true) = (&args.argocd, is_argo) {
        return from_argocd(args, argo, live, pool, definition, keep, notes);
    }
    if let Some(chart) = &definition.chart {
        let note = format!(
            "desired state not read: Helm chart '{chart}' comes from a chart repository; give --argocd-server URL to compare what Argo CD rendered"
        );
        return Ok(AppData::alone(not_compared(definition, note), live.kind()));
    }
    let Some(repo) = repository_for(args, definition) else {
        // No clone: a Flux app on a cluster compares against the artifact Flux applies.
        if let (Some(kustomization), LiveSource::Cluster(session)) = (&definition.flux, live) {
            let mut data =
                match crate::investigate::flux_input::compare(args, session, live, kustomization, keep, notes)? {
                    Ok(data) => data,
                    Err(note) => AppData::alone(not_compared(definition, note), live.kind()),
                };
            if data.report.controller.is_none() {
                data.report.controller.clone_from(&definition.controller);
            }
            return Ok(data);
        }
        return Ok(AppData::alone(not_compared(definition, not_cloned_note(definition)), live.kind()));
    };
    let mut note = None;
    // Argo CD's status.sync.revision is the exact commit it compared against.
    let compared = definition
        .controller
        .as_ref()
        .filter(|c| c.kind == ControllerKind::ArgoApplication)
        .and_then(|c| c.revision.clone());
    let candidates: Vec<String> = compared.into_iter().chain(definition.revision.clone()).collect();
    let revision = match (&args.revision, candidates.first()) {
        (Some(explicit), _) => explicit.clone(),
        (None, None) => "HEAD".to_owned(),
        (None, Some(_)) => match pick_revision(&repo, &candidates) {
            Some(found) => found,
            None => {
                note = Some(format!(
                    "{} targets revision '{}', which this repository does not have: compared against HEAD",
                    definition.origin,
                    candidates.join("' or '")
                ));
                "HEAD".to_owned()
            }
        },
    };
    let renderer = match (args.renderer, definition.renderer.as_deref().and_then(RendererChoice::from_name)) {
        (RendererChoice::Auto, Some(catalog)) => catalog,
        (given, _) => given,
    };
    let app_args = SourceSpec {
        renderer,
        app: Some(definition.name.clone()),
        // The controller's destination decides where Git's namespace-less objects go; `-n`
        // stands in when it says nothing, and outranks the catalog (README: namespaces).
        namespace: definition
            .destination
            .clone()
            .or_else(|| args.namespace.clone())
            .or_else(|| definition.catalog_namespace.clone()),
        repo: Some(repo),
        revision: Some(revision),
        path: Some(definition.path.clone()),
        ..args.clone()
    };
    if let (Some(given), Some(destination)) = (&args.namespace, &definition.destination)
        && given != destination
    {
        note = note.or(Some(format!(
            "{} deploys to namespace '{destination}', so objects Git leaves without a namespace were compared there, not in '{given}' (-n)",
            definition.origin
        )));
    }
    let mut data = match input::resolve_with(&app_args, live) {
        Ok(mut input) => {
            // A failed render compares nothing: no share is needed.
            if let (Some(pool), None) = (pool, &input.render_failure) {
                input.live = pool.share(&input.app, &input.desired);
            }
            investigate_app(input, keep, live.kind(), notes)?
        }
        // One app whose path or revision is missing must not hide the others.
        Err(error @ (InvestigateError::Source(sources::SourceError::Git(_)) | InvestigateError::Renderer(_))) => {
            AppData::alone(not_compared(definition, format!("not compared: {error}")), live.kind())
        }
        Err(other) => return Err(other),
    };
    let report = &mut data.report;
    report.notes.extend(note);
    report.owner_team.clone_from(&definition.owner_team);
    report.criticality.clone_from(&definition.criticality);
    if report.controller.is_none() {
        report.controller.clone_from(&definition.controller);
    }
    report.apply_criticality();
    Ok(data)
}

/// An Argo CD app compared against what Argo CD rendered for it (`--argocd-server`). A
/// failure naming this app alone (denied, unknown, unreadable) is its note; one that would
/// fail every app (no token, refused token, unreachable) is the scan's error.
fn from_argocd(
    args: &SourceSpec,
    argo: &crate::sources::argocd::ArgoSpec,
    live: &LiveSource,
    pool: Option<&SharedSnapshot>,
    definition: &AppDefinition,
    keep: &Keep,
    notes: &mut Vec<String>,
) -> Result<AppData, InvestigateError> {
    use crate::sources::argocd::{ArgoError, ArgoSpec};
    if let Some(cluster) = &definition.destination_cluster {
        // Its objects live in that cluster, not in the one read here.
        let note = format!("not compared: it deploys to cluster '{cluster}'; read that cluster's context");
        return Ok(AppData::alone(not_compared(definition, note), live.kind()));
    }
    let app_namespace = definition.controller.as_ref().and_then(|c| c.object.as_ref()).map(|o| o.namespace.clone());
    let app_args = SourceSpec {
        app: Some(definition.name.clone()),
        namespace: definition.destination.clone().or_else(|| args.namespace.clone()),
        argocd: Some(ArgoSpec { app_namespace: app_namespace.filter(|ns| !ns.is_empty()), ..argo.clone() }),
        ..args.clone()
    };
    let mut data = match input::resolve_with(&app_args, live) {
        Ok(mut input) => {
            if let Some(pool) = pool {
                input.live = pool.share(&input.app, &input.desired);
            }
            investigate_app(input, keep, live.kind(), notes)?
        }
        Err(InvestigateError::Source(sources::SourceError::Argo(
            error @ (ArgoError::Forbidden { .. }
            | ArgoError::Refused { .. }
            | ArgoError::BadAnswer { .. }
            | ArgoError::NothingRendered { .. }),
        ))) => AppData::alone(not_compared(definition, format!("not compared: {error}")), live.kind()),
        Err(other) => return Err(other),
    };
    let report = &mut data.report;
    if report.controller.is_none() {
        report.controller.clone_from(&definition.controller);
    }
    report.apply_criticality();
    Ok(data)
}

/// The first candidate revision the repository has, as it is or as `origin/<name>`.
fn pick_revision(repo: &Path, candidates: &[String]) -> Option<String> {
    candidates.iter().find_map(|candidate| {
        [candidate.clone(), format!("origin/{candidate}")].into_iter().find(|rev| git::has_revision(repo, rev))
    })
}

/// `--repo`, else the current directory when it is a clone of the app's repository.
fn repository_for(args: &SourceSpec, definition: &AppDefinition) -> Option<PathBuf> {
    if let Some(repo) = &args.repo {
        return Some(repo.clone());
    }
    let url = definition.repo_url.as_deref()?;
    let here = Path::new(".");
    git::remote_matches(here, url).then(|| here.to_owned())
}

fn not_cloned_note(definition: &AppDefinition) -> String {
    match &definition.repo_url {
        Some(url) => {
            format!("desired state not read: give --repo PATH (a clone of {url}), or run kdrift inside such a clone")
        }
        None => "desired state not read: give --repo PATH (a clone of the repository the app deploys from)".to_owned(),
    }
}

/// An app kdrift could not compare: what its controller says, and why kdrift could not.
fn not_compared(definition: &AppDefinition, note: String) -> AppReport {
    AppReport {
        owner_team: definition.owner_team.clone(),
        criticality: definition.criticality.clone(),
        controller: definition.controller.clone(),
        delivery_blocked: definition.delivery_blocked.clone(),
        audit_log: None,
        ..AppReport::not_compared(definition.name.clone(), definition.availability.clone(), vec![note])
    }
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
