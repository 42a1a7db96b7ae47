//! What a fresh read changed, for the responder who was looking (the app's side of following
//! the cluster): their place is kept — the app, the resource and the field they were on — and
//! apps and resources whose findings changed since they last looked carry a mark (`Δ`) until
//! they open them. A notice says what appeared and what cleared.

use crate::investigate::{AppData, Investigation};
use crate::model::{ResourceKey, ResourceReport};
use crate::tui::app::App;
use crate::tui::keys::Screen;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// Following the cluster, as the app sees it.
#[derive(Debug, Default)]
pub struct Live {
    /// How many watches are open, once the event loop started them (the header says so).
    pub watching: Option<usize>,
    /// A change came while the screen could not take a reload (a load running, a runbook
    /// or a prompt open): read again when it can.
    pub pending: bool,
    /// Apps whose findings changed since the responder last opened them.
    pub changed_apps: HashSet<String>,
    /// Resources (app, key) whose findings changed since the responder last opened them.
    pub changed_resources: HashSet<(String, ResourceKey)>,
}

/// How an app is known across loads: where it came from, its cluster and its name.
pub fn app_id(app: &AppData) -> String {
    format!("{}\u{1f}{}\u{1f}{}", app.origin, app.report.cluster.as_deref().unwrap_or_default(), app.report.name)
}

/// What one resource's findings say (fields, values, ignored or not), to tell a change.
fn signature(resource: &ResourceReport) -> (u64, HashSet<&str>) {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    resource.status.as_str().hash(&mut hasher);
    let mut differing = HashSet::new();
    for finding in &resource.findings {
        finding.path.hash(&mut hasher);
        (finding.desired.as_ref().map(ToString::to_string), finding.live.as_ref().map(ToString::to_string))
            .hash(&mut hasher);
        finding.ignored_by.is_some().hash(&mut hasher);
        if finding.ignored_by.is_none() {
            differing.insert(finding.path.as_str());
        }
    }
    (hasher.finish(), differing)
}

/// What changed between two loads of the same sources.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    pub resources: Vec<(String, ResourceKey)>,
    /// The names of the apps with a changed resource, for the notice.
    pub app_names: BTreeSet<String>,
    pub appeared: usize,
    pub cleared: usize,
}

/// The resources whose findings differ between `before` and `after` (one pass over each).
pub(crate) fn compare(before: &Investigation, after: &Investigation) -> Changes {
    let mut old: HashMap<(String, ResourceKey), (u64, HashSet<&str>)> = HashMap::new();
    for app in &before.apps {
        let id = app_id(app);
        for resource in &app.report.resources {
            old.insert((id.clone(), resource.key()), signature(resource));
        }
    }
    let mut changes = Changes::default();
    let mut names: HashMap<String, &str> = HashMap::new();
    for app in &after.apps {
        let id = app_id(app);
        names.insert(id.clone(), &app.report.name);
        for resource in &app.report.resources {
            let place = (id.clone(), resource.key());
            let (print, differing) = signature(resource);
            let (old_print, old_differing) = old.remove(&place).unwrap_or_default();
            if old_print == print {
                continue;
            }
            changes.appeared += differing.difference(&old_differing).count();
            changes.cleared += old_differing.difference(&differing).count();
            changes.app_names.insert(app.report.name.clone());
            changes.resources.push(place);
        }
    }
    // Resources no longer in any report: whatever differed there is gone.
    for ((id, key), (_, differing)) in old {
        changes.cleared += differing.len();
        if let Some(name) = names.get(&id) {
            changes.app_names.insert((*name).to_owned());
            changes.resources.push((id, key));
        }
    }
    changes
}

impl Changes {
    /// "the cluster changed: 1 finding cleared (checkout-api)"; none when no finding moved.
    pub(crate) fn notice(&self) -> Option<String> {
        if self.resources.is_empty() {
            return None;
        }
        let count = |n: usize, what: &str| format!("{n} finding{} {what}", if n == 1 { "" } else { "s" });
        let what = match (self.appeared, self.cleared) {
            (0, 0) => "findings changed".to_owned(),
            (new, 0) => count(new, "appeared"),
            (0, gone) => count(gone, "cleared"),
            (new, gone) => format!("{}, {}", count(new, "appeared"), count(gone, "cleared")),
        };
        let names: Vec<&str> = self.app_names.iter().map(String::as_str).take(3).collect();
        let more = self.app_names.len().saturating_sub(names.len());
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        Some(format!("the cluster changed: {what} ({}{more}); Δ marks what changed", names.join(", ")))
    }
}

/// Where the responder is, by identity rather than by index (indices change with a load).
#[derive(Debug, Default)]
pub(crate) struct Place {
    selected_app: Option<String>,
    open_app: Option<String>,
    /// The resources screen's row: the resource and the field of its finding.
    row: Option<(Option<ResourceKey>, Option<String>)>,
    diff: Option<ResourceKey>,
}

impl App {
    pub(crate) fn remember_place(&self) -> Place {
        let selected_app = self.visible_apps().get(self.apps.selected).map(|&i| app_id(&self.data.apps[i]));
        let Some(open) = self.data.apps.get(self.app_open) else { return Place { selected_app, ..Place::default() } };
        let row = self.resource_rows().get(self.resources.selected).map(|row| {
            let resource = row.resource.and_then(|r| open.report.resources.get(r));
            let finding = match resource {
                Some(resource) => row.finding.and_then(|f| resource.findings.get(f)),
                None => row.finding.and_then(|f| open.report.findings.get(f)),
            };
            (resource.map(ResourceReport::key), finding.map(|f| f.path.clone()))
        });
        let diff = self.diff.as_ref().and_then(|d| open.report.resources.get(d.resource)).map(ResourceReport::key);
        Place { selected_app, open_app: Some(app_id(open)), row, diff }
    }

    /// Puts the responder back where `place` says, in the data just loaded; what is gone
    /// takes them one screen up, with a notice.
    pub(crate) fn restore_place(&mut self, place: Place) {
        let visible = self.visible_apps();
        let position = |id: &Option<String>| visible.iter().position(|&i| Some(app_id(&self.data.apps[i])) == *id);
        self.apps.selected =
            position(&place.selected_app).unwrap_or(self.apps.selected).min(visible.len().saturating_sub(1));
        let open = place.open_app.as_ref().and_then(|id| self.data.apps.iter().position(|app| app_id(app) == *id));
        let Some(open) = open else {
            if self.screen != Screen::Apps && self.screen != Screen::Train && place.open_app.is_some() {
                self.notice = Some("the app you had open is no longer there; back to the apps".to_owned());
                (self.screen, self.diff) = (Screen::Apps, None);
            }
            return;
        };
        self.app_open = open;
        let rows = self.resource_rows();
        let report = &self.data.apps[open].report;
        let row_of = |row: &crate::tui::lists::ResourceRow| {
            let resource = row.resource.and_then(|r| report.resources.get(r));
            let finding = match resource {
                Some(resource) => row.finding.and_then(|f| resource.findings.get(f)),
                None => row.finding.and_then(|f| report.findings.get(f)),
            };
            (resource.map(ResourceReport::key), finding.map(|f| f.path.clone()))
        };
        if let Some((key, path)) = &place.row {
            let exact = rows.iter().position(|row| row_of(row) == (key.clone(), path.clone()));
            let same_resource = || rows.iter().position(|row| row_of(row).0 == *key);
            if let Some(at) = exact.or_else(same_resource) {
                self.resources.selected = at;
            }
        }
        self.resources.selected = self.resources.selected.min(rows.len().saturating_sub(1));
        let Some(key) = place.diff else { return };
        let resource = report.resources.iter().position(|r| r.key() == key);
        match (resource, self.diff.as_mut()) {
            (Some(resource), Some(diff)) => {
                let app = &self.data.apps[open];
                let pair = app.objects.get(&key);
                diff.reload((open, resource), &app.report.resources[resource], pair, &self.options.mask_annotations);
            }
            _ => {
                self.notice = Some(format!("{key} is no longer in the app; back to its resources"));
                if self.screen == Screen::Diff {
                    self.screen = Screen::Resources;
                }
                self.diff = None;
            }
        }
    }

    /// Marks what `changes` found, except where the responder is looking now.
    pub(crate) fn mark(&mut self, changes: &Changes) {
        let open = self.data.apps.get(self.app_open).map(app_id);
        let looking_at = self.diff.as_ref().and_then(|d| self.data.apps.get(d.app)?.report.resources.get(d.resource));
        let looking_at = looking_at.map(ResourceReport::key);
        for (app, key) in &changes.resources {
            let in_view = self.screen != Screen::Apps && open.as_ref() == Some(app);
            if !in_view {
                self.live.changed_apps.insert(app.clone());
            }
            if !(in_view && looking_at.as_ref() == Some(key)) {
                self.live.changed_resources.insert((app.clone(), key.clone()));
            }
        }
    }
}
