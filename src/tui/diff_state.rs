//! The diff screen's state: the aligned rows of one resource, computed once when it opens,
//! which folds are open, the cursor, the scroll positions and the raw-object toggle. Every
//! key only moves indices; nothing here is recomputed per frame.

use crate::engine::secrets::mask_object;
use crate::investigate::Pair;
use crate::model::ResourceReport;
use crate::report::aligned::Aligned;
use crate::report::yaml_lines;
use crate::tui::diff_job::{self, AlignJob, AlignedJob};
use crate::tui::keys::Action;
use crate::tui::navigate::moved;
use serde_json::Value;

/// Alignments asked so far, across every diff screen opened.
static NEXT_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A line of the screen: an aligned row, or a folded run of unchanged rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visible {
    Row(usize),
    Fold(usize),
}

#[derive(Debug, Clone)]
pub struct DiffState {
    pub app: usize,
    pub resource: usize,
    pub aligned: Aligned,
    /// The live object as the API returned it (secrets masked), for the raw toggle.
    pub raw: Vec<String>,
    pub expanded: Vec<bool>,
    pub visible: Vec<Visible>,
    /// Focused line (index into `visible`, or into `raw` when it shows).
    pub cursor: usize,
    pub top: usize,
    pub left: usize,
    pub show_raw: bool,
    pub full: bool,
    /// Long lines wrap instead of being cut (`w`): the screen width they wrap within.
    pub wrap: Option<usize>,
    /// Why there is nothing to put side by side (a missing or orphaned object).
    pub alone: Option<String>,
    /// The alignment a worker is computing (its generation), while the screen waits for it.
    pub aligning: Option<u64>,
    generation: u64,
    /// An alignment to hand to a worker; the app takes it as an effect.
    pub request: Option<Box<AlignJob>>,
    /// The finding to put the cursor on once the rows arrive (when the screen opened).
    focus_after: Option<Option<usize>>,
    /// The text searched with `/`, and where it is found.
    pub search: Option<crate::tui::diff_search::Search>,
    /// The other view's cursor and scroll position (`y` switches, each view keeps its own).
    other_view: (usize, usize),
    /// Where the reader was before `f` aligned the rows again.
    place: Option<crate::tui::diff_place::Place>,
}

impl DiffState {
    /// Opens `resource`, focused on its finding `focus` (else the first one).
    pub fn open(
        (app, resource): (usize, usize),
        report: &ResourceReport,
        pair: Option<&Pair>,
        mask_annotations: &[String],
        focus: Option<usize>,
    ) -> DiffState {
        let mut state = DiffState {
            app,
            resource,
            aligned: Aligned::default(),
            raw: Vec::new(),
            expanded: Vec::new(),
            visible: Vec::new(),
            cursor: 0,
            top: 0,
            left: 0,
            show_raw: false,
            full: false,
            wrap: None,
            alone: None,
            aligning: None,
            generation: 0,
            request: None,
            focus_after: Some(focus),
            search: None,
            other_view: (0, 0),
            place: None,
        };
        state.compute(report, pair, mask_annotations);
        // A worker renders a large object's raw lines with its rows (and reads it back: not
        // here, on the UI thread).
        if state.request.is_none()
            && let Some(live) = pair.and_then(Pair::live)
        {
            state.raw = raw_lines(&live, mask_annotations);
        }
        state
    }

    /// The same resource as a fresh load has it, now at `at`: aligned again with the reader
    /// kept in place (open folds, the focused field, the search, the raw view's line), the
    /// cursor on a view `height` lines high.
    pub(crate) fn reload(
        &mut self,
        at: (usize, usize),
        (report, pair): (&ResourceReport, Option<&Pair>),
        mask_annotations: &[String],
        height: usize,
    ) {
        (self.app, self.resource) = at;
        // The aligned view's place is remembered and restored from its own cursor: the raw
        // view's waits aside meanwhile.
        let raw_view = std::mem::replace(&mut self.show_raw, false);
        if raw_view {
            (self.cursor, self.top, self.other_view) = (self.other_view.0, self.other_view.1, (self.cursor, self.top));
        }
        self.raw.clear();
        self.compute(report, pair, mask_annotations);
        if self.request.is_none()
            && let Some(live) = pair.and_then(Pair::live)
        {
            self.raw = raw_lines(&live, mask_annotations);
        }
        if raw_view {
            (self.cursor, self.top, self.other_view) = (self.other_view.0, self.other_view.1, (self.cursor, self.top));
            self.show_raw = true;
        }
        if self.request.is_none() {
            self.cursor = self.cursor.min(self.len().saturating_sub(1));
        }
        self.refresh_search();
        self.scroll_into_view(height);
    }

    /// Aligns the pair (again, after the full-fields toggle): on the spot when it is small,
    /// else by a worker (`request`), the screen saying so meanwhile.
    pub fn compute(&mut self, report: &ResourceReport, pair: Option<&Pair>, mask_annotations: &[String]) {
        // Unique in the process: an answer for a screen since closed never matches a new one.
        self.generation = NEXT_GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.place = self.remember_place().or(self.place.take());
        match pair.filter(|pair| !diff_job::on_the_spot(Some(pair))) {
            None => {
                self.aligning = None;
                self.request = None;
                self.install(diff_job::aligned(report, pair, mask_annotations, self.full));
            }
            Some(pair) => {
                self.aligning = Some(self.generation);
                self.request = Some(Box::new(AlignJob {
                    app: self.app,
                    resource: self.resource,
                    generation: self.generation,
                    full: self.full,
                    report: report.clone(),
                    pair: pair.clone(),
                    mask_annotations: mask_annotations.to_vec(),
                    // Until a worker's answer arrives, the raw lines are still to render.
                    raw: self.raw.is_empty(),
                }));
                self.install(Ok(Aligned::default()));
            }
        }
    }

    /// Takes a worker's rows, when they are the ones the screen waits for; true if taken.
    pub fn arrived(&mut self, job: AlignedJob, height: usize) -> bool {
        if self.aligning != Some(job.generation)
            || (job.app, job.resource, job.full) != (self.app, self.resource, self.full)
        {
            return false;
        }
        self.aligning = None;
        if let Some(raw) = job.raw {
            self.raw = raw;
        }
        self.install(job.aligned);
        // The raw view keeps its own cursor; the finding is shown when it is left.
        if !self.show_raw {
            self.place(height);
        }
        true
    }

    fn install(&mut self, aligned: Result<Aligned, String>) {
        match aligned {
            Ok(aligned) => {
                self.aligned = aligned;
                self.alone = None;
            }
            Err(reason) => {
                self.alone = Some(reason);
                return;
            }
        }
        self.expanded = vec![false; self.aligned.folds.len()];
        self.rebuild_visible();
        // Rows aligned again (not the placeholder a worker's rows replace): back in place.
        if self.aligning.is_none()
            && let Some(place) = self.place.take()
        {
            self.restore_place(place);
        }
        self.refresh_search();
        if !self.show_raw {
            self.cursor = self.cursor.min(self.visible.len().saturating_sub(1));
        }
        self.focus_pending();
    }

    /// Puts the cursor on the finding the screen opened on, once the rows are there and the
    /// aligned view shows.
    fn focus_pending(&mut self) {
        if self.aligning.is_none()
            && !self.show_raw
            && let Some(focus) = self.focus_after.take()
            && let Some(row) =
                focus.and_then(|f| self.row_of_finding(f)).or_else(|| self.aligned.finding_rows.first().copied())
        {
            self.focus_row(row);
        }
    }

    /// Scrolls a view `height` lines high to the cursor: the finding a third of the way
    /// down, and no blank screen below the end.
    pub fn place(&mut self, height: usize) {
        self.top = self.cursor.saturating_sub(height / 3).min(self.len().saturating_sub(height));
    }

    pub(crate) fn rebuild_visible(&mut self) {
        let mut visible = Vec::with_capacity(self.aligned.rows.len());
        let mut row = 0;
        // Folds come in row order: only the next one can start at this row.
        let mut next_fold = 0;
        while row < self.aligned.rows.len() {
            while self.aligned.folds.get(next_fold).is_some_and(|f| f.start < row) {
                next_fold += 1;
            }
            let starting = self.aligned.folds.get(next_fold).filter(|f| f.start == row).map(|_| next_fold);
            match starting {
                Some(fold) if !self.expanded[fold] => {
                    visible.push(Visible::Fold(fold));
                    row += self.aligned.folds[fold].len;
                }
                _ => {
                    visible.push(Visible::Row(row));
                    row += 1;
                }
            }
        }
        self.visible = visible;
    }

    /// The number of lines the screen can move through.
    pub fn len(&self) -> usize {
        if self.show_raw { self.raw.len() } else { self.visible.len() }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Opens the fold under the cursor, or folds the run the cursor is in.
    pub fn toggle_fold(&mut self) {
        let target = match self.visible.get(self.cursor) {
            Some(Visible::Fold(fold)) => Some(*fold),
            Some(Visible::Row(row)) => self.aligned.folds.iter().position(|f| (f.start..f.start + f.len).contains(row)),
            None => None,
        };
        let Some(fold) = target else { return };
        self.expanded[fold] = !self.expanded[fold];
        self.rebuild_visible();
        let start = self.aligned.folds[fold].start;
        if let Some(index) =
            self.visible_index_of_row(start).or_else(|| self.visible.iter().position(|v| *v == Visible::Fold(fold)))
        {
            self.cursor = index;
        }
    }

    fn visible_index_of_row(&self, row: usize) -> Option<usize> {
        self.visible.iter().position(|v| *v == Visible::Row(row))
    }

    fn row_of_finding(&self, finding: usize) -> Option<usize> {
        self.aligned
            .rows
            .iter()
            .position(|r| r.finding == Some(finding) && r.kind != crate::report::aligned::RowKind::Equal)
    }

    /// Puts the cursor on aligned row `row`, opening its fold if it is folded.
    pub fn focus_row(&mut self, row: usize) {
        if let Some(fold) = self.aligned.folds.iter().position(|f| (f.start..f.start + f.len).contains(&row))
            && !self.expanded[fold]
        {
            self.expanded[fold] = true;
            self.rebuild_visible();
        }
        if let Some(index) = self.visible_index_of_row(row) {
            self.cursor = index;
        }
    }

    /// Moves to the next (or previous) finding's first row, wrapping around.
    pub fn jump_finding(&mut self, forward: bool) {
        let current = match self.visible.get(self.cursor) {
            Some(Visible::Row(row)) => *row,
            Some(Visible::Fold(fold)) => self.aligned.folds[*fold].start,
            None => 0,
        };
        let rows = &self.aligned.finding_rows;
        let next = match forward {
            true => rows.iter().find(|r| **r > current).or(rows.first()),
            false => rows.iter().rev().find(|r| **r < current).or(rows.last()),
        };
        if let Some(row) = next.copied() {
            self.focus_row(row);
        }
    }

    /// What a key does on the diff screen; `pair` is the resource's report and copies, which
    /// showing all fields (`f`) aligns again.
    pub(crate) fn on_action(
        &mut self,
        action: Action,
        page: usize,
        pair: Option<(&ResourceReport, Option<&Pair>)>,
        mask_annotations: &[String],
    ) {
        match action {
            // With a search, n/N walk its matches (in either view); without one, the findings
            // (which the raw view does not show).
            Action::NextFinding if self.search.is_some() => self.jump_match(true, false),
            Action::PreviousFinding if self.search.is_some() => self.jump_match(false, false),
            Action::NextFinding | Action::PreviousFinding if self.show_raw => {}
            Action::NextFinding => self.jump_finding(true),
            Action::PreviousFinding => self.jump_finding(false),
            // Wrapped lines show whole: nothing to scroll sideways.
            Action::ScrollLeft | Action::ScrollRight if self.wrap.is_some() => {}
            Action::ScrollLeft => self.left = self.left.saturating_sub(8),
            Action::ScrollRight => self.left += 8,
            Action::ToggleFold if !self.show_raw => self.toggle_fold(),
            Action::ToggleRaw => {
                self.show_raw = !self.show_raw;
                let here = (self.cursor, self.top);
                (self.cursor, self.top) = std::mem::replace(&mut self.other_view, here);
                self.refresh_search();
                // Rows that arrived while the raw view showed: their finding now.
                if !self.show_raw && self.focus_after.is_some() {
                    self.focus_pending();
                    self.place(page);
                }
            }
            // The raw view shows the object as read: every field already.
            Action::ToggleFull if self.show_raw => {}
            Action::ToggleFull => {
                self.full = !self.full;
                if let Some((report, pair)) = pair {
                    self.compute(report, pair, mask_annotations);
                }
            }
            movement => self.cursor = moved(self.cursor, self.len(), movement, page),
        }
        self.scroll_into_view(page);
    }

    /// The aligned row under the cursor.
    pub fn focused_row(&self) -> Option<&crate::report::aligned::Row> {
        self.aligned.rows.get(self.focused_row_index()?)
    }

    /// The index of the aligned row under the cursor (none on a fold).
    pub fn focused_row_index(&self) -> Option<usize> {
        match self.visible.get(self.cursor)? {
            Visible::Row(row) => Some(*row),
            Visible::Fold(_) => None,
        }
    }
}

/// The live object as read, through the one masking path (Secret payload, masked
/// annotations, and last-applied copies of either, whatever the kind).
pub(crate) fn raw_lines(live: &Value, mask_annotations: &[String]) -> Vec<String> {
    let mut raw = live.clone();
    mask_object(&mut raw, mask_annotations, |_| false);
    yaml_lines::render(&raw).into_iter().map(|line| line.text).collect()
}
