//! `kdrift serve` as a child process on a free loopback port, a plain HTTP/1.1 client to
//! scrape it, and Debian's `promtool` to judge what it serves.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::time::Duration;

pub struct Served {
    child: Child,
    pub addr: SocketAddr,
}

/// An HTTP answer: status, headers (lower-case names) and body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// The kdrift binary with the tests' environment (`super::kdrift`'s, as a std command).
pub fn kdrift_process() -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("kdrift"));
    let temp = std::env::temp_dir();
    command
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", temp.join("kdrift-tests-no-config"))
        .env("KUBECONFIG", temp.join("kdrift-tests-no-kubeconfig"))
        .env("XDG_DATA_HOME", temp.join("kdrift-tests-data"));
    command
}

impl Served {
    /// Starts `kdrift serve ARGS --listen 127.0.0.1:0` (with `kubeconfig`, if any) and waits
    /// for the line naming the port it bound.
    pub fn start(args: &[&str], kubeconfig: Option<&std::path::Path>) -> Served {
        let mut command = kdrift_process();
        command.arg("serve").args(args).args(["--listen", "127.0.0.1:0"]);
        if let Some(path) = kubeconfig {
            command.env("KUBECONFIG", path);
        }
        let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("kdrift serve starts");
        let stderr = child.stderr.take().expect("stderr piped");
        let mut lines = BufReader::new(stderr).lines();
        let mut said = String::new();
        let addr = loop {
            let Some(Ok(line)) = lines.next() else { panic!("kdrift serve ended before listening:\n{said}") };
            let addr = line.split("listening on http://").nth(1).and_then(|rest| rest.split_whitespace().next());
            if let Some(addr) = addr.and_then(|addr| addr.parse().ok()) {
                break addr;
            }
            said.push_str(&line);
            said.push('\n');
        };
        // The rest of stderr (warnings) drains on its own thread: a full pipe never blocks it.
        std::thread::spawn(move || lines.for_each(drop));
        Served { child, addr }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Answer {
        self.send(&format!("GET {path} HTTP/1.1\r\nHost: kdrift\r\nConnection: close\r\n\r\n"))
    }

    /// Sends `raw` and reads the answer to its end.
    pub fn send(&self, raw: &str) -> Answer {
        let mut stream = TcpStream::connect(self.addr).expect("connects");
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        parse(&String::from_utf8_lossy(&bytes))
    }

    /// SIGTERM, as a pod being stopped gets; the exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().expect("waits") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("kdrift serve did not stop within 5 s of SIGTERM");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse(text: &str) -> Answer {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer { status, headers, body: body.to_owned() }
}

/// Debian's `promtool` (package `prometheus`; `.ci/run` installs it).
pub fn promtool() -> std::process::Command {
    let found = std::process::Command::new("promtool").arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "promtool is needed: install Debian's prometheus package (apt-get install prometheus), as .ci/run does"
    );
    std::process::Command::new("promtool")
}

/// Every sample of a `/metrics` page: `(series with labels, value)`.
pub fn samples(page: &str) -> Vec<(String, f64)> {
    page.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(series, value)| (series.to_owned(), value.parse().expect("a number")))
        .collect()
}

/// The value of exactly `series` (metric and labels as written), if served.
pub fn value(page: &str, series: &str) -> Option<f64> {
    samples(page).into_iter().find(|(s, _)| s == series).map(|(_, v)| v)
}
