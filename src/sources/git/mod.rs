//! Desired state from a Git repository at a revision, read straight from the object database
//! with git2: no checkout, bare repositories work, and the working tree, index and current
//! branch are never touched. Each manifest carries its evidence: the last commit that changed
//! its file, and for a drifted field the last commit that changed that line (blame).

mod blame;

use crate::engine::Manifest;
use crate::engine::time::format_rfc3339;
use crate::model::CommitEvidence;
use crate::sources::files::{self, ParseProblem};
use git2::{ObjectType, Oid, Repository, Tree, TreeWalkMode, TreeWalkResult};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub(crate) use blame::{attach_evidence, nth_document};

/// How far back the history walk looks for the commit that last changed each file.
const HISTORY_LIMIT: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot open Git repository '{}': {message}", repo.display())]
    Open { repo: PathBuf, message: String },
    #[error("revision '{revision}' not found in '{}': {message}", repo.display())]
    Revision { repo: PathBuf, revision: String, message: String },
    #[error("path '{path}' does not exist at revision '{revision}' of '{}'", repo.display())]
    Path { repo: PathBuf, revision: String, path: String },
    #[error("path '{path}' at revision '{revision}' holds no .yaml, .yml or .json files")]
    NoManifests { revision: String, path: String },
    #[error("{origin}:{line}:{column}: invalid YAML: {message}")]
    Yaml { origin: String, line: usize, column: usize, message: String },
    #[error("{origin}: {document}: {problem}")]
    Object { origin: String, document: String, problem: String },
    #[error("cannot write revision '{revision}' to a temporary directory: {message}")]
    Materialize { revision: String, message: String },
    #[error("Git error in '{}': {message}", repo.display())]
    Other { repo: PathBuf, message: String },
}

/// The desired state at one revision.
pub(crate) struct GitDesired {
    pub evidence: GitEvidence,
    /// `--path` inside the repository ("" for the root), with `/` separators.
    pub path: String,
    pub content: GitContent,
}

/// What Git says about the desired state, kept to annotate the report.
#[derive(Debug, Clone)]
pub(crate) struct GitEvidence {
    pub repo: PathBuf,
    /// The commit the revision resolved to.
    pub commit: CommitEvidence,
    /// Repository path of each manifest file read → the last commit that changed it.
    pub file_commits: HashMap<String, CommitEvidence>,
    /// The app's directory (or file) in the repository, as read.
    pub path: String,
}

impl GitEvidence {
    pub(crate) fn spot(&self) -> crate::model::GitSpot {
        crate::model::GitSpot { repo: self.repo.clone(), commit: self.commit.id.clone(), path: self.path.clone() }
    }
}

pub(crate) enum GitContent {
    /// Plain manifests, parsed from the blobs.
    Manifests(Vec<Manifest>),
    /// A Kustomize or Helm directory: the revision's whole tree written to a temporary
    /// directory (bases elsewhere in the repo must resolve); `dir` is `--path` inside it.
    Materialized { root: tempfile::TempDir, dir: PathBuf },
}

/// Files whose presence makes a directory something to render rather than read.
const RENDER_MARKERS: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization", "Chart.yaml"];

/// Reads `path` (a directory or file, `""` for the root) at `revision`.
pub(crate) fn read(repo_path: &Path, revision: &str, path: &str) -> Result<GitDesired, GitError> {
    let repo = open(repo_path)?;
    let other = |e: git2::Error| GitError::Other { repo: repo_path.to_owned(), message: e.message().to_owned() };
    let commit = resolve(&repo, repo_path, revision)?;
    let path = path.trim_matches('/').to_owned();
    let root = commit.tree().map_err(other)?;
    let short = short_id(commit.id());
    let evidence = evidence_of(&commit);
    let missing = || GitError::Path { repo: repo_path.to_owned(), revision: revision.to_owned(), path: path.clone() };
    let (tree, single_file) = if path.is_empty() {
        (Some(root.clone()), None)
    } else {
        let entry = root.get_path(Path::new(&path)).map_err(|_| missing())?;
        match entry.kind() {
            Some(ObjectType::Tree) => (Some(repo.find_tree(entry.id()).map_err(other)?), None),
            Some(ObjectType::Blob) => (None, Some(entry.id())),
            _ => return Err(missing()),
        }
    };
    if let Some(tree) = &tree
        && RENDER_MARKERS.iter().any(|marker| tree.get_name(marker).is_some())
    {
        let root_dir = tempfile::tempdir()
            .map_err(|e| GitError::Materialize { revision: revision.to_owned(), message: e.to_string() })?;
        materialize(&repo, &root, root_dir.path())
            .map_err(|message| GitError::Materialize { revision: revision.to_owned(), message })?;
        let dir = root_dir.path().join(&path);
        let evidence = GitEvidence {
            repo: repo_path.to_owned(),
            commit: evidence,
            file_commits: HashMap::new(),
            path: path.clone(),
        };
        return Ok(GitDesired { evidence, path, content: GitContent::Materialized { root: root_dir, dir } });
    }
    let mut files: Vec<(String, Oid)> = Vec::new();
    match (tree, single_file) {
        (Some(tree), _) => collect_manifest_files(&tree, &path, &mut files),
        (None, Some(blob)) if is_manifest_name(&path) => files.push((path.clone(), blob)),
        (None, Some(_)) => {}
        (None, None) => return Err(missing()),
    }
    if files.is_empty() {
        return Err(GitError::NoManifests { revision: revision.to_owned(), path });
    }
    let mut manifests = Vec::new();
    for (file, oid) in &files {
        let blob = repo.find_blob(*oid).map_err(other)?;
        let text = String::from_utf8_lossy(blob.content());
        let origin = format!("{file}@{short}");
        let parsed = files::parse_documents(&text, &origin).map_err(|problem| match problem {
            ParseProblem::Yaml { line, column, message } => {
                GitError::Yaml { origin: origin.clone(), line, column, message }
            }
            ParseProblem::Object { document, problem } => {
                GitError::Object { origin: origin.clone(), document, problem }
            }
        })?;
        manifests.extend(parsed);
    }
    let names: Vec<String> = files.into_iter().map(|(file, _)| file).collect();
    let file_commits = last_changes(&repo, commit.id(), &path, &names).map_err(other)?;
    let evidence = GitEvidence { repo: repo_path.to_owned(), commit: evidence, file_commits, path: path.clone() };
    Ok(GitDesired { evidence, path, content: GitContent::Manifests(manifests) })
}

/// The text of one file at `revision`, or `None` when the revision has no such file.
pub(crate) fn read_file(repo_path: &Path, revision: &str, file: &str) -> Result<Option<String>, GitError> {
    let repo = open(repo_path)?;
    let commit = resolve(&repo, repo_path, revision)?;
    let other = |e: git2::Error| GitError::Other { repo: repo_path.to_owned(), message: e.message().to_owned() };
    let tree = commit.tree().map_err(other)?;
    let Ok(entry) = tree.get_path(Path::new(file)) else {
        return Ok(None);
    };
    let blob = repo.find_blob(entry.id()).map_err(other)?;
    Ok(Some(String::from_utf8_lossy(blob.content()).into_owned()))
}

/// True when `revision` names a commit in the repository.
pub(crate) fn has_revision(repo_path: &Path, revision: &str) -> bool {
    open(repo_path).is_ok_and(|repo| resolve(&repo, repo_path, revision).is_ok())
}

/// Whether `repo_path` is a Git repository with a remote pointing at `url` (compared without
/// scheme, credentials, `.git` suffix or trailing slash, so SSH and HTTPS clones match).
pub(crate) fn remote_matches(repo_path: &Path, url: &str) -> bool {
    let Ok(repo) = Repository::open(repo_path) else { return false };
    let Ok(names) = repo.remotes() else { return false };
    let wanted = normalize_url(url);
    (0..names.len()).filter_map(|index| names.get(index).ok().flatten()).any(|name| {
        repo.find_remote(name).ok().and_then(|remote| remote.url().ok().map(normalize_url)).is_some_and(|u| u == wanted)
    })
}

/// `git@github.com:org/repo.git`, `https://user@github.com/org/repo/` → `github.com/org/repo`.
fn normalize_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split_once('@').map_or(rest, |(_, host)| host);
    let rest = rest.trim_end_matches('/').trim_end_matches(".git");
    // scp-like `host:path` becomes `host/path`; a `host:port/` stays as it is.
    match rest.split_once(':') {
        Some((host, path)) if !path.starts_with(|c: char| c.is_ascii_digit()) => format!("{host}/{path}"),
        _ => rest.to_owned(),
    }
    .to_lowercase()
}

fn open(repo_path: &Path) -> Result<Repository, GitError> {
    Repository::open(repo_path)
        .map_err(|e| GitError::Open { repo: repo_path.to_owned(), message: e.message().to_owned() })
}

fn resolve<'r>(repo: &'r Repository, repo_path: &Path, revision: &str) -> Result<git2::Commit<'r>, GitError> {
    let not_found = |e: git2::Error| GitError::Revision {
        repo: repo_path.to_owned(),
        revision: revision.to_owned(),
        message: e.message().to_owned(),
    };
    repo.revparse_single(revision).and_then(|object| object.peel_to_commit()).map_err(not_found)
}

fn short_id(oid: Oid) -> String {
    oid.to_string().chars().take(7).collect()
}

fn evidence_of(commit: &git2::Commit<'_>) -> CommitEvidence {
    let author = commit.author();
    CommitEvidence {
        id: commit.id().to_string(),
        author: author.name().unwrap_or("unknown").to_owned(),
        time: format_rfc3339(commit.time().seconds()),
        summary: commit.summary().ok().flatten().unwrap_or_default().to_owned(),
    }
}

/// Every `.yaml`/`.yml`/`.json` blob under `tree`, as repository paths, in path order.
fn collect_manifest_files(tree: &Tree<'_>, prefix: &str, out: &mut Vec<(String, Oid)>) {
    let _ = tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        let name = entry.name().unwrap_or_default();
        if entry.kind() == Some(ObjectType::Blob) && is_manifest_name(name) {
            let within = format!("{dir}{name}");
            let full = if prefix.is_empty() { within } else { format!("{prefix}/{within}") };
            out.push((full, entry.id()));
        }
        TreeWalkResult::Ok
    });
    out.sort();
}

fn is_manifest_name(name: &str) -> bool {
    [".yaml", ".yml", ".json"].iter().any(|ext| name.ends_with(ext))
}

/// Writes every blob of `tree` under `target`, keeping the directory layout.
fn materialize(repo: &Repository, tree: &Tree<'_>, target: &Path) -> Result<(), String> {
    let mut failure = None;
    let _ = tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        let path = target.join(dir).join(entry.name().unwrap_or_default());
        let result = match entry.kind() {
            Some(ObjectType::Tree) => std::fs::create_dir_all(&path).map_err(|e| e.to_string()),
            Some(ObjectType::Blob) => repo
                .find_blob(entry.id())
                .map_err(|e| e.message().to_owned())
                .and_then(|blob| std::fs::write(&path, blob.content()).map_err(|e| e.to_string())),
            _ => Ok(()),
        };
        match result {
            Ok(()) => TreeWalkResult::Ok,
            Err(message) => {
                failure = Some(format!("{}: {message}", path.display()));
                TreeWalkResult::Abort
            }
        }
    });
    failure.map_or(Ok(()), Err)
}

/// For each path, the newest commit (following first parents from `head`) whose version of
/// the file differs from its parent's: the last commit that changed it. Commits that leave
/// `prefix` (the app's directory) alone are skipped after one tree-id comparison.
fn last_changes(
    repo: &Repository,
    head: Oid,
    prefix: &str,
    paths: &[String],
) -> Result<HashMap<String, CommitEvidence>, git2::Error> {
    let id_at = |tree: &Tree<'_>, path: &str| {
        if path.is_empty() { Some(tree.id()) } else { tree.get_path(Path::new(path)).ok().map(|e| e.id()) }
    };
    let mut found = HashMap::new();
    let mut walk = repo.revwalk()?;
    walk.push(head)?;
    walk.simplify_first_parent()?;
    for oid in walk.take(HISTORY_LIMIT) {
        let commit = repo.find_commit(oid?)?;
        let tree = commit.tree()?;
        let parent_tree = match commit.parent(0) {
            Ok(parent) => Some(parent.tree()?),
            Err(_) => None,
        };
        if id_at(&tree, prefix) == parent_tree.as_ref().and_then(|t| id_at(t, prefix)) {
            continue;
        }
        for path in paths {
            if found.contains_key(path) {
                continue;
            }
            let here = id_at(&tree, path);
            let before = parent_tree.as_ref().and_then(|t| id_at(t, path));
            if here.is_some() && here != before {
                found.insert(path.clone(), evidence_of(&commit));
            }
        }
        if found.len() == paths.len() {
            break;
        }
    }
    Ok(found)
}

/// `apps/web/deploy.yaml@1a2b3c4#2` → (`apps/web/deploy.yaml`, document 2, no List item);
/// `…#1, item 3` → item 3 of a `kind: List`.
fn parse_origin(origin: &str) -> Option<(&str, usize, Option<usize>)> {
    let (file, rest) = origin.rsplit_once('@')?;
    let (_, location) = rest.split_once('#')?;
    let (document, item) = match location.split_once(", item ") {
        Some((document, item)) => (document, Some(item.parse().ok()?)),
        None => (location, None),
    };
    Some((file, document.parse().ok()?, item))
}

#[cfg(test)]
#[path = "git_tests.rs"]
mod tests;
