//! Finishing a comparison: ignore rules applied, every desired and orphaned object classified
//! and reported, and the caveats about the app as a whole.

use crate::engine::ignore::IgnoreRule;
use crate::engine::ignore::compare_options::CompareOptions;
use crate::engine::orphans::{self, AppIdentity};
use crate::engine::pairs::{Desired, Finish, resource_report};
use crate::engine::{Comparator, EngineError, advice};
use crate::model::{AppReport, ResourceReport, ResourceStatus, SyncStatus};

impl Comparator<'_> {
    /// Applies ignore rules, classifies everything observed and builds the app's report.
    pub fn finish(mut self) -> Result<AppReport, EngineError> {
        if let Some(error) = self.ambiguous.take() {
            return Err(error);
        }
        let settled = self.context.settle()?;
        let rules: Vec<&IgnoreRule> = self.config.rules.iter().chain(&settled.rules).collect();
        let compare_options = settled.compare_options.as_ref().or(self.config.compare_options.as_ref());
        let mut resources = Vec::with_capacity(self.desired.len() + self.unclaimed.len());
        for desired in std::mem::take(&mut self.desired) {
            resources.push(self.desired_report(desired, &rules, compare_options));
        }
        resources.extend(self.orphan_reports());
        for resource in resources.iter_mut().filter(|r| r.status != ResourceStatus::Synced) {
            resource.events = self.context.events.take(&resource.key());
        }
        if let Some(blocked) = &self.context.blocked {
            advice::hold_syncs(resources.iter_mut().flat_map(|r| r.findings.iter_mut()), blocked);
        }
        let notes = self.app_notes();
        let in_sync = resources.iter().all(|r| matches!(r.status, ResourceStatus::Synced | ResourceStatus::Ignored));
        Ok(AppReport {
            name: self.app,
            cluster: None,
            sync_status: if in_sync { SyncStatus::Synced } else { SyncStatus::OutOfSync },
            findings: std::mem::take(&mut self.context.findings),
            resources,
            notes,
            owner_team: None,
            criticality: None,
            permissions: Vec::new(),
            desired_git: None,
            controller: self.context.controller.take(),
            delivery_blocked: self.context.blocked.take(),
            audit_log: None,
        })
    }

    /// One desired object's report: missing, or its pair's findings.
    fn desired_report(
        &self,
        mut desired: Desired,
        rules: &[&IgnoreRule],
        compare_options: Option<&CompareOptions>,
    ) -> ResourceReport {
        let mut notes = Vec::new();
        let (group, kind) = (&desired.key.group, &desired.key.kind);
        let cluster_scoped = match desired.compared {
            Some(_) => self.scopes.is_cluster_scoped(group, kind),
            // Nothing live to say: what Git's own CRD declares counts too.
            None => self.scopes.is_cluster_scoped(group, kind) || self.declared.is_cluster_scoped(group, kind),
        };
        if !desired.key.namespace.is_empty() && cluster_scoped {
            let namespace = std::mem::take(&mut desired.key.namespace);
            desired.ignored_namespace = desired.namespace_from_git.then_some(namespace);
        }
        if let Some(namespace) = &desired.ignored_namespace {
            notes.push(format!(
                "Git gives this {} the namespace '{namespace}', which the API server ignores: the kind is cluster-scoped",
                desired.key.kind
            ));
        }
        let Some(mut compared) = desired.compared else {
            let mut report =
                resource_report(&desired.key, desired.version, vec![orphans::missing_finding(&desired.key)]);
            report.status = ResourceStatus::Missing;
            report.desired_source = Some(desired.origin);
            report.notes = notes;
            return report;
        };
        let finish = Finish {
            config: self.config,
            rules,
            compare_options,
            app: &self.app,
            now: self.now,
            hpa: self.context.hpa_targets.get(&desired.key).map(String::as_str),
            application_namespace: self.context.application_namespace.as_deref(),
            kustomization_namespace: self.context.kustomization_namespace.as_deref(),
        };
        let findings = compared.findings(&desired.key, &finish);
        let mut report = resource_report(&desired.key, compared.version, findings);
        report.desired_source = Some(desired.origin);
        report.live_source = Some(compared.live_origin);
        notes.append(&mut compared.notes);
        report.notes = notes;
        report
    }

    /// The live objects Git no longer declares that tracking ties to the app.
    fn orphan_reports(&mut self) -> Vec<ResourceReport> {
        let identity = AppIdentity {
            name: &self.app,
            instance_label: &self.config.instance_label,
            flux: self.context.flux.as_ref(),
            argo: self.context.argo.as_ref(),
        };
        let mut reports = Vec::new();
        for object in std::mem::take(&mut self.unclaimed) {
            let Some(finding) = orphans::orphan_finding(&object, &identity, &self.selectable) else {
                continue;
            };
            let mut report = resource_report(&object.key, object.version.clone(), vec![finding]);
            if report.status != ResourceStatus::Ignored {
                report.status = ResourceStatus::Orphan;
            }
            report.live_source = Some(object.origin);
            reports.push(report);
        }
        reports
    }

    /// Caveats about the app as a whole: what its definitions and settings said, a
    /// destination other than the namespace compared, apps a guessed name hides.
    fn app_notes(&mut self) -> Vec<String> {
        let mut notes = std::mem::take(&mut self.context.notes);
        if let Some((destination, definition)) = &self.context.destination
            && *destination != self.default_namespace
            && self.namespace_left_to_destination > 0
        {
            notes.push(format!(
                "{} object(s) in Git leave their namespace to the destination: kdrift compared them in '{}', but {definition} deploys them to '{destination}'; pass -n {destination}",
                self.namespace_left_to_destination, self.default_namespace
            ));
        }
        notes.extend(self.tracked_elsewhere.iter().map(|(other, count)| {
            format!(
                "{count} object(s) here are tracked to app '{other}', not '{}' (a name kdrift guessed): pass --app {other} to compare them as that app and see who else claims them",
                self.app
            )
        }));
        notes
    }
}
