//! The deployment base in `assets/deploy` (issue 19), rendered by the real `kubectl kustomize`:
//! read-only RBAC, a locked-down pod serving the probes `kdrift serve` answers, scrape
//! annotations, and a PrometheusRule that is exactly `kdrift serve --print-rules`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde::Deserialize as _;
use serde_json::Value;
use support::served::promtool;
use support::{kdrift, run};

fn rendered() -> Vec<Value> {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/deploy");
    let output = std::process::Command::new("kubectl").arg("kustomize").arg(&base).output().expect("kubectl runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    yaml_serde::Deserializer::from_str(&String::from_utf8(output.stdout).unwrap())
        .map(|document| Value::deserialize(document).unwrap())
        .collect()
}

fn of_kind<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
    objects.iter().find(|o| o["kind"] == kind).unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn the_base_renders_a_read_only_locked_down_monitor() {
    let objects = rendered();
    let kinds: Vec<&str> = objects.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    for kind in [
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "Deployment",
        "Service",
        "ServiceMonitor",
        "PrometheusRule",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    // Read, never write; and no Secrets unless the user adds them.
    for rule in of_kind(&objects, "ClusterRole")["rules"].as_array().unwrap() {
        for verb in rule["verbs"].as_array().unwrap() {
            assert!(["get", "list", "watch"].contains(&verb.as_str().unwrap()), "{rule}");
        }
        let resources = rule["resources"].as_array().unwrap();
        assert!(!resources.iter().any(|r| r == "secrets" || r == "*"), "{rule}");
    }
    let binding = of_kind(&objects, "ClusterRoleBinding");
    assert_eq!(binding["subjects"][0]["namespace"], "kdrift");

    let deployment = of_kind(&objects, "Deployment");
    assert_eq!(deployment["spec"]["strategy"]["type"], "Recreate", "never two kdrifts scraped at once");
    let pod = &deployment["spec"]["template"];
    let containers = pod["spec"]["containers"].as_array().unwrap();
    let container = containers.iter().find(|c| c["name"] == "kdrift").unwrap();
    let args: Vec<&str> = container["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(&args[..3], ["serve", "--listen", "0.0.0.0:9477"]);
    // Desired state is the repository git-sync keeps beside it: --repo names its link.
    let git_sync = containers.iter().find(|c| c["name"] == "git-sync").expect("a git-sync sidecar");
    let env = |c: &Value, name: &str| {
        c["env"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap()["value"].as_str().unwrap().to_owned()
    };
    let repo = args.iter().position(|a| *a == "--repo").map(|i| args[i + 1]).expect("--repo");
    assert_eq!(repo, format!("{}/{}", env(git_sync, "GITSYNC_ROOT"), env(git_sync, "GITSYNC_LINK")));
    assert_eq!(git_sync["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(container["securityContext"]["allowPrivilegeEscalation"], false);
    assert_eq!(pod["spec"]["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["metadata"]["annotations"]["prometheus.io/port"], "9477");
    // The kubeconfig the pod is told to read is the one mounted.
    let kubeconfig = env(container, "KUBECONFIG");
    let mount = container["volumeMounts"].as_array().unwrap().iter().find(|m| m["name"] == "kubeconfig").unwrap();
    assert_eq!(kubeconfig, format!("{}/kubeconfig", mount["mountPath"].as_str().unwrap()));
    assert!(of_kind(&objects, "ConfigMap")["data"]["kubeconfig"].as_str().unwrap().contains("tokenFile"));
    let service = of_kind(&objects, "Service");
    assert_eq!(service["spec"]["ports"][0]["port"], 9477);
    assert!(service["metadata"].get("annotations").is_none(), "scraped through the pod only, once");
    assert_eq!(of_kind(&objects, "ServiceMonitor")["spec"]["endpoints"][0]["port"], "metrics");
}

#[test]
fn the_prometheus_rule_is_what_print_rules_prints_and_promtool_accepts_it() {
    let objects = rendered();
    let shipped = of_kind(&objects, "PrometheusRule");
    let printed = run(kdrift().args(["serve", "--print-rules=prometheus-rule"]));
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    let printed: Value = yaml_serde::from_str(&printed.stdout).unwrap();
    assert_eq!(
        shipped["spec"], printed["spec"],
        "assets/deploy/prometheusrule.yaml is out of date: regenerate it with `kdrift serve --print-rules=prometheus-rule`"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.yaml");
    std::fs::write(&file, yaml_serde::to_string(&shipped["spec"]).unwrap()).unwrap();
    let check = promtool().args(["check", "rules"]).arg(&file).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
}
