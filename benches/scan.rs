//! End to end: `kdrift scan` over 10,000 resource pairs read from YAML files — desired as
//! 1,000 manifest files of 10 documents, live as 100 `kind: List` snapshot files of 100 items,
//! as `kubectl get -o yaml --show-managed-fields` writes them. Target (issue #2): ≤ 3 s wall
//! and ≤ 300 MB peak memory. Peak RSS is read with GNU time when it is installed. Beside it
//! (issue #17): the parse floor (the same files only parsed, in this process, on as many
//! threads and with the same allocator as kdrift, without its start-up and file walk;
//! target: the scan ≤ 1.1× it) and node's jsondiffpatch on the same pairs (target: ≥ 3×
//! slower).

#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark code

mod support;

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

const PAIRS: usize = 10_000;

// The same allocator as the binary: the parse floor must not be slower for another reason.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    report_peak_memory();
    // Installed before anything is timed.
    let _ = jsondiffpatch_script();
    divan::main();
    // The static TempDir is never dropped; remove the ~100 MB cluster explicitly.
    let _ = std::fs::remove_dir_all(cluster());
}

/// Writes the synthetic cluster once per benchmark run.
fn cluster() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let pairs = support::pairs(PAIRS);
        let desired = dir.path().join("desired");
        let live = dir.path().join("live");
        std::fs::create_dir_all(&desired).expect("mkdir");
        std::fs::create_dir_all(&live).expect("mkdir");
        for (file, chunk) in pairs.chunks(10).enumerate() {
            let docs: Vec<String> = chunk.iter().map(|p| yaml_serde::to_string(&p.desired).expect("yaml")).collect();
            std::fs::write(desired.join(format!("app-{file:04}.yaml")), docs.join("---\n")).expect("write");
        }
        for (file, chunk) in pairs.chunks(100).enumerate() {
            let items: Vec<&serde_json::Value> = chunk.iter().map(|p| &p.live).collect();
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
            std::fs::write(live.join(format!("snapshot-{file:03}.yaml")), yaml_serde::to_string(&list).expect("yaml"))
                .expect("write");
        }
        dir
    })
    .path()
}

fn scan_command() -> Command {
    let dir = cluster();
    let mut command = Command::new(env!("CARGO_BIN_EXE_kdrift"));
    command.arg("scan").arg("--desired").arg(dir.join("desired")).arg("--live").arg(dir.join("live")).args([
        "--app",
        "shop",
        "--output",
        "json",
        "--no-exit-code",
        "--now",
        "2026-06-08T09:10:00Z",
    ]);
    command
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn scan_10k_pairs_from_yaml() {
    let output = scan_command().output().expect("kdrift runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    divan::black_box(output.stdout.len());
}

/// The parse floor the scan is measured against (issue #17: a scan ≤ 1.1× it): the same
/// files read and parsed with yaml_serde into JSON values on as many threads as kdrift
/// uses, each thread taking the next file as it finishes one, and nothing else.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn parse_floor_10k_pairs() {
    use serde::Deserialize as _;
    let dir = cluster();
    let mut files: Vec<std::path::PathBuf> = ["desired", "live"]
        .iter()
        .flat_map(|side| std::fs::read_dir(dir.join(side)).expect("dir").map(|entry| entry.expect("entry").path()))
        .collect();
    files.sort();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let documents: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut documents = 0;
                    while let Some(file) = files.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                        let text = std::fs::read_to_string(file).expect("read");
                        for document in yaml_serde::Deserializer::from_str(&text) {
                            divan::black_box(serde_json::Value::deserialize(document).expect("yaml"));
                            documents += 1;
                        }
                    }
                    documents
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().expect("worker")).sum()
    });
    assert_eq!(documents, PAIRS + PAIRS / 100);
}

/// node's jsondiffpatch on the same pairs (benches/jsondiffpatch: js-yaml reads the files,
/// pairs are matched by identity and diffed; issue #17: kdrift ≥ 3× faster). Node runs on
/// one core where kdrift uses all, and only counts the pairs that differ where kdrift also
/// normalizes, classifies and writes a report. Its packages are installed before the first
/// run with `npm ci`; without node or the npm registry the comparison is skipped and says so.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn jsondiffpatch_10k_pairs_in_node() {
    let Some(script) = jsondiffpatch_script() else { return };
    let dir = cluster();
    let output = Command::new("node").arg(script).arg(dir.join("desired")).arg(dir.join("live")).output();
    let output = output.expect("node runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let counts = String::from_utf8_lossy(&output.stdout);
    assert!(counts.contains(&format!("\"compared\":{PAIRS}")), "{counts}");
}

/// The comparison script, its packages installed; `None` (said once) when they cannot be.
fn jsondiffpatch_script() -> Option<&'static Path> {
    static SCRIPT: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();
    SCRIPT
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/jsondiffpatch");
            let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
            // A registry out of reach fails at once instead of retrying for minutes.
            let installed = node
                && (dir.join("node_modules/jsondiffpatch").exists() && dir.join("node_modules/js-yaml").exists()
                    || Command::new("npm")
                        .args(["ci", "--silent", "--ignore-scripts", "--no-audit", "--fetch-retries=0"])
                        .arg("--prefix")
                        .arg(&dir)
                        .status()
                        .is_ok_and(|s| s.success()));
            if !installed {
                eprintln!("jsondiffpatch: skipped (node and npm, with the npm registry, are needed)");
            }
            installed.then(|| dir.join("compare.mjs"))
        })
        .as_deref()
}

/// One extra run under GNU time for the peak resident set size.
fn report_peak_memory() {
    if !Path::new("/usr/bin/time").exists() {
        eprintln!("peak memory: /usr/bin/time not installed (apt-get install time)");
        return;
    }
    let scan = scan_command();
    let mut timed = Command::new("/usr/bin/time");
    timed.args(["-f", "%M %e"]).arg(scan.get_program()).args(scan.get_args());
    let output = timed.output().expect("time runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let mut fields = last.split_whitespace();
    let kib: u64 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
    let seconds = fields.next().unwrap_or("?");
    eprintln!("scan of {PAIRS} pairs: peak RSS {} MB, wall {seconds} s", kib / 1024);
}
