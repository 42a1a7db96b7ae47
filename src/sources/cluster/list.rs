//! Running a read's requests a few at a time, in any order, answers taken in task order; a
//! kind listed in many namespaces is listed once across all of them (and the answer split by
//! namespace), falling back to a list per namespace where that is refused; LISTs paged with
//! `continue` tokens, bounded in objects and pages.

use crate::sources::cluster::discovery::{CONCURRENCY, ServedResource};
use crate::sources::cluster::read::{LiveObject, LiveQuery, LiveRead, Purpose, Task, accept, failed};
use crate::sources::cluster::{Cluster, ClusterError, Problem};
use futures::StreamExt as _;
use serde_json::Value;

/// Items per LIST page: large enough for few round trips, small enough for the API server.
const PAGE_SIZE: &str = "500";
const PAGE_LIMIT: u64 = 500;

/// A kind listed in this many namespaces or more is listed once across all namespaces (and
/// the answer split by namespace): requests then grow with kinds, not with namespaces.
const WIDE_FROM: usize = 8;

/// A list across all namespaces reads every namespace's objects: it is worth it only when
/// the app's namespaces are at least this share (1/4) of the cluster's.
const WIDE_SHARE: usize = 4;

/// Whether `run` may list a kind across all namespaces: never (follow-up reads), or when
/// the app's namespaces are a large enough share of the cluster's, which a list of this
/// (Namespace) resource tells.
pub(super) enum Widen {
    Never,
    IfMostOf(ServedResource),
}

/// One request: a task of its own, or one list across all namespaces standing for the
/// per-namespace lists of the same kind (task indices).
enum Request {
    One(usize),
    Wide(Box<Task>, Vec<usize>),
}

/// The per-namespace lists of each kind asked in `WIDE_FROM` namespaces or more (never
/// Secrets: kdrift reads no Secret it was not asked about).
fn wide_groups(tasks: &[Task]) -> Vec<(&ServedResource, Vec<usize>)> {
    let mut groups: Vec<(&ServedResource, Vec<usize>)> = Vec::new();
    for (index, task) in tasks.iter().enumerate() {
        let listed = task.namespace.is_some() && task.name.is_none() && task.field_selector.is_none();
        if !listed || (task.resource.group.is_empty() && task.resource.kind == "Secret") {
            continue;
        }
        match groups.iter_mut().find(|(resource, _)| **resource == task.resource) {
            Some((_, members)) => members.push(index),
            None => groups.push((&task.resource, vec![index])),
        }
    }
    groups.retain(|(_, members)| members.len() >= WIDE_FROM);
    groups
}

/// Whether the wide groups may be listed across all namespaces: the cluster's namespaces
/// are read once and must not outnumber the app's by more than `WIDE_SHARE` to one.
async fn may_widen(cluster: &Cluster, widen: &Widen, groups: &[(&ServedResource, Vec<usize>)]) -> bool {
    let Widen::IfMostOf(namespaces) = widen else { return false };
    let Some(asked) = groups.iter().map(|(_, members)| members.len()).max() else { return false };
    let task = Task {
        resource: namespaces.clone(),
        namespace: None,
        name: None,
        field_selector: None,
        purpose: Purpose::Evidence,
    };
    // Cannot tell (no permission to list namespaces): per namespace, as always.
    fetch(cluster, &task).await.is_ok_and(|all| all.len() <= asked * WIDE_SHARE)
}

/// The requests for `tasks`: a wide group's lists as one, when allowed.
fn requests(tasks: &[Task], groups: Vec<(&ServedResource, Vec<usize>)>) -> Vec<Request> {
    let mut wide = vec![false; tasks.len()];
    let mut requests = Vec::new();
    for (resource, members) in groups {
        members.iter().for_each(|m| wide[*m] = true);
        let task = Task {
            resource: resource.clone(),
            namespace: None,
            name: None,
            field_selector: None,
            purpose: Purpose::Evidence,
        };
        requests.push(Request::Wide(Box::new(task), members));
    }
    requests.extend((0..tasks.len()).filter(|index| !wide[*index]).map(Request::One));
    requests
}

/// Runs `tasks` a few at a time, in any order, and takes their answers in task order. A
/// list across all namespaces that fails (forbidden by RBAC, too large) is asked again per
/// namespace, so its answers are exactly those lists' answers.
pub(super) async fn run(
    cluster: &Cluster,
    tasks: Vec<Task>,
    query: &LiveQuery,
    read: &mut LiveRead,
    widen: Widen,
) -> Result<(), ClusterError> {
    let mut answers: Vec<Option<Result<Vec<LiveObject>, Problem>>> = (0..tasks.len()).map(|_| None).collect();
    let tasks_ref = &tasks;
    let mut groups = wide_groups(tasks_ref);
    if !groups.is_empty() && !may_widen(cluster, &widen, &groups).await {
        groups.clear();
    }
    let first: Vec<(Request, Result<Vec<LiveObject>, Problem>)> = futures::stream::iter(requests(tasks_ref, groups))
        .map(|request| async move {
            let task = match &request {
                Request::One(index) => &tasks_ref[*index],
                Request::Wide(task, _) => task,
            };
            let result = fetch(cluster, task).await;
            (request, result)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut again = Vec::new();
    for (request, result) in first {
        match (request, result) {
            (Request::One(index), result) => answers[index] = Some(result),
            (Request::Wide(_, members), Ok(objects)) => {
                let mut by_namespace: std::collections::HashMap<String, Vec<LiveObject>> = Default::default();
                for object in objects {
                    by_namespace.entry(object.key.namespace.clone()).or_default().push(object);
                }
                for member in members {
                    let namespace = tasks[member].namespace.as_deref().unwrap_or_default();
                    answers[member] = Some(Ok(by_namespace.remove(namespace).unwrap_or_default()));
                }
            }
            (Request::Wide(task, members), Err(problem)) => {
                tracing::info!(%problem, resource = %task.resource.display(), "listing across namespaces failed; listing per namespace");
                again.extend(members);
            }
        }
    }
    let retried: Vec<(usize, Result<Vec<LiveObject>, Problem>)> = futures::stream::iter(again)
        .map(|index| async move { (index, fetch(cluster, &tasks_ref[index]).await) })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for (index, result) in retried {
        answers[index] = Some(result);
    }
    for (task, answer) in tasks.iter().zip(answers) {
        match answer {
            Some(Ok(objects)) => accept(task, objects, read),
            Some(Err(problem)) => failed(cluster, task, problem, query, read)?,
            None => {}
        }
    }
    Ok(())
}

/// One page of a LIST answer, its items left unparsed.
#[derive(serde::Deserialize)]
struct Page {
    #[serde(default)]
    metadata: PageMetadata,
    #[serde(default)]
    items: Option<Vec<Box<serde_json::value::RawValue>>>,
}

#[derive(serde::Deserialize, Default)]
struct PageMetadata {
    #[serde(default, rename = "continue")]
    continue_token: Option<String>,
}

/// One task's objects, as text.
async fn fetch(cluster: &Cluster, task: &Task) -> Result<Vec<LiveObject>, Problem> {
    let collection = task.resource.collection(task.namespace.as_deref());
    if let Some(name) = &task.name {
        return match cluster.get::<Value>(&format!("{collection}/{}", super::path_segment(name))).await {
            Ok(object) => Ok(vec![LiveObject::of(cluster, task, object)]),
            // Absent is an answer: the object is missing from the cluster.
            Err(Problem::NotFound) => Ok(Vec::new()),
            Err(problem) => Err(problem),
        };
    }
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    // A server that hands back a token it gave before, or pages without end, is stopped.
    let mut seen_tokens = std::collections::HashSet::new();
    let most = crate::limits::current().list_objects;
    loop {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(selector) = &task.field_selector {
            query.append_pair("fieldSelector", selector);
        }
        query.append_pair("limit", PAGE_SIZE);
        if let Some(token) = &token {
            query.append_pair("continue", token);
        }
        // Items stay text until each is taken: a page is never a tree of 500 objects.
        let page: Page = cluster.get(&format!("{collection}?{}", query.finish())).await?;
        token = page.metadata.continue_token.filter(|t| !t.is_empty());
        for raw in page.items.into_iter().flatten() {
            let object: Value = serde_json::from_str(raw.get()).map_err(|e| Problem::BadResponse(e.to_string()))?;
            items.push(LiveObject::of(cluster, task, object));
        }
        if items.len() as u64 > most {
            return Err(Problem::EndlessList(format!(
                "more than {most} objects (raise [limits] list_objects in config.toml)"
            )));
        }
        // Empty pages with ever new tokens end too: pages are capped as objects are.
        if seen_tokens.len() as u64 > most.div_ceil(PAGE_LIMIT) + 1 {
            return Err(Problem::EndlessList(format!("more than {} pages", seen_tokens.len())));
        }
        match &token {
            None => return Ok(items),
            Some(next) if !seen_tokens.insert(next.clone()) => {
                return Err(Problem::EndlessList(format!("page {} repeats a continue token", seen_tokens.len() + 1)));
            }
            Some(_) => {}
        }
    }
}
