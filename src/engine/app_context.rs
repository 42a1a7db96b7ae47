//! What live state says about the app as a whole rather than about one object: the app's own
//! definition (Argo CD `Application`, Flux `Kustomization` or `HelmRelease`) with the
//! controller's status, ignore rules and inventory; Argo CD's `argocd-cm`, trusted only from
//! Argo CD's own namespace; the HPAs that scale its workloads; GitOps controller pods; Events.

use crate::engine::availability::{self, Delivery};
use crate::engine::events::EventLog;
use crate::engine::identity;
use crate::engine::ignore::IgnoreRule;
use crate::engine::ignore::compare_options::CompareOptions;
use crate::engine::ignore::parse::{RuleError, rules_in};
use crate::engine::orphans::{ArgoApp, FluxApp};
use crate::model::{ControllerStatus, Finding, ResourceKey};
use serde_json::Value;
use std::collections::HashMap;

/// `HashMap` with a fast non-cryptographic hasher: keys are object identities.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

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
    /// The namespace of the app's own Argo CD Application, once seen.
    application_namespace: Option<String>,
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
            application_namespace: None,
            destination: None,
            settings: Vec::new(),
            events: EventLog::default(),
            controller: None,
            blocked: None,
        }
    }

    /// Reads what a live object says about the app. False for objects that are only
    /// evidence (Events) and take no further part in the comparison.
    pub fn observe(&mut self, key: &ResourceKey, object: &Value, origin: &str) -> bool {
        match key.kind.as_str() {
            "HorizontalPodAutoscaler" => self.note_hpa(key, object),
            "Application" | "Kustomization" | "HelmRelease" => self.note_definition(key, object, origin),
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

    /// Reads the controller status, ignore rules and inventory of the app's own definition.
    fn note_definition(&mut self, key: &ResourceKey, object: &Value, origin: &str) {
        let is_app = key.name == self.app
            && matches!(
                (key.group.as_str(), key.kind.as_str()),
                ("argoproj.io", "Application")
                    | ("kustomize.toolkit.fluxcd.io", "Kustomization")
                    | ("helm.toolkit.fluxcd.io", "HelmRelease")
            );
        if !is_app || self.read.contains(key) {
            return;
        }
        self.read.push(key.clone());
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

    fn take_delivery(&mut self, delivery: Delivery) {
        self.findings.extend(delivery.findings);
        if self.blocked.is_none() {
            self.blocked = delivery.blocked;
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

    /// The rules and compare options in force: the app definition's rules, and argocd-cm's —
    /// only from Argo CD's namespace (configured, or the app's Application's), since Argo CD
    /// reads its settings nowhere else; anyone who can create a ConfigMap in the app's
    /// namespace could otherwise hide drift.
    pub fn settle(&mut self) -> Result<Settled, RuleError> {
        let mut compare_options = None;
        for (key, object, origin) in std::mem::take(&mut self.settings) {
            let trusted =
                key.namespace == self.argocd_namespace || self.application_namespace.as_ref() == Some(&key.namespace);
            if !trusted {
                self.notes.push(format!(
                    "{origin}: argocd-cm in namespace '{}' ignored: Argo CD reads its settings only from its own namespace ('{}'{}); set argocd_namespace in the config if Argo CD runs elsewhere",
                    key.namespace,
                    self.argocd_namespace,
                    self.application_namespace.as_ref().map(|ns| format!(" or the Application's '{ns}'")).unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn argocd_cm(namespace: &str) -> (ResourceKey, Value) {
        let object = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "argocd-cm", "namespace": namespace},
            "data": {"resource.customizations.ignoreDifferences.apps_Deployment": "jsonPointers:\n- /spec\n"}});
        (identity::key_of(&object, "default"), object)
    }

    #[test]
    fn argocd_cm_is_trusted_only_in_argo_cds_namespace() {
        let mut context = AppContext::new("checkout-api", "argocd");
        let (rogue_key, rogue) = argocd_cm("prod");
        let (real_key, real) = argocd_cm("argocd");
        context.observe(&rogue_key, &rogue, "live/rogue.yaml#1");
        context.observe(&real_key, &real, "live/argocd.yaml#1");
        let settled = context.settle().unwrap();
        assert_eq!(settled.rules.len(), 1, "only Argo CD's own argocd-cm");
        assert!(settled.rules[0].source.contains("ConfigMap argocd/argocd-cm"), "{}", settled.rules[0].source);
        assert!(context.notes[0].contains("argocd-cm in namespace 'prod' ignored"), "{:?}", context.notes);
    }

    #[test]
    fn the_applications_namespace_is_argo_cds_too() {
        let mut context = AppContext::new("checkout-api", "argocd");
        let application = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "checkout-api", "namespace": "gitops"}, "spec": {}});
        let (key, cm) = argocd_cm("gitops");
        context.observe(&key, &cm, "live/cm.yaml#1");
        context.observe(&identity::key_of(&application, "default"), &application, "live/app.yaml#1");
        assert_eq!(context.settle().unwrap().rules.len(), 1);
    }
}
