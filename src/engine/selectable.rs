//! Pods, and workloads' pod templates, that a leftover Service could still select: kept with
//! their labels and looked up through an index by label, so each Service is checked against
//! what carries its rarest label rather than against every pod of the cluster.

use crate::engine::maps::{FastMap, string_map};
use crate::model::ResourceKey;
use serde_json::Value;
use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// Pods, and workloads' pod templates, that a leftover Service could still select.
#[derive(Debug, Default)]
pub struct Selectable {
    /// (namespace, "Pod web-1" / "Deployment checkout-api", labels).
    entries: Vec<(String, String, BTreeMap<String, String>)>,
    /// Entries by a hash of (namespace, label, value), built when a Service first asks: a
    /// selector is then checked only against what carries one of its labels, not every pod.
    by_label: OnceLock<LabelIndex>,
}

#[derive(Debug, Default)]
struct LabelIndex {
    hasher: foldhash::fast::RandomState,
    /// Entry indices in the order they were observed (hash collisions are filtered out by
    /// the full selector check).
    postings: FastMap<u64, Vec<u32>>,
}

impl LabelIndex {
    fn hash(&self, namespace: &str, label: &str, value: &str) -> u64 {
        self.hasher.hash_one((namespace, label, value))
    }
}

impl Selectable {
    /// Records the labels of a live pod or of a workload's pod template.
    pub fn observe(&mut self, key: &ResourceKey, live: &Value) {
        let labels = match key.kind.as_str() {
            "Pod" => live.pointer("/metadata/labels"),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
                live.pointer("/spec/template/metadata/labels")
            }
            _ => return,
        };
        if let Some(labels) = string_map(labels) {
            self.entries.push((key.namespace.clone(), format!("{} {}", key.kind, key.name), labels));
            self.by_label.take();
        }
    }

    fn index(&self) -> &LabelIndex {
        self.by_label.get_or_init(|| {
            let mut index = LabelIndex::default();
            for (position, (namespace, _, labels)) in self.entries.iter().enumerate() {
                for (label, value) in labels {
                    let hash = index.hash(namespace, label, value);
                    index.postings.entry(hash).or_default().push(position as u32);
                }
            }
            index
        })
    }

    /// What the (non-empty) selector matches in `namespace`, in the order observed.
    pub(crate) fn selected_by(&self, namespace: &str, selector: &BTreeMap<String, String>) -> Vec<&str> {
        let index = self.index();
        // The rarest of the selector's labels bounds the candidates.
        let candidates = selector
            .iter()
            .map(|(label, value)| {
                index.postings.get(&index.hash(namespace, label, value)).map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|postings| postings.len())
            .unwrap_or_default();
        candidates
            .iter()
            .map(|position| &self.entries[*position as usize])
            .filter(|(ns, _, labels)| ns == namespace && selector.iter().all(|(k, v)| labels.get(k) == Some(v)))
            .map(|(_, name, _)| name.as_str())
            .collect()
    }
}
