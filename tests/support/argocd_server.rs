//! A fake Argo CD API server on a loopback port: `GET /api/v1/applications/{name}/
//! managed-resources` in Argo CD's own shapes (states as JSON inside strings, `"null"` for no
//! object, Secret data masked with `+`), its 401 and 403 error bodies, and a record of every
//! request kdrift sends (path, query, Authorization header).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub authorization: Option<String>,
}

pub struct FakeArgo {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// An app's objects: what Argo CD rendered, and what is live (if anything).
pub type AppObjects = (&'static str, Vec<(Value, Option<Value>)>);

/// A token shaped like the JWT Argo CD issues (it ignores a bearer that is not one).
pub const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJrZHJpZnQifQ.c2lnbmF0dXJl";

impl FakeArgo {
    /// Serves `apps` (name → the objects Argo CD rendered for it, and what is live) to
    /// requests bearing `TOKEN`.
    pub fn start(apps: Vec<AppObjects>) -> FakeArgo {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (record, apps) = (Arc::clone(&seen), Arc::new(apps));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (record, apps) = (Arc::clone(&record), Arc::clone(&apps));
                std::thread::spawn(move || {
                    let mut writer = stream.try_clone().unwrap();
                    let mut reader = BufReader::new(stream);
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut parts = line.split_whitespace();
                    let (method, target) =
                        (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
                    let mut authorization = None;
                    loop {
                        let mut header = String::new();
                        reader.read_line(&mut header).unwrap();
                        let header = header.trim_end();
                        if header.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':')
                            && name.eq_ignore_ascii_case("authorization")
                        {
                            authorization = Some(value.trim().to_owned());
                        }
                    }
                    let request = Seen { method, target, authorization };
                    record.lock().unwrap().push(request.clone());
                    let (code, body) = answer(&request, &apps);
                    let text = body.to_string();
                    let head = format!(
                        "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        text.len()
                    );
                    let _ = writer.write_all(head.as_bytes()).and_then(|()| writer.write_all(text.as_bytes()));
                });
            }
        });
        FakeArgo { url, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn answer(request: &Seen, apps: &[AppObjects]) -> (u16, Value) {
    if request.authorization.as_deref() != Some(&format!("Bearer {TOKEN}")) {
        return (401, json!({"error": "no session information", "code": 16, "message": "no session information"}));
    }
    let path = request.target.split('?').next().unwrap_or("");
    let name = path.strip_prefix("/api/v1/applications/").and_then(|rest| rest.strip_suffix("/managed-resources"));
    let Some((_, objects)) = name.and_then(|name| apps.iter().find(|(app, _)| *app == name)) else {
        // Without `project`, Argo CD cannot tell a missing app from a forbidden one.
        return (403, json!({"error": "permission denied", "code": 7, "message": "permission denied"}));
    };
    let items: Vec<Value> = objects
        .iter()
        .map(|(target, live)| {
            // No target (Argo CD could not render it): the item still names the live object.
            let named = if target.is_null() { live.as_ref().unwrap_or(target) } else { target };
            let target_state = if target.is_null() { "null".to_owned() } else { masked(target).to_string() };
            let mut item = json!({
                "kind": named["kind"], "name": named["metadata"]["name"],
                "targetState": target_state,
                "liveState": live.as_ref().map_or("null".to_owned(), |l| masked(l).to_string()),
                "predictedLiveState": masked(target).to_string(),
            });
            let group = named["apiVersion"].as_str().unwrap_or("").rsplit_once('/').map(|(g, _)| g.to_owned());
            if let Some(group) = group {
                item["group"] = json!(group);
            }
            if let Some(namespace) = named["metadata"]["namespace"].as_str() {
                item["namespace"] = json!(namespace);
            }
            item
        })
        .collect();
    (200, json!({"items": items}))
}

/// Argo CD hides Secret values behind `+` in every state it serves.
fn masked(object: &Value) -> Value {
    let mut object = object.clone();
    if object["kind"] == "Secret"
        && let Some(data) = object.get_mut("data").and_then(Value::as_object_mut)
    {
        for value in data.values_mut() {
            *value = json!("++++++++");
        }
    }
    object
}
