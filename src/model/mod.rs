//! The report data model: resource identity, findings and their classification, and the
//! `DriftReport` every output (JSON, text, markdown, diff, later the TUI) is built from.
//!
//! Field names and enum spellings here are the JSON contract of DESIGN §4 (report version 1):
//! extend compatibly, never rename.

mod actor;
pub mod health;
mod reports;

pub use actor::{Actor, ActorSource, AuditCoverage, MatchQuality};

pub use reports::{
    AppReport, ControllerKind, ControllerStatus, DriftReport, EventEvidence, GitSpot, ObjectName, Permission,
    ResourceReport, ResourceStatus, Summary, SyncRun, SyncStatus,
};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// Report format version written as `"version"` in JSON output.
pub const REPORT_VERSION: u32 = 1;

/// Identity used to pair desired and live objects: the API version is deliberately absent,
/// so `apps/v1` and `apps/v1beta2` copies of one Deployment pair up.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceKey {
    pub group: String,
    pub kind: String,
    /// Empty for cluster-scoped kinds.
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for ResourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// The seed's drift categories (its first table), plus the two resource-level ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    DesiredConfig,
    RuntimeMetadata,
    ControllerManaged,
    Orphan,
    Missing,
    SyncAvailability,
}

impl Category {
    /// Harmful categories are the ones that break the source-of-truth contract; the others
    /// are expected variance that must stay visible but must not page anybody.
    pub fn is_harmful(self) -> bool {
        matches!(self, Category::DesiredConfig | Category::Orphan | Category::Missing | Category::SyncAvailability)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::DesiredConfig => "desired-config",
            Category::RuntimeMetadata => "runtime-metadata",
            Category::ControllerManaged => "controller-managed",
            Category::Orphan => "orphan",
            Category::Missing => "missing",
            Category::SyncAvailability => "sync-availability",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// One step more severe (critical stays critical).
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The five decisions a runbook ends in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Response {
    Sync,
    Backport,
    Ignore,
    Prune,
    Escalate,
}

impl Response {
    pub fn as_str(self) -> &'static str {
        match self {
            Response::Sync => "sync",
            Response::Backport => "backport",
            Response::Ignore => "ignore",
            Response::Prune => "prune",
            Response::Escalate => "escalate",
        }
    }
}

/// Who a field manager is, as far as drift is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ManagerClass {
    /// The GitOps controller (Argo CD, Flux): its fields came from Git.
    Gitops,
    /// A known Kubernetes controller (HPA, scheduler, kubelet, …): delegated ownership.
    Controller,
    /// A person or ad-hoc tool (`kubectl edit`, `kubectl set`, the dashboard).
    Human,
    /// An admission webhook or operator mutating objects it does not own.
    Webhook,
    /// A manager kdrift does not know; treated with a human's suspicion.
    Unknown,
}

impl ManagerClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ManagerClass::Gitops => "gitops",
            ManagerClass::Controller => "controller",
            ManagerClass::Human => "human",
            ManagerClass::Webhook => "webhook",
            ManagerClass::Unknown => "unknown",
        }
    }
}

/// The field manager that set a live value, from `metadata.managedFields` (or synthesized
/// from evidence such as an HPA targeting the workload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    pub manager: String,
    pub class: ManagerClass,
    pub operation: Option<String>,
    pub subresource: Option<String>,
    pub time: Option<String>,
    /// The person behind that write, when an audit log or the controller's sync names one
    /// (an extension of v1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<Box<Actor>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// RFC 6901 pointer into the live object (into the desired object for `missing`).
    pub path: String,
    pub display_path: String,
    pub desired: Option<Value>,
    pub live: Option<Value>,
    pub category: Category,
    pub severity: Severity,
    pub response: Response,
    pub review_required: bool,
    pub owner: Option<Owner>,
    /// The ignore rule that hid this difference; `null` when it counts.
    pub ignored_by: Option<IgnoredBy>,
    pub reason: String,
    /// The same place in the desired object, when list positions differ from `path`
    /// (an extension of v1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_path: Option<String>,
    /// The last commit that changed the desired line (Git blame), when desired came from Git
    /// (an extension of v1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<CommitEvidence>,
    /// What decided which differences the API server itself produces (defaults, admission
    /// changes): its own dry run, or kdrift's offline table. Field findings only (an
    /// extension of v1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oracle: Option<Oracle>,
}

/// Who answered "would the API server produce this value from Git's object?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Oracle {
    /// A server-side dry-run apply of Git's object on the connected cluster.
    ServerDryRun,
    /// kdrift's table of Kubernetes defaults (offline, or the dry run was not possible).
    DefaultsTable,
}

impl Oracle {
    pub fn as_str(self) -> &'static str {
        match self {
            Oracle::ServerDryRun => "server-dry-run",
            Oracle::DefaultsTable => "defaults-table",
        }
    }

    /// How a person reads it: "the API server's dry run", "kdrift's defaults table".
    pub fn describe(self) -> &'static str {
        match self {
            Oracle::ServerDryRun => "the API server's dry run of Git's object",
            Oracle::DefaultsTable => "kdrift's offline table of API defaults",
        }
    }
}

/// A commit as evidence: who changed the desired state, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitEvidence {
    pub id: String,
    pub author: String,
    /// RFC 3339, UTC.
    pub time: String,
    pub summary: String,
}

/// How an ignore rule selects what it hides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IgnoreMethod {
    /// Argo CD `jsonPointers`: removed on both sides.
    JsonPointer,
    /// Flux `paths` (JSON pointers too): removed on both sides.
    FluxPath,
    /// Argo CD `jqPathExpressions`, evaluated as `del(<expression>)` on both sides.
    Jq,
    /// Argo CD `managedFieldsManagers`: live fields owned by that manager.
    ManagedFieldsManager,
    /// A compare option on the object itself (`argocd.argoproj.io/compare-options`).
    CompareOption,
}

impl IgnoreMethod {
    /// The key the rule is written under, as its author wrote it.
    pub fn label(self) -> &'static str {
        match self {
            IgnoreMethod::JsonPointer => "jsonPointers",
            IgnoreMethod::FluxPath => "paths",
            IgnoreMethod::Jq => "jqPathExpressions",
            IgnoreMethod::ManagedFieldsManager => "managedFieldsManagers",
            IgnoreMethod::CompareOption => "compare-options",
        }
    }
}

/// The rule that hid a difference, precise enough to find and edit it (an extension of
/// report v1: `ignored_by` is `null` or this object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoredBy {
    /// Where the rule is written: a file, or the live object that carries it
    /// (`live/apps.yaml#2 (Application argocd/checkout-api)`).
    pub source: String,
    /// The rule inside that source, as a path: `spec.ignoreDifferences[0]`.
    pub rule: String,
    pub method: IgnoreMethod,
    /// The pointer, jq expression, manager name or option that matched.
    pub expression: String,
}

impl fmt::Display for IgnoredBy {
    /// `app.yaml spec.ignoreDifferences[0] jsonPointers /spec/replicas`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} {}", self.source, self.rule, self.method.label(), self.expression)
    }
}

impl Finding {
    /// Drift that should page or block: harmful and not hidden by an ignore rule.
    pub fn needs_action(&self) -> bool {
        self.ignored_by.is_none() && self.category.is_harmful()
    }
}
