//! The cluster for code that is not async (the CLI): one session owns a small tokio runtime
//! and the connection, and every call blocks until the API server has answered.

use crate::engine::{DryRunRequest, Manifest};
use crate::model::{AppReport, Permission};
use crate::sources::cluster::dry_run::{self, DryRuns};
use crate::sources::cluster::read::{self, LiveQuery, LiveRead};
use crate::sources::cluster::{Cluster, ClusterError, access};
use std::time::Duration;

pub(crate) struct Session {
    runtime: tokio::runtime::Runtime,
    cluster: Cluster,
}

impl Session {
    /// Connects to `context` (default: the kubeconfig's current one).
    pub(crate) fn connect(
        context: Option<&str>,
        namespace: Option<&str>,
        timeout: Duration,
    ) -> Result<Session, ClusterError> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|error| {
            ClusterError::Config { context: context.unwrap_or("current").to_owned(), detail: error.to_string() }
        })?;
        let cluster = runtime.block_on(Cluster::connect(context, namespace, timeout))?;
        Ok(Session { runtime, cluster })
    }

    pub(crate) fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// Runs one request (or a few) to completion on the session's runtime.
    pub(crate) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The names of the cluster's namespaces (for the `:ns` picker), sorted.
    pub(crate) fn namespaces(&self) -> Result<Vec<String>, ClusterError> {
        let list: serde_json::Value = self
            .block_on(self.cluster.get("/api/v1/namespaces"))
            .map_err(|problem| self.cluster.error("list", "namespaces".to_owned(), problem))?;
        let items = list.get("items").and_then(serde_json::Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let mut names: Vec<String> = items
            .iter()
            .filter_map(|item| item.pointer("/metadata/name")?.as_str())
            .map(crate::sanitize::clean_line)
            .collect();
        names.sort_unstable();
        Ok(names)
    }

    /// One app's live objects and what could not be read.
    pub(crate) fn read(&self, query: &LiveQuery) -> Result<LiveRead, ClusterError> {
        self.runtime.block_on(read::read(&self.cluster, query))
    }

    /// Every Argo CD Application and Flux Kustomization, for app discovery.
    pub(crate) fn app_definitions(&self) -> Result<(Vec<Manifest>, Vec<String>), ClusterError> {
        self.runtime.block_on(read::app_definitions(&self.cluster))
    }

    /// The API server's dry run of each drifted desired object (nothing is stored).
    pub(crate) fn dry_run(&self, live: &LiveRead, requests: Vec<DryRunRequest>) -> DryRuns {
        self.runtime.block_on(dry_run::dry_run(&self.cluster, &live.resources, requests))
    }

    /// What the user may do about `report`, asked of the API server.
    /// Who the API server says this session acts as (a `SelfSubjectReview`).
    pub(crate) fn identity(&self) -> Option<String> {
        self.block_on(super::access::identity(self.cluster()))
    }

    pub(crate) fn permissions(&self, report: &AppReport, live: &LiveRead) -> Vec<Permission> {
        let checks = access::checks_for(report, &live.definitions, &live.resources);
        self.runtime.block_on(access::review(&self.cluster, checks))
    }
}
