//! Which field managers are GitOps controllers, Kubernetes controllers, people or webhooks:
//! the built-in table of DESIGN §3, extensible by configuration.

use crate::model::ManagerClass;

/// Manager-name patterns per class; a pattern ending in `*` matches by prefix.
#[derive(Debug, Clone)]
pub struct ManagerTable {
    pub gitops: Vec<String>,
    pub controllers: Vec<String>,
    pub humans: Vec<String>,
    pub webhooks: Vec<String>,
}

const GITOPS: &[&str] =
    &["argocd-controller", "argocd-application-controller", "argocd", "kustomize-controller", "helm-controller"];

const CONTROLLERS: &[&str] = &[
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-apiserver",
    "cloud-controller-manager",
    "cluster-autoscaler",
    "vpa-updater",
    "vpa-recommender",
    "horizontal-pod-autoscaler",
    "endpoint-controller",
    "endpointslice-controller",
    "clusterrole-aggregation-controller",
];

const HUMANS: &[&str] = &[
    "kubectl-edit",
    "kubectl-set",
    "kubectl-client-side-apply",
    "kubectl-create",
    "kubectl-label",
    "kubectl-annotate",
    "kubectl-patch",
    "kubectl-replace",
    "kubectl-rollout",
    "kubectl-scale",
    "kubectl",
    "Mozilla",
    "helm",
    "k9s",
    "lens",
];

const WEBHOOKS: &[&str] =
    &["*-webhook", "*-injector", "*-operator", "cert-manager-cainjector", "kyverno*", "gatekeeper*"];

impl Default for ManagerTable {
    fn default() -> Self {
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        ManagerTable {
            gitops: owned(GITOPS),
            controllers: owned(CONTROLLERS),
            humans: owned(HUMANS),
            webhooks: owned(WEBHOOKS),
        }
    }
}

impl ManagerTable {
    /// Classifies a field manager by name. The `scale` subresource does not change the class
    /// (`kubectl scale` is manager `kubectl`, a person; the HPA is `kube-controller-manager`,
    /// a controller) but it is kept on the entry because it tells the responder *how*.
    pub fn classify(&self, manager: &str) -> ManagerClass {
        // Exact names win over suffix patterns so a configured name can reclassify a built-in
        // pattern match; gitops is checked first because it decides "was this in Git".
        let classes = [
            (&self.gitops, ManagerClass::Gitops),
            (&self.controllers, ManagerClass::Controller),
            (&self.humans, ManagerClass::Human),
            (&self.webhooks, ManagerClass::Webhook),
        ];
        for (patterns, class) in classes {
            if patterns.iter().any(|p| p == manager) {
                return class;
            }
        }
        for (patterns, class) in classes {
            if patterns.iter().any(|p| pattern_matches(p, manager)) {
                return class;
            }
        }
        if manager.starts_with("kubectl") {
            return ManagerClass::Human;
        }
        ManagerClass::Unknown
    }

    pub fn is_gitops(&self, manager: &str) -> bool {
        self.classify(manager) == ManagerClass::Gitops
    }
}

fn pattern_matches(pattern: &str, name: &str) -> bool {
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(suffix), _) => name.ends_with(suffix),
        (_, Some(prefix)) => name.starts_with(prefix),
        _ => pattern == name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_managers_have_the_design_classes() {
        let table = ManagerTable::default();
        let cases = [
            ("argocd-controller", Some("Update"), None, ManagerClass::Gitops),
            ("kustomize-controller", Some("Apply"), None, ManagerClass::Gitops),
            ("helm-controller", Some("Apply"), None, ManagerClass::Gitops),
            ("kube-controller-manager", Some("Update"), Some("scale"), ManagerClass::Controller),
            ("kubectl", Some("Update"), Some("scale"), ManagerClass::Human),
            ("kubectl-edit", Some("Update"), None, ManagerClass::Human),
            ("kubectl-set", Some("Update"), None, ManagerClass::Human),
            ("kubectl-client-side-apply", Some("Update"), None, ManagerClass::Human),
            ("Mozilla", Some("Update"), None, ManagerClass::Human),
            ("linkerd-proxy-injector", Some("Update"), None, ManagerClass::Webhook),
            ("prometheus-operator", Some("Update"), None, ManagerClass::Webhook),
            ("my-ci-bot", Some("Update"), None, ManagerClass::Unknown),
        ];
        for (manager, _operation, _subresource, class) in cases {
            assert_eq!(table.classify(manager), class, "{manager}");
        }
    }
}
