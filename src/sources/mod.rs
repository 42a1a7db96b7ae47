//! Sources produce the desired and live object sets (DESIGN §2): manifest files and snapshots
//! (`files`), Kustomize rendering (`render`) and the sample clusters embedded in the binary
//! (`samples`).

pub mod files;
pub mod render;
pub mod samples;

use crate::engine::Manifest;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Load(#[from] files::LoadError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    Sample(#[from] samples::SampleError),
}

/// Desired state from `--desired PATH`: rendered when it is a Kustomize root, else read.
pub fn load_desired(path: &Path, kubectl: &str) -> Result<Vec<Manifest>, SourceError> {
    if render::is_kustomization(path) {
        return Ok(render::kustomize(path, kubectl)?);
    }
    Ok(files::load_path(path)?)
}
