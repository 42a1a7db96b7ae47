//! The runbook's rows of the key table (`keys`): stepping through the walk, ticking items,
//! the five decisions, break-glass, confirming and forcing, and the prevention controls.

use crate::decision::Decision;
use crate::model::Response;
use crate::tui::keys::{Action, Binding, Key, RUNBOOK};
use crossterm::event::KeyCode;

pub const RUNBOOK_BINDINGS: &[Binding] = &[
    Binding {
        label: "Tab/Enter",
        keys: &[Key::Plain(KeyCode::Tab), Key::Plain(KeyCode::Enter)],
        screens: RUNBOOK,
        action: Action::NextStep,
        help: "next step once this one is settled (step 4: a decision taken); at step 5, close the walk",
    },
    Binding {
        label: "S-Tab",
        keys: &[Key::Plain(KeyCode::BackTab)],
        screens: RUNBOOK,
        action: Action::PreviousStep,
        help: "previous step",
    },
    Binding {
        label: "space",
        keys: &[Key::Plain(KeyCode::Char(' '))],
        screens: RUNBOOK,
        action: Action::Tick,
        help: "tick the selected item; acknowledge a ! warning",
    },
    Binding {
        label: "s",
        keys: &[Key::Plain(KeyCode::Char('s'))],
        screens: RUNBOOK,
        action: Action::Decide(Decision::Act(Response::Sync)),
        help: "sync: make live match Git (preview: server dry run)",
    },
    Binding {
        label: "b",
        keys: &[Key::Plain(KeyCode::Char('b'))],
        screens: RUNBOOK,
        action: Action::Decide(Decision::Act(Response::Backport)),
        help: "backport: commit the live value to a new Git branch",
    },
    Binding {
        label: "i",
        keys: &[Key::Plain(KeyCode::Char('i'))],
        screens: RUNBOOK,
        action: Action::Decide(Decision::Act(Response::Ignore)),
        help: "ignore: the narrowest rule, and what it would hide",
    },
    Binding {
        label: "p",
        keys: &[Key::Plain(KeyCode::Char('p'))],
        screens: RUNBOOK,
        action: Action::Decide(Decision::Act(Response::Prune)),
        help: "prune: delete the orphan (dry-run delete and what points at it first)",
    },
    Binding {
        label: "e",
        keys: &[Key::Plain(KeyCode::Char('e'))],
        screens: RUNBOOK,
        action: Action::Decide(Decision::Act(Response::Escalate)),
        help: "escalate: a remediation record for the owner team",
    },
    Binding {
        label: "B",
        keys: &[Key::Plain(KeyCode::Char('B'))],
        screens: RUNBOOK,
        action: Action::BreakGlass,
        help: "break-glass sync: server-side apply of only the chosen fields (no controller; preview first)",
    },
    Binding {
        label: "L",
        keys: &[Key::Plain(KeyCode::Char('L'))],
        screens: RUNBOOK,
        action: Action::Decide(Decision::LeaveAsIs),
        help: "leave as is (recorded in the audit log)",
    },
    Binding {
        label: "c",
        keys: &[Key::Plain(KeyCode::Char('c'))],
        screens: RUNBOOK,
        action: Action::Confirm,
        help: "confirm the previewed action (a key no screen uses for viewing)",
    },
    Binding {
        label: "F",
        keys: &[Key::Plain(KeyCode::Char('F'))],
        screens: RUNBOOK,
        action: Action::Force,
        help: "force a sync over field conflicts (second confirmation)",
    },
    Binding {
        label: "w",
        keys: &[Key::Plain(KeyCode::Char('w'))],
        screens: RUNBOOK,
        action: Action::WritePrevention,
        help: "write the prevention controls (RBAC Role, alert rule, break-glass note)",
    },
];
