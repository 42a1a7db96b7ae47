//! The diff screen's geometry: how wide its columns are, and, when long lines wrap (`w`)
//! instead of being cut, how many screen lines each line takes, where the screen starts so
//! the cursor's line stays whole in view, and which line a screen row shows (the mouse);
//! where a long cut line starts so its change shows.

use crate::report::aligned::Cell;
use crate::tui::diff_state::{DiffState, Visible};
use crate::tui::style::{OWNER_GUTTER, OWNER_MARK};

/// Column widths of the side-by-side view, for a screen `width` wide.
pub(crate) struct Columns {
    pub(crate) number: usize,
    pub(crate) text: usize,
    /// Room for "ignored" beside the owner mark (narrow terminals show one or the other).
    pub(crate) wide_gutter: bool,
}

impl Columns {
    /// The columns of a diff whose longest side has `lines` lines.
    pub(crate) fn new(width: usize, lines: usize) -> Columns {
        let number = lines.max(1).to_string().len();
        let wide_gutter = width >= 120;
        let gutter = if wide_gutter { OWNER_GUTTER } else { OWNER_MARK };
        // cursor, and per side: number + marker + space; " │ " twice; the owner gutter.
        let fixed = 1 + 2 * (number + 2) + 3 + 3 + gutter;
        Columns { number, text: width.saturating_sub(fixed).max(8) / 2, wide_gutter }
    }
}

/// Screen lines a text of `chars` characters takes, wrapped at `width`.
pub(crate) fn pieces(chars: usize, width: usize) -> usize {
    chars.div_ceil(width.max(1)).max(1)
}

/// The width of the raw view's line numbers for `lines` lines.
pub(crate) fn raw_number_width(lines: usize) -> usize {
    lines.max(1).to_string().len()
}

/// Characters to skip so that where a line too long for `width` first differs from the
/// other side's (else its first changed word) shows, a third of the way in; 0 when it shows
/// from the start anyway. One long word changed at its end (an image tag) still shows its end.
pub(crate) fn start_near_change(cell: &Cell, other: Option<&Cell>, width: usize) -> usize {
    let Some(first) = cell.emphasis.iter().map(|range| range.start).min() else { return 0 };
    let total = cell.text.chars().count();
    if total <= width {
        return 0;
    }
    let at = match other {
        Some(other) => cell.text.chars().zip(other.text.chars()).take_while(|(a, b)| a == b).count(),
        None => cell.text.get(..first).map_or(0, |before| before.chars().count()),
    };
    if at + 2 <= width { 0 } else { at.saturating_sub(width / 3).min(total.saturating_sub(width)) }
}

impl DiffState {
    /// How far the focused row's sides start in on their own (near their change), on a
    /// screen `width` wide: where scrolling right goes on from.
    pub(crate) fn shown_from(&self, width: usize) -> usize {
        let Some(row) = self.focused_row().filter(|_| !self.show_raw && self.wrap.is_none()) else { return 0 };
        let text = Columns::new(width, self.aligned.lines).text;
        let (left, right) = (row.left.as_ref(), row.right.as_ref());
        let shift = |cell: Option<&Cell>, other| cell.map_or(0, |cell| start_near_change(cell, other, text));
        shift(left, right).max(shift(right, left))
    }

    /// Characters of text one screen line holds, in the view that shows, on a screen `width`
    /// wide.
    pub(crate) fn text_width(&self, width: usize) -> usize {
        if self.show_raw {
            width.saturating_sub(raw_number_width(self.raw.len()) + 3).max(1)
        } else {
            Columns::new(width, self.aligned.lines).text
        }
    }

    /// Screen lines the view's line `index` takes: one, unless wrapping.
    pub fn line_height(&self, index: usize) -> usize {
        let Some(width) = self.wrap.map(|width| self.text_width(width)) else { return 1 };
        let side = |cell: Option<&Cell>| cell.map_or(1, |cell| pieces(cell.text.chars().count(), width));
        if self.show_raw {
            return self.raw.get(index).map_or(1, |text| pieces(text.chars().count(), width));
        }
        match self.visible.get(index) {
            Some(Visible::Row(row)) => {
                let row = &self.aligned.rows[*row];
                side(row.left.as_ref()).max(side(row.right.as_ref()))
            }
            _ => 1,
        }
    }

    /// Keeps the cursor's line on screen for a view `height` lines tall; when wrapping, the
    /// lines from the top down to the cursor's must fit (a line taller than the screen
    /// starts it).
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.cursor < self.top {
            self.top = self.cursor;
        } else if self.wrap.is_none() && self.cursor >= self.top + height {
            self.top = self.cursor + 1 - height;
        } else if self.wrap.is_some() {
            // Walk up from the cursor while the lines still fit: at most `height` steps.
            let mut first = self.cursor;
            let mut used = self.line_height(first);
            while first > self.top && used + self.line_height(first - 1) <= height {
                first -= 1;
                used += self.line_height(first);
            }
            self.top = first;
        }
        self.top = self.top.min(self.len().saturating_sub(1));
    }

    /// The line of the view drawn on screen row `offset` below the top (the mouse), when
    /// the view holds one there within `height` rows.
    pub(crate) fn line_at(&self, offset: usize, height: usize) -> Option<usize> {
        let mut row = 0;
        for index in self.top..self.len() {
            let lines = self.line_height(index);
            if offset < row + lines {
                return (offset < height).then_some(index);
            }
            row += lines;
            if row >= height {
                break;
            }
        }
        None
    }
}
