//! Helpers shared by the CLI test files: running the real binary, fixtures, temp trees.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses a subset

pub mod api_server;
pub mod api_watch;
pub mod argocd_server;
pub mod screen;
pub mod served;
pub mod terminal;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub const NOW: &str = "2026-06-08T09:10:00Z";

/// A `TestBackend` frame as text, one trimmed line per row.
pub fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn kdrift() -> Command {
    let mut command = Command::cargo_bin("kdrift").expect("binary built");
    command.env("NO_COLOR", "1");
    // A developer's own config must not change what the tests see.
    command.env("XDG_CONFIG_HOME", std::env::temp_dir().join("kdrift-tests-no-config"));
    // Nor may a developer's cluster: a test that wants one serves it (`api_server`).
    command.env("KUBECONFIG", std::env::temp_dir().join("kdrift-tests-no-kubeconfig"));
    // Audit logs and records of tests stay out of the developer's data directory.
    command.env("XDG_DATA_HOME", std::env::temp_dir().join("kdrift-tests-data"));
    command
}

pub fn scan_fixture(name: &str) -> Command {
    let dir = fixture(name);
    let mut command = kdrift();
    command.arg("scan").arg("--desired").arg(dir.join("desired")).arg("--live").arg(dir.join("live")).args([
        "--app",
        "checkout-api",
        "-n",
        "prod",
        "--now",
        NOW,
    ]);
    command
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(command: &mut Command) -> Run {
    let output = command.output().expect("kdrift runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `command`, failing the test when it hangs past `seconds`, dies of a signal or aborts.
pub fn bounded(command: &mut Command, seconds: u64) -> Run {
    let output = command.timeout(std::time::Duration::from_secs(seconds)).output().expect("kdrift runs");
    assert!(output.status.code().is_some(), "kdrift was killed after {seconds}s (a hang) or by a signal");
    assert_ne!(output.status.code(), Some(134), "an abort");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Exit code 2 and exactly one stderr line containing every `needle`.
pub fn assert_one_line_error(result: &Run, needles: &[&str]) {
    assert_eq!(result.code, 2, "exit code; stderr: {}", result.stderr);
    let lines: Vec<&str> = result.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {}", result.stderr);
    for needle in needles {
        assert!(lines[0].contains(needle), "'{}' should contain '{needle}'", lines[0]);
    }
    assert!(!result.stderr.contains("panicked") && !result.stderr.contains("backtrace"));
}

/// Writes `files` (relative path → content) into a fresh directory.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, content) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    }
    dir
}

pub const CONFIGMAP: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: prod\ndata:\n  a: b\n";

/// `kdrift scan` of a temp tree's `desired/` against its `live/`.
pub fn scan_tree(dir: &Path) -> Command {
    let mut command = kdrift();
    command.arg("scan").arg("--desired").arg(dir.join("desired")).arg("--live").arg(dir.join("live"));
    command
}

/// Commits `files` (path → content) on top of HEAD as `author` at `time` (seconds).
pub fn commit(repo: &git2::Repository, files: &[(&str, &str)], author: &str, time: i64, message: &str) -> git2::Oid {
    let workdir = repo.workdir().expect("non-bare").to_owned();
    let mut index = repo.index().unwrap();
    for (path, content) in files {
        let full = workdir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, content).unwrap();
        index.add_path(Path::new(path)).unwrap();
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let signature =
        git2::Signature::new(author, &format!("{}@example.com", author.to_lowercase()), &git2::Time::new(time, 0))
            .unwrap();
    let parents: Vec<git2::Commit<'_>> = repo.head().ok().and_then(|h| h.peel_to_commit().ok()).into_iter().collect();
    let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    repo.commit(Some("HEAD"), &signature, &signature, message, &tree, &parent_refs).unwrap()
}
