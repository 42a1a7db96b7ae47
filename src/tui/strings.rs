//! Every notice the TUI answers a key with, and the footer's key hints, in one place (gitui's
//! `strings.rs`): the words can be read, reviewed and kept consistent together; the modules
//! that decide *when* to say something name *what* by a function here.

use std::fmt::Display;

/// The diff screen while a worker aligns a large resource.
pub(crate) fn aligning(resource: impl Display) -> String {
    format!("aligning {resource}… (a large object: y shows the live YAML once it is read, Esc goes back)")
}

// Footer hints, per screen.
pub(crate) const HINTS_APPS: &str = "Enter open  / filter  s sort  : command  ? help  q quit";
pub(crate) const HINTS_RESOURCES: &str = "Enter diff  r runbook  / filter  : command  ? help  Esc back";
pub(crate) const HINTS_PICKER: &str = "Enter start  j/k choose  ? help  q quit";
pub(crate) const HINTS_DRILL: &str =
    "1-9 answer  j/k choose  Enter answer  space continue  PgUp/PgDn scroll  ? help  q leave";
pub(crate) const HINTS_DRILL_RUNBOOK: &str =
    "Tab next step  space tick  s sync  b backport  i ignore  p prune  e escalate  L leave  q leave the drill";
pub(crate) const HINTS_RUNBOOK_READ_ONLY: &str = "i ignore (print)  e escalate  L leave  Tab next  ? help  Esc back";
pub(crate) const HINTS_RUNBOOK: &str =
    "s sync  b backport  i ignore  p prune  e escalate  B break-glass  L leave  ? help  Esc back";
/// Steps 1–3: what moves the walk on (the decision keys come at step 4).
pub(crate) const HINTS_RUNBOOK_CHECKS: &str = "space tick  Tab next step  S-Tab back  :skip REASON  ? help  Esc back";
pub(crate) const HINTS_PREVIEW: &str = "c confirm  Esc cancel  j/k scroll  F force (on conflicts)  ? help";

// The runbook.
pub(crate) const APP_LEVEL_NO_RUNBOOK: &str =
    "an app-level finding: fix the controller first (the runbook works on a resource)";
pub(crate) const APP_LEVEL_NO_DIFF: &str = "an app-level finding has no diff: it concerns the app as a whole";
pub(crate) const CHOOSE_FIRST: &str = "choose an answer first: its number, or j/k then Enter";
pub(crate) const SPACE_CONTINUES: &str = "answered: space (or Tab) continues to the next question";
pub(crate) const MOUSE_ON: &str = "mouse on: click selects (again: opens), wheel scrolls; :mouse to select text";
pub(crate) const MOUSE_OFF: &str = "mouse off: the terminal selects text again";
pub(crate) const NO_VALUE_HERE: &str = "a folded run has no value of its own: Enter opens it";
pub(crate) const FORCING: &str = "forcing: c takes the conflicting fields from their managers";
pub(crate) const CONFLICTS: &str = "field conflicts: F to force (a second confirmation), or Esc";
pub(crate) const LAST_STEP: &str = "this is the last step";
pub(crate) const RUNBOOK_COMPLETE: &str = "runbook complete: recorded in the audit log";
pub(crate) const WAITING_PREVENTION: &str = "writing the prevention controls…";
pub(crate) const WAITING_CLOSE: &str = "recording the closed runbook…";
pub(crate) const NOT_DONE_FOOTER: &str = " Nothing else was written. Esc: back to the checklist.";
pub(crate) const TRAINING_SUGGESTION_HIDDEN: &str =
    " Training: kdrift's suggestion stays hidden — your decision is scored and simulated";
pub(crate) const LEAVE_READ_ONLY: &str = " L leave as is  (read-only: sync, backport and prune are not available)";
pub(crate) const LEAVE_RECORDED: &str = " L leave as is (recorded)";
pub(crate) const CHOOSE_ANOTHER: &str = " Esc: choose another response";

// The preview's confirm line (pinned to its last row).
pub(crate) const CONFIRM: &str = " c confirm · Esc cancel · j/k scroll";
pub(crate) const CONFIRM_CONFLICTS: &str = " F force over the conflicts (second confirmation) · Esc cancel";
pub(crate) const CONFIRM_FORCING: &str = " FORCING: c takes the conflicting fields · Esc cancel";

pub(crate) fn confirm_by_name(name: &str, typed: &str) -> String {
    format!(" Production context: type '{name}' and Enter to confirm · Esc cancel: {typed}▏")
}

// The header.
pub(crate) const SOURCE_TRAINING: &str = "training (scenarios embedded)";
pub(crate) const TRAINING_WRITES_NOTHING: &str = "nothing is written";
pub(crate) const LOADING: &str = "loading…";
pub(crate) const NOT_LOADED: &str = "not loaded";

pub(crate) fn in_sync(resource: impl Display) -> String {
    format!("{resource} is in sync: nothing to decide")
}

pub(crate) fn refused(why: &str) -> String {
    format!("refused: {why} — choose another response")
}

pub(crate) fn type_name(name: &str) -> String {
    format!("type '{name}' and press Enter to confirm")
}

pub(crate) fn preparing(what: &str) -> String {
    format!("preparing the {what} preview…")
}

pub(crate) fn executing(decision: &str) -> String {
    format!("{decision}: executing and verifying…")
}

pub(crate) fn wrote(files: &[String]) -> String {
    format!("wrote {} file(s): {}", files.len(), files.join(", "))
}

pub(crate) fn earlier_decision(result: &str) -> String {
    format!("earlier decision finished: {result}")
}

/// The reason recorded with a decision: the responder's note and a skip's reason.
pub(crate) fn reason(note: Option<&str>, skipped: Option<&str>) -> Option<String> {
    match (note, skipped) {
        (Some(note), Some(skip)) => Some(format!("{note}; runbook steps 1–3 skipped: {skip}")),
        (Some(note), None) => Some(note.to_owned()),
        (None, Some(skip)) => Some(format!("runbook steps 1–3 skipped: {skip}")),
        (None, None) => None,
    }
}

// Commands.
pub(crate) const USAGE_SKIP: &str = "usage: :skip REASON — why steps 1–3 are skipped (it is recorded)";
pub(crate) const SKIP_OUTSIDE_RUNBOOK: &str = ":skip works in a runbook (r on a finding)";
pub(crate) const SKIP_IN_DRILL: &str = "training: a drill walks every step — nothing to skip";
pub(crate) const SKIP_TOO_LATE: &str = "steps 1–3 are behind you already: nothing to skip";
pub(crate) const INCIDENT_CLEARED: &str = "incident id cleared";
pub(crate) const NOTE_KEPT: &str =
    "note kept: recorded with your next decisions (the audit log's reason, escalation records)";
pub(crate) const NOTE_CLEARED: &str = "note cleared";

pub(crate) fn unknown_command(text: &str, known: &[&str]) -> String {
    format!("unknown command ':{text}' (try :{})", known.join(" :"))
}

pub(crate) fn theme_usage(names: &[&str]) -> String {
    format!("usage: :theme NAME ({})", names.join(", "))
}

pub(crate) fn theme_kept(current: &str, error: impl Display) -> String {
    format!("kept theme {current}: {error}")
}

pub(crate) fn no_contexts(source: &str) -> String {
    format!(
        "{source} has no kubeconfig contexts or namespaces to switch to: run `kdrift` (or `kdrift --context NAME`) on a cluster"
    )
}

pub(crate) fn incident_set(id: &str) -> String {
    format!("incident {id}: quoted in the commits, records and audit lines of your decisions")
}

pub(crate) fn skipped(reason: &str) -> String {
    format!("steps 1–3 skipped ({reason}): the reason is recorded with the decision")
}

// Training.
pub(crate) const LEAVE_DRILL_AGAIN: &str = "q or Esc again leaves the drill (its answers so far are dropped)";
pub(crate) const DRILL_WRITES_NOTHING: &str = "training: nothing is written — take a decision at step 4";
pub(crate) const DRILL_FINISH_WALK: &str =
    "finish the walk with a decision at step 4 (s b i p e L); q leaves the drill";

pub(crate) fn walk_first(blocker: Option<String>) -> String {
    format!(
        "walk the runbook first: {} — Tab moves on, space ticks what you checked",
        blocker.unwrap_or_else(|| "reach step 4".to_owned())
    )
}

pub(crate) fn no_such_sample(name: &str) -> String {
    let names = crate::sources::samples::names().join(", ");
    format!("no sample named '{}' (embedded: {names})", crate::sanitize::clean_line(name))
}

/// Ctrl-C while a decision is being written and verified.
/// Enter on an overview row whose series name no cluster.
pub(crate) fn overview_row_without_cluster(app: &str) -> String {
    format!(
        "{app}: its series carry no `cluster` label, so kdrift cannot tell which context it is in: open it with :ctx NAME"
    )
}

pub(crate) const QUIT_WHILE_WRITING: &str = "a decision is being written and verified (a sync may wait for its controller): Ctrl-C again quits now, and its outcome will be missing from the audit log";
