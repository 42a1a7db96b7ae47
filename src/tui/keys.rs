//! The key table (DESIGN §4, k9s habits): every key is a row naming the screens it works on,
//! the action it becomes and its help text. Key handling and the `?` help are both read from
//! this one table, so help never lies about what a key does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Apps,
    Resources,
    Diff,
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
}

pub struct Binding {
    /// How help shows the key.
    pub label: &'static str,
    pub keys: &'static [KeyCode],
    pub screens: &'static [Screen],
    pub action: Action,
    pub help: &'static str,
}

const ALL: &[Screen] = &[Screen::Apps, Screen::Resources, Screen::Diff];
const LISTS: &[Screen] = &[Screen::Apps, Screen::Resources];
const DIFF: &[Screen] = &[Screen::Diff];

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
        help: "back; quit from the apps screen",
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
        screens: ALL,
        action: Action::Command,
        help: "command (:apps :theme NAME :context NAME :ns NAME :refresh :quit)",
    },
    Binding { label: "?", keys: &[KeyCode::Char('?')], screens: ALL, action: Action::Help, help: "this help" },
    Binding { label: "^r", keys: &[], screens: ALL, action: Action::Refresh, help: "reload from the source" },
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

/// Help lines for `screen`: `(key label, what it does)`.
pub fn help_for(screen: Screen) -> Vec<(&'static str, &'static str)> {
    BINDINGS.iter().filter(|b| b.screens.contains(&screen)).map(|b| (b.label, b.help)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn a_key_means_one_thing_per_screen() {
        for screen in [Screen::Apps, Screen::Resources, Screen::Diff] {
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
        assert!(help_for(Screen::Diff).contains(&("n", "next finding")));
        assert!(!help_for(Screen::Apps).iter().any(|(label, _)| *label == "n"));
    }
}
