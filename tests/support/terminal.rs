//! The real binary in a pseudo-terminal, its screen read back through a VT100 parser, so
//! tests drive kdrift exactly as a user at a terminal does.

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

pub struct Terminal {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
    writer: Box<dyn std::io::Write + Send>,
    output: Receiver<Vec<u8>>,
    pub parser: vt100::Parser,
    /// Every byte kdrift wrote, escape sequences included (what the screen does not keep,
    /// such as an OSC 52 clipboard write).
    pub transcript: Vec<u8>,
}

impl Terminal {
    /// Starts `kdrift ARGS` in a 150×40 terminal with `home` as HOME and XDG directories,
    /// working in `cwd`.
    pub fn start(args: &[&str], home: &Path, cwd: &Path) -> Terminal {
        Terminal::start_with_env(args, home, cwd, &[])
    }

    /// `start`, with `env` set besides.
    pub fn start_with_env(args: &[&str], home: &Path, cwd: &Path, env: &[(&str, &str)]) -> Terminal {
        let pair =
            native_pty_system().openpty(PtySize { rows: 40, cols: 150, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut command = CommandBuilder::new(assert_cmd::cargo::cargo_bin("kdrift"));
        command.args(args);
        command.cwd(cwd);
        command.env("HOME", home);
        command.env("XDG_CONFIG_HOME", home.join("config"));
        command.env("XDG_STATE_HOME", home.join("state"));
        command.env("XDG_DATA_HOME", home.join("data"));
        command.env("TERM", "xterm-256color");
        for (name, value) in env {
            command.env(name, value);
        }
        let child = pair.slave.spawn_command(command).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (sender, output) = std::sync::mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            while let Ok(n) = reader.read(&mut chunk) {
                if n == 0 || sender.send(chunk[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Terminal {
            child,
            master: pair.master,
            writer,
            output,
            parser: vt100::Parser::new(40, 150, 0),
            transcript: Vec::new(),
        }
    }

    /// Reads the screen until `needle` shows (20 s at most).
    pub fn wait_for(&mut self, needle: &str) {
        self.wait_until(&format!("'{needle}' on screen"), |screen| screen.contains(needle));
    }

    /// Reads the screen until `holds` says it shows what `what` describes (20 s at most): a
    /// frame arrives in pieces, so what must be gone is awaited too.
    pub fn wait_until(&mut self, what: &str, holds: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(100)) {
                self.read(&bytes);
            }
            if holds(&self.parser.screen().contents()) {
                return;
            }
        }
        panic!("never saw {what}:\n{}", self.parser.screen().contents());
    }

    /// The screen as last read.
    pub fn contents(&self) -> String {
        self.parser.screen().contents()
    }

    fn read(&mut self, bytes: &[u8]) {
        self.parser.process(bytes);
        self.transcript.extend_from_slice(bytes);
    }

    pub fn type_keys(&mut self, keys: &[u8]) {
        self.writer.write_all(keys).unwrap();
    }

    /// Waits for the exit and reads what was drawn last; whether it succeeded.
    pub fn finish(&mut self) -> bool {
        let status = self.child.wait().unwrap();
        while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(300)) {
            self.read(&bytes);
        }
        status.success()
    }

    /// The terminal is back to normal: main screen, cursor shown, and the line discipline
    /// cooked again (canonical input and echo: raw mode left).
    pub fn restored(&self) -> bool {
        let termios = self.master.get_termios().map(|t| format!("{:?}", t.local_flags)).unwrap_or_default();
        !self.parser.screen().alternate_screen()
            && !self.parser.screen().hide_cursor()
            && termios.contains("ICANON")
            && termios.contains("ECHO")
    }

    /// Whether the terminal is in raw mode now (no canonical input).
    pub fn raw(&self) -> bool {
        self.master.get_termios().is_some_and(|t| !format!("{:?}", t.local_flags).contains("ICANON"))
    }

    /// Sends `signal` (`TERM`, `HUP`, `INT`) to kdrift, as `kill` from another shell would.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.process_id().expect("a running child").to_string();
        let sent = std::process::Command::new("kill").arg(format!("-{signal}")).arg(pid).status().unwrap();
        assert!(sent.success(), "kill -{signal}");
    }

    /// Waits at most `limit` for kdrift to exit, reading what it drew; its exit code.
    pub fn exit_within(&mut self, limit: Duration) -> Option<u32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(50)) {
                self.read(&bytes);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(300)) {
                    self.read(&bytes);
                }
                return Some(status.exit_code());
            }
        }
        None
    }
}
