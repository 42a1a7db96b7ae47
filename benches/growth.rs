//! How kdrift's cost grows with the work, one dimension at a time (issue #17): resource pairs,
//! apps in multi-app mode, keys of one map, items of one keyed list, orphan Services × pods,
//! objects in a single `kind: List` file, namespaces read from a cluster, and pairs loaded
//! in the TUI. Each size runs the real binary on generated files and reports wall time and
//! peak memory (GNU time; /proc for the TUI), then the growth exponent between consecutive
//! sizes (1.0 is linear). Targets: exponent ≤ 1.1 everywhere; 500 apps ≤ 2× one app over
//! the same pairs; a 50k-key ConfigMap scanned in ≤ 0.5 s; a 50k-object List in ≤ 300 MB;
//! 100k pairs in the TUI in ≤ 1 GB.
//!
//! `cargo bench --bench growth` runs the default sizes; `GROWTH=full` adds the large ones
//! (100k pairs); `GROWTH_ONLY=apps,map` picks dimensions; `KDRIFT_BIN=path` measures another
//! build (for a before/after comparison); `GROWTH_KEEP=1` keeps the generated inputs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark code

#[path = "../tests/support/api_server.rs"]
mod api_server;
#[path = "../tests/support/api_watch.rs"]
mod api_watch;
mod support;
#[path = "support/tui_load.rs"]
mod tui_load;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const NOW: &str = "2026-06-08T09:10:00Z";

fn main() {
    let full = std::env::var("GROWTH").is_ok_and(|v| v == "full");
    let only = std::env::var("GROWTH_ONLY").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|o| o == name);
    let binary = std::env::var("KDRIFT_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kdrift").to_owned());
    let root = tempfile::tempdir().expect("tempdir");
    let bench = Bench { binary, root: root.path().to_owned(), servers: Default::default() };
    // `GROWTH_KEEP=1` leaves the generated inputs for profiling.
    if std::env::var_os("GROWTH_KEEP").is_some() {
        eprintln!("inputs kept in {}", root.keep().display());
    }
    println!("{:<34} {:>8} {:>9} {:>9} {:>7} {:>7}", "dimension", "size", "seconds", "peak MB", "t exp", "m exp");
    let pairs: &[usize] = if full { &[1_000, 10_000, 100_000] } else { &[1_000, 10_000, 30_000] };
    let dimensions: [Dimension; 9] = [
        ("pairs", pairs, |b, n| b.measure(b.pairs(n))),
        ("apps", &[1, 10, 100, 500], |b, n| b.measure(b.apps(n))),
        ("map", &[1_000, 10_000, 50_000], |b, n| b.measure(b.map_keys(n))),
        ("map-diff", &[1_000, 10_000, 50_000], |b, n| b.measure(b.map_diff(n))),
        ("list", &[1_000, 4_000, 16_000], |b, n| b.measure(b.list_items(n))),
        ("orphans", &[1_000, 4_000, 16_000], |b, n| b.measure(b.orphans(n))),
        ("kind-list", &[5_000, 50_000], |b, n| b.measure(b.single_list(n))),
        ("namespaces", &[10, 100, 400], |b, n| b.measure(b.namespaces(n))),
        ("tui", pairs, Bench::tui),
    ];
    for (name, sizes, measured) in dimensions {
        if !wanted(name) {
            continue;
        }
        let mut previous: Option<(usize, Measure)> = None;
        for &size in sizes {
            let measure = measured(&bench, size);
            let exponents = match &previous {
                // The apps dimension keeps the pairs fixed: its exponent is against the app count.
                Some((before, earlier)) => (
                    format!("{:.2}", growth(*before, size, earlier.seconds, measure.seconds)),
                    format!("{:.2}", growth(*before, size, earlier.peak_mb, measure.peak_mb)),
                ),
                None => (String::new(), String::new()),
            };
            println!(
                "{:<34} {:>8} {:>9.2} {:>9.0} {:>7} {:>7}",
                describe(name),
                size,
                measure.seconds,
                measure.peak_mb,
                exponents.0,
                exponents.1
            );
            if name == "namespaces"
                && let Some(api) = bench.servers.borrow().last()
            {
                println!("{:<34} {:>8} requests", "", api.requests().len());
            }
            previous = Some((size, measure));
        }
    }
}

/// A dimension's name, its sizes, and what measures one size.
type Dimension<'s> = (&'static str, &'s [usize], fn(&Bench, usize) -> Measure);

fn describe(name: &str) -> &'static str {
    match name {
        "pairs" => "scan: resource pairs",
        "apps" => "scan --repo: apps over 10k pairs",
        "map" => "scan: keys of one ConfigMap",
        "map-diff" => "diff: keys of one ConfigMap",
        "list" => "scan: env vars of one container",
        "orphans" => "scan: orphan Services × pods",
        "namespaces" => "cluster: 10k objects, namespaces",
        "tui" => "tui: pairs loaded (time to shown)",
        _ => "scan: objects in one kind: List",
    }
}

/// The exponent k of cost ∝ size^k between two measurements.
fn growth(size_a: usize, size_b: usize, cost_a: f64, cost_b: f64) -> f64 {
    (cost_b / cost_a).ln() / (size_b as f64 / size_a as f64).ln()
}

struct Measure {
    seconds: f64,
    peak_mb: f64,
}

struct Bench {
    binary: String,
    root: PathBuf,
    /// Fake API servers kept alive until the end of the run.
    servers: std::cell::RefCell<Vec<api_server::FakeApi>>,
}

impl Bench {
    /// Runs a scan command under GNU time when it is installed (peak memory), else only timed.
    fn measure(&self, command: Command) -> Measure {
        let has_time = Path::new("/usr/bin/time").exists();
        let mut run = if has_time {
            let mut timed = Command::new("/usr/bin/time");
            timed.args(["-f", "%M"]).arg(command.get_program()).args(command.get_args());
            timed.envs(command.get_envs().filter_map(|(key, value)| Some((key, value?))));
            timed
        } else {
            command
        };
        let started = Instant::now();
        let output = run.output().expect("kdrift runs");
        let seconds = started.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{stderr}");
        assert!(output.stdout.len() > 100, "a report: {stderr}");
        let kib: f64 = stderr.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(f64::NAN);
        Measure { seconds, peak_mb: if has_time { kib / 1024.0 } else { f64::NAN } }
    }

    fn scan(&self, desired: &Path, live: &Path) -> Command {
        let mut command = Command::new(&self.binary);
        command.arg("scan").arg("--desired").arg(desired).arg("--live").arg(live);
        command.args(["--app", "shop", "--output", "json", "--now", NOW]);
        command
    }

    fn dir(&self, name: String) -> PathBuf {
        let dir = self.root.join(name);
        std::fs::create_dir_all(dir.join("desired")).expect("mkdir");
        std::fs::create_dir_all(dir.join("live")).expect("mkdir");
        dir
    }

    /// Desired as files of 10 documents, live as `kind: List` files of 100 items (written
    /// once per run, for the scan and the TUI alike).
    fn pairs_dir(&self, count: usize) -> PathBuf {
        let dir = self.root.join(format!("pairs-{count}"));
        if !dir.exists() {
            self.dir(format!("pairs-{count}"));
            let pairs = support::pairs(count);
            support::write_desired(&dir.join("desired"), pairs.iter().map(|p| &p.desired));
            write_lists(&dir.join("live"), pairs.iter().map(|p| p.live.clone()), 100);
        }
        dir
    }

    fn pairs(&self, count: usize) -> Command {
        let dir = self.pairs_dir(count);
        self.scan(&dir.join("desired"), &dir.join("live"))
    }

    /// The same pairs opened in the TUI: until the app shows compared, and the peak memory
    /// until then (loading, and every resource's copies kept for the diff screen). Target:
    /// 100k ≤ 1 GB.
    fn tui(&self, count: usize) -> Measure {
        let dir = self.pairs_dir(count);
        let (desired, live) = (dir.join("desired"), dir.join("live"));
        let args = ["--desired".as_ref(), desired.as_os_str(), "--live".as_ref(), live.as_os_str()];
        let args = [&args[..], &["--app".as_ref(), "shop".as_ref(), "--now".as_ref(), NOW.as_ref()]].concat();
        let (seconds, peak_mb) = tui_load::load(&self.binary, &args, &self.root.join("home"), "OutOfSync");
        Measure { seconds, peak_mb }
    }

    /// 10,000 pairs in a Git repository as `apps` Argo CD Applications (one directory each),
    /// live objects tracked to their app: multi-app mode reads the snapshot for all of them.
    fn apps(&self, apps: usize) -> Command {
        const PAIRS: usize = 10_000;
        let dir = self.dir(format!("apps-{apps}"));
        let repo = dir.join("repo");
        let pairs = support::pairs(PAIRS);
        let app_of = |i: usize| format!("app-{:03}", i * apps / PAIRS);
        for app in 0..apps {
            let members = pairs.iter().enumerate().filter(|(i, _)| i * apps / PAIRS == app).map(|(_, p)| &p.desired);
            let path = repo.join("apps").join(format!("app-{app:03}"));
            std::fs::create_dir_all(&path).expect("mkdir");
            support::write_desired(&path, members);
        }
        commit_all(&repo);
        let live = pairs.iter().enumerate().map(|(i, p)| {
            let mut live = p.live.clone();
            live["metadata"]["labels"]["app.kubernetes.io/instance"] = json!(app_of(i));
            live
        });
        let definitions = (0..apps).map(|app| {
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": format!("app-{app:03}"), "namespace": "argocd"},
                "spec": {"source": {"repoURL": "https://git.example.com/platform.git", "targetRevision": "HEAD",
                                    "path": format!("apps/app-{app:03}")},
                         "destination": {"namespace": "team-0"}}})
        });
        write_lists(&dir.join("live"), live.chain(definitions), 100);
        let mut command = Command::new(&self.binary);
        command.arg("scan").arg("--repo").arg(&repo).arg("--live").arg(dir.join("live"));
        command.args(["--output", "json", "--now", NOW]);
        command
    }

    /// One ConfigMap with `keys` keys; the GitOps controller wrote them all, `kubectl edit`
    /// one in ten since (two managers on one wide map).
    fn wide_map(&self, keys: usize) -> PathBuf {
        let dir = self.root.join(format!("map-{keys}"));
        if dir.exists() {
            return dir;
        }
        let dir = self.dir(format!("map-{keys}"));
        let key = |i: usize| format!("SETTING_{i:06}");
        let data: serde_json::Map<String, Value> = (0..keys).map(|i| (key(i), json!(format!("value-{i}")))).collect();
        let mut live_data = data.clone();
        let edited: Vec<usize> = (0..keys).step_by(10).collect();
        for i in &edited {
            live_data[&key(*i)] = json!("edited-by-hand");
        }
        let all: serde_json::Map<String, Value> = (0..keys).map(|i| (format!("f:{}", key(i)), json!({}))).collect();
        let by_hand: serde_json::Map<String, Value> =
            edited.iter().map(|i| (format!("f:{}", key(*i)), json!({}))).collect();
        let metadata = json!({"name": "settings", "namespace": "shop"});
        let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data});
        let mut live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": live_data});
        live["metadata"]["managedFields"] = json!([
            managed("argocd-controller", "2026-03-15T10:00:00Z", json!({"f:data": all})),
            managed("kubectl-edit", "2026-04-26T08:10:00Z", json!({"f:data": by_hand})),
        ]);
        write_yaml(&dir.join("desired/settings.yaml"), &desired);
        write_yaml(&dir.join("live/settings.yaml"), &live);
        dir
    }

    fn map_keys(&self, keys: usize) -> Command {
        let dir = self.wide_map(keys);
        self.scan(&dir.join("desired"), &dir.join("live"))
    }

    /// `kdrift diff` of the same ConfigMap: every line aligned and attributed.
    fn map_diff(&self, keys: usize) -> Command {
        let dir = self.wide_map(keys);
        let mut command = Command::new(&self.binary);
        command.arg("diff").arg("--desired").arg(dir.join("desired")).arg("--live").arg(dir.join("live"));
        command.args(["--app", "shop", "--now", NOW]);
        command
    }

    /// One Deployment whose container has `items` env vars, listed in reverse order live,
    /// one in ten edited with `kubectl set env`.
    fn list_items(&self, items: usize) -> Command {
        let dir = self.dir(format!("list-{items}"));
        let env = |edited: bool| -> Vec<Value> {
            (0..items)
                .map(|i| {
                    let value = if edited && i % 10 == 0 { "edited".to_owned() } else { format!("v{i}") };
                    json!({"name": format!("VAR_{i:06}"), "value": value})
                })
                .collect()
        };
        let deployment = |env: Vec<Value>| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "namespace": "shop"},
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "api"}}, "template": {
                    "metadata": {"labels": {"app": "api"}},
                    "spec": {"containers": [{"name": "app", "image": "api:v1", "env": env}]}}}})
        };
        let item = |i: usize| format!("k:{{\"name\":\"VAR_{i:06}\"}}");
        let all: serde_json::Map<String, Value> =
            (0..items).map(|i| (item(i), json!({".": {}, "f:name": {}, "f:value": {}}))).collect();
        let by_hand: serde_json::Map<String, Value> =
            (0..items).step_by(10).map(|i| (item(i), json!({"f:value": {}}))).collect();
        let fields = |env: serde_json::Map<String, Value>| json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {"f:env": env}}}}}});
        let mut live_env = env(true);
        live_env.reverse();
        let mut live = deployment(live_env);
        live["metadata"]["managedFields"] = json!([
            managed("argocd-controller", "2026-03-15T10:00:00Z", fields(all)),
            managed("kubectl-set", "2026-04-26T08:10:00Z", fields(by_hand)),
        ]);
        write_yaml(&dir.join("desired/api.yaml"), &deployment(env(false)));
        write_yaml(&dir.join("live/api.yaml"), &live);
        self.scan(&dir.join("desired"), &dir.join("live"))
    }

    /// `count` Services Git no longer has, still tracked to the app, each selecting its own
    /// pod among `count` pods: every orphan is checked against the pods.
    fn orphans(&self, count: usize) -> Command {
        let dir = self.dir(format!("orphans-{count}"));
        let kept = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kept", "namespace": "shop"},
            "data": {"a": "b"}});
        write_yaml(&dir.join("desired/kept.yaml"), &kept);
        let services = (0..count).map(|i| {
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": format!("old-{i}"), "namespace": "shop",
                "labels": {"app.kubernetes.io/instance": "shop"}},
                "spec": {"selector": {"app": format!("old-{i}")}, "ports": [{"port": 80}]}})
        });
        let pods = (0..count).map(|i| {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("old-{i}-7d9f"), "namespace": "shop",
                "labels": {"app": format!("old-{i}"), "tier": "web"}}, "spec": {"containers": []}})
        });
        write_lists(&dir.join("live"), std::iter::once(kept).chain(services).chain(pods), 1_000);
        self.scan(&dir.join("desired"), &dir.join("live"))
    }

    /// Live state as one `kind: List` file of `count` objects (`kubectl get -o yaml > f`):
    /// Services and ConfigMaps, so that 50,000 of them stay under the 256 MiB file limit.
    fn single_list(&self, count: usize) -> Command {
        let dir = self.dir(format!("kind-list-{count}"));
        let small = |p: &support::Pair| matches!(p.desired["kind"].as_str(), Some("Service" | "ConfigMap"));
        let pairs: Vec<support::Pair> =
            support::pairs(count * 5 / 2 + 10).into_iter().filter(small).take(count).collect();
        support::write_desired(&dir.join("desired"), pairs.iter().map(|p| &p.desired));
        write_lists(&dir.join("live"), pairs.iter().map(|p| p.live.clone()), count);
        self.scan(&dir.join("desired"), &dir.join("live"))
    }
}

impl Bench {
    /// 10,000 ConfigMaps of one app spread over `namespaces` namespaces, served by a loopback
    /// API server answering each request after 20 ms: the requests (and the time) should
    /// grow with the kinds read, not with the namespaces.
    fn namespaces(&self, namespaces: usize) -> Command {
        const OBJECTS: usize = 10_000;
        let dir = self.dir(format!("namespaces-{namespaces}"));
        let config_map = |i: usize, value: &str| {
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("settings-{i:05}"), "namespace": format!("team-{:03}", i % namespaces),
                    "labels": {"app.kubernetes.io/instance": "spread"}},
                "data": {"mode": value, "owner": format!("team-{}", i % namespaces)}})
        };
        let desired: Vec<Value> = (0..OBJECTS).map(|i| config_map(i, "safe")).collect();
        support::write_desired(&dir.join("desired"), desired.iter());
        let live: Vec<Value> =
            (0..OBJECTS).map(|i| config_map(i, if i % 100 == 7 { "edited" } else { "safe" })).collect();
        let behaviour = api_server::Behaviour {
            latency: Some(std::time::Duration::from_millis(20)),
            ..api_server::Behaviour::default()
        };
        let api = api_server::FakeApi::start(live, behaviour);
        let mut command = Command::new(&self.binary);
        command.env("KUBECONFIG", api.kubeconfig());
        command.arg("scan").arg("--desired").arg(dir.join("desired"));
        command.args(["--app", "spread", "--no-server-dry-run", "--output", "json", "--now", NOW]);
        self.servers.borrow_mut().push(api);
        command
    }
}

fn managed(manager: &str, time: &str, fields: Value) -> Value {
    json!({"manager": manager, "operation": "Update", "apiVersion": "v1", "time": time,
        "fieldsType": "FieldsV1", "fieldsV1": fields})
}

fn write_yaml(path: &Path, value: &Value) {
    std::fs::write(path, yaml_serde::to_string(value).expect("yaml")).expect("write");
}

/// Live objects as `kind: List` snapshot files of `per_file` items.
fn write_lists(dir: &Path, objects: impl Iterator<Item = Value>, per_file: usize) {
    let objects: Vec<Value> = objects.collect();
    for (file, chunk) in objects.chunks(per_file).enumerate() {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": chunk});
        write_yaml(&dir.join(format!("snapshot-{file:04}.yaml")), &list);
    }
}

/// Commits the directory's files as a new repository's first commit.
fn commit_all(dir: &Path) {
    let repo = git2::Repository::init(dir).expect("git init");
    let mut index = repo.index().expect("index");
    index.add_all(["*"], git2::IndexAddOption::DEFAULT, None).expect("add");
    let tree = repo.find_tree(index.write_tree().expect("tree")).expect("tree");
    let who = git2::Signature::new("Bench", "bench@example.com", &git2::Time::new(1_780_000_000, 0)).expect("sig");
    repo.commit(Some("HEAD"), &who, &who, "apps", &tree, &[]).expect("commit");
}
