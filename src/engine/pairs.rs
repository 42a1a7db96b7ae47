//! One desired object and, once its live pair was seen, the comparison kept until the end of
//! the scan (when cluster-wide evidence, ignore rules and the API server's dry run are known),
//! and how a compared pair becomes its resource report.

use crate::engine::EngineConfig;
use crate::engine::classify;
use crate::engine::defaults::ApiKind;
use crate::engine::diff::{self, LiveEvidence, RawDiff};
use crate::engine::identity;
use crate::engine::ignore::apply::apply as apply_ignore_rules;
use crate::engine::ignore::compare_options::CompareOptions;
use crate::engine::ignore::{IgnoreRule, Subject};
use crate::engine::oracle::Predicted;
use crate::engine::ownership::OwnershipTrie;
use crate::engine::tracking::{self, Check, Claim};
use crate::model::{
    Category, Finding, IgnoredBy, Owner, ResourceKey, ResourceReport, ResourceStatus, Response, Severity,
};
use serde_json::Value;

/// A desired object and, once its live pair was seen, the comparison.
pub struct Desired {
    pub key: ResourceKey,
    /// The normalized object as JSON text, parsed again when its live pair arrives.
    pub text: Box<str>,
    pub version: String,
    pub origin: String,
    /// The `status` Git sets (rare: compared only when argocd-cm's compare options say so).
    pub status: Option<Box<str>>,
    /// Git set `metadata.namespace` itself (rather than leaving it to the destination).
    pub namespace_from_git: bool,
    /// The namespace Git gives an object the API server holds cluster-scoped.
    pub ignored_namespace: Option<String>,
    pub compared: Option<Compared>,
}

/// A paired resource awaiting classification.
pub struct Compared {
    pub version: String,
    pub diffs: Vec<RawDiff>,
    /// Differences in the `status` Git sets (kept apart: most settings never compare status).
    pub status_diffs: Vec<RawDiff>,
    pub live_origin: String,
    pub notes: Vec<String>,
    /// The normalized pair and its evidence, kept only when it differs (ignore rules need it).
    pub pair: Option<Box<KeptPair>>,
    /// Another app the live object is tracked to, and who wrote that tracking.
    pub claim: Option<(Claim, Option<Owner>)>,
}

/// Kept as compact JSON text, a tenth of a value tree's size: most scans have no rule that
/// matches, and the text is parsed again only when one does.
pub struct KeptPair {
    pub desired: Box<str>,
    pub live: Box<str>,
    pub managed_fields: Option<Box<str>>,
    pub last_applied: Option<String>,
    /// The API server's dry run of the desired object, when one was made.
    pub predicted: Option<PredictedText>,
}

/// A dry run's answer, normalized, as text.
pub struct PredictedText {
    pub object: Box<str>,
    pub managed_fields: Option<Box<str>>,
    pub manager: String,
}

/// Text written from a value by this engine always parses back.
pub fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_default()
}

pub fn to_text(value: &Value) -> Box<str> {
    // serde_json's writer, not `Display`: the formatter adapter costs a third more.
    serde_json::to_string(value).unwrap_or_default().into_boxed_str()
}

/// The note on a pair whose live copy cannot say who changed what.
pub const NO_MANAGED_FIELDS: &str = "live copy has no managedFields: fields added out of band cannot be attributed \
     (capture with `kubectl get -o yaml --show-managed-fields`)";

/// Differences in the `status` Git sets (Git's as text, live's as read).
pub fn status_diffs(git: &str, live: Option<Value>, evidence: &LiveEvidence<'_>) -> Vec<RawDiff> {
    let wrap = |status: Value| serde_json::json!({ "status": status });
    diff::diff_objects(&wrap(parse(git)), &wrap(live.unwrap_or(Value::Null)), evidence)
}

/// Everything the walk knows about a live object besides its value.
pub fn live_evidence<'a>(
    key: &'a ResourceKey,
    version: &'a str,
    managed_fields: Option<&'a Value>,
    last_applied: Option<&'a str>,
    predicted: Option<&'a Predicted<'a>>,
    config: &'a EngineConfig,
) -> LiveEvidence<'a> {
    LiveEvidence {
        api: ApiKind { group: &key.group, version, kind: &key.kind },
        managed_fields,
        managers: &config.managers,
        last_applied,
        opaque_data: matches!(key.kind.as_str(), "ConfigMap" | "Secret"),
        builtin_kind: identity::is_builtin_group(&key.group),
        instance_label: &config.instance_label,
        predicted,
    }
}

/// What finishing a resource needs from the app as a whole.
pub struct Finish<'f> {
    pub config: &'f EngineConfig,
    pub rules: &'f [&'f IgnoreRule],
    pub compare_options: Option<&'f CompareOptions>,
    pub app: &'f str,
    pub now: Option<i64>,
    pub hpa: Option<&'f str>,
    /// The namespaces of the app's own Argo CD Application and Flux Kustomization, if known.
    pub application_namespace: Option<&'f str>,
    pub kustomization_namespace: Option<&'f str>,
}

impl Compared {
    /// The findings of a compared pair: differences (re-checked by the dry run when there is
    /// one), ignore rules and compare options applied, classified, plus any tracking claim.
    pub fn findings(&mut self, key: &ResourceKey, finish: &Finish<'_>) -> Vec<Finding> {
        if self.pair.as_ref().is_some_and(|pair| pair.predicted.is_some()) {
            self.recheck_with_server(key, finish.config);
        }
        let mut diffs = std::mem::take(&mut self.diffs);
        if finish.compare_options.is_some_and(|options| options.compares_status(&key.kind)) {
            diffs.append(&mut self.status_diffs);
        }
        let hides_anything = !finish.rules.is_empty() || finish.compare_options.is_some();
        let marked = match self.pair.as_deref() {
            Some(pair) if hides_anything && !diffs.is_empty() => {
                mark_hidden(key, &self.version, pair, diffs, finish, &mut self.notes)
            }
            _ => diffs.into_iter().map(|d| (d, None)).collect(),
        };
        let ctx = classify::Context {
            key,
            now: finish.now,
            hpa: finish.hpa,
            mask_annotations: &finish.config.mask_annotations,
        };
        let mut findings: Vec<Finding> = marked
            .into_iter()
            .map(|(raw, ignored_by)| Finding { ignored_by, ..classify::classify(raw, &ctx) })
            .collect();
        if let Some((claim, owner)) = self.claim.take()
            && claim.holds(finish.application_namespace, finish.kustomization_namespace)
        {
            let owner = owner.or_else(|| {
                let managed = self.pair.as_ref()?.managed_fields.as_deref().map(parse)?;
                OwnershipTrie::from_managed_fields(&managed, &finish.config.managers)?.owner_of_fields(&claim.fields)
            });
            findings.push(claim_finding(key, finish.app, claim, owner));
        }
        // What needs action first, most severe first; otherwise object order.
        findings.sort_by_key(|f| (!f.needs_action(), f.ignored_by.is_some(), std::cmp::Reverse(f.severity)));
        findings
    }

    /// Compares the pair again knowing what the API server would store for Git's object.
    fn recheck_with_server(&mut self, key: &ResourceKey, config: &EngineConfig) {
        let Some(pair) = &self.pair else {
            return;
        };
        let Some(predicted) = &pair.predicted else {
            return;
        };
        let (desired, live) = (parse(&pair.desired), parse(&pair.live));
        let managed_fields = pair.managed_fields.as_deref().map(parse);
        let predicted_object = parse(&predicted.object);
        let predicted_fields = predicted.managed_fields.as_deref().map(parse);
        let answer = Predicted {
            object: &predicted_object,
            managed_fields: predicted_fields.as_ref(),
            manager: &predicted.manager,
        };
        let evidence = live_evidence(
            key,
            &self.version,
            managed_fields.as_ref(),
            pair.last_applied.as_deref(),
            Some(&answer),
            config,
        );
        let outcome = diff::diff_pair(&desired, &live, &evidence);
        if !outcome.settled.is_empty() {
            self.notes.push(format!(
                "the API server's dry run of Git's object stores the live value at {}: defaults or admission changes the server itself makes, not drift",
                list_phrase(&outcome.settled)
            ));
        }
        self.diffs = outcome.diffs;
    }
}

/// The pair's differences with those hidden by a matching rule or compare option marked.
fn mark_hidden(
    key: &ResourceKey,
    version: &str,
    pair: &KeptPair,
    diffs: Vec<RawDiff>,
    finish: &Finish<'_>,
    notes: &mut Vec<String>,
) -> Vec<(RawDiff, Option<IgnoredBy>)> {
    let desired = parse(&pair.desired);
    let subject = Subject { key, version, object: &desired };
    let matching: Vec<&IgnoreRule> = finish.rules.iter().copied().filter(|rule| rule.applies_to(&subject)).collect();
    let mut marked = if matching.is_empty() {
        diffs.into_iter().map(|d| (d, None)).collect()
    } else {
        let live = parse(&pair.live);
        let managed_fields = pair.managed_fields.as_deref().map(parse);
        let evidence =
            live_evidence(key, version, managed_fields.as_ref(), pair.last_applied.as_deref(), None, finish.config);
        let rediff = |desired: &Value, live: &Value| diff::diff_objects(desired, live, &evidence);
        let outcome = apply_ignore_rules(&matching, &desired, &live, diffs, &rediff);
        notes.extend(outcome.notes);
        outcome.diffs
    };
    if let Some(options) = finish.compare_options {
        for (diff, ignored_by) in marked.iter_mut().filter(|(_, by)| by.is_none()) {
            if options.hides_aggregated_rules(&key.kind, &desired, diff) {
                *ignored_by = Some(options.hidden_by("ignoreAggregatedRoles: true"));
            }
        }
    }
    marked
}

/// "a, b and 3 more".
pub fn list_phrase(items: &[String]) -> String {
    match items {
        [] => "nothing".to_owned(),
        [one] => one.clone(),
        [first, second] => format!("{first} and {second}"),
        [first, second, rest @ ..] => format!("{first}, {second} and {} more", rest.len()),
    }
}

/// The finding for an object another app's tracking claims: two apps fight over it.
fn claim_finding(key: &ResourceKey, app: &str, claim: Claim, owner: Option<Owner>) -> Finding {
    let reason = format!(
        "two apps claim {key}: its {proof} names {other}, and Git declares it for '{app}'; each sync fights over it and whichever app prunes first deletes the other's object: escalate to both owners and remove it from one app's Git",
        proof = claim.proof,
        other = claim.claimant(),
    );
    Finding {
        path: claim.pointer,
        display_path: claim.display,
        desired: claim.desired.map(Value::String),
        live: Some(Value::String(claim.live)),
        category: Category::DesiredConfig,
        severity: Severity::High,
        response: Response::Escalate,
        review_required: true,
        owner,
        ignored_by: None,
        reason,
        desired_path: None,
        git_commit: None,
        oracle: None,
    }
}

/// The claim `live`'s tracking makes, with the manager that wrote the tracking when the claim
/// counts whatever the app's definitions (the rare case: another app by name), and a note when
/// the tracking cannot be read.
pub fn claim_of(
    live: &Value,
    desired: &Value,
    key: &ResourceKey,
    app: &str,
    config: &EngineConfig,
) -> (Option<(Claim, Option<Owner>)>, Option<String>) {
    let (claim, note) = tracking::read_claim(live, desired, key, app, &config.instance_label, &config.argocd_namespace);
    let claim = claim.map(|claim| {
        let owner = match claim.check {
            Check::Always => live.pointer("/metadata/managedFields").and_then(|managed| {
                OwnershipTrie::from_managed_fields(managed, &config.managers)?.owner_of_fields(&claim.fields)
            }),
            _ => None,
        };
        (claim, owner)
    });
    (claim, note)
}

pub fn resource_report(key: &ResourceKey, version: String, findings: Vec<Finding>) -> ResourceReport {
    let status = if findings.is_empty() {
        ResourceStatus::Synced
    } else if findings.iter().all(|f| f.ignored_by.is_some()) {
        ResourceStatus::Ignored
    } else {
        ResourceStatus::Modified
    };
    ResourceReport {
        group: key.group.clone(),
        version,
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        status,
        findings,
        desired_source: None,
        live_source: None,
        desired_commit: None,
        notes: Vec::new(),
        events: Vec::new(),
    }
}
