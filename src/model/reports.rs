//! The reports built from findings: one per resource and one per app (with what the GitOps
//! controller says and what the user may do), and the whole `DriftReport` with its summary.

use super::{CommitEvidence, Finding, REPORT_VERSION, ResourceKey};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceStatus {
    Modified,
    Missing,
    Orphan,
    Synced,
    Ignored,
}

impl ResourceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceStatus::Modified => "modified",
            ResourceStatus::Missing => "missing",
            ResourceStatus::Orphan => "orphan",
            ResourceStatus::Synced => "synced",
            ResourceStatus::Ignored => "ignored",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceReport {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub status: ResourceStatus,
    pub findings: Vec<Finding>,
    /// Where the desired and live copies came from (`file#document`); an extension of v1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_source: Option<String>,
    /// The last commit that changed the desired object's file, when desired came from Git.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_commit: Option<CommitEvidence>,
    /// Caveats about the evidence (for example: no managedFields in the snapshot).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The newest Kubernetes Events about a drifted or orphaned object; an extension of v1.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventEvidence>,
}

/// One Kubernetes Event about a resource, as evidence of what happened to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventEvidence {
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub kind: String,
    pub reason: String,
    pub message: String,
    pub count: u64,
    /// RFC 3339 time the event was last seen.
    pub last_seen: Option<String>,
    /// The component that reported it (`deployment-controller`, `kubelet`, …).
    pub source: Option<String>,
}

impl ResourceReport {
    /// Whether this is the report of `key` (without building a key to compare).
    pub fn is(&self, key: &ResourceKey) -> bool {
        self.name == key.name && self.namespace == key.namespace && self.kind == key.kind && self.group == key.group
    }

    pub fn key(&self) -> ResourceKey {
        ResourceKey {
            group: self.group.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SyncStatus {
    Synced,
    OutOfSync,
    /// Desired state could not be read or rendered, so nothing was compared.
    Unknown,
}

impl SyncStatus {
    /// As Argo CD spells it (`OutOfSync`).
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Synced => "Synced",
            SyncStatus::OutOfSync => "OutOfSync",
            SyncStatus::Unknown => "Unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppReport {
    pub name: String,
    /// The kubeconfig context the app was read from, when several were (`--contexts`); an
    /// extension of v1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub sync_status: SyncStatus,
    /// App-level findings (sync availability).
    pub findings: Vec<Finding>,
    pub resources: Vec<ResourceReport>,
    /// Caveats about the app as a whole (a rule source read but not applied); an extension of v1.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// From the app catalog, when one names them (extensions of v1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criticality: Option<String>,
    /// What the user may do about this app in the cluster (live source only); an extension of v1.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<Permission>,
    /// What the GitOps controller itself reports, when its app object was read; an extension of v1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<ControllerStatus>,
    /// Why the controller cannot apply Git right now, when it cannot (a failed apply, an error
    /// condition, a controller pod down): no sync can fix a finding then; an extension of v1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_blocked: Option<String>,
    /// The audit log its owners were looked up in, when one was given; an extension of v1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_log: Option<crate::model::AuditCoverage>,
    /// Where the desired state was read from in Git (for backports; not part of the JSON).
    #[serde(skip)]
    pub desired_git: Option<GitSpot>,
}

/// A place in a Git repository: the repository, the commit read, and the app's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSpot {
    pub repo: std::path::PathBuf,
    /// The full commit id desired state was read at.
    pub commit: String,
    /// The app's directory (or file) inside the repository, `/`-separated, `""` for the root.
    pub path: String,
}

/// The GitOps controller's own view of an app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControllerStatus {
    pub kind: ControllerKind,
    /// Argo CD's sync status (`Synced`, `OutOfSync`); Flux's readiness (`Ready`, `NotReady (reason)`).
    pub sync: Option<String>,
    /// Argo CD's health status (`Healthy`, `Degraded`, …).
    pub health: Option<String>,
    /// The revision it last compared (Argo CD) or applied (Flux).
    pub revision: Option<String>,
    /// The Application or Kustomization object itself (a sync asks it to act).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectName>,
    /// Argo CD's recent syncs and who started each (`operationState`, `history`); an
    /// extension of v1.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub syncs: Vec<SyncRun>,
}

/// One Argo CD sync: who started it (`initiatedBy`) and when it ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncRun {
    /// The user who asked for it; `None` for an automated sync.
    pub initiated_by: Option<String>,
    pub automated: bool,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// Which GitOps controller delivers an app (named as the report and screens say it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ControllerKind {
    #[serde(rename = "Argo CD Application")]
    ArgoApplication,
    #[serde(rename = "Flux Kustomization")]
    FluxKustomization,
}

impl ControllerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ControllerKind::ArgoApplication => "Argo CD Application",
            ControllerKind::FluxKustomization => "Flux Kustomization",
        }
    }
}

impl std::fmt::Display for ControllerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An object's address: API version, kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectName {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// One correction and whether the API server allows it (a `SelfSubjectAccessReview`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Permission {
    /// `sync` or `prune`.
    pub action: String,
    pub verb: String,
    /// `applications.argoproj.io`, `services`.
    pub resource: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub allowed: bool,
    pub reason: Option<String>,
}

impl fmt::Display for Permission {
    /// "patch applications.argoproj.io argocd/checkout-api", "delete services in prod".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.verb, self.resource)?;
        match (&self.namespace, &self.name) {
            (Some(namespace), Some(name)) => write!(f, " {namespace}/{name}"),
            (None, Some(name)) => write!(f, " {name}"),
            (Some(namespace), None) => write!(f, " in {namespace}"),
            (None, None) => Ok(()),
        }
    }
}

impl AppReport {
    /// An app kdrift did not compare (its desired state could not be rendered, it was not
    /// read, it is known only from metrics): status Unknown, no resource, nothing else known.
    pub fn not_compared(name: String, findings: Vec<Finding>, notes: Vec<String>) -> AppReport {
        AppReport {
            name,
            cluster: None,
            sync_status: SyncStatus::Unknown,
            findings,
            resources: Vec::new(),
            notes,
            owner_team: None,
            criticality: None,
            permissions: Vec::new(),
            desired_git: None,
            controller: None,
            delivery_blocked: None,
            audit_log: None,
        }
    }

    /// Drift that matters in an app the catalog calls critical matters more: every harmful
    /// finding is one severity step higher (DESIGN §3: severity rises with criticality).
    pub fn apply_criticality(&mut self) {
        if self.criticality.as_deref() != Some("critical") {
            return;
        }
        let resources = self.resources.iter_mut().flat_map(|r| r.findings.iter_mut());
        for finding in self.findings.iter_mut().chain(resources) {
            if finding.category.is_harmful() {
                finding.severity = finding.severity.raised();
            }
        }
    }

    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().chain(self.resources.iter().flat_map(|r| r.findings.iter()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub apps: usize,
    pub out_of_sync: usize,
    /// Apps kdrift could not compare (nothing readable, nothing rendered): never "in sync".
    pub unknown: usize,
    /// Findings not hidden by an ignore rule.
    pub findings: usize,
    /// Of those, the ones in a harmful category (what the exit code reflects).
    pub needs_action: usize,
    pub ignored: usize,
}

impl fmt::Display for Summary {
    /// "1 app(s), 1 out of sync; 4 finding(s), 2 need action, 0 ignored".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} app(s), {} out of sync", self.apps, self.out_of_sync)?;
        if self.unknown > 0 {
            write!(f, ", {} not compared", self.unknown)?;
        }
        write!(f, "; {} finding(s), {} need action, {} ignored", self.findings, self.needs_action, self.ignored)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    pub version: u32,
    pub apps: Vec<AppReport>,
    pub summary: Summary,
    /// Contexts that could not be read when several were asked for, each with why: the
    /// report covers the others only; an extension of v1.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreachable: Vec<String>,
}

impl DriftReport {
    pub fn new(apps: Vec<AppReport>) -> Self {
        let findings = apps.iter().flat_map(AppReport::all_findings);
        let (mut visible, mut needs_action, mut ignored) = (0, 0, 0);
        for finding in findings {
            if finding.ignored_by.is_some() {
                ignored += 1;
            } else {
                visible += 1;
            }
            if finding.needs_action() {
                needs_action += 1;
            }
        }
        let summary = Summary {
            apps: apps.len(),
            out_of_sync: apps.iter().filter(|a| a.sync_status == SyncStatus::OutOfSync).count(),
            unknown: apps.iter().filter(|a| a.sync_status == SyncStatus::Unknown).count(),
            findings: visible,
            needs_action,
            ignored,
        };
        DriftReport { version: REPORT_VERSION, apps, summary, unreachable: Vec::new() }
    }

    /// Drift that needs action, or an app nobody could compare: either way, not "all clear".
    pub fn needs_action(&self) -> bool {
        self.summary.needs_action > 0 || self.summary.unknown > 0
    }

    /// Drops the findings ignore rules hid, and resources left with none; the summary
    /// keeps counting them, so the reader knows something was hidden.
    pub fn hide_ignored(&mut self) {
        for app in &mut self.apps {
            app.findings.retain(|f| f.ignored_by.is_none());
            for resource in &mut app.resources {
                resource.findings.retain(|f| f.ignored_by.is_none());
            }
            app.resources.retain(|r| r.status != ResourceStatus::Ignored);
        }
    }
}
