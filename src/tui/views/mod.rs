//! One module per screen; each draws only the rows that fit, from state computed earlier.

pub(crate) mod apps;
pub(crate) mod diff;
pub(crate) mod picker;
pub(crate) mod raw;
pub(crate) mod resources;
pub(crate) mod runbook;
pub(crate) mod train;
pub(crate) mod value;

/// The first line to draw so that `selected` stays visible in `height` lines.
pub(crate) fn window_start(selected: usize, height: usize) -> usize {
    (selected + 1).saturating_sub(height.max(1))
}

/// Screen rows `lines` take wrapped at word boundaries in `width` columns, as a wrapping
/// `Paragraph` draws them (for scroll bounds that reach the last row, and no further).
pub(crate) fn wrapped_rows(lines: &[ratatui::text::Line<'_>], width: u16) -> usize {
    let text: Vec<ratatui::text::Line<'_>> = lines.to_vec();
    ratatui::widgets::Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: false }).line_count(width.max(1))
}

/// `text` cut or padded to exactly `width` characters (a cut ends in `…`).
pub(crate) fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text}{}", " ".repeat(width - count))
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// A table column: `text` fitted to `width - 1` characters and a space before the next one.
pub(crate) fn column(text: &str, width: usize) -> String {
    // A column given no room is left out, heading and all.
    if width == 0 {
        return String::new();
    }
    let mut cell = fit(text, width.saturating_sub(1));
    cell.push(' ');
    cell
}
