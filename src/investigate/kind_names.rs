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

/// A kind as typed, lower case, with the group after a dot split off, and what kubectl's
/// table makes of it: `("deployments", "deployment", Some("apps"))` for `Deployments.apps`.
pub(crate) fn resolve(typed: &str) -> (String, String, Option<String>) {
    let typed = typed.to_ascii_lowercase();
    let (name, group) = match typed.split_once('.') {
        Some((name, group)) => (name.to_owned(), Some(group.to_owned())),
        None => (typed, None),
    };
    let kind = NAMES
        .iter()
        .find(|(kind, short)| *kind == name || short.contains(&name.as_str()) || plural_of(kind, &name))
        .map_or_else(|| name.clone(), |(kind, _)| (*kind).to_owned());
    (name, kind, group)
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
            assert_eq!(resolve(typed).1, "deployment", "{typed}");
        }
        let (typed, kind, group) = resolve("deployments.apps");
        assert_eq!((typed.as_str(), kind.as_str(), group.as_deref()), ("deployments", "deployment", Some("apps")));
        assert_eq!(resolve("svc").1, "service");
        assert_eq!(resolve("cm").1, "configmap");
        assert_eq!(resolve("ingresses").1, "ingress");
        assert_eq!(resolve("netpol").1, "networkpolicy");
        assert_eq!(resolve("hpa").1, "horizontalpodautoscaler");
        // A custom resource: matched by name or a regular plural.
        assert_eq!(resolve("rollouts").1, "rollouts");
        assert!(names_kind("rollout", "rollouts") && names_kind("gateway", "gateway"));
        assert!(names_kind("certificatepolicy", "certificatepolicies"));
        assert!(!names_kind("service", "services2"));
    }

    #[test]
    fn a_custom_kind_spelled_like_a_short_name_still_matches() {
        use crate::investigate::spec::ResourceFilter;
        use crate::model::ResourceKey;
        let key = |group: &str, kind: &str| ResourceKey {
            group: group.to_owned(),
            kind: kind.to_owned(),
            namespace: "prod".to_owned(),
            name: "foo".to_owned(),
        };
        let filter = ResourceFilter::parse("app/foo").expect("parses");
        assert!(filter.matches(&key("kappctrl.k14s.io", "App")), "kapp-controller's App");
        assert!(filter.matches(&key("argoproj.io", "Application")), "and Argo CD's, by its short name");
        assert!(!filter.matches(&key("apps", "Deployment")));
    }
}
