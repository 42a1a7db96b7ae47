//! Aligning a large resource's diff on a worker thread: the diff screen opens at once with
//! "aligning…" and keeps taking keys, and the rows arrive as a message. Small resources (all
//! real workloads) are aligned on the spot, as before; only very wide objects (a ConfigMap
//! with tens of thousands of keys) take the detour.

use crate::engine::managers::ManagerTable;
use crate::engine::ownership::OwnershipTrie;
use crate::investigate::Pair;
use crate::model::ResourceReport;
use crate::report::aligned::{Aligned, Shown, align};

/// Objects larger than this (both sides together, as compact JSON) are aligned off the UI
/// thread: around this size alignment starts to take longer than a frame. A workload with
/// its managedFields is some 10 KiB; a ConfigMap of 4,000 keys reaches it.
const ALIGN_ON_THE_SPOT_UP_TO_BYTES: usize = 256 * 1024;

/// What the worker needs to align one resource, and what tells its answer apart from an
/// answer the screen no longer waits for.
#[derive(Debug, Clone)]
pub struct AlignJob {
    pub app: usize,
    pub resource: usize,
    /// Counts the alignments the screen asked for; only the latest one is taken.
    pub generation: u64,
    pub full: bool,
    pub report: ResourceReport,
    pub pair: Pair,
    pub mask_annotations: Vec<String>,
    /// Render the live object's raw lines too (when the screen opens, not on `f`).
    pub raw: bool,
}

/// The worker's answer.
#[derive(Debug, Clone)]
pub struct AlignedJob {
    pub app: usize,
    pub resource: usize,
    pub generation: u64,
    pub full: bool,
    pub aligned: Result<Aligned, String>,
    /// The live object's lines for the raw view, when the screen left them to the worker.
    pub raw: Option<Vec<String>>,
}

impl AlignJob {
    pub(crate) fn run(self) -> AlignedJob {
        let aligned = aligned(&self.report, Some(&self.pair), &self.mask_annotations, self.full);
        let raw = match (self.raw, self.pair.live()) {
            (true, Some(live)) => Some(crate::tui::diff_state::raw_lines(&live, &self.mask_annotations)),
            _ => None,
        };
        AlignedJob {
            app: self.app,
            resource: self.resource,
            generation: self.generation,
            full: self.full,
            aligned,
            raw,
        }
    }
}

/// Whether the pair is small enough to align without leaving the UI thread.
pub(crate) fn on_the_spot(pair: Option<&Pair>) -> bool {
    pair.is_none_or(|pair| pair.text_bytes() <= ALIGN_ON_THE_SPOT_UP_TO_BYTES)
}

/// The aligned rows of the pair, or why there is nothing to put side by side (a missing or
/// orphaned object).
pub(crate) fn aligned(
    report: &ResourceReport,
    pair: Option<&Pair>,
    mask_annotations: &[String],
    full: bool,
) -> Result<Aligned, String> {
    // Each copy is read back once: the live one gives the ownership, then is normalized.
    let Some((desired, live)) = pair.and_then(|p| Some((p.desired()?, p.live()?))) else {
        let (reason, owner) = crate::report::alone_phrase(report);
        let owner = if owner.is_empty() { owner } else { format!(" Owner: {owner}.") };
        return Err(format!(
            "{} is {}: nothing to put side by side.{owner} {reason}",
            report.key(),
            report.status.as_str()
        ));
    };
    let managers = ManagerTable::default();
    // Normalizing drops managedFields: keep them for the ownership first.
    let managed_fields = live.pointer("/metadata/managedFields").cloned();
    let trie = managed_fields.as_ref().and_then(|m| OwnershipTrie::from_managed_fields(m, &managers));
    let (d, l) = Pair::normalize_both(desired, live, report, mask_annotations);
    let shown = if full { Shown::Full } else { Shown::Projected };
    Ok(align(report, &d, &l, shown, trie.as_ref()))
}
