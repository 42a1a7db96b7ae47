//! One jq worker process as kdrift sees it: started, sent a request, its answers read with a
//! deadline (never a blocking read), and what it holds tracked exactly, so a value or a
//! program is sent once and an answer run ahead is served without asking again.

use super::SUBCOMMAND;
use super::protocol::{Answer, JobKey, Outcome, READ_AHEAD, Request, SLOTS, same_exactly};
use crate::engine::ignore::jq::Job;
use crate::engine::ignore::jq_program::Program;
use crate::limits::Limits;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{ErrorKind, Read as _, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// How fast a worker is expected to read a value, at the least: its deadline grows with its
/// size, on top of a floor.
const BYTES_PER_MILLI: u64 = 4 * 1024;
/// The least time a value gets to be read, whatever the expression budget: its time is the
/// object's, charged to no expression.
const HOLD_FLOOR: Duration = Duration::from_secs(2);

/// The least time a program gets to compile, and how many times longer than kdrift took to
/// compile it a worker may take on top (the same binary on the same machine, but perhaps
/// busier, and parsing jq's standard library first). kdrift compiled it already, in time
/// that grows with its bounded text, so this is never an expression's budget.
const LOAD_FLOOR: Duration = Duration::from_secs(10);
const COMPILE_SLACK: u32 = 4;

/// The longest answer line read: paths are small, and jq's errors are cut by the worker.
const ANSWER_BYTES: u64 = 64 * 1024 * 1024;

/// How long a worker may take to start (a process, the binary mapped, its memory capped):
/// charged to no expression.
const START_DEADLINE: Duration = Duration::from_secs(10);

/// New programs one request may load besides the asked expression's: each holds jq's
/// standard library, and the expressions run ahead are a guess.
const NEW_PROGRAMS_AHEAD: usize = 4;

pub(super) struct Worker {
    child: Child,
    requests: ChildStdin,
    answers: ChildStdout,
    /// What was read of the answers beyond the last whole line.
    pending: Vec<u8>,
    /// Programs it holds.
    loaded: HashSet<u64>,
    /// What it holds and has answered ahead, by slot.
    slots: [Slot; SLOTS],
    /// The slot used last, kept when a new value comes.
    last_slot: usize,
}

/// One value the worker holds, and what is known about it.
#[derive(Default)]
struct Slot {
    value: Option<Value>,
    /// Outcomes run ahead on this value, by job.
    ahead: HashMap<JobKey, Outcome>,
    /// The job expected next if the engine goes on in order, and how far the last request
    /// ran ahead: the window doubles while it does, and starts again at one when it jumps.
    expected: Option<JobKey>,
    window: usize,
}

/// Why a request got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stopped {
    /// Past its deadline: the worker is still busy and must be dropped.
    Timeout,
    /// The worker is gone (over its memory limit or stack), its answer was over the cap or
    /// made no sense: it must be dropped.
    Exhausted,
    /// It refused the request and lives on (a value it cannot convert, a program it cannot
    /// compile).
    Refused,
    /// It lacks what it was said to hold: it must be dropped.
    Lost,
    /// Its answer was longer than `ANSWER_BYTES`: it must be dropped.
    Oversized,
}

/// What a run gave: the asked expression's outcome, how long each job that answered ran (in
/// the order asked, the asked one first), and the job run ahead that overran.
pub(super) struct Ran {
    pub outcome: Outcome,
    pub spent: Vec<Duration>,
    pub overran_ahead: Option<JobKey>,
}

/// What may not be run ahead: expressions that are not run any more (by text), jobs that
/// overran ahead, programs that overran loading ahead or cannot be loaded at all.
pub(super) struct NotAhead<'a> {
    pub blamed: &'a HashMap<String, String>,
    pub jobs: &'a HashSet<JobKey>,
    pub programs: &'a HashSet<u64>,
    pub unloadable: &'a HashSet<u64>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Worker {
    pub(super) fn start(exe: &Path, memory_bytes: u64) -> std::io::Result<Worker> {
        let mut child = Command::new(exe)
            // Nothing of kdrift's environment: jq's `env` and `$ENV` would read it, and a
            // rule could spell a token out bit by bit in what it hides.
            .env_clear()
            .envs(std::env::var_os("LD_LIBRARY_PATH").map(|path| ("LD_LIBRARY_PATH", path)))
            .arg(SUBCOMMAND)
            .arg(memory_bytes.to_string())
            // No up-front arena: the allocator then grows the address space as it uses
            // memory, so the kernel's cap on it is a cap on what the expression holds.
            .env("MIMALLOC_ARENA_RESERVE", "0")
            // One C library heap for all its threads: each thread's own would reserve 64 MiB
            // of address space the cap counts, whenever the thread first touches it.
            .env("MALLOC_ARENA_MAX", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let (Some(requests), Some(answers)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(std::io::Error::other("the worker has no pipes"));
        };
        // Answers are awaited with poll and a deadline: a read must never block.
        nonblocking(&answers)?;
        let mut worker = Worker {
            child,
            requests,
            answers,
            pending: Vec::new(),
            loaded: HashSet::new(),
            slots: Default::default(),
            last_slot: 0,
        };
        match worker.answer_within(START_DEADLINE) {
            Ok(Answer::Ready) => Ok(worker),
            _ => match worker.child.try_wait() {
                Ok(Some(status)) => Err(std::io::Error::other(format!("the worker exited at start: {status}"))),
                _ => Err(std::io::Error::other("the worker did not say it was ready")),
            },
        }
    }

    /// Whether the process ended between requests (killed from outside).
    pub(super) fn ended(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// The slot holding `value`, if any.
    fn holding(&self, value: &Value) -> Option<usize> {
        self.slots.iter().position(|slot| slot.value.as_ref().is_some_and(|held| same_exactly(held, value)))
    }

    /// The outcome run ahead for `job` on this value, if there is one.
    pub(super) fn answered(&mut self, job: JobKey, value: &Value) -> Option<Outcome> {
        let at = self.holding(value)?;
        self.slots.get_mut(at)?.ahead.remove(&job)
    }

    /// The slot for `value`: the one holding it, else the one not used last (emptied).
    pub(super) fn slot_for(&mut self, value: &Value) -> usize {
        let at = self.holding(value).unwrap_or_else(|| {
            let next = (self.last_slot + 1) % SLOTS;
            if let Some(slot) = self.slots.get_mut(next) {
                *slot = Slot::default();
            }
            next
        });
        self.last_slot = at;
        at
    }

    /// Makes slot `at` hold `value`, sending it unless it does already, within a deadline
    /// that grows with its size.
    pub(super) fn hold(&mut self, at: usize, value: &Value, limits: &Limits) -> Result<(), Stopped> {
        let slot = self.slots.get_mut(at).ok_or(Stopped::Lost)?;
        if slot.value.as_ref().is_some_and(|held| same_exactly(held, value)) {
            return Ok(());
        }
        slot.value = None;
        let bytes = self.send(&Request::Hold { slot: at, value: Cow::Borrowed(value) })?;
        let deadline = floor(limits, HOLD_FLOOR) + Duration::from_millis(bytes / BYTES_PER_MILLI);
        match self.answer_within(deadline)? {
            Answer::Held => {
                let slot = self.slots.get_mut(at).ok_or(Stopped::Lost)?;
                slot.value = Some(value.clone());
                Ok(())
            }
            Answer::Refused(_) => {
                // It emptied this slot, or every slot when it could not read the line.
                self.slots = Default::default();
                Err(Stopped::Refused)
            }
            _ => Err(Stopped::Exhausted),
        }
    }

    /// Whether it holds `program`.
    pub(super) fn has(&self, program: u64) -> bool {
        self.loaded.contains(&program)
    }

    /// Sends `program` to be compiled, within a deadline that grows with the time kdrift took
    /// to compile it; past half its memory budget, the worker keeps only the programs in
    /// `keep` besides it.
    pub(super) fn load(&mut self, program: &Program, keep: &[u64], limits: &Limits) -> Result<(), Stopped> {
        let request =
            Request::Load { id: program.id, expressions: Cow::Borrowed(&program.expressions), keep: keep.to_vec() };
        let bytes = self.send(&request)?;
        let deadline = floor(limits, LOAD_FLOOR)
            + Duration::from_millis(bytes / BYTES_PER_MILLI)
            + program.compiled_in * COMPILE_SLACK;
        match self.answer_within(deadline)? {
            Answer::Loaded { dropped } => {
                if dropped {
                    self.loaded.retain(|held| keep.contains(held));
                }
                self.loaded.insert(program.id);
                Ok(())
            }
            Answer::Refused(_) => {
                // It may have dropped the others before it failed.
                self.loaded.retain(|held| keep.contains(held));
                Err(Stopped::Refused)
            }
            _ => Err(Stopped::Exhausted),
        }
    }

    /// Which of `next` to run ahead of `asked` on the value in slot `at`: while the engine
    /// asks for what was expected, the window doubles; when it jumps, it starts again at
    /// none. It stops before a program that may not run ahead, or that would be one new
    /// program too many.
    pub(super) fn ahead_of<'p>(
        &mut self,
        at: usize,
        asked: Job<'p>,
        next: &mut dyn Iterator<Item = Job<'p>>,
        not_ahead: &NotAhead<'_>,
    ) -> Vec<Job<'p>> {
        let loaded = &self.loaded;
        let Some(slot) = self.slots.get_mut(at) else { return Vec::new() };
        let window = if slot.expected == Some(asked.key()) { (slot.window * 2).min(READ_AHEAD) } else { 1 };
        let mut new_programs: Vec<u64> = Vec::new();
        let mut candidates = next
            .filter(|job| {
                !not_ahead.jobs.contains(&job.key())
                    && !slot.ahead.contains_key(&job.key())
                    && !not_ahead.blamed.contains_key(job.expression())
            })
            .peekable();
        let mut ahead = Vec::new();
        while ahead.len() + 1 < window {
            let Some(job) = candidates.peek() else { break };
            let id = job.program.id;
            let new = id != asked.program.id && !loaded.contains(&id) && !new_programs.contains(&id);
            let barred = not_ahead.programs.contains(&id) || not_ahead.unloadable.contains(&id);
            if barred || (new && new_programs.len() == NEW_PROGRAMS_AHEAD) {
                break;
            }
            if new {
                new_programs.push(id);
            }
            ahead.extend(candidates.next());
        }
        (slot.window, slot.expected) = (window, candidates.next().map(|job| job.key()));
        ahead
    }

    /// Runs `asked`, then `ahead`, on the value in slot `at` (their programs loaded): each
    /// answer within the budget from the one before.
    pub(super) fn run(
        &mut self,
        at: usize,
        asked: Job<'_>,
        ahead: &[Job<'_>],
        limits: &Limits,
    ) -> Result<Ran, Stopped> {
        let jobs: Vec<JobKey> = std::iter::once(asked).chain(ahead.iter().copied()).map(|job| job.key()).collect();
        self.send(&Request::Run { slot: at, jobs: jobs.clone() })?;
        let budget = Duration::from_millis(limits.jq_millis);
        let mut spent = Vec::with_capacity(jobs.len());
        let outcome = match self.answer_within(budget)? {
            Answer::Ran { job, outcome, micros } if job == asked.key() => {
                spent.push(Duration::from_micros(micros));
                outcome
            }
            Answer::Unknown => return Err(Stopped::Lost),
            _ => return Err(Stopped::Exhausted),
        };
        for &expected in jobs.iter().skip(1) {
            match self.answer_within(budget) {
                Ok(Answer::Ran { job, outcome, micros }) if job == expected => {
                    spent.push(Duration::from_micros(micros));
                    if let Some(slot) = self.slots.get_mut(at) {
                        slot.ahead.insert(job, outcome);
                    }
                }
                _ => return Ok(Ran { outcome, spent, overran_ahead: Some(expected) }),
            }
        }
        Ok(Ran { outcome, spent, overran_ahead: None })
    }

    /// Writes one request line; its length in bytes.
    fn send(&mut self, request: &Request<'_>) -> Result<u64, Stopped> {
        let mut line = serde_json::to_vec(request).map_err(|_| Stopped::Exhausted)?;
        line.push(b'\n');
        self.requests.write_all(&line).and_then(|()| self.requests.flush()).map_err(|_| Stopped::Exhausted)?;
        Ok(u64::try_from(line.len()).unwrap_or(u64::MAX))
    }

    /// The next answer, waited for `budget` at most, its line no longer than `ANSWER_BYTES`.
    /// Read here, not on a reader thread: a request is then one hop each way.
    fn answer_within(&mut self, budget: Duration) -> Result<Answer, Stopped> {
        let deadline = Instant::now() + budget;
        let mut chunk = [0u8; 64 * 1024];
        let mut scanned = 0;
        loop {
            if let Some(end) = self.pending.get(scanned..).and_then(|new| new.iter().position(|b| *b == b'\n')) {
                let line: Vec<u8> = self.pending.drain(..=scanned + end).collect();
                return serde_json::from_slice(&line).map_err(|_| Stopped::Exhausted);
            }
            scanned = self.pending.len();
            if u64::try_from(scanned).unwrap_or(u64::MAX) > ANSWER_BYTES {
                return Err(Stopped::Oversized);
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

/// The expression budget, or `least` if that is longer.
fn floor(limits: &Limits, least: Duration) -> Duration {
    Duration::from_millis(limits.jq_millis).max(least)
}

/// Sets `O_NONBLOCK` on a pipe.
fn nonblocking(pipe: &impl std::os::fd::AsFd) -> std::io::Result<()> {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    fcntl_setfl(pipe, fcntl_getfl(pipe)? | OFlags::NONBLOCK)?;
    Ok(())
}
