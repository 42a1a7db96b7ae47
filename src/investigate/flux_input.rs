//! A Flux app compared against Flux's own artifact when no clone is at hand: its source's
//! tarball fetched through the service proxy and checked (`sources::flux`), `spec.path` laid
//! out and built as kustomize-controller builds it, and its `postBuild` variables (inline,
//! and from ConfigMaps; never from Secrets, whose values would then show in diffs)
//! substituted into what it rendered.

use crate::investigate::input::{self, LiveSource};
use crate::investigate::keep::{AppData, Keep};
use crate::investigate::spec::{RendererChoice, SourceSpec};
use crate::investigate::{InvestigateError, investigate_app};
use crate::sources::cluster::blocking::Session;
use crate::sources::flux::{self, layout};
use serde_json::Value;
use std::collections::BTreeMap;

/// The app of `kustomization`, compared against its artifact; `Err(note)` when it cannot
/// be (no artifact, a digest that does not match, a path the artifact lacks).
pub(super) fn compare(
    args: &SourceSpec,
    session: &Session,
    live: &LiveSource,
    kustomization: &Value,
    keep: &Keep,
    notes: &mut Vec<String>,
) -> Result<Result<AppData, String>, InvestigateError> {
    let artifact = match flux::fetch(session, kustomization) {
        Ok(artifact) => artifact,
        Err(error) => return Ok(Err(format!("not compared: {error}"))),
    };
    let dir = match layout::prepare(artifact.dir.path(), kustomization) {
        Ok(dir) => dir,
        Err(error) => return Ok(Err(format!("not compared: {}: {error}", artifact.source))),
    };
    // Flux substitutes only when postBuild names variables.
    let has_post_build = kustomization.pointer("/spec/postBuild").is_some_and(|p| p.is_object());
    let (vars, unread) = variables(session, kustomization);
    let name = kustomization.pointer("/metadata/name").and_then(Value::as_str).map(str::to_owned);
    let app_args = SourceSpec {
        app: name,
        desired: Some(dir),
        renderer: RendererChoice::Auto,
        substitute: has_post_build.then_some(vars),
        repo: None,
        revision: None,
        path: None,
        ..args.clone()
    };
    // The artifact's directory lives until the render below is done.
    let input = input::resolve_with(&app_args, live)?;
    let mut data = investigate_app(input, keep, live.kind(), notes)?;
    let revision = if artifact.revision.is_empty() { String::new() } else { format!(" at {}", artifact.revision) };
    data.report.notes.push(format!("desired state: Flux's artifact of {}{revision} (digest checked)", artifact.source));
    data.report.notes.extend(unread);
    drop(artifact);
    Ok(Ok(data))
}

/// Each `substituteFrom` ConfigMap, then `postBuild.substitute` (which wins, as in Flux); a
/// Secret's values are not read, and each source not read is a note.
fn variables(session: &Session, kustomization: &Value) -> (BTreeMap<String, String>, Vec<String>) {
    let mut vars = BTreeMap::new();
    let mut notes = Vec::new();
    let post_build = kustomization.pointer("/spec/postBuild");
    let namespace = kustomization.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("flux-system");
    let sources =
        post_build.and_then(|p| p.get("substituteFrom")).and_then(Value::as_array).cloned().unwrap_or_default();
    for source in sources {
        let kind = source.get("kind").and_then(Value::as_str).unwrap_or("");
        let name = source.get("name").and_then(Value::as_str).unwrap_or("");
        let optional = source.get("optional").and_then(Value::as_bool).unwrap_or(false);
        if kind != "ConfigMap" {
            notes.push(format!(
                "postBuild variables from {kind} {namespace}/{name} were not substituted: kdrift does not read Secret values into desired state"
            ));
            continue;
        }
        let safe = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        let path = format!("/api/v1/namespaces/{namespace}/configmaps/{name}");
        let read: Result<Value, String> = match safe && !name.is_empty() {
            true => session.block_on(session.cluster().get(&path)).map_err(|e| e.to_string()),
            false => Err("not a Kubernetes name".to_owned()),
        };
        match read {
            Ok(configmap) => {
                let data = configmap.get("data").and_then(Value::as_object).cloned().unwrap_or_default();
                vars.extend(data.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_owned()))));
            }
            Err(_) if optional => {}
            Err(error) => notes.push(format!(
                "postBuild variables from ConfigMap {namespace}/{} not read: {error}",
                crate::sanitize::clean_line(name)
            )),
        }
    }
    // Inline variables win over those from ConfigMaps, as in Flux.
    if let Some(Value::Object(inline)) = post_build.and_then(|p| p.get("substitute")) {
        vars.extend(inline.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))));
    }
    if !notes.is_empty() {
        // Some variables were not read: one left unknown must stay as written, not become "".
        vars.insert(layout::KEEP_UNKNOWN.to_owned(), String::new());
    }
    (vars, notes)
}
