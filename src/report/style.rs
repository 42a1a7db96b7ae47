//! ANSI colour for terminal output from the built-in theme, on only when stdout is a terminal
//! and `NO_COLOR` is unset.

use crate::model::Severity;
use crate::theme::{Color, Theme};
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn detect() -> Style {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Style { color }
    }

    pub fn plain() -> Style {
        Style { color: false }
    }

    /// `text` in colour `code`; what it wraps is cleaned, so only kdrift's own sequences
    /// remain for `sanitize::clean_output` to keep.
    pub fn paint(self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{}\x1b[0m", crate::sanitize::clean(text)) } else { text.to_owned() }
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    pub fn severity(self, severity: Severity, text: &str) -> String {
        let color = Theme::builtin().severity(severity).sgr();
        let code = if severity >= Severity::High { format!("1;{color}") } else { color };
        self.paint(&code, text)
    }

    pub fn color(self, color: Color, text: &str) -> String {
        self.paint(&color.sgr(), text)
    }
}
