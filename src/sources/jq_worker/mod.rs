//! The jq evaluator as a separate process (`kdrift __jq-worker`): an ignore rule's expression
//! may loop for ever, recurse past any stack or fill memory, and jaq cannot be stopped from
//! inside, so the binary runs every expression in a child whose memory is capped by the
//! kernel (`RLIMIT_AS`, `[limits] jq_memory_mb`) and whose every answer is awaited `jq_ms`
//! at most; a child that overruns is killed and the next expression gets a fresh one.
//!
//! A worker keeps what it was sent (compiled programs, the two sides of the pair being
//! compared), and runs ahead the expressions the engine says come next: most rules select
//! nothing, and a round trip costs more than running one. Only an expression that overruns
//! alone, in a fresh worker, is blamed: not its program's compilation, not what the worker
//! held, not an expression run ahead.

mod protocol;
mod serve;

use crate::engine::ignore::jq::{Evaluator, Job, JqError};
use crate::engine::ignore::jq_program::Program;
use crate::limits::Limits;
use protocol::{Answer, Held, ProgramText, READ_AHEAD, Request, SLOTS, same_exactly};
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{ErrorKind, Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

pub use serve::serve;

/// The hidden subcommand the worker runs as.
pub const SUBCOMMAND: &str = "__jq-worker";

/// Runs expressions in worker processes of the binary at `exe`.
pub struct WorkerEvaluator {
    exe: PathBuf,
    state: Mutex<Evaluation>,
}

#[derive(Default)]
struct Evaluation {
    worker: Option<Worker>,
    /// Expressions that overran while run ahead: never run ahead again (each is run, and
    /// blamed or not, when it is asked for).
    not_ahead: HashSet<(u64, usize)>,
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
    /// Answers run ahead on this value, by job.
    ahead: HashMap<(u64, usize), Answer>,
    /// The job expected next if the engine goes on in order, and how far the last request
    /// ran ahead: the window doubles while it does, and starts again at one when it jumps.
    expected: Option<(u64, usize)>,
    window: usize,
}

/// Why a request got no answer.
enum Stopped {
    /// Past the time budget.
    Timeout,
    /// The worker is gone: over its memory limit or stack, or its answer over the cap.
    Exhausted,
}

/// The answer to the job asked for, and the job run ahead that overran, if one did.
struct Asked {
    answer: Answer,
    overran_ahead: Option<(u64, usize)>,
}

impl WorkerEvaluator {
    pub fn new(exe: PathBuf) -> WorkerEvaluator {
        WorkerEvaluator { exe, state: Mutex::new(Evaluation::default()) }
    }
}

impl Evaluator for WorkerEvaluator {
    fn paths<'p>(
        &self,
        asked: Job<'p>,
        next: &mut dyn Iterator<Item = Job<'p>>,
        value: &Value,
    ) -> Result<Vec<Vec<Value>>, JqError> {
        let limits = crate::limits::current();
        // A poisoned lock only means another evaluation panicked: the state is still usable.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(answer) = state.worker.as_mut().and_then(|worker| worker.answered(asked, value)) {
            return answer.into_result();
        }
        if let Ok(answer) = state.run(&self.exe, asked, next, value, &limits) {
            return answer.into_result();
        }
        // Alone, in a fresh worker, before it is blamed.
        let alone = Program::new(vec![asked.expression().to_owned()], None);
        match state.run(&self.exe, Job { program: &alone, position: 0 }, &mut std::iter::empty(), value, &limits) {
            Ok(answer) => answer.into_result(),
            Err(Stopped::Timeout) => Err(JqError::Budget(format!(
                "ran past its {} ms budget and was stopped (raise [limits] jq_ms in config.toml)",
                limits.jq_millis
            ))),
            Err(Stopped::Exhausted) => Err(JqError::Budget(format!(
                "exhausted the evaluator (over the {} memory limit, or its stack) and was stopped",
                crate::limits::size(limits.jq_memory_bytes)
            ))),
        }
    }
}

impl Evaluation {
    /// Asks a live worker (started if needed) for `asked`, running some of `next` ahead; a
    /// worker that failed is dropped.
    fn run<'p>(
        &mut self,
        exe: &PathBuf,
        asked: Job<'p>,
        next: &mut dyn Iterator<Item = Job<'p>>,
        value: &Value,
        limits: &Limits,
    ) -> Result<Answer, Stopped> {
        // A worker that ended between requests (killed from outside) is replaced first.
        if self.worker.as_mut().is_some_and(|worker| !matches!(worker.child.try_wait(), Ok(None))) {
            self.worker = None;
        }
        if self.worker.is_none() {
            self.worker = Some(Worker::start(exe, limits.jq_memory_bytes)?);
        }
        let Some(worker) = self.worker.as_mut() else { return Err(Stopped::Exhausted) };
        let (at, ahead) = worker.ahead_of(asked, value, next, &self.not_ahead);
        let mut outcome = worker.ask(asked, at, &ahead, value, limits);
        if let Ok(Asked { answer: Answer::Unknown, .. }) = outcome {
            // It dropped programs to stay within its budget: everything again, once.
            worker.sent.clear();
            worker.slots = Default::default();
            outcome = worker.ask(asked, at, &ahead, value, limits);
        }
        match outcome {
            Ok(Asked { answer, overran_ahead: Some(job) }) => {
                self.not_ahead.insert(job);
                self.worker = None;
                Ok(answer)
            }
            Ok(Asked { answer, overran_ahead: None }) => Ok(answer),
            Err(stopped) => {
                self.worker = None;
                Err(stopped)
            }
        }
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

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Worker {
    fn start(exe: &PathBuf, memory_bytes: u64) -> Result<Worker, Stopped> {
        let mut child = Command::new(exe)
            .arg(SUBCOMMAND)
            .arg(memory_bytes.to_string())
            // No up-front arena: the allocator then grows the address space as it uses
            // memory, so the kernel's cap on it is a cap on what the expression holds.
            .env("MIMALLOC_ARENA_RESERVE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|_| Stopped::Exhausted)?;
        let (Some(requests), Some(answers)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Stopped::Exhausted);
        };
        // Answers are awaited with poll and a deadline: a read must never block.
        nonblocking(&answers).map_err(|_| Stopped::Exhausted)?;
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

    /// The slot holding `value`, if any.
    fn holding(&self, value: &Value) -> Option<usize> {
        self.slots.iter().position(|slot| slot.value.as_ref().is_some_and(|held| same_exactly(held, value)))
    }

    /// The answer run ahead for `job` on this value, if there is one.
    fn answered(&mut self, job: Job<'_>, value: &Value) -> Option<Answer> {
        let at = self.holding(value)?;
        self.slots.get_mut(at)?.ahead.remove(&job.key())
    }

    /// The slot for `value` (a fresh one when no slot holds it), and which of `next` to run
    /// ahead of `asked` there: while the engine asks for what was expected, the window
    /// doubles; when it jumps, it starts again at none.
    fn ahead_of<'p>(
        &mut self,
        asked: Job<'p>,
        value: &Value,
        next: &mut dyn Iterator<Item = Job<'p>>,
        not_ahead: &HashSet<(u64, usize)>,
    ) -> (usize, Vec<Job<'p>>) {
        let held = self.holding(value);
        let at = held.unwrap_or((self.last_slot + 1) % SLOTS);
        self.last_slot = at;
        let Some(slot) = self.slots.get_mut(at) else { return (at, Vec::new()) };
        if held.is_none() {
            *slot = Slot::default();
        }
        let window = if slot.expected == Some(asked.key()) { (slot.window * 2).min(READ_AHEAD) } else { 1 };
        let mut candidates = next.filter(|job| !not_ahead.contains(&job.key()) && !slot.ahead.contains_key(&job.key()));
        let ahead: Vec<Job<'p>> = candidates.by_ref().take(window - 1).collect();
        (slot.window, slot.expected) = (window, candidates.next().map(|job| job.key()));
        (at, ahead)
    }

    /// Asks for `asked` and `ahead` on `value` in slot `at`, with what the worker lacks.
    fn ask(
        &mut self,
        asked: Job<'_>,
        at: usize,
        ahead: &[Job<'_>],
        value: &Value,
        limits: &Limits,
    ) -> Result<Asked, Stopped> {
        let held =
            self.slots.get(at).and_then(|slot| slot.value.as_ref()).is_some_and(|held| same_exactly(held, value));
        let jobs: Vec<Job<'_>> = std::iter::once(asked).chain(ahead.iter().copied()).collect();
        let mut programs: Vec<&Program> = Vec::new();
        for job in &jobs {
            if !self.sent.contains(&job.program.id) && !programs.iter().any(|p| p.id == job.program.id) {
                programs.push(job.program);
            }
        }
        let request = Request {
            jobs: jobs.iter().map(Job::key).collect(),
            programs: programs
                .iter()
                .map(|program| ProgramText { id: program.id, expressions: Cow::Borrowed(&program.expressions) })
                .collect(),
            slot: at,
            value: (!held).then_some(Held { value: Cow::Borrowed(value) }),
        };
        let mut line = serde_json::to_string(&request).map_err(|_| Stopped::Exhausted)?;
        line.push('\n');
        self.requests
            .write_all(line.as_bytes())
            .and_then(|()| self.requests.flush())
            .map_err(|_| Stopped::Exhausted)?;
        self.sent.extend(programs.iter().map(|program| program.id));
        if !held && let Some(slot) = self.slots.get_mut(at) {
            slot.value = Some(value.clone());
        }
        // Each answer gets its own budget, counted from the one before.
        let budget = Duration::from_millis(limits.jq_millis);
        let answer = self.answer_within(budget, limits.jq_memory_bytes)?;
        if matches!(answer, Answer::Unknown) {
            return Ok(Asked { answer, overran_ahead: None });
        }
        for job in jobs.iter().skip(1) {
            match self.answer_within(budget, limits.jq_memory_bytes) {
                Ok(ahead) => {
                    if let Some(slot) = self.slots.get_mut(at) {
                        slot.ahead.insert(job.key(), ahead);
                    }
                }
                Err(_) => return Ok(Asked { answer, overran_ahead: Some(job.key()) }),
            }
        }
        Ok(Asked { answer, overran_ahead: None })
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
