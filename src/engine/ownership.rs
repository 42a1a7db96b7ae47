//! Field ownership from `metadata.managedFields`: the `fieldsV1` sets of every manager merged
//! into one path trie, so any live path can be attributed to its manager(s), operation,
//! subresource and time while the diff walks the object.

use crate::engine::managers::ManagerTable;
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
        }
    }
}

/// A path element of a `fieldsV1` set.
#[derive(Debug, Clone, PartialEq)]
enum Element {
    /// `f:name`: a map field.
    Field(String),
    /// `k:{"name":"app"}`: the list item whose merge-key fields have these values.
    Key(Map<String, Value>),
    /// `v:"x"`: the set-list item equal to this value.
    Value(Value),
    /// `i:3`: the list item at this index (atomic-by-position lists).
    Index(usize),
}

#[derive(Debug, Default, Clone)]
struct Node {
    children: Vec<(Element, u32)>,
    /// Entries that own this node itself (a leaf `{}` or a `.` marker).
    owners: Vec<u16>,
}

pub type NodeId = u32;

/// All managers' field sets of one object, merged.
#[derive(Debug, Clone)]
pub struct OwnershipTrie {
    nodes: Vec<Node>,
    entries: Vec<ManagerEntry>,
}

pub const ROOT: NodeId = 0;

impl OwnershipTrie {
    /// Builds the trie from a live object's `metadata.managedFields`; `None` when the object
    /// carries none (for example `kubectl get -o yaml` without `--show-managed-fields`).
    pub fn from_object(object: &Value, managers: &ManagerTable) -> Option<OwnershipTrie> {
        let list = object.get("metadata")?.get("managedFields")?.as_array()?;
        if list.is_empty() {
            return None;
        }
        let mut trie = OwnershipTrie { nodes: vec![Node::default()], entries: Vec::with_capacity(list.len()) };
        for item in list {
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

    fn insert_set(&mut self, node: NodeId, set: &Map<String, Value>, entry: u16) {
        if set.is_empty() {
            self.add_owner(node, entry);
            return;
        }
        for (key, subset) in set {
            if key == "." {
                self.add_owner(node, entry);
                continue;
            }
            let Some(element) = parse_element(key) else {
                continue;
            };
            let child = self.child_or_insert(node, element);
            match subset {
                Value::Object(inner) => self.insert_set(child, inner, entry),
                _ => self.add_owner(child, entry),
            }
        }
    }

    fn add_owner(&mut self, node: NodeId, entry: u16) {
        let owners = &mut self.nodes[node as usize].owners;
        if !owners.contains(&entry) {
            owners.push(entry);
        }
    }

    fn child_or_insert(&mut self, node: NodeId, element: Element) -> NodeId {
        if let Some((_, id)) = self.nodes[node as usize].children.iter().find(|(e, _)| *e == element) {
            return *id;
        }
        let id = self.nodes.len() as u32;
        self.nodes.push(Node::default());
        self.nodes[node as usize].children.push((element, id));
        id
    }

    /// The node of map field `name` under `node`.
    pub fn field(&self, node: NodeId, name: &str) -> Option<NodeId> {
        self.nodes[node as usize]
            .children
            .iter()
            .find(|(e, _)| matches!(e, Element::Field(f) if f == name))
            .map(|(_, id)| *id)
    }

    /// The node of the list item `item` at `index` under list node `node`.
    pub fn item(&self, node: NodeId, index: usize, item: &Value) -> Option<NodeId> {
        self.nodes[node as usize]
            .children
            .iter()
            .find(|(element, _)| match element {
                Element::Key(keys) => keys.iter().all(|(k, v)| item.get(k).is_some_and(|iv| loose_eq(iv, v))),
                Element::Value(v) => loose_eq(item, v),
                Element::Index(i) => *i == index,
                Element::Field(_) => false,
            })
            .map(|(_, id)| *id)
    }

    /// Leaves (no children) are values owned as a whole, such as atomic lists.
    pub fn is_leaf(&self, node: NodeId) -> bool {
        self.nodes[node as usize].children.is_empty()
    }

    /// Entries owning this exact node.
    pub fn direct_owners(&self, node: NodeId) -> &[u16] {
        &self.nodes[node as usize].owners
    }

    /// Entries owning this node or anything beneath it.
    pub fn subtree_owners(&self, node: NodeId) -> Vec<u16> {
        let mut found = Vec::new();
        let mut stack = vec![node];
        while let Some(current) = stack.pop() {
            let n = &self.nodes[current as usize];
            for owner in &n.owners {
                if !found.contains(owner) {
                    found.push(*owner);
                }
            }
            stack.extend(n.children.iter().map(|(_, id)| *id));
        }
        found
    }

    pub fn entry(&self, index: u16) -> &ManagerEntry {
        &self.entries[index as usize]
    }

    pub fn entries(&self) -> &[ManagerEntry] {
        &self.entries
    }

    /// The owner to show for a set of co-owners: the most recent writer, since with
    /// `Update` the last writer takes the field and with `Apply` co-owners agree on it.
    pub fn primary<'a>(&'a self, owners: &[u16]) -> Option<&'a ManagerEntry> {
        owners
            .iter()
            .map(|i| self.entry(*i))
            .max_by_key(|e| (e.epoch.unwrap_or(i64::MIN), e.class != ManagerClass::Gitops))
    }
}

/// `fieldsV1` stores list keys with JSON numbers; live objects may hold the same value as a
/// string (`"8080"`), which the API server would have converted.
fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => n.to_string() == *s,
        _ => a == b,
    }
}

fn parse_element(key: &str) -> Option<Element> {
    let (prefix, rest) = key.split_at_checked(2)?;
    match prefix {
        "f:" => Some(Element::Field(rest.to_owned())),
        "k:" => match serde_json::from_str(rest) {
            Ok(Value::Object(map)) => Some(Element::Key(map)),
            _ => None,
        },
        "v:" => serde_json::from_str(rest).ok().map(Element::Value),
        "i:" => rest.parse().ok().map(Element::Index),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn trie(object: Value) -> OwnershipTrie {
        OwnershipTrie::from_object(&object, &ManagerTable::default()).expect("managedFields present")
    }

    fn deployment_with_two_managers() -> Value {
        json!({"metadata": {"name": "checkout-api", "managedFields": [
            {"manager": "argocd-controller", "operation": "Update", "apiVersion": "apps/v1",
             "time": "2026-03-01T10:00:00Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {},
                   "f:ports": {"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}}}}}}}}},
            {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "apps/v1",
             "time": "2026-04-26T08:10:00Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"app\"}": {"f:resources": {"f:limits": {"f:memory": {}}}}}}}}}},
            {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale",
             "time": "2026-04-27T09:00:00Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {"f:replicas": {}}}}
        ]}})
    }

    fn container_node(t: &OwnershipTrie) -> NodeId {
        let spec = t.field(ROOT, "spec").and_then(|n| t.field(n, "template")).and_then(|n| t.field(n, "spec"));
        let containers = spec.and_then(|n| t.field(n, "containers")).expect("containers node");
        t.item(containers, 0, &json!({"name": "app", "image": "x"})).expect("app container")
    }

    #[test]
    fn keyed_list_items_resolve_by_merge_key_and_attribute_leaves() {
        let t = trie(deployment_with_two_managers());
        let app = container_node(&t);
        let memory = t
            .field(app, "resources")
            .and_then(|n| t.field(n, "limits"))
            .and_then(|n| t.field(n, "memory"))
            .expect("memory leaf");
        let owner = t.primary(t.direct_owners(memory)).expect("owned");
        assert_eq!(owner.manager, "kubectl-edit");
        assert_eq!(owner.class, ManagerClass::Human);
        assert_eq!(owner.time.as_deref(), Some("2026-04-26T08:10:00Z"));
        // The `.` marker makes argocd own the container item itself.
        assert_eq!(t.entry(t.direct_owners(app)[0]).manager, "argocd-controller");
    }

    #[test]
    fn port_keys_with_numbers_match_string_ports() {
        let t = trie(deployment_with_two_managers());
        let ports = t.field(container_node(&t), "ports").expect("ports node");
        let port = t.item(ports, 0, &json!({"containerPort": "8080", "protocol": "TCP"}));
        assert!(port.is_some());
    }

    #[test]
    fn hpa_scale_subresource_is_a_controller() {
        let t = trie(deployment_with_two_managers());
        let replicas = t.field(ROOT, "spec").and_then(|n| t.field(n, "replicas")).expect("replicas");
        let owner = t.primary(t.direct_owners(replicas)).expect("owned");
        assert_eq!(owner.manager, "kube-controller-manager");
        assert_eq!(owner.subresource.as_deref(), Some("scale"));
        assert_eq!(owner.class, ManagerClass::Controller);
    }

    #[test]
    fn set_and_index_elements_are_understood() {
        let t = trie(json!({"metadata": {"managedFields": [
            {"manager": "kube-controller-manager", "operation": "Update",
             "fieldsV1": {"f:metadata": {"f:finalizers": {"v:\"foregroundDeletion\"": {}}},
                          "f:spec": {"f:args": {"i:1": {}}}}}]}}));
        let finalizers = t.field(ROOT, "metadata").and_then(|n| t.field(n, "finalizers")).expect("finalizers");
        assert!(t.item(finalizers, 4, &json!("foregroundDeletion")).is_some());
        assert!(t.item(finalizers, 0, &json!("other")).is_none());
        let args = t.field(ROOT, "spec").and_then(|n| t.field(n, "args")).expect("args");
        assert!(t.item(args, 1, &json!("--v=2")).is_some());
    }

    #[test]
    fn objects_without_managed_fields_have_no_trie() {
        let object = json!({"metadata": {"name": "x"}});
        assert!(OwnershipTrie::from_object(&object, &ManagerTable::default()).is_none());
    }
}
