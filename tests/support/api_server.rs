//! A fake Kubernetes API server on a loopback port (DESIGN §6 layer 5): it serves real API
//! shapes (discovery documents, paginated lists without per-item apiVersion/kind, `Status`
//! errors, access reviews) from a set of objects, and records every request kdrift sends so
//! tests can assert the exact wire traffic. A kubeconfig pointing at it comes with it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, exactly as sent.
    pub target: String,
    pub content_type: Option<String>,
    pub authorization: Option<String>,
    pub body: String,
}

impl Recorded {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub fn query(&self) -> BTreeMap<String, String> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    /// "GET /api/v1/namespaces/prod/services?limit=500".
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.target)
    }
}

/// A served resource: group, version, kind, plural, namespaced.
pub type Served = (&'static str, &'static str, &'static str, &'static str, bool);

/// What a typical cluster with Argo CD and Flux serves (no batch, networking or policy, so
/// tests see that unserved groups are skipped).
pub const SERVED: &[Served] = &[
    ("", "v1", "Pod", "pods", true),
    ("", "v1", "Service", "services", true),
    ("", "v1", "ConfigMap", "configmaps", true),
    ("", "v1", "Secret", "secrets", true),
    ("", "v1", "Event", "events", true),
    ("", "v1", "ServiceAccount", "serviceaccounts", true),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true),
    ("", "v1", "Namespace", "namespaces", false),
    ("apps", "v1", "Deployment", "deployments", true),
    ("apps", "v1", "StatefulSet", "statefulsets", true),
    ("apps", "v1", "DaemonSet", "daemonsets", true),
    ("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
    ("argoproj.io", "v1alpha1", "Application", "applications", true),
    ("argoproj.io", "v1alpha1", "Rollout", "rollouts", true),
    ("kustomize.toolkit.fluxcd.io", "v1", "Kustomization", "kustomizations", true),
];

/// Short names discovery lists, as real clusters do (a CRD declares its own).
const SHORT_NAMES: &[(&str, &[&str])] =
    &[("Deployment", &["deploy"]), ("Application", &["app", "apps"]), ("Rollout", &["ro"])];

/// How the fake cluster behaves beyond serving its objects.
#[derive(Default)]
pub struct Behaviour {
    /// Path prefix → (status code, message): answered with a `Status` instead of data.
    pub failures: Vec<(String, u16, String)>,
    /// Collections (paths) served one item per page, to exercise `continue` tokens.
    pub paged: Vec<String>,
    /// `verb resource` pairs an access review allows (`patch applications`).
    pub allowed: Vec<String>,
    /// A server-side apply without `force=true` fails with this 409 conflict message.
    pub apply_conflict: Option<String>,
    /// Someone else writes between kdrift's read and its write: a GET of one object answers
    /// a newer `resourceVersion` than the LIST did.
    pub moved_since_list: bool,
    /// Object path → what a server-side dry-run apply there answers (the object as the API
    /// server, its defaults and its admission webhooks would store it).
    pub dry_run_answers: Vec<(String, Value)>,
    /// Every dry-run apply is forbidden (403), as for a user who may read but not patch.
    pub forbid_dry_runs: bool,
    /// Someone else writes the object just before each of kdrift's real writes (after its
    /// re-read): only the write's own preconditions can stop it.
    pub concurrent_write: bool,
    /// Collections (paths) whose every page hands back the same `continue` token.
    pub endless: Vec<String>,
    /// Collections (paths) answered with this many bytes of padding besides their items.
    pub padded: Vec<(String, usize)>,
    /// Every answer waits this long first, as a distant API server's would.
    pub latency: Option<std::time::Duration>,
    /// Exact paths answered with these bytes as they are (a service proxy's artifact, an
    /// object of a group the fake does not serve).
    pub raw: Vec<(String, Vec<u8>)>,
}

pub struct FakeApi {
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    state: Arc<(Mutex<Vec<Value>>, Behaviour)>,
    /// Changes made through `set` and `remove`, for watches.
    pub watch: Arc<super::api_watch::WatchLog>,
    dir: tempfile::TempDir,
}

impl FakeApi {
    /// Serves `objects` (any kinds from `SERVED`) with `behaviour`.
    pub fn start(objects: Vec<Value>, behaviour: Behaviour) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new((Mutex::new(objects), behaviour));
        let watch = Arc::new(super::api_watch::WatchLog::default());
        let (recorded, served, log) = (Arc::clone(&requests), Arc::clone(&state), Arc::clone(&watch));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (recorded, state, log) = (Arc::clone(&recorded), Arc::clone(&served), Arc::clone(&log));
                std::thread::spawn(move || serve_connection(stream, &recorded, (&state.0, &state.1), &log));
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let api = FakeApi { url, requests, state, watch, dir };
        api.write_kubeconfig(&api.url.clone());
        api
    }

    /// A kubeconfig whose current context `test-prod` (namespace prod) points at `server`.
    pub fn write_kubeconfig(&self, server: &str) {
        let text = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: test-prod\ncontexts:\n- name: test-prod\n  context: {{cluster: fake, user: tester, namespace: prod}}\n- name: other\n  context: {{cluster: fake, user: tester}}\nclusters:\n- name: fake\n  cluster: {{server: '{server}'}}\nusers:\n- name: tester\n  user: {{token: test-token}}\n"
        );
        std::fs::write(self.kubeconfig(), text).unwrap();
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// Stores `object` in place of the one of its kind and name (as another writer would);
    /// watches see it.
    pub fn set(&self, mut object: Value) {
        let mut objects = self.state.0.lock().unwrap();
        let same = |o: &Value| o["kind"] == object["kind"] && o["metadata"]["name"] == object["metadata"]["name"];
        let existed = objects.iter().any(same);
        objects.retain(|o| !same(o));
        self.watch.record(if existed { "MODIFIED" } else { "ADDED" }, &mut object);
        objects.push(object);
    }

    /// Deletes the object of `kind` named `name` (as another writer would); watches see it.
    pub fn remove(&self, kind: &str, name: &str) {
        let mut objects = self.state.0.lock().unwrap();
        if let Some(position) = objects.iter().position(|o| o["kind"] == kind && o["metadata"]["name"] == name) {
            let mut gone = objects.remove(position);
            self.watch.record("DELETED", &mut gone);
        }
    }

    /// The object of `kind` named `name` as the server holds it now.
    #[allow(dead_code)] // not every test binary looks at the served objects
    pub fn object(&self, kind: &str, name: &str) -> Option<Value> {
        let objects = self.state.0.lock().unwrap();
        objects.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name).cloned()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Every request as "METHOD target", sorted (requests run concurrently).
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.requests().iter().map(Recorded::line).collect();
        lines.sort();
        lines
    }
}

fn serve_connection(
    stream: TcpStream,
    recorded: &Mutex<Vec<Recorded>>,
    (objects, behaviour): (&Mutex<Vec<Value>>, &Behaviour),
    log: &super::api_watch::WatchLog,
) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let (method, target) =
            (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned());
        let mut headers = BTreeMap::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.insert(name.trim().to_lowercase(), value.trim().to_owned());
            }
        }
        let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let request = Recorded {
            method,
            target,
            content_type: headers.get("content-type").cloned(),
            authorization: headers.get("authorization").cloned(),
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        recorded.lock().unwrap().push(request.clone());
        if super::api_watch::is_watch(&request) {
            // A watch holds the connection until it ends.
            super::api_watch::stream(&mut writer, &request, log);
            return;
        }
        if let Some((_, bytes)) = behaviour.raw.iter().find(|(path, _)| *path == request.target) {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", bytes.len());
            if writer.write_all(head.as_bytes()).and_then(|()| writer.write_all(bytes)).is_err() {
                return;
            }
            continue;
        }
        let (code, mut answer) = respond(&request, &mut objects.lock().unwrap(), behaviour);
        if answer["metadata"]["resourceVersion"] == "4242" {
            // A LIST is as recent as the last change a watch would tell of.
            answer["metadata"]["resourceVersion"] = json!(log.revision().to_string());
        }
        if let Some(latency) = behaviour.latency {
            std::thread::sleep(latency);
        }
        let text = answer.to_string();
        let head = format!(
            "HTTP/1.1 {code} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            if code < 300 { "OK" } else { "Error" },
            text.len()
        );
        if writer.write_all(head.as_bytes()).and_then(|()| writer.write_all(text.as_bytes())).is_err() {
            return;
        }
    }
}

fn status(code: u16, reason: &str, message: &str) -> (u16, Value) {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code});
    (code, body)
}

/// The answer to one request; writes that are not dry runs change the served objects.
fn respond(request: &Recorded, objects: &mut Vec<Value>, behaviour: &Behaviour) -> (u16, Value) {
    let path = request.path();
    if let Some((_, code, message)) = behaviour.failures.iter().find(|(prefix, _, _)| path.starts_with(prefix.as_str()))
    {
        let reason = match code {
            401 => "Unauthorized",
            403 => "Forbidden",
            _ => "InternalError",
        };
        return status(*code, reason, message);
    }
    if request.method == "POST" && path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" {
        let review: Value = serde_json::from_str(&request.body).unwrap();
        let attributes = &review["spec"]["resourceAttributes"];
        let asked = format!("{} {}", attributes["verb"].as_str().unwrap(), attributes["resource"].as_str().unwrap());
        let allowed = behaviour.allowed.contains(&asked);
        let reason = if allowed { "RBAC: allowed by RoleBinding responders" } else { "" };
        return (
            201,
            json!({"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
            "spec": review["spec"], "status": {"allowed": allowed, "reason": reason}}),
        );
    }
    if request.method == "POST" && path == "/apis/authentication.k8s.io/v1/selfsubjectreviews" {
        return (
            201,
            json!({"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
            "status": {"userInfo": {"username": "oncall@example.com", "groups": ["responders"]}}}),
        );
    }
    if path == "/api/v1" {
        return (200, resource_list("v1", ""));
    }
    if path == "/apis" {
        let mut groups: Vec<(&str, &str)> = SERVED.iter().filter(|s| !s.0.is_empty()).map(|s| (s.0, s.1)).collect();
        groups.dedup();
        let groups: Vec<Value> = groups
            .iter()
            .map(|(group, version)| {
                let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
                json!({"name": group, "versions": [gv], "preferredVersion": gv})
            })
            .collect();
        return (200, json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}));
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return status(404, "NotFound", "the server could not find the requested resource"),
    };
    if rest.is_empty() {
        if SERVED.iter().any(|s| s.0 == group && s.1 == version) {
            return (200, resource_list(version, group));
        }
        return status(404, "NotFound", "the server could not find the requested resource");
    }
    let (namespace, plural, name) = match rest {
        ["namespaces", ns, plural] => (Some(*ns), *plural, None),
        ["namespaces", ns, plural, name] => (Some(*ns), *plural, Some(*name)),
        [plural] => (None, *plural, None),
        [plural, name] => (None, *plural, Some(*name)),
        _ => return status(404, "NotFound", "the server could not find the requested resource"),
    };
    let Some(served) = SERVED.iter().find(|s| s.0 == group && s.1 == version && s.3 == plural) else {
        return status(404, "NotFound", "the server could not find the requested resource");
    };
    let matching: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == served.2)
        .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
        .collect();
    if let Some(name) = name {
        let Some(object) = matching.iter().find(|o| o["metadata"]["name"] == name) else {
            return status(404, "NotFound", &format!("{plural} \"{name}\" not found"));
        };
        let mut object = (*object).clone();
        let query = request.query();
        let dry_run = query.contains_key("dryRun");
        let position = objects.iter().position(|o| *o == object);
        let answer = behaviour.dry_run_answers.iter().find(|(at, _)| at == path).map(|(_, answer)| answer);
        if behaviour.concurrent_write
            && !dry_run
            && matches!(request.method.as_str(), "PATCH" | "DELETE")
            && let Some(position) = position
        {
            objects[position]["metadata"]["resourceVersion"] = json!("2000001");
            object = objects[position].clone();
        }
        let sent: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
        let stored_version = object["metadata"]["resourceVersion"].clone();
        match request.method.as_str() {
            "PATCH"
                if request.content_type.as_deref() == Some("application/apply-patch+yaml")
                    && sent["metadata"].get("resourceVersion").is_some_and(|v| *v != stored_version) =>
            {
                return status(
                    409,
                    "Conflict",
                    &format!(
                        "Operation cannot be fulfilled on {plural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
                    ),
                );
            }
            "DELETE" if sent["preconditions"].get("resourceVersion").is_some_and(|v| *v != stored_version) => {
                return status(
                    409,
                    "Conflict",
                    &format!(
                        "Operation cannot be fulfilled on {plural} \"{name}\": the ResourceVersion in the precondition ({}) does not match the ResourceVersion in record ({}). The object might have been modified",
                        sent["preconditions"]["resourceVersion"], stored_version
                    ),
                );
            }
            "PATCH" if dry_run && behaviour.forbid_dry_runs => {
                return status(
                    403,
                    "Forbidden",
                    &format!("{plural} \"{name}\" is forbidden: User \"tester\" cannot patch resource \"{plural}\""),
                );
            }
            "PATCH" if dry_run && let Some(answer) = answer => return (200, answer.clone()),
            "PATCH" => {
                let apply = request.content_type.as_deref() == Some("application/apply-patch+yaml");
                if apply
                    && !query.contains_key("force")
                    && let Some(message) = &behaviour.apply_conflict
                {
                    return status(409, "Conflict", message);
                }
                let patch: Value = serde_json::from_str(&request.body).unwrap();
                merge(&mut object, &patch, apply);
                let version =
                    object["metadata"]["resourceVersion"].as_str().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
                object["metadata"]["resourceVersion"] = json!((version + 1).to_string());
                if let (false, Some(position)) = (dry_run, position) {
                    objects[position] = object.clone();
                }
                return (200, object);
            }
            "DELETE" => {
                if let (false, Some(position)) = (dry_run, position) {
                    objects.remove(position);
                }
                return (
                    200,
                    json!({"kind": "Status", "apiVersion": "v1", "status": "Success",
                    "details": {"name": name, "kind": plural}}),
                );
            }
            _ => {}
        }
        if behaviour.moved_since_list {
            object["metadata"]["resourceVersion"] = json!("999999");
        }
        return (200, object);
    }
    let query = request.query();
    let selected: Vec<&Value> = matching
        .into_iter()
        .filter(|o| match query.get("fieldSelector").and_then(|s| s.strip_prefix("metadata.name=")) {
            Some(name) => o["metadata"]["name"] == name,
            None => true,
        })
        .collect();
    // Real LIST answers leave apiVersion and kind off their items (copied page by page only).
    let items_of = |page: &[&Value]| -> Vec<Value> {
        (page.iter())
            .map(|o| {
                let mut item = (*o).clone();
                let fields = item.as_object_mut().unwrap();
                fields.remove("apiVersion");
                fields.remove("kind");
                item
            })
            .collect()
    };
    if behaviour.endless.iter().any(|p| p == path) {
        let one = items_of(&selected[..selected.len().min(1)]);
        return (200, json!({"kind": "List", "apiVersion": "v1", "metadata": {"continue": "again"}, "items": one}));
    }
    if let Some((_, bytes)) = behaviour.padded.iter().find(|(p, _)| p == path) {
        let padding = "x".repeat(*bytes);
        return (
            200,
            json!({"kind": "List", "apiVersion": "v1", "metadata": {}, "items": items_of(&selected), "padding": padding}),
        );
    }
    let paged = behaviour.paged.iter().any(|p| p == path);
    let (items, next) = match (paged, query.get("continue")) {
        (true, None) if selected.len() > 1 => (items_of(&selected[..1]), "page-2-token==".to_owned()),
        (true, Some(token)) if token == "page-2-token==" => (items_of(&selected[1..]), String::new()),
        (_, token) => {
            // As a real API server pages: at most `limit` items, the rest behind a token.
            let from: usize = token.and_then(|t| t.strip_prefix("from-")?.parse().ok()).unwrap_or(0);
            let limit: usize = query.get("limit").and_then(|l| l.parse().ok()).filter(|l| *l > 0).unwrap_or(usize::MAX);
            let (from, to) = (from.min(selected.len()), from.saturating_add(limit).min(selected.len()));
            let next = if to < selected.len() { format!("from-{to}") } else { String::new() };
            (items_of(&selected[from..to]), next)
        }
    };
    let list_kind = format!("{}List", served.2);
    let api_version = if group.is_empty() { version.to_owned() } else { format!("{group}/{version}") };
    (
        200,
        json!({"kind": list_kind, "apiVersion": api_version,
        "metadata": {"resourceVersion": "4242", "continue": next}, "items": items}),
    )
}

/// A merge patch (and, near enough for these tests, an apply): maps merge, the rest
/// replaces; an apply merges lists of named items by name, as the API server does for
/// containers and env (their merge key).
fn merge(target: &mut Value, patch: &Value, apply: bool) {
    let named = |items: &[Value]| items.iter().all(|item| item.get("name").is_some_and(Value::is_string));
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(target.entry(key.clone()).or_insert(Value::Null), value, apply);
            }
        }
        (Value::Array(target), Value::Array(patch)) if apply && named(patch) && named(target) => {
            for item in patch {
                match target.iter_mut().find(|existing| existing.get("name") == item.get("name")) {
                    Some(existing) => merge(existing, item, apply),
                    None => target.push(item.clone()),
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

fn resource_list(version: &str, group: &str) -> Value {
    let resources: Vec<Value> = SERVED
        .iter()
        .filter(|s| s.0 == group && s.1 == version)
        .flat_map(|s| {
            let mut main = json!({"name": s.3, "singularName": "", "namespaced": s.4, "kind": s.2,
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]});
            if let Some((_, short)) = SHORT_NAMES.iter().find(|(kind, _)| *kind == s.2) {
                main["shortNames"] = json!(short);
            }
            // Subresources appear in discovery too; kdrift must not list them.
            let status = json!({"name": format!("{}/status", s.3), "singularName": "", "namespaced": s.4,
                "kind": s.2, "verbs": ["get", "patch", "update"]});
            [main, status]
        })
        .collect();
    let group_version = if group.is_empty() { version.to_owned() } else { format!("{group}/{version}") };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

/// Every object in the YAML files under `dir` (a snapshot), `kind: List` expanded.
pub fn objects_in(dir: &std::path::Path) -> Vec<Value> {
    let mut objects = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for document in yaml_serde::Deserializer::from_str(&text) {
            let value: Value = serde::Deserialize::deserialize(document).unwrap();
            match value.get("items") {
                Some(Value::Array(items)) if value["kind"] == "List" => objects.extend(items.iter().cloned()),
                _ if value.is_object() => objects.push(value),
                _ => {}
            }
        }
    }
    objects
}
