//! The settings a TUI session starts with (flags and config), fixed for the session.

use crate::theme::Theme;
use std::path::PathBuf;

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub struct Options {
    pub read_only: bool,
    /// Contexts opened read-only whatever the flag says (config `read_only_contexts`).
    pub read_only_contexts: Vec<String>,
    pub theme: Theme,
    pub theme_name: String,
    pub themes_dir: Option<PathBuf>,
    pub mask_annotations: Vec<String>,
    /// Where decisions are recorded (default: the platform's data directory).
    pub data_dir: Option<PathBuf>,
    /// Labels naming an app's owner team, first found wins (config `owner_labels`).
    pub owner_labels: Vec<String>,
}

/// The owner labels looked for when the config names none.
pub(crate) use crate::investigate::summary::DEFAULT_OWNER_LABELS;

impl Default for Options {
    /// Writable, the built-in theme, nothing masked, the platform's data directory.
    fn default() -> Options {
        Options {
            read_only: false,
            read_only_contexts: Vec::new(),
            theme: Theme::builtin().clone(),
            theme_name: "default".to_owned(),
            themes_dir: None,
            mask_annotations: Vec::new(),
            data_dir: None,
            owner_labels: DEFAULT_OWNER_LABELS.iter().map(|l| (*l).to_owned()).collect(),
        }
    }
}
