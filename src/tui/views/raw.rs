//! The diff screen's raw view (`y`): the live object as the API returned it, one numbered
//! line each, search matches reversed, cut at the screen's edge or wrapped (`w`); and the
//! cutting of a text into styled pieces of a column's width that both views wrap with.

use crate::theme::Theme;
use crate::tui::diff_state::DiffState;
use crate::tui::diff_wrap::raw_number_width;
use crate::tui::style;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

pub(super) fn lines(diff: &DiffState, theme: &Theme, area: Rect, height: usize) -> Vec<Line<'static>> {
    let number = raw_number_width(diff.raw.len());
    let width = diff.text_width(usize::from(area.width));
    let mut lines = vec![Line::from(Span::styled(
        " raw live object, as the API returned it (status, managedFields; secrets masked) — y returns to the diff",
        style::dim(theme),
    ))];
    let search = diff.search.as_ref().filter(|s| s.raw);
    for (index, text) in diff.raw.iter().enumerate().skip(diff.top) {
        let room = height.saturating_sub(lines.len() - 1);
        if room == 0 {
            break;
        }
        let cursor = if index == diff.cursor { "▶" } else { " " };
        let hits = search.map(|s| s.ranges(text)).unwrap_or_default();
        let styled = |byte: usize| match hits.iter().any(|range| range.contains(&byte)) {
            true => Style::default().add_modifier(Modifier::REVERSED),
            false => Style::default(),
        };
        // Cut: one piece from `left` characters in. Wrapped: the whole line, from its start.
        let shift = if diff.wrap.is_some() { 0 } else { byte_of_char(text, diff.left) };
        let most = if diff.wrap.is_some() { room } else { 1 };
        let pieces = pieces_of(text.get(shift..).unwrap_or_default(), (width, most), &|byte| styled(byte + shift));
        for (piece, spans) in pieces.into_iter().enumerate() {
            let prefix = match piece {
                0 => format!("{cursor}{:>number$} ", index + 1),
                _ => " ".repeat(number + 2),
            };
            let mut line = vec![Span::styled(prefix, style::dim(theme))];
            line.extend(spans);
            lines.push(Line::from(line));
        }
    }
    lines
}

/// The byte where `text`'s character `index` starts (its length past the end).
fn byte_of_char(text: &str, index: usize) -> usize {
    text.char_indices().nth(index).map_or(text.len(), |(byte, _)| byte)
}

/// `text` in pieces `width` characters wide (at most `most` of them: what the screen has
/// room for), each padded to the width, styled byte by byte.
pub(super) fn pieces_of(
    text: &str,
    (width, most): (usize, usize),
    styled: &dyn Fn(usize) -> Style,
) -> Vec<Vec<Span<'static>>> {
    let width = width.max(1);
    let mut pieces = Vec::new();
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_style = Style::default();
    let mut shown = 0;
    for (byte, character) in text.char_indices() {
        let style = styled(byte);
        if style != run_style && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), run_style));
        }
        run_style = style;
        run.push(character);
        shown += 1;
        if shown == width {
            spans.push(Span::styled(std::mem::take(&mut run), run_style));
            pieces.push(std::mem::take(&mut spans));
            shown = 0;
            if pieces.len() >= most {
                return pieces;
            }
        }
    }
    if !run.is_empty() || pieces.is_empty() {
        spans.push(Span::styled(run, run_style));
        spans.push(Span::raw(" ".repeat(width - shown)));
        pieces.push(spans);
    }
    pieces
}
