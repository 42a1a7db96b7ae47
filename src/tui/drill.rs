//! Drilling from a fleet overview (`--prometheus`) into one app's cluster, and back: an
//! overview row has counts, not findings, so opening it reads the app from its context.

use crate::investigate::Request;
use crate::tui::app::{App, Effect};
use crate::tui::keys::Screen;

impl App {
    /// Reads the app at `index` of the overview from its cluster (the context its series'
    /// `cluster` label names, else the current one), keeping the overview to come back to.
    pub(crate) fn drill_into(&mut self, index: usize) -> Vec<Effect> {
        let (Request::Sources(spec), Some(app)) = (&self.request, self.data.apps.get(index)) else {
            return Vec::new();
        };
        let mut drilled = (**spec).clone();
        drilled.prometheus = None;
        drilled.app = Some(app.report.name.clone());
        let cluster = app.report.cluster.clone();
        self.fleet_overview = Some(std::mem::replace(&mut self.request, Request::Sources(Box::new(drilled))));
        self.switch_source(cluster.as_deref(), None)
    }

    /// Esc on the apps screen of an app drilled into (no filter to clear first).
    pub(crate) fn may_go_back_to_overview(&self) -> bool {
        self.screen == Screen::Apps && self.apps.filter.is_empty() && self.fleet_overview.is_some()
    }

    /// The overview again, read anew.
    pub(crate) fn back_to_overview(&mut self) -> Vec<Effect> {
        let Some(overview) = self.fleet_overview.take() else { return Vec::new() };
        self.request = overview;
        self.apps.selected = 0;
        self.refresh()
    }
}
