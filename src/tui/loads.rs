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
        // An answer for sources no longer asked for (`:ctx` while a reload ran) is not theirs.
        if let Ok(Investigation { source: Some(source), .. }) = &result
            && *source != self.request
        {
            return Vec::new();
        }
        self.loading = false;
        if self.screen == Screen::Runbook {
            self.live.held = Some(result);
            return Vec::new();
        }
        let data = match result {
            Ok(data) => data,
            Err(error) => {
                // What was shown stays usable; the banner says why it is not fresh.
                self.banner = Some(crate::sanitize::clean_line(&error.to_string()));
                return self.after_load();
            }
        };
        let same_sources = self.live.shown.as_ref() == Some(&self.request);
        self.live.shown = Some(self.request.clone());
        let place = self.remember_place();
        let changes = same_sources.then(|| changes::compare(&self.data, &data));
        self.summaries = data.apps.iter().map(|a| AppSummary::of(a, &self.options.owner_labels)).collect();
        // Remarks about the sources (a rules file with no rule, a context that cannot be
        // read) are shown, never printed over the screen.
        let notes = (!data.notes.is_empty()).then(|| format!("warning: {}", data.notes.join("; ")));
        self.banner = notes.map(|text| crate::sanitize::clean_line(&text));
        self.data = data;
        self.loaded_at = crate::clock::now();
        match changes {
            Some(changes) => {
                self.notice = None;
                self.restore_place(place);
                self.mark(&changes);
                // The newest news replaces what the screen said before; why the responder
                // was moved (what they had open is gone) comes first.
                let moved = self.notice.take();
                let news = changes.notice();
                self.notice = match (moved, news) {
                    (Some(moved), Some(news)) => Some(format!("{moved}; {news}")),
                    (moved, news) => moved.or(news),
                };
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

    /// Shows a load held back while a runbook was open.
    pub(crate) fn release_held(&mut self) -> Vec<Effect> {
        match self.live.held.take() {
            Some(result) => self.loaded(result),
            None => Vec::new(),
        }
    }

    /// Follows the cluster just loaded (or stops following other sources), and reads it
    /// again when it changed meanwhile.
    fn after_load(&mut self) -> Vec<Effect> {
        let plan = WatchPlan::of(&self.request, &self.data);
        if plan.is_none() {
            self.live.watching = None;
        }
        // The follower keeps watches whose plan did not change, and stopping twice is nothing.
        let mut effects = vec![Effect::Watch(plan.map(Box::new))];
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
            // Nothing the cluster serves to watch: not following anything.
            Ok(0) => self.live.watching = None,
            Ok(count) => self.live.watching = Some(count),
            Err(why) => {
                self.live.watching = None;
                self.notice = Some(crate::sanitize::clean_line(&format!("not following the cluster: {why}")));
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
