//! App discovery: which apps exist and where their desired state lives. Read from Argo CD
//! `Application`s and Flux `Kustomization`s among the live objects (cluster or snapshot), or
//! from a repository's `.kdrift.yaml` catalog for teams that use neither.

use crate::engine::availability;
use crate::model::{ControllerStatus, Finding};
use serde::Deserialize;
use serde_json::Value;

/// The catalog file kdrift looks for at the repository root.
pub(crate) const CATALOG_FILE: &str = ".kdrift.yaml";

/// One app and where to find its desired state in the repository.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppDefinition {
    pub name: String,
    /// Directory inside the repository (no leading `./`).
    pub path: String,
    /// The namespace the GitOps controller puts objects without one in (Argo CD's destination,
    /// Flux's targetNamespace or the Kustomization's own): it outranks `-n`.
    pub destination: Option<String>,
    /// The namespace the `.kdrift.yaml` catalog names: `-n` outranks it.
    pub catalog_namespace: Option<String>,
    /// The revision the controller targets (`main`, a tag, a commit), when it says.
    pub revision: Option<String>,
    /// The repository the controller pulls from, when it says (to check it is this one).
    pub repo_url: Option<String>,
    pub owner_team: Option<String>,
    pub criticality: Option<String>,
    /// Where the definition was read: a live object or the catalog.
    pub origin: String,
    /// What the GitOps controller says of the app, when it was read from its definition.
    pub controller: Option<ControllerStatus>,
    /// Why that status may be stale (sync availability), from the definition's status.
    pub availability: Vec<Finding>,
    /// Why the controller cannot apply Git right now, when its status says so.
    pub delivery_blocked: Option<String>,
    /// The catalog's renderer (`plain`, `kustomize`, `helm`); none: detected from the files.
    pub renderer: Option<String>,
    /// The Helm chart an Argo CD app installs from a chart repository (no path in Git).
    pub chart: Option<String>,
    /// The cluster an Argo CD app deploys to, when not the one its Application is in.
    pub destination_cluster: Option<String>,
    /// A Flux Kustomization itself: its source, path and build settings.
    pub flux: Option<Box<Value>>,
}

/// The app defined by `object`, if it is an Argo CD `Application` or a Flux `Kustomization`.
pub(crate) fn from_object(object: &Value, origin: &str) -> Option<AppDefinition> {
    let api_version = object.get("apiVersion").and_then(Value::as_str)?;
    let kind = object.get("kind").and_then(Value::as_str)?;
    let name = object.pointer("/metadata/name").and_then(Value::as_str)?.to_owned();
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    match (api_version.split('/').next()?, kind) {
        ("argoproj.io", "Application") => {
            // A multi-source app lists its sources; the first with a path (or a chart) holds
            // the manifests.
            let source = object.pointer("/spec/source").cloned().or_else(|| {
                let sources = object.pointer("/spec/sources")?.as_array()?;
                let with = |key: &str| sources.iter().find(|s| s.get(key).is_some()).cloned();
                with("path").or_else(|| with("chart"))
            })?;
            let field = |name: &str| source.get(name).and_then(Value::as_str).map(str::to_owned);
            let delivery = availability::argo_delivery(object, &name_in(object));
            Some(AppDefinition {
                name,
                path: clean_path(&field("path").or_else(|| field("chart").map(|_| String::new()))?),
                destination: text("/spec/destination/namespace").filter(|ns| !ns.is_empty()),
                catalog_namespace: None,
                revision: field("targetRevision").filter(|r| !r.is_empty()),
                repo_url: field("repoURL"),
                owner_team: None,
                criticality: None,
                origin: format!("{origin} (Application)"),
                controller: availability::controller_status(object),
                availability: delivery.findings,
                delivery_blocked: delivery.blocked,
                renderer: None,
                chart: field("path").is_none().then(|| field("chart")).flatten(),
                destination_cluster: text("/spec/destination/server")
                    .filter(|server| !server.is_empty() && server != "https://kubernetes.default.svc")
                    .or_else(|| text("/spec/destination/name").filter(|name| !name.is_empty() && name != "in-cluster"))
                    .map(|cluster| crate::sanitize::clean_line(&cluster)),
                flux: None,
            })
        }
        ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
            let delivery = availability::flux_delivery(object, &name_in(object));
            Some(AppDefinition {
                name,
                path: clean_path(&text("/spec/path").unwrap_or_default()),
                destination: text("/spec/targetNamespace")
                    .or_else(|| text("/metadata/namespace"))
                    .filter(|ns| !ns.is_empty()),
                catalog_namespace: None,
                // The commit Flux last tried to apply is what Git says now.
                revision: text("/status/lastAttemptedRevision").as_deref().and_then(flux_commit),
                repo_url: None,
                owner_team: None,
                criticality: None,
                origin: format!("{origin} (Kustomization)"),
                controller: availability::controller_status(object),
                availability: delivery.findings,
                delivery_blocked: delivery.blocked,
                renderer: None,
                chart: None,
                destination_cluster: None,
                flux: Some(Box::new(object.clone())),
            })
        }
        _ => None,
    }
}

/// The commit in a Flux revision: `main@sha1:abc123` (Flux 2.1+) or `main/abc123` (older).
fn flux_commit(revision: &str) -> Option<String> {
    let commit = match revision.rsplit_once("sha1:") {
        Some((_, commit)) => commit,
        None => revision.rsplit('/').next()?,
    };
    (!commit.is_empty()).then(|| commit.to_owned())
}

/// "namespace/name" of an app object, as findings name it.
fn name_in(object: &Value) -> String {
    let field = |name: &str| object.pointer(&format!("/metadata/{name}")).and_then(Value::as_str).unwrap_or_default();
    format!("{}/{}", field("namespace"), field("name"))
}

fn clean_path(path: &str) -> String {
    path.trim_start_matches("./").trim_matches('/').to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalog {
    apps: Vec<CatalogApp>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogApp {
    name: String,
    path: String,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    criticality: Option<String>,
    #[serde(default)]
    renderer: Option<String>,
}

const CRITICALITIES: &[&str] = &["low", "medium", "high", "critical"];
const RENDERERS: &[&str] = &["plain", "kustomize", "helm"];

/// Parses a `.kdrift.yaml` catalog; errors name the key at fault.
pub(crate) fn parse_catalog(text: &str, origin: &str) -> Result<Vec<AppDefinition>, String> {
    let catalog: Catalog = yaml_serde::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
    catalog
        .apps
        .into_iter()
        .enumerate()
        .map(|(index, app)| {
            let at = format!("{origin}: apps[{index}]");
            if let Some(level) = app.criticality.as_deref().filter(|c| !CRITICALITIES.contains(c)) {
                return Err(format!("{at}.criticality: '{level}' is not one of {}", CRITICALITIES.join(", ")));
            }
            if let Some(renderer) = app.renderer.as_deref().filter(|r| !RENDERERS.contains(r)) {
                return Err(format!("{at}.renderer: '{renderer}' is not one of {}", RENDERERS.join(", ")));
            }
            Ok(AppDefinition {
                path: clean_path(&app.path),
                destination: None,
                catalog_namespace: app.namespace,
                revision: None,
                repo_url: None,
                owner_team: app.owner,
                criticality: app.criticality,
                origin: format!("{origin} apps[{index}]"),
                controller: None,
                availability: Vec::new(),
                delivery_blocked: None,
                renderer: app.renderer,
                chart: None,
                destination_cluster: None,
                flux: None,
                name: app.name,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn argo_cd_applications_name_their_path_revision_and_namespace() {
        let application = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "checkout-api", "namespace": "argocd"},
            "spec": {"source": {"repoURL": "https://git.example.com/platform/apps.git",
                "targetRevision": "main", "path": "./apps/checkout/overlays/prod"},
                "destination": {"namespace": "prod"}}});
        let app = from_object(&application, "live.yaml#1").unwrap();
        assert_eq!(
            (app.name.as_str(), app.path.as_str(), app.destination.as_deref(), app.revision.as_deref()),
            ("checkout-api", "apps/checkout/overlays/prod", Some("prod"), Some("main"))
        );
        let multi = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "m"},
            "spec": {"sources": [{"repoURL": "https://charts.example.com", "chart": "redis"},
                                 {"repoURL": "https://git.example.com/a.git", "path": "apps/m"}]}});
        assert_eq!(from_object(&multi, "x").unwrap().path, "apps/m");
    }

    #[test]
    fn flux_kustomizations_name_their_path_and_target_namespace() {
        let kustomization = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "checkout-api", "namespace": "flux-system"},
            "spec": {"path": "./apps/checkout/overlays/prod", "targetNamespace": "prod"}});
        let app = from_object(&kustomization, "live.yaml#2").unwrap();
        assert_eq!((app.path.as_str(), app.destination.as_deref()), ("apps/checkout/overlays/prod", Some("prod")));
        let failing = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "web", "namespace": "flux-system"}, "spec": {"path": "./web"},
            "status": {"lastAttemptedRevision": "main@sha1:bbb222", "lastAppliedRevision": "main@sha1:aaa111",
                "conditions": [{"type": "Ready", "status": "False", "reason": "ReconciliationFailed"}]}});
        let app = from_object(&failing, "x").unwrap();
        assert_eq!(app.revision.as_deref(), Some("bbb222"), "compared against what Flux tried to apply");
        let controller = app.controller.unwrap();
        assert_eq!(controller.sync.as_deref(), Some("NotReady (ReconciliationFailed)"));
        assert_eq!(controller.revision.as_deref(), Some("main@sha1:aaa111"));
        assert_eq!(flux_commit("main/abc123").as_deref(), Some("abc123"));
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}});
        assert!(from_object(&deployment, "x").is_none());
    }

    #[test]
    fn catalogs_carry_owner_and_criticality_and_name_bad_keys() {
        let apps = parse_catalog(
            "apps:\n- name: web\n  path: ./apps/web\n  namespace: prod\n  owner: team-storefront\n  criticality: critical\n",
            ".kdrift.yaml",
        )
        .unwrap();
        assert_eq!(apps[0].owner_team.as_deref(), Some("team-storefront"));
        assert_eq!(apps[0].path, "apps/web");
        let error = parse_catalog("apps:\n- name: web\n  path: a\n  criticallity: high\n", ".kdrift.yaml").unwrap_err();
        assert!(error.contains("unknown field `criticallity`"), "{error}");
        let error =
            parse_catalog("apps:\n- name: web\n  path: a\n  criticality: urgent\n", ".kdrift.yaml").unwrap_err();
        assert_eq!(error, ".kdrift.yaml: apps[0].criticality: 'urgent' is not one of low, medium, high, critical");
        let error = parse_catalog("apps:\n- name: web\n  path: a\n  renderer: jsonnet\n", ".kdrift.yaml").unwrap_err();
        assert_eq!(error, ".kdrift.yaml: apps[0].renderer: 'jsonnet' is not one of plain, kustomize, helm");
    }
}
