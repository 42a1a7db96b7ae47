//! The jq evaluator as a separate process (`kdrift __jq-worker`): an ignore rule's expression
//! may loop for ever, recurse past any stack or fill memory, and jaq cannot be stopped from
//! inside, so the binary runs every expression in a child whose memory is capped by the
//! kernel (`RLIMIT_AS`, `[limits] jq_memory_mb`) and whose answer is awaited `jq_ms` at
//! most; a child that overruns is killed and the next expression gets a fresh one. One JSON
//! line per request and per answer.

use crate::engine::ignore::jq::{Evaluator, JqDeletion, JqError};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

/// Compiled expressions a worker keeps (about 100 KiB each).
const COMPILED_KEPT: usize = 2048;

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
    answers: Receiver<String>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
        let (Some(requests), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(JqError::Budget("evaluator has no pipes".to_owned()));
        };
        let (sender, answers) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        Ok(Worker { child, requests, answers })
    }
}

impl Evaluator for WorkerEvaluator {
    fn paths(&self, expression: &str, value: &Value) -> Result<Vec<Vec<Value>>, JqError> {
        let limits = crate::limits::current();
        // A poisoned lock only means another evaluation panicked: the slot is still usable.
        let mut slot = self.worker.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // A worker that ended between requests (killed from outside) is replaced before it is
        // asked: only an expression that overran on its own is blamed.
        if slot.as_mut().is_some_and(|worker| !matches!(worker.child.try_wait(), Ok(None))) {
            *slot = None;
        }
        if slot.is_none() {
            *slot = Some(self.start(limits.jq_memory_bytes)?);
        }
        let Some(worker) = slot.as_mut() else { return Err(JqError::Budget("evaluator missing".to_owned())) };
        let mut request = json!({"expression": expression, "value": value}).to_string();
        request.push('\n');
        let sent = worker.requests.write_all(request.as_bytes()).and_then(|()| worker.requests.flush());
        let answer = match sent {
            Ok(()) => worker.answers.recv_timeout(Duration::from_millis(limits.jq_millis)),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        };
        match answer {
            Ok(line) => {
                let mut answer: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
                match (answer.get_mut("paths").map(Value::take), answer.get("error").and_then(Value::as_str)) {
                    (Some(paths), _) => serde_json::from_value(paths)
                        .map_err(|_| JqError::Runtime("the evaluator answered no paths".to_owned())),
                    (None, Some(error)) => Err(JqError::Runtime(error.to_owned())),
                    (None, None) => Err(JqError::Runtime("the evaluator answered nothing".to_owned())),
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                *slot = None;
                Err(JqError::Budget(format!(
                    "ran past its {} ms budget and was stopped (raise [limits] jq_ms in config.toml)",
                    limits.jq_millis
                )))
            }
            Err(RecvTimeoutError::Disconnected) => {
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
    let mut compiled: HashMap<String, JqDeletion> = HashMap::new();
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return 0 };
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(request) => answer(&mut compiled, &request),
            Err(_) => json!({"error": "the request is not JSON"}),
        };
        let mut out = stdout.lock();
        if writeln!(out, "{answer}").and_then(|()| out.flush()).is_err() {
            return 0;
        }
    }
    0
}

fn answer(compiled: &mut HashMap<String, JqDeletion>, request: &Value) -> Value {
    let expression = request.get("expression").and_then(Value::as_str).unwrap_or_default();
    let value = request.get("value").unwrap_or(&Value::Null);
    // Compiled programs are large (each holds jq's standard library): a bounded cache.
    if compiled.len() >= COMPILED_KEPT && !compiled.contains_key(expression) {
        compiled.clear();
    }
    if !compiled.contains_key(expression) {
        match JqDeletion::compile(expression) {
            Ok(deletion) => {
                compiled.insert(expression.to_owned(), deletion);
            }
            Err(error) => return json!({"error": error}),
        }
    }
    match compiled.get(expression).map(|deletion| deletion.paths_in(value)) {
        Some(Ok(paths)) => json!({"paths": paths}),
        Some(Err(error)) => json!({"error": error}),
        None => json!({"error": "not compiled"}),
    }
}
