//! Resolving a `SourceSpec` into what the engine needs (desired manifests, a live stream, the
//! app name, default namespace and evaluation time, a label naming the source), and running
//! the engine over it while the keeper sees every object.

use crate::config;
use crate::engine::availability;
use crate::engine::compact::CompactManifest;
use crate::engine::identity;
use crate::engine::partition::LivePool;
use crate::engine::time::parse_rfc3339;
use crate::engine::{EngineConfig, Manifest};
use crate::investigate::InvestigateError;
use crate::investigate::Simulation;
use crate::investigate::spec::{RendererChoice, SourceKind, SourceSpec};
use crate::model::Finding;
use crate::model::ResourceKey;
use crate::sources::cluster::blocking::Session;
use crate::sources::cluster::read::{LiveQuery, LiveRead};
use crate::sources::git::{self, GitContent, GitEvidence};
use crate::sources::{self, files, render, rules, samples};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

/// Objects already in memory (a sample, rendered output) or files to stream.
pub(crate) enum Objects {
    Path(PathBuf),
    Loaded(Vec<Manifest>),
    /// Held as text until the engine takes each (a cluster's read, the desired state beside it).
    Compact(Vec<CompactManifest>),
    /// An app's share of a snapshot read once for every app, with the notes of that read.
    Shared(SharedObjects),
}

/// Objects of a live pool (by position), parsed one at a time as the engine takes them.
pub(crate) struct SharedObjects {
    pub pool: Rc<LivePool>,
    pub ids: Vec<u32>,
    /// What the walk that filled the pool skipped.
    pub notes: Vec<String>,
}

impl SharedObjects {
    fn manifests(&self) -> impl Iterator<Item = Manifest> + '_ {
        self.ids.iter().filter_map(|id| self.pool.manifest(*id))
    }
}

impl Objects {
    /// Feeds every object to `sink`, streaming files batch by batch; notes say what the
    /// walk skipped (FIFOs, devices, links back to a directory already read).
    pub(crate) fn for_each(self, mut sink: impl FnMut(Manifest)) -> Result<Vec<String>, InvestigateError> {
        match self {
            Objects::Loaded(manifests) => {
                manifests.into_iter().for_each(sink);
                Ok(Vec::new())
            }
            Objects::Compact(objects) => {
                objects.into_iter().map(|object| object.manifest()).for_each(sink);
                Ok(Vec::new())
            }
            Objects::Shared(shared) => {
                shared.manifests().for_each(sink);
                Ok(shared.notes)
            }
            Objects::Path(path) => Ok(files::for_each_manifest(&path, &mut sink).map_err(sources::SourceError::from)?),
        }
    }
}

pub(crate) struct Input {
    pub app: String,
    /// The app's name came from a directory name, not from `--app`, a sample or a definition:
    /// tracking that names another app is then a hint, not a claim.
    pub app_name_guessed: bool,
    pub namespace: String,
    pub now: Option<i64>,
    pub desired: Objects,
    pub live: Objects,
    /// "sample checkout-api", "snapshot ./live", "git .@1a2b3c4 vs cluster prod".
    pub source_label: String,
    /// Engine settings from the config file, with the ignore rules loaded.
    pub engine: EngineConfig,
    /// Remarks about the rule files (one that holds no rule), for the front end to show.
    pub notes: Vec<String>,
    /// Commit evidence when desired state came from Git (`--repo`).
    pub git: Option<GitEvidence>,
    /// The desired state could not be rendered: the app-level finding saying so. Nothing
    /// is compared then (every live object would look like an orphan).
    pub render_failure: Option<Finding>,
    /// When live state came from a cluster: the session (for the access review after the
    /// comparison) and what could not be read there.
    pub cluster: Option<(Rc<Session>, LiveRead)>,
    /// Ask the cluster which corrections the user may make (a scan does; a diff need not).
    pub review_access: bool,
    /// Ask the API server for a dry-run apply of each drifted object (cluster only).
    pub server_dry_run: bool,
}

/// Where live state comes from: a snapshot on disk, or a cluster through the kubeconfig.
#[derive(Clone)]
pub(crate) enum LiveSource {
    Snapshot(PathBuf),
    Cluster(Rc<Session>),
}

impl LiveSource {
    /// `--live PATH`, else the kubeconfig's context (`--context`), connected once.
    pub(crate) fn from_spec(args: &SourceSpec) -> Result<LiveSource, InvestigateError> {
        if let Some(path) = &args.live {
            return Ok(LiveSource::Snapshot(path.clone()));
        }
        let timeout = Duration::from_secs(args.request_timeout);
        let session = Session::connect(args.context.as_deref(), args.namespace.as_deref(), timeout)
            .map_err(sources::SourceError::from)?;
        Ok(LiveSource::Cluster(Rc::new(session)))
    }

    /// "snapshot ./live", "cluster prod".
    pub(crate) fn label(&self) -> String {
        match self {
            LiveSource::Snapshot(path) => format!("snapshot {}", path.display()),
            LiveSource::Cluster(session) => format!("cluster {}", session.cluster().context),
        }
    }

    pub(crate) fn kind(&self) -> SourceKind {
        match self {
            LiveSource::Snapshot(_) => SourceKind::Snapshot,
            LiveSource::Cluster(_) => SourceKind::Cluster,
        }
    }

    /// The namespace objects default to: the context's for a cluster.
    fn default_namespace(&self) -> String {
        match self {
            LiveSource::Snapshot(_) => "default".to_owned(),
            LiveSource::Cluster(session) => session.cluster().namespace.clone(),
        }
    }
}

/// One app's input. A sample's live objects are those its simulation holds now: what
/// earlier decisions changed (`changes`, by key; `None` deleted) replaces what was shipped.
pub(crate) fn resolve(args: &SourceSpec, changes: &Simulation) -> Result<Input, InvestigateError> {
    if let Some(name) = &args.sample {
        let sample = samples::load(name).map_err(sources::SourceError::from)?;
        let (engine, notes) = engine_config(args)?;
        let namespace = args.namespace.clone().unwrap_or(sample.meta.namespace);
        let live = match changes.get(name) {
            Some(changed) => crate::investigate::simulated::apply(sample.live, changed, &namespace),
            None => sample.live,
        };
        return Ok(Input {
            app: args.app.clone().unwrap_or(sample.meta.app),
            app_name_guessed: false,
            namespace,
            now: explicit_now(args)?.or(sample.observed_at),
            desired: Objects::Loaded(sample.desired),
            live: Objects::Loaded(live),
            source_label: format!("sample {name}"),
            engine,
            notes,
            git: None,
            render_failure: None,
            cluster: None,
            review_access: false,
            server_dry_run: false,
        });
    }
    if args.desired.is_none() && args.repo.is_none() && args.argocd.is_none() {
        return Err(InvestigateError::NoSource);
    }
    resolve_with(args, &LiveSource::from_spec(args)?)
}

/// One app's input with live state from `live`.
pub(crate) fn resolve_with(args: &SourceSpec, live: &LiveSource) -> Result<Input, InvestigateError> {
    let (mut engine, notes) = engine_config(args)?;
    let now = explicit_now(args)?.or_else(crate::clock::now);
    let (desired, default_app, git) = match (&args.repo, &args.desired) {
        (Some(repo), _) => from_git(
            repo,
            args.revision.as_deref().unwrap_or("HEAD"),
            args.path.as_deref().unwrap_or(""),
            args.renderer,
        )?,
        (None, Some(desired_path)) => {
            let desired = match args.renderer.choose(desired_path, render::detect(desired_path))? {
                Some(renderer) => Desired::Render { renderer, dir: desired_path.clone(), label: None, _root: None },
                None => Desired::Objects(Objects::Path(desired_path.clone())),
            };
            (desired, default_app_name(desired_path), None)
        }
        (None, None) => match &args.argocd {
            Some(argo) => {
                let (objects, app) = crate::investigate::argocd_input::rendered(argo, args, &mut engine)?;
                (Desired::Objects(Objects::Loaded(objects)), app, None)
            }
            None => return Err(InvestigateError::NoSource),
        },
    };
    let app_name_guessed = args.app.is_none();
    let app = args.app.clone().unwrap_or(default_app);
    let namespace = args.namespace.clone().unwrap_or_else(|| live.default_namespace());
    let (mut desired, render_failure) = render_if_needed(desired, args, &app, &namespace)?;
    if let (Some(vars), Objects::Loaded(manifests)) = (&args.substitute, &mut desired) {
        crate::sources::flux::layout::substitute(manifests, vars);
    }
    let source_label = match (&git, &args.argocd) {
        (Some(git), _) => format!(
            "git {}@{} vs {}",
            args.repo.as_deref().unwrap_or(Path::new(".")).display(),
            git.commit.id.chars().take(7).collect::<String>(),
            live.label()
        ),
        (None, Some(argo)) => format!("argocd {} vs {}", crate::sanitize::clean_line(&argo.server), live.label()),
        (None, None) => live.label(),
    };
    let (desired, live_objects, cluster) = match live {
        LiveSource::Snapshot(path) => (desired, Objects::Path(path.clone()), None),
        // Nothing to compare: reading the cluster would only find "orphans".
        LiveSource::Cluster(_) if render_failure.is_some() => (desired, Objects::Loaded(Vec::new()), None),
        LiveSource::Cluster(session) => {
            let (desired, objects, read) = read_cluster(session, desired, &app, &namespace)?;
            // Discovery knows which custom kinds are cluster-scoped.
            engine.cluster_scoped.extend(read.resources.cluster_scoped());
            (desired, objects, Some((Rc::clone(session), read)))
        }
    };
    Ok(Input {
        app,
        app_name_guessed,
        namespace,
        now,
        desired,
        live: live_objects,
        source_label,
        engine,
        notes,
        git,
        render_failure,
        cluster,
        review_access: args.review_access,
        server_dry_run: !args.no_server_dry_run,
    })
}

/// Reads the app's live objects from the cluster; desired objects whose kind could not be
/// read are left out of the comparison (the read's findings say which and why).
fn read_cluster(
    session: &Session,
    desired: Objects,
    app: &str,
    namespace: &str,
) -> Result<(Objects, Objects, LiveRead), InvestigateError> {
    // Git's objects too are held as text while the cluster is read: only their identities
    // are needed until the engine takes them.
    let mut manifests: Vec<CompactManifest> = Vec::new();
    let mut keys: Vec<(ResourceKey, String)> = Vec::new();
    let mut hold = |manifest: Manifest| {
        keys.push((identity::key_of(&manifest.object, namespace), identity::version_of(&manifest.object)));
        manifests.push(CompactManifest::new(&manifest.object, manifest.origin));
    };
    match desired {
        Objects::Loaded(loaded) => loaded.into_iter().for_each(&mut hold),
        Objects::Path(path) => {
            files::for_each_manifest(&path, &mut hold).map_err(sources::SourceError::from)?;
        }
        Objects::Shared(shared) => shared.manifests().for_each(&mut hold),
        Objects::Compact(compact) => compact.into_iter().map(|object| object.manifest()).for_each(&mut hold),
    }
    let query = LiveQuery { app: app.to_owned(), desired: keys };
    let mut read = session.read(&query).map_err(sources::SourceError::from)?;
    let comparable = manifests
        .into_iter()
        .zip(&query.desired)
        .filter(|(_, (key, _))| !read.unreadable.contains(key))
        .map(|(manifest, _)| manifest)
        .collect();
    let live = std::mem::take(&mut read.objects).into_iter().map(|object| object.compact).collect();
    Ok((Objects::Compact(comparable), Objects::Compact(live), read))
}

fn explicit_now(args: &SourceSpec) -> Result<Option<i64>, InvestigateError> {
    match &args.now {
        Some(text) => Ok(Some(parse_rfc3339(text).ok_or_else(|| InvestigateError::BadNow(text.clone()))?)),
        None => Ok(None),
    }
}

/// Renders a Kustomize or Helm directory; a render failure becomes the app-level finding
/// (and no objects), a renderer that cannot start an error.
fn render_if_needed(
    desired: Desired,
    args: &SourceSpec,
    app: &str,
    namespace: &str,
) -> Result<(Objects, Option<Finding>), InvestigateError> {
    // `_root` keeps a Git revision's temporary copy alive until the render is done.
    let (renderer, dir, label, _root) = match desired {
        Desired::Objects(objects) => return Ok((objects, None)),
        Desired::Render { renderer, dir, label, _root } => (renderer, dir, label, _root),
    };
    let options = render::RenderOptions {
        kubectl: args.kubectl.clone(),
        kustomize: args.kustomize.clone(),
        helm: args.helm.clone(),
        release: args.release.clone().unwrap_or_else(|| app.to_owned()),
        namespace: namespace.to_owned(),
        values: args.values.clone(),
        timeout: std::time::Duration::from_secs(args.render_timeout),
    };
    let label = label.unwrap_or_else(|| dir.display().to_string());
    match render::render(renderer, &dir, &label, &options) {
        Ok(manifests) => Ok((Objects::Loaded(manifests), None)),
        // kdrift could not even start the renderer: a local problem, not drift.
        Err(error @ render::RenderError::Spawn { .. }) => Err(sources::SourceError::from(error).into()),
        Err(error) => {
            let finding = availability::render_failure(renderer.name(), &error.detail());
            Ok((Objects::Loaded(Vec::new()), Some(finding)))
        }
    }
}

/// Desired state before rendering: objects to read, or a directory to render (a Git
/// revision's temporary copy stays alive in `_root` until then).
enum Desired {
    Objects(Objects),
    Render { renderer: render::Renderer, dir: PathBuf, label: Option<String>, _root: Option<tempfile::TempDir> },
}

/// Desired objects read from `repo` at `revision` (a directory to render when `path` is a
/// Kustomize root or a chart), the default app name (the path's last component, else the
/// repository's name) and the evidence to annotate the report with.
fn from_git(
    repo: &Path,
    revision: &str,
    path: &str,
    choice: RendererChoice,
) -> Result<(Desired, String, Option<GitEvidence>), InvestigateError> {
    let desired = git::read(repo, revision, path).map_err(sources::SourceError::from)?;
    let name = match desired.path.rsplit('/').next().filter(|n| !n.is_empty()) {
        Some(last) => last.trim_end_matches(".yaml").trim_end_matches(".yml").to_owned(),
        None => default_app_name(repo),
    };
    let objects = match desired.content {
        GitContent::Manifests(manifests) => {
            choice.choose(Path::new(&desired.path), None)?;
            Desired::Objects(Objects::Loaded(manifests))
        }
        GitContent::Materialized { root, dir } => {
            let short: String = desired.evidence.commit.id.chars().take(7).collect();
            let label = format!("{}@{short}", if desired.path.is_empty() { "." } else { &desired.path });
            match choice.choose(Path::new(&desired.path), render::detect(&dir))? {
                Some(renderer) => Desired::Render { renderer, dir, label: Some(label), _root: Some(root) },
                // Read now: the temporary copy goes away with `root`.
                None => {
                    Desired::Objects(Objects::Loaded(files::load_path(&dir).map_err(sources::SourceError::from)?.0))
                }
            }
        }
    };
    Ok((objects, name, Some(desired.evidence)))
}

/// The config file's settings plus the ignore rules of the config and of `--ignore`, with
/// remarks about the rule files (one that holds no rule).
pub(super) fn engine_config(args: &SourceSpec) -> Result<(EngineConfig, Vec<String>), InvestigateError> {
    let config = config::load(args.config.as_deref())?;
    let mut engine = config.engine();
    let files: Vec<_> = config.ignore.iter().chain(&args.ignore).cloned().collect();
    let loaded = rules::load_rule_files(&files).map_err(sources::SourceError::from)?;
    engine.rules = loaded.rules;
    engine.compare_options = loaded.compare_options;
    Ok((engine, loaded.warnings))
}

/// The desired directory's name (`apps/checkout-api` → `checkout-api`).
fn default_app_name(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let name = if path.is_file() { path.file_stem() } else { path.file_name() };
    name.and_then(|n| n.to_str()).unwrap_or("app").to_owned()
}
