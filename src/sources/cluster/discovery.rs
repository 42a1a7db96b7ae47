//! API discovery: which resource (plural, scope) serves each kind at each version, CRDs
//! included. Only the groups a scan needs are asked about, one request per group version,
//! so discovery costs a handful of requests even on clusters with hundreds of CRDs; a
//! session asks each document once, however many apps it scans.

use crate::sources::cluster::{Cluster, ClusterError, Problem};
use futures::StreamExt as _;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroupList, APIResourceList};
use std::collections::{BTreeSet, HashMap};

/// How many requests kdrift keeps in flight against one API server.
pub(crate) const CONCURRENCY: usize = 6;

/// One served resource: `deployments` in `apps/v1`, namespaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServedResource {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub namespaced: bool,
    /// What `kubectl` also accepts for it (`deploy`; a CRD's own, `ro` for a Rollout).
    pub short_names: Vec<String>,
}

impl ServedResource {
    pub(crate) fn api_version(&self) -> String {
        match self.group.as_str() {
            "" => self.version.clone(),
            group => format!("{group}/{}", self.version),
        }
    }

    /// `deployments.apps`, `services`: how kubectl names it.
    pub(crate) fn display(&self) -> String {
        match self.group.as_str() {
            "" => self.plural.clone(),
            group => format!("{}.{group}", self.plural),
        }
    }

    /// The collection's path, in `namespace` or across all namespaces (`None`). Every
    /// segment is percent-encoded: group, version and plural come from the API server's own
    /// discovery, and even they must not reshape a path.
    pub(crate) fn collection(&self, namespace: Option<&str>) -> String {
        use crate::sources::cluster::path_segment;
        let version = path_segment(&self.version);
        let base = match self.group.as_str() {
            "" => format!("/api/{version}"),
            group => format!("/apis/{}/{version}", path_segment(group)),
        };
        let plural = path_segment(&self.plural);
        match namespace {
            Some(namespace) if self.namespaced => format!("{base}/namespaces/{}/{plural}", path_segment(namespace)),
            _ => format!("{base}/{plural}"),
        }
    }
}

/// A group (and, when desired state names one, a version) discovery must cover.
pub(crate) type Wanted = BTreeSet<(String, Option<String>)>;

#[derive(Debug, Default)]
pub(crate) struct ResourceMap {
    resources: Vec<ServedResource>,
    /// Group → its preferred version.
    preferred: HashMap<String, String>,
    /// Group versions whose discovery failed (an aggregated API that is down), with why.
    pub unavailable: Vec<(String, Problem)>,
}

impl ResourceMap {
    /// The resource for `kind` at `version`, else at the group's preferred version.
    pub(crate) fn resolve(&self, group: &str, version: &str, kind: &str) -> Option<&ServedResource> {
        let at =
            |wanted: &str| self.resources.iter().find(|r| r.group == group && r.kind == kind && r.version == wanted);
        at(version).or_else(|| at(self.preferred.get(group).map_or("v1", String::as_str)))
    }

    /// The resource for `kind` at the group's preferred version.
    pub(crate) fn kind(&self, group: &str, kind: &str) -> Option<&ServedResource> {
        self.resolve(group, "", kind)
    }

    /// Every name the server serves a kind under, as (name, kind): its plural and short
    /// names, a CRD's included, for `--resource` as kubectl reads it.
    pub(crate) fn served_names(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.resources.iter().flat_map(|r| {
            std::iter::once(r.plural.as_str())
                .chain(r.short_names.iter().map(String::as_str))
                .map(|n| (n, r.kind.as_str()))
        })
    }

    /// Every discovered cluster-scoped kind as (group, kind): the engine's scopes.
    pub(crate) fn cluster_scoped(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.resources.iter().filter(|r| !r.namespaced).map(|r| (r.group.clone(), r.kind.clone()))
    }
}

/// Discovers the core group and every `wanted` group the server has.
pub(crate) async fn discover(cluster: &Cluster, wanted: &Wanted) -> Result<ResourceMap, ClusterError> {
    let mut map = ResourceMap::default();
    let core: APIResourceList = cluster
        .get_discovery("/api/v1")
        .await
        .map_err(|p| cluster.error("discover", "the core API (/api/v1)".into(), p))?;
    add_resources(&mut map, "", &core);
    map.preferred.insert(String::new(), "v1".to_owned());
    let groups: APIGroupList = cluster
        .get_discovery("/apis")
        .await
        .map_err(|p| cluster.error("discover", "the API groups (/apis)".into(), p))?;
    let mut group_versions = Vec::new();
    for group in groups.groups.iter().filter(|g| wanted.iter().any(|(name, _)| *name == g.name)) {
        let preferred = group.preferred_version.as_ref().or(group.versions.first());
        let Some(preferred) = preferred else { continue };
        map.preferred.insert(group.name.clone(), preferred.version.clone());
        let served = |version: &str| group.versions.iter().any(|v| v.version == version);
        let mut versions: BTreeSet<&str> = BTreeSet::from([preferred.version.as_str()]);
        versions.extend(wanted.iter().filter(|(name, _)| *name == group.name).filter_map(|(_, v)| v.as_deref()));
        group_versions
            .extend(versions.into_iter().filter(|v| served(v)).map(|version| (group.name.clone(), version.to_owned())));
    }
    let lists: Vec<_> = futures::stream::iter(group_versions)
        .map(|(group, version)| async move {
            let list: Result<APIResourceList, Problem> =
                cluster.get_discovery(&format!("/apis/{group}/{version}")).await;
            (group, version, list)
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    for (group, version, list) in lists {
        match list {
            Ok(list) => add_resources(&mut map, &group, &list),
            Err(problem) if problem.is_fatal() => {
                return Err(cluster.error("discover", format!("the API group {group}/{version}"), problem));
            }
            Err(problem) => map.unavailable.push((format!("{group}/{version}"), problem)),
        }
    }
    Ok(map)
}

fn add_resources(map: &mut ResourceMap, group: &str, list: &APIResourceList) {
    let version = list.group_version.rsplit('/').next().unwrap_or(&list.group_version);
    // `deployments/status` and friends are subresources, not collections.
    for resource in list.resources.iter().filter(|r| !r.name.contains('/')) {
        map.resources.push(ServedResource {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: resource.kind.clone(),
            plural: resource.name.clone(),
            namespaced: resource.namespaced,
            short_names: resource.short_names.clone().unwrap_or_default(),
        });
    }
}
