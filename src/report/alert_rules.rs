//! Prometheus alerting rules on kdrift's own metrics (the seed's Part 3): harmful drift that
//! lasts ten minutes warns the owner team, a critical app pages after five, a GitOps
//! controller that cannot apply Git gets its own alert, and expected drift (HPA replicas,
//! defaults) never alerts. Every alert names the app, its namespace and team, says to
//! inspect before syncing, and links the runbook. `kdrift serve --print-rules` prints the
//! fleet's rules; the runbook's prevention step writes one app's.

use serde_json::{Value, json};

/// Where alerts link when no runbook URL is configured: the seed's placeholder, to replace.
pub(crate) const DEFAULT_RUNBOOK_URL: &str = "https://runbooks.example.com/gitops/drift";

/// The categories that are harmful drift rather than a controller's trouble.
const HARMFUL_DRIFT: &str = "desired-config|orphan|missing";

/// Which rules, for whom.
#[derive(Debug, Clone)]
pub(crate) struct RuleOptions {
    pub(crate) runbook_url: String,
    /// One app's rules (`(app, namespace)`), else every app's and kdrift's own.
    pub(crate) app: Option<(String, String)>,
}

/// A PromQL string literal's inside: `\` and `"` escaped.
fn literal(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl RuleOptions {
    /// The extra matchers that scope a selector to the app, if any.
    fn scope(&self) -> String {
        match &self.app {
            Some((app, namespace)) => format!(",app=\"{}\",dest_namespace=\"{}\"", literal(app), literal(namespace)),
            None => String::new(),
        }
    }

    /// Apps with findings matching `matchers`, counted, carrying the app's team and
    /// criticality (from `kdrift_app_info`, narrowed by `info`). Robust to more than one
    /// scrape of the same findings (a pod and a Service job, two pods in a rollout, two
    /// kdrifts): each instance's count is taken once (`max`), and the info side is one
    /// series per app (`topk` of one, even when two kdrifts name different teams), so the
    /// join never finds many on its one side.
    fn counted(&self, matchers: &str, info: &str) -> String {
        format!(
            "(max by (app, dest_namespace) (sum by (app, dest_namespace, job, instance) (kdrift_findings{{{matchers}{scope}}})) > 0) \
             * on (app, dest_namespace) group_left (team, criticality) \
             topk by (app, dest_namespace) (1, group by (app, dest_namespace, team, criticality) (kdrift_app_info{info}))",
            scope = self.scope()
        )
    }
}

fn alert(
    name: &str,
    expr: String,
    wait: &str,
    severity: &str,
    summary: &str,
    description: &str,
    runbook: &str,
) -> Value {
    json!({
        "alert": name,
        "expr": expr,
        "for": wait,
        "labels": {"severity": severity},
        "annotations": {"summary": summary, "description": description, "runbook_url": runbook},
    })
}

/// The rule groups, as a Prometheus rule file (and a PrometheusRule's `spec`) holds them.
pub(crate) fn groups(options: &RuleOptions) -> Value {
    let runbook = options.runbook_url.as_str();
    let inspect = "Inspect the diff and who changed each field before syncing (kdrift, the app, then `d`): \
                   a sync would revert a hotfix, a backport would keep it.";
    let mut rules = vec![
        alert(
            "KdriftHarmfulDrift",
            options.counted(&format!("category=~\"{HARMFUL_DRIFT}\""), "{criticality!=\"critical\"}"),
            "10m",
            "warning",
            "{{ $labels.app }} in {{ $labels.dest_namespace }} has drift Git does not explain",
            &format!(
                "{{{{ $value }}}} finding(s) in {{{{ $labels.app }}}} ({{{{ $labels.dest_namespace }}}}) were changed by a person or a webhook, \
                 or are missing or orphaned, for 10 minutes. {inspect}"
            ),
            runbook,
        ),
        alert(
            "KdriftHarmfulDriftCritical",
            options.counted(&format!("category=~\"{HARMFUL_DRIFT}\""), "{criticality=\"critical\"}"),
            "5m",
            "page",
            "Critical app {{ $labels.app }} in {{ $labels.dest_namespace }} has drift Git does not explain",
            &format!(
                "{{{{ $value }}}} harmful finding(s) in the critical app {{{{ $labels.app }}}} for 5 minutes: \
                 production differs from Git by hand. {inspect}"
            ),
            runbook,
        ),
        alert(
            "KdriftControllerCannotApply",
            // High: the controller's own failures (an apply, a render, a pod not ready); what
            // kdrift itself could not read is medium and no alert.
            options.counted("category=\"sync-availability\",severity=\"high\"", ""),
            "10m",
            "warning",
            "The GitOps controller cannot apply Git for {{ $labels.app }} in {{ $labels.dest_namespace }}",
            "The controller reports a fetch, render or apply failure, or its status is stale: drift status \
             for {{ $labels.app }} cannot be trusted and no sync can fix it until the controller can apply.",
            runbook,
        ),
    ];
    if options.app.is_none() {
        rules.push(alert(
            "KdriftScansStale",
            "(time() - kdrift_last_scan_success_timestamp_seconds > on (job, instance) clamp_min(3 * kdrift_rescan_interval_seconds, 900) \
             and on (job, instance) kdrift_rescan_interval_seconds > 0) \
             or (kdrift_scans_total >= 1 unless on (job, instance) kdrift_last_scan_success_timestamp_seconds)"
                .to_owned(),
            "5m",
            "warning",
            "kdrift's view of {{ $labels.instance }} is stale",
            "kdrift has not finished a scan for three intervals, and at least 15 minutes (or never has): drift alerts from it are not current. \
             Check kdrift_scan_errors_total by reason and kdrift's log.",
            runbook,
        ));
        rules.push(alert(
            "KdriftAbsent",
            "absent(kdrift_build_info)".to_owned(),
            "10m",
            "warning",
            "No kdrift is being scraped",
            "Prometheus has no kdrift metrics: drift alerts cannot fire (and the ones that fired have resolved). \
             Check the kdrift pod and its scrape target.",
            runbook,
        ));
    }
    let name = match &options.app {
        Some((app, _)) => format!("{app}-kdrift-drift"),
        None => "kdrift-drift".to_owned(),
    };
    json!({"groups": [{"name": name, "rules": rules}]})
}

const HEADER: &str =
    "# Alerts on kdrift's metrics: harmful drift only (expected drift, such as HPA replicas, never alerts).\n";

/// The rule file as YAML.
pub(crate) fn render(options: &RuleOptions) -> String {
    HEADER.to_owned() + &yaml_serde::to_string(&groups(options)).unwrap_or_default()
}

/// The same rules as the Prometheus Operator's `PrometheusRule` (assets/deploy holds one).
pub(crate) fn prometheus_rule(options: &RuleOptions) -> String {
    let rule = json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "kdrift", "labels": {"app.kubernetes.io/name": "kdrift"}},
        "spec": groups(options),
    });
    HEADER.to_owned() + &yaml_serde::to_string(&rule).unwrap_or_default()
}
