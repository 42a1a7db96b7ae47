//! The TUI loading a large investigation, measured as a user meets it: the real binary in a
//! pseudo-terminal, timed from start until the apps list shows the app compared, with the
//! process's peak resident memory read from /proc at that moment (the TUI keeps every
//! resource's copies for its diff screen, so this is what it holds while the user works).

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
    let mut child = pty.slave.spawn_command(command).expect("kdrift starts");
    drop(pty.slave);
    let pid = child.process_id().expect("a pid");
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
        if let Ok(bytes) = output.recv_timeout(Duration::from_millis(20)) {
            screen.process(&bytes);
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
    child.wait().expect("kdrift exits");
    (seconds, peak_kib / 1024.0)
}
