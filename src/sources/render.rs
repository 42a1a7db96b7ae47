//! Rendering desired state the way the GitOps controller would, through the same binaries
//! Argo CD's repo-server and Flux use: a directory holding a `kustomization.yaml` is built
//! with `kustomize build` (or `kubectl kustomize` when no kustomize binary is installed), one
//! holding a `Chart.yaml` with `helm template`. Every run has a time and an output limit.

use crate::engine::Manifest;
use crate::sources::files::{ParseProblem, parse_documents};
use crate::sources::process;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

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
    #[error("'{command}' failed: {stderr}")]
    Failed { command: String, stderr: String },
    #[error("'{command}' did not finish within {seconds} s and was stopped")]
    Timeout { command: String, seconds: u64 },
    #[error("output of '{command}' is not valid: {problem}")]
    Output { command: String, problem: String },
}

impl RenderError {
    /// The renderer's own words, for a sync-availability finding.
    pub fn detail(&self) -> String {
        match self {
            RenderError::Failed { stderr, .. } => stderr.clone(),
            other => other.to_string(),
        }
    }
}

/// Which renderer a directory needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    Kustomize,
    Helm,
}

impl Renderer {
    pub fn name(self) -> &'static str {
        match self {
            Renderer::Kustomize => "kustomize",
            Renderer::Helm => "helm template",
        }
    }
}

/// The renderer `dir` needs: Kustomize for a kustomization file, Helm for a chart.
pub(crate) fn detect(dir: &Path) -> Option<Renderer> {
    if !dir.is_dir() {
        return None;
    }
    if KUSTOMIZATION_FILES.iter().any(|f| dir.join(f).is_file()) {
        Some(Renderer::Kustomize)
    } else if dir.join("Chart.yaml").is_file() {
        Some(Renderer::Helm)
    } else {
        None
    }
}

/// Binaries and settings for rendering.
#[derive(Debug, Clone)]
pub(crate) struct RenderOptions {
    /// `kubectl`, used for `kubectl kustomize` when no kustomize binary is installed.
    pub kubectl: String,
    /// A `kustomize` binary to prefer; `None` looks for `kustomize` on PATH.
    pub kustomize: Option<String>,
    pub helm: String,
    /// Helm release name and namespace, and values files (in order).
    pub release: String,
    pub namespace: String,
    pub values: Vec<PathBuf>,
    pub timeout: Duration,
}

/// Renders `dir` with `renderer`; `label` names the output in origins (`<label> (kustomize)`).
pub(crate) fn render(
    renderer: Renderer,
    dir: &Path,
    label: &str,
    options: &RenderOptions,
) -> Result<Vec<Manifest>, RenderError> {
    let mut command = match renderer {
        Renderer::Kustomize => match options.kustomize.clone().or_else(|| on_path("kustomize")) {
            Some(kustomize) => {
                let mut command = Command::new(kustomize);
                command.arg("build").arg(dir);
                command
            }
            None => {
                let mut command = Command::new(&options.kubectl);
                command.arg("kustomize").arg(dir);
                command
            }
        },
        Renderer::Helm => {
            let mut command = Command::new(&options.helm);
            command.arg("template").arg(&options.release).arg(dir).arg("--namespace").arg(&options.namespace);
            for values in &options.values {
                command.arg("--values").arg(values);
            }
            command
        }
    };
    let shown = describe(&command);
    let stdout = run_with_timeout(&mut command, options.timeout, dir, &shown)?;
    let origin = format!("{label} ({})", renderer.name());
    parse_documents(&stdout, &origin).map_err(|problem| RenderError::Output {
        command: shown,
        problem: match problem {
            ParseProblem::Yaml { line, column, message } => format!("line {line}, column {column}: {message}"),
            ParseProblem::Object { document, problem } => format!("{document}: {problem}"),
        },
    })
}

/// The binary's path when it is found on PATH.
fn on_path(binary: &str) -> Option<String> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(binary))
        .find(|candidate| candidate.is_file())
        .map(|found| found.display().to_string())
}

fn describe(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// Runs `command` and returns its stdout, within `timeout` and the file limit (rendered
/// output is a manifest file that was never written); what it started is stopped with it.
/// The last lines of stderr become the error when it fails.
fn run_with_timeout(command: &mut Command, timeout: Duration, dir: &Path, shown: &str) -> Result<String, RenderError> {
    let binary = command.get_program().to_string_lossy().into_owned();
    let bounds =
        process::Bounds { timeout, stdout_bytes: crate::limits::current().file_bytes, stderr_bytes: 64 * 1024 };
    let finished = process::run(command, None, bounds).map_err(|error| match error {
        process::RunError::Spawn(source) => RenderError::Spawn { binary, dir: dir.to_owned(), source },
        process::RunError::Timeout(_) => RenderError::Timeout { command: shown.to_owned(), seconds: timeout.as_secs() },
        too_much => RenderError::Failed { command: shown.to_owned(), stderr: too_much.to_string() },
    })?;
    if finished.status.success() {
        return String::from_utf8(finished.stdout).map_err(|_| RenderError::Output {
            command: shown.to_owned(),
            problem: "the output is not UTF-8 text".to_owned(),
        });
    }
    let stderr = String::from_utf8_lossy(&finished.stderr);
    let lines: Vec<&str> = stderr.trim().lines().filter(|l| !l.trim().is_empty()).map(without_log_header).collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" | ");
    Err(RenderError::Failed {
        command: shown.to_owned(),
        stderr: if tail.is_empty() { "no error output".to_owned() } else { tail },
    })
}

/// kubectl's log prefix (`E1124 13:45:26.020525   27623 run.go:72] `) says nothing to a reader.
fn without_log_header(line: &str) -> &str {
    let bytes = line.as_bytes();
    let klog = bytes.len() > 6
        && b"IWEF".contains(&bytes[0])
        && bytes[1..5].iter().all(u8::is_ascii_digit)
        && bytes[5] == b' ';
    match line.split_once("] ") {
        Some((_, rest)) if klog => rest,
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_log_headers_are_dropped() {
        let line = "E1124 13:45:26.020525   27623 run.go:72] \"command failed\" err=\"missing\"";
        assert_eq!(without_log_header(line), "\"command failed\" err=\"missing\"");
        assert_eq!(without_log_header("Error: chart not found"), "Error: chart not found");
    }
}
