//! Sources produce the desired and live object sets (DESIGN §2) and the apps they belong to
//! (`apps`): manifest files and snapshots
//! (`files`), Git revisions (`git`), Kustomize and Helm rendering (`render`), the live cluster (`cluster`), the sample clusters embedded in the binary
//! (`samples`), ignore-rule files (`rules`), the API server's audit log (`audit`), and Argo CD's
//! rendered state (`argocd`). Files are parsed ahead of the engine, in order
//! (`ordered`).

pub(crate) mod apps;
pub mod argocd;
pub mod audit;
pub(crate) mod bounded;
pub(crate) mod cluster;
pub mod files;
pub(crate) mod flux;
pub(crate) mod git;
pub mod jq_worker;
mod list_stream;
mod ordered;
pub(crate) mod process;
pub mod prometheus;
pub(crate) mod render;
pub(crate) mod rest;
pub mod rules;
pub mod samples;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Load(#[from] files::LoadError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    Sample(#[from] samples::SampleError),
    #[error(transparent)]
    Rules(#[from] rules::RulesError),
    #[error(transparent)]
    Git(#[from] git::GitError),
    #[error(transparent)]
    Cluster(#[from] cluster::ClusterError),
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    #[error(transparent)]
    Argo(#[from] argocd::ArgoError),
}
