//! Resolving `SourceArgs` into what the engine needs: desired manifests, a live stream, the
//! app name, default namespace and evaluation time, and a label naming the source.

use crate::cli::{CliError, SourceArgs};
use crate::config;
use crate::engine::time::parse_rfc3339;
use crate::engine::{Comparator, EngineConfig, Manifest};
use crate::model::AppReport;
use crate::sources::git::{self, GitContent, GitEvidence};
use crate::sources::{self, files, render, rules, samples};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Objects already in memory (a sample, rendered output) or files to stream.
pub enum Objects {
    Path(PathBuf),
    Loaded(Vec<Manifest>),
}

impl Objects {
    /// Feeds every object to `sink`, streaming files batch by batch.
    fn for_each(self, mut sink: impl FnMut(Manifest)) -> Result<(), CliError> {
        match self {
            Objects::Loaded(manifests) => manifests.into_iter().for_each(sink),
            Objects::Path(path) => files::for_each_manifest(&path, &mut sink).map_err(sources::SourceError::from)?,
        }
        Ok(())
    }
}

pub struct Input {
    pub app: String,
    pub namespace: String,
    pub now: Option<i64>,
    pub desired: Objects,
    pub live: Objects,
    /// "sample checkout-api", "snapshot ./live".
    pub source_label: String,
    /// Engine settings from the config file, with the ignore rules loaded.
    pub engine: EngineConfig,
    /// Commit evidence when desired state came from Git (`--repo`).
    pub git: Option<GitEvidence>,
}

pub fn resolve(args: &SourceArgs) -> Result<Input, CliError> {
    let engine = engine_config(args)?;
    let explicit_now = match &args.now {
        Some(text) => Some(parse_rfc3339(text).ok_or_else(|| CliError::BadNow(text.clone()))?),
        None => None,
    };
    if let Some(name) = &args.sample {
        let sample = samples::load(name).map_err(sources::SourceError::from)?;
        return Ok(Input {
            app: args.app.clone().unwrap_or(sample.meta.app),
            namespace: args.namespace.clone().unwrap_or(sample.meta.namespace),
            now: explicit_now.or(sample.observed_at),
            desired: Objects::Loaded(sample.desired),
            live: Objects::Loaded(sample.live),
            source_label: format!("sample {name}"),
            engine,
            git: None,
        });
    }
    let Some(live_path) = &args.live else {
        return Err(CliError::NoSource);
    };
    let (desired, default_app, git) = match (&args.repo, &args.desired) {
        (Some(repo), _) => from_git(repo, &args.revision, args.path.as_deref().unwrap_or(""), &args.kubectl)?,
        (None, Some(desired_path)) => {
            let desired = if render::is_kustomization(desired_path) {
                Objects::Loaded(render::kustomize(desired_path, &args.kubectl).map_err(sources::SourceError::from)?)
            } else {
                Objects::Path(desired_path.clone())
            };
            (desired, default_app_name(desired_path), None)
        }
        (None, None) => return Err(CliError::NoSource),
    };
    Ok(Input {
        app: args.app.clone().unwrap_or(default_app),
        namespace: args.namespace.clone().unwrap_or_else(|| "default".to_owned()),
        now: explicit_now.or_else(system_now),
        desired,
        live: Objects::Path(live_path.clone()),
        source_label: match &git {
            Some(git) => format!(
                "git {}@{} vs snapshot {}",
                args.repo.as_deref().unwrap_or(Path::new(".")).display(),
                git.commit.id.chars().take(7).collect::<String>(),
                live_path.display()
            ),
            None => format!("snapshot {}", live_path.display()),
        },
        engine,
        git,
    })
}

/// Desired objects read from `repo` at `revision` (rendered when `path` is a Kustomize root),
/// the default app name (the path's last component, else the repository's name) and the
/// evidence to annotate the report with.
fn from_git(
    repo: &Path,
    revision: &str,
    path: &str,
    kubectl: &str,
) -> Result<(Objects, String, Option<GitEvidence>), CliError> {
    let desired = git::read(repo, revision, path).map_err(sources::SourceError::from)?;
    let name = match desired.path.rsplit('/').next().filter(|n| !n.is_empty()) {
        Some(last) => last.trim_end_matches(".yaml").trim_end_matches(".yml").to_owned(),
        None => default_app_name(repo),
    };
    let objects = match desired.content {
        GitContent::Manifests(manifests) => Objects::Loaded(manifests),
        GitContent::Materialized { root, dir } => {
            let short: String = desired.evidence.commit.id.chars().take(7).collect();
            let label = format!("{}@{short}", if desired.path.is_empty() { "." } else { &desired.path });
            let rendered = render::kustomize_as(&dir, kubectl, &label).map_err(sources::SourceError::from);
            // The temporary copy of the revision is removed as soon as it is rendered.
            drop(root);
            Objects::Loaded(rendered?)
        }
    };
    Ok((objects, name, Some(desired.evidence)))
}

/// The config file's settings plus the ignore rules of the config and of `--ignore`.
/// Remarks about the rule files (one that holds no rule) go to stderr.
fn engine_config(args: &SourceArgs) -> Result<EngineConfig, CliError> {
    let config = config::load(args.config.as_deref())?;
    let mut engine = config.engine();
    let files: Vec<_> = config.ignore.iter().chain(&args.ignore).cloned().collect();
    let loaded = rules::load_rule_files(&files).map_err(sources::SourceError::from)?;
    for warning in &loaded.warnings {
        eprintln!("kdrift: warning: {warning}");
    }
    engine.rules = loaded.rules;
    Ok(engine)
}

fn system_now() -> Option<i64> {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(elapsed.as_secs()).ok()
}

/// The desired directory's name (`apps/checkout-api` → `checkout-api`).
fn default_app_name(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let name = if path.is_file() { path.file_stem() } else { path.file_name() };
    name.and_then(|n| n.to_str()).unwrap_or("app").to_owned()
}

/// Runs the engine over the input. `keep` sees every desired and live object before the
/// engine takes it (the diff view keeps the few it shows; the scan keeps nothing).
pub fn compare(input: Input, mut keep: impl FnMut(Side, &Manifest)) -> Result<AppReport, CliError> {
    let mut comparator = Comparator::new(&input.engine, &input.app, &input.namespace, input.now);
    let mut duplicate = None;
    input.desired.for_each(|manifest| {
        keep(Side::Desired, &manifest);
        if duplicate.is_none() {
            duplicate = comparator.add_desired(manifest).err();
        }
    })?;
    if let Some(error) = duplicate {
        return Err(error.into());
    }
    input.live.for_each(|manifest| {
        keep(Side::Live, &manifest);
        comparator.observe_live(manifest);
    })?;
    Ok(comparator.finish()?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Desired,
    Live,
}
