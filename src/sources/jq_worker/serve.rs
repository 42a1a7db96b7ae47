//! The worker's side (`kdrift __jq-worker <bytes>`): caps its own address space, then answers
//! requests until its input closes, on a thread whose stack holds the deepest expression
//! and value allowed (whatever `ulimit -s` says). It keeps compiled programs while they fit
//! in half its budget (the other half is the expressions' own), and the pair's two sides; it
//! kills itself when kdrift is gone, even in the middle of a runaway expression.

use super::protocol::{Answer, Outcome, READ_AHEAD, Request, SLOTS};
use crate::engine::ignore::jq_program::{self, COMPILE_STACK, Filter};
use serde::Deserialize as _;
use std::collections::HashMap;
use std::io::{BufRead as _, BufWriter, Stdout, Write as _};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a finished answer may wait in the buffer for the ones after it.
const COALESCE: Duration = Duration::from_millis(1);
/// How soon an idle worker sees that kdrift is gone.
const IDLE_CHECK: Duration = Duration::from_millis(20);
/// The most of jq's error message sent back: kdrift keeps only a known phrase from its start
/// (the rest may quote the object), so a rule raising a huge error costs nothing.
const ERROR_BYTES: usize = 256;
/// The most paths one answer carries: an ignore rule names fields, and kdrift decodes every
/// path it is sent (`.x[range(2000000)]` names millions that do not exist).
const MAX_PATHS: usize = 100_000;

/// Answers requests on stdin until it closes; the exit code.
pub fn serve(memory_bytes: u64) -> i32 {
    let parent = rustix::process::getppid();
    // Spawned before the address space is capped, so the cap counts its stack as base.
    let serving = std::thread::Builder::new().stack_size(COMPILE_STACK).spawn(move || answer_all(memory_bytes, parent));
    match serving.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        _ => 2,
    }
}

fn answer_all(memory_bytes: u64, parent: Option<rustix::process::Pid>) -> i32 {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let out = Arc::new(Mutex::new(BufWriter::new(std::io::stdout())));
    // Answers run ahead are flushed together, at most `COALESCE` after they are written: one
    // wake-up per answer costs the other side more than the answers, and one held while the
    // next expression runs on would look to it like a runaway.
    let flusher = Arc::clone(&out);
    let started = std::thread::Builder::new().stack_size(64 * 1024).spawn(move || {
        let mut pause = IDLE_CHECK;
        loop {
            std::thread::sleep(pause);
            // Orphaned (kdrift was killed, or its end of the pipe is gone): a runaway
            // expression would otherwise spin on.
            let mut out = flusher.lock().unwrap_or_else(PoisonError::into_inner);
            let pending = !out.buffer().is_empty();
            if rustix::process::getppid() != parent || (pending && out.flush().is_err()) {
                let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
            }
            pause = if pending { COALESCE } else { IDLE_CHECK };
        }
    });
    if started.is_err() {
        return 2;
    }
    // The address space it has now (the binary, its threads, the allocator's reserve) plus
    // the budget: what it may grow by is what the budget says (or less, under a hard limit
    // it was started with). An expression that overruns it aborts: no core file is left.
    let base = address_space();
    let hard = rustix::process::getrlimit(Resource::As).maximum.unwrap_or(u64::MAX);
    let total = base.saturating_add(memory_bytes).min(hard);
    let capped = setrlimit(Resource::As, Rlimit { current: Some(total), maximum: Some(total) });
    let no_core = setrlimit(Resource::Core, Rlimit { current: Some(0), maximum: Some(0) });
    if capped.is_err() || no_core.is_err() {
        return 2;
    }
    let mut state = State { programs: HashMap::new(), held: Default::default(), base, budget: memory_bytes };
    if !send(&out, &Answer::Ready, true) {
        return 0;
    }
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return 0 };
        let sent = match read_request(&line) {
            Some(request) => state.answer(request, &out),
            None => {
                // It may have been a value to hold: none is held that the other side may
                // think is a different one.
                state.held = Default::default();
                send(&out, &Answer::Refused("the request is not understood".to_owned()), true)
            }
        };
        // The request is answered: nothing waits for the flusher.
        if !sent || out.lock().unwrap_or_else(PoisonError::into_inner).flush().is_err() {
            return 0;
        }
    }
    0
}

/// The request on `line`, read to any depth (values are as deep as the parsers allow; this
/// thread's stack holds them).
fn read_request(line: &str) -> Option<Request<'static>> {
    let mut reader = serde_json::Deserializer::from_str(line);
    reader.disable_recursion_limit();
    let request = Request::deserialize(&mut reader).ok()?;
    reader.end().ok()?;
    Some(request)
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

/// `text` cut to at most `bytes`, at a character boundary.
fn cut(mut text: String, bytes: usize) -> String {
    if text.len() > bytes {
        let end = (0..=bytes).rev().find(|at| text.is_char_boundary(*at)).unwrap_or(0);
        text.truncate(end);
    }
    text
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
    /// Answers `request`; `false` once the other side is gone.
    fn answer(&mut self, request: Request<'static>, out: &Mutex<BufWriter<Stdout>>) -> bool {
        match request {
            Request::Hold { slot, value } => {
                let Some(held) = self.held.get_mut(slot) else {
                    return send(out, &Answer::Refused("no such slot".to_owned()), true);
                };
                *held = None;
                let answer = match jq_program::to_jq(&value) {
                    Ok(converted) => {
                        *held = Some(converted);
                        Answer::Held
                    }
                    // Its words may quote the value: never sent.
                    Err(_) => Answer::Refused("the object cannot be converted for jq".to_owned()),
                };
                send(out, &answer, true)
            }
            Request::Load { id, expressions, keep } => {
                // Programs are large (each holds jq's standard library): past half the
                // budget, only the ones the other side still needs stay.
                let dropped = address_space().saturating_sub(self.base) > self.budget / 2;
                if dropped {
                    self.programs.retain(|held, _| keep.contains(held));
                }
                let answer = match jq_program::compile_program(&jq_program::program_text(&expressions)) {
                    Ok(filter) => {
                        self.programs.insert(id, filter);
                        Answer::Loaded { dropped }
                    }
                    Err(error) => Answer::Refused(error),
                };
                send(out, &answer, true)
            }
            Request::Run { slot, jobs } => {
                let jobs = jobs.get(..READ_AHEAD.min(jobs.len())).unwrap_or_default();
                let Some(Some(input)) = self.held.get(slot) else { return send(out, &Answer::Unknown, true) };
                if !jobs.iter().all(|(program, _)| self.programs.contains_key(program)) {
                    return send(out, &Answer::Unknown, true);
                }
                jobs.iter().enumerate().all(|(index, &job)| {
                    let (program, position) = job;
                    let started = Instant::now();
                    let outcome =
                        match self.programs.get(&program).map(|f| jq_program::run_on(f, position, input.clone())) {
                            Some(Ok(paths)) if paths.len() > MAX_PATHS => {
                                Outcome::Error(format!("selected more than {MAX_PATHS} paths"))
                            }
                            Some(Ok(paths)) => Outcome::Paths(paths),
                            Some(Err(error)) => Outcome::Error(cut(error, ERROR_BYTES)),
                            None => Outcome::Error("the program is gone".to_owned()),
                        };
                    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                    // The one asked for goes at once: the other side times it alone.
                    send(out, &Answer::Ran { job, outcome, micros }, index == 0)
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::borrow::Cow;

    #[test]
    fn a_value_as_deep_as_the_parsers_allow_is_read_whole() {
        let mut value = Value::from("leaf");
        for _ in 0..200 {
            value = Value::Array(vec![value]);
        }
        let line = serde_json::to_string(&Request::Hold { slot: 0, value: Cow::Borrowed(&value) }).unwrap();
        let deep = std::thread::Builder::new().stack_size(COMPILE_STACK).spawn(move || read_request(&line));
        let Some(Request::Hold { value: read, .. }) = deep.unwrap().join().unwrap() else { panic!("not read") };
        assert_eq!(*read, value);
        assert!(read_request("{\"run\":{\"slot\":0,\"jobs\":[]}} trailing").is_none());
    }
}
