//! End to end: `kdrift scan` of the embedded `checkout-api` sample with thousands of ignore
//! rules on its Deployment — jq expressions (each run in the bounded worker) and JSON
//! pointers. Issue #15: many rules must cost linearly (20,000 jq rules once took 35 s and
//! 2.4 GB); the 10k and 20k runs side by side show the slope.

#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark code

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn main() {
    divan::main();
}

/// A rules file with `count` rules of `kind` ("jq" or "pointer"), written once per run.
fn rules(kind: &str, count: usize) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("tempdir")).path();
    let path = dir.join(format!("{kind}-{count}.yaml"));
    if !path.exists() {
        let mut text = String::new();
        for index in 0..count {
            let hides = match kind {
                "jq" => format!("jqPathExpressions: ['.metadata.annotations[\"x{index}\"]']"),
                _ => format!("jsonPointers: [/metadata/annotations/x{index}]"),
            };
            text.push_str(&format!("- group: apps\n  kind: Deployment\n  {hides}\n"));
        }
        std::fs::write(&path, text).expect("write rules");
    }
    path
}

fn scan(rules: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_kdrift"))
        .args(["scan", "--sample", "checkout-api", "-o", "json", "--no-exit-code", "--ignore"])
        .arg(rules)
        .output()
        .expect("kdrift runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    divan::black_box(output.stdout.len());
}

#[divan::bench(args = [10_000, 20_000], sample_count = 5, sample_size = 1)]
fn scan_with_jq_rules(count: usize) {
    scan(&rules("jq", count));
}

#[divan::bench(args = [10_000, 20_000], sample_count = 5, sample_size = 1)]
fn scan_with_pointer_rules(count: usize) {
    scan(&rules("pointer", count));
}
