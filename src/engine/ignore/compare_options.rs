//! Argo CD's `resource.compareoptions` (a YAML string in `argocd-cm`): settings that change what
//! Argo CD compares for every app. kdrift honours the ones that change a comparison —
//! `ignoreAggregatedRoles` (a ClusterRole's rules filled in by the aggregation controller are
//! not drift) and `ignoreResourceStatusField` (`all`, the default, never compares `status`;
//! `crd` and `none` compare it where Git sets one) — and reads
//! `ignoreDifferencesOnResourceUpdates`, which only changes when Argo CD refreshes.

use crate::engine::diff::RawDiff;
use crate::model::{IgnoreMethod, IgnoredBy};
use serde_json::Value;

/// The argocd-cm key the options are written under.
pub const KEY: &str = "resource.compareoptions";

/// Which `status` fields are compared (`ignoreResourceStatusField`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatusField {
    /// `all` (Argo CD 3's default, and kdrift's): status is never compared.
    #[default]
    All,
    /// `crd`: status is ignored on CustomResourceDefinition objects only.
    Crd,
    /// `none` or `off`: status is compared wherever Git sets one.
    Off,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompareOptions {
    pub ignore_aggregated_roles: bool,
    pub status: StatusField,
    pub ignore_differences_on_resource_updates: bool,
    /// The argocd-cm the options were read from.
    pub source: String,
}

impl CompareOptions {
    /// Parses the option text; unknown keys come back as notes (Argo CD ignores them too).
    pub fn parse(text: &str, source: &str) -> Result<(CompareOptions, Vec<String>), String> {
        crate::engine::yaml_depth::check(text).map_err(|e| format!("invalid YAML: {e}"))?;
        let value: Value = yaml_serde::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
        let mut options = CompareOptions { source: source.to_owned(), ..CompareOptions::default() };
        let mut notes = Vec::new();
        let Some(map) = value.as_object() else {
            return match value {
                Value::Null => Ok((options, notes)),
                _ => Err("must be a mapping of options".to_owned()),
            };
        };
        let flag = |key: &str, value: &Value| yaml11_bool(value).ok_or_else(|| format!("{key}: must be true or false"));
        for (key, value) in map {
            match key.as_str() {
                "ignoreAggregatedRoles" => options.ignore_aggregated_roles = flag(key, value)?,
                "ignoreDifferencesOnResourceUpdates" => {
                    options.ignore_differences_on_resource_updates = flag(key, value)?;
                }
                "ignoreResourceStatusField" => {
                    options.status = match value.as_str() {
                        Some("all") => StatusField::All,
                        Some("crd") => StatusField::Crd,
                        Some("none" | "off") => StatusField::Off,
                        _ => return Err(format!("{key}: '{value}' is not one of all, crd, none")),
                    }
                }
                other => notes.push(format!("{source}: {KEY}: option '{other}' is not one kdrift knows; not applied")),
            }
        }
        Ok((options, notes))
    }

    /// Whether the `status` Git sets is compared for objects of `kind`.
    pub fn compares_status(&self, kind: &str) -> bool {
        match self.status {
            StatusField::All => false,
            StatusField::Crd => kind != "CustomResourceDefinition",
            StatusField::Off => true,
        }
    }

    /// The mark for a difference an option hides.
    pub fn hidden_by(&self, expression: &str) -> IgnoredBy {
        IgnoredBy {
            source: self.source.clone(),
            rule: format!("data[\"{KEY}\"]"),
            method: IgnoreMethod::CompareOption,
            expression: expression.to_owned(),
        }
    }

    /// `ignoreAggregatedRoles`: the rules of a ClusterRole with an aggregationRule belong to
    /// the aggregation controller.
    pub fn hides_aggregated_rules(&self, kind: &str, desired: &Value, diff: &RawDiff) -> bool {
        self.ignore_aggregated_roles
            && kind == "ClusterRole"
            && desired.get("aggregationRule").is_some_and(|rule| !rule.is_null())
            && diff.fields.first().is_some_and(|field| field == "rules")
    }
}

/// A boolean as Argo CD reads one: its YAML library follows YAML 1.1, where `yes`, `on`,
/// `y` and their opposites are booleans too (kdrift's follows YAML 1.2, where they are text).
fn yaml11_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => match text.as_str() {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => Some(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_option_and_notes_unknown_ones() {
        let text = "ignoreAggregatedRoles: true\nignoreResourceStatusField: crd\nignoreDifferencesOnResourceUpdates: true\nignoreSomething: 1\n";
        let (options, notes) = CompareOptions::parse(text, "argocd-cm.yaml").unwrap();
        assert!(options.ignore_aggregated_roles && options.ignore_differences_on_resource_updates);
        assert_eq!(options.status, StatusField::Crd);
        assert!(options.compares_status("Application") && !options.compares_status("CustomResourceDefinition"));
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("'ignoreSomething'"), "{notes:?}");
        assert!(
            CompareOptions::parse("ignoreAggregatedRoles: yes please\n", "x").unwrap_err().contains("true or false")
        );
        assert!(CompareOptions::parse("ignoreResourceStatusField: some\n", "x").unwrap_err().contains("not one of"));
        // Argo CD reads YAML 1.1, where these are booleans.
        let (options, _) =
            CompareOptions::parse("ignoreAggregatedRoles: yes\nignoreDifferencesOnResourceUpdates: off\n", "x")
                .unwrap();
        assert!(options.ignore_aggregated_roles && !options.ignore_differences_on_resource_updates);
        assert_eq!(CompareOptions::parse("", "x").unwrap().0.status, StatusField::All);
    }
}
