//! The jq evaluator as a separate process (`kdrift __jq-worker`): an ignore rule's expression
//! may loop for ever, recurse past any stack or fill memory, and jaq cannot be stopped from
//! inside, so the binary runs every expression in a child whose memory is capped by the
//! kernel (`RLIMIT_AS`, `[limits] jq_memory_mb`) and whose every answer is awaited `jq_ms`
//! at most; a child that overruns is killed and the next expression gets a fresh one.
//!
//! One JSON line per request and one per answer. A worker keeps what it was sent (compiled
//! programs, the two sides of the pair being compared), and when rules are asked for in
//! order it runs the next ones ahead in the same request: most rules select nothing, and a
//! round trip costs more than running one.

use crate::engine::ignore::jq::{self, Evaluator, Filter, JqError, Program};
use crate::limits::Limits;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead as _, ErrorKind, Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Compiled programs a worker keeps (each holds jq's standard library and up to 128
/// expressions); past that it drops them all and is sent again what it is asked to run.
const PROGRAMS_KEPT: usize = 512;

/// Values a worker holds between requests: a pair's two sides.
const SLOTS: usize = 2;

/// The most expressions one request runs ahead of the one asked for.
const READ_AHEAD: usize = 64;

/// The hidden subcommand the worker runs as.
pub const SUBCOMMAND: &str = "__jq-worker";

/// Runs expressions in worker processes of the binary at `exe`.
pub struct WorkerEvaluator {
    exe: PathBuf,
    worker: Mutex<Option<Worker>>,
}

struct Worker {
    child: Child,
    requests: ChildStdin,
    answers: ChildStdout,
    /// What was read of the answers beyond the last whole line.
    pending: Vec<u8>,
    /// Programs this worker was sent (it says so when it has dropped one since).
    sent: HashSet<u64>,
    /// What it holds and has answered ahead, by slot.
    slots: [Slot; SLOTS],
    /// The slot used last, kept when a new value comes.
    last_slot: usize,
}

/// One value the worker holds, and what is known about it.
#[derive(Default)]
struct Slot {
    value: Option<Value>,
    /// Answers run ahead on this value: (program, position) → answer.
    ahead: HashMap<(u64, usize), Answer>,
    /// The last position run in `program`, whether it was the program's last, and how far
    /// the last request ran ahead.
    program: u64,
    last: usize,
    at_end: bool,
    window: usize,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One line to the worker: which expressions to run (`count` from `position`), with the
/// program and the value when the worker does not have them yet.
#[derive(Serialize)]
struct Request<'a> {
    program: u64,
    position: usize,
    count: usize,
    slot: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    expressions: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a Value>,
}

/// The same line as the worker reads it.
#[derive(Deserialize)]
struct Received {
    program: u64,
    position: usize,
    count: usize,
    slot: usize,
    #[serde(default)]
    expressions: Option<Vec<String>>,
    #[serde(default)]
    value: Option<Value>,
}

/// One answer: the paths, jq's error, or (alone) that the worker lacks the program or value.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Answer {
    Paths(Vec<Vec<Value>>),
    Error(String),
    Unknown,
}

/// Why a request got no answer.
enum Stopped {
    /// Past the time budget.
    Timeout,
    /// The worker is gone: over its memory limit or stack, or its answer over the cap.
    Exhausted,
}

impl WorkerEvaluator {
    pub fn new(exe: PathBuf) -> WorkerEvaluator {
        WorkerEvaluator { exe, worker: Mutex::new(None) }
    }

    fn start(&self, memory_bytes: u64) -> Result<Worker, JqError> {
        let mut child = Command::new(&self.exe)
            .arg(SUBCOMMAND)
            .arg(memory_bytes.to_string())
            // No up-front arena: the allocator then grows the address space as it uses
            // memory, so the kernel's cap on it is a cap on what the expression holds.
            .env("MIMALLOC_ARENA_RESERVE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| JqError::Budget(format!("evaluator did not start ({e})")))?;
        let (Some(requests), Some(answers)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(JqError::Budget("evaluator has no pipes".to_owned()));
        };
        // Answers are awaited with poll and a deadline: a read must never block.
        if nonblocking(&answers).is_err() {
            return Err(JqError::Budget("evaluator pipes cannot be set up".to_owned()));
        }
        Ok(Worker {
            child,
            requests,
            answers,
            pending: Vec::new(),
            sent: HashSet::new(),
            slots: Default::default(),
            last_slot: 0,
        })
    }
}

impl Answer {
    fn into_result(self) -> Result<Vec<Vec<Value>>, JqError> {
        match self {
            Answer::Paths(paths) => Ok(paths),
            Answer::Error(error) => Err(JqError::Runtime(error)),
            Answer::Unknown => Err(JqError::Runtime("the evaluator lost the expression".to_owned())),
        }
    }
}

impl Worker {
    /// The slot holding `value`, if any.
    fn holding(&self, value: &Value) -> Option<usize> {
        self.slots.iter().position(|slot| slot.value.as_ref().is_some_and(|held| same_exactly(held, value)))
    }

    /// The answer run ahead for this expression on this value, if there is one.
    fn answered(&mut self, program: &Program, position: usize, value: &Value) -> Option<Answer> {
        let at = self.holding(value)?;
        self.slots.get_mut(at)?.ahead.remove(&(program.id, position))
    }

    /// The answer for the expression at `position` of `program` on `value`, asked for now
    /// with what the worker lacks (and the next ones run ahead). `false` with it when the worker
    /// must be replaced (an expression run ahead overran; it is run again, and blamed, when
    /// it is asked for).
    fn ask(
        &mut self,
        program: &Program,
        position: usize,
        value: &Value,
        limits: &Limits,
    ) -> Result<(Answer, bool), Stopped> {
        let held = self.holding(value);
        let at = held.unwrap_or((self.last_slot + 1) % SLOTS);
        self.last_slot = at;
        let Some(slot) = self.slots.get_mut(at) else { return Err(Stopped::Exhausted) };
        if held.is_none() {
            *slot = Slot::default();
        }
        // Asked in order, the window doubles; a jump starts it again at one, so rules asked
        // for here and there (one per object) never pay for others.
        // Programs compiled together are numbered in order, so the order runs on into the next.
        let next_in_program = slot.program == program.id && slot.last + 1 == position;
        let next_program = slot.program + 1 == program.id && slot.at_end && position == 0;
        let in_order = slot.window > 0 && (next_in_program || next_program);
        let window = if in_order { (slot.window * 2).min(READ_AHEAD) } else { 1 };
        let count = window.min(program.expressions.len().saturating_sub(position)).max(1);
        let last = position + count - 1;
        (slot.program, slot.last, slot.at_end, slot.window) =
            (program.id, last, last + 1 == program.expressions.len(), window);
        let send_program = !self.sent.contains(&program.id);
        let request = Request {
            program: program.id,
            position,
            count,
            slot: at,
            expressions: send_program.then_some(program.expressions.as_slice()),
            value: held.is_none().then_some(value),
        };
        let mut line = serde_json::to_string(&request).map_err(|_| Stopped::Exhausted)?;
        line.push('\n');
        self.requests
            .write_all(line.as_bytes())
            .and_then(|()| self.requests.flush())
            .map_err(|_| Stopped::Exhausted)?;
        self.sent.insert(program.id);
        if held.is_none() {
            slot.value = Some(value.clone());
        }
        // Each answer gets its own budget, counted from the one before.
        let budget = Duration::from_millis(limits.jq_millis);
        let asked = self.answer_within(budget, limits.jq_memory_bytes)?;
        if matches!(asked, Answer::Unknown) {
            return Ok((asked, true));
        }
        for ahead in position + 1..position + count {
            match self.answer_within(budget, limits.jq_memory_bytes) {
                Ok(answer) => {
                    if let Some(slot) = self.slots.get_mut(at) {
                        slot.ahead.insert((program.id, ahead), answer);
                    }
                }
                Err(_) => return Ok((asked, false)),
            }
        }
        Ok((asked, true))
    }

    /// The next answer, waited for `budget` at most, its line no longer than `cap` bytes.
    /// Read here, not on a reader thread: a request is then one hop each way.
    fn answer_within(&mut self, budget: Duration, cap: u64) -> Result<Answer, Stopped> {
        let deadline = Instant::now() + budget;
        let mut chunk = [0u8; 64 * 1024];
        let mut scanned = 0;
        loop {
            if let Some(end) = self.pending.get(scanned..).and_then(|new| new.iter().position(|b| *b == b'\n')) {
                let line: Vec<u8> = self.pending.drain(..=scanned + end).collect();
                let unreadable = Answer::Error("the evaluator answered nothing".to_owned());
                return Ok(serde_json::from_slice(&line).unwrap_or(unreadable));
            }
            scanned = self.pending.len();
            if u64::try_from(scanned).unwrap_or(u64::MAX) > cap {
                return Err(Stopped::Exhausted);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Stopped::Timeout);
            }
            let timeout = Timespec::try_from(left).map_err(|_| Stopped::Timeout)?;
            let mut ready = [PollFd::new(&self.answers, PollFlags::IN)];
            match poll(&mut ready, Some(&timeout)) {
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(_) => return Err(Stopped::Exhausted),
            }
            match self.answers.read(&mut chunk) {
                Ok(0) => return Err(Stopped::Exhausted),
                Ok(read) => self.pending.extend_from_slice(chunk.get(..read).unwrap_or_default()),
                Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
                Err(_) => return Err(Stopped::Exhausted),
            }
        }
    }
}

/// Sets `O_NONBLOCK` on a pipe.
fn nonblocking(pipe: &impl std::os::fd::AsFd) -> rustix::io::Result<()> {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    fcntl_setfl(pipe, fcntl_getfl(pipe)? | OFlags::NONBLOCK)
}

impl Evaluator for WorkerEvaluator {
    fn paths(&self, program: &Program, position: usize, value: &Value) -> Result<Vec<Vec<Value>>, JqError> {
        let limits = crate::limits::current();
        // A poisoned lock only means another evaluation panicked: the slot is still usable.
        let mut slot = self.worker.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(answer) = slot.as_mut().and_then(|worker| worker.answered(program, position, value)) {
            return answer.into_result();
        }
        // A worker that ended between requests (killed from outside) is replaced before it is
        // asked: only an expression that overran on its own is blamed.
        if slot.as_mut().is_some_and(|worker| !matches!(worker.child.try_wait(), Ok(None))) {
            *slot = None;
        }
        if slot.is_none() {
            *slot = Some(self.start(limits.jq_memory_bytes)?);
        }
        let Some(worker) = slot.as_mut() else { return Err(JqError::Budget("evaluator missing".to_owned())) };
        let mut answer = worker.ask(program, position, value, &limits);
        if let Ok((Answer::Unknown, _)) = answer {
            // It dropped its programs to stay small: everything again, once.
            worker.sent.clear();
            worker.slots = Default::default();
            answer = worker.ask(program, position, value, &limits);
        }
        if let Ok((_, false)) = answer {
            *slot = None;
        }
        match answer {
            Ok((answer, _)) => answer.into_result(),
            Err(Stopped::Timeout) => {
                *slot = None;
                Err(JqError::Budget(format!(
                    "ran past its {} ms budget and was stopped (raise [limits] jq_ms in config.toml)",
                    limits.jq_millis
                )))
            }
            Err(Stopped::Exhausted) => {
                *slot = None;
                Err(JqError::Budget(format!(
                    "exhausted the evaluator (over the {} memory limit, or its stack) and was stopped",
                    crate::limits::size(limits.jq_memory_bytes)
                )))
            }
        }
    }
}

/// The worker's side: caps its own memory, then answers requests until stdin closes.
pub fn serve(memory_bytes: u64) -> i32 {
    use rustix::process::{Resource, Rlimit, setrlimit};
    // The address space it has now (the binary, its libraries, the allocator's reserve)
    // plus the budget: what it may grow by is what the budget says.
    let base = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096);
    let total = base.saturating_add(memory_bytes);
    if setrlimit(Resource::As, Rlimit { current: Some(total), maximum: Some(total) }).is_err() {
        return 2;
    }
    let mut state = State::default();
    let mut out = Answers { out: std::io::BufWriter::new(std::io::stdout().lock()), flushed: Instant::now() };
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return 0 };
        let sent = match serde_json::from_str::<Received>(&line) {
            Ok(request) => state.answer(request, &mut out),
            Err(_) => out.send(&Answer::Error("the request is not understood".to_owned()), true),
        };
        if !sent || out.flush().is_err() {
            return 0;
        }
    }
    0
}

/// The worker's answers on their way out. The one asked for is flushed at once; answers run
/// ahead are flushed together, or as soon as a millisecond has passed: the other side times
/// every answer, and a wake-up per answer would cost more than the answers.
struct Answers<W: std::io::Write> {
    out: std::io::BufWriter<W>,
    flushed: Instant,
}

impl<W: std::io::Write> Answers<W> {
    /// Writes `answer`; `false` once the other side is gone.
    fn send(&mut self, answer: &Answer, now: bool) -> bool {
        let written = serde_json::to_writer(&mut self.out, answer).map_err(std::io::Error::other);
        let written = written.and_then(|()| self.out.write_all(b"\n"));
        let due = now || self.flushed.elapsed() >= Duration::from_millis(1);
        written.and_then(|()| if due { self.flush() } else { Ok(()) }).is_ok()
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.flushed = Instant::now();
        self.out.flush()
    }
}

/// What a worker keeps between requests.
#[derive(Default)]
struct State {
    programs: HashMap<u64, Filter>,
    /// The values sent, by slot, converted for jq.
    held: [Option<jaq_json::Val>; SLOTS],
}

impl State {
    /// Answers `request` with `send`, one answer per expression (or one error or `Unknown`
    /// for the whole request); `false` once the other side is gone.
    fn answer<W: std::io::Write>(&mut self, request: Received, out: &mut Answers<W>) -> bool {
        let count = request.count.clamp(1, READ_AHEAD);
        // The other side reads one answer per expression asked for, whatever went wrong.
        let mut failed = |error: String| (0..count).all(|_| out.send(&Answer::Error(error.clone()), true));
        if let Some(expressions) = request.expressions {
            if self.programs.len() >= PROGRAMS_KEPT {
                self.programs.clear();
            }
            match jq::compile_program(&jq::program_text(&expressions)) {
                Ok(filter) => {
                    self.programs.insert(request.program, filter);
                }
                Err(error) => return failed(error),
            }
        }
        if let Some(value) = request.value {
            match jq::to_jq(&value) {
                Ok(converted) => {
                    if let Some(slot) = self.held.get_mut(request.slot) {
                        *slot = Some(converted);
                    }
                }
                Err(error) => return failed(error),
            }
        }
        let (Some(filter), Some(Some(input))) = (self.programs.get(&request.program), self.held.get(request.slot))
        else {
            return out.send(&Answer::Unknown, true);
        };
        (request.position..request.position.saturating_add(count)).all(|position| {
            let answer = match jq::run_on(filter, position, input.clone()) {
                Ok(paths) => Answer::Paths(paths),
                Err(error) => Answer::Error(error),
            };
            out.send(&answer, position == request.position)
        })
    }
}

/// Equal, and in the same order: jq sees the order of an object's keys (`to_entries`,
/// `first(path(..))`), which `==` on JSON values ignores.
fn same_exactly(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && same_exactly(va, vb))
        }
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_exactly(x, y)),
        _ => a == b,
    }
}
