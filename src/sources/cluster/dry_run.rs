//! The API server as the oracle for what it does with Git's objects: a server-side dry-run
//! apply of each desired object that differs from live (`PATCH …?dryRun=All&fieldManager=…
//! &force=true`, `application/apply-patch+yaml`, as Argo CD's server-side diff, `kubectl diff`
//! and `flux diff` ask it), a few at a time and at most `MAX_DRY_RUNS` per app. Its answers
//! carry the API server's defaults and every mutating webhook's changes, for any kind, CRDs
//! included. Nothing is stored: `dryRun=All` is on every request, and a request without it
//! cannot be built here. A dry run that fails leaves that object to the offline table.

use crate::engine::{DryRunRequest, identity};
use crate::model::ResourceKey;
use crate::sources::cluster::discovery::{CONCURRENCY, ResourceMap};
use crate::sources::cluster::{Cluster, Problem, path_segment};
use futures::StreamExt as _;
use serde_json::Value;

/// Dry runs per app: drifted objects are usually few; past this, the table decides.
pub(crate) const MAX_DRY_RUNS: usize = 200;

/// Server-side apply's content type.
pub(crate) const APPLY_PATCH: &str = "application/apply-patch+yaml";

/// The server's answer for one desired object.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub key: ResourceKey,
    pub manager: String,
    /// The object as the API server would store it (with its managedFields).
    pub object: Value,
}

/// What the dry runs answered, and what could not be asked.
#[derive(Debug, Default)]
pub(crate) struct DryRuns {
    pub answers: Vec<Answer>,
    pub notes: Vec<String>,
}

/// The request path of a dry-run apply: the object's URL with `dryRun=All` always set.
pub(crate) fn dry_run_path(collection: &str, name: &str, field_manager: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("dryRun", "All")
        .append_pair("fieldManager", field_manager)
        .append_pair("force", "true")
        .finish();
    format!("{collection}/{}?{query}", path_segment(name))
}

/// Asks the API server about each request (resolved through `resources`).
pub(crate) async fn dry_run(cluster: &Cluster, resources: &ResourceMap, mut requests: Vec<DryRunRequest>) -> DryRuns {
    let mut runs = DryRuns::default();
    if requests.len() > MAX_DRY_RUNS {
        runs.notes.push(format!(
            "{} drifted objects: the API server's dry run was asked about the first {MAX_DRY_RUNS}; kdrift's defaults table decided for the rest",
            requests.len()
        ));
        requests.truncate(MAX_DRY_RUNS);
    }
    let results: Vec<(DryRunRequest, Result<Value, Problem>)> = futures::stream::iter(requests)
        .map(|request| async move {
            let result = ask(cluster, resources, &request).await;
            (request, result)
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut failed: Vec<String> = Vec::new();
    for (request, result) in results {
        match result {
            Ok(object) => runs.answers.push(Answer { key: request.key, manager: request.field_manager, object }),
            Err(problem) => failed.push(format!("{} ({problem})", request.key)),
        }
    }
    if let Some(first) = failed.first() {
        let more = match failed.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        runs.notes.push(format!(
            "the API server's dry run failed for {first}{more}: kdrift's offline defaults table decided there instead"
        ));
    }
    runs
}

async fn ask(cluster: &Cluster, resources: &ResourceMap, request: &DryRunRequest) -> Result<Value, Problem> {
    let key = &request.key;
    let invalid = identity::invalid_name(&key.group, &key.kind, &key.name)
        .or_else(|| Some(key.namespace.as_str()).filter(|ns| !ns.is_empty()).and_then(identity::invalid_namespace));
    if let Some(why) = invalid {
        return Err(Problem::NotAsked(format!("Git gives {why}")));
    }
    let resource = resources.resolve(&key.group, &request.version, &key.kind).ok_or_else(|| {
        Problem::BadResponse(format!("the cluster serves no {} at version {}", key.kind, request.version))
    })?;
    let namespace = Some(key.namespace.as_str()).filter(|ns| !ns.is_empty());
    let path = dry_run_path(&resource.collection(namespace), &key.name, &request.field_manager);
    let body = serde_json::to_vec(&request.object).map_err(|e| Problem::BadResponse(e.to_string()))?;
    cluster.write(http::Method::PATCH, &path, APPLY_PATCH, body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_always_asks_for_a_dry_run_and_escapes_the_name() {
        let path = dry_run_path("/apis/apps/v1/namespaces/prod/deployments", "web#x?dryRun=None", "argocd-controller");
        assert_eq!(
            path,
            "/apis/apps/v1/namespaces/prod/deployments/web%23x%3FdryRun%3DNone?dryRun=All&fieldManager=argocd-controller&force=true"
        );
    }
}
