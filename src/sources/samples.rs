//! Sample clusters embedded in the binary from `assets/samples/<name>/`: `desired/` (what Git
//! holds), `live/` (what `kubectl get -o yaml --show-managed-fields` returned) and
//! `scenario.yaml` (the app, its namespace and the moment the snapshot was taken, so ages in
//! reasons read the same on every run).

use crate::engine::Manifest;
use crate::engine::time::parse_rfc3339;
use crate::sources::files::parse_documents;
use include_dir::{Dir, include_dir};
use serde::Deserialize;

static SAMPLES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/assets/samples");

/// The sample `kdrift demo` opens.
pub const DEMO_SAMPLE: &str = "checkout-api";

#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("no sample named '{name}' (available: {available})")]
    Unknown { name: String, available: String },
    #[error("sample '{name}' is broken: {problem}")]
    Broken { name: String, problem: String },
    #[error("{}: {problem}", path.display())]
    Dir { path: std::path::PathBuf, problem: String },
}

/// What `scenario.yaml` says about the sample cluster.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleMeta {
    pub app: String,
    pub namespace: String,
    /// When the live snapshot was taken (RFC 3339).
    pub observed_at: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The training drill played on this sample (`kdrift train`): read by `training` from
    /// `scenario_yaml`, so its errors keep their line and column.
    #[serde(default)]
    pub drill: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Clone)]
pub struct Sample {
    pub name: String,
    pub meta: SampleMeta,
    pub observed_at: Option<i64>,
    pub desired: Vec<Manifest>,
    pub live: Vec<Manifest>,
    /// `scenario.yaml` as written, for the parts other modules read (the training drill).
    pub scenario_yaml: String,
}

/// Names of the embedded samples, sorted.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&str> = SAMPLES.dirs().filter_map(|d| d.path().file_name()?.to_str()).collect();
    names.sort_unstable();
    names
}

pub fn load(name: &str) -> Result<Sample, SampleError> {
    let dir = SAMPLES
        .get_dir(name)
        .ok_or_else(|| SampleError::Unknown { name: name.to_owned(), available: names().join(", ") })?;
    let broken = |problem: String| SampleError::Broken { name: name.to_owned(), problem };
    let scenario = dir
        .get_file(format!("{name}/scenario.yaml"))
        .and_then(|f| f.contents_utf8())
        .ok_or_else(|| broken("scenario.yaml is missing".to_owned()))?;
    let meta = parse_meta(scenario).map_err(broken)?;
    let observed_at = parse_rfc3339(&meta.observed_at);
    let desired = manifests_in(dir, &format!("{name}/desired")).map_err(broken)?;
    let live = manifests_in(dir, &format!("{name}/live")).map_err(broken)?;
    Ok(Sample { name: name.to_owned(), meta, observed_at, desired, live, scenario_yaml: scenario.to_owned() })
}

/// The sample cluster's API audit log (`audit.jsonl`, JSON lines), when it ships one: the
/// people behind its hand-made changes.
pub fn audit_log(name: &str) -> Option<&'static str> {
    SAMPLES.get_file(format!("{name}/audit.jsonl")).and_then(|file| file.contents_utf8())
}

/// `scenario.yaml`'s text as typed data.
fn parse_meta(text: &str) -> Result<SampleMeta, String> {
    // The error names the key path, line and column itself.
    yaml_serde::from_str(text).map_err(|error| format!("scenario.yaml: {error}"))
}

/// A sample laid out in a directory outside the binary (an instructor's scenario): the
/// same `scenario.yaml`, `desired/` and `live/` as the embedded ones.
pub fn load_dir(path: &std::path::Path) -> Result<Sample, SampleError> {
    let problem = |problem: String| SampleError::Dir { path: path.to_owned(), problem };
    let scenario_path = path.join("scenario.yaml");
    let text = crate::sources::bounded::read_text(&scenario_path)
        .map_err(|e| problem(format!("cannot read scenario.yaml: {e}")))?;
    let meta = parse_meta(&text).map_err(problem)?;
    let observed_at = parse_rfc3339(&meta.observed_at);
    let load = |side: &str| {
        crate::sources::files::load_path(&path.join(side))
            .map(|(manifests, _)| manifests)
            .map_err(|e| problem(e.to_string()))
    };
    let (desired, live) = (load("desired")?, load("live")?);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("scenario").to_owned();
    Ok(Sample { name, meta, observed_at, desired, live, scenario_yaml: text })
}

/// The sample's desired files as shipped: path under `desired/` and text.
pub fn desired_files(name: &str) -> Vec<(String, &'static str)> {
    let Some(dir) = SAMPLES.get_dir(format!("{name}/desired")) else {
        return Vec::new();
    };
    let prefix = format!("{name}/desired/");
    let mut files: Vec<(String, &'static str)> = Vec::new();
    collect_files(dir, &prefix, &mut files);
    files.sort();
    files
}

fn collect_files(dir: &'static Dir<'static>, prefix: &str, out: &mut Vec<(String, &'static str)>) {
    for file in dir.files() {
        if let (Some(text), Some(path)) = (file.contents_utf8(), file.path().to_str()) {
            out.push((path.trim_start_matches(prefix).to_owned(), text));
        }
    }
    for sub in dir.dirs() {
        collect_files(sub, prefix, out);
    }
}

fn manifests_in(dir: &Dir<'static>, sub: &str) -> Result<Vec<Manifest>, String> {
    let sub_dir = dir.get_dir(sub).ok_or_else(|| format!("{sub}/ is missing"))?;
    let mut files: Vec<_> = sub_dir.files().collect();
    files.sort_by_key(|f| f.path());
    let mut manifests = Vec::new();
    for file in files {
        let origin = format!("sample:{}", file.path().display());
        let text = file.contents_utf8().ok_or_else(|| format!("{origin} is not UTF-8"))?;
        manifests.extend(parse_documents(text, &origin).map_err(|p| format!("{origin}: {p:?}"))?);
    }
    Ok(manifests)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_sample_loads() {
        assert!(names().contains(&DEMO_SAMPLE));
        for name in names() {
            let sample = load(name).unwrap_or_else(|e| panic!("{e}"));
            assert!(!sample.desired.is_empty() && !sample.live.is_empty(), "{name}");
            assert!(sample.observed_at.is_some(), "{name}: observed_at must be RFC 3339");
        }
    }

    #[test]
    fn unknown_samples_list_the_available_ones() {
        let error = load("nope").expect_err("unknown");
        assert!(error.to_string().contains(DEMO_SAMPLE));
    }
}
