//! Setting up where actions act, per source: a cluster context writes to that cluster; an
//! embedded sample acts on a simulated copy of its live objects and backports into a sandbox
//! repository under the data directory (built from the sample's desired files, so the real
//! Git code path runs); a snapshot has no cluster to write to. Shared by the CLI's action
//! commands and the TUI.

use crate::actions::target::{LiveCluster, Simulated, Writer};
use crate::actions::{ActionError, Workspace, audit, ignore_rule::SaveTo};
use crate::config::Config;
use crate::model::GitSpot;
use crate::sources::cluster::blocking::Session;
use crate::sources::samples;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What the responder asked for beyond the decision itself.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub read_only: bool,
    pub incident: Option<String>,
    /// Why the responder chose this (a note, a skipped runbook step's reason).
    pub reason: Option<String>,
    pub push: bool,
    pub break_glass: bool,
    /// `ignore`: write the rule here (default: the app's rules file under the data directory).
    pub rules_file: Option<PathBuf>,
    /// `ignore`: only print the rule.
    pub print_only: bool,
    /// `ignore`: commit the rule into the app's Argo CD Application manifest in Git.
    pub commit_rule: bool,
    /// `ignore` with no place named: commit into the app's Application when its desired
    /// state came from Git and the repository has one, else save to the rules file.
    pub prefer_application: bool,
    /// Where the audit log and records go instead of the platform's data directory.
    pub data_dir: Option<PathBuf>,
    /// Seconds a sync waits for the controller and the rollout before verifying (default
    /// `DEFAULT_WAIT_SECS`).
    pub wait: Option<u64>,
}

/// How long a sync waits to verify what it asked for, unless told otherwise.
pub(crate) const DEFAULT_WAIT_SECS: u64 = 60;

/// Where the data directory is, or an error saying the platform has none.
pub(crate) fn data_dir() -> Result<PathBuf, ActionError> {
    crate::config::data_dir().ok_or(ActionError::NoDataDir)
}

/// Where decisions write: the writer (none for a snapshot), the kubeconfig context it writes
/// through, and who the cluster says the credentials are.
#[derive(Default)]
pub(crate) struct Destination {
    pub writer: Option<Box<dyn Writer>>,
    pub context: Option<String>,
    pub kube_user: Option<String>,
}

/// A workspace for `destination` under the user's config and data dir.
pub(crate) fn workspace(
    destination: Destination,
    config: &Config,
    engine: crate::engine::EngineConfig,
    now: Option<i64>,
    app: &str,
    options: &Options,
) -> Result<Workspace, ActionError> {
    let Destination { writer, context, kube_user } = destination;
    let (context, kube_user) = (context.as_deref(), kube_user.as_deref());
    let data_dir = match &options.data_dir {
        Some(dir) => dir.clone(),
        None => data_dir()?,
    };
    let read_only = options.read_only || context.is_some_and(|c| config.is_read_only(c));
    let ignore_target = match (&options.rules_file, options.print_only, options.commit_rule) {
        (_, true, _) => SaveTo::Print,
        (_, false, true) => SaveTo::Application,
        (Some(path), false, false) => SaveTo::RulesFile(path.clone()),
        (None, false, false) => SaveTo::RulesFile(crate::actions::ignore_rule::default_rules_file(&data_dir, app)),
    };
    Ok(Workspace {
        writer,
        read_only,
        production: context.is_some_and(|c| config.is_production(c)),
        who: audit::who(context, kube_user),
        escalate_command: config.escalate.command.clone(),
        runbook_url: config.runbook_url.clone(),
        engine,
        now,
        incident: options.incident.clone(),
        reason: options.reason.clone(),
        break_glass: options.break_glass,
        push: options.push,
        ignore_target,
        all_apps: Vec::new(),
        data_dir,
        wait: std::time::Duration::from_secs(options.wait.unwrap_or(DEFAULT_WAIT_SECS)),
    })
}

/// The writer for a cluster session.
pub(crate) fn cluster_writer(session: Rc<Session>) -> Box<dyn Writer> {
    Box::new(LiveCluster::new(session))
}

/// A simulated cluster holding the sample's live objects.
pub(crate) fn sample_cluster(name: &str) -> Result<Simulated, ActionError> {
    let sample = samples::load(name)?;
    let objects = sample.live.into_iter().map(|manifest| manifest.object);
    Ok(Simulated::new(format!("simulated sample {name}"), &sample.meta.namespace, objects))
}

/// The sample's sandbox repository (created on first use): its desired files under
/// `desired/`, committed once on `main`. Backports branch from that commit.
pub(crate) fn sandbox_repo(data_dir: &Path, name: &str) -> Result<GitSpot, ActionError> {
    let git = |e: git2::Error| ActionError::Git(e.message().to_owned());
    let dir = data_dir.join("sandbox").join(name);
    let repo = match git2::Repository::open(&dir) {
        Ok(repo) => repo,
        Err(_) => {
            std::fs::create_dir_all(&dir).map_err(ActionError::io(&dir))?;
            let mut init = git2::RepositoryInitOptions::new();
            init.initial_head("main").bare(true);
            let repo = git2::Repository::init_opts(&dir, &init).map_err(git)?;
            let mut builder = git2::build::TreeUpdateBuilder::new();
            for (path, text) in samples::desired_files(name) {
                let blob = repo.blob(text.as_bytes()).map_err(git)?;
                builder.upsert(format!("desired/{path}"), blob, git2::FileMode::Blob);
            }
            let empty = repo.treebuilder(None).and_then(|b| b.write()).map_err(git)?;
            let empty = repo.find_tree(empty).map_err(git)?;
            let tree = builder.create_updated(&repo, &empty).map_err(git)?;
            let tree = repo.find_tree(tree).map_err(git)?;
            let signature = git2::Signature::now("kdrift", "kdrift@localhost").map_err(git)?;
            let message = format!("sample {name}: desired state as shipped with kdrift");
            repo.commit(Some("HEAD"), &signature, &signature, &message, &tree, &[]).map_err(git)?;
            drop(tree);
            drop(empty);
            repo
        }
    };
    let head = repo.head().and_then(|h| h.peel_to_commit()).map_err(git)?;
    Ok(GitSpot { repo: dir, commit: head.id().to_string(), path: "desired".to_owned() })
}
