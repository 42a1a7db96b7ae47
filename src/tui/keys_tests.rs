//! The key table: one meaning per key and screen, and help built from it.

use super::*;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn a_key_means_one_thing_per_screen() {
    for screen in [Screen::Apps, Screen::Resources, Screen::Diff, Screen::Runbook, Screen::Train] {
        let mut seen: Vec<Key> = Vec::new();
        for binding in bindings().filter(|b| b.screens.contains(&screen)) {
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
    assert!(help_for(Screen::Diff, false).contains(&("n", "next finding; with a search, the next match")));
    assert!(!help_for(Screen::Apps, false).iter().any(|(label, _)| *label == "n"));
    assert!(help_for(Screen::Runbook, false).iter().any(|(label, _)| *label == "s"));
    assert!(!help_for(Screen::Runbook, true).iter().any(|(label, _)| ["s", "b", "p", "F"].contains(label)));
    assert!(help_for(Screen::Runbook, true).iter().any(|(label, _)| *label == "e"));
    assert_eq!(action_for(Screen::Train, key(KeyCode::Char('7'))), Some(Action::Answer));
    let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    assert_eq!(action_for(Screen::Diff, ctrl('d')), Some(Action::PageDown), "Ctrl keys come from the table");
    assert_eq!(action_for(Screen::Apps, ctrl('r')), Some(Action::Refresh));
    assert_eq!(action_for(Screen::Apps, ctrl('x')), None);
    assert!(
        help_for(Screen::Apps, false)
            .contains(&("^r", "reload from the source (a sample keeps its simulated decisions)"))
    );
    assert!(help_for(Screen::Train, false).iter().any(|(label, _)| *label == "1-9"));
    assert!(!help_for(Screen::Train, false).iter().any(|(label, _)| [":", "^r", "s", "r"].contains(label)));
}
