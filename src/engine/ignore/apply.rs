//! Applying the rules that match one compared pair, Argo CD's way (remove the paths on both
//! sides, then compare), while keeping what they hide: after each pointer or expression
//! that changes the pair, the pair is compared again and every difference that vanished is
//! kept, marked with the rule, pointer or expression responsible.

use super::IgnoreRule;
use super::jq::{JqDeletion, JqError};
use crate::engine::diff::{Change, RawDiff};
use crate::model::{IgnoreMethod, IgnoredBy};
use serde_json::Value;
use std::borrow::Cow;

/// The pair's differences after the rules: hidden ones carry the rule that hid them.
#[derive(Debug, Default)]
pub struct Outcome {
    pub diffs: Vec<(RawDiff, Option<IgnoredBy>)>,
    /// Rules skipped for this object and why (a jq runtime error).
    pub notes: Vec<String>,
}

/// Compares a (modified) normalized pair again, with the same live evidence.
pub type Rediff<'r> = dyn Fn(&Value, &Value) -> Vec<RawDiff> + 'r;

pub fn apply(
    rules: &[&IgnoreRule],
    desired: &Value,
    live: &Value,
    diffs: Vec<RawDiff>,
    rediff: &Rediff<'_>,
) -> Outcome {
    let mut active = diffs;
    let mut ignored: Vec<(RawDiff, IgnoredBy)> = Vec::new();
    let mut notes = Vec::new();
    // Manager rules already applied, re-applied to every fresh comparison.
    let mut manager_rules: Vec<&IgnoreRule> = Vec::new();
    let mut current: Option<(Value, Value)> = None;
    // Every expression these rules will run, in order: an evaluator may run the next ones
    // ahead while the pair stays as it is.
    let planned: Vec<&JqDeletion> = rules.iter().flat_map(|rule| &rule.jq).collect();
    let mut planned_from = 0;
    for rule in rules {
        if active.is_empty() {
            break;
        }
        let (base_desired, base_live) = match &current {
            Some((d, l)) => (d, l),
            None => (desired, live),
        };
        let plan = planned.get(planned_from..).unwrap_or_default();
        planned_from += rule.jq.len();
        match removal_steps(rule, base_desired, base_live, plan) {
            Err(JqError::Runtime(message)) => notes.push(format!(
                "ignore rule {} {} skipped for this object: jq error: {}",
                rule.source,
                rule.rule,
                without_values(&message)
            )),
            Err(JqError::Budget(why) | JqError::NotRun(why)) => {
                notes.push(format!("ignore rule {} {} skipped for this object: jq {why}", rule.source, rule.rule))
            }
            Ok(steps) => {
                for step in steps {
                    let mut remaining = rediff(&step.desired, &step.live);
                    remaining.retain(|diff| manager_rules.iter().all(|r| hiding_manager(r, diff).is_none()));
                    let by = || IgnoredBy {
                        source: rule.source.clone(),
                        rule: rule.rule.clone(),
                        method: step.method,
                        expression: step.expression.clone(),
                    };
                    for before in active.drain(..) {
                        // Matched by display path: it names list items by merge key, so it
                        // survives the index shifts a removed list item causes.
                        match remaining.iter().find(|after| after.display == before.display) {
                            Some(after) if after.desired == before.desired && after.live == before.live => {}
                            // Part of the value was hidden: keep the whole original, marked.
                            Some(_) => ignored.push((before, by())),
                            None => ignored.push((before, by())),
                        }
                    }
                    active = remaining;
                    current = Some((step.desired, step.live));
                }
            }
        }
        if !rule.managers.is_empty() {
            let (kept, hidden): (Vec<RawDiff>, Vec<RawDiff>) =
                active.into_iter().partition(|diff| hiding_manager(rule, diff).is_none());
            for diff in hidden {
                let manager = hiding_manager(rule, &diff).unwrap_or_default().to_owned();
                let by = IgnoredBy {
                    source: rule.source.clone(),
                    rule: rule.rule.clone(),
                    method: IgnoreMethod::ManagedFieldsManager,
                    expression: manager,
                };
                ignored.push((diff, by));
            }
            active = kept;
            manager_rules.push(rule);
        }
    }
    let mut diffs: Vec<(RawDiff, Option<IgnoredBy>)> = active.into_iter().map(|d| (d, None)).collect();
    diffs.extend(ignored.into_iter().map(|(d, by)| (d, Some(by))));
    Outcome { diffs, notes }
}

/// What kind of jq error happened, never its text: jq quotes the object in its messages, and
/// a rule can raise any value as an error (`error(.data.password | explode)` spells a Secret
/// in numbers), so only a fixed phrase from jq's own vocabulary is kept.
fn without_values(message: &str) -> String {
    const KNOWN: &[&str] = &[
        "invalid path expression",
        "cannot index",
        "cannot iterate over",
        "cannot use",
        "cannot calculate",
        "cannot parse",
        "cannot convert",
        "cannot add",
        "cannot subtract",
        "cannot multiply",
        "cannot divide",
        "cannot compare",
        "cannot update",
        "cannot delete",
        // kdrift's own words: the worker's bound on one answer (`jq_worker::serve::MAX_PATHS`).
        "selected more than 100000 paths",
    ];
    match KNOWN.iter().find(|phrase| message.starts_with(*phrase)) {
        Some(phrase) => format!("{phrase} (value withheld)"),
        None => "the expression raised an error (value withheld: its message may quote the object)".to_owned(),
    }
}

/// The manager of `rule` that owns this live value, if any. Fields only Git sets are never
/// hidden this way: no live manager owns them.
fn hiding_manager<'r>(rule: &'r IgnoreRule, diff: &RawDiff) -> Option<&'r str> {
    if diff.change == Change::DesiredOnly {
        return None;
    }
    let owner = diff.owner.as_ref()?;
    rule.managers.iter().find(|m| **m == owner.manager).map(String::as_str)
}

/// The pair after one of the rule's pointers or expressions changed it.
struct Step {
    method: IgnoreMethod,
    expression: String,
    desired: Value,
    live: Value,
}

/// Every pointer, then every jq expression, applied in turn to both sides; only the steps
/// that changed something. A jq runtime error voids the whole rule for this object.
/// `plan` is the rule's expressions followed by the later rules'.
fn removal_steps(rule: &IgnoreRule, desired: &Value, live: &Value, plan: &[&JqDeletion]) -> Result<Vec<Step>, JqError> {
    let mut steps: Vec<Step> = Vec::new();
    let (mut d, mut l) = (desired.clone(), live.clone());
    for pointer in &rule.pointers {
        let removed_desired = remove_pointer(&mut d, pointer);
        let removed_live = remove_pointer(&mut l, pointer);
        if removed_desired || removed_live {
            steps.push(Step {
                method: rule.pointer_method(),
                expression: pointer.clone(),
                desired: d.clone(),
                live: l.clone(),
            });
        }
    }
    for (index, jq) in rule.jq.iter().enumerate() {
        let next = plan.get(index + 1..).unwrap_or_default();
        let (next_d, next_l) = (jq.delete_from_before(&d, next)?, jq.delete_from_before(&l, next)?);
        if let (Cow::Borrowed(_), Cow::Borrowed(_)) = (&next_d, &next_l) {
            continue;
        }
        let (next_d, next_l) = (next_d.into_owned(), next_l.into_owned());
        if next_d != d || next_l != l {
            (d, l) = (next_d, next_l);
            steps.push(Step {
                method: IgnoreMethod::Jq,
                expression: jq.expression.clone(),
                desired: d.clone(),
                live: l.clone(),
            });
        }
    }
    Ok(steps)
}

/// Removes the value at an RFC 6901 pointer; a path that does not exist is a no-op.
pub fn remove_pointer(value: &mut Value, pointer: &str) -> bool {
    let Some(rest) = pointer.strip_prefix('/') else {
        return false;
    };
    let tokens: Vec<String> = rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    let Some((last, parents)) = tokens.split_last() else {
        return false;
    };
    let mut node = value;
    for token in parents {
        node = match node {
            Value::Object(map) => match map.get_mut(token) {
                Some(child) => child,
                None => return false,
            },
            Value::Array(items) => match token.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(child) => child,
                None => return false,
            },
            _ => return false,
        };
    }
    match node {
        Value::Object(map) => map.shift_remove(last).is_some(),
        Value::Array(items) => match last.parse::<usize>() {
            Ok(index) if index < items.len() => {
                items.remove(index);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::defaults::ApiKind;
    use crate::engine::diff::{LiveEvidence, diff_objects};
    use crate::engine::ignore::parse::rules_in;
    use crate::engine::managers::ManagerTable;
    use serde_json::json;

    fn rules(yaml: &str) -> Vec<IgnoreRule> {
        let document: Value = yaml_serde::from_str(yaml).unwrap();
        rules_in(&document, "rules.yaml").unwrap().unwrap().rules
    }

    /// Applies `rules` to a pair whose live side has `managed_fields`; returns
    /// (display path, what hid it) for every difference, and the notes.
    fn hidden(
        rules: &[IgnoreRule],
        desired: Value,
        live: Value,
        managed_fields: Value,
    ) -> (Vec<(String, Option<String>)>, Vec<String>) {
        let managers = ManagerTable::default();
        let evidence = LiveEvidence {
            api: ApiKind { group: "", version: "v1", kind: "ConfigMap" },
            managed_fields: Some(&managed_fields),
            managers: &managers,
            last_applied: None,
            opaque_data: false,
            builtin_kind: true,
            instance_label: "app.kubernetes.io/instance",
            predicted: None,
        };
        let rediff = |d: &Value, l: &Value| diff_objects(d, l, &evidence);
        let refs: Vec<&IgnoreRule> = rules.iter().collect();
        let outcome = apply(&refs, &desired, &live, rediff(&desired, &live), &rediff);
        let mut diffs: Vec<(String, Option<String>)> = outcome
            .diffs
            .into_iter()
            .map(|(d, by)| (d.display, by.map(|b| format!("{} {}", b.method.label(), b.expression))))
            .collect();
        diffs.sort();
        (diffs, outcome.notes)
    }

    fn owned_by(manager: &str, fields: Value) -> Value {
        json!([{"manager": manager, "operation": "Update", "fieldsType": "FieldsV1", "fieldsV1": fields}])
    }

    #[test]
    fn each_rule_kind_marks_what_it_hides_and_nothing_else() {
        let desired = json!({"metadata": {"labels": {"team": "a"}}, "data": {"a": "1", "b": "1", "c": "1"}});
        let live = json!({"metadata": {"labels": {"team": "b"}}, "data": {"a": "2", "b": "2", "c": "2"}});
        let found = rules(
            "- kind: ConfigMap\n  jsonPointers: [/data/a, /data/absent]\n- kind: ConfigMap\n  jqPathExpressions: [.data.b]\n",
        );
        let (diffs, notes) = hidden(&found, desired, live, json!([]));
        assert_eq!(
            diffs,
            vec![
                ("data.a".to_owned(), Some("jsonPointers /data/a".to_owned())),
                ("data.b".to_owned(), Some("jqPathExpressions .data.b".to_owned())),
                ("data.c".to_owned(), None),
                ("metadata.labels.team".to_owned(), None),
            ]
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn managers_hide_their_live_fields_but_never_fields_only_git_sets() {
        let desired = json!({"data": {"git-only": "x", "changed": "1"}});
        let live = json!({"data": {"changed": "2", "added": "3"}});
        let fields = json!({"f:data": {"f:changed": {}, "f:added": {}}});
        let found = rules("- kind: ConfigMap\n  managedFieldsManagers: [kubectl-edit]\n");
        let (diffs, _) = hidden(&found, desired, live, owned_by("kubectl-edit", fields));
        assert_eq!(
            diffs,
            vec![
                ("data.added".to_owned(), Some("managedFieldsManagers kubectl-edit".to_owned())),
                ("data.changed".to_owned(), Some("managedFieldsManagers kubectl-edit".to_owned())),
                ("data.git-only".to_owned(), None),
            ]
        );
    }

    #[test]
    fn a_failing_jq_rule_is_skipped_with_a_note_and_later_rules_still_apply() {
        let desired = json!({"data": {"a": "1"}});
        let live = json!({"data": {"a": "2"}});
        let found = rules(
            "- kind: ConfigMap\n  jsonPointers: [/data/a]\n  jqPathExpressions: ['.data | to_entries']\n- kind: ConfigMap\n  jqPathExpressions: [.data.a]\n",
        );
        let (diffs, notes) = hidden(&found, desired, live, json!([]));
        assert_eq!(diffs, vec![("data.a".to_owned(), Some("jqPathExpressions .data.a".to_owned()))]);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with("ignore rule rules.yaml [0] skipped for this object: jq error"), "{notes:?}");
    }

    #[test]
    fn a_partly_hidden_value_is_kept_whole_and_marked() {
        // Git sets two annotations live lacks entirely; the rule hides one of them.
        let desired = json!({"metadata": {"annotations": {"hidden": "1", "kept": "2"}}});
        let live = json!({"metadata": {}});
        let found = rules("- kind: ConfigMap\n  jsonPointers: [/metadata/annotations/hidden]\n");
        let (diffs, _) = hidden(&found, desired, live, json!([]));
        assert_eq!(
            diffs,
            vec![
                ("metadata.annotations".to_owned(), None),
                ("metadata.annotations".to_owned(), Some("jsonPointers /metadata/annotations/hidden".to_owned())),
            ]
        );
    }

    #[test]
    fn jq_errors_never_quote_values() {
        assert_eq!(
            without_values(r#"invalid path expression with input {"data":{"password":"czNjcmV0"}}"#),
            "invalid path expression (value withheld)"
        );
        assert_eq!(without_values("cannot use null as iterable (array or object)"), "cannot use (value withheld)");
        // A rule can raise any value: numbers spelling a Secret are never quoted either.
        let raised = without_values("10411711011610111450");
        assert!(!raised.contains("104117"), "{raised}");
        assert!(raised.contains("value withheld"));
    }

    #[test]
    fn pointers_remove_exactly_one_path() {
        let mut object = json!({"metadata": {"annotations": {"a/b": "1", "c": "2"}}, "spec": {"ports": [1, 2]}});
        assert!(remove_pointer(&mut object, "/metadata/annotations/a~1b"));
        assert!(remove_pointer(&mut object, "/spec/ports/0"));
        assert!(!remove_pointer(&mut object, "/spec/absent/deeper"), "a missing path is a no-op");
        assert!(!remove_pointer(&mut object, "/spec/ports/9"));
        assert_eq!(object, json!({"metadata": {"annotations": {"c": "2"}}, "spec": {"ports": [2]}}));
    }
}
