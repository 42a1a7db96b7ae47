//! Live objects Git no longer declares, claimed for the app only where ownership proves it:
//! an Argo CD tracking id naming the object itself, the instance label, Flux's labels, or an
//! entry in the Flux Kustomization's inventory. Generated children (with ownerReferences)
//! and untracked objects are never claimed. Also the findings for missing resources.

use crate::engine::identity;
use crate::engine::managers::ManagerTable;
use crate::engine::maps::string_map;
pub use crate::engine::selectable::Selectable;
use crate::engine::time::parse_rfc3339;
use crate::engine::tracking::{FLUX_NAME, FLUX_NAMESPACE, HELM_NAME, TRACKING_ID, TrackingId};
use crate::model::{Category, Finding, IgnoreMethod, IgnoredBy, ManagerClass, Owner, ResourceKey, Response, Severity};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// Kinds that exist because another object does (and copy its labels): never orphans.
const GENERATED_KINDS: &[&str] =
    &["Endpoints", "EndpointSlice", "Event", "ControllerRevision", "Lease", "Pod", "ReplicaSet"];

/// Kinds whose leftovers keep affecting traffic or permissions.
const DANGEROUS_ORPHANS: &[&str] = &[
    "Service",
    "Ingress",
    "HTTPRoute",
    "NetworkPolicy",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "ServiceAccount",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

const SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";
const COMPARE_OPTIONS: &str = "argocd.argoproj.io/compare-options";
const FLUX_PRUNE: &str = "kustomize.toolkit.fluxcd.io/prune";

/// A live object without a desired pair and without a parent: the metadata that could tie it
/// to the app, kept small until the whole live set (and any inventory) has been seen.
#[derive(Debug, Clone)]
pub struct Unclaimed {
    pub key: ResourceKey,
    pub version: String,
    pub origin: String,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    /// A Service's selector, to tell whether it still sends traffic to live pods.
    selector: Option<BTreeMap<String, String>>,
    /// Who put it there, from its managedFields.
    owner: Option<Owner>,
}

/// The metadata worth keeping: tracking labels and annotations and prune/compare options.
const KEPT_KEYS: &[&str] =
    &[TRACKING_ID, SYNC_OPTIONS, COMPARE_OPTIONS, FLUX_NAME, FLUX_NAMESPACE, FLUX_PRUNE, HELM_NAME];

/// What the app is known as, to tie live objects to it.
pub struct AppIdentity<'a> {
    pub name: &'a str,
    /// The label Argo CD tracks instances with (`app.kubernetes.io/instance` by default).
    pub instance_label: &'a str,
    /// The Flux Kustomization seen live for this app: its namespace and inventory.
    pub flux: Option<&'a FluxApp>,
    /// The Argo CD Application seen live for this app: the resources it lists as its own.
    pub argo: Option<&'a ArgoApp>,
}

/// What an Argo CD Application's `status.resources[]` says it manages.
#[derive(Debug, Clone, Default)]
pub struct ArgoApp {
    pub origin: String,
    pub resources: HashSet<ResourceKey>,
}

impl ArgoApp {
    pub fn from_application(object: &Value, origin: String) -> ArgoApp {
        let listed = object.pointer("/status/resources").and_then(Value::as_array);
        let text = |entry: &Value, field: &str| entry.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
        let resources = listed
            .into_iter()
            .flatten()
            .filter(|entry| !text(entry, "kind").is_empty() && !text(entry, "name").is_empty())
            .map(|entry| ResourceKey {
                group: text(entry, "group"),
                kind: text(entry, "kind"),
                namespace: text(entry, "namespace"),
                name: text(entry, "name"),
            })
            .collect();
        ArgoApp { origin, resources }
    }
}

#[derive(Debug, Clone, Default)]
pub struct FluxApp {
    pub namespace: String,
    /// Where the Kustomization object was read from, for the proof sentence.
    pub origin: String,
    pub inventory: HashSet<ResourceKey>,
}

impl FluxApp {
    /// Reads `status.inventory.entries[].id` (`<namespace>_<name>_<group>_<kind>`).
    pub fn from_kustomization(object: &Value, namespace: &str, origin: String) -> FluxApp {
        let entries = object.pointer("/status/inventory/entries").and_then(Value::as_array);
        let inventory = entries
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.get("id").and_then(Value::as_str))
            .filter_map(parse_inventory_id)
            .collect();
        FluxApp { namespace: namespace.to_owned(), origin, inventory }
    }
}

/// Names, namespaces, groups and kinds cannot hold `_`, so the id splits into four.
fn parse_inventory_id(id: &str) -> Option<ResourceKey> {
    let mut parts = id.split('_');
    let (namespace, name, group, kind) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || name.is_empty() || kind.is_empty() {
        return None;
    }
    Some(ResourceKey {
        group: group.to_owned(),
        kind: kind.to_owned(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    })
}

/// Whether `live` is an Argo CD or Helm hook (a Job run around a sync, not part of the app).
pub fn is_hook(live: &Value) -> bool {
    let annotations = live.pointer("/metadata/annotations").and_then(Value::as_object);
    annotations.is_some_and(|a| a.contains_key("argocd.argoproj.io/hook") || a.contains_key("helm.sh/hook"))
}

/// Keeps a live object without a desired pair when it could be the app's orphan: not a
/// generated kind and without ownerReferences (its owner is what matters, not it).
pub fn unclaimed(
    key: &ResourceKey,
    live: &Value,
    origin: String,
    instance_label: &str,
    managers: &ManagerTable,
) -> Option<Unclaimed> {
    if GENERATED_KINDS.contains(&key.kind.as_str()) {
        return None;
    }
    let metadata = live.get("metadata")?;
    let has_parent = metadata.get("ownerReferences").and_then(Value::as_array).is_some_and(|refs| !refs.is_empty());
    if has_parent {
        return None;
    }
    let pick = |field: &str, keys: &dyn Fn(&str) -> bool| -> BTreeMap<String, String> {
        metadata
            .get(field)
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .filter(|(k, _)| keys(k))
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let kept = |k: &str| KEPT_KEYS.contains(&k) || k == instance_label;
    let selector = (key.kind == "Service").then(|| string_map(live.pointer("/spec/selector"))).flatten();
    Some(Unclaimed {
        key: key.clone(),
        version: identity::version_of(live),
        origin,
        labels: pick("labels", &kept),
        annotations: pick("annotations", &kept),
        selector,
        owner: object_owner(metadata.get("managedFields"), managers),
    })
}

/// Who an object belongs to by its managedFields: the GitOps manager that last applied it,
/// else whoever wrote it first (its creator). Status writers count only when nobody else wrote.
pub fn object_owner(managed_fields: Option<&Value>, managers: &ManagerTable) -> Option<Owner> {
    let entries = managed_fields?.as_array()?;
    let all: Vec<(Owner, i64)> = entries
        .iter()
        .filter_map(|entry| {
            let text = |field: &str| entry.get(field).and_then(Value::as_str).filter(|t| !t.is_empty());
            let manager = text("manager")?;
            let time = text("time").map(str::to_owned);
            let epoch = time.as_deref().and_then(parse_rfc3339).unwrap_or(i64::MAX);
            let owner = Owner {
                manager: manager.to_owned(),
                class: managers.classify(manager),
                operation: text("operation").map(str::to_owned),
                subresource: text("subresource").map(str::to_owned),
                time,
                actor: None,
            };
            Some((owner, epoch))
        })
        .collect();
    let writes_spec = |owner: &Owner| owner.subresource.as_deref() != Some("status");
    let writers: Vec<&(Owner, i64)> = match all.iter().any(|(o, _)| writes_spec(o)) {
        true => all.iter().filter(|(o, _)| writes_spec(o)).collect(),
        false => all.iter().collect(),
    };
    let gitops = writers.iter().filter(|(o, _)| o.class == ManagerClass::Gitops).max_by_key(|(_, epoch)| *epoch);
    let creator = || writers.iter().min_by_key(|(_, epoch)| *epoch);
    gitops.or_else(creator).map(|(owner, _)| owner.clone())
}

/// The orphan finding for an unclaimed object, when ownership ties it to the app.
pub fn orphan_finding(object: &Unclaimed, app: &AppIdentity<'_>, selectable: &Selectable) -> Option<Finding> {
    let proof = tracking_proof(object, app)?;
    let key = &object.key;
    let dangerous = DANGEROUS_ORPHANS.contains(&key.kind.as_str());
    let selected = object.selector.as_ref().map(|s| selectable.selected_by(&key.namespace, s)).unwrap_or_default();
    let mut severity = if dangerous { Severity::High } else { Severity::Medium };
    let mut reason = format!("{key} is tracked to {} ({proof}) but no longer in Git", app.name);
    if !selected.is_empty() {
        severity = Severity::High;
        let shown: Vec<&str> = selected.iter().take(3).copied().collect();
        let more = if selected.len() > 3 { format!(" and {} more", selected.len() - 3) } else { String::new() };
        reason.push_str(&format!(
            "; it still selects {}{more}, so it keeps serving traffic: confirm nobody calls it before pruning",
            shown.join(", ")
        ));
    } else if dangerous {
        reason.push_str(" and can still affect traffic or permissions");
    }
    let option = |name: &str| object.annotations.get(name).map(String::as_str).unwrap_or_default();
    let has_option = |name: &str, wanted: &str| option(name).split(',').any(|o| o.trim() == wanted);
    let prune_disabled = if has_option(SYNC_OPTIONS, "Prune=false") {
        Some(format!("{SYNC_OPTIONS}: Prune=false"))
    } else if option(FLUX_PRUNE) == "disabled" || object.labels.get(FLUX_PRUNE).is_some_and(|v| v == "disabled") {
        Some(format!("{FLUX_PRUNE}: disabled"))
    } else {
        None
    };
    let extraneous_ignored = has_option(COMPARE_OPTIONS, "IgnoreExtraneous");
    let (response, ignored_by) = if let Some(option) = prune_disabled {
        reason.push_str(&format!(
            "; pruning is disabled for it ({option}), so the controller will never remove it: escalate to its owner to retire it or keep it on purpose"
        ));
        (Response::Escalate, None)
    } else if extraneous_ignored {
        reason.push_str(&format!(
            "; {COMPARE_OPTIONS}: IgnoreExtraneous keeps it out of the sync status, so nobody is reminded it exists: escalate to decide whether to keep or delete it"
        ));
        let by = IgnoredBy {
            source: object.origin.clone(),
            rule: format!("metadata.annotations[\"{COMPARE_OPTIONS}\"]"),
            method: IgnoreMethod::CompareOption,
            expression: "IgnoreExtraneous".to_owned(),
        };
        (Response::Escalate, Some(by))
    } else {
        if selected.is_empty() {
            reason.push_str("; prune it after checking nothing depends on it");
        }
        (Response::Prune, None)
    };
    Some(Finding {
        path: String::new(),
        display_path: "(whole object)".to_owned(),
        desired: None,
        live: None,
        category: Category::Orphan,
        severity,
        response,
        review_required: dangerous || !selected.is_empty() || response == Response::Escalate,
        owner: object.owner.clone(),
        ignored_by,
        reason,
        desired_path: None,
        git_commit: None,
        oracle: None,
    })
}

/// How the object is proven to belong to the app, as a sentence fragment; `None` when
/// nothing ties it to the app.
fn tracking_proof(object: &Unclaimed, app: &AppIdentity<'_>) -> Option<String> {
    let key = &object.key;
    if let Some(id) = object.annotations.get(TRACKING_ID)
        && TrackingId::parse(id).is_some_and(|parsed| parsed.names_object(key) && parsed.names_app(app.name))
    {
        return Some(format!("annotation {TRACKING_ID}={id}"));
    }
    if object.labels.get(app.instance_label).is_some_and(|v| crate::engine::tracking::names_app(v, app.name)) {
        return Some(format!("label {}={}", app.instance_label, app.name));
    }
    if object.labels.get(FLUX_NAME).is_some_and(|v| v == app.name) {
        let namespace = object.labels.get(FLUX_NAMESPACE);
        match (app.flux, namespace) {
            (Some(flux), Some(ns)) if *ns != flux.namespace => {}
            (_, Some(ns)) => return Some(format!("labels {FLUX_NAME}={}, {FLUX_NAMESPACE}={ns}", app.name)),
            (_, None) => return Some(format!("label {FLUX_NAME}={}", app.name)),
        }
    }
    if object.labels.get(HELM_NAME).is_some_and(|v| v == app.name) {
        return Some(format!("label {HELM_NAME}={}", app.name));
    }
    if let Some(argo) = app.argo
        && argo.resources.contains(key)
    {
        return Some(format!("listed in the Argo CD Application's status.resources, {}", argo.origin));
    }
    if let Some(flux) = app.flux
        && flux.inventory.contains(key)
    {
        let id = format!("{}_{}_{}_{}", key.namespace, key.name, key.group, key.kind);
        return Some(format!("listed in the Flux Kustomization's status.inventory as {id}, {}", flux.origin));
    }
    None
}

pub fn missing_finding(key: &ResourceKey) -> Finding {
    Finding {
        path: String::new(),
        display_path: "(whole object)".to_owned(),
        desired: None,
        live: None,
        category: Category::Missing,
        severity: if DANGEROUS_ORPHANS.contains(&key.kind.as_str()) { Severity::High } else { Severity::Medium },
        response: Response::Sync,
        review_required: false,
        owner: None,
        ignored_by: None,
        reason: format!(
            "{key} is in Git but not in the cluster: deleted out of band or never applied; a sync creates it"
        ),
        desired_path: None,
        git_commit: None,
        oracle: None,
    }
}

#[cfg(test)]
#[path = "orphans_tests.rs"]
mod tests;
