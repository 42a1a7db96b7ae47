//! Which finding a line of a resource's YAML belongs to: the findings' paths indexed once, so
//! each line is placed in time that grows with its depth, not with the number of findings
//! (a ConfigMap with thousands of drifted keys).

use crate::engine::maps::FastMap;

/// The findings' paths indexed once, so that each line finds its finding in time that
/// grows with its depth, not with how many findings the resource has.
pub(crate) struct FindingPaths<'f> {
    /// Path → the finding with that path (the last one when several share it).
    by_path: FastMap<&'f str, usize>,
    /// Every finding path and every ancestor of one.
    on_path: FastMap<&'f str, ()>,
    /// A finding about the whole object (empty path) puts every line on its path.
    whole: bool,
}

impl<'f> FindingPaths<'f> {
    pub(crate) fn new(paths: impl Iterator<Item = &'f str>) -> FindingPaths<'f> {
        let mut index = FindingPaths { by_path: FastMap::default(), on_path: FastMap::default(), whole: false };
        for (at, path) in paths.enumerate() {
            if path.is_empty() {
                index.whole = true;
                continue;
            }
            index.by_path.insert(path, at);
            for ancestor in ancestors(path) {
                index.on_path.insert(ancestor, ());
            }
        }
        index
    }

    /// The finding whose path is `pointer` or its deepest ancestor.
    pub(crate) fn owning(&self, pointer: &str) -> Option<usize> {
        ancestors(pointer).find_map(|ancestor| self.by_path.get(ancestor).copied())
    }

    /// Whether `pointer` is a finding's path, an ancestor of one, or beneath one.
    pub(crate) fn on_finding_path(&self, pointer: &str) -> bool {
        self.whole || self.on_path.contains_key(pointer) || self.owning(pointer).is_some()
    }
}

/// `/a/b/c`, `/a/b`, `/a`: a pointer and its ancestors, the root left out.
fn ancestors(pointer: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(pointer).filter(|p| !p.is_empty());
    std::iter::from_fn(move || {
        let current = next?;
        next = current.rfind('/').map(|at| &current[..at]).filter(|p| !p.is_empty());
        Some(current)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_belongs_to_the_deepest_finding_above_it() {
        let paths =
            FindingPaths::new(["/spec/replicas", "/spec/template", "/spec/template/spec/containers/0"].into_iter());
        assert_eq!(paths.owning("/spec/template/spec/containers/0/image"), Some(2));
        assert_eq!(paths.owning("/spec/template/metadata"), Some(1));
        assert_eq!(paths.owning("/spec/replicas"), Some(0));
        assert_eq!(paths.owning("/spec/replicasX"), None, "a sibling with a longer name is not beneath");
        assert_eq!(paths.owning("/spec"), None);
        assert!(paths.on_finding_path("/spec"), "an ancestor of a finding");
        assert!(paths.on_finding_path("/spec/template/spec/volumes"), "beneath a finding");
        assert!(!paths.on_finding_path("/status"));
    }

    #[test]
    fn a_finding_about_the_whole_object_covers_every_line_and_repeats_keep_the_last() {
        let paths = FindingPaths::new(["", "/data/a", "/data/a"].into_iter());
        assert!(paths.on_finding_path("/status/anything"));
        assert_eq!(paths.owning("/data/a"), Some(2));
        assert_eq!(paths.owning("/status"), None);
    }
}
