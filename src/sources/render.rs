//! Rendering desired state the way the GitOps controller would: a directory holding a
//! `kustomization.yaml` is built with `kubectl kustomize` (the same engine Argo CD's
//! repo-server and Flux's kustomize-controller embed).

use crate::engine::Manifest;
use crate::sources::files::parse_documents;
use std::path::{Path, PathBuf};
use std::process::Command;

const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot run '{binary}' to render '{}': {source}", dir.display())]
    Spawn {
        binary: String,
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("'{binary} kustomize {}' failed: {stderr}", dir.display())]
    Failed { binary: String, dir: PathBuf, stderr: String },
    #[error("output of '{binary} kustomize {}' is not valid: {problem}", dir.display())]
    Output { binary: String, dir: PathBuf, problem: String },
}

/// True when `dir` is a Kustomize root.
pub fn is_kustomization(dir: &Path) -> bool {
    dir.is_dir() && KUSTOMIZATION_FILES.iter().any(|f| dir.join(f).is_file())
}

/// Renders a Kustomize root with `<kubectl> kustomize <dir>`.
pub fn kustomize(dir: &Path, kubectl: &str) -> Result<Vec<Manifest>, RenderError> {
    kustomize_as(dir, kubectl, &dir.display().to_string())
}

/// Like `kustomize`, naming the output `<label> (kustomize)` in origins (a Git revision's
/// path rather than the temporary directory it was written to).
pub fn kustomize_as(dir: &Path, kubectl: &str, label: &str) -> Result<Vec<Manifest>, RenderError> {
    let output = Command::new(kubectl).arg("kustomize").arg(dir).output().map_err(|source| RenderError::Spawn {
        binary: kubectl.to_owned(),
        dir: dir.to_owned(),
        source,
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(RenderError::Failed {
            binary: kubectl.to_owned(),
            dir: dir.to_owned(),
            stderr: stderr.trim().lines().last().unwrap_or("no error output").to_owned(),
        });
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let origin = format!("{label} (kustomize)");
    parse_documents(&text, &origin).map_err(|problem| RenderError::Output {
        binary: kubectl.to_owned(),
        dir: dir.to_owned(),
        problem: format!("{problem:?}"),
    })
}
