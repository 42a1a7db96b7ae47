//! Moving through what the lists show (the selection, by the page the terminal holds),
//! going back a screen, and handing the diff screen its keys.

use crate::tui::app::App;
use crate::tui::keys::{Action, Screen};

impl App {
    pub(crate) fn navigate(&mut self, action: Action) {
        let page = self.body_height();
        if self.screen == Screen::Diff {
            self.navigate_diff(action, page);
            return;
        }
        match self.screen {
            Screen::Apps => {
                let len = self.visible_apps().len();
                self.apps.on_action(action, len, page);
            }
            _ => {
                let len = self.resource_rows().len();
                self.resources.on_action(action, len, page);
            }
        }
    }

    /// Esc: one screen back (the runbook's own first), a filter cleared first.
    pub(crate) fn back(&mut self) {
        match self.screen {
            Screen::Runbook => {
                self.runbook_key(Action::Back);
            }
            // Esc first clears a search, then leaves.
            Screen::Diff if self.diff.as_mut().is_some_and(|d| d.search.take().is_some()) => {}
            Screen::Diff => {
                self.diff = None;
                self.screen = Screen::Resources;
            }
            Screen::Resources => self.screen = Screen::Apps,
            Screen::Apps if !self.apps.filter.is_empty() => self.apps.filter.clear(),
            Screen::Apps | Screen::Train => {}
        }
    }

    /// The diff screen's keys: the screen does them; toggling all fields needs the pair again.
    fn navigate_diff(&mut self, action: Action, page: usize) {
        let Some(diff) = &mut self.diff else { return };
        if action == Action::ToggleWrap {
            diff.wrap = if diff.wrap.is_some() { None } else { Some(usize::from(self.size.0)) };
            diff.scroll_into_view(page);
            return;
        }
        if action == Action::ScrollRight && diff.left == 0 {
            // A long line shown from near its change goes on from there, not back to its start.
            diff.left = diff.shown_from(usize::from(self.size.0));
        }
        let pair = self.data.apps.get(diff.app).and_then(|app| {
            let report = app.report.resources.get(diff.resource)?;
            Some((report, app.objects.get(&report.key())))
        });
        diff.on_action(action, page, pair, &self.options.mask_annotations);
    }
}

/// `selected` after `action` in a list of `len` lines, `page` lines per screen.
pub(crate) fn moved(selected: usize, len: usize, action: Action, page: usize) -> usize {
    let last = len.saturating_sub(1);
    match action {
        Action::Up => selected.saturating_sub(1),
        Action::Down => (selected + 1).min(last),
        Action::PageUp => selected.saturating_sub(page),
        Action::PageDown => (selected + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => selected.min(last),
    }
}
