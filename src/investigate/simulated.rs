//! An embedded sample's live objects as the decisions taken on it left them: the TUI's
//! simulated cluster, so a reload never undoes a decision.

use crate::engine::{Manifest, identity};
use crate::model::ResourceKey;
use serde_json::Value;
use std::collections::HashMap;

/// `live` with `changed` applied: changed objects replaced, deleted ones gone, created ones added.
pub(super) fn apply(
    live: Vec<Manifest>,
    changed: &HashMap<ResourceKey, Option<Value>>,
    namespace: &str,
) -> Vec<Manifest> {
    let mut seen = std::collections::HashSet::new();
    let mut objects: Vec<Manifest> = live
        .into_iter()
        .filter_map(|manifest| {
            let key = identity::key_of(&manifest.object, namespace);
            match changed.get(&key) {
                None => Some(manifest),
                Some(now) => {
                    seen.insert(key);
                    now.clone().map(|object| Manifest { object, origin: manifest.origin })
                }
            }
        })
        .collect();
    for (key, object) in changed {
        if let (false, Some(object)) = (seen.contains(key), object) {
            objects.push(Manifest { object: object.clone(), origin: "simulated write".to_owned() });
        }
    }
    objects
}
