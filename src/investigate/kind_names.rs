//! What kubectl users type for a kind: its short name (`deploy`, `svc`, `cm`), its plural
//! (`deployments`), any case, and `kind.group` (`deployments.apps`), resolved to the kind a
//! `--resource` filter compares. Kinds not in the table (custom resources) still match by
//! their name or a regular plural.

/// Built-in short names and irregular plurals, as `kubectl api-resources` lists them.
const NAMES: &[(&str, &[&str])] = &[
    ("deployment", &["deploy"]),
    ("service", &["svc"]),
    ("configmap", &["cm"]),
    ("pod", &["po"]),
    ("horizontalpodautoscaler", &["hpa"]),
    ("statefulset", &["sts"]),
    ("daemonset", &["ds"]),
    ("replicaset", &["rs"]),
    ("ingress", &["ing", "ingresses"]),
    ("serviceaccount", &["sa"]),
    ("namespace", &["ns"]),
    ("persistentvolumeclaim", &["pvc"]),
    ("persistentvolume", &["pv"]),
    ("cronjob", &["cj"]),
    ("networkpolicy", &["netpol", "networkpolicies"]),
    ("poddisruptionbudget", &["pdb"]),
    ("customresourcedefinition", &["crd", "crds"]),
    ("endpoints", &["ep"]),
    ("limitrange", &["limits"]),
    ("resourcequota", &["quota"]),
    ("priorityclass", &["pc"]),
    ("storageclass", &["sc"]),
    ("application", &["app", "apps"]),
    ("kustomization", &["ks"]),
    ("helmrelease", &["hr"]),
];

/// A kind as typed, lower case, with the group after a dot split off: `("deployment",
/// Some("apps"))` for `Deployments.apps`.
pub(crate) fn resolve(typed: &str) -> (String, Option<String>) {
    let typed = typed.to_ascii_lowercase();
    let (name, group) = match typed.split_once('.') {
        Some((name, group)) => (name.to_owned(), Some(group.to_owned())),
        None => (typed, None),
    };
    let kind = NAMES
        .iter()
        .find(|(kind, short)| *kind == name || short.contains(&name.as_str()) || plural_of(kind, &name))
        .map_or(name, |(kind, _)| (*kind).to_owned());
    (kind, group)
}

/// Whether `typed` is `kind` or a regular plural of it (`deployments`, `policies`).
pub(crate) fn names_kind(kind: &str, typed: &str) -> bool {
    kind == typed || plural_of(kind, typed)
}

fn plural_of(kind: &str, typed: &str) -> bool {
    typed.strip_suffix('s').is_some_and(|stem| stem == kind || stem.strip_suffix('e') == Some(kind))
        || typed.strip_suffix("ies").is_some_and(|stem| kind.strip_suffix('y') == Some(stem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_plurals_and_groups_resolve_to_the_kind() {
        for typed in ["deploy", "Deployment", "deployments", "DEPLOYMENTS"] {
            assert_eq!(resolve(typed), ("deployment".to_owned(), None), "{typed}");
        }
        assert_eq!(resolve("deployments.apps"), ("deployment".to_owned(), Some("apps".to_owned())));
        assert_eq!(resolve("svc").0, "service");
        assert_eq!(resolve("cm").0, "configmap");
        assert_eq!(resolve("ingresses").0, "ingress");
        assert_eq!(resolve("netpol").0, "networkpolicy");
        assert_eq!(resolve("hpa").0, "horizontalpodautoscaler");
        // A custom resource: matched by name or a regular plural.
        assert_eq!(resolve("rollouts").0, "rollouts");
        assert!(names_kind("rollout", "rollouts") && names_kind("gateway", "gateway"));
        assert!(names_kind("certificatepolicy", "certificatepolicies"));
        assert!(!names_kind("service", "services2"));
    }
}
