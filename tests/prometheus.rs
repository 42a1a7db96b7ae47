//! A real Prometheus (Debian's `prometheus` package) scraping `kdrift serve`, which reads the
//! loopback API server (issue 19): the harmful-finding series appears, and clears once the
//! cluster is synced back to Git, as seen through Prometheus' own HTTP query API; and the
//! TUI's fleet overview (`--prometheus URL`) read from it, drilled into the app's cluster.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::Value;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::NOW;
use support::api_server::{Behaviour, FakeApi, objects_in};
use support::served::Served;

/// Prometheus on a free loopback port, scraping `target` every second.
struct Prometheus {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(target: &str) -> Prometheus {
        Prometheus::start_labelled(target, "")
    }

    /// `start`, the target's series labelled `cluster: NAME` when `cluster` is not empty (as
    /// a federated Prometheus or Thanos labels each cluster's).
    fn start_labelled(target: &str, cluster: &str) -> Prometheus {
        let found = std::process::Command::new("prometheus").arg("--version").output();
        assert!(
            found.is_ok_and(|o| o.status.success()),
            "prometheus is needed: install Debian's prometheus package (apt-get install prometheus), as .ci/run does"
        );
        let dir = tempfile::tempdir().unwrap();
        let mut config = format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nscrape_configs:\n- job_name: kdrift\n  static_configs:\n  - targets: ['{target}']\n"
        );
        if !cluster.is_empty() {
            config.push_str(&format!("    labels: {{cluster: '{cluster}'}}\n"));
        }
        std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let child = std::process::Command::new("prometheus")
            .arg(format!("--config.file={}", dir.path().join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts");
        Prometheus { child, addr, _dir: dir }
    }

    /// The instant vector `query` evaluates to now: (labels, value) per series; empty until
    /// Prometheus answers.
    fn query(&self, query: &str) -> Vec<(Value, f64)> {
        let Ok(mut stream) = TcpStream::connect(&self.addr) else { return Vec::new() };
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        // HTTP/1.0: the answer comes whole, never chunked.
        let _ = stream.write_all(format!("GET /api/v1/query?query={encoded} HTTP/1.0\r\n\r\n").as_bytes());
        let mut text = String::new();
        let _ = stream.read_to_string(&mut text);
        let Some((_, body)) = text.split_once("\r\n\r\n") else { return Vec::new() };
        let Ok(answer) = serde_json::from_str::<Value>(body) else { return Vec::new() };
        answer["data"]["result"]
            .as_array()
            .map(|results| {
                results
                    .iter()
                    .map(|r| (r["metric"].clone(), r["value"][1].as_str().unwrap_or("NaN").parse().unwrap_or(f64::NAN)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Polls `query` until `done` holds of its answer (within a minute).
    fn until(&self, query: &str, done: impl Fn(&[(Value, f64)]) -> bool) -> Vec<(Value, f64)> {
        let started = Instant::now();
        loop {
            let answer = self.query(query);
            if done(&answer) {
                return answer;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{query} still {answer:?} after a minute");
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sample_dir(part: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/checkout-api").join(part)
}

#[test]
fn prometheus_sees_harmful_drift_appear_and_clear_after_a_sync() {
    let api = FakeApi::start(objects_in(&sample_dir("live")), Behaviour::default());
    let desired = sample_dir("desired").display().to_string();
    let source = ["--app", "checkout-api", "-n", "prod", "--desired", &desired, "--now", NOW, "--interval", "1"];
    let served = Served::start(&source, Some(&api.kubeconfig()));
    let prometheus = Prometheus::start(&served.addr.to_string());

    // The person's memory limit: a harmful finding, owned by a human, for the checkout team.
    let human = "kdrift_findings{app=\"checkout-api\",category=\"desired-config\",owner_class=\"human\"}";
    let seen = prometheus.until(human, |answer| !answer.is_empty());
    assert_eq!(seen[0].0["job"], "kdrift");
    assert_eq!(seen[0].0["severity"], "high");
    let harmful = "kdrift_app_harmful_findings{app=\"checkout-api\",dest_namespace=\"prod\"}";
    prometheus.until(harmful, |answer| answer.first().is_some_and(|(_, v)| *v >= 2.0));
    // The HPA's replicas are there too, as expected drift, apart.
    prometheus.until("kdrift_findings{app=\"checkout-api\",category=\"controller-managed\"}", |a| !a.is_empty());

    // A sync puts Git's objects back: the memory limit is 512Mi again, the orphan is pruned.
    let mut deployment = api.object("Deployment", "checkout-api").unwrap();
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] =
        Value::String("512Mi".into());
    api.set(deployment);
    api.remove("Service", "checkout-api-legacy");
    prometheus.until(human, |answer| answer.is_empty());
    prometheus.until(harmful, |answer| answer.first().is_some_and(|(_, v)| *v == 0.0));
    // Expected drift stays what it was: the HPA still scales the Deployment.
    assert!(!prometheus.query("kdrift_findings{app=\"checkout-api\",category=\"controller-managed\"}").is_empty());
}

#[test]
fn the_fleet_overview_comes_from_prometheus_and_drills_into_the_apps_cluster() {
    let api = FakeApi::start(objects_in(&sample_dir("live")), Behaviour::default());
    let desired = sample_dir("desired").display().to_string();
    let source = ["--app", "checkout-api", "-n", "prod", "--desired", &desired, "--now", NOW, "--interval", "60"];
    let served = Served::start(&source, Some(&api.kubeconfig()));
    // The series carry the cluster they came from, named as the kubeconfig names its context.
    let prometheus = Prometheus::start_labelled(&served.addr.to_string(), "test-prod");
    let harmful = "kdrift_app_harmful_findings{cluster=\"test-prod\",app=\"checkout-api\"}";
    prometheus.until(harmful, |answer| answer.first().is_some_and(|(_, v)| *v >= 2.0));
    let url = format!("http://{}", prometheus.addr);

    // `scan` refuses: an overview has counts, not findings, and would read as a clean fleet.
    let mut scan = support::kdrift();
    scan.env("KUBECONFIG", api.kubeconfig()).args(["scan", "--prometheus", &url]);
    let refused = support::run(&mut scan);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--prometheus reads a fleet overview for the TUI"), "{}", refused.stderr);

    let home = tempfile::tempdir().unwrap();
    let kubeconfig = api.kubeconfig();
    let args = ["--prometheus", &url, "--desired", &desired, "--no-server-dry-run", "--now", NOW];
    let env = [("KUBECONFIG", kubeconfig.to_str().unwrap())];
    let mut tui = support::terminal::Terminal::start_with_env(&args, home.path(), home.path(), &env);
    tui.wait_until("the overview", |screen| screen.contains("CLUSTER") && screen.contains("test-prod"));
    let screen = tui.contents();
    assert!(screen.contains(&format!("prometheus {url}")), "{screen}");
    let row = screen.lines().find(|l| l.contains("checkout-api")).expect("the app's row").to_owned();
    let columns: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(columns[1], "OutOfSync", "{row}");
    assert_eq!(columns[2], "2", "harmful, as kdrift serve counts it: {row}");
    assert!(row.contains("high") && row.ends_with("test-prod"), "{row}");

    // Enter reads the app from its cluster: its resources, from context test-prod.
    tui.type_keys(b"\r");
    tui.wait_until("the app read from its cluster", |screen| {
        screen.contains("context test-prod") && screen.contains("SOURCE") && screen.contains("cluster test-prod")
    });
    tui.type_keys(b"\r");
    tui.wait_for("Service checkout-api-legacy");
    // Esc twice: the apps screen, then the overview again.
    tui.type_keys(b"\x1b");
    tui.wait_until("the cluster's apps", |screen| !screen.contains("checkout-api-legacy"));
    tui.type_keys(b"\x1b");
    tui.wait_until("the overview again", |screen| screen.contains(&format!("prometheus {url}")));
    tui.type_keys(b"q");
    assert!(tui.finish(), "kdrift quits cleanly");
}
