//! Secrets never leak (issue 3): a Secret whose desired, live and last-applied values all
//! differ, and an annotation configured as sensitive, are run through every output (scan as
//! text, JSON and markdown, with and without an ignore rule that hides part of them, and
//! `kdrift diff`, folded and full); neither the clear nor the base64 form of any value may
//! appear anywhere, while the change itself stays visible.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod support;

use serde_json::Value;
use support::{kdrift, run, tree};

/// Git: `hunter2` (stringData). Live: `s3cr3t-live`. Last-applied: `l4st-4pplied`.
/// The token annotation (masked by config) differs too: `vault-git` vs `vault-live`.
const DESIRED: &str = "apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: prod
  annotations:
    vault.example.com/token: vault-git
stringData:
  password: hunter2
  user: app
  api-key: k3y-in-git
";

const LIVE: &str = r#"apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: prod
  annotations:
    vault.example.com/token: vault-live
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"prod"},"stringData":{"password":"l4st-4pplied","user":"app","api-key":"k3y-l4st"}}'
  managedFields:
  - manager: kubectl-edit
    operation: Update
    time: "2026-06-01T00:00:00Z"
    fieldsType: FieldsV1
    fieldsV1: {f:data: {f:password: {}, f:api-key: {}}, f:metadata: {f:annotations: {f:vault.example.com/token: {}}}}
data:
  password: czNjcjN0LWxpdmU=
  user: YXBw
  api-key: azN5LWxpdmU=
type: Opaque
"#;

/// Hides one changed key, and fails at run time on the object (the jq error must not quote it).
const RULES: &str = "- kind: Secret
  jsonPointers: [/data/api-key]
- kind: Secret
  jqPathExpressions: ['.data | to_entries']
";

const CONFIG: &str = "mask_annotations = [\"vault.example.com/token\"]\n";

/// Every value, in clear and in base64.
const FORBIDDEN: &[&str] = &[
    "hunter2",
    "aHVudGVyMg",
    "s3cr3t-live",
    "czNjcjN0LWxpdmU",
    "l4st-4pplied",
    "bDRzdC00cHBsaWVk",
    "k3y-in-git",
    "azN5LWluLWdpdA",
    "k3y-l4st",
    "azN5LWw0c3Q",
    "k3y-live",
    "azN5LWxpdmU",
    "YXBw",
    "vault-git",
    "vault-live",
];

#[test]
fn no_secret_value_appears_in_any_output() {
    let dir = tree(&[
        ("desired/secret.yaml", DESIRED),
        ("live/secret.yaml", LIVE),
        ("rules.yaml", RULES),
        ("config.toml", CONFIG),
    ]);
    let base = |command: &str| {
        let mut cmd = kdrift();
        cmd.arg(command)
            .arg("--desired")
            .arg(dir.path().join("desired"))
            .arg("--live")
            .arg(dir.path().join("live"))
            .arg("--config")
            .arg(dir.path().join("config.toml"));
        cmd
    };
    let mut outputs = Vec::new();
    for with_rules in [false, true] {
        for format in ["text", "json", "markdown"] {
            let mut command = base("scan");
            command.args(["-o", format]);
            if with_rules {
                command.arg("--ignore").arg(dir.path().join("rules.yaml"));
            }
            let result = run(&mut command);
            assert_eq!(result.code, 1, "{format}: a changed secret key is drift: {}", result.stderr);
            outputs.push((format!("scan {format} rules={with_rules}"), result.stdout, result.stderr));
        }
    }
    for full in [false, true] {
        let mut command = base("diff");
        command.arg("--ignore").arg(dir.path().join("rules.yaml"));
        if full {
            command.arg("--full");
        }
        let result = run(&mut command);
        assert_eq!(result.code, 0, "diff runs: {}", result.stderr);
        outputs.push((format!("diff full={full}"), result.stdout, result.stderr));
    }
    for (name, stdout, stderr) in &outputs {
        for secret in FORBIDDEN {
            assert!(!stdout.contains(secret) && !stderr.contains(secret), "{name} leaks '{secret}':\n{stdout}{stderr}");
        }
    }

    let json: Value = serde_json::from_str(&outputs[1].1).expect("json");
    let findings = json["apps"][0]["resources"][0]["findings"].as_array().expect("findings").clone();
    let paths: Vec<&str> = findings.iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(
        paths,
        ["/data/password", "/data/api-key", "/metadata/annotations/vault.example.com~1token"],
        "changed keys are findings, the unchanged `user` is not"
    );
    for finding in &findings {
        assert_ne!(finding["desired"], finding["live"], "differing masks keep the change visible: {finding}");
        assert!(finding["live"].as_str().is_some_and(|v| v.chars().all(|c| c == '+')), "{finding}");
    }

    let with_rules: Value = serde_json::from_str(&outputs[4].1).expect("json");
    let resource = &with_rules["apps"][0]["resources"][0];
    let hidden = resource["findings"].as_array().unwrap().iter().find(|f| f["path"] == "/data/api-key").unwrap();
    assert_eq!(hidden["ignored_by"]["method"], "json-pointer", "{hidden}");
    assert!(
        resource["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("value withheld")),
        "the failing jq rule is reported without its input: {resource}"
    );
    assert!(outputs[6].1.contains("++++++++"), "diff shows masks: {}", outputs[6].1);
}
