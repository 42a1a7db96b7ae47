//! What `kdrift serve` keeps of an app between full scans so that one changed object can be
//! compared again alone, in milliseconds, from what its watch delivered: the engine settings
//! the scan used and the live objects other objects' comparisons read (app definitions and
//! their ignore rules, Argo CD's settings, the controllers' pods, HPAs, Events, CRDs), routed
//! as a scan routes them. A change the kept state cannot settle (to one of those objects, to
//! an orphan, to an object newly tracked to the app) asks for a full scan instead.

use crate::engine::partition::{LivePool, tracked_names};
use crate::engine::{Comparator, EngineConfig, Manifest, availability, identity};
use crate::investigate::input::Input;
use crate::investigate::{AppData, InvestigateError};
use crate::model::{ResourceKey, ResourceStatus, SyncStatus};
use crate::sources::git::GitEvidence;
use serde_json::Value;

/// Live kinds whose objects inform other objects' comparisons.
const CONTEXT_KINDS: &[&str] =
    &["HorizontalPodAutoscaler", "Event", "Application", "Kustomization", "HelmRelease", "CustomResourceDefinition"];

/// What an app keeps to be compared again one object at a time.
pub struct Resident {
    engine: EngineConfig,
    app_name_guessed: bool,
    context: LivePool,
    /// Some desired objects could not be read: the app is Unknown rather than Synced.
    unknown_when_synced: bool,
    /// "cluster prod": where live objects came from, for a resource first seen in a watch.
    origin: String,
    /// The scan asked the API server's dry run about drifted objects (`kdrift serve` never
    /// does: it only reads): a drifted object then needs a scan to be compared alike.
    dry_runs: bool,
    /// Desired state came from Git: a re-compared resource gets its commit evidence again.
    git: Option<GitEvidence>,
}

impl std::fmt::Debug for Resident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Resident({} context objects)", self.context.len())
    }
}

/// What one re-comparison did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recompared {
    /// The resource's report was replaced (and the app's status with it).
    Updated,
    /// The object is not the app's: nothing to do.
    NotOurs,
    /// Only a full scan can say (why, for the log).
    NeedsScan(&'static str),
}

/// Whether `object` is one other objects' comparisons read (kept as context, and a change to
/// it re-scans the app).
pub fn is_context(object: &Value) -> bool {
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
    let kind = text("/kind");
    CONTEXT_KINDS.contains(&kind)
        || (kind == "ConfigMap" && text("/metadata/name") == "argocd-cm")
        || (kind == "Pod" && availability::is_controller_pod(object))
}

/// An app's resident state, empty of live objects, for the comparison `input` is about to run.
pub(crate) fn for_input(input: &Input, git: Option<GitEvidence>) -> Resident {
    let engine = input.engine.clone();
    let context = LivePool::new(&engine.instance_label);
    let (origin, dry_runs, unknown_when_synced) = match &input.cluster {
        Some((session, read)) => {
            (format!("cluster {}", session.cluster().context), input.server_dry_run, !read.unreadable.is_empty())
        }
        None => (input.source_label.clone(), false, false),
    };
    let app_name_guessed = input.app_name_guessed;
    Resident { engine, app_name_guessed, context, unknown_when_synced, origin, dry_runs, git }
}

impl Resident {
    /// Keeps a live object the scan saw, when other comparisons read it.
    pub(crate) fn observe_live(&mut self, manifest: &Manifest) {
        if is_context(&manifest.object) {
            self.context.add(manifest.clone());
        }
    }
}

impl AppData {
    /// Compares the resource `key` again against `object` as it is now (`deleted`: its last
    /// state before it went away), as a full scan with the same other objects would, and
    /// updates the report.
    pub fn recompare(
        &mut self,
        key: &ResourceKey,
        object: &Value,
        deleted: bool,
    ) -> Result<Recompared, InvestigateError> {
        let app = self.report.name.clone();
        let position = self.report.resources.iter().position(|r| r.is(key));
        let Some(resident) = self.resident.as_deref() else {
            // Only what the app holds needs what it did not keep.
            return Ok(match position {
                Some(_) => Recompared::NeedsScan("the app keeps nothing to compare with"),
                None => Recompared::NotOurs,
            });
        };
        if is_context(object) {
            return Ok(Recompared::NeedsScan("other objects' comparisons read this one"));
        }
        let Some(position) = position else {
            let tracked = tracked_names(object, &resident.engine.instance_label).contains(&app);
            return Ok(match tracked {
                true => Recompared::NeedsScan("an object tracked to the app that Git does not have"),
                false => Recompared::NotOurs,
            });
        };
        let resource = &self.report.resources[position];
        if resource.status == ResourceStatus::Orphan {
            return Ok(Recompared::NeedsScan("an orphan changed"));
        }
        let Some(desired) = self.objects.get(key).and_then(|pair| pair.desired()) else {
            return Ok(Recompared::NeedsScan("Git's copy was not kept"));
        };
        let version = |object: &Value| object.get("apiVersion").cloned();
        if !deleted && version(object) != version(&desired) {
            // Watched at the served version, read at Git's: another shape of the object.
            return Ok(Recompared::NeedsScan("the object was watched at another version than Git's"));
        }
        let desired = Manifest { object: desired, origin: resource.desired_source.clone().unwrap_or_default() };
        let live_origin = (resource.live_source.clone()).unwrap_or_else(|| format!("{}: {key}", resident.origin));
        let mut comparator = Comparator::new(&resident.engine, &app, &self.namespace, self.now);
        if resident.app_name_guessed {
            comparator = comparator.app_name_guessed();
        }
        let routed = resident.context.share_ids(&app, std::slice::from_ref(&desired));
        comparator.add_desired(desired)?;
        for id in routed {
            if let Some(manifest) = resident.context.manifest(id) {
                comparator.observe_live(manifest);
            }
        }
        if !deleted {
            comparator.observe_live(Manifest { object: object.clone(), origin: live_origin });
        }
        if resident.dry_runs && !comparator.dry_run_requests().is_empty() {
            return Ok(Recompared::NeedsScan("a drifted object the scan would ask the API server's dry run about"));
        }
        let mut report = comparator.finish()?;
        if report.controller != self.report.controller {
            // The app's definition reads otherwise without the app's other objects (which one
            // is trusted rests on their tracking).
            return Ok(Recompared::NeedsScan("the app's definition reads otherwise alone"));
        }
        let Some(fresh) = report.resources.iter().position(|r| r.is(key)) else {
            return Ok(Recompared::NeedsScan("the comparison placed the object elsewhere"));
        };
        report.resources.swap(0, fresh);
        report.resources.truncate(1);
        report.criticality.clone_from(&self.report.criticality);
        report.apply_criticality();
        if let Some(git) = &resident.git {
            crate::sources::git::attach_evidence(git, &mut report);
        }
        let unknown_when_synced = resident.unknown_when_synced;
        self.report.resources[position] = report.resources.remove(0);
        if let Some(controller) = &self.report.controller {
            crate::investigate::actors::attach_syncs_resource(&mut self.report.resources[position], &controller.syncs);
        }
        if let Some(index) = &self.audit {
            crate::investigate::actors::attach_resource(&mut self.report.resources[position], index);
        }
        let in_sync =
            self.report.resources.iter().all(|r| matches!(r.status, ResourceStatus::Synced | ResourceStatus::Ignored));
        self.report.sync_status = match (in_sync, unknown_when_synced) {
            (false, _) => SyncStatus::OutOfSync,
            (true, true) => SyncStatus::Unknown,
            (true, false) => SyncStatus::Synced,
        };
        Ok(Recompared::Updated)
    }
}

/// The key a watched object has in reports (its namespace dropped for cluster-scoped kinds).
pub fn key_of(object: &Value) -> ResourceKey {
    identity::key_of(object, "")
}

#[cfg(test)]
#[path = "resident_tests.rs"]
mod tests;
