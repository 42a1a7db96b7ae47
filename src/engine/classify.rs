//! Classification of a raw difference into the seed's tables: drift category (who should own
//! the field), severity (what the field controls), the suggested response and whether a human
//! must review it, plus a reason sentence a responder can act on.

use crate::engine::diff::{Change, Provenance, RawDiff};
use crate::engine::fields::{Topic, topic_of};
use crate::engine::secrets;
use crate::engine::time::humanize_age;
use crate::model::{Category, Finding, ManagerClass, Owner, ResourceKey, Response, Severity};
use serde_json::Value;

/// What classification knows beyond the difference itself.
pub struct Context<'a> {
    pub key: &'a ResourceKey,
    /// Seconds since the epoch, for ages in reasons; `None` leaves ages out.
    pub now: Option<i64>,
    /// The live HPA scaling this workload, if any.
    pub hpa: Option<&'a str>,
    /// Annotation keys whose values are masked like Secret data.
    pub mask_annotations: &'a [String],
}

/// Runtime-assigned fields: allocated by the API server or a controller, never Git's.
const RUNTIME_ASSIGNED: &[&str] =
    &["clusterIP", "clusterIPs", "nodePort", "healthCheckNodePort", "volumeName", "nodeName"];

pub fn classify(raw: RawDiff, ctx: &Context<'_>) -> Finding {
    let oracle = raw.oracle;
    let topic = topic_of(&ctx.key.kind, &raw.fields);
    let verdict = decide(&raw, ctx, topic);
    let (desired, live) = secrets::mask_pair(&ctx.key.kind, &raw.fields, ctx.mask_annotations, raw.desired, raw.live);
    let reason = reason(&verdict, &raw.fields, &raw.display, desired.as_ref(), live.as_ref(), ctx);
    let desired_path = (raw.desired_pointer != raw.pointer).then_some(raw.desired_pointer);
    Finding {
        desired_path,
        git_commit: None,
        path: raw.pointer,
        display_path: raw.display,
        desired,
        live,
        category: verdict.category,
        severity: verdict.severity,
        response: verdict.response,
        review_required: verdict.review_required,
        owner: verdict.owner,
        ignored_by: None,
        reason,
        oracle: Some(oracle),
    }
}

/// The decision before words are put on it.
struct Verdict {
    category: Category,
    severity: Severity,
    response: Response,
    review_required: bool,
    owner: Option<Owner>,
    story: Story,
}

/// Which sentence explains the verdict.
enum Story {
    Autoscaled,
    RuntimeAssigned,
    Delegated,
    Injected,
    ChangedByHand,
    ChangedByUnknown,
    GitAhead,
    Unattributed,
    AbsentLive,
    AddedByHand,
    RemovedFromGit,
    /// Removed from Git; the last-applied configuration that lacks it is another manager's
    /// (named when managedFields record who wrote it).
    RemovedDespiteForeignLastApplied(Option<String>),
}

fn decide(raw: &RawDiff, ctx: &Context<'_>, topic: Topic) -> Verdict {
    let class = raw.owner.as_ref().map(|o| o.class);
    let sensitive = topic.is_sensitive();
    let field_severity = topic.severity();
    let verdict = |category, severity, response, review_required, story| Verdict {
        category,
        severity,
        response,
        review_required,
        owner: raw.owner.clone(),
        story,
    };
    let expected = |story| verdict(Category::ControllerManaged, Severity::Low, Response::Ignore, false, story);

    let is_replicas = raw.fields.len() == 2 && raw.fields[0] == "spec" && raw.fields[1] == "replicas";
    if let (Some(hpa), true) = (ctx.hpa, is_replicas) {
        let owner = match &raw.owner {
            Some(owner) if owner.class == ManagerClass::Controller => owner.clone(),
            _ => hpa_owner(hpa),
        };
        return Verdict { owner: Some(owner), ..expected(Story::Autoscaled) };
    }
    if raw.fields.last().is_some_and(|f| RUNTIME_ASSIGNED.contains(&f.as_str())) && raw.change != Change::LiveOnly {
        return verdict(Category::RuntimeMetadata, Severity::Info, Response::Ignore, false, Story::RuntimeAssigned);
    }
    let drift = |response, review, story| verdict(Category::DesiredConfig, field_severity, response, review, story);
    let by_sensitivity = |story| match sensitive {
        true => drift(Response::Backport, true, story),
        false => drift(Response::Sync, false, story),
    };
    match (raw.change, raw.provenance, class) {
        (_, Provenance::InjectedAtAdmission, _) => Verdict {
            // The request was the GitOps controller's; the writer was a mutating webhook.
            owner: raw.owner.clone().map(|o| Owner { class: ManagerClass::Webhook, ..o }),
            ..expected(Story::Injected)
        },
        (_, _, Some(ManagerClass::Controller | ManagerClass::Webhook)) => expected(Story::Delegated),
        (Change::DesiredOnly, _, _) => drift(Response::Sync, sensitive, Story::AbsentLive),
        (Change::Changed, _, Some(ManagerClass::Human)) => by_sensitivity(Story::ChangedByHand),
        (Change::Changed, _, Some(ManagerClass::Unknown)) if sensitive => {
            drift(Response::Escalate, true, Story::ChangedByUnknown)
        }
        (Change::Changed, _, Some(ManagerClass::Unknown)) => drift(Response::Sync, true, Story::ChangedByUnknown),
        (Change::Changed, _, Some(ManagerClass::Gitops)) => drift(Response::Sync, false, Story::GitAhead),
        (Change::Changed, _, None) if sensitive => drift(Response::Escalate, true, Story::Unattributed),
        (Change::Changed, _, None) => drift(Response::Sync, false, Story::Unattributed),
        (Change::LiveOnly, _, Some(ManagerClass::Human)) => by_sensitivity(Story::AddedByHand),
        (Change::LiveOnly, _, Some(ManagerClass::Unknown)) => {
            drift(if sensitive { Response::Escalate } else { Response::Sync }, true, Story::AddedByHand)
        }
        (Change::LiveOnly, Provenance::ForeignLastApplied, _) => {
            let writer = raw.last_applied_by.clone();
            drift(Response::Sync, sensitive, Story::RemovedDespiteForeignLastApplied(writer))
        }
        (Change::LiveOnly, _, _) => drift(Response::Sync, false, Story::RemovedFromGit),
    }
}

fn hpa_owner(hpa: &str) -> Owner {
    Owner {
        manager: format!("horizontal-pod-autoscaler/{hpa}"),
        class: ManagerClass::Controller,
        operation: None,
        subresource: Some("scale".to_owned()),
        time: None,
        actor: None,
    }
}

/// `kubectl scale` shows up as manager `kubectl` on the `scale` subresource.
pub fn manager_label(owner: &Owner) -> String {
    match (owner.manager.as_str(), owner.subresource.as_deref()) {
        ("kubectl", Some("scale")) => "kubectl scale".to_owned(),
        _ => owner.manager.clone(),
    }
}

fn reason(
    v: &Verdict,
    fields: &[String],
    display: &str,
    d: Option<&Value>,
    l: Option<&Value>,
    ctx: &Context<'_>,
) -> String {
    let field = field_label(fields, display);
    let git = show(d);
    let live = show(l);
    let by = v.owner.as_ref().map(manager_label).unwrap_or_default();
    let ago = age_phrase(v.owner.as_ref(), ctx.now);
    let how = v.owner.as_ref().and_then(|o| o.operation.as_deref()).map(operation_phrase).unwrap_or_default();
    match v.story {
        Story::Autoscaled => format!(
            "{field} is scaled by HPA {hpa} (live {live}, Git {git}): delegated to the autoscaler; ignore exactly this field, never sync it back",
            hpa = ctx.hpa.unwrap_or("?")
        ),
        Story::RuntimeAssigned => format!("{field} is assigned at runtime ({live}); exclude it from comparison"),
        Story::Delegated => format!(
            "{field} is managed by {by}{ago} (live {live}, Git {git}): expected if that ownership is intentional; ignore this exact field or move the value into Git"
        ),
        Story::Injected => format!(
            "{field} was injected at admission during {by}'s apply: {by} owns it, yet the last-applied-configuration {by} wrote in the same request lacks it, so a mutating webhook set it; ignore it narrowly, or add it to Git if it is stable intent"
        ),
        Story::ChangedByHand => format!("{field} {verb} live by {by}{ago}; Git says {git}", verb = direction(d, l)),
        Story::ChangedByUnknown => format!(
            "{field} set to {live} by unknown manager {by}{ago}; Git says {git}; find out who runs {by} before writing"
        ),
        Story::GitAhead => {
            format!("Git changed {field} to {git} after {by} last applied {live}{ago}; a sync rolls it out")
        }
        Story::Unattributed => format!(
            "{field} is {live} live but {git} in Git, and the live copy has no managedFields to say who changed it"
        ),
        Story::AbsentLive => {
            format!("Git sets {field} to {git} but live has none: removed out of band or dropped by the API server")
        }
        Story::AddedByHand => format!("{field} added live by {by}{ago} ({}); not in Git", describe_added(l)),
        Story::RemovedFromGit => match v.owner {
            Some(_) => format!(
                "{field} was removed from Git but is still live ({live}, last applied by {by}{ago}); a sync deletes it"
            ),
            None => format!(
                "{field} was removed from Git but is still live ({live}, recorded in last-applied-configuration); a sync deletes it"
            ),
        },
        Story::RemovedDespiteForeignLastApplied(ref writer) => format!(
            "{field} was removed from Git but is still live ({live}): {by} owns it{how}{ago}, and the last-applied-configuration that lacks it was written by {writer}, not {by}, so it says nothing about what {by} applied; a sync deletes it",
            writer = writer.as_deref().unwrap_or("a manager managedFields do not record")
        ),
    }
}

/// " through server-side apply", " through an update".
fn operation_phrase(operation: &str) -> String {
    match operation {
        "Apply" => " through server-side apply".to_owned(),
        "Update" => " through an update".to_owned(),
        other => format!(" through {other}"),
    }
}

fn age_phrase(owner: Option<&Owner>, now: Option<i64>) -> String {
    let then = owner.and_then(|o| o.time.as_deref()).and_then(crate::engine::time::parse_rfc3339);
    match (then, now) {
        (Some(then), Some(now)) => format!(" {} ago", humanize_age(now - then)),
        _ => String::new(),
    }
}

/// "memory limit", "cpu request", "replica count", or the display path.
fn field_label(fields: &[String], display: &str) -> String {
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    match names.as_slice() {
        [.., "limits", resource] => format!("{resource} limit"),
        [.., "requests", resource] => format!("{resource} request"),
        ["spec", "replicas"] => "replica count".to_owned(),
        // One env item (`…env[name=DEBUG]`), or the whole list (`…containers[name=app].env`).
        [.., "env"] => match display.rsplit_once("[name=") {
            Some((_, name)) if display.ends_with(']') && !name.contains('.') => {
                format!("env var {}", name.trim_end_matches(']'))
            }
            _ => format!("the env list ({display})"),
        },
        _ => display.to_owned(),
    }
}

/// An added env var reads as "value true"; anything else as its abbreviated value.
fn describe_added(live: Option<&Value>) -> String {
    match live.and_then(|l| l.get("value")) {
        Some(value) if live.and_then(|l| l.get("name")).is_some() => format!("value {}", show(Some(value))),
        _ => show(live),
    }
}

fn direction(desired: Option<&Value>, live: Option<&Value>) -> &'static str {
    use crate::engine::quantity::Quantity;
    match (desired.and_then(Quantity::from_json), live.and_then(Quantity::from_json)) {
        (Some(d), Some(l)) if l > d => "raised",
        (Some(d), Some(l)) if l < d => "lowered",
        _ => "changed",
    }
}

/// A value as a reason shows it: scalars bare, structures abbreviated.
pub fn show(value: Option<&Value>) -> String {
    const LIMIT: usize = 60;
    match value {
        None | Some(Value::Null) => "nothing".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            let text = other.to_string();
            match text.char_indices().nth(LIMIT) {
                Some((cut, _)) => format!("{}…", &text[..cut]),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Oracle;
    use serde_json::json;

    fn key(kind: &str) -> ResourceKey {
        ResourceKey { group: "apps".into(), kind: kind.into(), namespace: "prod".into(), name: "checkout-api".into() }
    }

    fn owner(manager: &str, class: ManagerClass, time: &str) -> Owner {
        Owner {
            manager: manager.into(),
            class,
            operation: Some("Update".into()),
            subresource: None,
            time: Some(time.into()),
            actor: None,
        }
    }

    fn raw(fields: &[&str], change: Change, d: Option<Value>, l: Option<Value>, owner: Option<Owner>) -> RawDiff {
        RawDiff {
            pointer: format!("/{}", fields.join("/")),
            desired_pointer: format!("/{}", fields.join("/")),
            display: fields.join("."),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            change,
            desired: d,
            live: l,
            owner,
            provenance: Provenance::Managed,
            last_applied_by: None,
            oracle: Oracle::DefaultsTable,
        }
    }

    const NOW: i64 = 1_777_191_000 + 43 * 86_400;

    #[test]
    fn hand_raised_memory_limit_is_high_and_suggests_backport_with_review() {
        let k = key("Deployment");
        let ctx = Context { key: &k, now: Some(NOW), hpa: None, mask_annotations: &[] };
        let fields = ["spec", "template", "spec", "containers", "resources", "limits", "memory"];
        let human = owner("kubectl-edit", ManagerClass::Human, "2026-04-26T08:10:00Z");
        let f = classify(raw(&fields, Change::Changed, Some(json!("512Mi")), Some(json!("2Gi")), Some(human)), &ctx);
        assert_eq!(f.category, Category::DesiredConfig);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.response, Response::Backport);
        assert!(f.review_required);
        assert_eq!(f.reason, "memory limit raised live by kubectl-edit 43 days ago; Git says 512Mi");
    }

    #[test]
    fn replicas_under_an_hpa_are_controller_managed_even_without_managed_fields() {
        let k = key("Deployment");
        let ctx = Context { key: &k, now: Some(NOW), hpa: Some("checkout-api"), mask_annotations: &[] };
        let f = classify(raw(&["spec", "replicas"], Change::Changed, Some(json!(3)), Some(json!(9)), None), &ctx);
        assert_eq!(f.category, Category::ControllerManaged);
        assert_eq!(f.response, Response::Ignore);
        assert!(!f.needs_action());
        assert_eq!(f.owner.map(|o| o.manager).as_deref(), Some("horizontal-pod-autoscaler/checkout-api"));
    }

    #[test]
    fn git_ahead_of_the_gitops_manager_is_a_plain_sync() {
        let k = key("Deployment");
        let ctx = Context { key: &k, now: None, hpa: None, mask_annotations: &[] };
        let gitops = owner("argocd-controller", ManagerClass::Gitops, "2026-04-26T08:10:00Z");
        let f = classify(
            raw(&["spec", "paused"], Change::Changed, Some(json!(true)), Some(json!(false)), Some(gitops)),
            &ctx,
        );
        assert_eq!((f.category, f.response, f.review_required), (Category::DesiredConfig, Response::Sync, false));
    }

    #[test]
    fn env_added_with_kubectl_set_needs_review() {
        let k = key("Deployment");
        let ctx = Context { key: &k, now: Some(NOW), hpa: None, mask_annotations: &[] };
        let human = owner("kubectl-set", ManagerClass::Human, "2026-06-01T00:00:00Z");
        let fields = ["spec", "template", "spec", "containers", "env"];
        let mut added = raw(&fields, Change::LiveOnly, None, Some(json!({"name": "DEBUG", "value": "1"})), Some(human));
        added.display = "spec.template.spec.containers[name=app].env[name=DEBUG]".into();
        let f = classify(added, &ctx);
        assert_eq!((f.category, f.severity, f.response), (Category::DesiredConfig, Severity::High, Response::Backport));
        assert!(f.reason.starts_with("env var DEBUG added live by kubectl-set"), "{}", f.reason);
    }

    #[test]
    fn kubectl_scale_is_named_as_such() {
        let mut o = owner("kubectl", ManagerClass::Human, "2026-06-01T00:00:00Z");
        o.subresource = Some("scale".into());
        assert_eq!(manager_label(&o), "kubectl scale");
    }
}
