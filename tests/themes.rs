//! Themes readable everywhere (issue 18): no built-in theme draws text in ANSI black or
//! "bright black" (background tones in Solarized-like palettes); the light theme's colours
//! reach WCAG AA (4.5:1) on white and the colour-blind theme's on a dark background; and the
//! TUI draws faint text with the terminal's own colour, not a palette index.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code

use kdrift::theme::{BUILTIN_THEMES, Color, Theme};

/// Every colour a theme gives text, named by its key.
fn colours(theme: &Theme) -> Vec<(String, Color)> {
    let mut all: Vec<(String, Color)> = Vec::new();
    all.extend(theme.severity.iter().enumerate().map(|(i, c)| (format!("severity[{i}]"), *c)));
    all.extend(theme.ownership.iter().enumerate().map(|(i, c)| (format!("ownership[{i}]"), *c)));
    for (name, colour) in [
        ("diff.removed", theme.removed),
        ("diff.added", theme.added),
        ("diff.changed", theme.changed),
        ("diff.equivalent", theme.equivalent),
        ("ownership.server_default", theme.server_default),
        ("ui.accent", theme.ui.accent),
        ("ui.dim", theme.ui.dim),
        ("ui.banner", theme.ui.banner),
        ("ui.read_only", theme.ui.read_only),
        ("ui.read_write", theme.ui.read_write),
    ] {
        all.push((name.to_owned(), colour));
    }
    all
}

/// WCAG 2 contrast ratio of two sRGB colours.
fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let luminance = |(r, g, b): (u8, u8, u8)| {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn no_built_in_theme_draws_text_in_a_background_tone() {
    for (name, _) in BUILTIN_THEMES {
        let theme = Theme::named(name, None).unwrap();
        for (key, colour) in colours(&theme) {
            assert!(
                !matches!(colour, Color::Ansi(0 | 8)),
                "theme {name}: {key} is ANSI {colour:?}, the background in Solarized-like palettes"
            );
        }
    }
}

#[test]
fn rgb_themes_reach_wcag_aa_on_the_background_they_target() {
    let contrast_on = |name: &str, background: (u8, u8, u8)| {
        let theme = Theme::named(name, None).unwrap();
        for (key, colour) in colours(&theme) {
            if let Color::Rgb(r, g, b) = colour {
                let ratio = contrast((r, g, b), background);
                assert!(ratio >= 4.5, "theme {name}: {key} #{r:02x}{g:02x}{b:02x} has {ratio:.2}:1 on {background:?}");
            }
        }
        theme
    };
    let light = contrast_on("light", (255, 255, 255));
    assert!(
        colours(&light).iter().all(|(_, c)| matches!(c, Color::Rgb(..))),
        "the light theme leaves nothing to the palette"
    );
    contrast_on("colorblind", (0x1e, 0x1e, 0x1e));
    // The check itself: the old light green (xterm's #00cd00) fails on white.
    assert!(contrast((0, 0xcd, 0), (255, 255, 255)) < 2.5);
}

#[test]
fn faint_text_keeps_the_terminals_own_colour() {
    let theme = Theme::builtin();
    assert_eq!(theme.ui.dim, Color::Faint);
    let style = kdrift::tui::style::dim(theme);
    assert_eq!(style.fg, None, "no palette index: the terminal's foreground");
    assert!(style.add_modifier.contains(ratatui::style::Modifier::DIM));
    assert_eq!(Color::Faint.sgr(), "2", "the CLI dims the same way");
    let high_contrast = Theme::named("high-contrast", None).unwrap();
    assert_eq!(high_contrast.ui.dim, Color::Default, "readable on a light projector too");
}
