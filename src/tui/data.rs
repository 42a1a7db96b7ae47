//! What the TUI investigates, loaded off the UI thread: every app's report, the objects its
//! diff screen shows, and where they came from. Loading reuses the CLI's sources and engine;
//! this module only decides what to keep.

use crate::cli::input::{self, Side};
use crate::cli::scan::build_app;
use crate::cli::{CliError, SourceArgs, discovery};
use crate::engine::{Manifest, identity};
use crate::model::{AppReport, ResourceKey};
use crate::sources::samples;
use serde_json::Value;
use std::collections::HashMap;

/// What to load.
#[derive(Debug, Clone)]
pub enum Request {
    /// Every sample cluster embedded in the binary, one app each.
    Samples,
    /// The sources the command line (or `:context`/`:ns`) names.
    Sources(Box<SourceArgs>),
}

impl Request {
    /// "sample cluster", "context prod-eu", "snapshot ./live".
    pub fn label(&self) -> String {
        match self {
            Request::Samples => "samples (embedded)".to_owned(),
            Request::Sources(args) => match (&args.live, &args.sample) {
                (_, Some(sample)) => format!("sample {sample}"),
                (Some(live), _) => format!("snapshot {}", live.display()),
                (None, None) => format!("context {}", args.context.as_deref().unwrap_or("(current)")),
            },
        }
    }

    /// Nothing can be written to a snapshot or a sample.
    pub fn is_cluster(&self) -> bool {
        matches!(self, Request::Sources(args) if args.live.is_none() && args.sample.is_none())
    }
}

/// Desired and live copies of one resource, as read (live still has its managedFields).
#[derive(Debug, Clone, Default)]
pub struct Pair {
    pub desired: Option<Value>,
    pub live: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct AppData {
    pub report: AppReport,
    /// Where it came from ("sample image-hotfix", "cluster prod-eu").
    pub origin: String,
    pub namespace: String,
    pub objects: HashMap<ResourceKey, Pair>,
    /// Evaluation time of ages (a sample's snapshot time, else now).
    pub now: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Investigation {
    pub apps: Vec<AppData>,
    /// The context live state came from, for the header.
    pub context: Option<String>,
}

/// Live kinds the diff screen never shows (evidence, not resources).
const NOT_SHOWN: &[&str] = &["Event", "Pod", "ReplicaSet", "Endpoints", "EndpointSlice", "ControllerRevision"];

/// Loads everything `request` names. Blocking: run it on a worker thread.
pub fn load(request: &Request) -> Result<Investigation, CliError> {
    match request {
        Request::Samples => load_samples(),
        Request::Sources(args) => load_sources(args),
    }
}

fn load_samples() -> Result<Investigation, CliError> {
    let mut investigation = Investigation::default();
    for name in samples::names() {
        let input = input::resolve(&SourceArgs::sample(name))?;
        let now = input.now;
        let mut kept = Kept::default();
        let report = build_app(input, &mut kept.keeper())?;
        let (origin, namespace) = (format!("sample {name}"), kept.namespace.clone());
        let objects = kept.aligned_with(&report);
        investigation.apps.push(AppData { report, origin, namespace, objects, now });
    }
    Ok(investigation)
}

/// A training scenario's app, already compared when the scenario loaded: nothing to wait for.
pub fn scenario_data(scenario: &crate::training::scenario::Scenario) -> Investigation {
    let mut kept = Kept { namespace: scenario.namespace.clone(), objects: HashMap::new() };
    for manifest in &scenario.desired {
        kept.observe(Side::Desired, manifest);
    }
    for manifest in &scenario.live {
        kept.observe(Side::Live, manifest);
    }
    let app = AppData {
        objects: kept.aligned_with(&scenario.report),
        report: scenario.report.clone(),
        origin: format!("sample {}", scenario.name),
        namespace: scenario.namespace.clone(),
        now: scenario.now,
    };
    Investigation { apps: vec![app], context: None }
}

fn load_sources(args: &SourceArgs) -> Result<Investigation, CliError> {
    let mut kept: HashMap<String, Kept> = HashMap::new();
    let mut keep = |(app, namespace): (&str, &str), side: Side, manifest: &Manifest| {
        let entry = kept.entry(app.to_owned()).or_default();
        entry.namespace = namespace.to_owned();
        entry.observe(side, manifest);
    };
    let (report, label) = if discovery::wanted(args) {
        discovery::scan_all(args, &mut keep)?
    } else {
        let input = input::resolve(args)?;
        let label = input.source_label.clone();
        let report = crate::model::DriftReport::new(vec![build_app(input, &mut keep)?]);
        (report, label)
    };
    let now = args.now.as_deref().and_then(crate::engine::time::parse_rfc3339).or_else(input::system_now);
    let apps = report
        .apps
        .into_iter()
        .map(|report| {
            let kept = kept.remove(&report.name).unwrap_or_default();
            let namespace = kept.namespace.clone();
            let objects = kept.aligned_with(&report);
            AppData { report, origin: label.clone(), namespace, objects, now }
        })
        .collect();
    let context = label.split_once("cluster ").map(|(_, context)| context.to_owned());
    Ok(Investigation { apps, context })
}

/// The objects of one app worth showing side by side.
#[derive(Debug, Default)]
struct Kept {
    namespace: String,
    objects: HashMap<ResourceKey, Pair>,
}

impl Kept {
    fn keeper(&mut self) -> impl FnMut((&str, &str), Side, &Manifest) + '_ {
        |(_, namespace), side, manifest| {
            self.namespace = namespace.to_owned();
            self.observe(side, manifest);
        }
    }

    /// The pairs under the keys the report uses. A cluster-scoped object Git gave a namespace
    /// was kept under two keys (Git's namespace, live's none): the report's key gets both.
    fn aligned_with(mut self, report: &AppReport) -> HashMap<ResourceKey, Pair> {
        for resource in report.resources.iter().filter(|r| r.namespace.is_empty()) {
            let key = resource.key();
            if self.objects.get(&key).is_some_and(|pair| pair.desired.is_some() && pair.live.is_some()) {
                continue;
            }
            let mut merged = self.objects.remove(&key).unwrap_or_default();
            let others: Vec<ResourceKey> =
                self.objects.keys().filter(|other| identity::same_object_but_namespace(other, &key)).cloned().collect();
            for other in others {
                if let Some(pair) = self.objects.remove(&other) {
                    merged.desired = merged.desired.or(pair.desired);
                    merged.live = merged.live.or(pair.live);
                }
            }
            self.objects.insert(key, merged);
        }
        self.objects
    }

    fn observe(&mut self, side: Side, manifest: &Manifest) {
        let key = identity::key_of(&manifest.object, &self.namespace);
        if NOT_SHOWN.contains(&key.kind.as_str()) {
            return;
        }
        let pair = self.objects.entry(key).or_default();
        let slot = match side {
            Side::Desired => &mut pair.desired,
            Side::Live => &mut pair.live,
        };
        // Overlapping snapshot files: the first copy wins, as in the engine.
        slot.get_or_insert_with(|| manifest.object.clone());
    }
}
