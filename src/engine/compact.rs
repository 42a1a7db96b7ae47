//! Objects held as compressed compact JSON text rather than parsed trees: a tree takes
//! several times (with managedFields, about ten times) the memory of its text, and LZ4
//! shrinks the text about threefold again (managedFields and the last-applied annotation
//! repeat the object's own keys). A large read is held this way and parsed one object at a
//! time as the engine takes it; a front end keeps its copies this way until a screen shows one.

use crate::engine::Manifest;
use serde_json::Value;
use std::sync::Arc;

/// One object as LZ4-compressed compact JSON, shared when copied. serde_json writes and reads
/// the text back exactly: key order (preserve_order), integers and floats (float_roundtrip).
#[derive(Clone, PartialEq)]
pub struct Packed {
    packed: Arc<[u8]>,
    /// The text's length, unpacked.
    len: usize,
}

impl Packed {
    pub fn of(object: &Value) -> Packed {
        // Writing a `Value` cannot fail (its keys are strings); if it did, the copy would
        // read back as `null`, which nothing mistakes for an object.
        let text = serde_json::to_vec(object).unwrap_or_default();
        Packed { packed: lz4_flex::block::compress_prepend_size(&text).into(), len: text.len() }
    }

    /// The object parsed back (`null` only if it could not be written).
    pub fn value(&self) -> Value {
        use serde::Deserialize as _;
        let Ok(text) = lz4_flex::block::decompress_size_prepended(&self.packed) else { return Value::Null };
        // As deep as the object was when kept: the YAML parser allows one level more than
        // serde_json's default limit. Text serde_json wrote itself then always reads back.
        let mut reader = serde_json::Deserializer::from_slice(&text);
        reader.disable_recursion_limit();
        Value::deserialize(&mut reader).unwrap_or(Value::Null)
    }

    /// The text's size unpacked: what the object weighs before parsing it.
    pub fn text_len(&self) -> usize {
        self.len
    }
}

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bytes of JSON in {}", self.len, self.packed.len())
    }
}

/// An object held packed, and where it came from.
#[derive(Debug, Clone)]
pub struct CompactManifest {
    packed: Packed,
    pub origin: String,
}

impl CompactManifest {
    pub fn new(object: &Value, origin: String) -> CompactManifest {
        CompactManifest { packed: Packed::of(object), origin }
    }

    /// The object parsed back, exactly as it was.
    pub fn manifest(&self) -> Manifest {
        Manifest { object: self.packed.value(), origin: self.origin.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_object_reads_back_exactly_key_order_and_numbers_included() {
        let object = json!({"kind": "Deployment", "apiVersion": "apps/v1", "spec": {"replicas": 3, "ratio": 0.1,
            "big": 18446744073709551615_u64, "neg": -7}, "metadata": {"name": "web"}});
        let compact = CompactManifest::new(&object, "live#1".to_owned());
        let back = compact.manifest();
        assert_eq!(back.object, object);
        assert_eq!(serde_json::to_string(&back.object).unwrap(), serde_json::to_string(&object).unwrap());
        assert_eq!(back.origin, "live#1");
    }
}
