//! User configuration and where kdrift keeps its files: `config.toml` under the platform's
//! config directory (`$XDG_CONFIG_HOME/kdrift/` on Linux, via `directories`) or `--config
//! FILE`. Every key is optional; an unknown key or a wrong type is an error naming it.

use crate::engine::{DEFAULT_ARGOCD_NAMESPACE, DEFAULT_INSTANCE_LABEL, EngineConfig};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// Annotation keys whose values are masked everywhere, like Secret data.
    #[serde(default)]
    pub mask_annotations: Vec<String>,
    /// The label that ties objects to their app (Argo CD's `application.instanceLabelKey`).
    pub instance_label: Option<String>,
    /// The namespace Argo CD runs in (default `argocd`): only its argocd-cm (or one in the
    /// namespace of the app's own Application) is read as Argo CD's settings.
    pub argocd_namespace: Option<String>,
    /// Ignore-rule files applied to every scan (relative paths: from the config file's folder).
    #[serde(default)]
    pub ignore: Vec<PathBuf>,
    /// Each cluster's API server audit log, by kubeconfig context: read whenever that
    /// context is, as `--audit-log` is (relative paths: from the config file's folder).
    #[serde(default)]
    pub audit_logs: std::collections::BTreeMap<String, Vec<PathBuf>>,
    /// The TUI's theme: a built-in name or a file name in the themes directory.
    pub theme: Option<String>,
    /// Contexts (glob patterns, `*` and `?`) the TUI opens read-only, as with `--read-only`.
    #[serde(default)]
    pub read_only_contexts: Vec<String>,
    /// Contexts (glob patterns) where sync and prune need the resource's name typed.
    #[serde(default)]
    pub production_contexts: Vec<String>,
    /// Labels naming an app's owner team in the TUI's OWNER column, first found wins
    /// (default: team, owner, app.kubernetes.io/part-of); a catalog's owner comes first.
    pub owner_labels: Option<Vec<String>>,
    /// Where the alert rules of `kdrift serve --print-rules` and the prevention step link.
    pub runbook_url: Option<String>,
    #[serde(default)]
    pub escalate: EscalateConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
}

/// `[limits]`: the bounds on what kdrift reads and runs (`crate::limits`); each key
/// optional, a zero refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitsConfig {
    pub file_mb: Option<u64>,
    pub response_mb: Option<u64>,
    pub list_objects: Option<u64>,
    pub jq_ms: Option<u64>,
    pub jq_memory_mb: Option<u64>,
    pub hook_seconds: Option<u64>,
    pub audit_mb: Option<u64>,
}

impl LimitsConfig {
    /// The bounds these keys set over the defaults.
    pub(crate) fn limits(&self) -> crate::limits::Limits {
        let defaults = crate::limits::Limits::DEFAULT;
        let mib = |value: Option<u64>, default: u64| value.map_or(default, |mb| mb.saturating_mul(1024 * 1024));
        crate::limits::Limits {
            file_bytes: mib(self.file_mb, defaults.file_bytes),
            response_bytes: mib(self.response_mb, defaults.response_bytes),
            list_objects: self.list_objects.unwrap_or(defaults.list_objects),
            jq_millis: self.jq_ms.unwrap_or(defaults.jq_millis),
            jq_memory_bytes: mib(self.jq_memory_mb, defaults.jq_memory_bytes),
            hook_seconds: self.hook_seconds.unwrap_or(defaults.hook_seconds),
            audit_bytes: mib(self.audit_mb, defaults.audit_bytes),
        }
    }

    fn zero_key(&self) -> Option<&'static str> {
        [
            ("file_mb", self.file_mb),
            ("response_mb", self.response_mb),
            ("list_objects", self.list_objects),
            ("jq_ms", self.jq_ms),
            ("jq_memory_mb", self.jq_memory_mb),
            ("hook_seconds", self.hook_seconds),
            ("audit_mb", self.audit_mb),
        ]
        .into_iter()
        .find(|(_, value)| *value == Some(0))
        .map(|(key, _)| key)
    }
}

/// `[escalate]`: where remediation records go besides the data directory.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EscalateConfig {
    /// A shell command that receives each record on stdin (a pager or ticket script).
    pub command: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config '{}' does not exist", path.display())]
    NotFound { path: PathBuf },
    #[error("cannot read config '{}': {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("config '{}': {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// Where user themes live: `themes/` beside the default config file.
pub(crate) fn themes_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kdrift").map(|dirs| dirs.config_dir().join("themes"))
}

/// Where the TUI writes its log: the platform's state directory, else its cache directory.
pub(crate) fn log_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "kdrift")?;
    Some(dirs.state_dir().unwrap_or(dirs.cache_dir()).to_owned())
}

/// Where the audit log, remediation records and saved rules live: the platform's data
/// directory (`$XDG_DATA_HOME/kdrift` on Linux).
pub(crate) fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kdrift").map(|dirs| dirs.data_dir().to_owned())
}

/// The default config file, when the platform has a config directory.
pub(crate) fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kdrift").map(|dirs| dirs.config_dir().join("config.toml"))
}

/// Loads `explicit` (which must exist), else the default file if there is one, else defaults.
pub(crate) fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let path = match explicit {
        Some(path) if !path.is_file() => return Err(ConfigError::NotFound { path: path.to_owned() }),
        Some(path) => path.to_owned(),
        None => match default_path().filter(|p| p.is_file()) {
            Some(path) => path,
            None => return Ok(Config::default()),
        },
    };
    let text =
        crate::sources::bounded::read_text(&path).map_err(|source| ConfigError::Io { path: path.clone(), source })?;
    let mut config = parse(&text).map_err(|message| ConfigError::Invalid { path: path.clone(), message })?;
    let folder = path.parent().unwrap_or(Path::new("."));
    for file in config.ignore.iter_mut().chain(config.audit_logs.values_mut().flatten()) {
        if file.is_relative() {
            *file = folder.join(&*file);
        }
    }
    crate::limits::set(config.limits.limits());
    Ok(config)
}

/// Parses config text; the error names the key and where it is.
pub(crate) fn parse(text: &str) -> Result<Config, String> {
    let config: Config =
        toml::from_str(text).map_err(|e| e.message().to_owned() + &crate::theme::location(text, e.span()))?;
    if let Some(label) = &config.instance_label
        && label.trim().is_empty()
    {
        return Err("instance_label must not be empty".to_owned());
    }
    if let Some(namespace) = &config.argocd_namespace
        && namespace.trim().is_empty()
    {
        return Err("argocd_namespace must not be empty".to_owned());
    }
    if let Some(key) = config.limits.zero_key() {
        return Err(format!("limits.{key} must be above 0"));
    }
    Ok(config)
}

impl Config {
    /// Whether `context` matches one of the read-only patterns.
    pub(crate) fn is_read_only(&self, context: &str) -> bool {
        self.read_only_contexts.iter().any(|pattern| crate::engine::ignore::matching::glob_matches(pattern, context))
    }

    /// Whether `context` matches one of the production patterns.
    pub(crate) fn is_production(&self, context: &str) -> bool {
        self.production_contexts.iter().any(|pattern| crate::engine::ignore::matching::glob_matches(pattern, context))
    }

    /// The engine settings this config sets (rules are added by the caller).
    pub(crate) fn engine(&self) -> EngineConfig {
        EngineConfig {
            instance_label: self.instance_label.clone().unwrap_or_else(|| DEFAULT_INSTANCE_LABEL.to_owned()),
            mask_annotations: self.mask_annotations.clone(),
            argocd_namespace: self.argocd_namespace.clone().unwrap_or_else(|| DEFAULT_ARGOCD_NAMESPACE.to_owned()),
            ..EngineConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_optional() {
        let config = parse("").unwrap();
        assert_eq!(config.engine().instance_label, DEFAULT_INSTANCE_LABEL);
        let config = parse(
            "mask_annotations = [\"vault.example.com/token\"]\ninstance_label = \"argocd.argoproj.io/instance\"\n",
        )
        .unwrap();
        assert_eq!(config.engine().mask_annotations, vec!["vault.example.com/token"]);
        assert_eq!(config.engine().instance_label, "argocd.argoproj.io/instance");
        assert_eq!(config.engine().argocd_namespace, "argocd");
        let config = parse("argocd_namespace = \"gitops\"\n").unwrap();
        assert_eq!(config.engine().argocd_namespace, "gitops");
        assert!(parse("argocd_namespace = \"\"\n").unwrap_err().contains("argocd_namespace"));
    }

    #[test]
    fn errors_name_the_key() {
        let error = parse("mask_annotation = []\n").unwrap_err();
        assert!(error.contains("unknown field `mask_annotation`") && error.contains("line 1"), "{error}");
        let error = parse("mask_annotations = \"token\"\n").unwrap_err();
        assert!(error.contains("line 1"), "{error}");
        assert!(parse("instance_label = \" \"\n").unwrap_err().contains("instance_label"));
    }

    #[test]
    fn production_contexts_can_be_read_only_by_pattern() {
        let config = parse("read_only_contexts = [\"prod-*\", \"*-eu\"]\ntheme = \"light\"\nproduction_contexts = [\"prod-*\"]\n[escalate]\ncommand = \"cat\"\n").unwrap();
        assert!(config.is_production("prod-us") && !config.is_production("staging-eu"));
        assert_eq!(config.escalate.command.as_deref(), Some("cat"));
        assert!(parse("[escalate]\ncomand = \"x\"\n").unwrap_err().contains("unknown field `comand`"));
        assert!(config.is_read_only("prod-us"));
        assert!(config.is_read_only("staging-eu"));
        assert!(!config.is_read_only("staging-us"));
        assert_eq!(config.theme.as_deref(), Some("light"));
    }
}
