//! Field ownership from `metadata.managedFields`: the `fieldsV1` sets of every manager merged
//! into one path trie, so any live path can be attributed to its manager(s), operation,
//! subresource and time while the diff walks the object.

use crate::engine::managers::ManagerTable;
use crate::engine::ownership_index::{Element, NONE, Probe, SiblingIndex, loose_eq};
use crate::engine::time::parse_rfc3339;
use crate::model::{ManagerClass, Owner};
use serde_json::{Map, Value};

/// One `managedFields` entry, minus its field set.
#[derive(Debug, Clone)]
pub struct ManagerEntry {
    pub manager: String,
    pub operation: Option<String>,
    pub subresource: Option<String>,
    pub time: Option<String>,
    pub epoch: Option<i64>,
    pub class: ManagerClass,
}

impl ManagerEntry {
    pub fn to_owner(&self) -> Owner {
        Owner {
            manager: self.manager.clone(),
            class: self.class,
            operation: self.operation.clone(),
            subresource: self.subresource.clone(),
            time: self.time.clone(),
            actor: None,
        }
    }
}

/// Nodes live in one vector linked as first-child/next-sibling lists, and owners are a bit
/// set of entry indices: building a trie allocates a handful of vectors, not one per node.
#[derive(Debug, Clone)]
struct Node<'m> {
    element: Element<'m>,
    first_child: u32,
    next_sibling: u32,
    /// Bit `i` set: entry `i` owns this node itself (a leaf `{}` or a `.` marker).
    owners: u64,
    /// The entry whose field set created this node: its children come from one JSON object
    /// (unique keys), so while that entry is inserted no sibling search is needed.
    created_by: u16,
    /// How many children hang below; past `SCAN_UP_TO` they are found through the index.
    child_count: u32,
    /// The next node in the same index bucket (children of indexed nodes only).
    next_in_bucket: u32,
    parent: u32,
}

/// Nodes with more children than this (a ConfigMap's data, a long env list) find them by
/// hash; the rest by a scan, which is faster for the handful real objects hold.
const SCAN_UP_TO: u32 = 16;

/// Entries past this many are ignored for attribution (real objects carry a handful).
const MAX_ENTRIES: usize = 64;

pub type NodeId = u32;

/// All managers' field sets of one object, merged; borrows the `managedFields` value.
#[derive(Debug, Clone)]
pub struct OwnershipTrie<'m> {
    nodes: Vec<Node<'m>>,
    entries: Vec<ManagerEntry>,
    /// Children of nodes with many, by a hash of (parent, element): the first node of each
    /// bucket, chained through `next_in_bucket`. Empty for ordinary objects.
    index: SiblingIndex,
}

pub const ROOT: NodeId = 0;

impl<'m> OwnershipTrie<'m> {
    /// Builds the trie from a `managedFields` list (taken out of the live object's metadata);
    /// `None` when there is none (for example `kubectl get -o yaml` without
    /// `--show-managed-fields`).
    pub fn from_managed_fields(managed_fields: &'m Value, managers: &ManagerTable) -> Option<OwnershipTrie<'m>> {
        let list = managed_fields.as_array()?;
        if list.is_empty() {
            return None;
        }
        let mut trie = OwnershipTrie {
            nodes: Vec::with_capacity(256),
            entries: Vec::with_capacity(list.len()),
            index: SiblingIndex::default(),
        };
        trie.nodes.push(Node {
            element: Element::Root,
            first_child: NONE,
            next_sibling: NONE,
            owners: 0,
            created_by: u16::MAX,
            child_count: 0,
            next_in_bucket: NONE,
            parent: NONE,
        });
        for item in list.iter().take(MAX_ENTRIES) {
            let Some(manager) = item.get("manager").and_then(Value::as_str) else {
                continue;
            };
            let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
            let operation = text("operation");
            let subresource = text("subresource").filter(|s| !s.is_empty());
            let time = text("time");
            let entry = ManagerEntry {
                class: managers.classify(manager),
                manager: manager.to_owned(),
                epoch: time.as_deref().and_then(parse_rfc3339),
                operation,
                subresource,
                time,
            };
            let index = trie.entries.len() as u16;
            trie.entries.push(entry);
            if let Some(Value::Object(fields)) = item.get("fieldsV1") {
                trie.insert_set(ROOT, fields, index);
            }
        }
        Some(trie)
    }

    fn insert_set(&mut self, node: NodeId, set: &'m Map<String, Value>, entry: u16) {
        if set.is_empty() {
            self.add_owner(node, entry);
            return;
        }
        for (key, subset) in set {
            if key == "." {
                self.add_owner(node, entry);
                continue;
            }
            let Some(element) = Element::parse(key) else {
                continue;
            };
            let child = self.child_or_insert(node, element, entry);
            match subset {
                Value::Object(inner) => self.insert_set(child, inner, entry),
                _ => self.add_owner(child, entry),
            }
        }
    }

    fn add_owner(&mut self, node: NodeId, entry: u16) {
        self.nodes[node as usize].owners |= 1 << entry;
    }

    fn children(&self, node: NodeId) -> impl Iterator<Item = (NodeId, &Node<'m>)> + '_ {
        let mut next = self.nodes[node as usize].first_child;
        std::iter::from_fn(move || {
            if next == NONE {
                return None;
            }
            let id = next;
            let child = &self.nodes[id as usize];
            next = child.next_sibling;
            Some((id, child))
        })
    }

    fn child_or_insert(&mut self, node: NodeId, element: Element<'m>, entry: u16) -> NodeId {
        if self.nodes[node as usize].created_by != entry
            && let Some(id) = Probe::of(&element).and_then(|probe| self.find_child(node, &probe))
        {
            return id;
        }
        let id = self.nodes.len() as u32;
        let parent = &mut self.nodes[node as usize];
        let next_sibling = std::mem::replace(&mut parent.first_child, id);
        parent.child_count += 1;
        let count = parent.child_count;
        self.nodes.push(Node {
            element,
            first_child: NONE,
            next_sibling,
            owners: 0,
            created_by: entry,
            child_count: 0,
            next_in_bucket: NONE,
            parent: node,
        });
        if count == SCAN_UP_TO + 1 {
            // The node just outgrew a scan: index every child it has.
            let children: Vec<NodeId> = self.children(node).map(|(id, _)| id).collect();
            children.into_iter().rev().for_each(|child| self.index_child(node, child));
        } else if count > SCAN_UP_TO {
            self.index_child(node, id);
        }
        id
    }

    /// Puts `child` at the front of its bucket (lookups then see the newest first, as a
    /// scan of the sibling list does).
    fn index_child(&mut self, parent: NodeId, child: NodeId) {
        let Some(probe) = Probe::of(&self.nodes[child as usize].element) else {
            return;
        };
        let previous = self.index.push(parent, &probe, child);
        self.nodes[child as usize].next_in_bucket = previous;
    }

    /// The child of `parent` that `probe` names.
    fn find_child(&self, parent: NodeId, probe: &Probe<'_>) -> Option<NodeId> {
        if self.nodes[parent as usize].child_count <= SCAN_UP_TO {
            return self.children(parent).find(|(_, child)| probe.matches(&child.element)).map(|(id, _)| id);
        }
        let mut next = self.index.head(parent, probe);
        while next != NONE {
            let node = &self.nodes[next as usize];
            // A bucket can hold other children whose hashes collide.
            if node.parent == parent && probe.matches(&node.element) {
                return Some(next);
            }
            next = node.next_in_bucket;
        }
        None
    }

    /// The node of map field `name` under `node`.
    pub fn field(&self, node: NodeId, name: &str) -> Option<NodeId> {
        self.find_child(node, &Probe::Field(name))
    }

    /// The node of a keyed list item whose `k:` text the caller could spell exactly (merge
    /// keys are written with sorted field names); avoids parsing every `k:` key of the list.
    pub fn item_by_key_text(&self, node: NodeId, key_text: &str) -> Option<NodeId> {
        self.find_child(node, &Probe::Key(key_text))
    }

    /// The node of the list item `item` at `index` under list node `node`.
    pub fn item(&self, node: NodeId, index: usize, item: &Value) -> Option<NodeId> {
        self.children(node)
            .find(|(_, child)| match &child.element {
                Element::Key(raw, parsed) => parsed
                    .get_or_init(|| match serde_json::from_str(raw) {
                        Ok(Value::Object(map)) => Some(map),
                        _ => None,
                    })
                    .as_ref()
                    .is_some_and(|keys| keys.iter().all(|(k, v)| item.get(k).is_some_and(|iv| loose_eq(iv, v)))),
                Element::Value(raw) => serde_json::from_str::<Value>(raw).is_ok_and(|v| loose_eq(item, &v)),
                Element::Index(i) => *i == index,
                Element::Field(_) | Element::Root => false,
            })
            .map(|(id, _)| id)
    }

    /// The owner to show for the map field at `path` (field names from the root).
    pub fn owner_of_fields(&self, path: &[String]) -> Option<Owner> {
        let node = path.iter().try_fold(ROOT, |node, name| self.field(node, name))?;
        self.primary(self.direct_owners(node)).map(ManagerEntry::to_owner)
    }

    /// Leaves (no children) are values owned as a whole, such as atomic lists.
    pub fn is_leaf(&self, node: NodeId) -> bool {
        self.nodes[node as usize].first_child == NONE
    }

    /// Entries owning this exact node.
    pub fn direct_owners(&self, node: NodeId) -> Owners {
        Owners(self.nodes[node as usize].owners)
    }

    /// Entries owning this node or anything beneath it.
    pub fn subtree_owners(&self, node: NodeId) -> Owners {
        let mut found = self.nodes[node as usize].owners;
        let mut stack = vec![node];
        while let Some(current) = stack.pop() {
            for (id, child) in self.children(current) {
                found |= child.owners;
                stack.push(id);
            }
        }
        Owners(found)
    }

    pub fn entry(&self, index: u16) -> &ManagerEntry {
        &self.entries[index as usize]
    }

    /// The owner to show for a set of co-owners: the most recent writer, since with
    /// `Update` the last writer takes the field and with `Apply` co-owners agree on it.
    pub fn primary(&self, owners: Owners) -> Option<&ManagerEntry> {
        owners
            .iter()
            .map(|i| self.entry(i))
            .max_by_key(|e| (e.epoch.unwrap_or(i64::MIN), e.class != ManagerClass::Gitops))
    }

    /// The managers owning the value at `pointer` in `live` (any line of the object, not only
    /// drifted ones): the node's own owners, or for a map or list line everything beneath it;
    /// beneath a value owned as a whole (an atomic list), that value's owners. Empty when no
    /// manager claims it, which is how server defaults look.
    pub fn owners_at(&self, live: &Value, pointer: &str) -> LineOwners {
        let mut node = ROOT;
        let mut value = live;
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            let next = match value {
                Value::Object(map) => map.get(&token).map(|child| (self.field(node, &token), child)),
                Value::Array(items) => token
                    .parse::<usize>()
                    .ok()
                    .and_then(|index| items.get(index).map(|item| (self.item(node, index, item), item))),
                _ => None,
            };
            match next {
                Some((Some(child), child_value)) => (node, value) = (child, child_value),
                // Beneath a value owned as a whole, its owners own every part of it.
                _ if self.is_leaf(node) && node != ROOT => return LineOwners::Value(self.direct_owners(node)),
                _ => return LineOwners::Value(Owners::default()),
            }
        }
        match self.direct_owners(node) {
            owners if !owners.is_empty() => LineOwners::Value(owners),
            _ => LineOwners::Beneath(self.subtree_owners(node)),
        }
    }

    /// The owner to show for a map or list line: whoever wrote first (the structure's
    /// author), not the latest writer of one field deep inside it.
    pub fn founder(&self, owners: Owners) -> Option<&ManagerEntry> {
        owners.iter().map(|i| self.entry(i)).min_by_key(|e| e.epoch.unwrap_or(i64::MAX))
    }

    /// The subset of `owners` whose class is one of `classes`.
    pub fn of_classes(&self, owners: Owners, classes: &[ManagerClass]) -> Owners {
        Owners(owners.iter().filter(|i| classes.contains(&self.entry(*i).class)).fold(0, |set, i| set | (1 << i)))
    }
}

/// Who owns a line: the managers of its value, or (for a map or list line) of what is beneath.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineOwners {
    Value(Owners),
    Beneath(Owners),
}

/// A set of managedFields entry indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Owners(u64);

impl Owners {
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when every entry of `self` is also in `other`.
    pub fn within(self, other: Owners) -> bool {
        self.0 & !other.0 == 0
    }

    /// True when some entry is in both sets (the same manager, operation and subresource).
    pub fn overlaps(self, other: Owners) -> bool {
        self.0 & other.0 != 0
    }

    pub fn iter(self) -> impl Iterator<Item = u16> {
        (0..64u16).filter(move |i| self.0 & (1 << i) != 0)
    }
}

#[cfg(test)]
#[path = "ownership_tests.rs"]
mod tests;
