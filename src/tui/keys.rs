//! The key table (DESIGN §4, k9s habits): every key is a row naming the screens it works on,
//! the action it becomes and its help text. Key handling and the `?` help are both read from
//! this one table, so help never lies about what a key does.

use crate::decision::Decision;
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
    /// Sync by server-side apply, bypassing the controller: only the chosen fields when the
    /// runbook is on some fields of the resource.
    BreakGlass,
    Confirm,
    Force,
    WritePrevention,
    /// A digit: the answer to the drill's question.
    Answer,
    /// Search the diff (or the raw YAML).
    Search,
    /// The whole-value panel of the focused line, with its copy choices.
    ShowValue,
    /// Leave kdrift at once, from any screen.
    Exit,
    /// Wrap the diff's long lines, or cut them again.
    ToggleWrap,
}

impl Action {
    /// Keys that write to a cluster or a repository: not bound in read-only mode. Which
    /// decisions write is the decision's own knowledge (`Decision::writes`).
    pub fn writes(self) -> bool {
        match self {
            Action::Decide(decision) => decision.writes(),
            Action::Force | Action::BreakGlass => true,
            _ => false,
        }
    }
}

/// A key as the table binds it: alone (with Shift folded into the character), or with Ctrl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Plain(KeyCode),
    Ctrl(char),
}

pub struct Binding {
    /// How help shows the key.
    pub label: &'static str,
    pub keys: &'static [Key],
    pub screens: &'static [Screen],
    pub action: Action,
    pub help: &'static str,
}

const ALL: &[Screen] = &[Screen::Apps, Screen::Resources, Screen::Diff, Screen::Runbook, Screen::Train];
/// Every screen of the investigation (training has its own source and no commands).
const INVESTIGATION: &[Screen] = &[Screen::Apps, Screen::Resources, Screen::Diff, Screen::Runbook];
const LISTS: &[Screen] = &[Screen::Apps, Screen::Resources];
const DIFF: &[Screen] = &[Screen::Diff];
pub(crate) const RUNBOOK: &[Screen] = &[Screen::Runbook];
const TRAIN: &[Screen] = &[Screen::Train];

pub const BINDINGS: &[Binding] = &[
    Binding {
        label: "j/↓",
        keys: &[Key::Plain(KeyCode::Char('j')), Key::Plain(KeyCode::Down)],
        screens: ALL,
        action: Action::Down,
        help: "move down",
    },
    Binding {
        label: "k/↑",
        keys: &[Key::Plain(KeyCode::Char('k')), Key::Plain(KeyCode::Up)],
        screens: ALL,
        action: Action::Up,
        help: "move up",
    },
    Binding {
        label: "PgDn/^f/^d",
        keys: &[Key::Plain(KeyCode::PageDown), Key::Ctrl('f'), Key::Ctrl('d')],
        screens: ALL,
        action: Action::PageDown,
        help: "page down",
    },
    Binding {
        label: "PgUp/^b/^u",
        keys: &[Key::Plain(KeyCode::PageUp), Key::Ctrl('b'), Key::Ctrl('u')],
        screens: ALL,
        action: Action::PageUp,
        help: "page up",
    },
    Binding {
        label: "g/Home",
        keys: &[Key::Plain(KeyCode::Char('g')), Key::Plain(KeyCode::Home)],
        screens: ALL,
        action: Action::Top,
        help: "first line",
    },
    Binding {
        label: "G/End",
        keys: &[Key::Plain(KeyCode::Char('G')), Key::Plain(KeyCode::End)],
        screens: ALL,
        action: Action::Bottom,
        help: "last line",
    },
    Binding { label: "Enter", keys: &[Key::Plain(KeyCode::Enter)], screens: LISTS, action: Action::Open, help: "open" },
    Binding {
        label: "Enter",
        keys: &[Key::Plain(KeyCode::Enter)],
        screens: TRAIN,
        action: Action::Open,
        help: "start the scenario; answer the highlighted choice; begin after the briefing",
    },
    Binding {
        label: "space/Tab",
        keys: &[Key::Plain(KeyCode::Char(' ')), Key::Plain(KeyCode::Tab)],
        screens: TRAIN,
        action: Action::NextStep,
        help: "continue once the answer is shown (Enter does not, so it never skips an explanation)",
    },
    Binding {
        label: "1-9",
        keys: &[
            Key::Plain(KeyCode::Char('1')),
            Key::Plain(KeyCode::Char('2')),
            Key::Plain(KeyCode::Char('3')),
            Key::Plain(KeyCode::Char('4')),
            Key::Plain(KeyCode::Char('5')),
            Key::Plain(KeyCode::Char('6')),
            Key::Plain(KeyCode::Char('7')),
            Key::Plain(KeyCode::Char('8')),
            Key::Plain(KeyCode::Char('9')),
        ],
        screens: TRAIN,
        action: Action::Answer,
        help: "answer with that choice",
    },
    Binding {
        label: "d",
        keys: &[Key::Plain(KeyCode::Char('d'))],
        screens: &[Screen::Resources],
        action: Action::Open,
        help: "diff of the selected resource",
    },
    Binding {
        label: "Enter",
        keys: &[Key::Plain(KeyCode::Enter)],
        screens: DIFF,
        action: Action::ToggleFold,
        help: "expand or fold unchanged lines",
    },
    Binding { label: "Esc", keys: &[Key::Plain(KeyCode::Esc)], screens: ALL, action: Action::Back, help: "back" },
    Binding {
        label: "q",
        keys: &[Key::Plain(KeyCode::Char('q'))],
        screens: ALL,
        action: Action::Quit,
        help: "back; quit from the apps screen and the scenario picker",
    },
    Binding {
        label: "/",
        keys: &[Key::Plain(KeyCode::Char('/'))],
        screens: LISTS,
        action: Action::Filter,
        help: "filter",
    },
    Binding {
        label: "s",
        keys: &[Key::Plain(KeyCode::Char('s'))],
        screens: &[Screen::Apps],
        action: Action::Sort,
        help: "sort by: urgency, name, oldest drift, owner",
    },
    Binding {
        label: ":",
        keys: &[Key::Plain(KeyCode::Char(':'))],
        screens: INVESTIGATION,
        action: Action::Command,
        help: "command (listed below)",
    },
    Binding {
        label: "?",
        keys: &[Key::Plain(KeyCode::Char('?'))],
        screens: ALL,
        action: Action::Help,
        help: "this help",
    },
    Binding {
        label: "^r",
        keys: &[Key::Ctrl('r')],
        screens: INVESTIGATION,
        action: Action::Refresh,
        help: "reload from the source (a sample keeps its simulated decisions)",
    },
    Binding {
        label: "^c",
        keys: &[Key::Ctrl('c')],
        screens: ALL,
        action: Action::Exit,
        help: "quit kdrift, from any screen (while typing, it cancels the typing first)",
    },
    Binding {
        label: "n",
        keys: &[Key::Plain(KeyCode::Char('n'))],
        screens: DIFF,
        action: Action::NextFinding,
        help: "next finding; with a search, the next match",
    },
    Binding {
        label: "N",
        keys: &[Key::Plain(KeyCode::Char('N'))],
        screens: DIFF,
        action: Action::PreviousFinding,
        help: "previous finding; with a search, the previous match",
    },
    Binding {
        label: "/",
        keys: &[Key::Plain(KeyCode::Char('/'))],
        screens: DIFF,
        action: Action::Search,
        help: "search both sides (the raw YAML in the raw view); Esc clears it",
    },
    Binding {
        label: "v/c",
        keys: &[Key::Plain(KeyCode::Char('v')), Key::Plain(KeyCode::Char('c'))],
        screens: DIFF,
        action: Action::ShowValue,
        help: "the whole value: Git and live, who set it, its path; 1-5 copy it (OSC 52)",
    },
    Binding {
        label: "h/←",
        keys: &[Key::Plain(KeyCode::Char('h')), Key::Plain(KeyCode::Left)],
        screens: DIFF,
        action: Action::ScrollLeft,
        help: "scroll left",
    },
    Binding {
        label: "l/→",
        keys: &[Key::Plain(KeyCode::Char('l')), Key::Plain(KeyCode::Right)],
        screens: DIFF,
        action: Action::ScrollRight,
        help: "scroll right",
    },
    Binding {
        label: "w",
        keys: &[Key::Plain(KeyCode::Char('w'))],
        screens: DIFF,
        action: Action::ToggleWrap,
        help: "wrap long lines instead of cutting them (w again cuts)",
    },
    Binding {
        label: "z",
        keys: &[Key::Plain(KeyCode::Char('z'))],
        screens: DIFF,
        action: Action::ToggleFold,
        help: "expand or fold unchanged lines",
    },
    Binding {
        label: "f",
        keys: &[Key::Plain(KeyCode::Char('f'))],
        screens: DIFF,
        action: Action::ToggleFull,
        help: "every live field (server defaults, controller fields)",
    },
    Binding {
        label: "y",
        keys: &[Key::Plain(KeyCode::Char('y'))],
        screens: DIFF,
        action: Action::ToggleRaw,
        help: "raw live YAML (status, managedFields; secrets masked)",
    },
    Binding {
        label: "r",
        keys: &[Key::Plain(KeyCode::Char('r'))],
        screens: &[Screen::Resources, Screen::Diff],
        action: Action::OpenRunbook,
        help: "runbook for the selected finding",
    },
];

/// Every row of the table: the screens' own, then the runbook's decisions and steps.
pub fn bindings() -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().chain(crate::tui::keys_runbook::RUNBOOK_BINDINGS)
}

/// The action `key` means on `screen`, if any.
pub fn action_for(screen: Screen, key: KeyEvent) -> Option<Action> {
    let pressed = match (key.modifiers.contains(KeyModifiers::CONTROL), key.code) {
        (true, KeyCode::Char(c)) => Key::Ctrl(c.to_ascii_lowercase()),
        (true, _) => return None,
        (false, code) => Key::Plain(code),
    };
    bindings()
        .find(|binding| binding.screens.contains(&screen) && binding.keys.contains(&pressed))
        .map(|binding| binding.action)
}

/// Help lines for `screen`: `(key label, what it does)`; write keys are left out when the
/// session is read-only, as they are not bound then.
pub fn help_for(screen: Screen, read_only: bool) -> Vec<(&'static str, &'static str)> {
    bindings()
        .filter(|b| b.screens.contains(&screen) && !(read_only && b.action.writes()))
        .map(|b| (b.label, b.help))
        .collect()
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
