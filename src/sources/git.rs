//! Desired state from a Git repository at a revision, read straight from the object database
//! with git2: no checkout, bare repositories work, and the working tree, index and current
//! branch are never touched. Each manifest carries its evidence: the last commit that changed
//! its file, and for a drifted field the last commit that changed that line (blame).

use crate::engine::Manifest;
use crate::engine::time::format_rfc3339;
use crate::model::{AppReport, CommitEvidence};
use crate::sources::files::{self, ParseProblem};
use git2::{BlameOptions, ObjectType, Oid, Repository, Tree, TreeWalkMode, TreeWalkResult};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
pub struct GitDesired {
    pub evidence: GitEvidence,
    /// `--path` inside the repository ("" for the root), with `/` separators.
    pub path: String,
    pub content: GitContent,
}

/// What Git says about the desired state, kept to annotate the report.
pub struct GitEvidence {
    pub repo: PathBuf,
    /// The commit the revision resolved to.
    pub commit: CommitEvidence,
    /// Repository path of each manifest file read → the last commit that changed it.
    pub file_commits: HashMap<String, CommitEvidence>,
    /// The app's directory (or file) in the repository, as read.
    pub path: String,
}

impl GitEvidence {
    pub fn spot(&self) -> crate::model::GitSpot {
        crate::model::GitSpot { repo: self.repo.clone(), commit: self.commit.id.clone(), path: self.path.clone() }
    }
}

pub enum GitContent {
    /// Plain manifests, parsed from the blobs.
    Manifests(Vec<Manifest>),
    /// A Kustomize or Helm directory: the revision's whole tree written to a temporary
    /// directory (bases elsewhere in the repo must resolve); `dir` is `--path` inside it.
    Materialized { root: tempfile::TempDir, dir: PathBuf },
}

/// Files whose presence makes a directory something to render rather than read.
const RENDER_MARKERS: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization", "Chart.yaml"];

/// Reads `path` (a directory or file, `""` for the root) at `revision`.
pub fn read(repo_path: &Path, revision: &str, path: &str) -> Result<GitDesired, GitError> {
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
pub fn read_file(repo_path: &Path, revision: &str, file: &str) -> Result<Option<String>, GitError> {
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
pub fn has_revision(repo_path: &Path, revision: &str) -> bool {
    open(repo_path).is_ok_and(|repo| resolve(&repo, repo_path, revision).is_ok())
}

/// Whether `repo_path` is a Git repository with a remote pointing at `url` (compared without
/// scheme, credentials, `.git` suffix or trailing slash, so SSH and HTTPS clones match).
pub fn remote_matches(repo_path: &Path, url: &str) -> bool {
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

/// Adds Git evidence to a report whose desired side came from `desired`: each resource gets
/// the last commit that changed its file, each field finding the last commit that changed
/// its line. Evidence that cannot be found is left out, never guessed.
pub fn attach_evidence(desired: &GitEvidence, report: &mut AppReport) {
    let Ok(repo) = open(&desired.repo) else {
        return;
    };
    let Ok(head) = Oid::from_str(&desired.commit.id) else {
        return;
    };
    let mut texts: HashMap<String, Option<String>> = HashMap::new();
    let mut blames: HashMap<String, Option<git2::Blame<'_>>> = HashMap::new();
    for resource in &mut report.resources {
        let Some(origin) = resource.desired_source.as_deref() else {
            continue;
        };
        let Some((file, document, item)) = parse_origin(origin) else {
            continue;
        };
        resource.desired_commit = desired.file_commits.get(file).cloned();
        let text = texts.entry(file.to_owned()).or_insert_with(|| blob_text(&repo, head, file)).clone();
        let Some(text) = text else {
            continue;
        };
        let blame = blames.entry(file.to_owned()).or_insert_with(|| {
            let mut options = BlameOptions::new();
            options.newest_commit(head);
            repo.blame_file(Path::new(file), Some(&mut options)).ok()
        });
        let Some(blame) = blame.as_ref() else {
            continue;
        };
        for finding in &mut resource.findings {
            if finding.desired.is_none() || finding.path.is_empty() {
                continue;
            }
            let pointer = finding.desired_path.as_deref().unwrap_or(&finding.path);
            let Some(line) = line_of(&text, document, item, pointer) else {
                continue;
            };
            let commit = blame.get_line(line).and_then(|hunk| repo.find_commit(hunk.final_commit_id()).ok());
            finding.git_commit = commit.as_ref().map(evidence_of);
        }
    }
}

fn blob_text(repo: &Repository, head: Oid, file: &str) -> Option<String> {
    let tree = repo.find_commit(head).ok()?.tree().ok()?;
    let blob = repo.find_blob(tree.get_path(Path::new(file)).ok()?.id()).ok()?;
    Some(String::from_utf8_lossy(blob.content()).into_owned())
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

/// The 1-based line of `pointer` in document `document` (1-based, as the loader numbers
/// them) of a multi-document text; the nearest ancestor that exists when the pointer's own
/// key does not (a field Git sets inside a map live lacks).
pub fn line_of(text: &str, document: usize, item: Option<usize>, pointer: &str) -> Option<usize> {
    let (start_line, body) = nth_document(text, document)?;
    let parsed = yamlpath::Document::new(body.to_owned()).ok()?;
    let mut components: Vec<yamlpath::Component<'_>> = Vec::new();
    if let Some(item) = item {
        components.push(yamlpath::Component::Key("items".into()));
        components.push(yamlpath::Component::Index(item.checked_sub(1)?));
    }
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        components.push(match token.parse::<usize>() {
            Ok(index) => yamlpath::Component::Index(index),
            Err(_) => yamlpath::Component::Key(token.into()),
        });
    }
    while !components.is_empty() {
        let route = yamlpath::Route::from(components.clone());
        if let Ok(feature) = parsed.query_pretty(&route) {
            return Some(start_line + feature.location.point_span.0.0 + 1);
        }
        components.pop();
    }
    None
}

/// Document `number` (1-based, as `files::parse_documents` counts them) and the 0-based line
/// it starts on. Content before the first `---` is a document only when it holds something.
pub fn nth_document(text: &str, number: usize) -> Option<(usize, &str)> {
    let mut documents: Vec<(usize, usize, usize)> = Vec::new(); // (first line, start byte, end byte)
    let (mut start_byte, mut start_line, mut offset) = (0, 0, 0);
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") {
            documents.push((start_line, start_byte, offset));
            start_byte = offset + line.len();
            start_line = index + 1;
        }
        offset += line.len();
    }
    documents.push((start_line, start_byte, text.len()));
    let has_content = |(_, start, end): &(usize, usize, usize)| {
        text[*start..*end].lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    };
    if documents.len() > 1 && !has_content(&documents[0]) {
        documents.remove(0);
    }
    let (line, start, end) = *documents.get(number.checked_sub(1)?)?;
    Some((line, &text[start..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# leading comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:v1\n        resources:\n          limits:\n            memory: 512Mi\n";

    #[test]
    fn lines_are_found_by_desired_pointer_in_the_right_document() {
        assert_eq!(line_of(TEXT, 1, None, "/metadata/name"), Some(6));
        let memory = "/spec/template/spec/containers/0/resources/limits/memory";
        assert_eq!(line_of(TEXT, 2, None, memory), Some(20));
        assert_eq!(line_of(TEXT, 2, None, "/spec/template/spec/containers/0/image"), Some(17));
        // A key Git does not have: its nearest existing ancestor.
        assert_eq!(line_of(TEXT, 2, None, "/spec/template/spec/containers/0/env"), Some(16));
        assert_eq!(line_of(TEXT, 3, None, "/metadata/name"), None);
    }

    #[test]
    fn origins_name_file_document_and_list_item() {
        assert_eq!(parse_origin("apps/web/a.yaml@1a2b3c4#2"), Some(("apps/web/a.yaml", 2, None)));
        assert_eq!(parse_origin("a.yaml@1a2b3c4#1, item 3"), Some(("a.yaml", 1, Some(3))));
        assert_eq!(parse_origin("a.yaml#1"), None);
    }

    #[test]
    fn ssh_and_https_urls_of_one_repository_match() {
        let https = normalize_url("https://github.com/Org/apps.git");
        assert_eq!(https, "github.com/org/apps");
        assert_eq!(normalize_url("git@github.com:org/apps.git"), https);
        assert_eq!(normalize_url("https://user@github.com/org/apps/"), https);
        assert_eq!(normalize_url("ssh://git@git.example.com:2222/org/apps"), "git.example.com:2222/org/apps");
        assert_ne!(normalize_url("https://github.com/org/other.git"), https);
    }
}
