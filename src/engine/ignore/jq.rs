//! Argo CD `jqPathExpressions`, evaluated with jaq as `del(<expression>)`: compiled once
//! when the rule is loaded (a syntax error names the rule), run per object (a runtime error,
//! such as a non-path expression, skips the rule for that object). The deletion is done as
//! jq's `delpaths([path(<expression>)])` does it, so a path that does not exist is a no-op
//! as in jq and gojq (Argo CD's engine), which jaq's own `del` does not guarantee.
//!
//! A rule's author may write an expression that never ends or fills memory; jaq cannot be
//! stopped from inside. So the binary installs an `Evaluator` that runs expressions in a
//! bounded worker process (`sources::jq_worker`); without one (the library, its tests),
//! they run here. An expression that overran its budget once is skipped from then on.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data};
use jaq_json::Val;
use serde::Deserialize as _;
use serde_json::Value;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

type Filter = jaq_core::Filter<data::JustLut<Val>>;

/// A compiled `del(<expression>)`.
#[derive(Clone)]
pub struct JqDeletion {
    pub expression: String,
    /// Compiled on first use in this process; with an installed evaluator, never: a
    /// compiled program holds all of jq's standard library, and rules can be thousands.
    filter: Arc<OnceLock<Filter>>,
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
}

/// Runs expressions for `JqDeletion` somewhere bounded.
pub trait Evaluator: Send + Sync {
    /// The paths `expression` selects in `value`.
    fn paths(&self, expression: &str, value: &Value) -> Result<Vec<Vec<Value>>, JqError>;
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
    /// Compiles the expression; the error says what is wrong with it.
    pub fn compile(expression: &str) -> Result<JqDeletion, String> {
        // Parse the expression alone first, so text such as `.a) | (.b` cannot escape the
        // `[path(…)]` it is wrapped in (only a failure pays for the detailed message).
        if jaq_core::load::parse(expression, |parser| parser.term()).is_none() {
            compile_program(expression)?;
            return Err("invalid jq: not one complete expression".to_owned());
        }
        // Compiled now so an undefined function names the rule; kept only if run here.
        let program = wrapped(expression);
        compile_program(&program)?;
        Ok(JqDeletion { expression: expression.to_owned(), filter: Arc::default(), overran: Arc::default() })
    }

    /// The value with the expression's paths deleted.
    pub fn delete_from(&self, value: &Value) -> Result<Value, JqError> {
        if self.overran.load(Ordering::Relaxed) {
            return Err(JqError::Budget("not run again: it overran its budget on an earlier object".to_owned()));
        }
        let paths = match EVALUATOR.get() {
            Some(evaluator) => evaluator.paths(&self.expression, value),
            None => self.paths_in(value).map_err(JqError::Runtime),
        };
        if let Err(JqError::Budget(_)) = &paths {
            self.overran.store(true, Ordering::Relaxed);
        }
        let mut result = value.clone();
        delete_paths(&mut result, paths?);
        Ok(result)
    }

    /// The paths the expression selects in `value`, evaluated in this process.
    pub fn paths_in(&self, value: &Value) -> Result<Vec<Vec<Value>>, String> {
        let input = Val::deserialize(value).map_err(|e| format!("cannot convert the object for jq: {e}"))?;
        let filter = match self.filter.get() {
            Some(filter) => filter,
            None => {
                let compiled = compile_program(&wrapped(&self.expression))?;
                self.filter.get_or_init(|| compiled)
            }
        };
        let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
        let mut outputs = filter.id.run((ctx, input)).map(jaq_core::unwrap_valr);
        let paths = match outputs.next() {
            Some(Ok(paths)) => paths,
            Some(Err(error)) => return Err(error.to_string()),
            None => return Err("the expression produced no value".to_owned()),
        };
        // jaq writes JSON text; reading it back gives the paths in serde_json's terms.
        serde_json::from_str(&paths.to_string()).map_err(|e| format!("jq produced unexpected paths: {e}"))
    }
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

/// The program that lists the paths `expression` selects.
fn wrapped(expression: &str) -> String {
    format!("[path({expression})]")
}

/// jq's standard definitions, parsed once: every rule's program starts from them.
fn standard_defs() -> Vec<jaq_core::load::parse::Def<&'static str>> {
    static DEFS: OnceLock<Vec<jaq_core::load::parse::Def<&'static str>>> = OnceLock::new();
    DEFS.get_or_init(|| jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs()).collect()).clone()
}

fn compile_program(code: &str) -> Result<Filter, String> {
    let defs = standard_defs();
    let funs = jaq_core::funs().chain(jaq_std::funs()).chain(jaq_json::funs());
    let loader = Loader::new(defs);
    let arena = Arena::default();
    let modules = loader.load(&arena, File { code, path: () }).map_err(|errors| {
        let mut message = String::from("invalid jq");
        for (_, error) in errors {
            message.push_str(&format!(": {}", describe_load_error(&error)));
        }
        message
    })?;
    Compiler::default().with_funs(funs).compile(modules).map_err(|errors| {
        let undefined: Vec<String> = errors
            .into_iter()
            .flat_map(|(_, list)| list.into_iter().map(|(name, kind)| format!("undefined {} {name}", kind.as_str())))
            .collect();
        format!("invalid jq: {}", undefined.join(", "))
    })
}

fn describe_load_error(error: &jaq_core::load::Error<&str>) -> String {
    use jaq_core::load::Error;
    match error {
        Error::Io(list) => list.iter().map(|(path, e)| format!("{path}: {e}")).collect::<Vec<_>>().join(", "),
        Error::Lex(list) => list
            .iter()
            .map(|(expected, found)| format!("expected {} near '{}'", expected.as_str(), excerpt(found)))
            .collect::<Vec<_>>()
            .join(", "),
        Error::Parse(list) => list
            .iter()
            .map(|(expected, found)| format!("expected {} near '{}'", expected.as_str(), excerpt(found)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The start of the unparsed text, enough to locate the problem.
fn excerpt(rest: &str) -> String {
    let cut: String = rest.chars().take(20).collect();
    if cut.is_empty() { "end of expression".to_owned() } else { cut }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deletes_one_selected_list_element() {
        let jq = JqDeletion::compile(r#".spec.containers[] | select(.name == "istio-proxy")"#).unwrap();
        let pod = json!({"spec": {"containers": [{"name": "app"}, {"name": "istio-proxy"}]}});
        assert_eq!(jq.delete_from(&pod).unwrap(), json!({"spec": {"containers": [{"name": "app"}]}}));
    }

    #[test]
    fn a_missing_path_changes_nothing() {
        let jq = JqDeletion::compile(".metadata.annotations.absent").unwrap();
        let object = json!({"metadata": {"name": "a"}});
        assert_eq!(jq.delete_from(&object).unwrap(), object);
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
        assert_eq!(jq.delete_from(&json!({"items": [0, 1, 2, 3, 4]})).unwrap(), json!({"items": [1, 3]}));
        let jq = JqDeletion::compile(".metadata.annotations | select(. != null) | .[\"a\"]").unwrap();
        let object = json!({"metadata": {"annotations": {"a": "1", "b": "2"}}});
        assert_eq!(jq.delete_from(&object).unwrap(), json!({"metadata": {"annotations": {"b": "2"}}}));
    }

    #[test]
    fn non_path_expressions_fail_at_run_time() {
        let jq = JqDeletion::compile(".metadata.annotations | with_entries(select(.key == \"a\"))").unwrap();
        let object = json!({"metadata": {"annotations": {"a": "1", "b": "2"}}});
        assert!(jq.delete_from(&object).is_err());
    }
}
