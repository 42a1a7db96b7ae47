//! The vocabulary of a decision, shared by the runbook, training, the screens and the writing
//! layer: what the responder decided (`Decision`), what it is about (`Subject`), when each
//! response fits or harms (`Risk`), and what a correction touches beyond its field (the
//! blast radius). Pure: no IO.

use crate::model::{ControllerStatus, Finding, GitSpot, ResourceKey, ResourceReport, Response};
use serde::Deserialize;
use serde_json::Value;

/// What the responder decided. `LeaveAsIs` is recorded too: a decision not to act is one.
/// The five corrections are the report's `Response`s; the sixth value is choosing none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub enum Decision {
    Act(Response),
    LeaveAsIs,
}

/// The five corrections in the order the runbook offers them.
pub const DECISIONS: [Decision; 5] = [
    Decision::Act(Response::Sync),
    Decision::Act(Response::Backport),
    Decision::Act(Response::Ignore),
    Decision::Act(Response::Prune),
    Decision::Act(Response::Escalate),
];

/// When a response fits, when it does harm, and how to tell it worked (the seed's response
/// table, in kdrift's words).
pub struct Risk {
    pub choose_when: &'static str,
    pub avoid_when: &'static str,
    pub verify_by: &'static str,
}

impl Decision {
    /// How the audit log and the screens name it ("left-as-is" for the sixth).
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Act(response) => response.as_str(),
            Decision::LeaveAsIs => "left-as-is",
        }
    }

    /// How scenario files and commands spell it ("leave-as-is" for the sixth).
    pub fn name(self) -> &'static str {
        match self {
            Decision::Act(response) => response.as_str(),
            Decision::LeaveAsIs => "leave-as-is",
        }
    }

    /// The decision spelled `name` (`sync` … `escalate`, `leave-as-is`).
    pub fn named(name: &str) -> Option<Decision> {
        DECISIONS.into_iter().chain([Decision::LeaveAsIs]).find(|d| d.name() == name)
    }

    /// Whether the decision needs a session that may write to the cluster or a repository
    /// (read-only mode hides these). Ignore is not one: read-only, it prints the rule.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Decision::Act(Response::Sync) | Decision::Act(Response::Backport) | Decision::Act(Response::Prune)
        )
    }

    pub fn risk(self) -> Risk {
        match self {
            Decision::Act(Response::Sync) => Risk {
                choose_when: "Git is trusted and tested, and should override the live edit",
                avoid_when: "another controller owns the field, or Git may be stale (a live fix would be reverted)",
                verify_by: "the diff clears, the rollout stays healthy, and the field does not flip back",
            },
            Decision::Act(Response::Backport) => Risk {
                choose_when: "the live value is right and Git is incomplete (an emergency fix never committed)",
                avoid_when: "the live value is accidental, unreviewed or unsafe",
                verify_by: "a reviewed change carries the evidence and becomes the desired state",
            },
            Decision::Act(Response::Ignore) => Risk {
                choose_when: "one field is deliberately managed outside Git (HPA replicas, injected bookkeeping)",
                avoid_when: "the rule would hide configuration or security changes",
                verify_by: "only the expected field disappears from the drift report",
            },
            Decision::Act(Response::Prune) => Risk {
                choose_when: "the leftover object is provably the app's (tracking label or annotation)",
                avoid_when: "the object is shared, generated, or still in use",
                verify_by: "the object is gone and nothing that pointed at it broke",
            },
            Decision::Act(Response::Escalate) => Risk {
                choose_when: "ownership, safety or impact is unclear",
                avoid_when: "a low-risk policy already covers the case",
                verify_by: "the record names the decision maker and the next action",
            },
            Decision::LeaveAsIs => Risk {
                choose_when: "the difference needs no change now",
                avoid_when: "the drift is harmful",
                verify_by: "the audit log says why it was left",
            },
        }
    }
}

/// The resource a decision is about, with everything shown to the responder.
#[derive(Debug, Clone)]
pub struct Subject {
    pub app: String,
    /// The app's default namespace.
    pub namespace: String,
    pub resource: ResourceReport,
    /// The findings in scope: one field, or every finding of the resource that needs action.
    pub findings: Vec<Finding>,
    pub desired: Option<Value>,
    /// The live object exactly as shown (its `resourceVersion` is re-checked before writes).
    pub live: Option<Value>,
    pub controller: Option<ControllerStatus>,
    /// Why the controller cannot apply Git right now, when it cannot: a sync through it fails.
    pub delivery_blocked: Option<String>,
    pub owner_team: Option<String>,
    pub criticality: Option<String>,
    /// Where desired state came from in Git, when it did.
    pub git: Option<GitSpot>,
    /// The workload's pods, when the source has them (`None`: not a workload, or no pods seen).
    pub health: Option<crate::model::health::WorkloadHealth>,
    /// The audit log the owners were looked up in, when one was read.
    pub audit_log: Option<crate::model::AuditCoverage>,
}

impl Subject {
    pub fn key(&self) -> ResourceKey {
        self.resource.key()
    }

    /// The display paths of the fields in scope.
    pub fn fields(&self) -> Vec<String> {
        self.findings.iter().map(|f| f.display_path.clone()).filter(|p| !p.is_empty()).collect()
    }

    pub fn is_secret(&self) -> bool {
        crate::engine::secrets::is_secret_kind(&self.resource.kind)
    }
}

impl TryFrom<String> for Decision {
    type Error = String;

    fn try_from(name: String) -> Result<Decision, String> {
        Decision::named(&name).ok_or_else(|| {
            let names: Vec<&str> = DECISIONS.into_iter().chain([Decision::LeaveAsIs]).map(Decision::name).collect();
            format!("'{name}' is not a decision ({})", names.join(", "))
        })
    }
}

/// What the correction touches beyond the field: "changing the pod template restarts all 9
/// pods of checkout-api".
pub fn blast_radius(subject: &Subject) -> Option<String> {
    let key = subject.key();
    let live = subject.live.as_ref();
    let number = |pointer: &str| live.and_then(|l| l.pointer(pointer)).and_then(Value::as_i64);
    let pods = number("/status/replicas").or(number("/spec/replicas"));
    let paths: Vec<&str> = subject.findings.iter().map(|f| f.path.as_str()).collect();
    if subject.desired.is_none() {
        return Some(format!("removes {} {} from the cluster", key.kind, key.name));
    }
    if paths.iter().any(|p| p.starts_with("/spec/template/"))
        && matches!(key.kind.as_str(), "Deployment" | "StatefulSet" | "DaemonSet")
    {
        return Some(match pods {
            Some(pods) => {
                format!("changing the pod template restarts all {pods} pods of {} (a rolling update)", key.name)
            }
            None => format!("changing the pod template restarts every pod of {} (a rolling update)", key.name),
        });
    }
    if let Some(finding) = subject.findings.iter().find(|f| f.path == "/spec/replicas") {
        return Some(format!(
            "scales {} from {} to {} pods",
            key.name,
            finding.live.as_ref().map_or("?".to_owned(), Value::to_string),
            finding.desired.as_ref().map_or("?".to_owned(), Value::to_string)
        ));
    }
    if key.kind == "Service" && paths.iter().any(|p| p.starts_with("/spec/selector")) {
        return Some(format!("changes which pods Service {} sends traffic to", key.name));
    }
    if matches!(key.kind.as_str(), "ConfigMap" | "Secret") {
        return Some(format!(
            "pods using {} {} see the change on restart (or on their next volume sync)",
            key.kind, key.name
        ));
    }
    None
}
