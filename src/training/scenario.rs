//! Training scenarios: an embedded sample (or a directory laid out the same way) with its
//! drill, run through the engine and checked against it. A drill whose expected
//! classification or owner disagrees with what the engine reports, or that leaves a
//! reported finding unclassified, does not load: the problem names the key at fault.

use crate::engine::{EngineConfig, Manifest, compare_app, identity, secrets};
use crate::model::{AppReport, Finding, ResourceKey};
use crate::sources::samples::{self, Sample};
use crate::training::spec::{self, DrillSpec};
use std::path::{Path, PathBuf};

/// Where a scenario comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    Dir(PathBuf),
}

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub title: String,
    pub description: String,
    pub app: String,
    pub namespace: String,
    /// The snapshot time: ages read the same on every run.
    pub now: Option<i64>,
    pub observed_at: String,
    pub drill: DrillSpec,
    pub origin: Origin,
    pub report: AppReport,
    pub desired: Vec<Manifest>,
    pub live: Vec<Manifest>,
    /// What each `drill.findings` entry is in the report, in the same order.
    pub targets: Vec<Target>,
    /// The engine settings the report (and every simulated rescan) uses: the trainee's
    /// `mask_annotations` mask sample values as they would mask a cluster's.
    pub engine: EngineConfig,
}

/// A drill finding resolved against the engine's report.
#[derive(Debug, Clone)]
pub struct Target {
    /// `None` for an app-level finding.
    pub resource: Option<ResourceKey>,
    pub finding: Finding,
    /// The managers offered for the ownership question (the object's own, sorted).
    pub owner_choices: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("no scenario named '{name}' (available: {available}; or give a scenario directory)")]
    Unknown { name: String, available: String },
    #[error(transparent)]
    Sample(#[from] samples::SampleError),
    #[error("scenario '{0}' has no drill: add a `drill:` key to its scenario.yaml")]
    NoDrill(String),
    #[error("scenario '{name}' is invalid:\n  {}", problems.join("\n  "))]
    Invalid { name: String, problems: Vec<String> },
}

/// Every embedded scenario, beginner ones first, then by name.
pub fn embedded() -> Result<Vec<Scenario>, ScenarioError> {
    let mut scenarios = samples::names().into_iter().map(load).collect::<Result<Vec<_>, _>>()?;
    scenarios.sort_by(|a, b| a.drill.difficulty.cmp(&b.drill.difficulty).then_with(|| a.name.cmp(&b.name)));
    Ok(scenarios)
}

/// The embedded scenario `name`.
pub fn load(name: &str) -> Result<Scenario, ScenarioError> {
    let sample = samples::load(name).map_err(|error| match error {
        samples::SampleError::Unknown { name, available } => ScenarioError::Unknown { name, available },
        other => ScenarioError::Sample(other),
    })?;
    from_sample(sample, Origin::Embedded)
}

/// A scenario directory outside the binary (`scenario.yaml`, `desired/`, `live/`).
pub fn load_dir(path: &Path) -> Result<Scenario, ScenarioError> {
    from_sample(samples::load_dir(path)?, Origin::Dir(path.to_owned()))
}

/// `NAME` is an embedded scenario; anything naming a directory is loaded from there.
pub fn find(name_or_path: &str) -> Result<Scenario, ScenarioError> {
    let path = Path::new(name_or_path);
    if name_or_path.contains(std::path::MAIN_SEPARATOR) || name_or_path.starts_with('.') || path.is_dir() {
        load_dir(path)
    } else {
        load(name_or_path)
    }
}

fn from_sample(sample: Sample, origin: Origin) -> Result<Scenario, ScenarioError> {
    let Sample { name, meta, observed_at, desired, live, scenario_yaml } = sample;
    let invalid = |problems| ScenarioError::Invalid { name: name.clone(), problems };
    let drill = spec::parse_drill(&scenario_yaml)
        .map_err(|problem| invalid(vec![problem]))?
        .ok_or_else(|| ScenarioError::NoDrill(name.clone()))?;
    let mut problems = spec::check_shape(&drill);
    if observed_at.is_none() {
        problems.push(format!("observed_at: '{}' is not an RFC 3339 time", meta.observed_at));
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let report =
        compare_app(&EngineConfig::default(), &meta.app, &meta.namespace, observed_at, desired.clone(), live.clone())
            .map_err(|error| invalid(vec![format!("desired/: {error}")]))?;
    let (targets, problems) = resolve(&drill, &report, &live, &meta.namespace);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    Ok(Scenario {
        name,
        title: meta.title,
        description: meta.description,
        app: meta.app,
        namespace: meta.namespace,
        now: observed_at,
        observed_at: meta.observed_at,
        drill,
        origin,
        report,
        desired,
        live,
        targets,
        engine: EngineConfig::default(),
    })
}

impl Scenario {
    /// The scenario compared again with the trainee's masks (`mask_annotations`), so every
    /// value training shows is masked as on a cluster.
    pub fn masked_with(mut self, mask_annotations: &[String]) -> Scenario {
        if mask_annotations.is_empty() {
            return self;
        }
        let engine = EngineConfig { mask_annotations: mask_annotations.to_vec(), ..EngineConfig::default() };
        let compared =
            compare_app(&engine, &self.app, &self.namespace, self.now, self.desired.clone(), self.live.clone());
        let resolved = compared.ok().and_then(|report| {
            let (targets, problems) = resolve(&self.drill, &report, &self.live, &self.namespace);
            problems.is_empty().then_some((report, targets))
        });
        match resolved {
            Some((report, targets)) => (self.report, self.targets) = (report, targets),
            // Fail closed: the drill keeps its report, with the masked values masked in place.
            None => mask_findings(&mut self.report, mask_annotations),
        }
        self.engine = engine;
        self
    }
}

/// Every finding value `mask_annotations` covers replaced by the mask, in the values and in
/// the reason that quotes them.
fn mask_findings(report: &mut AppReport, mask_annotations: &[String]) {
    for resource in &mut report.resources {
        for finding in &mut resource.findings {
            for value in [&mut finding.desired, &mut finding.live].into_iter().flatten() {
                if !secrets::is_masked_at(&resource.kind, &finding.path, value, mask_annotations) {
                    continue;
                }
                let quoted = match &*value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                if !quoted.is_empty() {
                    finding.reason = finding.reason.replace(&quoted, secrets::MASK);
                }
                *value = secrets::mask_at(&resource.kind, &finding.path, value, mask_annotations, true);
            }
        }
    }
}

/// `KIND/NAMESPACE/NAME` or `KIND/NAME` (in the app's namespace).
pub fn parse_resource(text: &str, namespace: &str) -> Option<(String, String, String)> {
    match text.split('/').collect::<Vec<_>>().as_slice() {
        [kind, name] if !kind.is_empty() && !name.is_empty() => {
            Some(((*kind).to_owned(), namespace.to_owned(), (*name).to_owned()))
        }
        [kind, ns, name] if !kind.is_empty() && !name.is_empty() => {
            Some(((*kind).to_owned(), (*ns).to_owned(), (*name).to_owned()))
        }
        _ => None,
    }
}

/// The report's resource `text` names.
pub fn resource_named<'r>(
    report: &'r AppReport,
    text: &str,
    namespace: &str,
) -> Option<&'r crate::model::ResourceReport> {
    let (kind, ns, name) = parse_resource(text, namespace)?;
    report.resources.iter().find(|r| {
        r.kind == kind && r.name == name && (r.namespace == ns || identity::is_cluster_scoped(&r.group, &r.kind))
    })
}

fn field_matches(finding: &Finding, field: &str) -> bool {
    finding.path == field || (!field.is_empty() && finding.display_path == field)
}

fn listing(findings: &[Finding]) -> String {
    let paths: Vec<String> = findings
        .iter()
        .map(|f| if f.path.is_empty() { "\"\" (the whole object)".to_owned() } else { f.path.clone() })
        .collect();
    if paths.is_empty() { "no differences".to_owned() } else { paths.join(", ") }
}

/// Matches each drill finding to the engine's, and lists every disagreement by key.
fn resolve(drill: &DrillSpec, report: &AppReport, live: &[Manifest], namespace: &str) -> (Vec<Target>, Vec<String>) {
    let mut problems = Vec::new();
    let targets: Vec<Target> = drill
        .findings
        .iter()
        .enumerate()
        .filter_map(|(index, expected)| resolve_finding(index, expected, report, live, namespace, &mut problems))
        .collect();
    problems.extend(unclassified(report, &targets));
    problems.extend(decisions_without_difference(drill, report, namespace));
    (targets, problems)
}

/// The engine's finding `drill.findings[index]` names, checked against what it expects.
fn resolve_finding(
    index: usize,
    expected: &spec::FindingAnswer,
    report: &AppReport,
    live: &[Manifest],
    namespace: &str,
    problems: &mut Vec<String>,
) -> Option<Target> {
    let key = format!("drill.findings[{index}]");
    let (resource, finding) = if expected.resource == "app" {
        let Some(finding) = report.findings.iter().find(|f| f.category == expected.category) else {
            problems.push(format!(
                "{key}.resource: the engine reports no app-level {} finding for {}",
                expected.category.as_str(),
                report.name
            ));
            return None;
        };
        (None, finding)
    } else {
        let Some(resource) = resource_named(report, &expected.resource, namespace) else {
            problems.push(format!(
                "{key}.resource: '{}' is not a resource of {} (KIND/NAMESPACE/NAME)",
                expected.resource, report.name
            ));
            return None;
        };
        let Some(finding) = resource.findings.iter().find(|f| field_matches(f, &expected.field)) else {
            problems.push(format!(
                "{key}.field: the engine reports no difference at '{}' on {} (it reports: {})",
                expected.field,
                expected.resource,
                listing(&resource.findings)
            ));
            return None;
        };
        (Some(resource.key()), finding)
    };
    if finding.category != expected.category {
        problems.push(format!(
            "{key}.category: '{}' but the engine classifies it as '{}'",
            expected.category.as_str(),
            finding.category.as_str()
        ));
    }
    match (&expected.owner, finding.owner.as_ref().map(|o| o.manager.as_str())) {
        (Some(owner), Some(actual)) if owner != actual => {
            problems.push(format!("{key}.owner: '{owner}' but managedFields credit '{actual}'"))
        }
        (Some(owner), None) => {
            problems.push(format!("{key}.owner: '{owner}' but managedFields credit nobody with this value"))
        }
        _ => {}
    }
    let owner_choices = resource.as_ref().map(|key| managers_of(live, key, namespace)).unwrap_or_default();
    if expected.owner.is_some() && owner_choices.len() < 2 {
        problems.push(format!("{key}.owner: the live object has fewer than two managers to choose from"));
    }
    Some(Target { resource, finding: finding.clone(), owner_choices })
}

/// Findings the engine reports (and no rule hides) that no drill finding classifies. One
/// `app` entry covers every app-level finding of its category.
fn unclassified(report: &AppReport, targets: &[Target]) -> Vec<String> {
    let covers = |resource: &Option<ResourceKey>, finding: &Finding| {
        targets.iter().any(|t| match (&t.resource, resource) {
            (None, None) => t.finding.category == finding.category,
            (Some(a), Some(b)) => a == b && t.finding.path == finding.path,
            _ => false,
        })
    };
    let reported = report
        .findings
        .iter()
        .map(|f| (None, f))
        .chain(report.resources.iter().flat_map(|r| r.findings.iter().map(move |f| (Some(r.key()), f))));
    reported
        .filter(|(resource, finding)| finding.ignored_by.is_none() && !covers(resource, finding))
        .map(|(resource, finding)| {
            let at = match &resource {
                Some(key) if finding.path.is_empty() => {
                    format!("{}/{}/{} (the whole object)", key.kind, key.namespace, key.name)
                }
                Some(key) => format!("{}/{}/{} {}", key.kind, key.namespace, key.name, finding.path),
                None => format!("app {}", finding.reason),
            };
            format!("drill.findings: the engine also reports {at} ({}): classify it too", finding.category.as_str())
        })
        .collect()
}

/// Decisions on a resource that is not the app's, has no difference, or lacks the field.
fn decisions_without_difference(drill: &DrillSpec, report: &AppReport, namespace: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (index, decision) in drill.decide.iter().enumerate() {
        let key = format!("drill.decide[{index}]");
        match resource_named(report, &decision.resource, namespace) {
            None => problems.push(format!(
                "{key}.resource: '{}' is not a resource of {} (KIND/NAMESPACE/NAME)",
                decision.resource, report.name
            )),
            Some(resource) if resource.findings.is_empty() => {
                problems.push(format!("{key}.resource: {} has no difference to decide on", decision.resource))
            }
            Some(resource) => {
                if let Some(field) = &decision.field
                    && !resource.findings.iter().any(|f| field_matches(f, field))
                {
                    problems.push(format!(
                        "{key}.field: no difference at '{field}' on {} (it reports: {})",
                        decision.resource,
                        listing(&resource.findings)
                    ));
                }
            }
        }
    }
    problems
}

/// The field managers recorded on the live object `key`, sorted.
fn managers_of(live: &[Manifest], key: &ResourceKey, namespace: &str) -> Vec<String> {
    let mut managers: Vec<String> = live
        .iter()
        .filter(|m| {
            let other = identity::key_of(&m.object, namespace);
            other.kind == key.kind && other.name == key.name && other.namespace == key.namespace
        })
        .flat_map(|m| {
            m.object
                .pointer("/metadata/managedFields")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|entry| entry.get("manager").and_then(serde_json::Value::as_str).map(str::to_owned))
        })
        .collect();
    managers.sort();
    managers.dedup();
    managers
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn without_a_fresh_comparison_masked_values_are_masked_in_the_report_itself() {
        let object = |token: &str| {
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "c", "namespace": "prod", "annotations": {"vault.example.com/token": token}}})
        };
        let manifest = |token: &str| Manifest { object: object(token), origin: "x.yaml".to_owned() };
        let mut report = compare_app(
            &EngineConfig::default(),
            "app",
            "prod",
            None,
            vec![manifest("git-TOKEN")],
            vec![manifest("live-TOKEN")],
        )
        .unwrap();
        assert!(serde_json::to_string(&report).unwrap().contains("live-TOKEN"), "unmasked before");
        mask_findings(&mut report, &["vault.example.com/token".to_owned()]);
        let shown = serde_json::to_string(&report).unwrap();
        assert!(!shown.contains("live-TOKEN") && !shown.contains("git-TOKEN"), "{shown}");
        assert!(shown.contains(secrets::MASK), "{shown}");
    }
}
