//! What a fresh read changed, for the responder who was looking (the app's side of following
//! the cluster): their place is kept — the app, the resource and the field they were on — and
//! apps and resources whose findings changed since they last looked carry a mark (`Δ`) until
//! they open them. A notice says what appeared and what cleared.

use crate::investigate::{AppData, Investigation};
use crate::model::{Finding, ResourceKey, ResourceReport};
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
    /// The request the data on screen was loaded for.
    pub shown: Option<crate::investigate::Request>,
    /// A load that arrived while a runbook was open: shown when the responder leaves it
    /// (the runbook's indices must not move under a decision).
    pub held: Option<Result<Investigation, crate::tui::WorkError>>,
}

/// How an app is known across loads: where it came from, its cluster, namespace and name
/// (a catalog may name two apps alike in different namespaces).
pub fn app_id(app: &AppData) -> String {
    let cluster = app.report.cluster.as_deref().unwrap_or_default();
    format!("{}\u{1f}{cluster}\u{1f}{}\u{1f}{}", app.origin, app.namespace, app.report.name)
}

/// What one resource's (or an app's own) findings say — fields, values, ignored or not —
/// with its status, to tell a change.
fn signature<'a>(status: &str, findings: &'a [Finding]) -> Signature<'a> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    status.hash(&mut hasher);
    let mut differing = HashSet::new();
    for finding in findings {
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
    /// Apps whose own findings (sync availability) or sync status changed.
    pub apps: Vec<String>,
    /// The names of the apps with a changed resource, for the notice.
    pub app_names: BTreeSet<String>,
    pub appeared: usize,
    pub cleared: usize,
}

/// The resources (and apps) whose findings differ between `before` and `after`, in one
/// pass over each.
pub(crate) fn compare(before: &Investigation, after: &Investigation) -> Changes {
    let mut old: HashMap<(String, ResourceKey), Signature<'_>> = HashMap::new();
    let mut old_apps: HashMap<String, Signature<'_>> = HashMap::new();
    for app in &before.apps {
        let id = app_id(app);
        for resource in &app.report.resources {
            old.insert((id.clone(), resource.key()), signature(resource.status.as_str(), &resource.findings));
        }
        old_apps.insert(id, signature(app.report.sync_status.as_str(), &app.report.findings));
    }
    let mut changes = Changes::default();
    let mut names: HashMap<String, &str> = HashMap::new();
    for app in &after.apps {
        let id = app_id(app);
        names.insert(id.clone(), &app.report.name);
        for resource in &app.report.resources {
            let place = (id.clone(), resource.key());
            let now = signature(resource.status.as_str(), &resource.findings);
            if changes.tally(old.remove(&place).unwrap_or_default(), now, &app.report.name) {
                changes.resources.push(place);
            }
        }
        let now = signature(app.report.sync_status.as_str(), &app.report.findings);
        // A new app is news too.
        if changes.tally(old_apps.remove(&id).unwrap_or_default(), now, &app.report.name) {
            changes.apps.push(id);
        }
    }
    // Resources no longer in any report: whatever differed there is gone.
    for ((id, _), (_, differing)) in old {
        changes.cleared += differing.len();
        if let Some(name) = names.get(&id) {
            changes.app_names.insert((*name).to_owned());
            changes.apps.push(id);
        }
    }
    changes
}

/// A signature and the fields that differ under it.
type Signature<'a> = (u64, HashSet<&'a str>);

impl Changes {
    /// Counts what appeared and cleared between two signatures of `app`'s; whether anything
    /// changed.
    fn tally(
        &mut self,
        (old_print, old_differing): Signature<'_>,
        (print, differing): Signature<'_>,
        app: &str,
    ) -> bool {
        if old_print == print {
            return false;
        }
        self.appeared += differing.difference(&old_differing).count();
        self.cleared += old_differing.difference(&differing).count();
        self.app_names.insert(app.to_owned());
        true
    }

    /// "the cluster changed: 1 finding cleared (checkout-api)"; none when no finding moved.
    pub(crate) fn notice(&self) -> Option<String> {
        if self.app_names.is_empty() {
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
        let height = self.body_height();
        match (resource, self.diff.as_mut()) {
            (Some(resource), Some(diff)) => {
                let app = &self.data.apps[open];
                let pair = app.objects.get(&key);
                let resource_report = &app.report.resources[resource];
                diff.reload((open, resource), (resource_report, pair), &self.options.mask_annotations, height);
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
        let in_view = |app: &String| self.screen != Screen::Apps && open.as_ref() == Some(app);
        let mut apps: Vec<&String> = changes.apps.iter().filter(|app| !in_view(app)).collect();
        let mut resources = Vec::new();
        for (app, key) in &changes.resources {
            if !in_view(app) {
                apps.push(app);
            }
            if !(in_view(app) && looking_at.as_ref() == Some(key)) {
                resources.push((app.clone(), key.clone()));
            }
        }
        self.live.changed_apps.extend(apps.into_iter().cloned());
        self.live.changed_resources.extend(resources);
        // Marks of what is gone can never be opened: dropped, so they do not pile up.
        let ids: HashSet<String> = self.data.apps.iter().map(app_id).collect();
        let keys: HashSet<(String, ResourceKey)> = (self.data.apps.iter())
            .flat_map(|app| {
                let id = app_id(app);
                app.report.resources.iter().map(move |r| (id.clone(), r.key()))
            })
            .collect();
        self.live.changed_apps.retain(|app| ids.contains(app));
        self.live.changed_resources.retain(|place| keys.contains(place));
    }
}
