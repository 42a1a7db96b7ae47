//! The path elements of a `fieldsV1` set (`f:`, `k:`, `v:`, `i:`) and how the ownership trie
//! finds a node's child among many: a probe hashed alike from a stored element and from a
//! path being resolved, so a ConfigMap with 50,000 keys costs one lookup per key, not a scan.

use serde_json::{Map, Value};
use std::cell::OnceCell;
use std::hash::BuildHasher;

use crate::engine::maps::FastMap;

/// No node: the end of a sibling list or of an index bucket.
pub(crate) const NONE: u32 = u32::MAX;

/// A path element of a `fieldsV1` set, borrowed from the managedFields value.
#[derive(Debug, Clone)]
pub(crate) enum Element<'m> {
    /// `f:name`: a map field.
    Field(&'m str),
    /// `k:{"name":"app"}`: the list item whose merge-key fields have these values; the JSON
    /// is parsed the first time an item is looked up against it.
    Key(&'m str, OnceCell<Option<Map<String, Value>>>),
    /// `v:"x"`: the set-list item equal to this value (JSON, parsed on lookup).
    Value(&'m str),
    /// `i:3`: the list item at this index (atomic-by-position lists).
    Index(usize),
    Root,
}

impl<'m> Element<'m> {
    /// The element a `fieldsV1` key spells; `None` for keys of no known form.
    pub(crate) fn parse(key: &'m str) -> Option<Element<'m>> {
        let (prefix, rest) = key.split_at_checked(2)?;
        match prefix {
            "f:" => Some(Element::Field(rest)),
            "k:" => Some(Element::Key(rest, OnceCell::new())),
            "v:" => Some(Element::Value(rest)),
            "i:" => rest.parse().ok().map(Element::Index),
            _ => None,
        }
    }
}

/// What a sibling lookup asks for.
#[derive(Hash)]
pub(crate) enum Probe<'x> {
    Field(&'x str),
    Key(&'x str),
    Value(&'x str),
    Index(usize),
}

impl<'x> Probe<'x> {
    pub(crate) fn of(element: &Element<'x>) -> Option<Probe<'x>> {
        match element {
            Element::Field(name) => Some(Probe::Field(name)),
            Element::Key(raw, _) => Some(Probe::Key(raw)),
            Element::Value(raw) => Some(Probe::Value(raw)),
            Element::Index(index) => Some(Probe::Index(*index)),
            Element::Root => None,
        }
    }

    pub(crate) fn matches(&self, element: &Element<'_>) -> bool {
        match (self, element) {
            (Probe::Field(a), Element::Field(b)) | (Probe::Key(a), Element::Key(b, _)) => a == b,
            (Probe::Value(a), Element::Value(b)) => a == b,
            (Probe::Index(a), Element::Index(b)) => a == b,
            _ => false,
        }
    }
}

/// The children of wide nodes by a hash of (parent, probe): the newest node of each bucket.
/// The trie chains a bucket's older nodes through its own nodes, so the index allocates no
/// vector per key; a lookup checks parent and element, since unrelated children can collide.
#[derive(Debug, Clone, Default)]
pub(crate) struct SiblingIndex {
    hasher: foldhash::fast::RandomState,
    heads: FastMap<u64, u32>,
}

impl SiblingIndex {
    fn bucket(&self, parent: u32, probe: &Probe<'_>) -> u64 {
        self.hasher.hash_one((parent, probe))
    }

    /// Makes `child` the head of its bucket; returns the previous head (or `NONE`).
    pub(crate) fn push(&mut self, parent: u32, probe: &Probe<'_>, child: u32) -> u32 {
        let bucket = self.bucket(parent, probe);
        self.heads.insert(bucket, child).unwrap_or(NONE)
    }

    /// The newest node of the bucket `probe` under `parent` falls in (or `NONE`).
    pub(crate) fn head(&self, parent: u32, probe: &Probe<'_>) -> u32 {
        self.heads.get(&self.bucket(parent, probe)).copied().unwrap_or(NONE)
    }
}

/// `fieldsV1` stores list keys with JSON numbers; live objects may hold the same value as a
/// string (`"8080"`), which the API server would have converted.
pub(crate) fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => n.to_string() == *s,
        _ => a == b,
    }
}
