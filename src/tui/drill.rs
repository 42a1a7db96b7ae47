//! Drilling from a fleet overview (`--prometheus`) into one app's cluster, and back: an
//! overview row has counts, not findings, so opening it reads the app from its context.

use crate::investigate::Request;
use crate::tui::app::{App, Effect};
use crate::tui::keys::Screen;

impl App {
    /// Reads the app at `index` of the overview from its cluster (the context its series'
    /// `cluster` label names) in its destination namespace, keeping the overview to come back
    /// to. With `--repo` and no `--path`, discovery finds the cluster's apps in it.
    pub(crate) fn drill_into(&mut self, index: usize) -> Vec<Effect> {
        // Always from the overview itself: a drill that failed leaves its rows on screen.
        let overview = self.fleet_overview.clone().unwrap_or_else(|| self.request.clone());
        let (Request::Sources(spec), Some(app)) = (&overview, self.data.apps.get(index)) else {
            return Vec::new();
        };
        let Some(cluster) = app.report.cluster.clone() else {
            // Which context is not known: never the current one by guess.
            self.notice = Some(crate::tui::strings::overview_row_without_cluster(&app.report.name));
            return Vec::new();
        };
        let mut drilled = (**spec).clone();
        drilled.prometheus = None;
        if drilled.repo.is_none() || drilled.path.is_some() {
            drilled.app = Some(app.report.name.clone());
        }
        if !app.namespace.is_empty() {
            drilled.namespace = Some(app.namespace.clone());
        }
        self.request = Request::Sources(Box::new(drilled));
        self.fleet_overview = Some(overview);
        self.switch_source(Some(&cluster), None)
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
