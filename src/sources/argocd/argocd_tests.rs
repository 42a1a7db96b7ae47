use super::*;
use serde_json::json;

/// A managed-resources answer as Argo CD's API sends it: each state JSON inside a string,
/// `"null"` for no object, empty fields left out.
fn answer() -> Value {
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "prod", "labels": {"helm.sh/chart": "web-1.4.2"}},
        "spec": {"replicas": 2}});
    json!({"items": [
        {"group": "apps", "kind": "Deployment", "namespace": "prod", "name": "web",
         "targetState": deployment.to_string(), "liveState": "{\"kind\":\"Deployment\"}",
         "predictedLiveState": deployment.to_string(), "modified": true},
        {"kind": "ConfigMap", "namespace": "prod", "name": "stale", "targetState": "null",
         "liveState": "{\"kind\":\"ConfigMap\"}", "predictedLiveState": "null"},
        {"kind": "Service", "namespace": "prod", "name": "new", "liveState": "null"}
    ]})
}

#[test]
fn target_states_become_the_desired_objects_and_null_ones_are_not_in_git() {
    let (rendered, items) = parse(answer().to_string().as_bytes(), "argocd http://a app web").unwrap();
    assert_eq!(items, 3);
    assert_eq!(rendered.desired.len(), 1);
    assert_eq!(rendered.desired[0].object["metadata"]["labels"]["helm.sh/chart"], "web-1.4.2");
    assert_eq!(rendered.desired[0].origin, "argocd http://a app web: Deployment web");
    assert_eq!(parse(b"{}", "x").unwrap().0.desired.len(), 0, "no items: nothing rendered");
}

#[test]
fn a_state_that_is_not_json_names_its_object() {
    let broken = json!({"items": [{"kind": "Deployment", "name": "web", "targetState": "{not json"}]});
    let error = parse(broken.to_string().as_bytes(), "x").unwrap_err();
    assert!(error.starts_with("Deployment web: a state is not JSON"), "{error}");
    assert!(parse(b"<html>", "x").unwrap_err().starts_with("not a managed-resources answer"));
}

#[test]
fn argo_cds_error_bodies_give_their_message_and_anything_else_a_bounded_excerpt() {
    let denied = br#"{"error":"permission denied","code":7,"message":"permission denied"}"#;
    assert_eq!(error_message(denied), "permission denied");
    let html = format!("<html>{}\u{1b}[2J</html>", "x".repeat(500));
    let excerpt = error_message(html.as_bytes());
    assert!(excerpt.len() < 220 && !excerpt.contains('\u{1b}'), "{excerpt}");
}

#[test]
fn servers_without_a_scheme_are_https_unless_the_cli_says_plain_text() {
    assert_eq!(with_scheme("argocd.example.com", false).unwrap(), "https://argocd.example.com");
    assert_eq!(with_scheme("argocd.example.com:8080/", true).unwrap(), "http://argocd.example.com:8080");
    assert_eq!(with_scheme("http://127.0.0.1:9/", false).unwrap(), "http://127.0.0.1:9");
    assert!(with_scheme("  ", false).is_err());
    assert!(is_loopback("http://127.0.0.1:8080") && is_loopback("http://localhost"));
    assert!(!is_loopback("http://argocd.example.com") && !is_loopback("http://127.0.0.1.example.com:80"));
}

#[test]
fn only_kubernetes_names_go_into_the_path() {
    assert!(is_name("checkout-api") && is_name("a.b"));
    assert!(!is_name("web/../x") && !is_name("web?x=1") && !is_name("Web") && !is_name("a#b") && !is_name(""));
    assert!(!is_name("..") && !is_name(".hidden"), "a name starts with a letter or digit");
}

#[test]
fn the_cli_config_gives_the_token_of_the_context_naming_the_server() {
    let config: cli_config::CliConfig = yaml_serde::from_str(
        r"
contexts:
- {name: prod, server: argocd.example.com, user: prod-user}
- {name: lab, server: 'localhost:8080', user: lab-user}
current-context: lab
servers:
- {server: argocd.example.com, grpc-web-root-path: ''}
- {server: 'localhost:8080', plain-text: true, insecure: true}
users:
- {name: prod-user, auth-token: prod-token}
- {name: lab-user, auth-token: lab-token}
",
    )
    .unwrap();
    let prod = config.for_server("https://argocd.example.com").unwrap();
    assert_eq!((prod.token.as_deref(), prod.plain_text, prod.insecure), (Some("prod-token"), false, false));
    let lab = config.for_server("localhost:8080").unwrap();
    assert_eq!((lab.token.as_deref(), lab.plain_text), (Some("lab-token"), true));
    assert_eq!(config.for_server("https://other.example.com"), None);
}
