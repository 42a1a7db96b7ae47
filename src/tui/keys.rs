//! The key table (DESIGN §4, k9s habits): every key is a row naming the screens it works on,
//! the action it becomes and its help text. Key handling and the `?` help are both read from
//! this one table, so help never lies about what a key does.

use crate::decision::Decision;
use crate::model::Response;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Apps,
    Resources,
    Diff,
    Runbook,
    /// Training: the scenario picker and the drill's questions, feedback and debrief.
    Train,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Quit,
    Filter,
    Command,
    Help,
    Sort,
    Refresh,
    NextFinding,
    PreviousFinding,
    ScrollLeft,
    ScrollRight,
    ToggleFold,
    ToggleRaw,
    ToggleFull,
    OpenRunbook,
    NextStep,
    PreviousStep,
    Tick,
    Decide(Decision),
    Confirm,
    Force,
    WritePrevention,
    /// A digit: the answer to the drill's question.
    Answer,
}

impl Action {
    /// Decisions that write to a cluster or a repository: not bound in read-only mode.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::Decide(
                Decision::Act(Response::Sync) | Decision::Act(Response::Backport) | Decision::Act(Response::Prune)
            ) | Action::Force
        )
    }
}

pub struct Binding {
    /// How help shows the key.
    pub label: &'static str,
    pub keys: &'static [KeyCode],
    pub screens: &'static [Screen],
    pub action: Action,
    pub help: &'static str,
}

const ALL: &[Screen] = &[Screen::Apps, Screen::Resources, Screen::Diff, Screen::Runbook, Screen::Train];
/// Every screen of the investigation (training has its own source and no commands).
const INVESTIGATION: &[Screen] = &[Screen::Apps, Screen::Resources, Screen::Diff, Screen::Runbook];
const LISTS: &[Screen] = &[Screen::Apps, Screen::Resources];
const DIFF: &[Screen] = &[Screen::Diff];
const RUNBOOK: &[Screen] = &[Screen::Runbook];
const TRAIN: &[Screen] = &[Screen::Train];

pub const BINDINGS: &[Binding] = &[
    Binding {
        label: "j/↓",
        keys: &[KeyCode::Char('j'), KeyCode::Down],
        screens: ALL,
        action: Action::Down,
        help: "move down",
    },
    Binding {
        label: "k/↑",
        keys: &[KeyCode::Char('k'), KeyCode::Up],
        screens: ALL,
        action: Action::Up,
        help: "move up",
    },
    Binding { label: "PgDn/^f", keys: &[KeyCode::PageDown], screens: ALL, action: Action::PageDown, help: "page down" },
    Binding { label: "PgUp/^b", keys: &[KeyCode::PageUp], screens: ALL, action: Action::PageUp, help: "page up" },
    Binding {
        label: "g/Home",
        keys: &[KeyCode::Char('g'), KeyCode::Home],
        screens: ALL,
        action: Action::Top,
        help: "first line",
    },
    Binding {
        label: "G/End",
        keys: &[KeyCode::Char('G'), KeyCode::End],
        screens: ALL,
        action: Action::Bottom,
        help: "last line",
    },
    Binding { label: "Enter", keys: &[KeyCode::Enter], screens: LISTS, action: Action::Open, help: "open" },
    Binding {
        label: "Enter",
        keys: &[KeyCode::Enter],
        screens: TRAIN,
        action: Action::Open,
        help: "start the scenario; answer the highlighted choice; continue",
    },
    Binding {
        label: "1-9",
        keys: &[
            KeyCode::Char('1'),
            KeyCode::Char('2'),
            KeyCode::Char('3'),
            KeyCode::Char('4'),
            KeyCode::Char('5'),
            KeyCode::Char('6'),
            KeyCode::Char('7'),
            KeyCode::Char('8'),
            KeyCode::Char('9'),
        ],
        screens: TRAIN,
        action: Action::Answer,
        help: "answer with that choice",
    },
    Binding {
        label: "d",
        keys: &[KeyCode::Char('d')],
        screens: &[Screen::Resources],
        action: Action::Open,
        help: "diff of the selected resource",
    },
    Binding {
        label: "Enter",
        keys: &[KeyCode::Enter],
        screens: DIFF,
        action: Action::ToggleFold,
        help: "expand or fold unchanged lines",
    },
    Binding { label: "Esc", keys: &[KeyCode::Esc], screens: ALL, action: Action::Back, help: "back" },
    Binding {
        label: "q",
        keys: &[KeyCode::Char('q')],
        screens: ALL,
        action: Action::Quit,
        help: "back; quit from the apps screen and the scenario picker",
    },
    Binding { label: "/", keys: &[KeyCode::Char('/')], screens: LISTS, action: Action::Filter, help: "filter" },
    Binding {
        label: "s",
        keys: &[KeyCode::Char('s')],
        screens: &[Screen::Apps],
        action: Action::Sort,
        help: "sort by: urgency, name, oldest drift, owner",
    },
    Binding {
        label: ":",
        keys: &[KeyCode::Char(':')],
        screens: INVESTIGATION,
        action: Action::Command,
        help: "command (:apps :theme NAME :context NAME :ns NAME :refresh :quit)",
    },
    Binding { label: "?", keys: &[KeyCode::Char('?')], screens: ALL, action: Action::Help, help: "this help" },
    Binding { label: "^r", keys: &[], screens: INVESTIGATION, action: Action::Refresh, help: "reload from the source" },
    Binding {
        label: "n",
        keys: &[KeyCode::Char('n')],
        screens: DIFF,
        action: Action::NextFinding,
        help: "next finding",
    },
    Binding {
        label: "N",
        keys: &[KeyCode::Char('N')],
        screens: DIFF,
        action: Action::PreviousFinding,
        help: "previous finding",
    },
    Binding {
        label: "h/←",
        keys: &[KeyCode::Char('h'), KeyCode::Left],
        screens: DIFF,
        action: Action::ScrollLeft,
        help: "scroll left",
    },
    Binding {
        label: "l/→",
        keys: &[KeyCode::Char('l'), KeyCode::Right],
        screens: DIFF,
        action: Action::ScrollRight,
        help: "scroll right",
    },
    Binding {
        label: "z",
        keys: &[KeyCode::Char('z')],
        screens: DIFF,
        action: Action::ToggleFold,
        help: "expand or fold unchanged lines",
    },
    Binding {
        label: "f",
        keys: &[KeyCode::Char('f')],
        screens: DIFF,
        action: Action::ToggleFull,
        help: "every live field (server defaults, controller fields)",
    },
    Binding {
        label: "y",
        keys: &[KeyCode::Char('y')],
        screens: DIFF,
        action: Action::ToggleRaw,
        help: "raw live YAML (status, managedFields; secrets masked)",
    },
    Binding {
        label: "r",
        keys: &[KeyCode::Char('r')],
        screens: &[Screen::Resources, Screen::Diff],
        action: Action::OpenRunbook,
        help: "runbook for the selected finding",
    },
    Binding {
        label: "Tab/Enter",
        keys: &[KeyCode::Tab, KeyCode::Enter],
        screens: RUNBOOK,
        action: Action::NextStep,
        help: "next step (once every item is ticked or acknowledged and, at step 4, a decision taken); at step 5, close the walk",
    },
    Binding {
        label: "S-Tab",
        keys: &[KeyCode::BackTab],
        screens: RUNBOOK,
        action: Action::PreviousStep,
        help: "previous step",
    },
    Binding {
        label: "space",
        keys: &[KeyCode::Char(' ')],
        screens: RUNBOOK,
        action: Action::Tick,
        help: "tick the selected item; acknowledge a ! warning",
    },
    Binding {
        label: "s",
        keys: &[KeyCode::Char('s')],
        screens: RUNBOOK,
        action: Action::Decide(Decision::Act(Response::Sync)),
        help: "sync: make live match Git (preview: server dry run)",
    },
    Binding {
        label: "b",
        keys: &[KeyCode::Char('b')],
        screens: RUNBOOK,
        action: Action::Decide(Decision::Act(Response::Backport)),
        help: "backport: commit the live value to a new Git branch",
    },
    Binding {
        label: "i",
        keys: &[KeyCode::Char('i')],
        screens: RUNBOOK,
        action: Action::Decide(Decision::Act(Response::Ignore)),
        help: "ignore: the narrowest rule, and what it would hide",
    },
    Binding {
        label: "p",
        keys: &[KeyCode::Char('p')],
        screens: RUNBOOK,
        action: Action::Decide(Decision::Act(Response::Prune)),
        help: "prune: delete the orphan (dry-run delete and what points at it first)",
    },
    Binding {
        label: "e",
        keys: &[KeyCode::Char('e')],
        screens: RUNBOOK,
        action: Action::Decide(Decision::Act(Response::Escalate)),
        help: "escalate: a remediation record for the owner team",
    },
    Binding {
        label: "L",
        keys: &[KeyCode::Char('L')],
        screens: RUNBOOK,
        action: Action::Decide(Decision::LeaveAsIs),
        help: "leave as is (recorded in the audit log)",
    },
    Binding {
        label: "c",
        keys: &[KeyCode::Char('c')],
        screens: RUNBOOK,
        action: Action::Confirm,
        help: "confirm the previewed action (a key no screen uses for viewing)",
    },
    Binding {
        label: "F",
        keys: &[KeyCode::Char('F')],
        screens: RUNBOOK,
        action: Action::Force,
        help: "force a sync over field conflicts (second confirmation)",
    },
    Binding {
        label: "w",
        keys: &[KeyCode::Char('w')],
        screens: RUNBOOK,
        action: Action::WritePrevention,
        help: "write the prevention controls (RBAC Role, alert rule, break-glass note)",
    },
];

/// The action `key` means on `screen`, if any.
pub fn action_for(screen: Screen, key: KeyEvent) -> Option<Action> {
    let control = key.modifiers.contains(KeyModifiers::CONTROL);
    match (control, key.code) {
        (true, KeyCode::Char('c')) => return Some(Action::Quit),
        (true, KeyCode::Char('r')) => return Some(Action::Refresh),
        (true, KeyCode::Char('f') | KeyCode::Char('d')) => return Some(Action::PageDown),
        (true, KeyCode::Char('b') | KeyCode::Char('u')) => return Some(Action::PageUp),
        (true, _) => return None,
        _ => {}
    }
    BINDINGS
        .iter()
        .find(|binding| binding.screens.contains(&screen) && binding.keys.contains(&key.code))
        .map(|binding| binding.action)
}

/// Help lines for `screen`: `(key label, what it does)`; write keys are left out when the
/// session is read-only, as they are not bound then.
pub fn help_for(screen: Screen, read_only: bool) -> Vec<(&'static str, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| b.screens.contains(&screen) && !(read_only && b.action.writes()))
        .map(|b| (b.label, b.help))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn a_key_means_one_thing_per_screen() {
        for screen in [Screen::Apps, Screen::Resources, Screen::Diff, Screen::Runbook, Screen::Train] {
            let mut seen: Vec<KeyCode> = Vec::new();
            for binding in BINDINGS.iter().filter(|b| b.screens.contains(&screen)) {
                for code in binding.keys {
                    assert!(!seen.contains(code), "{code:?} bound twice on {screen:?}");
                    seen.push(*code);
                }
            }
        }
    }

    #[test]
    fn help_lists_what_the_keys_do_on_each_screen() {
        assert_eq!(action_for(Screen::Diff, key(KeyCode::Char('n'))), Some(Action::NextFinding));
        assert_eq!(action_for(Screen::Apps, key(KeyCode::Char('n'))), None);
        assert!(help_for(Screen::Diff, false).contains(&("n", "next finding")));
        assert!(!help_for(Screen::Apps, false).iter().any(|(label, _)| *label == "n"));
        assert!(help_for(Screen::Runbook, false).iter().any(|(label, _)| *label == "s"));
        assert!(!help_for(Screen::Runbook, true).iter().any(|(label, _)| ["s", "b", "p", "F"].contains(label)));
        assert!(help_for(Screen::Runbook, true).iter().any(|(label, _)| *label == "e"));
        assert_eq!(action_for(Screen::Train, key(KeyCode::Char('7'))), Some(Action::Answer));
        assert!(help_for(Screen::Train, false).iter().any(|(label, _)| *label == "1-9"));
        assert!(!help_for(Screen::Train, false).iter().any(|(label, _)| [":", "^r", "s", "r"].contains(label)));
    }
}
