//! The jq evaluator as a separate process (`kdrift __jq-worker`): an ignore rule's expression
//! may loop for ever, recurse past any stack or fill memory, and jaq cannot be stopped from
//! inside, so the binary runs every expression in a child whose memory is capped by the
//! kernel (`RLIMIT_AS`, `[limits] jq_memory_mb`) and whose every answer is awaited `jq_ms`
//! at most; a child that overruns is killed and the next expression gets a fresh one.
//!
//! A worker keeps what it was sent (compiled programs, the two sides of the pair being
//! compared), and runs ahead the expressions the engine says come next: most rules select
//! nothing, and a round trip costs more than running one. Holding a value and compiling a
//! program have deadlines of their own, charged to no expression. Only an expression that
//! overruns alone, in a fresh worker, is blamed: not its program's compilation (a program
//! that will not compile in time has its expressions compiled one by one), not the object,
//! not what the worker held, not an expression run ahead. Each cost is paid once: what
//! overran is remembered.

mod protocol;
mod serve;
mod worker;

use crate::engine::ignore::jq::{Evaluator, Job, JqError};
use crate::engine::ignore::jq_program::Program;
use crate::limits::Limits;
use protocol::{JobKey, Outcome, same_exactly};
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use worker::{NotAhead, Stopped, Worker};

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
    /// The bounds all of this was learnt under: when they change (a config reloaded in the
    /// TUI), it is forgotten, and the worker (capped at start) replaced.
    limits: Option<Limits>,
    worker: Option<Worker>,
    /// What is known of expressions by their text, so it holds when the rules are read
    /// again (each app, each refresh): why one is not run any more, and how often each
    /// came close to its budget.
    blamed: HashMap<String, String>,
    near_misses: HashMap<String, u32>,
    /// Expressions that overran while run ahead: never run ahead again (each is run, and
    /// blamed or not, when it is asked for).
    not_ahead: HashSet<JobKey>,
    /// Programs that overran loading for expressions run ahead: never loaded ahead again.
    not_loaded_ahead: HashSet<u64>,
    /// Programs that could not be compiled in time even in a fresh worker: each of their
    /// expressions runs as a program of its own, kept here by job.
    unloadable: HashSet<u64>,
    alone: HashMap<JobKey, Arc<Program>>,
    /// The last objects that could not be handed to a worker: not tried again for each rule.
    refused: VecDeque<Value>,
    /// Until when no worker is started again, and why the last one could not be.
    unstartable: Option<(Instant, String)>,
}

/// How many near misses (runs of at least half the budget) an expression may have before it
/// is not run again: one that always finishes just within its budget would otherwise cost
/// it on every object. A cheap rule on a huge fleet never comes close.
const NEAR_MISSES: u32 = 10;

/// How many objects too large for a worker are remembered.
const REFUSED_KEPT: usize = 8;

/// How long after a worker could not be started kdrift tries again.
const START_BACKOFF: Duration = Duration::from_secs(30);

/// Why an attempt gave no outcome.
enum Failure {
    /// The value could not be held: the object's fault (too large), not the expression's.
    Object(Stopped),
    /// A program could not be loaded.
    Load(u64, Stopped),
    /// The asked expression overran.
    Run(Stopped),
    /// No worker could be started, and why.
    Unstarted(String),
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
        if state.limits != Some(limits) {
            *state = Evaluation { limits: Some(limits), ..Evaluation::default() };
        }
        match state.paths(&self.exe, asked, next, value, &limits)? {
            Outcome::Paths(paths) => Ok(paths),
            Outcome::Error(error) => Err(JqError::Runtime(error)),
        }
    }
}

impl Evaluation {
    fn paths<'p>(
        &mut self,
        exe: &Path,
        asked: Job<'p>,
        next: &mut dyn Iterator<Item = Job<'p>>,
        value: &Value,
        limits: &Limits,
    ) -> Result<Outcome, JqError> {
        if let Some(why) = self.blamed.get(asked.expression()) {
            return Err(JqError::Budget(why.clone()));
        }
        if let Some((until, why)) = &self.unstartable {
            if Instant::now() < *until {
                return Err(JqError::NotRun(why.clone()));
            }
            self.unstartable = None;
        }
        if self.refused.iter().any(|refused| same_exactly(refused, value)) {
            return Err(not_handed(limits));
        }
        if let Some(outcome) = self.worker.as_mut().and_then(|worker| worker.answered(asked.key(), value)) {
            return Ok(outcome);
        }
        if self.unloadable.contains(&asked.program.id) {
            return self.alone(exe, asked, value, limits);
        }
        match self.attempt(exe, asked, next, value, limits, false) {
            Ok(outcome) => return Ok(outcome),
            Err(Failure::Load(program, _)) if program != asked.program.id => {
                self.not_loaded_ahead.insert(program);
            }
            Err(_) => {}
        }
        // Once more, with nothing run ahead, in a fresh worker, before anything is blamed.
        match self.attempt(exe, asked, &mut std::iter::empty(), value, limits, true) {
            Ok(outcome) => Ok(outcome),
            Err(Failure::Load(_, _)) if asked.program.expressions.len() > 1 => {
                self.unloadable.insert(asked.program.id);
                self.alone(exe, asked, value, limits)
            }
            Err(failure) => Err(self.blame(failure, asked, value, limits)),
        }
    }

    /// `asked` compiled as a program of its own (kept for the next object), and run: in the
    /// worker there is, then, if that fails, in a fresh one.
    fn alone(&mut self, exe: &Path, asked: Job<'_>, value: &Value, limits: &Limits) -> Result<Outcome, JqError> {
        let alone = Arc::clone(self.alone.entry(asked.key()).or_insert_with(|| {
            // Part of a program: compiled in no longer than the whole.
            Arc::new(Program::new(vec![asked.expression().to_owned()], None, asked.program.compiled_in))
        }));
        let job = Job { program: &alone, position: 0 };
        if self.worker.is_some()
            && let Ok(outcome) = self.attempt(exe, job, &mut std::iter::empty(), value, limits, false)
        {
            return Ok(outcome);
        }
        self.attempt(exe, job, &mut std::iter::empty(), value, limits, true)
            .map_err(|failure| self.blame(failure, job, value, limits))
    }

    /// What a failure alone in a fresh worker says; what it says of the expression is
    /// remembered by its text, as is an object refused.
    fn blame(&mut self, failure: Failure, asked: Job<'_>, value: &Value, limits: &Limits) -> JqError {
        let budget = limits.jq_millis;
        let memory = crate::limits::size(limits.jq_memory_bytes);
        let why = match failure {
            Failure::Object(_) => {
                if self.refused.len() == REFUSED_KEPT {
                    self.refused.pop_front();
                }
                self.refused.push_back(value.clone());
                return not_handed(limits);
            }
            Failure::Unstarted(error) => {
                let why = format!("was not run: the jq evaluator could not be started ({error})");
                self.unstartable = Some((Instant::now() + START_BACKOFF, why.clone()));
                return JqError::NotRun(why);
            }
            Failure::Run(Stopped::Lost) => return JqError::NotRun("was not run: the evaluator lost it".to_owned()),
            Failure::Run(Stopped::Timeout) => {
                format!("ran past its {budget} ms budget and was stopped (raise [limits] jq_ms in config.toml)")
            }
            Failure::Run(Stopped::Oversized) => {
                "selected more paths than kdrift reads (an answer over 64 MiB) and was stopped".to_owned()
            }
            Failure::Run(_) => {
                format!("exhausted the evaluator (over the {memory} memory limit, or its stack) and was stopped")
            }
            Failure::Load(_, Stopped::Timeout) => "could not be compiled in time by the evaluator".to_owned(),
            Failure::Load(_, _) => {
                format!("exhausted the evaluator while being compiled (over the {memory} memory limit, or its stack)")
            }
        };
        self.blamed.insert(asked.expression().to_owned(), why.clone());
        JqError::Budget(why)
    }

    /// Asks a live worker (a fresh one when `fresh`) for `asked`, running some of `next`
    /// ahead; a worker that failed is dropped.
    fn attempt<'p>(
        &mut self,
        exe: &Path,
        asked: Job<'p>,
        next: &mut dyn Iterator<Item = Job<'p>>,
        value: &Value,
        limits: &Limits,
        fresh: bool,
    ) -> Result<Outcome, Failure> {
        if fresh || self.worker.as_mut().is_some_and(Worker::ended) {
            self.worker = None;
        }
        if self.worker.is_none() {
            let started = Worker::start(exe, limits.jq_memory_bytes);
            self.worker = Some(started.map_err(|error| Failure::Unstarted(error.to_string()))?);
        }
        let Some(worker) = self.worker.as_mut() else { return Err(Failure::Unstarted("gone".to_owned())) };
        let not_ahead = NotAhead {
            blamed: &self.blamed,
            jobs: &self.not_ahead,
            programs: &self.not_loaded_ahead,
            unloadable: &self.unloadable,
        };
        match ask(worker, asked, next, value, limits, &not_ahead) {
            Ok((ran, jobs)) => {
                if let Some(job) = ran.overran_ahead {
                    self.not_ahead.insert(job);
                    self.worker = None;
                }
                self.count(&jobs, &ran.spent, limits);
                Ok(ran.outcome)
            }
            Err(failure) => {
                // A refusal leaves the worker as it was; anything else leaves it unknown.
                let refused = matches!(failure, Failure::Object(Stopped::Refused) | Failure::Load(_, Stopped::Refused));
                if !refused {
                    self.worker = None;
                }
                Err(failure)
            }
        }
    }

    /// Counts the jobs that ran at least half their budget; an expression with
    /// `NEAR_MISSES` of them is not run again.
    fn count(&mut self, jobs: &[Job<'_>], spent: &[Duration], limits: &Limits) {
        let half = Duration::from_millis(limits.jq_millis) / 2;
        for (job, time) in jobs.iter().zip(spent) {
            if *time < half {
                continue;
            }
            let expression = job.expression();
            let misses = self.near_misses.entry(expression.to_owned()).or_default();
            *misses += 1;
            if *misses >= NEAR_MISSES && !self.blamed.contains_key(expression) {
                let why = format!(
                    "took more than half its {} ms budget on {NEAR_MISSES} objects, and is not run again (raise [limits] jq_ms in config.toml)",
                    limits.jq_millis
                );
                self.blamed.insert(expression.to_owned(), why);
            }
        }
    }
}

/// The programs loaded (the asked one's first), the value held, then the run: loading
/// first, so a program never pays for room an object took. The jobs run, in order.
fn ask<'p>(
    worker: &mut Worker,
    asked: Job<'p>,
    next: &mut dyn Iterator<Item = Job<'p>>,
    value: &Value,
    limits: &Limits,
    not_ahead: &NotAhead<'_>,
) -> Result<(worker::Ran, Vec<Job<'p>>), Failure> {
    let at = worker.slot_for(value);
    let ahead = worker.ahead_of(at, asked, next, not_ahead);
    let mut programs: Vec<&Program> = Vec::new();
    for job in std::iter::once(&asked).chain(&ahead) {
        if !programs.iter().any(|program| program.id == job.program.id) {
            programs.push(job.program);
        }
    }
    let keep: Vec<u64> = programs.iter().map(|program| program.id).collect();
    for program in programs {
        if !worker.has(program.id) {
            worker.load(program, &keep, limits).map_err(|stopped| Failure::Load(program.id, stopped))?;
        }
    }
    worker.hold(at, value, limits).map_err(Failure::Object)?;
    let ran = worker.run(at, asked, &ahead, limits).map_err(Failure::Run)?;
    let jobs = std::iter::once(asked).chain(ahead).collect();
    Ok((ran, jobs))
}

fn not_handed(limits: &Limits) -> JqError {
    JqError::NotRun(format!(
        "was not run: the object could not be handed to the jq evaluator (within its {} memory limit)",
        crate::limits::size(limits.jq_memory_bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_expression_that_comes_close_to_its_budget_ten_times_is_not_run_again() {
        let program = Program::new(vec![".slow".to_owned(), ".fast".to_owned()], None, Duration::ZERO);
        let (slow, fast) = (Job { program: &program, position: 0 }, Job { program: &program, position: 1 });
        let limits = Limits { jq_millis: 100, ..Limits::DEFAULT };
        let mut evaluation = Evaluation::default();
        for _ in 0..9 {
            evaluation.count(&[slow, fast], &[Duration::from_millis(99), Duration::from_millis(49)], &limits);
        }
        // A cheap rule on a big fleet: never close.
        for _ in 0..100_000 {
            evaluation.count(&[fast], &[Duration::from_millis(49)], &limits);
        }
        assert!(evaluation.blamed.is_empty(), "nine near misses, and none for the cheap one");
        evaluation.count(&[slow], &[Duration::from_millis(50)], &limits);
        // No worker can start here: only what is already known answers.
        let nowhere = Path::new("/nonexistent/kdrift");
        let error = evaluation.paths(nowhere, slow, &mut std::iter::empty(), &json!({}), &limits).unwrap_err();
        assert!(
            matches!(&error, JqError::Budget(why) if why.contains("more than half its 100 ms budget on 10 objects")),
            "{error:?}"
        );
        let error = evaluation.paths(nowhere, fast, &mut std::iter::empty(), &json!({}), &limits).unwrap_err();
        assert!(matches!(&error, JqError::NotRun(why) if why.contains("could not be started")), "{error:?}");
        // Not tried again at once: each try could cost the start deadline.
        assert!(evaluation.unstartable.is_some());
        assert!(!evaluation.blamed.contains_key(".fast"), "an evaluator that cannot start blames no expression");
    }
}
