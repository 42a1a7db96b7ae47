//! Themes: colours for severities, diff lines, ownership classes and the TUI's chrome. The
//! default theme is `themes/default.toml`; the other built-in themes (`themes/*.toml`, all
//! embedded in the binary) and user themes (`<config dir>/kdrift/themes/NAME.toml`) are
//! partial overrides of it (only the keys they set). A bad theme names the key at fault.

use crate::model::{ManagerClass, Severity};
use serde::Deserialize;

const DEFAULT_THEME: &str = include_str!("../themes/default.toml");

/// The built-in themes, by name: each overrides the default.
pub const BUILTIN_THEMES: &[(&str, &str)] = &[
    ("default", DEFAULT_THEME),
    ("light", include_str!("../themes/light.toml")),
    ("high-contrast", include_str!("../themes/high-contrast.toml")),
    ("colorblind", include_str!("../themes/colorblind.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// ANSI 16-colour index (0–15).
    Ansi(u8),
    Rgb(u8, u8, u8),
    /// The terminal's own foreground, faint (SGR 2): secondary text that stays readable on
    /// any palette, where ANSI 8 ("bright black") is a background tone in some (Solarized).
    Faint,
    /// The terminal's own foreground (SGR 39).
    Default,
}

impl Color {
    /// The SGR parameters that select this colour as foreground.
    pub fn sgr(self) -> String {
        match self {
            Color::Ansi(index @ 0..8) => format!("{}", 30 + index),
            Color::Ansi(index) => format!("{}", 90 + (index - 8)),
            Color::Rgb(r, g, b) => format!("38;2;{r};{g};{b}"),
            Color::Faint => "2".to_owned(),
            Color::Default => "39".to_owned(),
        }
    }

    fn parse(text: &str) -> Option<Color> {
        const NAMES: [&str; 8] = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];
        if let Some(hex) = text.strip_prefix('#') {
            let channel = |i: usize| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
            return (hex.len() == 6).then(|| Some(Color::Rgb(channel(0)?, channel(2)?, channel(4)?))).flatten();
        }
        match text {
            "gray" | "grey" => return Some(Color::Ansi(8)),
            "faint" => return Some(Color::Faint),
            "default" => return Some(Color::Default),
            _ => {}
        }
        let (bright, name) = text.strip_prefix("bright-").map_or((false, text), |rest| (true, rest));
        let index = NAMES.iter().position(|n| *n == name)? as u8;
        Some(Color::Ansi(if bright { index + 8 } else { index }))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub severity: [Color; 5],
    pub removed: Color,
    pub added: Color,
    pub changed: Color,
    pub equivalent: Color,
    pub ownership: [Color; 5],
    /// Live lines no manager claims: the API server's defaults.
    pub server_default: Color,
    pub ui: UiColors,
}

/// The TUI's own colours (the selection is shown reversed, which reads in any terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UiColors {
    pub accent: Color,
    pub dim: Color,
    pub banner: Color,
    pub read_only: Color,
    pub read_write: Color,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ThemeError {
    #[error("theme {source_name}: {message}")]
    Syntax { source_name: String, message: String },
    #[error("theme {source_name}: key '{key}' has colour '{value}', expected an ANSI name, faint, default or #rrggbb")]
    BadColor { source_name: String, key: String, value: String },
    #[error("no theme named '{name}' (built in: {available}; or put {name}.toml in {dir})")]
    Unknown { name: String, available: String, dir: String },
    #[error("theme {source_name}: {message}")]
    Unreadable { source_name: String, message: String },
}

/// The file format: every key optional, unknown keys rejected.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    severity: SeverityKeys,
    #[serde(default)]
    diff: DiffKeys,
    #[serde(default)]
    ownership: OwnershipKeys,
    #[serde(default)]
    ui: UiKeys,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UiKeys {
    accent: Option<String>,
    dim: Option<String>,
    banner: Option<String>,
    read_only: Option<String>,
    read_write: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeverityKeys {
    critical: Option<String>,
    high: Option<String>,
    medium: Option<String>,
    low: Option<String>,
    info: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffKeys {
    removed: Option<String>,
    added: Option<String>,
    changed: Option<String>,
    equivalent: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnershipKeys {
    gitops: Option<String>,
    controller: Option<String>,
    human: Option<String>,
    webhook: Option<String>,
    unknown: Option<String>,
    server_default: Option<String>,
}

impl Theme {
    /// The built-in default theme, parsed once.
    pub fn builtin() -> &'static Theme {
        static BUILTIN: std::sync::OnceLock<Theme> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(Theme::parse_builtin)
    }

    fn parse_builtin() -> Theme {
        let plain = Theme {
            severity: [Color::Faint, Color::Ansi(6), Color::Ansi(3), Color::Ansi(9), Color::Ansi(13)],
            removed: Color::Ansi(1),
            added: Color::Ansi(2),
            changed: Color::Ansi(3),
            equivalent: Color::Faint,
            ownership: [Color::Ansi(4), Color::Ansi(6), Color::Ansi(9), Color::Ansi(5), Color::Ansi(3)],
            server_default: Color::Faint,
            ui: UiColors {
                accent: Color::Ansi(6),
                dim: Color::Faint,
                banner: Color::Ansi(9),
                read_only: Color::Ansi(2),
                read_write: Color::Ansi(3),
            },
        };
        // The embedded file is checked by the test suite; fall back to the same colours in code.
        plain.overridden_by(DEFAULT_THEME, "default").unwrap_or(plain)
    }

    /// This theme with the keys set in `text` (TOML) replaced; `source_name` names it in errors.
    pub fn overridden_by(&self, text: &str, source_name: &str) -> Result<Theme, ThemeError> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| ThemeError::Syntax {
            source_name: source_name.to_owned(),
            message: e.message().to_owned() + &location(text, e.span()),
        })?;
        let mut theme = self.clone();
        let set = |slot: &mut Color, key: &str, value: &Option<String>| -> Result<(), ThemeError> {
            if let Some(value) = value {
                *slot = Color::parse(value).ok_or_else(|| ThemeError::BadColor {
                    source_name: source_name.to_owned(),
                    key: key.to_owned(),
                    value: value.clone(),
                })?;
            }
            Ok(())
        };
        let s = &file.severity;
        for (slot, key, value) in [
            (Severity::Info, "severity.info", &s.info),
            (Severity::Low, "severity.low", &s.low),
            (Severity::Medium, "severity.medium", &s.medium),
            (Severity::High, "severity.high", &s.high),
            (Severity::Critical, "severity.critical", &s.critical),
        ] {
            set(&mut theme.severity[slot as usize], key, value)?;
        }
        let d = &file.diff;
        set(&mut theme.removed, "diff.removed", &d.removed)?;
        set(&mut theme.added, "diff.added", &d.added)?;
        set(&mut theme.changed, "diff.changed", &d.changed)?;
        set(&mut theme.equivalent, "diff.equivalent", &d.equivalent)?;
        let o = &file.ownership;
        for (class, key, value) in [
            (ManagerClass::Gitops, "ownership.gitops", &o.gitops),
            (ManagerClass::Controller, "ownership.controller", &o.controller),
            (ManagerClass::Human, "ownership.human", &o.human),
            (ManagerClass::Webhook, "ownership.webhook", &o.webhook),
            (ManagerClass::Unknown, "ownership.unknown", &o.unknown),
        ] {
            set(&mut theme.ownership[class_index(class)], key, value)?;
        }
        set(&mut theme.server_default, "ownership.server_default", &o.server_default)?;
        let u = &file.ui;
        set(&mut theme.ui.accent, "ui.accent", &u.accent)?;
        set(&mut theme.ui.dim, "ui.dim", &u.dim)?;
        set(&mut theme.ui.banner, "ui.banner", &u.banner)?;
        set(&mut theme.ui.read_only, "ui.read_only", &u.read_only)?;
        set(&mut theme.ui.read_write, "ui.read_write", &u.read_write)?;
        Ok(theme)
    }

    /// The theme called `name`: a user theme in `user_dir` (`NAME.toml`) wins over a
    /// built-in one of that name; both override the default.
    pub fn named(name: &str, user_dir: Option<&std::path::Path>) -> Result<Theme, ThemeError> {
        if let Some(path) = user_dir.map(|dir| dir.join(format!("{name}.toml"))).filter(|p| p.is_file()) {
            let source_name = path.display().to_string();
            let text = crate::sources::bounded::read_text(&path)
                .map_err(|e| ThemeError::Unreadable { source_name: source_name.clone(), message: e.to_string() })?;
            // A user theme named like a built-in one refines that built-in one.
            let base = match BUILTIN_THEMES.iter().find(|(n, _)| *n == name) {
                Some((builtin, text)) => Theme::builtin().overridden_by(text, builtin)?,
                None => Theme::builtin().clone(),
            };
            return base.overridden_by(&text, &source_name);
        }
        match BUILTIN_THEMES.iter().find(|(n, _)| *n == name) {
            Some((builtin, text)) => Theme::builtin().overridden_by(text, builtin),
            None => Err(ThemeError::Unknown {
                name: name.to_owned(),
                available: BUILTIN_THEMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
                dir: user_dir.map_or_else(|| "the config directory's themes/".to_owned(), |d| d.display().to_string()),
            }),
        }
    }

    pub fn severity(&self, severity: Severity) -> Color {
        self.severity[severity as usize]
    }

    pub fn owner(&self, class: ManagerClass) -> Color {
        self.ownership[class_index(class)]
    }
}

fn class_index(class: ManagerClass) -> usize {
    match class {
        ManagerClass::Gitops => 0,
        ManagerClass::Controller => 1,
        ManagerClass::Human => 2,
        ManagerClass::Webhook => 3,
        ManagerClass::Unknown => 4,
    }
}

/// " at line L, column C" for a byte span of `text` (TOML errors carry spans).
pub(crate) fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, str::len) + 1;
    format!(" at line {line}, column {column}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_themes_loads_over_the_default() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
        let mut count = 0;
        for entry in std::fs::read_dir(dir).expect("themes dir") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("readable");
            Theme::builtin().overridden_by(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
            count += 1;
        }
        assert!(count >= 1);
    }

    #[test]
    fn the_embedded_default_is_what_builtin_returns() {
        let theme = Theme::builtin();
        assert_eq!(theme.owner(ManagerClass::Human), Color::Ansi(9));
        assert_eq!(theme.severity(Severity::Critical), Color::Ansi(13));
        assert_eq!(theme.owner(ManagerClass::Gitops).sgr(), "34");
    }

    #[test]
    fn every_built_in_theme_is_embedded_and_user_themes_refine_them() {
        for (name, _) in BUILTIN_THEMES {
            Theme::named(name, None).unwrap_or_else(|e| panic!("{e}"));
        }
        let light = Theme::named("light", None).expect("light");
        assert_ne!(light.ui.dim, Theme::builtin().ui.dim, "light changes what reads badly on white");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("light.toml"), "[ui]\naccent = \"#112233\"\n").expect("write");
        let mine = Theme::named("light", Some(dir.path())).expect("user light");
        assert_eq!(mine.ui.accent, Color::Rgb(0x11, 0x22, 0x33));
        assert_eq!(mine.ui.dim, light.ui.dim, "the rest of the built-in light theme stays");
        let unknown = Theme::named("neon", Some(dir.path())).expect_err("unknown");
        assert!(
            unknown
                .to_string()
                .starts_with("no theme named 'neon' (built in: default, light, high-contrast, colorblind")
        );
    }

    #[test]
    fn a_partial_theme_overrides_only_its_keys() {
        let theme = Theme::builtin().overridden_by("[ownership]\nhuman = \"#ff8800\"\n", "mine").expect("valid");
        assert_eq!(theme.owner(ManagerClass::Human), Color::Rgb(0xff, 0x88, 0x00));
        assert_eq!(theme.owner(ManagerClass::Human).sgr(), "38;2;255;136;0");
        assert_eq!(theme.owner(ManagerClass::Gitops), Theme::builtin().owner(ManagerClass::Gitops));
    }

    #[test]
    fn bad_themes_name_the_key_at_fault() {
        let bad_color = Theme::builtin().overridden_by("[diff]\nadded = \"chartreuse\"\n", "mine").expect_err("bad");
        assert_eq!(
            bad_color.to_string(),
            "theme mine: key 'diff.added' has colour 'chartreuse', expected an ANSI name, faint, default or #rrggbb"
        );
        let unknown = Theme::builtin().overridden_by("[ownership]\nrobot = \"red\"\n", "mine").expect_err("bad");
        assert!(unknown.to_string().contains("robot"), "{unknown}");
        assert!(unknown.to_string().contains("line 2"), "{unknown}");
    }
}
