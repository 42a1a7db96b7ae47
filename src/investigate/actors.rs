//! Who made each drifted field's write: the audit log (`--audit-log`, the config's
//! `audit_log`, a sample's own) is read once for all apps, keeping only writes to objects
//! whose findings name a managedFields time, and each owner gets the actor its write
//! matches. No match leaves the owner as it was: nothing is invented.

use crate::investigate::{AppData, InvestigateError, SourceSpec, kind_names};
use crate::model::{AppReport, Owner, ResourceReport};
use crate::sources::audit::{AuditIndex, ObjectId, Wanted};
use std::path::PathBuf;

/// Where an audit log comes from.
pub(crate) enum AuditSource<'a> {
    Files(Vec<PathBuf>),
    /// An embedded sample's log: its label and text.
    Text(&'a str, &'a str),
}

impl AuditSource<'static> {
    /// The log `spec` names (files from the command line and the config), else the sample's.
    pub(crate) fn of(spec: &SourceSpec) -> Result<Option<AuditSource<'static>>, InvestigateError> {
        let config = crate::config::load(spec.config.as_deref())?;
        let files: Vec<PathBuf> = config.audit_log.into_iter().chain(spec.audit_log.iter().cloned()).collect();
        if !files.is_empty() {
            return Ok(Some(AuditSource::Files(files)));
        }
        Ok(spec.sample.as_deref().and_then(AuditSource::sample))
    }

    /// An embedded sample's log, when it ships one.
    pub(crate) fn sample(name: &str) -> Option<AuditSource<'static>> {
        crate::sources::samples::audit_log(name).map(|text| AuditSource::Text("the sample's audit.jsonl", text))
    }
}

/// Reads `source` for the writes behind `apps`' findings and attaches their actors; the
/// log's remarks (lines that are not events) join `notes`.
pub(crate) fn attach(
    apps: &mut [AppData],
    source: &AuditSource<'_>,
    notes: &mut Vec<String>,
) -> Result<(), InvestigateError> {
    let mut wanted = Wanted::default();
    for app in apps.iter() {
        for (resource, owner) in owners(&app.report) {
            if let Some(time) = owner.time.as_deref().and_then(crate::engine::time::parse_rfc3339) {
                wanted.add(object_id(resource), time);
            }
        }
    }
    if wanted.is_empty() {
        // No owner names a time: no write to look for, and no need to read the log.
        return Ok(());
    }
    let index = match source {
        AuditSource::Files(paths) => {
            AuditIndex::read_paths(paths, &wanted).map_err(crate::sources::SourceError::from)?
        }
        AuditSource::Text(label, text) => AuditIndex::read_text(label, text, &wanted),
    };
    for note in &index.notes {
        if !notes.contains(note) {
            notes.push(note.clone());
        }
    }
    let index = std::sync::Arc::new(index);
    for app in apps {
        attach_index(&mut app.report, &index);
        app.audit = Some(index.clone());
    }
    Ok(())
}

/// Attaches the actors `index` holds to `report`'s owners, and says which log was read.
pub(crate) fn attach_index(report: &mut AppReport, index: &AuditIndex) {
    for resource in &mut report.resources {
        attach_resource(resource, index);
    }
    report.audit_log = Some(index.coverage.clone());
}

/// The same for one resource's owners.
pub(crate) fn attach_resource(resource: &mut ResourceReport, index: &AuditIndex) {
    let id = object_id(resource);
    let kind = resource.kind.to_ascii_lowercase();
    for finding in &mut resource.findings {
        if let Some(owner) = &mut finding.owner {
            owner.actor = index.actor_for(&id, |plural| kind_names::names_kind(&kind, plural), owner).map(Box::new);
        }
    }
}

/// Every owner of `report`'s findings, with its resource.
fn owners(report: &AppReport) -> impl Iterator<Item = (&ResourceReport, &Owner)> {
    report
        .resources
        .iter()
        .flat_map(|resource| resource.findings.iter().filter_map(move |f| f.owner.as_ref().map(|o| (resource, o))))
}

fn object_id(resource: &ResourceReport) -> ObjectId {
    ObjectId { group: resource.group.clone(), namespace: resource.namespace.clone(), name: resource.name.clone() }
}
