//! How GitOps controllers mark what they manage — Argo CD's tracking-id annotation
//! (`<app>:<group>/<Kind>:<namespace>/<name>`), its instance label, Flux's name/namespace
//! labels — and the claim a live object makes for an app other than the one compared: two
//! apps that both declare an object fight over it, and whichever prunes first deletes it.

use crate::engine::maps::lookup;
use crate::engine::path::PathBuilder;
use crate::model::ResourceKey;
use serde_json::Value;

pub const TRACKING_ID: &str = "argocd.argoproj.io/tracking-id";
pub const FLUX_NAME: &str = "kustomize.toolkit.fluxcd.io/name";
pub const FLUX_NAMESPACE: &str = "kustomize.toolkit.fluxcd.io/namespace";
pub const HELM_NAME: &str = "helm.toolkit.fluxcd.io/name";
pub const HELM_NAMESPACE: &str = "helm.toolkit.fluxcd.io/namespace";

/// A parsed Argo CD tracking id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingId<'a> {
    /// `<app>`, or `<namespace>_<app>` for apps outside Argo CD's own namespace.
    pub app: &'a str,
    pub group: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
}

impl<'a> TrackingId<'a> {
    pub fn parse(id: &'a str) -> Option<TrackingId<'a>> {
        let mut parts = id.splitn(3, ':');
        let (app, group_kind, namespace_name) = (parts.next()?, parts.next()?, parts.next()?);
        let (group, kind) = group_kind.split_once('/')?;
        let (namespace, name) = namespace_name.split_once('/')?;
        (!app.is_empty() && !kind.is_empty() && !name.is_empty()).then_some(TrackingId {
            app,
            group,
            kind,
            namespace,
            name,
        })
    }

    /// True when the id names this very object (a copied annotation naming another object
    /// tracks nothing).
    pub fn names_object(&self, key: &ResourceKey) -> bool {
        self.group == key.group && self.kind == key.kind && self.namespace == key.namespace && self.name == key.name
    }

    /// True when the id's app is `app` (bare, or as `<namespace>_<app>`).
    pub fn names_app(&self, app: &str) -> bool {
        names_app(self.app, app)
    }
}

/// True when a tracked app name is `app`: bare, or `<namespace>_<app>` as Argo CD writes it
/// for Applications outside its own namespace (in the tracking id and the instance label).
pub fn names_app(tracked: &str, app: &str) -> bool {
    tracked == app || tracked.rsplit_once('_').is_some_and(|(_, name)| name == app)
}

/// A live object's claim for another app (or another definition of this one) than the one
/// compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The other app, as the tracking names it.
    pub app: String,
    /// How it is tracked: "annotation argocd.argoproj.io/tracking-id=…".
    pub proof: String,
    /// Where the tracking sits in the live object: field names, RFC 6901, and for display.
    pub fields: Vec<String>,
    pub pointer: String,
    pub display: String,
    /// The tracking value live, and what Git sets there (if anything).
    pub live: String,
    pub desired: Option<String>,
    /// When the claim counts.
    pub check: Check,
}

/// When a claim counts: always (another app by name), or only when the app's own definition
/// turns out to live in another namespace than the one the tracking names (Argo CD's
/// `<namespace>_<app>`, Flux's namespace label), which only the end of a scan knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Always,
    UnlessApplicationIn(String),
    UnlessKustomizationIn(String),
}

impl Claim {
    /// Whether the claim counts, knowing the namespaces of the app's own definitions.
    pub fn holds(&self, application: Option<&str>, kustomization: Option<&str>) -> bool {
        match &self.check {
            Check::Always => true,
            Check::UnlessApplicationIn(namespace) => application.is_some_and(|ours| ours != namespace),
            Check::UnlessKustomizationIn(namespace) => kustomization.is_some_and(|ours| ours != namespace),
        }
    }

    /// Who claims the object, as a reason says it.
    pub fn claimant(&self) -> String {
        match &self.check {
            Check::Always => format!("app '{}'", self.app),
            Check::UnlessApplicationIn(namespace) => format!("the Argo CD Application {namespace}/{}", self.app_name()),
            Check::UnlessKustomizationIn(namespace) => format!("the Flux Kustomization {namespace}/{}", self.app),
        }
    }

    fn app_name(&self) -> &str {
        self.app.rsplit_once('_').map_or(self.app.as_str(), |(_, name)| name)
    }
}

/// What `live`'s tracking says when it is not plainly this app's: a claim, and a note when a
/// tracking id cannot be read. An Argo CD tracking id that names this object decides alone;
/// without one, the instance label and Flux's labels do, unless Git itself sets the same value
/// (a chart that bakes in its release name).
pub fn read_claim(
    live: &Value,
    desired: &Value,
    key: &ResourceKey,
    app: &str,
    instance_label: &str,
    argocd_namespace: &str,
) -> (Option<Claim>, Option<String>) {
    let text = metadata_text(live, "annotations", TRACKING_ID);
    let mut note = None;
    match text.map(|text| (text, TrackingId::parse(text))) {
        Some((text, Some(id))) if id.names_object(key) => {
            let from_git = metadata_text(desired, "annotations", TRACKING_ID);
            let check = match (id.names_app(app), id.app.rsplit_once('_')) {
                (false, _) => Check::Always,
                (true, Some((namespace, _))) => Check::UnlessApplicationIn(namespace.to_owned()),
                (true, None) => Check::UnlessApplicationIn(argocd_namespace.to_owned()),
            };
            return (Some(claim(id.app, "annotations", TRACKING_ID, text, from_git, check)), None);
        }
        Some((_, Some(_))) => {}
        Some((text, None)) => {
            note = Some(format!(
                "its {TRACKING_ID} '{}' is not <app>:<group>/<kind>:<namespace>/<name>, so it names no app: Argo CD would not track it either",
                clipped(text)
            ));
        }
        None => {}
    }
    let label = |object: &Value, name: &str| metadata_text(object, "labels", name).map(str::to_owned);
    for name in [instance_label, FLUX_NAME, HELM_NAME] {
        let Some(value) = label(live, name) else {
            continue;
        };
        let from_git = label(desired, name);
        if from_git.as_deref() == Some(value.as_str()) {
            continue;
        }
        let ours = if name == instance_label { names_app(&value, app) } else { value == app };
        let check = match (ours, label(live, FLUX_NAMESPACE)) {
            (false, _) => Check::Always,
            (true, Some(namespace)) if name == FLUX_NAME => Check::UnlessKustomizationIn(namespace),
            (true, _) => continue,
        };
        return (Some(claim(&value, "labels", name, &value, from_git.as_deref(), check)), note);
    }
    (None, note)
}

/// Tracking values are short; anything longer is cut before it reaches a report or a screen.
const SHOWN: usize = 120;

fn clipped(text: &str) -> String {
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn claim(app: &str, map: &str, name: &str, live: &str, desired: Option<&str>, check: Check) -> Claim {
    let (app, live, desired) = (clipped(app), clipped(live), desired.map(clipped));
    let mut path = PathBuilder::default();
    path.push_field("metadata");
    path.push_field(map);
    path.push_field(name);
    let singular = map.trim_end_matches('s');
    Claim {
        proof: format!("{singular} {name}={live}"),
        app,
        fields: vec!["metadata".to_owned(), map.to_owned(), name.to_owned()],
        pointer: path.pointer().to_owned(),
        display: path.display().to_owned(),
        live,
        desired,
        check,
    }
}

/// `metadata.<map>.<key>` as text; a short scan, not a hash, since metadata maps are small and
/// this runs for every live object.
pub fn metadata_text<'v>(object: &'v Value, map: &str, key: &str) -> Option<&'v str> {
    let field = |value: &'v Value, name: &str| value.as_object().and_then(|m| lookup(m, name));
    field(field(field(object, "metadata")?, map)?, key)?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> ResourceKey {
        ResourceKey {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespace: "default".into(),
            name: "my-cm".into(),
        }
    }

    fn config_map(metadata: Value) -> Value {
        let mut object = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata});
        object["metadata"]["name"] = json!("my-cm");
        object["metadata"]["namespace"] = json!("default");
        object
    }

    /// The claim (counting) that `live` makes against app `shop`, Argo CD in `argocd`.
    fn claim_of(live: &Value, desired: &Value) -> Option<Claim> {
        read_claim(live, desired, &key(), "shop", "app.kubernetes.io/instance", "argocd")
            .0
            .filter(|c| c.check == Check::Always)
    }

    #[test]
    fn a_tracking_id_naming_another_app_is_a_claim_and_decides_alone() {
        let live = config_map(json!({"annotations": {TRACKING_ID: "billing:/ConfigMap:default/my-cm"},
            "labels": {"app.kubernetes.io/instance": "shop"}}));
        let desired = config_map(json!({}));
        let claim = claim_of(&live, &desired).expect("claimed");
        assert_eq!(claim.app, "billing");
        assert_eq!(claim.pointer, "/metadata/annotations/argocd.argoproj.io~1tracking-id");
        assert_eq!(claim.proof, "annotation argocd.argoproj.io/tracking-id=billing:/ConfigMap:default/my-cm");
        let ours = config_map(json!({"annotations": {TRACKING_ID: "argocd_shop:/ConfigMap:default/my-cm"},
            "labels": {"app.kubernetes.io/instance": "my-release"}}));
        assert_eq!(claim_of(&ours, &desired), None);
    }

    #[test]
    fn a_tracking_id_for_the_apps_name_counts_only_if_it_names_another_applications_namespace() {
        let (live, desired) = (
            config_map(json!({"annotations": {TRACKING_ID: "prod_shop:/ConfigMap:default/my-cm"}})),
            config_map(json!({})),
        );
        let (claim, _) = read_claim(&live, &desired, &key(), "shop", "app.kubernetes.io/instance", "argocd");
        let claim = claim.expect("pending");
        assert!(!claim.holds(Some("prod"), None), "the app's own Application is prod/shop");
        assert!(claim.holds(Some("argocd"), None), "the app's Application is argocd/shop; prod/shop is another");
        assert!(!claim.holds(None, None), "no Application known: nothing to say");
        assert_eq!(claim.claimant(), "the Argo CD Application prod/shop");
        let flux = config_map(json!({"labels": {FLUX_NAME: "shop", FLUX_NAMESPACE: "team-b"}}));
        let (claim, _) = read_claim(&flux, &desired, &key(), "shop", "app.kubernetes.io/instance", "argocd");
        let claim = claim.expect("pending");
        assert!(claim.holds(None, Some("flux-system")) && !claim.holds(None, Some("team-b")));
    }

    #[test]
    fn labels_claim_only_when_git_does_not_set_them() {
        let live = config_map(json!({"labels": {"app.kubernetes.io/instance": "my-release"}}));
        let chart = config_map(json!({"labels": {"app.kubernetes.io/instance": "my-release"}}));
        assert_eq!(claim_of(&live, &chart), None);
        let plain = config_map(json!({}));
        let elsewhere = config_map(json!({"labels": {"app.kubernetes.io/instance": "team-a_shop"}}));
        assert_eq!(claim_of(&elsewhere, &plain), None, "apps in any namespace");
        let claim = claim_of(&live, &plain).expect("claimed");
        assert_eq!(
            (claim.app.as_str(), claim.display.as_str()),
            ("my-release", "metadata.labels.\"app.kubernetes.io/instance\"")
        );
        let flux = config_map(json!({"labels": {FLUX_NAME: "infra", FLUX_NAMESPACE: "flux-system"}}));
        assert_eq!(claim_of(&flux, &plain).map(|c| c.app), Some("infra".into()));
    }

    #[test]
    fn an_unreadable_tracking_id_is_noted_and_labels_decide() {
        let live = config_map(
            json!({"annotations": {TRACKING_ID: "other:"}, "labels": {"app.kubernetes.io/instance": "shop"}}),
        );
        let (claim, note) =
            read_claim(&live, &config_map(json!({})), &key(), "shop", "app.kubernetes.io/instance", "argocd");
        assert_eq!(claim, None);
        assert!(note.expect("noted").contains("'other:' is not <app>:<group>/<kind>:<namespace>/<name>"));
    }

    #[test]
    fn a_huge_tracking_value_is_cut_before_it_reaches_a_report() {
        let huge = format!("billing{}:/ConfigMap:default/my-cm", "x".repeat(100_000));
        let live = config_map(json!({"annotations": {TRACKING_ID: huge}}));
        let claim = claim_of(&live, &config_map(json!({}))).unwrap();
        assert!(claim.proof.chars().count() < 200 && claim.live.ends_with('…'), "{}", claim.proof);
        assert!(claim.app.chars().count() <= SHOWN + 1);
    }

    #[test]
    fn a_copied_tracking_id_naming_another_object_tracks_nothing() {
        let id = TrackingId::parse("billing:apps/Deployment:prod/api").expect("parses");
        assert!(!id.names_object(&key()));
        assert!(TrackingId::parse("billing:Deployment").is_none());
    }
}
