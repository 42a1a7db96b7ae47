//! jq programs for ignore rules: many expressions compiled into one program (a compiled
//! program carries all of jq's standard library, so compiling each expression alone made
//! thousands of rules cost thousands of libraries), each expression a function listing the
//! paths it selects, one picked per run by the `WHICH` variable.
//!
//! Expressions are bounded before jaq sees them (`jq_text`) and compiled on a thread whose
//! stack holds the deepest expression allowed, whatever thread loads the rules.

use super::jq_text::RESERVED;
use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data};
use jaq_json::Val;
use serde::Deserialize as _;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

pub type Filter = jaq_core::Filter<data::JustLut<Val>>;

/// Expressions compiled into one program.
pub const PER_PROGRAM: usize = 128;
/// The variable that picks which expression of a program runs.
const WHICH: &str = "$__kdrift_which";
/// The stack expressions are compiled and run on: room for `jq_text::MAX_TOKENS` levels in
/// any build.
pub const COMPILE_STACK: usize = 64 * 1024 * 1024;

/// Expressions compiled together.
pub struct Program {
    /// What an evaluator keeps the compiled program under: one id per distinct list of
    /// expressions in this process.
    pub id: u64,
    /// The expressions, in the order `WHICH` numbers them.
    pub expressions: Vec<String>,
    /// How long compiling it took when the rules were loaded (at most): a worker compiling
    /// it again on the same machine is given a multiple of that, never an expression's
    /// budget.
    pub compiled_in: Duration,
    /// Compiled on first use in this process; with an installed evaluator, never: a compiled
    /// program holds all of jq's standard library, and there may be hundreds.
    filter: OnceLock<Filter>,
}

impl Program {
    /// A program of `expressions` (already checked to compile, in `compiled_in`), compiled
    /// now when `filter` is given.
    pub fn new(expressions: Vec<String>, filter: Option<Filter>, compiled_in: Duration) -> Program {
        let kept = OnceLock::new();
        if let Some(filter) = filter {
            let _ = kept.set(filter);
        }
        Program { id: id_of(&expressions), expressions, compiled_in, filter: kept }
    }

    /// The compiled program, compiled here on first use.
    pub fn filter(&self) -> Result<&Filter, String> {
        if let Some(filter) = self.filter.get() {
            return Ok(filter);
        }
        let compiled = compile_program(&program_text(&self.expressions))?;
        Ok(self.filter.get_or_init(|| compiled))
    }
}

/// The id of a program of `expressions`: the same for the same texts whenever the rules are
/// read again (each app, each refresh), so a worker keeps it compiled and what was learnt
/// about its expressions still holds. Keyed by the whole texts, never a hash of them: two
/// programs sharing an id would run one in place of the other.
fn id_of(expressions: &[String]) -> u64 {
    static IDS: OnceLock<Mutex<HashMap<Vec<String>, u64>>> = OnceLock::new();
    let mut ids = IDS.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(id) = ids.get(expressions) {
        return *id;
    }
    let next = u64::try_from(ids.len()).unwrap_or(u64::MAX);
    ids.insert(expressions.to_vec(), next);
    next
}

/// Compiles `expressions` in programs of `PER_PROGRAM`, each expression first parsed alone
/// so text such as `.a) | (.b` cannot escape the function it is put in. `keep` keeps the
/// compiled programs. The first expression that fails is returned with its index.
pub fn compile_all(expressions: Vec<String>, keep: bool) -> Result<Vec<std::sync::Arc<Program>>, (usize, String)> {
    let compile = move || {
        if let Some(index) = expressions.iter().position(|e| jaq_core::load::parse(e, |parser| parser.term()).is_none())
        {
            let error = expressions.get(index).and_then(|bare| compile_program(bare).err());
            return Err((index, error.unwrap_or_else(|| "invalid jq: not one complete expression".to_owned())));
        }
        let mut programs = Vec::with_capacity(expressions.len().div_ceil(PER_PROGRAM));
        for (chunk_index, chunk) in expressions.chunks(PER_PROGRAM).enumerate() {
            let started = Instant::now();
            let compiled = match compile_program(&program_text(chunk)) {
                Ok(filter) => filter,
                // Which one: each alone, in order (only a broken rule pays for this).
                Err(together) => {
                    let alone = chunk.iter().enumerate().find_map(|(offset, expression)| {
                        compile_program(&program_text(std::slice::from_ref(expression))).err().map(|e| (offset, e))
                    });
                    let (offset, error) = alone.unwrap_or((0, together));
                    return Err((chunk_index * PER_PROGRAM + offset, error));
                }
            };
            let program = Program::new(chunk.to_vec(), keep.then_some(compiled), started.elapsed());
            programs.push(std::sync::Arc::new(program));
        }
        Ok(programs)
    };
    let compiled = std::thread::Builder::new().stack_size(COMPILE_STACK).spawn(compile);
    match compiled.map(std::thread::JoinHandle::join) {
        Ok(Ok(result)) => result,
        _ => Err((0, "the jq compiler could not be started (it needs a thread with a 64 MiB stack)".to_owned())),
    }
}

/// The text of the program for `expressions`: each a function listing the paths it selects,
/// and a body that runs the one `WHICH` names, found by halving (a few comparisons, where a
/// chain of `elif` would make the last expression pay for all the others).
pub fn program_text(expressions: &[String]) -> String {
    let mut text = String::new();
    for (position, expression) in expressions.iter().enumerate() {
        // Two newlines end a `#` comment the expression may close with, even one whose line
        // ends in a backslash (which carries a comment on to the next line).
        text.push_str(&format!("def {RESERVED}_{position}: [path({expression}\n\n)];\n"));
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
        // The first few say where it goes wrong; a broken text can make thousands.
        let mut message = String::from("invalid jq");
        for (_, error) in errors.iter().take(3) {
            message.push_str(&format!(": {}", describe_load_error(error)));
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
        Error::Io(list) => list.iter().take(3).map(|(path, e)| format!("{path}: {e}")).collect::<Vec<_>>().join(", "),
        Error::Lex(list) => list
            .iter()
            .take(3)
            .map(|(expected, found)| format!("expected {} near '{}'", expected.as_str(), excerpt(found)))
            .collect::<Vec<_>>()
            .join(", "),
        Error::Parse(list) => list
            .iter()
            .take(3)
            .map(|(expected, found)| format!("expected {} near '{}'", expected.as_str(), excerpt(found)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The start of the unparsed text, enough to locate the problem.
fn excerpt(rest: &str) -> String {
    let cut: String = rest.chars().take(20).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if cut.is_empty() { "end of expression".to_owned() } else { cut }
}
