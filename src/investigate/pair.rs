//! A resource's desired and live copies as a front end keeps them: compressed compact JSON,
//! shared when copied (a tenth of a parsed tree's size, so a TUI holding 100k resources
//! stays within memory), read back exactly when a screen shows one.

use crate::engine::compact::Packed;
use crate::engine::normalize;
use crate::engine::secrets::mask_object;
use crate::model::ResourceReport;
use serde_json::Value;

/// Desired and live copies of one resource, as read (live still has its managedFields).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pair {
    desired: Option<Packed>,
    live: Option<Packed>,
}

impl Pair {
    pub fn new(desired: Option<&Value>, live: Option<&Value>) -> Pair {
        Pair { desired: desired.map(Packed::of), live: live.map(Packed::of) }
    }

    /// The desired copy (from Git or the desired files), parsed.
    pub fn desired(&self) -> Option<Value> {
        self.desired.as_ref().map(Packed::value)
    }

    /// The live copy, parsed.
    pub fn live(&self) -> Option<Value> {
        self.live.as_ref().map(Packed::value)
    }

    pub fn has_desired(&self) -> bool {
        self.desired.is_some()
    }

    pub fn has_live(&self) -> bool {
        self.live.is_some()
    }

    /// The size of both copies as text: what a screen weighs before parsing them.
    pub fn text_bytes(&self) -> usize {
        [&self.desired, &self.live].iter().map(|side| side.as_ref().map_or(0, |stored| stored.text_len())).sum()
    }

    /// Keeps `object` as the desired copy unless there is one (the first copy wins).
    pub(crate) fn keep_desired(&mut self, object: &Value) {
        self.desired.get_or_insert_with(|| Packed::of(object));
    }

    /// Keeps `object` as the live copy unless there is one.
    pub(crate) fn keep_live(&mut self, object: &Value) {
        self.live.get_or_insert_with(|| Packed::of(object));
    }

    /// Replaces the live copy (after a decision wrote to the cluster, or deleted the object).
    pub fn set_live(&mut self, live: Option<&Value>) {
        self.live = live.map(Packed::of);
    }

    /// Fills the sides this pair lacks from `other` (copies of one resource kept under two keys).
    pub(crate) fn fill_from(&mut self, other: Pair) {
        self.desired = self.desired.take().or(other.desired);
        self.live = self.live.take().or(other.live);
    }

    /// Both sides normalized as the engine compared them, with Secret values masked; a key
    /// gets the longer "changed" mask exactly when the engine reported a finding on it.
    /// `None` unless both sides exist.
    pub fn normalized(&self, resource: &ResourceReport, mask_annotations: &[String]) -> Option<(Value, Value)> {
        Some(Pair::normalize_both(self.desired()?, self.live()?, resource, mask_annotations))
    }

    /// `normalized`, for copies the caller has already read back.
    pub fn normalize_both(
        mut desired: Value,
        mut live: Value,
        resource: &ResourceReport,
        mask_annotations: &[String],
    ) -> (Value, Value) {
        let kind = resource.kind.as_str();
        // The report knows the scope the engine settled on (custom kinds included).
        let cluster_scoped = resource.namespace.is_empty();
        normalize::normalize(&mut desired, kind, cluster_scoped);
        normalize::normalize(&mut live, kind, cluster_scoped);
        let has_finding = |pointer: &str| resource.findings.iter().any(|f| f.path == pointer);
        mask_object(&mut desired, mask_annotations, |_| false);
        mask_object(&mut live, mask_annotations, has_finding);
        (desired, live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What a screen reads back is exactly what was kept: key order, numbers of every kind,
    /// strings that need escaping.
    #[test]
    fn copies_read_back_exactly_as_kept() {
        let object = json!({"kind": "ConfigMap", "metadata": {"name": "a", "annotations": {"z": "1", "a": "2"}},
            "data": {"quote": "say \"hi\"\n\ttab", "unicode": "é\u{1f600}"},
            "numbers": [0, -1, 18446744073709551615u64, -9223372036854775808i64, 0.1, 1e300, 2.5e-8, -0.0]});
        let pair = Pair::new(Some(&object), None);
        let back = pair.desired().expect("kept");
        assert_eq!(back, object);
        assert_eq!(serde_json::to_string(&back).ok(), serde_json::to_string(&object).ok(), "same key order");
        assert_eq!(pair.live(), None);
        assert_eq!(pair.text_bytes(), serde_json::to_string(&object).map_or(0, |text| text.len()));
        // Deeper than serde_json reads by default (the YAML parser allows 128 levels).
        let mut deep = json!("leaf");
        for _ in 0..200 {
            deep = json!([deep]);
        }
        assert_eq!(Pair::new(None, Some(&deep)).live(), Some(deep));
        let mut copy = pair.clone();
        copy.set_live(Some(&json!({"kind": "ConfigMap"})));
        assert!(copy.has_live() && !pair.has_live(), "a copy changes alone");
    }
}
