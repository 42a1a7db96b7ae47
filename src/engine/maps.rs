//! Lookups tuned for Kubernetes objects, whose maps mostly hold a handful of keys: a short
//! linear scan beats hashing the key with SipHash.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// `HashMap` with a fast non-cryptographic hasher: keys are object identities and field
/// names, not input an attacker chooses to collide.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

const LINEAR_UP_TO: usize = 16;

pub fn lookup<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    if map.len() <= LINEAR_UP_TO { map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v) } else { map.get(key) }
}

/// A map's string values (labels, a selector), others left out; `None` when none is left.
pub fn string_map(value: Option<&Value>) -> Option<BTreeMap<String, String>> {
    let map = value?.as_object()?;
    let strings: BTreeMap<String, String> =
        map.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect();
    (!strings.is_empty()).then_some(strings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_keys_in_small_and_large_maps() {
        let small = json!({"a": 1, "b": 2});
        let large: Map<String, Value> = (0..40).map(|i| (format!("k{i}"), json!(i))).collect();
        assert_eq!(small.as_object().and_then(|m| lookup(m, "b")), Some(&json!(2)));
        assert_eq!(lookup(&large, "k33"), Some(&json!(33)));
        assert_eq!(lookup(&large, "nope"), None);
    }
}
