//! Argo CD's API as the source of desired state: the objects its controller rendered for an
//! app (Helm, Kustomize, plugins — all of it) from `GET /api/v1/applications/{name}/
//! managed-resources`, so an app compares with no clone, no `helm` and no chart repository. The server and its token
//! come from the flags, `ARGOCD_AUTH_TOKEN`, or the `argocd` CLI's own config (`cli_config`).

mod cli_config;

use crate::engine::Manifest;
use crate::sources::rest::{Rest, RestError, RestTarget};
use serde::Deserialize;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// An answer larger than this is refused: one app's rendered objects stay far below it.
const MOST_ANSWER_BYTES: usize = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ArgoError {
    #[error("--argocd-server: {0}")]
    Url(String),
    #[error(
        "no Argo CD token for {server}: set ARGOCD_AUTH_TOKEN, give --argocd-token-file FILE, or log in with `argocd login`"
    )]
    NoToken { server: String },
    #[error("{0}")]
    Config(String),
    #[error("Argo CD at {server} refuses plain http:// for a token off this machine: use https://")]
    PlainText { server: String },
    #[error("cannot reach Argo CD at {server} for app '{app}': {reason}")]
    Unreachable { server: String, app: String, reason: String },
    #[error("Argo CD at {server} refused the token (401) for app '{app}': {message}")]
    Unauthorized { server: String, app: String, message: String },
    #[error("Argo CD at {server} denies reading app '{app}' (403: {message}); it also says so when no such app exists")]
    Forbidden { server: String, app: String, message: String },
    #[error("Argo CD at {server} answered {status} for app '{app}': {message}")]
    Refused { server: String, app: String, status: u16, message: String },
    #[error("Argo CD at {server} sent an answer for app '{app}' kdrift cannot read: {reason}")]
    BadAnswer { server: String, app: String, reason: String },
    #[error(
        "Argo CD at {server} holds no rendered object for app '{app}' (its last comparison failed?): not compared, so nothing reads as an orphan"
    )]
    NothingRendered { server: String, app: String },
}

/// Where to find Argo CD, as the user gave it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArgoSpec {
    /// `--argocd-server`: a URL, or `host[:port]` as `argocd login` takes it (https then).
    pub server: String,
    pub token_file: Option<PathBuf>,
    /// PEM certificates Argo CD's TLS certificate chains to.
    pub ca_file: Option<PathBuf>,
    /// The namespace of the app's Application, when it is not Argo CD's own (apps in any
    /// namespace): discovery sets it from the Application it found.
    pub app_namespace: Option<String>,
}

/// A connected Argo CD API.
pub struct ArgoCd {
    rest: Rest,
}

/// One app's desired objects as Argo CD rendered them.
#[derive(Debug, Default)]
pub struct Rendered {
    pub desired: Vec<Manifest>,
}

impl ArgoCd {
    pub fn connect(spec: &ArgoSpec, timeout: Duration) -> Result<ArgoCd, ArgoError> {
        let cli = cli_config::read()?;
        let entry = cli.as_ref().and_then(|config| config.for_server(&spec.server));
        let url = with_scheme(&spec.server, entry.as_ref().is_some_and(|e| e.plain_text))?;
        let token = token(spec, entry.as_ref(), &url)?;
        let plain_allowed = entry.as_ref().is_some_and(|e| e.plain_text) || is_loopback(&url);
        if url.starts_with("http://") && !plain_allowed {
            return Err(ArgoError::PlainText { server: url });
        }
        let ca_pem = match &spec.ca_file {
            Some(path) => Some(
                crate::sources::bounded::read_text(path)
                    .map_err(|error| ArgoError::Config(format!("--argocd-ca {}: {error}", path.display())))?,
            ),
            None => None,
        };
        // A CA given is a CA to verify against, whatever the CLI config's `insecure` says.
        let insecure = entry.as_ref().is_some_and(|e| e.insecure) && ca_pem.is_none();
        let target =
            RestTarget { url: &url, token: Some(token), ca_pem, insecure, timeout, max_bytes: MOST_ANSWER_BYTES };
        let rest = Rest::connect(target).map_err(|error| match error {
            RestError::Unreachable(reason) => {
                ArgoError::Unreachable { server: url.clone(), app: String::new(), reason }
            }
            other => ArgoError::Url(other.to_string()),
        })?;
        Ok(ArgoCd { rest })
    }

    /// The server, as errors and labels name it.
    pub fn server(&self) -> &str {
        &self.rest.url
    }

    /// App `name`'s (its Application in `app_namespace`) rendered objects.
    pub fn managed_resources(&self, name: &str, app_namespace: Option<&str>) -> Result<Rendered, ArgoError> {
        let (server, app) = (self.rest.url.clone(), crate::sanitize::clean_line(name));
        if !is_name(name) || app_namespace.is_some_and(|ns| !is_name(ns)) {
            let reason = "not a Kubernetes name".to_owned();
            return Err(ArgoError::BadAnswer { server, app, reason });
        }
        let mut path = format!("/api/v1/applications/{name}/managed-resources");
        if let Some(namespace) = app_namespace {
            path.push_str(&format!("?appNamespace={namespace}"));
        }
        let (status, body) = self.rest.get(&path).map_err(|error| ArgoError::Unreachable {
            server: server.clone(),
            app: app.clone(),
            reason: error.to_string(),
        })?;
        let message = || error_message(&body);
        match status {
            200 => match parse(&body, &format!("argocd {server} app {app}")) {
                // Argo CD keeps the live objects with no target when it could not render Git:
                // compared, every one would read as an orphan to prune.
                Ok((rendered, items)) if rendered.desired.is_empty() && items > 0 => {
                    Err(ArgoError::NothingRendered { server, app })
                }
                Ok((rendered, _)) => Ok(rendered),
                Err(reason) => Err(ArgoError::BadAnswer { server, app, reason }),
            },
            401 => Err(ArgoError::Unauthorized { server, app, message: message() }),
            403 => Err(ArgoError::Forbidden { server, app, message: message() }),
            status => Err(ArgoError::Refused { server, app, status, message: message() }),
        }
    }
}

/// The token: `--argocd-token-file`, else `ARGOCD_AUTH_TOKEN`, else the CLI config's user.
fn token(spec: &ArgoSpec, entry: Option<&cli_config::Entry>, url: &str) -> Result<String, ArgoError> {
    if let Some(path) = &spec.token_file {
        let text = crate::sources::bounded::read_text(path)
            .map_err(|error| ArgoError::Config(format!("--argocd-token-file {}: {error}", path.display())))?;
        return non_empty(text.trim()).ok_or_else(|| ArgoError::NoToken { server: url.to_owned() });
    }
    if let Some(token) = std::env::var("ARGOCD_AUTH_TOKEN").ok().as_deref().and_then(|t| non_empty(t.trim())) {
        return Ok(token);
    }
    entry.and_then(|e| e.token.clone()).ok_or_else(|| ArgoError::NoToken { server: url.to_owned() })
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty() && !text.contains(char::is_whitespace)).then(|| text.to_owned())
}

/// `host[:port]` becomes `https://host[:port]` (`http://` for a server the CLI config says is
/// `plain-text`); a URL stays as given, without a trailing `/`.
fn with_scheme(server: &str, plain_text: bool) -> Result<String, ArgoError> {
    let server = server.trim().trim_end_matches('/');
    if server.is_empty() {
        return Err(ArgoError::Url("empty".to_owned()));
    }
    Ok(match (server.contains("://"), plain_text) {
        (true, _) => server.to_owned(),
        (false, true) => format!("http://{server}"),
        (false, false) => format!("https://{server}"),
    })
}

fn is_loopback(url: &str) -> bool {
    let authority = url.split("://").nth(1).unwrap_or("").split('/').next().unwrap_or("");
    let host = authority.rsplit_once(':').map_or(authority, |(host, _)| host);
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// A Kubernetes object name: safe to put in a path as it is.
fn is_name(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && text.len() <= 253
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// The message of Argo CD's error body (`{"error", "code", "message"}`), else a bounded
/// excerpt of what it sent.
fn error_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Error {
        message: Option<String>,
        error: Option<String>,
    }
    let text = match serde_json::from_slice::<Error>(body) {
        Ok(Error { message: Some(m), .. } | Error { error: Some(m), .. }) => m,
        _ => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    };
    crate::sanitize::clean_line(text.trim())
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    target_state: Option<String>,
}

/// The rendered objects of a managed-resources answer. Each state is JSON inside a string;
/// absent, `""` and `"null"` all mean no object (not in Git, or not live).
fn parse(body: &[u8], origin: &str) -> Result<(Rendered, usize), String> {
    let answer: Answer =
        serde_json::from_slice(body).map_err(|error| format!("not a managed-resources answer: {error}"))?;
    let items = answer.items.len();
    let mut rendered = Rendered::default();
    for item in answer.items {
        let state = |text: &Option<String>| -> Result<Option<Value>, String> {
            match text.as_deref().map(str::trim) {
                None | Some("" | "null") => Ok(None),
                Some(json) => serde_json::from_str::<Value>(json)
                    .map(|value| value.is_object().then_some(value))
                    .map_err(|error| format!("{} {}: a state is not JSON: {error}", item.kind, item.name)),
            }
        };
        if let Some(target) = state(&item.target_state)? {
            let origin = format!("{origin}: {} {}", item.kind, crate::sanitize::clean_line(&item.name));
            rendered.desired.push(Manifest { object: target, origin });
        }
    }
    Ok((rendered, items))
}

#[cfg(test)]
#[path = "argocd_tests.rs"]
mod tests;
