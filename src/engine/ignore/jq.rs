//! Argo CD `jqPathExpressions`, evaluated with jaq as `del(<expression>)`: compiled when the
//! rules are loaded (a syntax error names the rule), run per object (a runtime error, such
//! as a non-path expression, skips the rule for that object). The deletion is done as jq's
//! `delpaths([path(<expression>)])` does it, so a path that does not exist is a no-op as in
//! jq and gojq (Argo CD's engine), which jaq's own `del` does not guarantee.
//!
//! Every compiled jq program carries all of jq's standard library, so expressions are
//! compiled together, up to `PER_PROGRAM` in one program that picks the expression to run
//! by a variable: thousands of rules cost a few compilations, not thousands.
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
use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

pub type Filter = jaq_core::Filter<data::JustLut<Val>>;

/// Expressions compiled into one program.
const PER_PROGRAM: usize = 128;
/// The names kdrift's programs use for themselves; a rule may not use them.
const RESERVED: &str = "__kdrift";
/// The variable that picks which expression of a program runs.
const WHICH: &str = "$__kdrift_which";

/// A compiled `del(<expression>)`.
#[derive(Clone)]
pub struct JqDeletion {
    pub expression: String,
    /// The program it is compiled in, and its position there (none before `compile_together`).
    program: Option<(Arc<Program>, usize)>,
    /// Set once the expression overran its budget: it is not run again.
    overran: Arc<AtomicBool>,
}

/// Expressions compiled together.
pub struct Program {
    /// Unique in this process: what an evaluator keeps the compiled program under.
    pub id: u64,
    /// The expressions, in the order `WHICH` numbers them.
    pub expressions: Vec<String>,
    /// Compiled on first use in this process; with an installed evaluator, never: a compiled
    /// program holds all of jq's standard library, and there may be hundreds.
    filter: OnceLock<Filter>,
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
    /// The paths the expression at `position` of `program` selects in `value`.
    fn paths(&self, program: &Program, position: usize, value: &Value) -> Result<Vec<Vec<Value>>, JqError>;
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
    /// Checks that the expression is one complete jq expression; `compile_together` finishes
    /// the check (undefined functions) for many at once.
    pub fn parse(expression: &str) -> Result<JqDeletion, String> {
        if expression.contains(RESERVED) {
            return Err(format!("invalid jq: names starting with {RESERVED} are kdrift's own"));
        }
        // Parsed alone first, so text such as `.a) | (.b` cannot escape the `[path(…)]` it
        // is wrapped in (only a failure pays for the detailed message).
        if jaq_core::load::parse(expression, |parser| parser.term()).is_none() {
            compile_program(&wrapped(expression))?;
            return Err("invalid jq: not one complete expression".to_owned());
        }
        Ok(JqDeletion { expression: expression.to_owned(), program: None, overran: Arc::default() })
    }

    /// Parses and compiles one expression; the error says what is wrong with it.
    pub fn compile(expression: &str) -> Result<JqDeletion, String> {
        let mut deletion = JqDeletion::parse(expression)?;
        compile_together(&mut [&mut deletion]).map_err(|(_, error)| error)?;
        Ok(deletion)
    }

    /// The value with the expression's paths deleted (borrowed back when it selects none).
    pub fn delete_from<'v>(&self, value: &'v Value) -> Result<Cow<'v, Value>, JqError> {
        if self.overran.load(Ordering::Relaxed) {
            return Err(JqError::Budget("not run again: it overran its budget on an earlier object".to_owned()));
        }
        let Some((program, position)) = &self.program else {
            return Err(JqError::Runtime("the expression was never compiled".to_owned()));
        };
        let paths = match EVALUATOR.get() {
            Some(evaluator) => evaluator.paths(program, *position, value),
            None => program.filter().and_then(|filter| run(filter, *position, value)).map_err(JqError::Runtime),
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

impl Program {
    fn filter(&self) -> Result<&Filter, String> {
        if let Some(filter) = self.filter.get() {
            return Ok(filter);
        }
        let compiled = compile_program(&program_text(&self.expressions))?;
        Ok(self.filter.get_or_init(|| compiled))
    }
}

/// Compiles parsed deletions together and gives each its program; the first one that does
/// not compile is returned with its index and what is wrong with it.
pub fn compile_together(deletions: &mut [&mut JqDeletion]) -> Result<(), (usize, String)> {
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    for (chunk_index, chunk) in deletions.chunks_mut(PER_PROGRAM).enumerate() {
        let expressions: Vec<String> = chunk.iter().map(|d| d.expression.clone()).collect();
        let compiled = match compile_program(&program_text(&expressions)) {
            Ok(filter) => filter,
            Err(_) => {
                // Which one: each alone, in order (only a broken rule pays for this).
                for (offset, expression) in expressions.iter().enumerate() {
                    if let Err(error) = compile_program(&program_text(std::slice::from_ref(expression))) {
                        return Err((chunk_index * PER_PROGRAM + offset, error));
                    }
                }
                return Err((
                    chunk_index * PER_PROGRAM,
                    "invalid jq: the expressions do not compile together".to_owned(),
                ));
            }
        };
        let filter = OnceLock::new();
        if EVALUATOR.get().is_none() {
            let _ = filter.set(compiled);
        }
        let program = Arc::new(Program { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), expressions, filter });
        for (position, deletion) in chunk.iter_mut().enumerate() {
            deletion.program = Some((Arc::clone(&program), position));
        }
    }
    Ok(())
}

/// The text of the program for `expressions`: each a function listing the paths it selects,
/// and a body that runs the one `WHICH` names, found by halving (a few comparisons, where a
/// chain of `elif` would make the last expression pay for all the others).
pub fn program_text(expressions: &[String]) -> String {
    let mut text = String::new();
    for (position, expression) in expressions.iter().enumerate() {
        text.push_str(&format!("def {RESERVED}_{position}: {};\n", wrapped(expression)));
    }
    dispatch(&mut text, 0..expressions.len());
    text
}

/// The body choosing among the functions numbered `range`.
fn dispatch(text: &mut String, range: std::ops::Range<usize>) {
    match range.len() {
        0 => text.push_str("error(\"no such expression\")"),
        1 => text.push_str(&format!("{RESERVED}_{}", range.start)),
        length => {
            let middle = range.start + length / 2;
            text.push_str(&format!("(if {WHICH} < {middle} then "));
            dispatch(text, range.start..middle);
            text.push_str(" else ");
            dispatch(text, middle..range.end);
            text.push_str(" end)");
        }
    }
}

/// The paths the expression at `position` of a compiled program selects in `value`.
pub fn run(filter: &Filter, position: usize, value: &Value) -> Result<Vec<Vec<Value>>, String> {
    run_on(filter, position, to_jq(value)?)
}

/// The same for a value already converted for jq.
pub fn run_on(filter: &Filter, position: usize, input: Val) -> Result<Vec<Vec<Value>>, String> {
    let which = Val::from(position);
    let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([which]));
    let mut outputs = filter.id.run((ctx, input)).map(jaq_core::unwrap_valr);
    let paths = match outputs.next() {
        Some(Ok(paths)) => paths,
        Some(Err(error)) => return Err(error.to_string()),
        None => return Err("the expression produced no value".to_owned()),
    };
    // jaq writes JSON text; reading it back gives the paths in serde_json's terms.
    serde_json::from_str(&paths.to_string()).map_err(|e| format!("jq produced unexpected paths: {e}"))
}

/// The value converted for jq.
pub fn to_jq(value: &Value) -> Result<Val, String> {
    Val::deserialize(value).map_err(|e| format!("cannot convert the object for jq: {e}"))
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

/// The program that lists the paths `expression` selects.
fn wrapped(expression: &str) -> String {
    format!("[path({expression})]")
}

/// jq's standard definitions, parsed once: every rule's program starts from them.
fn standard_defs() -> Vec<jaq_core::load::parse::Def<&'static str>> {
    static DEFS: OnceLock<Vec<jaq_core::load::parse::Def<&'static str>>> = OnceLock::new();
    DEFS.get_or_init(|| jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs()).collect()).clone()
}

/// Compiles jq text (a program made by `program_text`) with jq's standard library.
pub fn compile_program(code: &str) -> Result<Filter, String> {
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
    Compiler::default().with_funs(funs).with_global_vars([WHICH]).compile(modules).map_err(|errors| {
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
