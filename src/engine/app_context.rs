//! What live state says about the app as a whole rather than about one object: the app's own
//! definition (Argo CD `Application`, Flux `Kustomization` or `HelmRelease`) with the
//! controller's status, ignore rules and inventory; Argo CD's `argocd-cm`; the HPAs that scale
//! its workloads; GitOps controller pods; Events. Settings and definitions are trusted only
//! where the controller itself reads them — `argocd-cm` in Argo CD's namespace, the definition
//! the app's objects are tracked to — since anyone who can create an object named like them
//! elsewhere could otherwise hide drift. They are judged at the end, once every object is seen.

use crate::engine::availability::{self, Delivery};
use crate::engine::events::EventLog;
use crate::engine::identity;
use crate::engine::ignore::IgnoreRule;
use crate::engine::ignore::compare_options::CompareOptions;
use crate::engine::ignore::parse::{RuleError, rules_in};
use crate::engine::maps::FastMap;
use crate::engine::orphans::{ArgoApp, FluxApp};
use crate::engine::tracking::{self, FLUX_NAME, FLUX_NAMESPACE, HELM_NAME, HELM_NAMESPACE, TRACKING_ID, TrackingId};
use crate::model::{ControllerStatus, Finding, ResourceKey};
use serde_json::Value;
use std::collections::BTreeSet;

/// The argocd-cm settings, and the rules the app's definition and a trusted argocd-cm carry.
#[derive(Debug, Default)]
pub struct Settled {
    pub rules: Vec<IgnoreRule>,
    pub compare_options: Option<CompareOptions>,
}

#[derive(Debug)]
pub struct AppContext {
    app: String,
    /// Where Argo CD keeps its settings (configurable): an argocd-cm elsewhere is not Argo CD's.
    argocd_namespace: String,
    /// Workloads a live HPA scales → the HPA's name.
    pub hpa_targets: FastMap<ResourceKey, String>,
    /// Rules read from the app's own definition.
    rules: Vec<IgnoreRule>,
    pub notes: Vec<String>,
    /// App definitions and controller pods already read (a snapshot may hold one twice).
    read: Vec<ResourceKey>,
    /// App-level findings: why the controller's sync status may be stale.
    pub findings: Vec<Finding>,
    rule_error: Option<RuleError>,
    pub flux: Option<FluxApp>,
    pub argo: Option<ArgoApp>,
    /// The app's own definitions seen (named like it), judged by `settle`.
    definitions: Vec<(ResourceKey, Value, String)>,
    /// Where the app's live objects say their controller's definition is: the namespaces of
    /// the Argo CD Applications their tracking ids name, and of the Flux Kustomizations and
    /// HelmReleases their labels name.
    tracked_in: TrackedIn,
    /// The namespace of the app's own (trusted) Argo CD Application and Flux Kustomization.
    pub application_namespace: Option<String>,
    pub kustomization_namespace: Option<String>,
    /// Where the app's definition puts objects Git leaves without a namespace, and which
    /// definition says so.
    pub destination: Option<(String, String)>,
    /// argocd-cm ConfigMaps seen, judged at the end, when the Application's namespace is known.
    settings: Vec<(ResourceKey, Value, String)>,
    pub events: EventLog,
    /// What the app's controller says of it, from its definition.
    pub controller: Option<ControllerStatus>,
    /// Why the controller cannot apply Git right now, when it cannot.
    pub blocked: Option<String>,
    /// How many of `findings` came from the app's definitions (they lead), and whether
    /// `blocked` says what a definition says.
    definition_findings: usize,
    blocked_by_definition: bool,
}

impl AppContext {
    pub fn new(app: &str, argocd_namespace: &str) -> AppContext {
        AppContext {
            app: app.to_owned(),
            argocd_namespace: argocd_namespace.to_owned(),
            hpa_targets: FastMap::default(),
            rules: Vec::new(),
            notes: Vec::new(),
            read: Vec::new(),
            findings: Vec::new(),
            rule_error: None,
            flux: None,
            argo: None,
            definitions: Vec::new(),
            tracked_in: TrackedIn::default(),
            application_namespace: None,
            kustomization_namespace: None,
            destination: None,
            settings: Vec::new(),
            events: EventLog::default(),
            controller: None,
            blocked: None,
            definition_findings: 0,
            blocked_by_definition: false,
        }
    }

    /// Reads what a live object says about the app. False for objects that are only
    /// evidence (Events) and take no further part in the comparison.
    pub fn observe(&mut self, key: &ResourceKey, object: &Value, origin: &str) -> bool {
        self.tracked_in.note(object, &self.app, &self.argocd_namespace);
        match key.kind.as_str() {
            "HorizontalPodAutoscaler" => self.note_hpa(key, object),
            "Application" | "Kustomization" | "HelmRelease"
                if key.name == self.app
                    && is_definition(key)
                    && !self.definitions.iter().any(|(seen, _, _)| seen == key) =>
            {
                self.definitions.push((key.clone(), object.clone(), origin.to_owned()));
            }
            "ConfigMap"
                if key.group.is_empty()
                    && key.name == "argocd-cm"
                    && !self.settings.iter().any(|(seen, _, _)| seen == key) =>
            {
                self.settings.push((key.clone(), object.clone(), origin.to_owned()));
            }
            "Event" => {
                self.events.observe(object);
                return false;
            }
            "Pod" if !self.read.contains(key) => {
                if let Some(finding) = availability::from_controller_pod(object, &key.namespace, &key.name) {
                    self.read.push(key.clone());
                    self.blocked.get_or_insert_with(|| format!("GitOps controller pod {key} is not ready"));
                    self.findings.push(finding);
                }
            }
            _ => {}
        }
        true
    }

    /// Adopts the definitions the controller itself would use: per kind, the one the app's
    /// objects are tracked to; else, for Argo CD, the one in Argo CD's namespace; else, for
    /// Flux, the only one when no object says. The others are ignored with a note.
    fn adopt_definitions(&mut self) {
        let mut candidates = std::mem::take(&mut self.definitions);
        candidates.sort_by_key(|(key, _, _)| (self.trust(key, 0) != Some(Trust::Tracked), key.clone()));
        let mut adopted: Vec<&str> = Vec::new();
        for (key, object, origin) in &candidates {
            let of_kind = candidates.iter().filter(|(other, _, _)| other.kind == key.kind).count();
            match self.trust(key, of_kind) {
                Some(_) if !adopted.contains(&key.kind.as_str()) => {
                    adopted.push(&key.kind);
                    self.adopt(key, object, origin);
                }
                Some(_) => self
                    .notes
                    .push(format!("{origin}: {key} ignored: the app's {} was read from another one", key.kind)),
                None => self.notes.push(format!(
                    "{origin}: {key} ignored: its controller does not use it for this app ({})",
                    self.why_untrusted(key)
                )),
            }
        }
    }

    /// Whether the controller uses this definition for the app, and how kdrift knows.
    fn trust(&self, key: &ResourceKey, of_kind: usize) -> Option<Trust> {
        let tracked = self.tracked_in.of(&key.kind);
        if tracked.contains(&key.namespace) {
            return Some(Trust::Tracked);
        }
        let fallback = match key.kind.as_str() {
            "Application" => key.namespace == self.argocd_namespace && tracked.is_empty(),
            _ => tracked.is_empty() && of_kind <= 1,
        };
        fallback.then_some(Trust::Fallback)
    }

    fn why_untrusted(&self, key: &ResourceKey) -> String {
        let tracked = self.tracked_in.of(&key.kind);
        match (tracked.is_empty(), key.kind.as_str()) {
            (false, _) => format!(
                "the app's objects are tracked to the {} in namespace {}",
                key.kind,
                tracked.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            (true, "Application") => format!("Argo CD's Applications live in namespace '{}'", self.argocd_namespace),
            (true, _) => {
                format!("more than one {} is named like the app and no object says which applies it", key.kind)
            }
        }
    }

    /// Reads the controller status, ignore rules and inventory of the app's own definition.
    fn adopt(&mut self, key: &ResourceKey, object: &Value, origin: &str) {
        if self.controller.is_none() {
            self.controller = availability::controller_status(object);
        }
        let source = format!("{origin} ({key})");
        let name = format!("{}/{}", key.namespace, key.name);
        let destination = match key.kind.as_str() {
            "Application" => object.pointer("/spec/destination/namespace"),
            "Kustomization" => object.pointer("/spec/targetNamespace").or(object.pointer("/metadata/namespace")),
            _ => object.pointer("/spec/targetNamespace"),
        };
        if let Some(namespace) = destination.and_then(Value::as_str).filter(|ns| !ns.is_empty()) {
            self.destination = Some((namespace.to_owned(), key.to_string()));
        }
        match key.kind.as_str() {
            "Kustomization" => {
                self.flux = Some(FluxApp::from_kustomization(object, &key.namespace, source.clone()));
                self.kustomization_namespace = Some(key.namespace.clone());
                self.take_delivery(availability::flux_delivery(object, &name));
            }
            "Application" => {
                self.argo = Some(ArgoApp::from_application(object, source.clone()));
                self.application_namespace = Some(key.namespace.clone());
                self.take_delivery(availability::argo_delivery(object, &name));
            }
            _ => {}
        }
        self.read_rules(object, &source);
    }

    /// The definition's delivery findings come before the controller pods' (they name the
    /// app), and its reason for being blocked is the more specific one.
    fn take_delivery(&mut self, delivery: Delivery) {
        let position = self.definition_findings;
        self.findings.splice(position..position, delivery.findings.iter().cloned());
        self.definition_findings += delivery.findings.len();
        if let Some(blocked) = delivery.blocked
            && !self.blocked_by_definition
        {
            self.blocked = Some(blocked);
            self.blocked_by_definition = true;
        }
    }

    fn read_rules(&mut self, object: &Value, source: &str) -> Option<CompareOptions> {
        match rules_in(object, source) {
            Ok(Some(parsed)) => {
                self.rules.extend(parsed.rules);
                self.notes.extend(parsed.notes);
                parsed.compare_options
            }
            Ok(None) => None,
            Err(error) => {
                self.rule_error.get_or_insert(error);
                None
            }
        }
    }

    fn note_hpa(&mut self, key: &ResourceKey, hpa: &Value) {
        let target = hpa.get("spec").and_then(|s| s.get("scaleTargetRef"));
        let field = |name: &str| target.and_then(|t| t.get(name)).and_then(Value::as_str);
        if let (Some(kind), Some(name)) = (field("kind"), field("name")) {
            let group = identity::split_api_version(field("apiVersion").unwrap_or("apps/v1")).0;
            let workload = ResourceKey {
                group: group.to_owned(),
                kind: kind.to_owned(),
                namespace: key.namespace.clone(),
                name: name.to_owned(),
            };
            self.hpa_targets.insert(workload, key.name.clone());
        }
    }

    /// The definitions, rules and compare options in force: the trusted definition's, and
    /// argocd-cm's only from Argo CD's own namespace (configured; `argocd` by default), where
    /// Argo CD reads its settings — also with apps in any namespace, where an Application's
    /// namespace may be a tenant's.
    pub fn settle(&mut self) -> Result<Settled, RuleError> {
        self.adopt_definitions();
        let mut compare_options = None;
        for (key, object, origin) in std::mem::take(&mut self.settings) {
            if key.namespace != self.argocd_namespace {
                let beside_application = self.application_namespace.as_ref() == Some(&key.namespace);
                self.notes.push(format!(
                    "{origin}: argocd-cm in namespace '{}' ignored: Argo CD reads its settings only from its own namespace ('{}'){}",
                    key.namespace,
                    self.argocd_namespace,
                    match beside_application {
                        true => "; if Argo CD runs where this app's Application is, set argocd_namespace in the config",
                        false => "",
                    }
                ));
                continue;
            }
            let options = self.read_rules(&object, &format!("{origin} ({key})"));
            compare_options = compare_options.or(options);
        }
        if let Some(error) = self.rule_error.take() {
            return Err(error);
        }
        Ok(Settled { rules: std::mem::take(&mut self.rules), compare_options })
    }
}

/// How a definition earned trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    /// The app's live objects are tracked to it.
    Tracked,
    /// Nothing says otherwise: Argo CD's namespace, or the only Flux definition.
    Fallback,
}

fn is_definition(key: &ResourceKey) -> bool {
    matches!(
        (key.group.as_str(), key.kind.as_str()),
        ("argoproj.io", "Application")
            | ("kustomize.toolkit.fluxcd.io", "Kustomization")
            | ("helm.toolkit.fluxcd.io", "HelmRelease")
    )
}

/// The namespaces of the definitions the app's live objects are tracked to.
#[derive(Debug, Default)]
struct TrackedIn {
    applications: BTreeSet<String>,
    kustomizations: BTreeSet<String>,
    helm_releases: BTreeSet<String>,
}

impl TrackedIn {
    /// Records where `object`'s tracking says its definition is, when it names the app.
    fn note(&mut self, object: &Value, app: &str, argocd_namespace: &str) {
        let text = |map: &str, key: &str| tracking::metadata_text(object, map, key);
        if let Some(id) = text("annotations", TRACKING_ID).and_then(TrackingId::parse)
            && id.names_app(app)
        {
            // `<namespace>_<app>` names an Application outside Argo CD's own namespace.
            let namespace = id.app.rsplit_once('_').map_or(argocd_namespace, |(namespace, _)| namespace);
            insert(&mut self.applications, namespace);
        }
        for (name, namespace, set) in [
            (FLUX_NAME, FLUX_NAMESPACE, &mut self.kustomizations),
            (HELM_NAME, HELM_NAMESPACE, &mut self.helm_releases),
        ] {
            if text("labels", name) == Some(app)
                && let Some(namespace) = text("labels", namespace)
            {
                insert(set, namespace);
            }
        }
    }

    fn of(&self, kind: &str) -> &BTreeSet<String> {
        match kind {
            "Application" => &self.applications,
            "Kustomization" => &self.kustomizations,
            _ => &self.helm_releases,
        }
    }
}

/// Inserts without allocating when the value is already there (the common case: every
/// object of an app names the same definition).
fn insert(set: &mut BTreeSet<String>, value: &str) {
    if !set.contains(value) {
        set.insert(value.to_owned());
    }
}

#[cfg(test)]
#[path = "app_context_tests.rs"]
mod tests;
