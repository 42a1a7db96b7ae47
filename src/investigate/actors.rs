//! Who made each drifted field's write: the audit log (`--audit-log`, the config's
//! `audit_log`, a sample's own) is read once for all apps, keeping only writes to objects
//! whose findings name a managedFields time, and each owner gets the actor its write
//! matches. No match leaves the owner as it was: nothing is invented.

use crate::investigate::{AppData, InvestigateError, SourceSpec, kind_names};
use crate::model::{Actor, ActorSource, AppReport, MatchQuality, Owner, ResourceReport, SyncRun};
use crate::sources::audit::{AuditIndex, ObjectId, Wanted};
use std::path::PathBuf;

/// Where an audit log comes from.
pub(crate) enum AuditSource<'a> {
    /// Files the command line names (`from_config`: the config's, for the context read —
    /// one that cannot be read is a note, not a failed load).
    Files { paths: Vec<PathBuf>, from_config: bool },
    /// An embedded sample's log: its label and text.
    Text(&'a str, &'a str),
}

impl AuditSource<'static> {
    /// The log `spec` names: `--audit-log`, else the config's for the context read, else
    /// the sample's own.
    pub(crate) fn of(spec: &SourceSpec) -> Result<Option<AuditSource<'static>>, InvestigateError> {
        if !spec.audit_log.is_empty() {
            return Ok(Some(AuditSource::Files { paths: spec.audit_log.clone(), from_config: false }));
        }
        if let Some(sample) = &spec.sample {
            return Ok(AuditSource::sample(sample));
        }
        let on_cluster = spec.live.is_none();
        let config = crate::config::load(spec.config.as_deref())?;
        if !on_cluster || config.audit_logs.is_empty() {
            return Ok(None);
        }
        let context = crate::sources::cluster::current_context(spec.context.as_deref()).ok();
        let paths = context.and_then(|context| config.audit_logs.get(&context).cloned()).unwrap_or_default();
        Ok((!paths.is_empty()).then_some(AuditSource::Files { paths, from_config: true }))
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
        AuditSource::Files { paths, from_config } => match AuditIndex::read_paths(paths, &wanted) {
            Ok(index) => index,
            Err(error) if *from_config => {
                notes.push(format!("{error} (audit_logs in config.toml)"));
                return Ok(());
            }
            Err(error) => return Err(crate::sources::SourceError::from(error).into()),
        },
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

/// Adds the actors `index` names to owners that have none (serve's webhook window beside an
/// `--audit-log` file); the app's log stays the first one read.
pub(crate) fn add_actors(report: &mut AppReport, index: &AuditIndex) {
    for resource in &mut report.resources {
        match_owners(resource, index, |owner| owner.actor.is_none());
    }
    report.audit_log.get_or_insert_with(|| index.coverage.clone());
}

/// The same as `attach_index` for one resource's owners. The person who started an Argo CD
/// sync stays: the audit log would name the controller's service account for that write.
pub(crate) fn attach_resource(resource: &mut ResourceReport, index: &AuditIndex) {
    match_owners(resource, index, |owner| owner.actor.as_ref().is_none_or(|a| a.source != ActorSource::ArgocdSync));
}

/// Matches the owners of `resource` that `wanted` picks against `index`.
fn match_owners(resource: &mut ResourceReport, index: &AuditIndex, wanted: impl Fn(&Owner) -> bool) {
    let id = object_id(resource);
    let kind = resource.kind.to_ascii_lowercase();
    for owner in resource.findings.iter_mut().filter_map(|f| f.owner.as_mut()).filter(|o| wanted(o)) {
        owner.actor = index.actor_for(&id, |plural| kind_names::names_kind(&kind, plural), owner).map(Box::new);
    }
}

/// Names who started the Argo CD sync behind each write of Argo CD's controller in
/// `report` (its Application's `initiatedBy`), where the write's time falls in the sync.
pub(crate) fn attach_syncs(report: &mut AppReport) {
    let Some(controller) = report.controller.as_ref().filter(|c| !c.syncs.is_empty()) else {
        return;
    };
    let syncs = controller.syncs.clone();
    for resource in &mut report.resources {
        attach_syncs_resource(resource, &syncs);
    }
}

/// The same for one resource, with the app's `syncs`.
pub(crate) fn attach_syncs_resource(resource: &mut ResourceReport, syncs: &[SyncRun]) {
    use crate::engine::time::parse_rfc3339;
    for finding in &mut resource.findings {
        let Some(owner) = finding.owner.as_mut().filter(|o| o.manager.starts_with("argocd")) else { continue };
        let Some(at) = owner.time.as_deref().and_then(parse_rfc3339) else { continue };
        let window = |sync: &SyncRun| {
            let started = sync.started_at.as_deref().and_then(parse_rfc3339)?;
            let finished = sync.finished_at.as_deref().and_then(parse_rfc3339).unwrap_or(started);
            (started - 1 <= at && at <= finished + 1).then_some(at - finished)
        };
        if let Some((sync, offset)) = syncs.iter().find_map(|sync| Some((sync, window(sync)?))) {
            owner.actor = Some(Box::new(sync_actor(sync, offset)));
        }
    }
}

fn sync_actor(sync: &SyncRun, offset: i64) -> Actor {
    let username = match (&sync.initiated_by, sync.automated) {
        (Some(user), _) => user.clone(),
        (None, true) => "automated sync".to_owned(),
        (None, false) => "an unnamed sync".to_owned(),
    };
    Actor {
        username,
        groups: Vec::new(),
        source_ips: Vec::new(),
        user_agent: None,
        impersonated_by: None,
        audit_id: None,
        time: sync.finished_at.clone().or_else(|| sync.started_at.clone()),
        quality: if offset <= 0 { MatchQuality::Exact } else { MatchQuality::Near },
        offset_seconds: offset.max(0),
        also: Vec::new(),
        source: ActorSource::ArgocdSync,
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
