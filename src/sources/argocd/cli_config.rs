//! The `argocd` CLI's own config (`argocd login` writes it): which server each context
//! names, how to reach it (`plain-text`, `insecure`) and the user's token. Found where the
//! CLI looks: `$ARGOCD_CONFIG_DIR/config`, else `~/.argocd/config` when that directory
//! exists, else `$XDG_CONFIG_HOME/argocd/config` (`~/.config/argocd/config`).

use crate::sources::argocd::ArgoError;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) struct CliConfig {
    #[serde(default)]
    current_context: Option<String>,
    #[serde(default)]
    contexts: Vec<Context>,
    #[serde(default)]
    servers: Vec<Server>,
    #[serde(default)]
    users: Vec<User>,
}

#[derive(Debug, Deserialize)]
struct Context {
    name: String,
    #[serde(default)]
    server: String,
    #[serde(default)]
    user: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Server {
    server: String,
    #[serde(default)]
    insecure: bool,
    #[serde(default)]
    plain_text: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct User {
    name: String,
    #[serde(default)]
    auth_token: Option<String>,
}

/// What the config says about one server.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    pub insecure: bool,
    pub plain_text: bool,
    pub token: Option<String>,
}

/// The config, when the CLI has one; an unreadable or malformed one is an error naming it.
pub(super) fn read() -> Result<Option<CliConfig>, ArgoError> {
    let Some(path) = path().filter(|p| p.is_file()) else {
        return Ok(None);
    };
    let problem = |why: String| ArgoError::Config(format!("argocd CLI config {}: {why}", path.display()));
    let text = crate::sources::bounded::read_text(&path).map_err(|error| problem(error.to_string()))?;
    yaml_serde::from_str(&text).map(Some).map_err(|error| problem(error.to_string()))
}

fn path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ARGOCD_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config"));
    }
    let home = directories::BaseDirs::new()?;
    let legacy = home.home_dir().join(".argocd");
    if legacy.is_dir() {
        return Some(legacy.join("config"));
    }
    Some(home.config_dir().join("argocd").join("config"))
}

impl CliConfig {
    /// The entry for `url`'s server (`host[:port]`, as the CLI writes it): the current
    /// context's user when that context names this server, else any context's that does.
    pub(super) fn for_server(&self, url: &str) -> Option<Entry> {
        let host = url.split("://").nth(1).unwrap_or(url).split('/').next().unwrap_or("");
        let server = self.servers.iter().find(|s| s.server.trim_end_matches('/') == host)?;
        let current = self.contexts.iter().find(|c| Some(&c.name) == self.current_context.as_ref());
        let context = current
            .filter(|c| c.server == server.server)
            .or_else(|| self.contexts.iter().find(|c| c.server == server.server));
        let token = context
            .and_then(|c| self.users.iter().find(|u| u.name == c.user))
            .and_then(|u| u.auth_token.clone())
            .filter(|t| !t.trim().is_empty());
        Some(Entry { insecure: server.insecure, plain_text: server.plain_text, token })
    }
}
