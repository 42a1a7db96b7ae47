use super::*;
use crate::model::{ManagerClass, MatchQuality, Owner};
use serde_json::{Value, json};
use std::io::Write as _;

const KUBECTL: &str = "kubectl/v1.31.1 (linux/amd64) kubernetes/948afe5";

/// One audit event in the API server's shape: a completed write by `user` at `completed`
/// (received 40 ms before), to Deployment prod/web unless changed after.
fn event(user: &str, verb: &str, completed: &str, field_manager: Option<&str>, agent: &str) -> Value {
    let query = field_manager.map(|m| format!("?fieldManager={m}")).unwrap_or_default();
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": format!("{user}-{completed}"), "stage": "ResponseComplete",
        "requestURI": format!("/apis/apps/v1/namespaces/prod/deployments/web{query}"),
        "verb": verb,
        "user": {"username": user, "groups": ["sre", "system:authenticated"]},
        "sourceIPs": ["10.1.2.3"], "userAgent": agent,
        "objectRef": {"resource": "deployments", "namespace": "prod", "name": "web", "apiGroup": "apps", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 200},
        "requestReceivedTimestamp": completed.replace(".5", ".46"),
        "stageTimestamp": completed,
    })
}

fn owner(manager: &str, time: &str, subresource: Option<&str>) -> Owner {
    Owner {
        manager: manager.to_owned(),
        class: ManagerClass::Human,
        operation: Some("Update".to_owned()),
        subresource: subresource.map(str::to_owned),
        time: Some(time.to_owned()),
        actor: None,
    }
}

fn web() -> ObjectId {
    ObjectId { group: "apps".to_owned(), namespace: "prod".to_owned(), name: "web".to_owned() }
}

fn wanted(time: &str) -> Wanted {
    let mut wanted = Wanted::default();
    wanted.add(web(), crate::engine::time::parse_rfc3339(time).unwrap());
    wanted
}

fn index(events: &[Value], at: &str) -> AuditIndex {
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    AuditIndex::read_text("test.log", &text, &wanted(at))
}

fn deployments(resource: &str) -> bool {
    resource == "deployments"
}

const AT: &str = "2026-06-06T02:41:00Z";

#[test]
fn kubectl_edit_is_matched_exactly_by_its_field_manager_and_second() {
    let log = index(&[event("dana@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL)], AT);
    let actor = log.actor_for(&web(), deployments, &owner("kubectl-edit", AT, None)).unwrap();
    assert_eq!(actor.username, "dana@example.com");
    assert_eq!(actor.quality, MatchQuality::Exact);
    assert_eq!(actor.source_ips, ["10.1.2.3"]);
    // Only an ID's characters are kept of what a client may choose.
    assert_eq!(actor.audit_id.as_deref(), Some("danaexamplecom-2026-06-06T0241005Z"));
    assert_eq!(actor.impersonated_by, None);
}

#[test]
fn kubectl_set_and_a_console_edit_are_matched_by_their_managers() {
    let set = index(&[event("ana@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-set"), KUBECTL)], AT);
    assert_eq!(
        set.actor_for(&web(), deployments, &owner("kubectl-set", AT, None)).unwrap().username,
        "ana@example.com"
    );
    // The dashboard names no field manager: the API server takes the agent's first word.
    let browser = "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0";
    let console = index(&[event("kim@example.com", "update", "2026-06-06T02:41:00.5Z", None, browser)], AT);
    let actor = console.actor_for(&web(), deployments, &owner("Mozilla", AT, None)).unwrap();
    assert_eq!((actor.username.as_str(), actor.quality), ("kim@example.com", MatchQuality::Exact));
    // …and that console write is not a kubectl edit made in the same second.
    assert_eq!(console.actor_for(&web(), deployments, &owner("kubectl-edit", AT, None)), None);
}

#[test]
fn kubectl_scale_matches_only_the_scale_subresource() {
    let mut scale = event("ops@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-scale"), KUBECTL);
    scale["objectRef"]["subresource"] = json!("scale");
    let edit = event("dana@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL);
    let log = index(&[scale, edit], AT);
    let actor = log.actor_for(&web(), deployments, &owner("kubectl-scale", AT, Some("scale"))).unwrap();
    assert_eq!(actor.username, "ops@example.com");
    assert_eq!(log.actor_for(&web(), deployments, &owner("kubectl-scale", AT, None)), None);
}

#[test]
fn an_impersonated_request_names_both_users() {
    let mut patch = event("lee@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-patch"), KUBECTL);
    patch["impersonatedUser"] = json!({"username": "breakglass-admin", "groups": ["breakglass"]});
    let log = index(&[patch], AT);
    let actor = log.actor_for(&web(), deployments, &owner("kubectl-patch", AT, None)).unwrap();
    assert_eq!(actor.username, "breakglass-admin");
    assert_eq!(actor.impersonated_by.as_deref(), Some("lee@example.com"));
    assert_eq!(actor.groups, ["breakglass"]);
    assert_eq!(actor.describe(), "lee@example.com (as breakglass-admin)");
}

#[test]
fn reads_failures_earlier_stages_and_other_objects_never_match() {
    let completed = "2026-06-06T02:41:00.5Z";
    let get = event("reader@example.com", "get", completed, None, KUBECTL);
    let mut denied = event("intern@example.com", "patch", completed, Some("kubectl-edit"), KUBECTL);
    denied["responseStatus"] = json!({"metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403});
    let mut received = event("early@example.com", "patch", completed, Some("kubectl-edit"), KUBECTL);
    received["stage"] = json!("RequestReceived");
    let mut other_namespace = event("staging@example.com", "patch", completed, Some("kubectl-edit"), KUBECTL);
    other_namespace["objectRef"]["namespace"] = json!("staging");
    let mut service = event("svc@example.com", "patch", completed, Some("kubectl-edit"), KUBECTL);
    service["objectRef"] = json!({"resource": "services", "namespace": "prod", "name": "web"});
    let other_manager = event("apply@example.com", "patch", completed, Some("kubectl-client-side-apply"), KUBECTL);
    let later = event("later@example.com", "patch", "2026-06-06T02:41:30.5Z", Some("kubectl-edit"), KUBECTL);
    let log = index(&[get, denied, received, other_namespace, service, other_manager, later], AT);
    assert_eq!(log.actor_for(&web(), deployments, &owner("kubectl-edit", AT, None)), None);
    assert_eq!(log.coverage.events, 7);
}

#[test]
fn a_write_seconds_away_is_another_request_and_names_nobody() {
    // The entry and the event are stamped by the same API server: seconds apart, it is a
    // different request (another one, not in the log, set the field).
    let log = index(&[event("raj@example.com", "patch", "2026-06-06T02:41:02.5Z", Some("kubectl-edit"), KUBECTL)], AT);
    assert_eq!(log.actor_for(&web(), deployments, &owner("kubectl-edit", AT, None)), None);
}

#[test]
fn dry_runs_change_nothing_and_name_nobody() {
    let mut dry_run = event("kdrift-sa", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL);
    dry_run["requestURI"] = json!("/apis/apps/v1/namespaces/prod/deployments/web?dryRun=All&fieldManager=kubectl-edit");
    let log = index(&[dry_run], AT);
    assert_eq!(log.actor_for(&web(), deployments, &owner("kubectl-edit", AT, None)), None);
}

#[test]
fn null_lists_read_as_empty_and_a_borrowed_audit_id_hides_nobody() {
    let mut edit = event("dana@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL);
    edit["sourceIPs"] = Value::Null;
    edit["user"]["groups"] = Value::Null;
    // Another user sends the same Audit-ID header for a write of their own.
    let mut forged = event("mallory@example.com", "patch", "2026-06-06T02:41:00.7Z", Some("kubectl-edit"), KUBECTL);
    forged["auditID"] = edit["auditID"].clone();
    let log = index(&[forged, edit], AT);
    let actor = log.actor_for(&web(), deployments, &owner("kubectl-edit", AT, None)).unwrap();
    assert_eq!(log.writes(&web()).len(), 2);
    let dana = log.writes(&web()).iter().find(|w| w.username == "dana@example.com").unwrap();
    assert!(dana.source_ips.is_empty() && dana.groups.is_empty());
    let mut named = [actor.username.clone()].into_iter().chain(actor.also).collect::<Vec<_>>();
    named.sort();
    assert_eq!(named, ["dana@example.com", "mallory@example.com"]);
}

#[test]
fn two_users_in_the_same_second_are_both_named() {
    let log = index(
        &[
            event("dana@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL),
            event("raj@example.com", "patch", "2026-06-06T02:41:00.7Z", Some("kubectl-edit"), KUBECTL),
        ],
        AT,
    );
    let actor = log.actor_for(&web(), deployments, &owner("kubectl-edit", AT, None)).unwrap();
    assert_eq!(actor.also, ["raj@example.com"]);
    assert!(actor.describe().ends_with(" or raj@example.com"), "{}", actor.describe());
}

#[test]
fn the_time_alone_names_a_person_only_when_one_write_fits() {
    // An exporter that dropped the request URI: which manager the write had is unknown.
    let curl = "curl/8.8.0";
    let unknown = |user: &str, completed: &str| {
        let mut write = event(user, "patch", completed, None, curl);
        write.as_object_mut().unwrap().remove("requestURI");
        write
    };
    let one = index(&[unknown("bot@example.com", "2026-06-06T02:41:00.5Z")], AT);
    let actor = one.actor_for(&web(), deployments, &owner("hotfix-script", AT, None)).unwrap();
    assert_eq!(actor.quality, MatchQuality::TimeOnly);
    let two = index(
        &[unknown("bot@example.com", "2026-06-06T02:41:00.5Z"), unknown("other@example.com", "2026-06-06T02:41:00.6Z")],
        AT,
    );
    assert_eq!(two.actor_for(&web(), deployments, &owner("hotfix-script", AT, None)), None);
}

#[test]
fn the_same_event_read_twice_counts_once() {
    let edit = event("dana@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL);
    let log = index(&[edit.clone(), edit], AT);
    assert_eq!(log.writes(&web()).len(), 1);
}

#[test]
fn only_the_wanted_objects_near_their_times_are_kept() {
    let far = event("old@example.com", "patch", "2026-06-01T00:00:00.5Z", Some("kubectl-edit"), KUBECTL);
    let mut other = event("x@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL);
    other["objectRef"]["name"] = json!("api");
    let near = event("dana@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL);
    let log = index(&[far, other, near], AT);
    assert_eq!(log.writes(&web()).len(), 1);
    assert_eq!(log.writes.len(), 1);
    // The span still counts every event read.
    assert_eq!(log.coverage.first.as_deref(), Some("2026-06-01T00:00:00Z"));
    assert_eq!(log.coverage.events, 3);
}

#[test]
fn a_directory_of_rotated_logs_gzip_included_is_read_with_bad_lines_noted() {
    let dir = tempfile::tempdir().unwrap();
    let edit = event("dana@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL);
    let old = event("old@example.com", "patch", "2026-06-05T00:00:00.5Z", Some("kubectl-edit"), KUBECTL);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    writeln!(gz, "{edit}").unwrap();
    std::fs::write(dir.path().join("audit-2026-06-06.log.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(dir.path().join("audit.log"), format!("{old}\nnot json\n{{\"verb\": 3}}\n")).unwrap();
    std::fs::write(dir.path().join(".hidden"), "garbage").unwrap();
    let log = AuditIndex::read_paths(&[dir.path().to_owned()], &wanted(AT)).unwrap();
    let actor = log.actor_for(&web(), deployments, &owner("kubectl-edit", AT, None)).unwrap();
    assert_eq!(actor.username, "dana@example.com");
    assert_eq!(log.notes.len(), 1, "{:?}", log.notes);
    assert!(log.notes[0].starts_with("2 lines of the audit log are not audit events (the first: "), "{}", log.notes[0]);
    assert!(log.notes[0].contains("audit.log:2:1: no stageTimestamp, not an audit event"), "{}", log.notes[0]);
}

#[test]
fn a_missing_path_or_a_fifo_is_one_clear_error_without_blocking() {
    let missing = AuditIndex::read_paths(&[PathBuf::from("/nonexistent/audit.log")], &wanted(AT)).unwrap_err();
    assert_eq!(missing.to_string(), "audit log /nonexistent/audit.log: No such file or directory (os error 2)");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("audit.fifo");
    rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR).unwrap();
    let error = AuditIndex::read_paths(&[fifo], &wanted(AT)).unwrap_err();
    assert!(error.to_string().ends_with("it is a FIFO, not a regular file"), "{error}");
}

#[test]
fn a_line_past_the_bound_is_skipped_and_the_rest_still_read() {
    let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat(9 * 1024 * 1024));
    let edit = event("dana@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL);
    let text = format!("{huge}\n{edit}\n");
    let log = AuditIndex::read_text("big.log", &text, &wanted(AT));
    assert!(log.actor_for(&web(), deployments, &owner("kubectl-edit", AT, None)).is_some());
    assert_eq!(log.notes, ["big.log: 1 line over 8 MiB skipped"]);
}

#[test]
fn terminal_escapes_in_a_username_are_made_visible() {
    let edit =
        event("evil\u{1b}]0;pwned\u{7}@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL);
    let log = index(&[edit], AT);
    let actor = log.actor_for(&web(), deployments, &owner("kubectl-edit", AT, None)).unwrap();
    assert!(!actor.username.contains('\u{1b}'), "{}", actor.username);
    assert!(actor.username.contains("\\u{1b}"), "{}", actor.username);
}

#[test]
fn a_webhook_event_list_is_added_to_the_window() {
    let edit = event("dana@example.com", "patch", "2026-06-06T02:41:00.5Z", Some("kubectl-edit"), KUBECTL);
    let body = json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": [edit]});
    let mut window = AuditIndex::new("webhook".to_owned());
    assert_eq!(window.add_event_list(body.to_string().as_bytes(), &Wanted::everything()), Ok(1));
    assert!(window.actor_for(&web(), deployments, &owner("kubectl-edit", AT, None)).is_some());
    assert!(window.add_event_list(b"[1, 2]", &Wanted::everything()).unwrap_err().starts_with("not an audit EventList"));
    window.forget_before(crate::engine::time::parse_rfc3339("2026-06-07T00:00:00Z").unwrap());
    assert!(window.writes(&web()).is_empty());
}

#[test]
fn a_full_window_keeps_its_newest_writes() {
    let mut window = AuditIndex::new("webhook".to_owned());
    let items: Vec<Value> = ["2026-06-06T02:41:00.5Z", "2026-06-06T02:42:00.5Z", "2026-06-06T02:43:00.5Z"]
        .iter()
        .map(|at| event("dana@example.com", "patch", at, Some("kubectl-edit"), KUBECTL))
        .collect();
    let body = json!({"kind": "EventList", "items": items}).to_string();
    window.add_event_list(body.as_bytes(), &Wanted::everything()).unwrap();
    window.keep_newest(2);
    let kept: Vec<&str> = window.writes(&web()).iter().map(|w| w.completed_text.as_str()).collect();
    assert_eq!(kept, ["2026-06-06T02:43:00.5Z"]);
    assert_eq!(window.newest(), crate::engine::time::parse_rfc3339("2026-06-06T02:43:00Z"));
}
