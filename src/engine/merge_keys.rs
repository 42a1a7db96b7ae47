//! Which lists are matched by key rather than by position (DESIGN §3), and which fields hold
//! quantities. Built-in kinds only: CRD lists stay positional because their schema is unknown.

use crate::engine::maps::FastMap;
use serde_json::Value;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

const NAME: &[&str] = &["name"];
const MOUNT_PATH: &[&str] = &["mountPath"];
const DEVICE_PATH: &[&str] = &["devicePath"];
const CONTAINER_PORT: &[&str] = &["containerPort", "protocol"];
const SERVICE_PORT: &[&str] = &["port", "protocol"];

/// The merge key of a list under field `field`, when every item on both sides carries it
/// and it is unique per side; `None` means compare positionally.
pub fn for_list(field: &str, desired: &[Value], live: &[Value]) -> Option<&'static [&'static str]> {
    let key: &'static [&'static str] = match field {
        "containers" | "initContainers" | "ephemeralContainers" | "volumes" | "env" | "imagePullSecrets" => NAME,
        "volumeMounts" => MOUNT_PATH,
        "volumeDevices" => DEVICE_PATH,
        "ports" => {
            let first = desired.first().or(live.first())?;
            if first.get("containerPort").is_some() { CONTAINER_PORT } else { SERVICE_PORT }
        }
        _ => return None,
    };
    (usable(desired, key) && usable(live, key)).then_some(key)
}

fn usable(items: &[Value], key: &'static [&'static str]) -> bool {
    let keys: Vec<ItemKey<'_>> = items.iter().map(|item| ItemKey::of(item, key)).collect();
    let complete = keys.iter().all(|k| k.values.iter().all(Option::is_some));
    complete && all_distinct(&keys)
}

/// Lists longer than this are checked and matched through a hash of the merge key; shorter
/// ones (nearly all: a pod's containers, ports, env) by a scan, which is faster for them.
pub const SCAN_UP_TO: usize = 16;

fn all_distinct(keys: &[ItemKey<'_>]) -> bool {
    if keys.len() <= SCAN_UP_TO {
        return keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k));
    }
    let mut seen: FastMap<&ItemKey<'_>, ()> = FastMap::default();
    keys.iter().all(|k| seen.insert(k, ()).is_none())
}

/// The merge-key values of one list item, compared as the API server would (`8080` = `"8080"`).
#[derive(Debug, Clone)]
pub struct ItemKey<'a> {
    names: &'static [&'static str],
    values: Vec<Option<&'a Value>>,
}

impl<'a> ItemKey<'a> {
    pub fn of(item: &'a Value, names: &'static [&'static str]) -> ItemKey<'a> {
        ItemKey { names, values: names.iter().map(|name| item.get(*name)).collect() }
    }

    /// The key as managedFields spells it: `{"containerPort":8080,"protocol":"TCP"}`. Merge
    /// key names in this module are listed in sorted order, as the API server writes them.
    pub fn fields_v1_text(&self) -> Option<String> {
        let mut text = String::from("{");
        for (i, (name, value)) in self.names.iter().zip(&self.values).enumerate() {
            if i > 0 {
                text.push(',');
            }
            let _ = write!(text, "\"{name}\":{}", serde_json::to_string(value.as_ref()?).ok()?);
        }
        text.push('}');
        Some(text)
    }

    /// `[name=app]`, `[containerPort=8080,protocol=TCP]`.
    pub fn write_display(&self, out: &mut String) {
        out.push('[');
        for (i, (name, value)) in self.names.iter().zip(&self.values).enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = match value {
                Some(Value::String(s)) => write!(out, "{name}={s}"),
                Some(other) => write!(out, "{name}={other}"),
                None => write!(out, "{name}=?"),
            };
        }
        out.push(']');
    }
}

impl PartialEq for ItemKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.values.len() == other.values.len()
            && self.values.iter().zip(&other.values).all(|(a, b)| match (a, b) {
                (Some(a), Some(b)) => scalar_text(a) == scalar_text(b),
                (None, None) => true,
                _ => false,
            })
    }
}

impl Eq for ItemKey<'_> {}

/// Hashes what `eq` compares: each value's scalar text, so `8080` and `"8080"` collide.
impl Hash for ItemKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.values.len().hash(state);
        for value in &self.values {
            value.map(scalar_text).hash(state);
        }
    }
}

fn scalar_text(value: &Value) -> std::borrow::Cow<'_, str> {
    match value {
        Value::String(s) => std::borrow::Cow::Borrowed(s.as_str()),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

/// Quantity-valued fields: `resources.limits.memory`, `spec.hard.pods`, `emptyDir.sizeLimit`…
pub fn is_quantity_field(fields: &[&str]) -> bool {
    const QUANTITY_MAPS: &[&str] = &[
        "limits",
        "requests",
        "hard",
        "capacity",
        "allocatable",
        "overhead",
        "max",
        "min",
        "default",
        "defaultRequest",
        "maxLimitRequestRatio",
    ];
    match fields {
        [.., "sizeLimit"] => true,
        [.., parent, _] => QUANTITY_MAPS.contains(parent),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_are_keyed_by_name_unless_names_repeat() {
        let desired = [json!({"name": "app"}), json!({"name": "sidecar"})];
        let live = [json!({"name": "sidecar"}), json!({"name": "app"})];
        assert_eq!(for_list("containers", &desired, &live), Some(NAME));
        let repeated = [json!({"name": "app"}), json!({"name": "app"})];
        assert_eq!(for_list("containers", &desired, &repeated), None);
    }

    #[test]
    fn port_keys_compare_numbers_and_strings_alike() {
        let a = json!({"containerPort": 8080, "protocol": "TCP"});
        let b = json!({"containerPort": "8080", "protocol": "TCP"});
        assert_eq!(ItemKey::of(&a, CONTAINER_PORT), ItemKey::of(&b, CONTAINER_PORT));
        assert_eq!(
            ItemKey::of(&a, CONTAINER_PORT).fields_v1_text().as_deref(),
            Some(r#"{"containerPort":8080,"protocol":"TCP"}"#)
        );
        let mut shown = String::new();
        ItemKey::of(&a, CONTAINER_PORT).write_display(&mut shown);
        assert_eq!(shown, "[containerPort=8080,protocol=TCP]");
    }

    /// Long lists are checked through a hash of the key: duplicates still make a list
    /// positional, and `8080` still equals `"8080"`.
    #[test]
    fn long_lists_are_keyed_unless_keys_repeat_with_numbers_equal_to_strings() {
        let ports: Vec<Value> = (0..40).map(|i| json!({"containerPort": 8000 + i, "protocol": "TCP"})).collect();
        assert_eq!(for_list("ports", &ports, &ports), Some(CONTAINER_PORT));
        let mut repeated = ports.clone();
        repeated.push(json!({"containerPort": "8005", "protocol": "TCP"}));
        assert_eq!(for_list("ports", &ports, &repeated), None, "8005 twice, once as a string");
        let as_strings: Vec<Value> =
            (0..40).map(|i| json!({"containerPort": (8000 + i).to_string(), "protocol": "TCP"})).collect();
        let keys: FastMap<ItemKey<'_>, usize> =
            as_strings.iter().enumerate().map(|(i, p)| (ItemKey::of(p, CONTAINER_PORT), i)).collect();
        assert_eq!(keys.get(&ItemKey::of(&ports[7], CONTAINER_PORT)), Some(&7));
    }

    #[test]
    fn tolerations_stay_positional() {
        assert_eq!(for_list("tolerations", &[json!({"key": "a"})], &[]), None);
    }
}
