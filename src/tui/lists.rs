//! What the apps and resources screens list, computed from the loaded reports once per load
//! (counts, ages) and per keystroke only where filtering and sorting need it.

use crate::investigate::AppData;
use crate::model::{AppReport, Finding, ResourceStatus, Severity, SyncStatus};
use std::fmt::Write as _;

pub(crate) use crate::investigate::summary::AppSummary;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppSort {
    /// Out of sync and harmful first, most severe first.
    Urgency,
    Name,
    OldestDrift,
    Owner,
}

impl AppSort {
    pub fn next(self) -> AppSort {
        match self {
            AppSort::Urgency => AppSort::Name,
            AppSort::Name => AppSort::OldestDrift,
            AppSort::OldestDrift => AppSort::Owner,
            AppSort::Owner => AppSort::Urgency,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AppSort::Urgency => "urgency",
            AppSort::Name => "name",
            AppSort::OldestDrift => "oldest drift",
            AppSort::Owner => "owner",
        }
    }
}

/// Indices of the apps to show, filtered by `filter` (any column: name, sync status, highest
/// severity, owner, source or cluster) and sorted.
pub(crate) fn visible_apps(apps: &[AppData], summaries: &[AppSummary], filter: &str, sort: AppSort) -> Vec<usize> {
    let filter = filter.to_lowercase();
    let mut shown: Vec<usize> = (0..apps.len())
        .filter(|&i| {
            let app = &apps[i];
            let owner = summaries[i].team.as_deref().unwrap_or_default();
            let severity = summaries[i].highest.map(Severity::as_str).unwrap_or_default();
            let cluster = app.report.cluster.as_deref().unwrap_or_default();
            [app.report.name.as_str(), app.report.sync_status.as_str(), severity, owner, app.origin.as_str(), cluster]
                .iter()
                .any(|t| t.to_lowercase().contains(&filter))
        })
        .collect();
    let name = |i: &usize| apps[*i].report.name.clone();
    match sort {
        AppSort::Urgency => shown.sort_by_key(|i| {
            let (report, summary) = (&apps[*i].report, &summaries[*i]);
            (
                report.sync_status != SyncStatus::OutOfSync,
                summary.harmful == 0,
                std::cmp::Reverse(summary.highest),
                report.name.clone(),
            )
        }),
        AppSort::Name => shown.sort_by_key(name),
        AppSort::OldestDrift => shown.sort_by_key(|i| (std::cmp::Reverse(summaries[*i].oldest_harmful), name(i))),
        AppSort::Owner => shown.sort_by_key(|i| (summaries[*i].team.is_none(), summaries[*i].team.clone(), name(i))),
    }
    shown
}

impl crate::tui::app::App {
    /// The apps screen's rows: indices into `data.apps`, filtered and sorted.
    pub fn visible_apps(&self) -> Vec<usize> {
        visible_apps(&self.data.apps, &self.summaries, &self.apps.filter, self.app_sort)
    }

    /// The resources screen's rows for the open app, filtered.
    pub fn resource_rows(&self) -> Vec<ResourceRow> {
        match self.data.apps.get(self.app_open) {
            Some(app) => resource_rows(&app.report, &self.resources.filter),
            None => Vec::new(),
        }
    }
}

/// A list screen's own state: which line is selected, and the filter typed with `/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListScreen {
    pub selected: usize,
    pub filter: String,
}

impl ListScreen {
    /// A movement key, in a list of `len` lines with `page` lines on screen.
    pub(crate) fn on_action(&mut self, action: crate::tui::keys::Action, len: usize, page: usize) {
        self.selected = crate::tui::navigate::moved(self.selected, len, action, page);
    }

    /// A new filter: selection starts over.
    pub(crate) fn filter_by(&mut self, text: String) {
        self.filter = text;
        self.selected = 0;
    }
}

/// One line of the resources screen: an app-level finding, a resource's finding, or a
/// resource without findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceRow {
    pub resource: Option<usize>,
    pub finding: Option<usize>,
}

/// The resources screen's lines: app-level findings, then drifted resources (each finding a
/// line), then synced resources; filtered by `filter` on every column (resource, status,
/// severity, category, owner and its class, response, field). Built on every
/// key and frame, so without allocating per resource: an empty filter matches without
/// looking, and names are matched in one reused buffer.
pub(crate) fn resource_rows(report: &AppReport, filter: &str) -> Vec<ResourceRow> {
    let filter = filter.to_lowercase();
    let matches = |text: &str| filter.is_empty() || text.to_lowercase().contains(&filter);
    // What a finding's line shows besides the resource.
    let finding_matches = |finding: &Finding| {
        let response = if finding.ignored_by.is_some() { "ignored" } else { finding.response.as_str() };
        let owner = finding.owner.as_ref();
        [finding.severity.as_str(), finding.category.as_str(), response, finding.display_path.as_str()]
            .into_iter()
            .chain(owner.map(|o| o.manager.as_str()))
            .chain(owner.map(|o| o.class.as_str()))
            .any(&matches)
    };
    let mut rows: Vec<ResourceRow> = (0..report.findings.len())
        .filter(|&f| matches(&report.findings[f].reason) || finding_matches(&report.findings[f]))
        .map(|f| ResourceRow { resource: None, finding: Some(f) })
        .collect();
    rows.reserve(report.resources.len());
    let mut key = String::new();
    let mut shows = |resource: &crate::model::ResourceReport, finding: Option<&Finding>| -> bool {
        if filter.is_empty() {
            return true;
        }
        key.clear();
        // `ResourceKey`'s display, written without building the key.
        let _ = match resource.namespace.is_empty() {
            true => write!(key, "{}/{}", resource.kind, resource.name),
            false => write!(key, "{} {}/{}", resource.kind, resource.namespace, resource.name),
        };
        let status = if finding.is_none() && resource.status == ResourceStatus::Synced { "in sync" } else { "" };
        matches(&key) || matches(resource.status.as_str()) || matches(status) || finding.is_some_and(finding_matches)
    };
    let synced = |r: &usize| report.resources[*r].status == ResourceStatus::Synced;
    let drifted = (0..report.resources.len()).filter(|r| !synced(r));
    for r in drifted.chain((0..report.resources.len()).filter(synced)) {
        let resource = &report.resources[r];
        if resource.findings.is_empty() {
            if shows(resource, None) {
                rows.push(ResourceRow { resource: Some(r), finding: None });
            }
            continue;
        }
        for (f, finding) in resource.findings.iter().enumerate() {
            if shows(resource, Some(finding)) {
                rows.push(ResourceRow { resource: Some(r), finding: Some(f) });
            }
        }
    }
    rows
}
