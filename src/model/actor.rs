//! The person behind a field manager's write (`owner.actor`, an extension of report v1): who
//! the API server's audit log says made the request that set a live value, or who started
//! the GitOps controller's sync, and how sure that match is.

use serde::Serialize;

/// Who made the write a managedFields entry records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The identity the API server acted as (`user.username`, or the impersonated user).
    pub username: String,
    pub groups: Vec<String>,
    pub source_ips: Vec<String>,
    pub user_agent: Option<String>,
    /// The real user who made the request as `username` (`kubectl --as`), when one did.
    pub impersonated_by: Option<String>,
    /// The audit event's `auditID`, to find it again in the cluster's log.
    pub audit_id: Option<String>,
    /// When the write completed (the event's `stageTimestamp`, or the sync's start).
    pub time: Option<String>,
    /// How the write was matched to the managedFields entry.
    #[serde(rename = "match")]
    pub quality: MatchQuality,
    /// The event's time minus the managedFields time, in whole seconds.
    pub offset_seconds: i64,
    /// Other users who wrote the same object as closely: the match is then uncertain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// Where the identity was read.
    pub source: ActorSource,
}

/// How a write was matched to the managedFields entry it set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchQuality {
    /// The same second, from a client whose user agent names that manager.
    Exact,
    /// A few seconds apart (clocks of several API servers), same client.
    Near,
    /// The same second, but the user agent does not name the manager (a client that set
    /// its own field manager): the only write to the object then.
    TimeOnly,
}

impl MatchQuality {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchQuality::Exact => "exact",
            MatchQuality::Near => "near",
            MatchQuality::TimeOnly => "time-only",
        }
    }
}

/// Where an actor was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActorSource {
    /// The Kubernetes API server's audit log (a file, or `kdrift serve`'s webhook).
    AuditLog,
    /// Argo CD's `status.operationState.operation.initiatedBy` on the app's sync.
    ArgocdSync,
}

impl Actor {
    /// "oncall@example.com", "alice (as ci-bot)", with the match's uncertainty: how a person
    /// reads who did it.
    pub fn describe(&self) -> String {
        let mut text = match &self.impersonated_by {
            Some(real) => format!("{real} (as {})", self.username),
            None => self.username.clone(),
        };
        match self.quality {
            MatchQuality::Exact => {}
            MatchQuality::Near => text.push_str(&format!(" (±{}s)", self.offset_seconds.abs())),
            MatchQuality::TimeOnly => text.push_str(" (matched by time only)"),
        }
        if !self.also.is_empty() {
            text.push_str(&format!(" or {}", self.also.join(", ")));
        }
        text
    }
}

/// Which audit log an app's owners were looked up in, and what it covers: a change outside
/// that span cannot have an event there (an extension of report v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditCoverage {
    /// The files or the webhook read ("audit.log", "kdrift serve's audit webhook").
    pub source: String,
    /// Events read.
    pub events: u64,
    /// The first and last event time seen (RFC 3339).
    pub first: Option<String>,
    pub last: Option<String>,
    /// Reading stopped at `[limits] audit_mb`: older files were not read.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}
