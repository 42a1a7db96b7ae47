//! Ignore rules as Argo CD and Flux write them, and what each one hides: rules are parsed
//! from their sources (`parse`), matched to objects (`matching`), and applied to a compared
//! pair so every difference they hide stays in the report, marked with the rule (`apply`).

pub mod apply;
pub mod compare_options;
pub mod jq;
pub mod jq_program;
pub mod jq_text;
pub mod matching;
pub mod parse;

use crate::model::{IgnoreMethod, ResourceKey};
use jq::JqDeletion;
use matching::{AnchoredRegex, Selector, glob_matches};
use serde_json::Value;
use std::collections::BTreeMap;

/// One rule: which objects it applies to and what it hides in them.
#[derive(Debug, Clone)]
pub struct IgnoreRule {
    /// The file or live object the rule is written in.
    pub source: String,
    /// Where inside the source: `spec.ignoreDifferences[0]`.
    pub rule: String,
    pub target: Target,
    /// RFC 6901 pointers removed from both sides (Argo CD `jsonPointers`, Flux `paths`).
    pub pointers: Vec<String>,
    pub jq: Vec<JqDeletion>,
    /// Field managers whose live fields are not compared (Argo CD `managedFieldsManagers`).
    pub managers: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Target {
    /// Argo CD: `group`/`kind` globs, `name`/`namespace` exact when given.
    Argo { group: String, kind: String, name: Option<String>, namespace: Option<String> },
    /// Flux: anchored regexes and label/annotation selectors, each optional.
    Flux(Box<FluxTarget>),
}

#[derive(Debug, Clone, Default)]
pub struct FluxTarget {
    pub group: Option<AnchoredRegex>,
    pub version: Option<AnchoredRegex>,
    pub kind: Option<AnchoredRegex>,
    pub name: Option<AnchoredRegex>,
    pub namespace: Option<AnchoredRegex>,
    pub label_selector: Option<Selector>,
    pub annotation_selector: Option<Selector>,
}

/// What a rule's target is checked against: the object's identity and metadata.
pub struct Subject<'a> {
    pub key: &'a ResourceKey,
    pub version: &'a str,
    /// The object whose labels and annotations selectors look at (desired when there is one).
    pub object: &'a Value,
}

impl IgnoreRule {
    pub fn applies_to(&self, subject: &Subject<'_>) -> bool {
        let key = subject.key;
        match &self.target {
            Target::Argo { group, kind, name, namespace } => {
                glob_matches(group, &key.group)
                    && glob_matches(kind, &key.kind)
                    && name.as_ref().is_none_or(|n| *n == key.name)
                    && namespace.as_ref().is_none_or(|ns| *ns == key.namespace)
            }
            Target::Flux(target) => {
                let field =
                    |regex: &Option<AnchoredRegex>, value: &str| regex.as_ref().is_none_or(|r| r.matches(value));
                let selected = |selector: &Option<Selector>, field: &str| {
                    selector.as_ref().is_none_or(|s| s.matches(&string_map(subject.object, field)))
                };
                field(&target.group, &key.group)
                    && field(&target.version, subject.version)
                    && field(&target.kind, &key.kind)
                    && field(&target.name, &key.name)
                    && field(&target.namespace, &key.namespace)
                    && selected(&target.label_selector, "labels")
                    && selected(&target.annotation_selector, "annotations")
            }
        }
    }

    /// True when the rule can hide anything at all.
    pub fn is_empty(&self) -> bool {
        self.pointers.is_empty() && self.jq.is_empty() && self.managers.is_empty()
    }

    /// How the rule's pointers are named: Argo CD `jsonPointers` or Flux `paths`.
    pub fn pointer_method(&self) -> IgnoreMethod {
        match self.target {
            Target::Argo { .. } => IgnoreMethod::JsonPointer,
            Target::Flux(_) => IgnoreMethod::FluxPath,
        }
    }
}

/// `metadata.<field>` as a map of strings (non-string values are left out).
fn string_map<'a>(object: &'a Value, field: &str) -> BTreeMap<&'a str, &'a str> {
    object
        .get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_object)
        .map(|map| map.iter().filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(group: &str, kind: &str, namespace: &str, name: &str) -> ResourceKey {
        ResourceKey { group: group.into(), kind: kind.into(), namespace: namespace.into(), name: name.into() }
    }

    fn argo(group: &str, kind: &str, name: Option<&str>, namespace: Option<&str>) -> IgnoreRule {
        IgnoreRule {
            source: "rules.yaml".into(),
            rule: "[0]".into(),
            target: Target::Argo {
                group: group.into(),
                kind: kind.into(),
                name: name.map(Into::into),
                namespace: namespace.map(Into::into),
            },
            pointers: vec!["/spec/replicas".into()],
            jq: Vec::new(),
            managers: Vec::new(),
        }
    }

    #[test]
    fn argo_targets_use_globs_and_exact_names() {
        let object = json!({});
        let deployment = key("apps", "Deployment", "prod", "checkout-api");
        let subject = Subject { key: &deployment, version: "v1", object: &object };
        assert!(argo("apps", "Deployment", Some("checkout-api"), Some("prod")).applies_to(&subject));
        assert!(argo("*", "*", None, None).applies_to(&subject));
        assert!(argo("apps", "Deploy*", None, None).applies_to(&subject), "glob kind");
        assert!(!argo("apps", "Deployment", None, Some("staging")).applies_to(&subject), "wrong namespace");
        assert!(!argo("apps", "Deployment", Some("checkout"), None).applies_to(&subject), "names are exact");
        assert!(!argo("", "Deployment", None, None).applies_to(&subject), "empty group is the core group");
    }

    #[test]
    fn flux_targets_use_regexes_and_selectors() {
        let object = json!({"metadata": {"labels": {"app": "web"}, "annotations": {"team": "payments"}}});
        let deployment = key("apps", "Deployment", "prod", "web-1");
        let subject = Subject { key: &deployment, version: "v1", object: &object };
        let flux =
            |target: FluxTarget| IgnoreRule { target: Target::Flux(Box::new(target)), ..argo("", "", None, None) };
        let regex = |text: &str| Some(AnchoredRegex::new(text).unwrap());
        let selector = |text: &str| Some(Selector::parse(text).unwrap());
        assert!(flux(FluxTarget::default()).applies_to(&subject), "an empty target matches everything");
        assert!(
            flux(FluxTarget { kind: regex("Deployment|StatefulSet"), name: regex("web-.*"), ..Default::default() })
                .applies_to(&subject)
        );
        assert!(!flux(FluxTarget { namespace: regex("staging"), ..Default::default() }).applies_to(&subject));
        assert!(flux(FluxTarget { label_selector: selector("app=web"), ..Default::default() }).applies_to(&subject));
        assert!(
            !flux(FluxTarget { annotation_selector: selector("team=search"), ..Default::default() })
                .applies_to(&subject)
        );
        assert!(!flux(FluxTarget { version: regex("v2"), ..Default::default() }).applies_to(&subject));
    }
}
