//! Reading ignore rules from the shapes teams already keep them in: an Argo CD `Application`
//! (`spec.ignoreDifferences`), the `argocd-cm` ConfigMap
//! (`resource.customizations.ignoreDifferences.<group>_<Kind>`, `.<Kind>`, `.all`, and the
//! `resource.compareoptions` settings), a Flux `Kustomization` (drift ignore rules in
//! `spec.ignore`, as kustomize-controller merged them; `spec.driftIgnoreRules`, the name its
//! drafts and early write-ups used, is read too) or `HelmRelease`
//! (`spec.driftDetection.ignore`), or a plain list of Argo CD-style rules. Every error names
//! the key at fault.

use super::compare_options::{self, CompareOptions};
use super::jq::{self, JqDeletion};
use super::matching::{AnchoredRegex, Selector};
use super::{FluxTarget, IgnoreRule, Target};
use serde_json::{Map, Value};

/// A rule that cannot be used, located precisely: `rules.yaml: [1].jqPathExpressions[0]: …`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {at}: {message}")]
pub struct RuleError {
    pub origin: String,
    pub at: String,
    pub message: String,
}

/// The rules found in one document, and remarks about what was deliberately not read.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rules: Vec<IgnoreRule>,
    pub notes: Vec<String>,
    /// argocd-cm's `resource.compareoptions`, when the document sets them.
    pub compare_options: Option<CompareOptions>,
}

const CM_PREFIX: &str = "resource.customizations.ignoreDifferences.";
const ARGO_KEYS: &[&str] =
    &["group", "kind", "name", "namespace", "jsonPointers", "jqPathExpressions", "managedFieldsManagers"];
const ARGO_CM_KEYS: &[&str] = &["jsonPointers", "jqPathExpressions", "managedFieldsManagers"];
const FLUX_KEYS: &[&str] = &["paths", "target"];
const FLUX_TARGET_KEYS: &[&str] =
    &["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"];

/// The rules in `document`, or `None` when it is not one of the rule shapes.
/// `source` names where the document is (a file, `file#2`, or a live object).
pub fn rules_in(document: &Value, source: &str) -> Result<Option<Parsed>, RuleError> {
    let Some(mut parsed) = read_document(document, source)? else { return Ok(None) };
    // The document's jq expressions compiled together (see `jq`): thousands of rules cost a
    // few compilations. An expression that does not compile names its rule.
    let (places, mut deletions): (Vec<String>, Vec<&mut JqDeletion>) = parsed
        .rules
        .iter_mut()
        .flat_map(|rule| {
            let at = rule.rule.clone();
            let located = move |(index, deletion)| (format!("{at}.jqPathExpressions[{index}]"), deletion);
            rule.jq.iter_mut().enumerate().map(located)
        })
        .unzip();
    if let Err((index, message)) = jq::compile_together(&mut deletions) {
        let at = places.get(index).cloned().unwrap_or_default();
        return Err(RuleError { origin: source.to_owned(), at, message });
    }
    Ok(Some(parsed))
}

fn read_document(document: &Value, source: &str) -> Result<Option<Parsed>, RuleError> {
    let reader = Reader { source };
    if let Value::Array(items) = document {
        let rules = items
            .iter()
            .enumerate()
            .map(|(index, item)| reader.argo_rule(item, &format!("[{index}]")))
            .collect::<Result<_, _>>()?;
        return Ok(Some(Parsed { rules, ..Parsed::default() }));
    }
    let text = |field: &str| document.get(field).and_then(Value::as_str).unwrap_or_default();
    let group = text("apiVersion").split('/').next().unwrap_or_default();
    match (group, text("kind")) {
        ("argoproj.io", "Application") => reader.list_at(document, &["spec", "ignoreDifferences"], Reader::argo_rule),
        (_, "ConfigMap") => reader.argocd_cm(document).map(Some),
        ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
            let mut parsed = Parsed::default();
            if let Some(Value::String(_)) = document.get("spec").and_then(|s| s.get("ignore")) {
                parsed.notes.push(format!(
                    "{source}: spec.ignore is a .sourceignore pattern (files left out of the build), not a drift rule; nothing to apply"
                ));
            } else {
                parsed.rules.extend(
                    reader.list_at(document, &["spec", "ignore"], Reader::flux_rule)?.into_iter().flat_map(|p| p.rules),
                );
            }
            let drafted = reader.list_at(document, &["spec", "driftIgnoreRules"], Reader::flux_rule)?;
            parsed.rules.extend(drafted.into_iter().flat_map(|p| p.rules));
            Ok(Some(parsed))
        }
        ("helm.toolkit.fluxcd.io", "HelmRelease") => {
            reader.list_at(document, &["spec", "driftDetection", "ignore"], Reader::flux_rule)
        }
        _ => Ok(None),
    }
}

struct Reader<'s> {
    source: &'s str,
}

impl Reader<'_> {
    fn error(&self, at: &str, message: impl Into<String>) -> RuleError {
        RuleError { origin: self.source.to_owned(), at: at.to_owned(), message: message.into() }
    }

    /// Reads the list at `path` (absent means no rules) with `read` for each item.
    fn list_at(
        &self,
        document: &Value,
        path: &[&str],
        read: fn(&Self, &Value, &str) -> Result<IgnoreRule, RuleError>,
    ) -> Result<Option<Parsed>, RuleError> {
        let at = path.join(".");
        let list = path.iter().try_fold(document, |value, key| value.get(*key));
        let items = match list {
            None | Some(Value::Null) => return Ok(Some(Parsed::default())),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(self.error(&at, "must be a list of rules")),
        };
        let rules = items
            .iter()
            .enumerate()
            .map(|(index, item)| read(self, item, &format!("{at}[{index}]")))
            .collect::<Result<_, _>>()?;
        Ok(Some(Parsed { rules, ..Parsed::default() }))
    }

    fn argo_rule(&self, item: &Value, at: &str) -> Result<IgnoreRule, RuleError> {
        let map = self.object(item, at, ARGO_KEYS)?;
        let kind = self
            .string(map, at, "kind")?
            .ok_or_else(|| self.error(at, "kind is required (\"*\" matches every kind)"))?;
        let target = Target::Argo {
            group: self.string(map, at, "group")?.unwrap_or_default(),
            kind,
            name: self.string(map, at, "name")?.filter(|n| !n.is_empty()),
            namespace: self.string(map, at, "namespace")?.filter(|n| !n.is_empty()),
        };
        self.argo_actions(map, at, target)
    }

    /// The hiding part of an Argo CD rule (shared by Application rules and argocd-cm).
    fn argo_actions(&self, map: &Map<String, Value>, at: &str, target: Target) -> Result<IgnoreRule, RuleError> {
        let pointers = self.pointers(map, at, "jsonPointers")?;
        let jq = self
            .strings(map, at, "jqPathExpressions")?
            .into_iter()
            .enumerate()
            .map(|(index, text)| {
                JqDeletion::parse(&text).map_err(|e| self.error(&format!("{at}.jqPathExpressions[{index}]"), e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let managers = self.strings(map, at, "managedFieldsManagers")?;
        let rule = IgnoreRule { source: self.source.to_owned(), rule: at.to_owned(), target, pointers, jq, managers };
        if rule.is_empty() {
            return Err(self.error(at, "hides nothing: give jsonPointers, jqPathExpressions or managedFieldsManagers"));
        }
        Ok(rule)
    }

    fn argocd_cm(&self, document: &Value) -> Result<Parsed, RuleError> {
        let mut parsed = Parsed::default();
        let Some(data) = document.get("data").and_then(Value::as_object) else {
            return Ok(parsed);
        };
        for (key, value) in data {
            if key == compare_options::KEY {
                let at = format!("data[\"{key}\"]");
                let text = value.as_str().ok_or_else(|| self.error(&at, "must be a YAML string"))?;
                let (options, notes) = CompareOptions::parse(text, self.source).map_err(|e| self.error(&at, e))?;
                parsed.compare_options = Some(options);
                parsed.notes.extend(notes);
                continue;
            }
            let Some(resource) = key.strip_prefix(CM_PREFIX) else {
                continue;
            };
            let at = format!("data[\"{key}\"]");
            let (group, kind) = match resource {
                "all" => ("*".to_owned(), "*".to_owned()),
                // `<group>_<Kind>`; a bare `<Kind>` is a core kind. Groups hold no `_`.
                _ => match resource.rsplit_once('_') {
                    Some((group, kind)) => (group.to_owned(), kind.to_owned()),
                    None => (String::new(), resource.to_owned()),
                },
            };
            let text = value.as_str().ok_or_else(|| self.error(&at, "must be a YAML string"))?;
            crate::engine::yaml_depth::check(text).map_err(|e| self.error(&at, format!("invalid YAML: {e}")))?;
            let rule: Value = yaml_serde::from_str(text).map_err(|e| self.error(&at, format!("invalid YAML: {e}")))?;
            let map = self.object(&rule, &at, ARGO_CM_KEYS)?;
            let target = Target::Argo { group, kind, name: None, namespace: None };
            parsed.rules.push(self.argo_actions(map, &at, target)?);
        }
        Ok(parsed)
    }

    fn flux_rule(&self, item: &Value, at: &str) -> Result<IgnoreRule, RuleError> {
        let map = self.object(item, at, FLUX_KEYS)?;
        let pointers = self.pointers(map, at, "paths")?;
        if pointers.is_empty() {
            return Err(self.error(&format!("{at}.paths"), "is required: the JSON pointers to ignore"));
        }
        let mut target = FluxTarget::default();
        if let Some(value) = map.get("target").filter(|v| !v.is_null()) {
            let target_at = format!("{at}.target");
            let fields = self.object(value, &target_at, FLUX_TARGET_KEYS)?;
            let regex = |key: &str| -> Result<Option<AnchoredRegex>, RuleError> {
                match self.string(fields, &target_at, key)?.filter(|s| !s.is_empty()) {
                    Some(text) => {
                        AnchoredRegex::new(&text).map(Some).map_err(|e| self.error(&format!("{target_at}.{key}"), e))
                    }
                    None => Ok(None),
                }
            };
            let selector = |key: &str| -> Result<Option<Selector>, RuleError> {
                match self.string(fields, &target_at, key)?.filter(|s| !s.is_empty()) {
                    Some(text) => {
                        Selector::parse(&text).map(Some).map_err(|e| self.error(&format!("{target_at}.{key}"), e))
                    }
                    None => Ok(None),
                }
            };
            target = FluxTarget {
                group: regex("group")?,
                version: regex("version")?,
                kind: regex("kind")?,
                name: regex("name")?,
                namespace: regex("namespace")?,
                label_selector: selector("labelSelector")?,
                annotation_selector: selector("annotationSelector")?,
            };
        }
        Ok(IgnoreRule {
            source: self.source.to_owned(),
            rule: at.to_owned(),
            target: Target::Flux(Box::new(target)),
            pointers,
            jq: Vec::new(),
            managers: Vec::new(),
        })
    }

    /// The item as a map whose keys are all in `allowed`.
    fn object<'v>(&self, item: &'v Value, at: &str, allowed: &[&str]) -> Result<&'v Map<String, Value>, RuleError> {
        let map = item.as_object().ok_or_else(|| self.error(at, "must be a mapping"))?;
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(self
                .error(&format!("{at}.{unknown}"), format!("unknown key (expected one of: {})", allowed.join(", "))));
        }
        Ok(map)
    }

    fn string(&self, map: &Map<String, Value>, at: &str, key: &str) -> Result<Option<String>, RuleError> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(self.error(&format!("{at}.{key}"), "must be a string")),
        }
    }

    fn strings(&self, map: &Map<String, Value>, at: &str, key: &str) -> Result<Vec<String>, RuleError> {
        let items = match map.get(key) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(self.error(&format!("{at}.{key}"), "must be a list of strings")),
        };
        items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::String(text) if !text.is_empty() => Ok(text.clone()),
                _ => Err(self.error(&format!("{at}.{key}[{index}]"), "must be a non-empty string")),
            })
            .collect()
    }

    /// RFC 6901 pointers: each starts with `/`.
    fn pointers(&self, map: &Map<String, Value>, at: &str, key: &str) -> Result<Vec<String>, RuleError> {
        let pointers = self.strings(map, at, key)?;
        if let Some(index) = pointers.iter().position(|p| !p.starts_with('/')) {
            return Err(self.error(
                &format!("{at}.{key}[{index}]"),
                format!("'{}' is not a JSON pointer (it must start with '/', like /spec/replicas)", pointers[index]),
            ));
        }
        Ok(pointers)
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
