//! Argo CD `jqPathExpressions`, evaluated with jaq as `del(<expression>)`: compiled when the
//! rules are loaded (a syntax error names the rule; see `jq_program` for how many are
//! compiled together), run per object (a runtime error, such as a non-path expression,
//! skips the rule for that object). The deletion is done as jq's
//! `delpaths([path(<expression>)])` does it, so a path that does not exist is a no-op as in
//! jq and gojq (Argo CD's engine), which jaq's own `del` does not guarantee.
//!
//! A rule's author may write an expression that never ends or fills memory; jaq cannot be
//! stopped from inside. So the binary installs an `Evaluator` that runs expressions in a
//! bounded worker process (`sources::jq_worker`); without one (the library, its tests),
//! they run here. An expression that overran its budget once is skipped from then on.

use super::jq_program::{self, Program};
use super::jq_text;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// A compiled `del(<expression>)`.
#[derive(Clone)]
pub struct JqDeletion {
    pub expression: String,
    /// The program it is compiled in, and its position there (none before `compile_together`).
    program: Option<(Arc<Program>, usize)>,
    /// Set once the expression overran its budget: it is not run again.
    overran: Arc<AtomicBool>,
}

/// Why an expression gave no paths for one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JqError {
    /// jq's own error (it may quote the object: never shown as is).
    Runtime(String),
    /// The evaluator's bound stopped it; kdrift's own words, safe to show.
    Budget(String),
    /// It could not be run, for a reason that is not the expression's (an object too large
    /// for the evaluator, an evaluator that would not start): it still runs on other
    /// objects; kdrift's own words.
    NotRun(String),
}

/// One expression to run: its program and its position there.
#[derive(Clone, Copy)]
pub struct Job<'p> {
    pub program: &'p Program,
    pub position: usize,
}

impl Job<'_> {
    /// What identifies the job's answer for one value.
    pub fn key(&self) -> (u64, usize) {
        (self.program.id, self.position)
    }

    /// The expression's text.
    pub fn expression(&self) -> &str {
        self.program.expressions.get(self.position).map_or("", String::as_str)
    }
}

/// Runs expressions for `JqDeletion` somewhere bounded.
pub trait Evaluator: Send + Sync {
    /// The paths `asked` selects in `value`. `next` are the expressions that will most likely
    /// be asked for next on the same value, in order: an evaluator may run some ahead.
    fn paths<'p>(
        &self,
        asked: Job<'p>,
        next: &mut dyn Iterator<Item = Job<'p>>,
        value: &Value,
    ) -> Result<Vec<Vec<Value>>, JqError>;
}

static EVALUATOR: OnceLock<Box<dyn Evaluator>> = OnceLock::new();

/// Makes `evaluator` run every expression from now on (once per process).
pub fn install(evaluator: Box<dyn Evaluator>) {
    let _ = EVALUATOR.set(evaluator);
}

impl fmt::Debug for JqDeletion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "del({})", self.expression)
    }
}

impl JqDeletion {
    /// Takes the expression if it is within kdrift's bounds; `compile_together` reads it.
    pub fn parse(expression: &str) -> Result<JqDeletion, String> {
        if let Some(refusal) = jq_text::refused(expression) {
            return Err(refusal);
        }
        Ok(JqDeletion { expression: expression.to_owned(), program: None, overran: Arc::default() })
    }

    /// Parses and compiles one expression; the error says what is wrong with it.
    pub fn compile(expression: &str) -> Result<JqDeletion, String> {
        let mut deletion = JqDeletion::parse(expression)?;
        compile_together(&mut [&mut deletion]).map_err(|(_, error)| error)?;
        Ok(deletion)
    }

    /// The job that runs this expression, unless it was never compiled or overran.
    fn job(&self) -> Option<Job<'_>> {
        if self.overran.load(Ordering::Relaxed) {
            return None;
        }
        self.program.as_ref().map(|(program, position)| Job { program, position: *position })
    }

    /// The value with the expression's paths deleted (borrowed back when it selects none).
    pub fn delete_from<'v>(&self, value: &'v Value) -> Result<Cow<'v, Value>, JqError> {
        self.delete_from_before(value, &[])
    }

    /// The same, knowing that `next` will be run on the same value after it (if it changes
    /// nothing), in this order.
    pub fn delete_from_before<'v>(&self, value: &'v Value, next: &[&JqDeletion]) -> Result<Cow<'v, Value>, JqError> {
        if self.overran.load(Ordering::Relaxed) {
            return Err(JqError::Budget("not run again: it was stopped on an earlier object".to_owned()));
        }
        let Some(asked) = self.job() else {
            return Err(JqError::Runtime("the expression was never compiled".to_owned()));
        };
        let paths = match EVALUATOR.get() {
            // Taken lazily: the evaluator looks only as far ahead as it runs.
            Some(evaluator) => evaluator.paths(asked, &mut next.iter().filter_map(|deletion| deletion.job()), value),
            None => (asked.program.filter())
                .and_then(|filter| jq_program::run(filter, asked.position, value))
                .map_err(JqError::Runtime),
        };
        if let Err(JqError::Budget(_)) = &paths {
            self.overran.store(true, Ordering::Relaxed);
        }
        let paths = paths?;
        // `path(.a.b)` names `.a.b` whether or not it is there: most rules select nothing.
        if !paths.iter().any(|path| exists(value, path)) {
            return Ok(Cow::Borrowed(value));
        }
        let mut result = value.clone();
        delete_paths(&mut result, paths);
        Ok(Cow::Owned(result))
    }
}

/// Compiles parsed deletions together and gives each its program; the first one that does
/// not compile is returned with its index and what is wrong with it.
pub fn compile_together(deletions: &mut [&mut JqDeletion]) -> Result<(), (usize, String)> {
    let expressions = deletions.iter().map(|deletion| deletion.expression.clone()).collect();
    let programs = jq_program::compile_all(expressions, EVALUATOR.get().is_none())?;
    for (chunk, program) in deletions.chunks_mut(jq_program::PER_PROGRAM).zip(programs) {
        for (position, deletion) in chunk.iter_mut().enumerate() {
            deletion.program = Some((Arc::clone(&program), position));
        }
    }
    Ok(())
}

/// Deletes every path, later list positions first so earlier deletions do not shift them.
fn delete_paths(value: &mut Value, mut paths: Vec<Vec<Value>>) {
    paths.sort_by(|a, b| compare_paths(b, a));
    paths.dedup();
    for path in paths {
        delete_path(value, &path);
    }
}

fn compare_paths(a: &[Value], b: &[Value]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        let order = match (x, y) {
            (Value::Number(x), Value::Number(y)) => {
                x.as_f64().unwrap_or_default().total_cmp(&y.as_f64().unwrap_or_default())
            }
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::Number(_), _) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        if order.is_ne() {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// Whether `path` leads to a value (one `delete_path` would remove).
fn exists(value: &Value, path: &[Value]) -> bool {
    let mut node = value;
    for step in path {
        let child = match (node, step) {
            (Value::Object(map), Value::String(key)) => map.get(key),
            (Value::Array(items), Value::Number(n)) => index(n, items.len()).and_then(|i| items.get(i)),
            _ => None,
        };
        match child {
            Some(child) => node = child,
            None => return false,
        }
    }
    true
}

fn delete_path(value: &mut Value, path: &[Value]) {
    let Some((last, parents)) = path.split_last() else {
        // `path(.)`: deleting the whole value leaves null, as in jq.
        *value = Value::Null;
        return;
    };
    let mut node = value;
    for step in parents {
        let child = match (node, step) {
            (Value::Object(map), Value::String(key)) => map.get_mut(key),
            (Value::Array(items), Value::Number(n)) => index(n, items.len()).and_then(|i| items.get_mut(i)),
            _ => None,
        };
        match child {
            Some(child) => node = child,
            None => return,
        }
    }
    match (node, last) {
        (Value::Object(map), Value::String(key)) => {
            map.shift_remove(key);
        }
        (Value::Array(items), Value::Number(n)) => {
            if let Some(i) = index(n, items.len()) {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// A jq list index (negative counts from the end) as a position in a list of `len`.
fn index(n: &serde_json::Number, len: usize) -> Option<usize> {
    let i = n.as_i64()?;
    let i = if i < 0 { i64::try_from(len).ok()? + i } else { i };
    usize::try_from(i).ok().filter(|i| *i < len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deletes_one_selected_list_element() {
        let jq = JqDeletion::compile(r#".spec.containers[] | select(.name == "istio-proxy")"#).unwrap();
        let pod = json!({"spec": {"containers": [{"name": "app"}, {"name": "istio-proxy"}]}});
        assert_eq!(jq.delete_from(&pod).unwrap().into_owned(), json!({"spec": {"containers": [{"name": "app"}]}}));
    }

    #[test]
    fn a_missing_path_changes_nothing() {
        let jq = JqDeletion::compile(".metadata.annotations.absent").unwrap();
        let object = json!({"metadata": {"name": "a"}});
        assert_eq!(jq.delete_from(&object).unwrap().into_owned(), object);
    }

    #[test]
    fn syntax_errors_are_reported_at_compile_time() {
        let error = JqDeletion::compile(".spec | select(").unwrap_err();
        assert!(error.starts_with("invalid jq"), "{error}");
        assert!(JqDeletion::compile(".a) | (.b").is_err(), "cannot escape del()");
        assert!(JqDeletion::compile("nosuchfunction").unwrap_err().contains("undefined filter"));
    }

    #[test]
    fn deletes_several_list_elements_without_shifting() {
        let jq = JqDeletion::compile(".items[] | select(. % 2 == 0)").unwrap();
        assert_eq!(jq.delete_from(&json!({"items": [0, 1, 2, 3, 4]})).unwrap().into_owned(), json!({"items": [1, 3]}));
        let jq = JqDeletion::compile(".metadata.annotations | select(. != null) | .[\"a\"]").unwrap();
        let object = json!({"metadata": {"annotations": {"a": "1", "b": "2"}}});
        assert_eq!(jq.delete_from(&object).unwrap().into_owned(), json!({"metadata": {"annotations": {"b": "2"}}}));
    }

    #[test]
    fn expressions_compiled_together_each_run_alone_and_a_broken_one_is_named() {
        let expressions: Vec<String> = (0..300).map(|i| format!(".items[{i}]")).collect();
        let mut parsed: Vec<JqDeletion> = expressions.iter().map(|e| JqDeletion::parse(e).unwrap()).collect();
        compile_together(&mut parsed.iter_mut().collect::<Vec<_>>()).unwrap();
        let items = json!({"items": (0..300).collect::<Vec<_>>()});
        for index in [0, 1, 127, 128, 200, 299] {
            let after = parsed[index].delete_from(&items).unwrap().into_owned();
            let left = after["items"].as_array().unwrap();
            assert_eq!(left.len(), 299, "expression {index} deletes one item");
            assert!(!left.contains(&json!(index)), "expression {index} deletes its own item");
        }
        let mut broken: Vec<JqDeletion> =
            [".a", ".b | nosuchfunction", ".c"].map(|e| JqDeletion::parse(e).unwrap()).into();
        let (index, error) = compile_together(&mut broken.iter_mut().collect::<Vec<_>>()).unwrap_err();
        assert_eq!(index, 1);
        assert!(error.contains("undefined filter nosuchfunction"), "{error}");
        let error = JqDeletion::parse("__kdrift_0").unwrap_err();
        assert!(error.contains("kdrift's own"), "{error}");
    }

    #[test]
    fn non_path_expressions_fail_at_run_time() {
        let jq = JqDeletion::compile(".metadata.annotations | with_entries(select(.key == \"a\"))").unwrap();
        let object = json!({"metadata": {"annotations": {"a": "1", "b": "2"}}});
        assert!(jq.delete_from(&object).is_err());
    }
}
