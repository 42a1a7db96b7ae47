//! Preventing recurrence (the runbook's last step): the seed's controls as artefacts for the
//! app at hand — a read-only RBAC Role for its namespace, Prometheus alerts on its harmful
//! drift (on `kdrift serve`'s metrics) and the break-glass reminder — written under the data
//! directory when the responder asks.

use crate::actions::ActionError;
use crate::model::AppReport;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub(crate) struct Artefact {
    pub file_name: String,
    pub text: String,
}

pub(crate) fn artefacts(app: &AppReport, namespace: &str, runbook_url: Option<&str>) -> Vec<Artefact> {
    vec![
        Artefact { file_name: format!("{}-readonly-role.yaml", app.name), text: readonly_role(app, namespace) },
        Artefact { file_name: format!("{}-drift-alert.yaml", app.name), text: alert_rule(app, namespace, runbook_url) },
        Artefact { file_name: format!("{}-break-glass.md", app.name), text: break_glass(app) },
    ]
}

/// Read access to every kind the app deploys: humans investigate, GitOps writes.
fn readonly_role(app: &AppReport, namespace: &str) -> String {
    let mut groups = BTreeSet::new();
    let mut resources = BTreeSet::new();
    for resource in &app.resources {
        groups.insert(format!("\"{}\"", resource.group));
        resources.insert(format!("{}s", resource.kind.to_lowercase()).replace("policys", "policies"));
    }
    resources.insert("pods".to_owned());
    groups.insert("\"\"".to_owned());
    format!(
        "# Production is changed through Git: people read, the GitOps controller writes.\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {namespace}-readonly\n  namespace: {namespace}\nrules:\n- apiGroups: [{}]\n  resources: [{}]\n  verbs: [\"get\", \"list\", \"watch\"]\n",
        groups.into_iter().collect::<Vec<_>>().join(", "),
        resources.into_iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(", ")
    )
}

/// The app's alerts on kdrift's metrics (`kdrift serve` exports them): harmful drift only,
/// never the HPA's replicas or defaults, as Argo CD's OutOfSync status would.
fn alert_rule(app: &AppReport, namespace: &str, runbook_url: Option<&str>) -> String {
    use crate::report::alert_rules::{self, RuleOptions};
    let scope = Some((app.name.clone(), namespace.to_owned()));
    let runbook_url = runbook_url.unwrap_or(alert_rules::DEFAULT_RUNBOOK_URL).to_owned();
    alert_rules::render(&RuleOptions { runbook_url, app: scope })
}

fn break_glass(app: &AppReport) -> String {
    format!(
        "# Break-glass for {}\n\nDirect production writes stay possible for real incidents, with:\n\n- an expiring role, granted per incident;\n- an incident or change id on every write;\n- the API server's audit log kept;\n- a closure step within a working day: backport the live change to Git or sync it away — kdrift's `backport` and `sync` record which.\n",
        app.name
    )
}

/// Where prevention artefacts are written.
pub(crate) fn dir(data_dir: &Path, app: &str) -> PathBuf {
    data_dir.join("prevention").join(app)
}

/// Writes the artefacts, the alerts linking `runbook_url`; returns the files written.
pub(crate) fn write(
    data_dir: &Path,
    app: &AppReport,
    namespace: &str,
    runbook_url: Option<&str>,
) -> Result<Vec<PathBuf>, ActionError> {
    let folder = dir(data_dir, &app.name);
    std::fs::create_dir_all(&folder).map_err(ActionError::io(&folder))?;
    artefacts(app, namespace, runbook_url)
        .into_iter()
        .map(|artefact| {
            let path = folder.join(&artefact.file_name);
            std::fs::write(&path, &artefact.text).map_err(ActionError::io(&path))?;
            Ok(path)
        })
        .collect()
}
