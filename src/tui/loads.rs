//! Loads arriving: the first one, a refresh (`Ctrl-r`) and one the watched cluster asked
//! for. A load of the same sources keeps the responder's place and marks what changed; one of
//! other sources (`:ctx`, `:ns`, `:sample`) starts at the apps. A change that comes while the
//! responder is deciding (a runbook, a prompt, a panel open) waits until they are done.

use crate::investigate::Investigation;
use crate::tui::WorkError;
use crate::tui::app::{App, Effect};
use crate::tui::changes;
use crate::tui::follow::WatchPlan;
use crate::tui::keys::Screen;
use crate::tui::lists::AppSummary;

impl App {
    pub(crate) fn loaded(&mut self, result: Result<Investigation, WorkError>) -> Vec<Effect> {
        self.loading = false;
        let data = match result {
            Ok(data) => data,
            Err(error) => {
                // What was shown stays usable; the banner says why it is not fresh.
                self.banner = Some(error.to_string());
                return self.after_load();
            }
        };
        let same_sources = !self.data.apps.is_empty() && self.data.label == data.label;
        let place = self.remember_place();
        let changes = same_sources.then(|| changes::compare(&self.data, &data));
        self.summaries = data.apps.iter().map(|a| AppSummary::of(a, &self.options.owner_labels)).collect();
        // Remarks about the sources (a rules file with no rule, a context that cannot be
        // read) are shown, never printed over the screen.
        self.banner = (!data.notes.is_empty()).then(|| format!("warning: {}", data.notes.join("; ")));
        self.data = data;
        self.loaded_at = crate::clock::now();
        match changes {
            Some(changes) => {
                self.restore_place(place);
                self.mark(&changes);
                // The newest news replaces what the screen said before.
                if let Some(notice) = changes.notice() {
                    self.notice = Some(notice);
                }
            }
            None => {
                // Other sources: what was open belongs to the ones before.
                self.live.changed_apps.clear();
                self.live.changed_resources.clear();
                self.apps.selected = self.apps.selected.min(self.data.apps.len().saturating_sub(1));
                if self.screen != Screen::Train {
                    (self.screen, self.diff, self.app_open) = (Screen::Apps, None, 0);
                }
            }
        }
        self.after_load()
    }

    /// Follows the cluster just loaded (or stops following), and reads it again at once
    /// when it changed meanwhile.
    fn after_load(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        let plan = WatchPlan::of(&self.request, &self.data);
        if plan.is_some() || self.live.watching.is_some() {
            if plan.is_none() {
                self.live.watching = None;
            }
            effects.push(Effect::Watch(plan.map(Box::new)));
        }
        effects.extend(self.take_pending());
        effects
    }

    /// The watched cluster changed: read it again, unless the responder is in the middle of
    /// something a reload would move under them.
    pub(crate) fn cluster_changed(&mut self) -> Vec<Effect> {
        self.live.pending = true;
        self.take_pending()
    }

    fn busy(&self) -> bool {
        self.loading
            || self.screen == Screen::Runbook
            || self.prompt.is_some()
            || self.value_panel.is_some()
            || self.picker.is_some()
    }

    /// The watches opened (how many), or could not be.
    pub(crate) fn watching(&mut self, result: Result<usize, String>) {
        match result {
            Ok(count) => self.live.watching = Some(count),
            Err(why) => {
                self.live.watching = None;
                self.notice = Some(format!("not following the cluster: {why}"));
            }
        }
    }

    /// After the responder finished what held a change back, the change is read.
    pub(crate) fn take_pending(&mut self) -> Vec<Effect> {
        if !self.live.pending || self.busy() {
            return Vec::new();
        }
        self.live.pending = false;
        self.refresh()
    }
}
