//! Where the reader is in a diff, kept when the rows are aligned again (`f` shows every
//! field, so rows and folds change): the folds they opened stay open and the cursor stays on
//! the same field, found by its pointer.

use crate::report::aligned::Row;
use crate::tui::diff_state::DiffState;
use std::collections::HashSet;

#[derive(Debug, Clone, Default)]
pub(crate) struct Place {
    /// Pointers of the rows inside folds the reader opened.
    opened: HashSet<String>,
    /// The focused row's pointer.
    focused: Option<String>,
}

fn pointer(row: &Row) -> Option<&str> {
    row.right.as_ref().or(row.left.as_ref()).map(|cell| cell.pointer.as_str())
}

impl DiffState {
    /// The open folds and the focused field, before the rows are replaced.
    pub(crate) fn remember_place(&self) -> Option<Place> {
        if self.aligned.rows.is_empty() {
            return None;
        }
        let opened = (self.aligned.folds.iter().zip(&self.expanded))
            .filter(|(_, open)| **open)
            .flat_map(|(fold, _)| &self.aligned.rows[fold.start..fold.start + fold.len])
            .filter_map(pointer)
            .map(str::to_owned)
            .collect();
        let focused = self.focused_row().and_then(pointer).map(str::to_owned);
        Some(Place { opened, focused })
    }

    /// Opens the new folds holding a field that was in an open one, and focuses the field
    /// the cursor was on (or the nearest one above it that still shows).
    pub(crate) fn restore_place(&mut self, place: Place) {
        for (fold, open) in self.aligned.folds.iter().zip(self.expanded.iter_mut()) {
            let inside = &self.aligned.rows[fold.start..fold.start + fold.len];
            *open = inside.iter().filter_map(pointer).any(|p| place.opened.contains(p));
        }
        self.rebuild_visible();
        let Some(focused) = place.focused else { return };
        let rows = &self.aligned.rows;
        let target = rows.iter().position(|row| pointer(row) == Some(focused.as_str())).or_else(|| {
            // The field is gone from view: its closest ancestor that shows.
            let mut prefix = focused.as_str();
            while let Some((parent, _)) = prefix.rsplit_once('/') {
                prefix = parent;
                if let Some(at) = rows.iter().position(|row| pointer(row) == Some(prefix)) {
                    return Some(at);
                }
            }
            None
        });
        if let Some(row) = target {
            self.focus_row(row);
        }
    }
}
