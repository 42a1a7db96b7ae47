//! The worker's side (`kdrift __jq-worker <bytes>`): caps its own address space, then answers
//! requests until its input closes. It keeps compiled programs while they fit in half its
//! budget (the other half is the expressions' own), and the pair's two sides.

use super::protocol::{Answer, READ_AHEAD, Request, SLOTS};
use crate::engine::ignore::jq_program::{self, Filter};
use std::collections::HashMap;
use std::io::{BufRead as _, BufWriter, Stdout, Write as _};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How long a finished answer may wait in the buffer for the ones after it.
const COALESCE: Duration = Duration::from_millis(1);

/// Answers requests on stdin until it closes; the exit code.
pub fn serve(memory_bytes: u64) -> i32 {
    use rustix::process::{Resource, Rlimit, setrlimit};
    // The address space it has now (the binary, its libraries, the allocator's reserve)
    // plus the budget: what it may grow by is what the budget says.
    let base = address_space();
    let total = base.saturating_add(memory_bytes);
    if setrlimit(Resource::As, Rlimit { current: Some(total), maximum: Some(total) }).is_err() {
        return 2;
    }
    let out = Arc::new(Mutex::new(BufWriter::new(std::io::stdout())));
    // Answers run ahead are flushed together, at most `COALESCE` after they are written: one
    // wake-up per answer costs the other side more than the answers, and one held while the
    // next expression runs on would look to it like a runaway.
    let flusher = Arc::clone(&out);
    let started = std::thread::Builder::new().stack_size(64 * 1024).spawn(move || {
        loop {
            std::thread::sleep(COALESCE);
            let mut out = flusher.lock().unwrap_or_else(PoisonError::into_inner);
            if !out.buffer().is_empty() && out.flush().is_err() {
                return;
            }
        }
    });
    if started.is_err() {
        return 2;
    }
    let mut state = State { programs: HashMap::new(), held: Default::default(), base, budget: memory_bytes };
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return 0 };
        let sent = match serde_json::from_str::<Request<'static>>(&line) {
            Ok(request) => state.answer(request, &out),
            Err(_) => send(&out, &Answer::Error("the request is not understood".to_owned()), true),
        };
        // The request is answered: nothing waits for the flusher.
        if !sent || out.lock().unwrap_or_else(PoisonError::into_inner).flush().is_err() {
            return 0;
        }
    }
    0
}

/// The process's address space in bytes (what `RLIMIT_AS` counts), 0 if unknown.
fn address_space() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Writes `answer` (flushed at once when `now`); `false` once the other side is gone.
fn send(out: &Mutex<BufWriter<Stdout>>, answer: &Answer, now: bool) -> bool {
    let mut out = out.lock().unwrap_or_else(PoisonError::into_inner);
    let written = serde_json::to_writer(&mut *out, answer).map_err(std::io::Error::other);
    let written = written.and_then(|()| out.write_all(b"\n"));
    written.and_then(|()| if now { out.flush() } else { Ok(()) }).is_ok()
}

/// What a worker keeps between requests.
struct State {
    programs: HashMap<u64, Filter>,
    /// The values sent, by slot, converted for jq.
    held: [Option<jaq_json::Val>; SLOTS],
    base: u64,
    budget: u64,
}

impl State {
    /// Answers `request`: one answer per job (or, for the whole request, `Unknown` once, or
    /// its error once per job); `false` once the other side is gone.
    fn answer(&mut self, request: Request<'static>, out: &Mutex<BufWriter<Stdout>>) -> bool {
        let jobs: Vec<(u64, usize)> = request.jobs.into_iter().take(READ_AHEAD).collect();
        // The other side reads one answer per job, whatever went wrong.
        let failed = |error: String| (0..jobs.len().max(1)).all(|_| send(out, &Answer::Error(error.clone()), true));
        let compiled = !request.programs.is_empty();
        for program in request.programs {
            match jq_program::compile_program(&jq_program::program_text(&program.expressions)) {
                Ok(filter) => {
                    self.programs.insert(program.id, filter);
                }
                Err(error) => return failed(error),
            }
        }
        // Programs are large (each holds jq's standard library): past half the budget, only
        // this request's stay, and the other side sends the rest again when it needs them.
        if compiled && address_space().saturating_sub(self.base) > self.budget / 2 {
            self.programs.retain(|id, _| jobs.iter().any(|(wanted, _)| wanted == id));
        }
        if let Some(held) = request.value {
            match jq_program::to_jq(&held.value) {
                Ok(converted) => {
                    if let Some(slot) = self.held.get_mut(request.slot) {
                        *slot = Some(converted);
                    }
                }
                Err(error) => return failed(error),
            }
        }
        let Some(Some(input)) = self.held.get(request.slot) else { return send(out, &Answer::Unknown, true) };
        if !jobs.iter().all(|(program, _)| self.programs.contains_key(program)) {
            return send(out, &Answer::Unknown, true);
        }
        jobs.iter().enumerate().all(|(index, (program, position))| {
            let answer =
                match self.programs.get(program).map(|filter| jq_program::run_on(filter, *position, input.clone())) {
                    Some(Ok(paths)) => Answer::Paths(paths),
                    Some(Err(error)) => Answer::Error(error),
                    None => Answer::Error("the program is gone".to_owned()),
                };
            // The one asked for goes at once: the other side times it alone.
            send(out, &answer, index == 0)
        })
    }
}
