//! Exec credential plugins (`users[].user.exec`: `aws eks get-token`, `gke-gcloud-auth-plugin`,
//! `kubelogin`), run by kdrift itself within the request timeout and an output cap rather than
//! by the client library's blocking, unbounded call: the credential the plugin prints goes
//! into the connection's settings before the client is built, so nothing else runs it.

use crate::sources::process::{self, Bounds, RunError};
use base64::Engine as _;
use serde::Deserialize;
use std::time::Duration;

/// Most a credential can take: a token or a certificate and key.
const OUTPUT_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Deserialize)]
struct ExecCredential {
    status: Option<CredentialStatus>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialStatus {
    token: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
}

/// Runs the context's exec plugin, if it has one, and puts its credential into `config`.
pub(crate) fn resolve(config: &mut kube::Config, timeout: Duration) -> Result<(), String> {
    let Some(exec) = config.auth_info.exec.take() else { return Ok(()) };
    let Some(program) = exec.command.clone() else {
        return Err("the kubeconfig's exec credential plugin names no command".to_owned());
    };
    let mut command = std::process::Command::new(&program);
    command.args(exec.args.iter().flatten());
    for pair in exec.env.iter().flatten() {
        if let (Some(name), Some(value)) = (pair.get("name"), pair.get("value")) {
            command.env(name, value);
        }
    }
    for name in exec.drop_env.iter().flatten() {
        command.env_remove(name);
    }
    // Never interactive: a prompt would wait for ever (and draw over the TUI).
    let mut spec = serde_json::json!({"interactive": false});
    if exec.provide_cluster_info
        && let Some(cluster) = &exec.cluster
    {
        spec["cluster"] = serde_json::to_value(cluster).map_err(|e| e.to_string())?;
    }
    let info = serde_json::json!({"apiVersion": exec.api_version, "kind": "ExecCredential", "spec": spec});
    command.env("KUBERNETES_EXEC_INFO", info.to_string());
    let bounds = Bounds { timeout, stdout_bytes: OUTPUT_BYTES, stderr_bytes: 4096 };
    let plugin = format!("exec credential plugin '{program}'");
    let finished = process::run(&mut command, None, bounds).map_err(|error| match error {
        RunError::Timeout(_) => {
            format!("{plugin} did not answer within {}s (raise --request-timeout if it is slow)", timeout.as_secs())
        }
        other => format!("{plugin} {other}"),
    })?;
    if !finished.status.success() {
        let said = crate::sanitize::clean_line(String::from_utf8_lossy(&finished.stderr).trim());
        let code = finished.status.code().unwrap_or(-1);
        return Err(format!("{plugin} exited {code}: {said} (log in with it once, then run kdrift again)"));
    }
    let text = String::from_utf8(finished.stdout).map_err(|_| format!("{plugin} printed no UTF-8 text"))?;
    crate::engine::yaml_depth::check(&text).map_err(|e| format!("{plugin} printed no credential: {e}"))?;
    // client-go reads the answer as YAML, of which JSON is a part.
    let credential: ExecCredential =
        yaml_serde::from_str(&text).map_err(|_| format!("{plugin} printed no ExecCredential"))?;
    let status = credential.status.ok_or_else(|| format!("{plugin} printed an ExecCredential without a status"))?;
    match (status.token, status.client_certificate_data, status.client_key_data) {
        (Some(token), _, _) => config.auth_info.token = Some(token.into()),
        (None, Some(certificate), Some(key)) => {
            let encode = |pem: &str| base64::engine::general_purpose::STANDARD.encode(pem);
            config.auth_info.client_certificate_data = Some(encode(&certificate));
            config.auth_info.client_key_data = Some(encode(&key).into());
        }
        _ => return Err(format!("{plugin} printed neither a token nor a client certificate and key")),
    }
    Ok(())
}
