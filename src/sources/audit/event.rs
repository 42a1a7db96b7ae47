//! One `audit.k8s.io/v1` Event as kdrift keeps it: a completed, successful write (create,
//! update, patch) to a named object, with who made it. Everything else an event carries (the
//! request and response bodies, which may hold Secret data) is never kept.

use crate::engine::time::parse_rfc3339;
use serde::Deserialize;

/// Characters kept of one name, agent or address: enough for any real one.
const MAX_TEXT: usize = 256;
/// Groups and addresses kept of one user.
const MAX_LIST: usize = 32;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawEvent {
    #[serde(default, rename = "auditID")]
    audit_id: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default, rename = "requestURI")]
    request_uri: Option<String>,
    #[serde(default)]
    verb: Option<String>,
    #[serde(default)]
    user: Option<RawUser>,
    #[serde(default)]
    impersonated_user: Option<RawUser>,
    #[serde(default, rename = "sourceIPs", deserialize_with = "null_as_empty")]
    source_ips: Vec<String>,
    #[serde(default)]
    user_agent: Option<String>,
    #[serde(default)]
    object_ref: Option<RawObjectRef>,
    #[serde(default)]
    response_status: Option<RawStatus>,
    #[serde(default)]
    request_received_timestamp: Option<String>,
    #[serde(default)]
    stage_timestamp: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawUser {
    #[serde(default)]
    username: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    groups: Vec<String>,
}

/// A list that may be written as `null` (Go's nil slices).
fn null_as_empty<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawObjectRef {
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    api_group: Option<String>,
    #[serde(default)]
    subresource: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawStatus {
    #[serde(default)]
    code: Option<u16>,
}

/// The object a write went to, as the audit log names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ObjectId {
    /// API group, empty for the core group.
    pub group: String,
    pub namespace: String,
    pub name: String,
}

/// A completed write, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuditWrite {
    /// The plural resource written (`deployments`) and its subresource (`scale`), if any.
    pub resource: String,
    pub subresource: Option<String>,
    /// When the API server received the request and when it completed it (seconds).
    pub received: Option<i64>,
    pub completed: i64,
    pub completed_text: String,
    pub username: String,
    pub groups: Vec<String>,
    pub impersonated_by: Option<String>,
    pub source_ips: Vec<String>,
    pub user_agent: Option<String>,
    /// The manager the API server recorded for the request, as far as the event tells.
    pub manager: Manager,
    pub audit_id: Option<String>,
}

/// Which field manager a write was recorded under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Manager {
    /// The request named it (`?fieldManager=kubectl-edit`).
    Named(String),
    /// The request named none: the API server took its user agent's first word.
    FromAgent,
    /// The event has no request URI to tell (an exporter dropped it).
    Unknown,
}

/// What one event is to kdrift.
pub(super) enum Seen {
    /// A successful write to a named object.
    Write(ObjectId, Box<AuditWrite>),
    /// Some other event (a read, a failure, an earlier stage): it still shows the log's span.
    Other,
}

impl RawEvent {
    /// The event's completion time, for the log's span.
    pub(super) fn time(&self) -> Option<&str> {
        self.stage_timestamp.as_deref()
    }

    /// What the event is, its texts made safe for a terminal and bounded.
    pub(super) fn into_seen(self) -> Seen {
        let complete = self.stage.as_deref().is_none_or(|stage| stage == "ResponseComplete");
        // A dry run (kdrift's own, `kubectl diff`, Argo CD's) changes nothing.
        let dry_run = self.request_uri.as_deref().is_some_and(|uri| query(uri, "dryRun").is_some());
        let writes = matches!(self.verb.as_deref(), Some("create" | "update" | "patch")) && !dry_run;
        let succeeded =
            self.response_status.as_ref().and_then(|s| s.code).is_none_or(|code| (200..300).contains(&code));
        let (Some(object), Some(completed_text)) = (self.object_ref, self.stage_timestamp) else {
            return Seen::Other;
        };
        let (Some(name), Some(resource), Some(completed)) =
            (object.name.filter(|n| !n.is_empty()), object.resource, parse_rfc3339(&completed_text))
        else {
            return Seen::Other;
        };
        let Some(user) = self.user.and_then(|user| Some((user.username?, user.groups))) else {
            return Seen::Other;
        };
        if !(complete && writes && succeeded) {
            return Seen::Other;
        }
        // Impersonation: the API server acted as the impersonated user; the real one made it.
        let (username, groups, impersonated_by) = match self.impersonated_user {
            Some(RawUser { username: Some(as_user), groups }) => (as_user, groups, Some(user.0)),
            _ => (user.0, user.1, None),
        };
        let id = ObjectId {
            group: safe(&object.api_group.unwrap_or_default()),
            namespace: safe(&object.namespace.unwrap_or_default()),
            name: safe(&name),
        };
        let write = AuditWrite {
            resource: safe(&resource),
            subresource: object.subresource.filter(|s| !s.is_empty()).map(|s| safe(&s)),
            received: self.request_received_timestamp.as_deref().and_then(parse_rfc3339),
            completed,
            completed_text: safe(&completed_text),
            username: safe(&username),
            groups: groups.iter().take(MAX_LIST).map(|g| safe(g)).collect(),
            impersonated_by: impersonated_by.map(|u| safe(&u)),
            source_ips: self.source_ips.iter().take(MAX_LIST).map(|ip| safe(ip)).collect(),
            user_agent: self.user_agent.map(|agent| safe(&agent)),
            manager: self.request_uri.as_deref().map_or(Manager::Unknown, |uri| match query(uri, "fieldManager") {
                Some(named) => Manager::Named(named),
                None => Manager::FromAgent,
            }),
            // A client may set its own ID (`Audit-ID`): only an ID's characters are kept.
            audit_id: self
                .audit_id
                .map(|id| id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(64).collect()),
        };
        Seen::Write(id, Box::new(write))
    }
}

/// A query parameter of a request URI (`fieldManager`, `dryRun`).
fn query(uri: &str, name: &str) -> Option<String> {
    let (_, query) = uri.split_once('?')?;
    form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| safe(&value))
}

/// One line of text from the log, safe to print and at most `MAX_TEXT` characters.
fn safe(text: &str) -> String {
    let clean = crate::sanitize::clean_line(text);
    match clean.char_indices().nth(MAX_TEXT) {
        Some((cut, _)) => format!("{}…", &clean[..cut]),
        None => clean,
    }
}
