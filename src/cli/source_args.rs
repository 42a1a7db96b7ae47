//! The source flags every command takes (`--desired`, `--live`, `--context`, `--contexts`,
//! `--repo`, `--sample`, …) and how they become the application core's `SourceSpec`.

use crate::investigate::{RendererChoice, SourceSpec};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Where desired and live state come from.
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// Desired state: a manifest file or directory (a directory with kustomization.yaml is rendered).
    #[arg(long, value_name = "PATH", conflicts_with = "sample")]
    pub desired: Option<PathBuf>,
    /// Live state: a snapshot file or directory (`kubectl get -o yaml --show-managed-fields`
    /// output). Without it, live state is read from the cluster of the kubeconfig's context.
    #[arg(long, value_name = "PATH", conflicts_with = "sample")]
    pub live: Option<PathBuf>,
    /// Kubeconfig context to read live state from (default: the current context).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["live", "sample"])]
    pub context: Option<String>,
    /// Read these kubeconfig contexts at once, comma-separated: one apps list with the
    /// cluster of each app (an unreachable context is a warning, not the end).
    #[arg(long, value_name = "A,B", value_delimiter = ',', conflicts_with_all = ["context", "live", "sample", "all_contexts"])]
    pub contexts: Vec<String>,
    /// Read every context the kubeconfig names, as --contexts does.
    #[arg(long, conflicts_with_all = ["context", "live", "sample"])]
    pub all_contexts: bool,
    /// The fleet overview from kdrift serve's metrics in this Prometheus (or Thanos); Enter on
    /// an app reads it from its cluster (the series' `cluster` label names the context).
    #[arg(long, value_name = "URL", conflicts_with_all = ["context", "contexts", "all_contexts", "live", "sample"])]
    pub prometheus: Option<String>,
    /// Seconds one request (to the API server, or Prometheus) may take.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub request_timeout: u64,
    /// Desired state from this Git repository (bare or not), read at --revision without a checkout.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["desired", "sample"])]
    pub repo: Option<PathBuf>,
    /// Revision to read from --repo: a branch, tag, commit or any rev-parse expression
    /// (default: each discovered app's target revision, else HEAD).
    #[arg(long, value_name = "REV", requires = "repo")]
    pub revision: Option<String>,
    /// Directory (or file) inside --repo holding the app's manifests. Without it (and without
    /// --app), every app in the repo's .kdrift.yaml or among the live Argo CD Applications and
    /// Flux Kustomizations is scanned.
    #[arg(long, value_name = "DIR", requires = "repo")]
    pub path: Option<String>,
    /// Use an embedded sample cluster instead of --desired/--live (no NAME: the demo's).
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = crate::sources::samples::DEMO_SAMPLE)]
    pub sample: Option<String>,
    /// App name (tracking labels tie orphans to it); defaults to the desired directory's name.
    #[arg(long, value_name = "NAME")]
    pub app: Option<String>,
    /// Namespace for desired objects that do not set one (the app's destination namespace).
    #[arg(long, short = 'n', value_name = "NS")]
    pub namespace: Option<String>,
    /// Evaluate ages as of this RFC 3339 time instead of now (reproducible reports).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// How to turn the desired directory into objects: `auto` renders a directory holding a
    /// kustomization.yaml or a Chart.yaml; `plain` reads its YAML files as they are.
    #[arg(long, value_enum, default_value_t = RendererArg::Auto)]
    pub renderer: RendererArg,
    /// kubectl binary, used for `kubectl kustomize` when no kustomize binary is installed.
    #[arg(long, value_name = "BIN", default_value = "kubectl")]
    pub kubectl: String,
    /// kustomize binary for `kustomize build` (default: `kustomize` on PATH, else kubectl).
    #[arg(long, value_name = "BIN")]
    pub kustomize: Option<String>,
    /// helm binary for directories holding a Chart.yaml (`helm template`).
    #[arg(long, value_name = "BIN", default_value = "helm")]
    pub helm: String,
    /// Helm release name (default: the app name).
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// Helm values file, in order (repeatable).
    #[arg(long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Seconds a renderer may run before it is stopped.
    #[arg(long, value_name = "SECS", default_value_t = 90)]
    pub render_timeout: u64,
    /// Ignore rules: an Argo CD Application, argocd-cm ConfigMap, Flux Kustomization or
    /// HelmRelease, or a YAML list of rules (repeatable). What they hide stays in the report.
    #[arg(long, value_name = "FILE")]
    pub ignore: Vec<PathBuf>,
    /// Desired state from Argo CD's API: each Application's rendered objects (Helm,
    /// Kustomize, plugins) instead of a clone. A URL, or host[:port] as `argocd login` takes.
    #[arg(long, value_name = "URL", conflicts_with_all = ["repo", "desired", "sample"])]
    pub argocd_server: Option<String>,
    /// A file holding the Argo CD token (default: $ARGOCD_AUTH_TOKEN, else the argocd CLI's
    /// config for that server).
    #[arg(long, value_name = "FILE", requires = "argocd_server")]
    pub argocd_token_file: Option<PathBuf>,
    /// PEM certificates Argo CD's TLS certificate chains to (default: the system's).
    #[arg(long, value_name = "FILE", requires = "argocd_server")]
    pub argocd_ca: Option<PathBuf>,
    /// The API server's audit log (JSON lines, a directory of them, gzip accepted;
    /// repeatable): names the person behind each drifted field's write.
    #[arg(long, value_name = "PATH")]
    pub audit_log: Vec<PathBuf>,
    /// Config file (default: config.toml in kdrift's config directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// On a cluster, do not ask the API server for a dry-run apply of drifted objects (what it
    /// would store for Git's object); kdrift's offline defaults table decides alone.
    #[arg(long)]
    pub no_server_dry_run: bool,
}

impl From<&SourceArgs> for SourceSpec {
    fn from(args: &SourceArgs) -> SourceSpec {
        SourceSpec {
            desired: args.desired.clone(),
            live: args.live.clone(),
            context: args.context.clone(),
            contexts: args.contexts.clone(),
            request_timeout: args.request_timeout,
            prometheus: args.prometheus.clone(),
            repo: args.repo.clone(),
            revision: args.revision.clone(),
            path: args.path.clone(),
            sample: args.sample.clone(),
            app: args.app.clone(),
            namespace: args.namespace.clone(),
            now: args.now.clone(),
            renderer: args.renderer.into(),
            kubectl: args.kubectl.clone(),
            kustomize: args.kustomize.clone(),
            helm: args.helm.clone(),
            release: args.release.clone(),
            values: args.values.clone(),
            render_timeout: args.render_timeout,
            ignore: args.ignore.clone(),
            audit_log: args.audit_log.clone(),
            argocd: args.argocd_server.as_ref().map(|server| crate::sources::argocd::ArgoSpec {
                server: server.clone(),
                token_file: args.argocd_token_file.clone(),
                ca_file: args.argocd_ca.clone(),
                app_namespace: None,
            }),
            substitute: None,
            config: args.config.clone(),
            no_server_dry_run: args.no_server_dry_run,
            review_access: true,
        }
    }
}

/// Which renderer turns desired state into objects (`--renderer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RendererArg {
    /// Kustomize for a kustomization.yaml, Helm for a Chart.yaml, else plain YAML.
    Auto,
    Plain,
    Kustomize,
    Helm,
}

impl From<RendererArg> for RendererChoice {
    fn from(arg: RendererArg) -> RendererChoice {
        match arg {
            RendererArg::Auto => RendererChoice::Auto,
            RendererArg::Plain => RendererChoice::Plain,
            RendererArg::Kustomize => RendererChoice::Kustomize,
            RendererArg::Helm => RendererChoice::Helm,
        }
    }
}
