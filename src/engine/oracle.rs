//! Who may speak for what the API server does with Git's object: the server itself, through a
//! server-side dry-run apply of the desired object (`Predicted`, as Argo CD's server-side diff,
//! `kubectl diff` and `flux diff` ask it), or — offline — the defaults table. Also which
//! managedFields entries wrote the `last-applied-configuration` annotation, since that
//! annotation is evidence of its own writer's applied configuration only.

use crate::engine::normalize::LAST_APPLIED;
use crate::engine::ownership::{Owners, OwnershipTrie, ROOT};

/// The API server's answer to a dry-run apply of Git's object, normalized like live.
#[derive(Debug, Clone, Copy)]
pub struct Predicted<'a> {
    pub object: &'a serde_json::Value,
    /// The answer's managedFields: who would own each field after the apply.
    pub managed_fields: Option<&'a serde_json::Value>,
    /// The field manager the dry run applied as.
    pub manager: &'a str,
}

/// What the dry run says about a value only live has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerSays {
    /// No dry run was made (offline, `--no-server-dry-run`, or it failed).
    NotAsked,
    /// The server itself produces this value from Git's object (a default, an admission
    /// change): not drift.
    Produces,
    /// The server would store something else, or nothing: a sync changes it.
    Changes,
    /// The value survives the dry run because another manager owns it: the answer says
    /// nothing about the server, ownership decides.
    Undecided,
}

/// The managedFields entries that own the `last-applied-configuration` annotation.
pub fn last_applied_writers(trie: &OwnershipTrie<'_>) -> Owners {
    let node = trie
        .field(ROOT, "metadata")
        .and_then(|metadata| trie.field(metadata, "annotations"))
        .and_then(|annotations| trie.field(annotations, LAST_APPLIED));
    node.map(|node| trie.direct_owners(node)).unwrap_or_default()
}

/// True when every owner is the dry run's own `Apply` entry (or there is none).
pub fn only_the_dry_run(trie: &OwnershipTrie<'_>, owners: Owners, manager: &str) -> bool {
    owners.iter().all(|index| {
        let entry = trie.entry(index);
        entry.manager == manager && entry.operation.as_deref() == Some("Apply")
    })
}
