//! From theme colours to ratatui styles, and the ownership marks: every owner class has a
//! colour *and* a glyph with a short name, so the gutter reads without colour too.

use crate::model::{ManagerClass, Severity};
use crate::report::aligned::LineOwner;
use crate::theme::{Color, Theme};
use ratatui::style::{Color as TermColor, Modifier, Style};

pub fn color(color: Color) -> TermColor {
    match color {
        Color::Rgb(r, g, b) => TermColor::Rgb(r, g, b),
        // Faintness is a modifier (`fg`); the colour is the terminal's own.
        Color::Faint | Color::Default => TermColor::Reset,
        Color::Ansi(index) => match index {
            0 => TermColor::Black,
            1 => TermColor::Red,
            2 => TermColor::Green,
            3 => TermColor::Yellow,
            4 => TermColor::Blue,
            5 => TermColor::Magenta,
            6 => TermColor::Cyan,
            7 => TermColor::Gray,
            8 => TermColor::DarkGray,
            9 => TermColor::LightRed,
            10 => TermColor::LightGreen,
            11 => TermColor::LightYellow,
            12 => TermColor::LightBlue,
            13 => TermColor::LightMagenta,
            14 => TermColor::LightCyan,
            _ => TermColor::White,
        },
    }
}

pub fn fg(theme_color: Color) -> Style {
    match theme_color {
        Color::Faint => Style::default().add_modifier(Modifier::DIM),
        other => Style::default().fg(color(other)),
    }
}

pub fn dim(theme: &Theme) -> Style {
    fg(theme.ui.dim)
}

pub fn accent(theme: &Theme) -> Style {
    fg(theme.ui.accent).add_modifier(Modifier::BOLD)
}

pub fn severity(theme: &Theme, severity: Severity) -> Style {
    let style = fg(theme.severity(severity));
    if severity >= Severity::High { style.add_modifier(Modifier::BOLD) } else { style }
}

/// The selected row: reversed, which reads in dark and light terminals alike.
pub fn selected() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

/// The gutter mark of a live line's owner: glyph and short class name (7 columns).
pub fn owner_mark(owner: Option<&LineOwner>) -> &'static str {
    match owner {
        Some(LineOwner::Manager(owner)) => match owner.class {
            ManagerClass::Gitops => "◆ gitops",
            ManagerClass::Controller => "● ctrl",
            ManagerClass::Human => "▲ human",
            ManagerClass::Webhook => "■ hook",
            ManagerClass::Unknown => "? other",
        },
        Some(LineOwner::ServerDefault) => "· deflt",
        Some(LineOwner::NotRecorded) | None => "",
    }
}

/// The glyph alone of an owner class (`▲` for a human), for columns too narrow for its name.
pub fn class_glyph(class: ManagerClass) -> &'static str {
    match class {
        ManagerClass::Gitops => "◆",
        ManagerClass::Controller => "●",
        ManagerClass::Human => "▲",
        ManagerClass::Webhook => "■",
        ManagerClass::Unknown => "?",
    }
}

pub fn owner_style(theme: &Theme, owner: Option<&LineOwner>) -> Style {
    match owner {
        Some(LineOwner::Manager(owner)) => {
            let style = fg(theme.owner(owner.class));
            if owner.class == ManagerClass::Human { style.add_modifier(Modifier::BOLD) } else { style }
        }
        Some(LineOwner::ServerDefault) => fg(theme.server_default),
        Some(LineOwner::NotRecorded) | None => dim(theme),
    }
}

/// Width of the ownership gutter: a mark and, for a difference a rule hid, "ignored".
pub const OWNER_GUTTER: usize = 16;
/// Width of the mark alone, for narrow terminals.
pub const OWNER_MARK: usize = 8;
