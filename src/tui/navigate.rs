//! Moving through what a screen shows: the selection in the lists, the cursor, scroll and
//! toggles of the diff, all by the page the terminal holds.

use crate::tui::app::App;
use crate::tui::keys::{Action, Screen};

impl App {
    pub(crate) fn navigate(&mut self, action: Action) {
        let page = self.body_height();
        if self.screen == Screen::Diff {
            self.navigate_diff(action, page);
            return;
        }
        let (len, selected) = match self.screen {
            Screen::Apps => (self.visible_apps().len(), &mut self.app_selected),
            _ => (self.resource_rows().len(), &mut self.resource_selected),
        };
        *selected = moved(*selected, len, action, page);
    }

    fn navigate_diff(&mut self, action: Action, page: usize) {
        let Some(diff) = &mut self.diff else { return };
        match action {
            Action::NextFinding => diff.jump_finding(true),
            Action::PreviousFinding => diff.jump_finding(false),
            Action::ScrollLeft => diff.left = diff.left.saturating_sub(8),
            Action::ScrollRight => diff.left += 8,
            Action::ToggleFold if !diff.show_raw => diff.toggle_fold(),
            Action::ToggleRaw => {
                diff.show_raw = !diff.show_raw;
                diff.cursor = 0;
                diff.top = 0;
            }
            Action::ToggleFull => {
                diff.full = !diff.full;
                if let Some(app) = self.data.apps.get(diff.app) {
                    let report = &app.report.resources[diff.resource];
                    diff.compute(report, app.objects.get(&report.key()), &self.options.mask_annotations);
                }
            }
            movement => diff.cursor = moved(diff.cursor, diff.len(), movement, page),
        }
        diff.scroll_into_view(page);
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
