//! What to investigate, as plain data: where desired and live state come from and how to
//! read them (`SourceSpec`), which apps to load (`Request`), and which resource a decision or
//! a diff names (`ResourceFilter`). The command line and the TUI's `:context`/`:ns` build
//! these; nothing here knows about either.

use crate::investigate::InvestigateError;
use crate::model::ResourceKey;
use crate::sources::render::Renderer;
use std::path::{Path, PathBuf};

/// Where desired and live state come from (DESIGN §4 "Sources").
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSpec {
    pub desired: Option<PathBuf>,
    pub live: Option<PathBuf>,
    pub context: Option<String>,
    /// Several contexts read at once (`--contexts`, `--all-contexts`): each app is tagged
    /// with the one it came from. Empty: `context` alone.
    pub contexts: Vec<String>,
    /// Seconds one request to the API server may take.
    pub request_timeout: u64,
    /// A Prometheus holding `kdrift serve`'s metrics: the fleet overview comes from it.
    pub prometheus: Option<String>,
    pub repo: Option<PathBuf>,
    pub revision: Option<String>,
    pub path: Option<String>,
    pub sample: Option<String>,
    pub app: Option<String>,
    pub namespace: Option<String>,
    /// RFC 3339 evaluation time instead of now.
    pub now: Option<String>,
    pub renderer: RendererChoice,
    pub kubectl: String,
    pub kustomize: Option<String>,
    pub helm: String,
    pub release: Option<String>,
    pub values: Vec<PathBuf>,
    /// Seconds a renderer may run.
    pub render_timeout: u64,
    pub ignore: Vec<PathBuf>,
    /// Audit log files or directories: who made each drifted field's write.
    pub audit_log: Vec<PathBuf>,
    /// Desired state from Argo CD's API (`--argocd-server`) instead of Git.
    pub argocd: Option<crate::sources::argocd::ArgoSpec>,
    /// Flux `postBuild` variables substituted into the rendered objects (a Flux app read from
    /// its artifact).
    pub substitute: Option<std::collections::BTreeMap<String, String>>,
    pub config: Option<PathBuf>,
    pub no_server_dry_run: bool,
    /// On a cluster, ask which corrections the user may make (a diff need not).
    pub review_access: bool,
}

impl SourceSpec {
    /// An embedded sample with every other setting at its default.
    pub fn sample(name: &str) -> SourceSpec {
        SourceSpec {
            desired: None,
            live: None,
            context: None,
            contexts: Vec::new(),
            request_timeout: 30,
            prometheus: None,
            repo: None,
            revision: None,
            path: None,
            sample: Some(name.to_owned()),
            app: None,
            namespace: None,
            now: None,
            renderer: RendererChoice::Auto,
            kubectl: "kubectl".to_owned(),
            kustomize: None,
            helm: "helm".to_owned(),
            release: None,
            values: Vec::new(),
            render_timeout: 90,
            ignore: Vec::new(),
            audit_log: Vec::new(),
            argocd: None,
            substitute: None,
            config: None,
            no_server_dry_run: false,
            review_access: true,
        }
    }

    /// What kind of place live state comes from.
    pub fn kind(&self) -> SourceKind {
        match (&self.sample, &self.live) {
            (Some(name), _) => SourceKind::Sample(name.clone()),
            (None, Some(_)) => SourceKind::Snapshot,
            (None, None) => SourceKind::Cluster,
        }
    }
}

/// Where an app's live state came from: what may be written there, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// An embedded sample: decisions act on its simulation.
    Sample(String),
    /// Files on disk: nothing can be written.
    Snapshot,
    /// A cluster through the kubeconfig.
    Cluster,
}

/// Which renderer turns desired state into objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RendererChoice {
    /// Kustomize for a kustomization.yaml, Helm for a Chart.yaml, else plain YAML.
    Auto,
    Plain,
    Kustomize,
    Helm,
}

impl RendererChoice {
    /// The renderer for `dir`, whose own files suggest `detected`; a forced renderer the
    /// directory cannot feed is an error naming the file it lacks.
    pub fn choose(self, dir: &Path, detected: Option<Renderer>) -> Result<Option<Renderer>, InvestigateError> {
        let lacking = |file: &str| {
            InvestigateError::Renderer(format!("--renderer {}: '{}' has no {file}", self.name(), dir.display()))
        };
        match (self, detected) {
            (RendererChoice::Auto, detected) => Ok(detected),
            (RendererChoice::Plain, _) => Ok(None),
            (RendererChoice::Kustomize, Some(Renderer::Kustomize)) => Ok(Some(Renderer::Kustomize)),
            (RendererChoice::Kustomize, _) => Err(lacking("kustomization.yaml")),
            (RendererChoice::Helm, Some(Renderer::Helm)) => Ok(Some(Renderer::Helm)),
            (RendererChoice::Helm, _) => Err(lacking("Chart.yaml")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RendererChoice::Auto => "auto",
            RendererChoice::Plain => "plain",
            RendererChoice::Kustomize => "kustomize",
            RendererChoice::Helm => "helm",
        }
    }

    /// The catalog's spelling (`plain`, `kustomize`, `helm`).
    pub fn from_name(name: &str) -> Option<RendererChoice> {
        [RendererChoice::Plain, RendererChoice::Kustomize, RendererChoice::Helm].into_iter().find(|c| c.name() == name)
    }
}

/// What to load.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Every sample cluster embedded in the binary, one app each.
    Samples,
    /// The sources the command line (or `:context`/`:ns`) names.
    Sources(Box<SourceSpec>),
}

impl Request {
    /// "samples (embedded)", "sample checkout-api", "snapshot ./live", "context prod-eu".
    pub fn label(&self) -> String {
        match self {
            Request::Samples => "samples (embedded)".to_owned(),
            Request::Sources(spec) => match (&spec.live, &spec.sample) {
                (_, Some(sample)) => format!("sample {sample}"),
                (Some(live), _) => format!("snapshot {}", live.display()),
                (None, None) if let Some(url) = &spec.prometheus => format!("prometheus {url}"),
                (None, None) if !spec.contexts.is_empty() => format!("contexts {}", spec.contexts.join(", ")),
                (None, None) => format!("context {}", spec.context.as_deref().unwrap_or("(current)")),
            },
        }
    }

    /// Whether live state comes from a cluster (the only place a write can land); a fleet
    /// overview from Prometheus does not (its rows are read from their clusters when opened).
    pub fn is_cluster(&self) -> bool {
        matches!(self, Request::Sources(spec) if spec.kind() == SourceKind::Cluster && spec.prometheus.is_none())
    }
}

/// `KIND/NAME` or `KIND/NAMESPACE/NAME`, kind case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceFilter {
    pub text: String,
    /// Lower case, as typed; and with kubectl's short names resolved (`deploy` →
    /// `deployment`). Either matches: a custom kind may be spelled like a short name (`App`).
    kind: String,
    resolved: String,
    /// From `kind.group` (`deployments.apps`), when given.
    group: Option<String>,
    namespace: Option<String>,
    name: String,
}

impl ResourceFilter {
    pub fn parse(text: &str) -> Result<ResourceFilter, InvestigateError> {
        let parts: Vec<&str> = text.split('/').collect();
        let (kind, namespace, name) = match parts.as_slice() {
            [kind, name] => (*kind, None, *name),
            [kind, namespace, name] => (*kind, Some((*namespace).to_owned()), *name),
            _ => return Err(InvestigateError::BadResource(text.to_owned())),
        };
        if kind.is_empty() || name.is_empty() {
            return Err(InvestigateError::BadResource(text.to_owned()));
        }
        let (kind, resolved, group) = crate::investigate::kind_names::resolve(kind);
        Ok(ResourceFilter { text: text.to_owned(), kind, resolved, group, namespace, name: name.to_owned() })
    }

    /// Learns what the API server serves the typed kind as (a CRD's short name or plural),
    /// when kubectl's table did not know it: `ro/web` finds the Rollout.
    pub(crate) fn learn<'a>(&mut self, served: impl Iterator<Item = (&'a str, &'a str)>) {
        if self.resolved != self.kind {
            return;
        }
        for (name, kind) in served {
            if name.eq_ignore_ascii_case(&self.kind) {
                self.resolved = kind.to_ascii_lowercase();
                return;
            }
        }
    }

    pub fn matches(&self, key: &ResourceKey) -> bool {
        let kind = key.kind.to_ascii_lowercase();
        (crate::investigate::kind_names::names_kind(&kind, &self.kind)
            || crate::investigate::kind_names::names_kind(&kind, &self.resolved))
            && self.group.as_ref().is_none_or(|group| key.group.eq_ignore_ascii_case(group))
            && key.name == self.name
            && self.namespace.as_ref().is_none_or(|ns| *ns == key.namespace)
    }
}
