//! Writing to Git without touching anything the user has checked out: files are read from
//! a commit's tree, changed blobs are written to the object database, and a commit is made
//! on a new branch whose parent is that commit. HEAD, the index and the working tree are
//! never read or written. `git push` (the user's own credentials) is run only on request.

use crate::actions::ActionError;
use git2::{Oid, Repository, build::TreeUpdateBuilder};
use std::path::Path;

fn git_error(error: git2::Error) -> ActionError {
    ActionError::Git(error.message().to_owned())
}

/// Every `.yaml`/`.yml` file under `dir` (`""`: the whole tree) at `commit`, with its text.
pub(crate) fn yaml_files(repo_path: &Path, commit: &str, dir: &str) -> Result<Vec<(String, String)>, ActionError> {
    let repo = Repository::open(repo_path).map_err(git_error)?;
    let commit = repo.find_commit(Oid::from_str(commit).map_err(git_error)?).map_err(git_error)?;
    let tree = commit.tree().map_err(git_error)?;
    let mut files = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
        let name = entry.name().unwrap_or_default();
        let path = format!("{parent}{name}");
        let inside = dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"));
        let yaml = name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization";
        if inside
            && yaml
            && entry.kind() == Some(git2::ObjectType::Blob)
            && let Ok(blob) = repo.find_blob(entry.id())
        {
            files.push((path, String::from_utf8_lossy(blob.content()).into_owned()));
        }
        git2::TreeWalkResult::Ok
    })
    .map_err(git_error)?;
    Ok(files)
}

/// The branches checked out here, in the main worktree or in a linked one, born or unborn:
/// HEAD names them even before their first commit, and a commit made on such a name lands on
/// the user's checkout.
fn checked_out(repo: &Repository) -> Vec<String> {
    let head_branch = |repo: &Repository| {
        let head = repo.find_reference("HEAD").ok()?;
        head.symbolic_target().ok()??.strip_prefix("refs/heads/").map(str::to_owned)
    };
    let mut names: Vec<String> = head_branch(repo).into_iter().collect();
    // Opened from a linked worktree, the main worktree's HEAD is in the common directory.
    if repo.is_worktree() {
        names.extend(Repository::open(repo.commondir()).ok().as_ref().and_then(head_branch));
    }
    if let Ok(worktrees) = repo.worktrees() {
        for name in worktrees.iter().flatten().flatten() {
            let linked = repo.find_worktree(name).and_then(|worktree| Repository::open_from_worktree(&worktree));
            names.extend(linked.ok().as_ref().and_then(head_branch));
        }
    }
    names
}

/// A new branch name from `wanted`: `wanted` itself when free, else `wanted-2`, `wanted-3`…
/// A name checked out anywhere (even unborn) is never free.
pub(crate) fn free_branch(repo_path: &Path, wanted: &str) -> Result<String, ActionError> {
    let repo = Repository::open(repo_path).map_err(git_error)?;
    let current = checked_out(&repo);
    let taken =
        |name: &str| current.iter().any(|c| c == name) || repo.find_branch(name, git2::BranchType::Local).is_ok();
    if !taken(wanted) {
        return Ok(wanted.to_owned());
    }
    (2..1000)
        .map(|n| format!("{wanted}-{n}"))
        .find(|name| !taken(name))
        .ok_or_else(|| ActionError::Git(format!("no free branch name like '{wanted}'")))
}

/// Commits `changes` (repository path → new text) on a new branch `branch` whose parent is
/// `base`; returns the new commit's id.
pub(crate) fn commit_on_branch(
    repo_path: &Path,
    base: &str,
    branch: &str,
    changes: &[(String, String)],
    message: &str,
) -> Result<String, ActionError> {
    let repo = Repository::open(repo_path).map_err(git_error)?;
    let parent = repo.find_commit(Oid::from_str(base).map_err(git_error)?).map_err(git_error)?;
    let mut update = TreeUpdateBuilder::new();
    for (path, text) in changes {
        let blob = repo.blob(text.as_bytes()).map_err(git_error)?;
        update.upsert(path.as_str(), blob, git2::FileMode::Blob);
    }
    let tree_id = update.create_updated(&repo, &parent.tree().map_err(git_error)?).map_err(git_error)?;
    let tree = repo.find_tree(tree_id).map_err(git_error)?;
    let signature =
        repo.signature().or_else(|_| git2::Signature::now("kdrift", "kdrift@localhost")).map_err(git_error)?;
    if checked_out(&repo).iter().any(|name| name == branch) {
        return Err(ActionError::Git(format!(
            "'{branch}' is checked out: a backport never commits onto the current branch; nothing was written"
        )));
    }
    // Creating the branch ref first (at the parent) keeps an existing name from being moved.
    repo.branch(branch, &parent, false).map_err(git_error)?;
    let reference = format!("refs/heads/{branch}");
    let id = repo.commit(Some(&reference), &signature, &signature, message, &tree, &[&parent]).map_err(git_error)?;
    Ok(id.to_string())
}

/// The text of `file` on `branch`, to verify what was committed.
pub(crate) fn file_on_branch(repo_path: &Path, branch: &str, file: &str) -> Result<Option<String>, ActionError> {
    let repo = Repository::open(repo_path).map_err(git_error)?;
    let branch = repo.find_branch(branch, git2::BranchType::Local).map_err(git_error)?;
    let tree = branch.get().peel_to_tree().map_err(git_error)?;
    let Ok(entry) = tree.get_path(Path::new(file)) else {
        return Ok(None);
    };
    let blob = repo.find_blob(entry.id()).map_err(git_error)?;
    Ok(Some(String::from_utf8_lossy(blob.content()).into_owned()))
}

/// Whether the repository has a remote named `origin` to push to.
pub(crate) fn has_origin(repo_path: &Path) -> bool {
    Repository::open(repo_path).is_ok_and(|repo| repo.find_remote("origin").is_ok())
}

/// `git push --set-upstream origin BRANCH` with the user's own Git and credentials.
pub(crate) fn push(repo_path: &Path, branch: &str) -> Result<String, ActionError> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(repo_path)
        .args(["push", "--set-upstream", "origin", branch])
        .output()
        .map_err(|e| ActionError::Git(format!("cannot run git push: {e}")))?;
    let said = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    if output.status.success() {
        Ok(format!("pushed {branch} to origin"))
    } else {
        Err(ActionError::Git(format!("git push failed (the branch is committed locally): {said}")))
    }
}
