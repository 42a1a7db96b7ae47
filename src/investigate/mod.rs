//! The application core (DESIGN §2): one way to investigate, shared by the command line and
//! the TUI. A plain-data request names the sources (`SourceSpec`, `Request`); `load` reads
//! them, runs the engine and keeps what the front end will show (`Investigation`), with notes
//! instead of printing; `decide` sets up a decision the same way for both front ends.

mod actors;
mod argocd_input;
mod compare;
pub mod decide;
mod discovery;
mod fleet;
mod flux_input;
mod input;
pub mod keep;
mod kind_names;
mod overview;
mod pair;
pub mod resident;
mod simulated;
pub mod spec;
pub mod summary;

pub(crate) use actors::add_actors;
pub use keep::{AppData, Investigation, Keep};
pub use pair::Pair;
pub use spec::{RendererChoice, Request, ResourceFilter, SourceKind, SourceSpec};

use crate::model::{AppReport, DriftReport, ResourceKey};
use crate::sources::samples;
use input::Input;
use keep::Kept;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum InvestigateError {
    #[error("give --desired PATH or --repo PATH (and --live PATH, or a kubeconfig context), or --sample NAME")]
    NoSource,
    #[error("--now '{0}' is not an RFC 3339 time (like 2026-06-08T09:10:00Z)")]
    BadNow(String),
    #[error(
        "--resource '{0}' must be KIND/NAME or KIND/NAMESPACE/NAME (kubectl short names and plurals work: deploy/web)"
    )]
    BadResource(String),
    #[error("no resource matches --resource '{0}'")]
    NoSuchResource(String),
    #[error("--resource '{resource}' is in {} apps ({}): give --app NAME", apps.len(), apps.join(", "))]
    AmbiguousResource { resource: String, apps: Vec<String> },
    #[error("no field '{0}' on that resource (it has: {1})")]
    NoSuchField(String, String),
    #[error(
        "no apps found in the {0}: no Argo CD Application or Flux Kustomization there; give --desired PATH or --repo PATH --path DIR, or add a .kdrift.yaml catalog to the repository"
    )]
    NoApps(String),
    #[error("{0}")]
    Prometheus(String),
    #[error("no context could be read: {0}")]
    NoContext(String),
    #[error("no app named '{0}' in the {1}")]
    NoSuchApp(String, String),
    #[error("{0}")]
    Catalog(String),
    #[error("{0}")]
    Renderer(String),
    #[error(transparent)]
    Source(#[from] crate::sources::SourceError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error(transparent)]
    Action(#[from] crate::actions::ActionError),
}

/// What decisions changed in each embedded sample's simulated cluster, by sample name, then
/// by object (`None`: deleted). A reload starts from it, so it never undoes a decision.
pub type Simulation = HashMap<String, HashMap<ResourceKey, Option<Value>>>;

/// Loads everything `request` names, keeping `keep`'s objects. Blocking: the TUI runs it on
/// a worker thread.
pub fn load(request: &Request, keep: &Keep) -> Result<Investigation, InvestigateError> {
    load_simulated(request, keep, &Simulation::new())
}

/// `load`, with the samples' live state as `simulation` left it.
pub fn load_simulated(
    request: &Request,
    keep: &Keep,
    simulation: &Simulation,
) -> Result<Investigation, InvestigateError> {
    match request {
        Request::Samples => load_samples(keep, simulation),
        Request::Sources(spec) => load_sources(spec, keep, simulation),
    }
}

/// A scan's report: every app the sources name, nothing kept.
pub fn scan(spec: &SourceSpec) -> Result<(DriftReport, Investigation), InvestigateError> {
    let mut investigation = load_sources(spec, &Keep::Nothing, &Simulation::new())?;
    let apps = std::mem::take(&mut investigation.apps);
    let mut report = DriftReport::new(apps.into_iter().map(|app| app.report).collect());
    report.unreachable.clone_from(&investigation.unreachable);
    Ok((report, investigation))
}

fn load_samples(keep: &Keep, simulation: &Simulation) -> Result<Investigation, InvestigateError> {
    let mut investigation = Investigation { label: Request::Samples.label(), ..Investigation::default() };
    for name in samples::names() {
        let input = input::resolve(&SourceSpec::sample(name), simulation)?;
        let source = SourceKind::Sample(name.to_owned());
        let mut app = investigate_app(input, keep, source, &mut investigation.notes)?;
        app.origin = format!("sample {name}");
        if let Some(audit) = actors::AuditSource::sample(name) {
            actors::attach(std::slice::from_mut(&mut app), &audit, &mut investigation.notes)?;
        }
        investigation.apps.push(app);
    }
    Ok(investigation)
}

fn load_sources(spec: &SourceSpec, keep: &Keep, simulation: &Simulation) -> Result<Investigation, InvestigateError> {
    if let Some(url) = &spec.prometheus {
        return overview::load(spec, url);
    }
    if !spec.contexts.is_empty() {
        // Clusters have no simulation: only samples do. An audit log is one cluster's: it
        // cannot tell which of several wrote what.
        let mut fleet = fleet::load(spec, keep, |one, keep| load_one_source(one, keep, &Simulation::new()))?;
        if actors::AuditSource::of(spec)?.is_some() {
            fleet.notes.push("the audit log was not read: it is one cluster's, and several contexts were".to_owned());
        }
        return Ok(fleet);
    }
    let mut investigation = load_one_source(spec, keep, simulation)?;
    if let Some(audit) = actors::AuditSource::of(spec)? {
        actors::attach(&mut investigation.apps, &audit, &mut investigation.notes)?;
    }
    Ok(investigation)
}

/// One source's apps (one context, one snapshot, one sample), compared.
fn load_one_source(spec: &SourceSpec, keep: &Keep, simulation: &Simulation) -> Result<Investigation, InvestigateError> {
    let (mut apps, label, notes) = if discovery::wanted(spec) {
        discovery::scan_all(spec, keep)?
    } else {
        let input = input::resolve(spec, simulation)?;
        let label = input.source_label.clone();
        let mut notes = Vec::new();
        (vec![investigate_app(input, keep, spec.kind(), &mut notes)?], label, notes)
    };
    for app in &mut apps {
        app.origin.clone_from(&label);
    }
    let context = label.split_once("cluster ").map(|(_, context)| context.to_owned());
    Ok(Investigation { apps, context, label, notes, ..Investigation::default() })
}

/// One app compared, with Git evidence when desired state came from Git and the objects
/// `keep` asks for; remarks about its sources join `notes` (each said once).
fn investigate_app(
    mut input: Input,
    keep: &Keep,
    source: SourceKind,
    notes: &mut Vec<String>,
) -> Result<AppData, InvestigateError> {
    for note in std::mem::take(&mut input.notes) {
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    let git = input.git.take();
    let (namespace, now, origin) = (input.namespace.clone(), input.now, input.source_label.clone());
    let mut kept = Kept::new(keep, &namespace);
    if matches!(keep, Keep::Resident) && input.render_failure.is_none() {
        kept.resident = Some(resident::for_input(&input, git.clone()));
    }
    let mut report = compare::compare(input, &mut kept)?;
    actors::attach_syncs(&mut report);
    if let Some(git) = &git {
        crate::sources::git::attach_evidence(git, &mut report);
        report.desired_git = Some(git.spot());
    }
    let pods = std::mem::take(&mut kept.pods);
    let resident = kept.resident.take().map(std::sync::Arc::new);
    let objects = kept.aligned_with(&report);
    Ok(AppData { report, origin, source, namespace, objects, now, pods, resident, overview: None, audit: None })
}

impl AppData {
    /// Whether the report's resource `key` is what `filter` asks for, in an app loaded with
    /// `Keep::Only(filter)`: by the filter as typed, or as the API server's names taught it
    /// while loading (a CRD's short name), for the objects kept are exactly its matches.
    pub fn asked_for(&self, filter: &ResourceFilter, key: &crate::model::ResourceKey) -> bool {
        filter.matches(key) || self.objects.contains_key(key)
    }

    /// An app kdrift could not compare: its report alone.
    pub(crate) fn alone(report: AppReport, source: SourceKind) -> AppData {
        let now = crate::clock::now();
        let (origin, namespace) = (String::new(), String::new());
        let (objects, pods) = Default::default();
        AppData { report, origin, source, namespace, objects, now, pods, resident: None, overview: None, audit: None }
    }
}

/// A training scenario's app, already compared when the scenario loaded: nothing to wait for.
pub fn scenario(scenario: &crate::training::scenario::Scenario) -> Investigation {
    let mut kept = Kept::new(&Keep::Shown, &scenario.namespace);
    for manifest in &scenario.desired {
        kept.observe(keep::Side::Desired, manifest);
    }
    for manifest in &scenario.live {
        kept.observe(keep::Side::Live, manifest);
    }
    let origin = format!("sample {}", scenario.name);
    let pods = std::mem::take(&mut kept.pods);
    let app = AppData {
        pods,
        resident: None,
        overview: None,
        audit: None,
        objects: kept.aligned_with(&scenario.report),
        report: scenario.report.clone(),
        origin: origin.clone(),
        source: SourceKind::Sample(scenario.name.clone()),
        namespace: scenario.namespace.clone(),
        now: scenario.now,
    };
    Investigation { apps: vec![app], label: origin, ..Investigation::default() }
}
