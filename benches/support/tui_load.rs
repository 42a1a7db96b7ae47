//! The TUI loading a large investigation, measured as a user meets it: the real binary in a
//! pseudo-terminal, timed from start until the apps list shows the app compared, with the
//! process's peak resident memory so far read from /proc at that moment (loading included;
//! the TUI then keeps every resource's copies for its diff screen).

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

/// Seconds until the screen shows `loaded`, and the peak resident set then, in MB.
pub fn load(binary: &str, args: &[&std::ffi::OsStr], home: &Path, loaded: &str) -> (f64, f64) {
    let size = PtySize { rows: 40, cols: 150, pixel_width: 0, pixel_height: 0 };
    let pty = native_pty_system().openpty(size).expect("a pty");
    // The pty's command is looked up from its own directory: name the binary absolutely.
    let mut command = CommandBuilder::new(std::fs::canonicalize(binary).expect("the kdrift binary"));
    command.args(args);
    std::fs::create_dir_all(home).expect("home");
    command.cwd(home);
    command.env("HOME", home);
    command.env("XDG_DATA_HOME", home.join("data"));
    command.env("XDG_STATE_HOME", home.join("state"));
    command.env("XDG_CONFIG_HOME", home.join("config"));
    command.env("TERM", "xterm-256color");
    let started = Instant::now();
    let child = pty.slave.spawn_command(command).expect("kdrift starts");
    drop(pty.slave);
    // Whatever happens below, no kdrift is left behind.
    let mut child = KillOnDrop(child);
    let pid = child.0.process_id().expect("a pid");
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let (sender, output) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 65536];
        while let Ok(n) = reader.read(&mut chunk) {
            if n == 0 || sender.send(chunk[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = vt100::Parser::new(40, 150, 0);
    let deadline = started + Duration::from_secs(600);
    while !screen.screen().contents().contains(loaded) {
        assert!(Instant::now() < deadline, "never loaded:\n{}", screen.screen().contents());
        match output.recv_timeout(Duration::from_millis(20)) {
            Ok(bytes) => screen.process(&bytes),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                panic!(
                    "kdrift ended ({:?}) before showing '{loaded}':\n{}",
                    child.0.try_wait(),
                    screen.screen().contents()
                )
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak_kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN);
    pty.master.take_writer().expect("writer").write_all(b"q").expect("quit");
    (seconds, peak_kib / 1024.0)
}

/// The child, asked to quit with `q` first, killed if it has not quit within ten seconds.
struct KillOnDrop(Box<dyn portable_pty::Child + Send + Sync>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
