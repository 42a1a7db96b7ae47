//! `kdrift scan --repo R --live L` without `--path` or `--app`: every app the repository's
//! `.kdrift.yaml` catalog names, or else every Argo CD Application and Flux Kustomization in
//! the live snapshot, scanned against its own path (and target revision) in the repository.

use crate::cli::input;
use crate::cli::scan::build_app;
use crate::cli::{CliError, SourceArgs};
use crate::model::{AppReport, DriftReport, SyncStatus};
use crate::sources::apps::{self, AppDefinition};
use crate::sources::{self, files, git};
use std::path::Path;

/// Discovery applies when a repository is given without naming the app or its path.
pub fn wanted(args: &SourceArgs) -> bool {
    args.repo.is_some() && args.path.is_none() && args.app.is_none()
}

/// Scans every discovered app; returns the report and a label naming the sources.
pub fn scan_all(args: &SourceArgs) -> Result<(DriftReport, String), CliError> {
    let (Some(repo), Some(live)) = (&args.repo, &args.live) else {
        return Err(CliError::NoSource);
    };
    let revision = args.revision.as_deref().unwrap_or("HEAD");
    let definitions = discover(repo, revision, live)?;
    let mut reports = Vec::with_capacity(definitions.len());
    for definition in definitions {
        reports.push(scan_one(args, repo, &definition)?);
    }
    let label = format!("git {} vs snapshot {}", repo.display(), live.display());
    Ok((DriftReport::new(reports), label))
}

/// The catalog's apps when the repository has one, else the app objects in the snapshot.
fn discover(repo: &Path, revision: &str, live: &Path) -> Result<Vec<AppDefinition>, CliError> {
    if let Some(text) = git::read_file(repo, revision, apps::CATALOG_FILE).map_err(sources::SourceError::from)? {
        let origin = format!("{}@{revision}", apps::CATALOG_FILE);
        return apps::parse_catalog(&text, &origin).map_err(CliError::Catalog);
    }
    let mut found: Vec<AppDefinition> = Vec::new();
    files::for_each_manifest(live, |manifest| {
        if let Some(app) = apps::from_object(&manifest.object, &manifest.origin)
            && !found.iter().any(|known| known.name == app.name)
        {
            found.push(app);
        }
    })
    .map_err(sources::SourceError::from)?;
    if found.is_empty() {
        return Err(CliError::NoApps(live.display().to_string()));
    }
    Ok(found)
}

/// One app: its path at its revision (an explicit `--revision` wins; a target revision the
/// local repository lacks falls back to HEAD, with a note saying so).
fn scan_one(args: &SourceArgs, repo: &Path, definition: &AppDefinition) -> Result<AppReport, CliError> {
    let mut note = None;
    let revision = match (&args.revision, &definition.revision) {
        (Some(explicit), _) => explicit.clone(),
        (None, Some(target)) if git::has_revision(repo, target) => target.clone(),
        (None, Some(target)) if git::has_revision(repo, &format!("origin/{target}")) => format!("origin/{target}"),
        (None, Some(target)) => {
            note = Some(format!(
                "{} targets revision '{target}', which this repository does not have: compared against HEAD",
                definition.origin
            ));
            "HEAD".to_owned()
        }
        (None, None) => "HEAD".to_owned(),
    };
    let app_args = SourceArgs {
        app: Some(definition.name.clone()),
        namespace: args.namespace.clone().or_else(|| Some(definition.namespace.clone())),
        revision: Some(revision),
        path: Some(definition.path.clone()),
        ..args.clone()
    };
    let mut report = match input::resolve(&app_args) {
        Ok(input) => build_app(input)?,
        // One app whose path or revision is missing must not hide the others.
        Err(CliError::Source(error @ sources::SourceError::Git(_))) => AppReport {
            name: definition.name.clone(),
            sync_status: SyncStatus::Unknown,
            findings: Vec::new(),
            resources: Vec::new(),
            notes: vec![format!("not compared: {error}")],
            owner_team: None,
            criticality: None,
        },
        Err(other) => return Err(other),
    };
    report.notes.extend(note);
    report.owner_team.clone_from(&definition.owner_team);
    report.criticality.clone_from(&definition.criticality);
    report.apply_criticality();
    Ok(report)
}
