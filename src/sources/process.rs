//! Running another program within bounds (renderers, `escalate.command`, exec credential
//! plugins): in its own process group, killed whole after a deadline or when its output
//! passes a byte cap, and never waited on past that: a background child that keeps a pipe
//! open (`sleep 600 &`) or a program that prints gigabytes costs one clear error.

use std::io::{Read, Write as _};
use std::os::unix::process::CommandExt as _;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long and how much a program may run and print.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub timeout: Duration,
    /// Bytes of stdout kept; more ends the program.
    pub stdout_bytes: u64,
    /// Bytes of stderr kept (the last ones matter less than not blocking): more is dropped.
    pub stderr_bytes: u64,
}

/// A program that ran to its end.
#[derive(Debug)]
pub(crate) struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum RunError {
    #[error("cannot start: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("still running after {}s: stopped with everything it started", .0.as_secs())]
    Timeout(Duration),
    #[error("printed more than {}: stopped with everything it started", crate::limits::size(*.0))]
    TooMuchOutput(u64),
    /// It exited, but something it started in a session of its own still holds its output
    /// open: what was read may be cut short, so it is not used.
    #[error("exited, but something it started outside its process group still holds its output open")]
    Unfinished,
}

enum Chunk {
    Out(Vec<u8>),
    Err(Vec<u8>),
}

/// How long the pipes may stay open after the program exited (its own children gone too).
const GRACE: Duration = Duration::from_millis(500);

/// Runs `command` with `stdin` (nothing when `None`) within `bounds`.
pub(crate) fn run(command: &mut Command, stdin: Option<Vec<u8>>, bounds: Bounds) -> Result<Finished, RunError> {
    command.process_group(0);
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(RunError::Spawn)?;
    if let (Some(mut pipe), Some(bytes)) = (child.stdin.take(), stdin) {
        // On its own thread: a program that never reads must not stop kdrift.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let (sender, chunks) = mpsc::channel();
    if let Some(pipe) = child.stdout.take() {
        read_chunks(pipe, sender.clone(), Chunk::Out);
    }
    if let Some(pipe) = child.stderr.take() {
        read_chunks(pipe, sender, Chunk::Err);
    }
    let group = rustix::process::Pid::from_child(&child);
    let stop = |child: &mut std::process::Child| {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let _ = child.kill();
        let _ = child.wait();
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let started = Instant::now();
    let mut exited: Option<(ExitStatus, Instant)> = None;
    loop {
        match chunks.recv_timeout(Duration::from_millis(10)) {
            Ok(Chunk::Out(bytes)) => {
                stdout.extend_from_slice(&bytes);
                if stdout.len() as u64 > bounds.stdout_bytes {
                    stop(&mut child);
                    return Err(RunError::TooMuchOutput(bounds.stdout_bytes));
                }
            }
            Ok(Chunk::Err(bytes)) => {
                let room = usize::try_from(bounds.stderr_bytes).unwrap_or(usize::MAX).saturating_sub(stderr.len());
                stderr.extend_from_slice(&bytes[..bytes.len().min(room)]);
            }
            // Both pipes closed: everything was read; the program may still run (its output
            // sent elsewhere), so its end is awaited against the deadline below.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                if let Some((status, _)) = exited {
                    return Ok(Finished { status, stdout, stderr });
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if exited.is_none()
            && let Ok(Some(status)) = child.try_wait()
        {
            // What it left running in its group goes with it.
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
            exited = Some((status, Instant::now()));
        }
        match exited {
            // A grandchild that left the group still holds a pipe: stop waiting for it, and
            // do not pass output that may be cut short (half a rendered app) as whole.
            Some((_, at)) if at.elapsed() > GRACE => return Err(RunError::Unfinished),
            Some(_) => {}
            None if started.elapsed() > bounds.timeout => {
                stop(&mut child);
                return Err(RunError::Timeout(bounds.timeout));
            }
            None => {}
        }
    }
}

fn read_chunks(mut pipe: impl Read + Send + 'static, sender: mpsc::Sender<Chunk>, wrap: fn(Vec<u8>) -> Chunk) {
    std::thread::spawn(move || {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match pipe.read(&mut buffer) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if sender.send(wrap(buffer[..n].to_vec())).is_err() {
                        return;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(script);
        command
    }

    const BOUNDS: Bounds = Bounds { timeout: Duration::from_secs(5), stdout_bytes: 1024, stderr_bytes: 64 };

    #[test]
    fn output_and_status_come_back() {
        let finished = run(&mut shell("cat; echo oops >&2; exit 3"), Some(b"hello".to_vec()), BOUNDS).expect("runs");
        assert_eq!(finished.stdout, b"hello");
        assert_eq!(finished.stderr, b"oops\n");
        assert_eq!(finished.status.code(), Some(3));
    }

    #[test]
    fn a_background_child_holding_stdout_does_not_hold_kdrift() {
        let started = Instant::now();
        let finished = run(&mut shell("sleep 30 & echo done"), None, BOUNDS).expect("runs");
        assert_eq!(finished.stdout, b"done\n");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    }

    #[test]
    fn output_still_held_open_by_an_escaped_grandchild_is_an_error_not_a_result() {
        let started = Instant::now();
        // util-linux's setsid (essential on Debian) leaves the group; its sleep outlives us.
        // The pause lets it leave before the shell exits (and its group is killed).
        let result = run(&mut shell("echo half; setsid sleep 3 & sleep 0.3; exit 0"), None, BOUNDS);
        assert!(matches!(result, Err(RunError::Unfinished)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    }

    #[test]
    fn a_program_that_closes_its_pipes_and_runs_on_is_stopped_at_the_deadline() {
        let quick = Bounds { timeout: Duration::from_millis(500), ..BOUNDS };
        let started = Instant::now();
        let result = run(&mut shell("exec >/dev/null 2>&1; sleep 30"), None, quick);
        assert!(matches!(result, Err(RunError::Timeout(_))), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn endless_programs_and_endless_output_are_stopped() {
        let quick = Bounds { timeout: Duration::from_millis(300), ..BOUNDS };
        assert!(matches!(run(&mut shell("sleep 30"), None, quick), Err(RunError::Timeout(_))));
        let started = Instant::now();
        assert!(matches!(run(&mut shell("yes"), None, BOUNDS), Err(RunError::TooMuchOutput(1024))));
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}
