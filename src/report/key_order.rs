//! Live keys put in desired's order before the two sides are aligned (kubectl sorts keys, Git
//! does not), and the desired counterpart of each live list item: in time linear in the
//! keys and items, for ConfigMaps with tens of thousands of keys.

use crate::engine::maps::FastMap;
use serde_json::{Map, Value};

/// The desired counterpart of a live list item: the item of the same name, else the one at
/// the same position. Long lists look names up in a map built once.
pub(crate) struct Counterparts<'d> {
    items: &'d [Value],
    by_name: Option<FastMap<&'d str, &'d Value>>,
}

impl<'d> Counterparts<'d> {
    pub(crate) fn new(items: &'d [Value]) -> Counterparts<'d> {
        // Reversed so that the first item of a repeated name is the one kept.
        let by_name = (items.len() > SCAN_UP_TO)
            .then(|| items.iter().rev().filter_map(|d| Some((d.get("name")?.as_str()?, d))).collect());
        Counterparts { items, by_name }
    }

    pub(crate) fn of(&self, index: usize, item: &Value) -> Option<&'d Value> {
        match (item.get("name"), &self.by_name) {
            (Some(Value::String(name)), Some(by_name)) => by_name.get(name.as_str()).copied(),
            (Some(name), _) => self.items.iter().find(|d| d.get("name") == Some(name)),
            (None, _) => self.items.get(index),
        }
    }
}

/// Reorders `live`'s maps to follow `desired`'s key order, live-only keys last.
pub(crate) fn align_key_order(live: &mut Value, desired: &Value) {
    match (live, desired) {
        (Value::Object(live_map), Value::Object(desired_map)) => {
            *live_map = in_desired_order(std::mem::take(live_map), desired_map);
            for (key, value) in live_map.iter_mut() {
                if let Some(counterpart) = desired_map.get(key) {
                    align_key_order(value, counterpart);
                }
            }
        }
        (Value::Array(live_items), Value::Array(desired_items)) => {
            let counterparts = Counterparts::new(desired_items);
            for (index, item) in live_items.iter_mut().enumerate() {
                if let Some(counterpart) = counterparts.of(index, item) {
                    align_key_order(item, counterpart);
                }
            }
        }
        _ => {}
    }
}

/// Large maps are ordered by a stable sort on each key's desired position (removing keys
/// one by one from an ordered map costs a shift each: quadratic in the keys).
const SCAN_UP_TO: usize = 16;

fn in_desired_order(live: Map<String, Value>, desired: &Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = live.into_iter().collect();
    if entries.len() <= SCAN_UP_TO {
        let mut ordered = Map::with_capacity(entries.len());
        for key in desired.keys() {
            if let Some(at) = entries.iter().position(|(k, _)| k == key) {
                let (key, value) = entries.remove(at);
                ordered.insert(key, value);
            }
        }
        ordered.extend(entries);
        return ordered;
    }
    let rank: FastMap<&str, usize> = desired.keys().enumerate().map(|(at, key)| (key.as_str(), at)).collect();
    entries.sort_by_key(|(key, _)| rank.get(key.as_str()).copied().unwrap_or(usize::MAX));
    entries.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Small and large maps alike: desired's order first, live-only keys after in their own
    /// order; named list items follow their namesake in desired.
    #[test]
    fn live_keys_follow_desired_order_in_small_and_large_maps() {
        for size in [5, 40] {
            let desired: Map<String, Value> = (0..size).rev().map(|i| (format!("k{i:02}"), json!(i))).collect();
            let mut live: Map<String, Value> = (0..size).map(|i| (format!("k{i:02}"), json!(i))).collect();
            live.insert("extra-b".into(), json!(1));
            live.insert("extra-a".into(), json!(1));
            let items: Vec<Value> =
                (0..size).map(|i| json!({"value": "x", "name": format!("n{i}"), "port": i})).collect();
            let desired_items: Vec<Value> =
                (0..size).rev().map(|i| json!({"name": format!("n{i}"), "port": i, "value": "y"})).collect();
            live.insert("list".into(), Value::Array(items));
            let desired = json!({"data": desired, "list": desired_items});
            let mut live = json!({"list": Value::Null, "data": live});
            live["list"] = live["data"]["list"].take();
            live["data"].as_object_mut().expect("map").remove("list");
            align_key_order(&mut live, &desired);
            let keys: Vec<&str> = live["data"].as_object().expect("map").keys().map(String::as_str).collect();
            let mut expected: Vec<String> = (0..size).rev().map(|i| format!("k{i:02}")).collect();
            expected.extend(["extra-b".to_owned(), "extra-a".to_owned()]);
            assert_eq!(keys, expected, "{size} keys");
            let item_keys: Vec<&str> = live["list"][0].as_object().expect("item").keys().map(String::as_str).collect();
            assert_eq!(item_keys, ["name", "port", "value"], "{size} items");
        }
    }
}
