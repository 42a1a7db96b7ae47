//! Resolving `SourceArgs` into what the engine needs: desired manifests, a live stream, the
//! app name, default namespace and evaluation time, and a label naming the source.

use crate::cli::{CliError, SourceArgs};
use crate::engine::time::parse_rfc3339;
use crate::engine::{Comparator, EngineConfig, Manifest};
use crate::model::AppReport;
use crate::sources::{self, files, samples};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub enum Live {
    Path(PathBuf),
    Loaded(Vec<Manifest>),
}

pub struct Input {
    pub app: String,
    pub namespace: String,
    pub now: Option<i64>,
    pub desired: Vec<Manifest>,
    pub live: Live,
    /// "sample checkout-api", "snapshot ./live".
    pub source_label: String,
}

pub fn resolve(args: &SourceArgs) -> Result<Input, CliError> {
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
            desired: sample.desired,
            live: Live::Loaded(sample.live),
            source_label: format!("sample {name}"),
        });
    }
    let (Some(desired_path), Some(live_path)) = (&args.desired, &args.live) else {
        return Err(CliError::NoSource);
    };
    let desired = sources::load_desired(desired_path, &args.kubectl)?;
    Ok(Input {
        app: args.app.clone().unwrap_or_else(|| default_app_name(desired_path)),
        namespace: args.namespace.clone().unwrap_or_else(|| "default".to_owned()),
        now: explicit_now.or_else(system_now),
        desired,
        live: Live::Path(live_path.clone()),
        source_label: format!("snapshot {}", live_path.display()),
    })
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

/// Runs the engine over the input; `keep_live` receives each live object before comparison
/// (the diff view needs them, the scan does not).
pub fn compare(
    input: Input,
    config: &EngineConfig,
    mut keep_live: impl FnMut(&Manifest),
) -> Result<AppReport, CliError> {
    let mut comparator = Comparator::new(config, &input.app, &input.namespace, input.now, input.desired)?;
    match input.live {
        Live::Loaded(manifests) => manifests.into_iter().for_each(|m| {
            keep_live(&m);
            comparator.observe_live(m);
        }),
        Live::Path(path) => files::for_each_manifest(&path, |m| {
            keep_live(&m);
            comparator.observe_live(m);
        })
        .map_err(sources::SourceError::from)?,
    }
    Ok(comparator.finish())
}
