//! What one app amounts to, for the apps screen and for monitoring alike: its harmful,
//! expected and ignored findings, its orphans, the highest severity, the age of the oldest
//! harmful change, and the owner team (the catalog's, else the owner label its objects carry).

use crate::investigate::AppData;
use crate::model::{Finding, ResourceStatus, Severity};

/// The owner labels looked for when the config names none.
pub const DEFAULT_OWNER_LABELS: &[&str] = &["team", "owner", "app.kubernetes.io/part-of"];

/// One app, summed up (a line of the apps screen, a set of series on `/metrics`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppSummary {
    pub harmful: usize,
    pub expected: usize,
    pub ignored: usize,
    pub orphans: usize,
    pub highest: Option<Severity>,
    /// Seconds since the oldest harmful change whose owner made it and recorded a time (the
    /// GitOps controller's time is its last apply, not when Git and live parted).
    pub oldest_harmful: Option<i64>,
    /// The owner team: the catalog's, else the value of the first owner label
    /// (`owner_labels`) the app's objects carry.
    pub team: Option<String>,
}

/// How many of an app's objects are read for an owner label: enough for an app whose
/// objects mostly carry one, without reading back every copy of a very large app.
const TEAM_SAMPLE: usize = 20;

impl AppSummary {
    pub fn of(app: &AppData, owner_labels: &[String]) -> AppSummary {
        if let Some(overview) = &app.overview {
            return overview.clone();
        }
        let report = &app.report;
        let findings: Vec<&Finding> = report.all_findings().collect();
        let visible = findings.iter().filter(|f| f.ignored_by.is_none());
        let harmful: Vec<&&Finding> = visible.clone().filter(|f| f.category.is_harmful()).collect();
        let oldest = harmful
            .iter()
            .filter_map(|f| f.owner.as_ref().filter(|o| o.class != crate::model::ManagerClass::Gitops))
            .filter_map(|owner| owner.time.as_deref().and_then(crate::engine::time::parse_rfc3339))
            .min();
        AppSummary {
            harmful: harmful.len(),
            expected: visible.clone().filter(|f| !f.category.is_harmful()).count(),
            ignored: findings.iter().filter(|f| f.ignored_by.is_some()).count(),
            orphans: report.resources.iter().filter(|r| r.status == ResourceStatus::Orphan).count(),
            highest: harmful.iter().map(|f| f.severity).max(),
            oldest_harmful: oldest.zip(app.now).map(|(then, now)| now - then),
            team: report.owner_team.clone().or_else(|| team_label(app, owner_labels)),
        }
    }
}

/// The most common value of the first of `owner_labels` found on the app's desired objects
/// (the first `TEAM_SAMPLE` of them), cleaned for the terminal.
fn team_label(app: &AppData, owner_labels: &[String]) -> Option<String> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let copies = app.report.resources.iter().filter_map(|r| app.objects.get(&r.key())?.desired()).take(TEAM_SAMPLE);
    for desired in copies {
        let labels = desired.pointer("/metadata/labels");
        let value = owner_labels.iter().find_map(|label| labels?.get(label)?.as_str().map(str::to_owned));
        if let Some(value) = value {
            *counts.entry(crate::sanitize::clean_line(&value)).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|(_, count)| *count).map(|(team, _)| team)
}
