//! Search in the diff screen: `/` finds text on either side of the aligned rows (folded ones
//! too, which open when a match is reached) or in the raw YAML; `n`/`N` walk the matches and
//! the view highlights them. A query without capitals ignores ASCII case (smart case, as in
//! vim and less).

use crate::tui::diff_state::DiffState;
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub query: String,
    /// Aligned rows (or raw lines, in the raw view) holding a match, in order.
    pub hits: Vec<usize>,
    /// Whether `hits` index the raw lines.
    pub raw: bool,
}

impl Search {
    /// Byte ranges of the matches in `text`, for highlighting.
    pub fn ranges(&self, text: &str) -> Vec<Range<usize>> {
        find(text, &self.query)
    }

    /// "2 of 5" for the hit under `current`, or the count when it is on none.
    pub fn position(&self, current: Option<usize>) -> String {
        match current.and_then(|c| self.hits.iter().position(|h| *h == c)) {
            Some(at) => format!("{} of {}", at + 1, self.hits.len()),
            None => format!("{} matches", self.hits.len()),
        }
    }
}

/// Non-overlapping matches of `query` in `text` (ASCII case ignored when the query has no
/// capital letter).
pub(crate) fn find(text: &str, query: &str) -> Vec<Range<usize>> {
    if query.is_empty() {
        return Vec::new();
    }
    let fold = !query.chars().any(char::is_uppercase);
    let (haystack, needle) = (text.as_bytes(), query.as_bytes());
    let mut found = Vec::new();
    let mut at = 0;
    while at + needle.len() <= haystack.len() {
        let candidate = &haystack[at..at + needle.len()];
        let hit = if fold { candidate.eq_ignore_ascii_case(needle) } else { candidate == needle };
        // A match starts and ends on character boundaries: the query is whole characters.
        if hit && text.is_char_boundary(at) && text.is_char_boundary(at + needle.len()) {
            found.push(at..at + needle.len());
            at += needle.len();
        } else {
            at += 1;
        }
    }
    found
}

impl DiffState {
    /// Searches the view that shows for `query` and moves to the first match from the
    /// cursor on (wrapping); `false` when nothing matches (the search is cleared then).
    pub fn search(&mut self, query: &str, height: usize) -> bool {
        self.search = None;
        if query.is_empty() {
            return false;
        }
        let search = self.searched(query.to_owned());
        if search.hits.is_empty() {
            return false;
        }
        self.search = Some(search);
        self.jump_match(true, true);
        self.scroll_into_view(height);
        true
    }

    /// The search run again on the view that shows now (after `y` or `f` changed it).
    pub(crate) fn refresh_search(&mut self) {
        if let Some(query) = self.search.take().map(|s| s.query) {
            self.search = Some(self.searched(query));
        }
    }

    fn searched(&self, query: String) -> Search {
        let hits = match self.show_raw {
            true => {
                self.raw.iter().enumerate().filter(|(_, line)| !find(line, &query).is_empty()).map(|(i, _)| i).collect()
            }
            false => (self.aligned.rows.iter().enumerate())
                .filter(|(_, row)| {
                    [row.left.as_ref(), row.right.as_ref()]
                        .into_iter()
                        .flatten()
                        .any(|c| !find(&c.text, &query).is_empty())
                })
                .map(|(i, _)| i)
                .collect(),
        };
        Search { query, hits, raw: self.show_raw }
    }

    /// Moves to the next (or previous) match, wrapping; `here` accepts a match on the
    /// cursor's own line (the first jump of a new search).
    pub fn jump_match(&mut self, forward: bool, here: bool) {
        let Some(search) = &self.search else { return };
        let current = match self.show_raw {
            true => self.cursor,
            false => match self.visible.get(self.cursor) {
                Some(crate::tui::diff_state::Visible::Row(row)) => *row,
                Some(crate::tui::diff_state::Visible::Fold(fold)) => self.aligned.folds[*fold].start,
                None => 0,
            },
        };
        let hits = &search.hits;
        let next = match forward {
            true => hits.iter().find(|h| **h > current || (here && **h == current)).or(hits.first()),
            false => hits.iter().rev().find(|h| **h < current).or(hits.last()),
        };
        let Some(&target) = next else { return };
        match self.show_raw {
            true => self.cursor = target,
            false => self.focus_row(target),
        }
    }

    /// The row (or raw line) under the cursor, as search hits count them.
    pub fn search_position(&self) -> Option<usize> {
        match self.show_raw {
            true => Some(self.cursor),
            false => self.focused_row_index(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_ignores_case_and_capitals_do_not() {
        assert_eq!(find("Replicas: 3 # replicas", "replicas"), [0..8, 14..22]);
        assert_eq!(find("Replicas: 3 # replicas", "Replicas"), vec![Range { start: 0, end: 8 }]);
        assert_eq!(find("aaa", "aa"), vec![Range { start: 0, end: 2 }]);
        assert!(find("anything", "").is_empty());
        // Multi-byte text: matches only on character boundaries.
        assert_eq!(find("café ☕ cafÉ", "caf"), [0..3, 10..13]);
    }
}
