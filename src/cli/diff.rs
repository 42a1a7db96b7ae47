//! `kdrift diff`: the side-by-side view of each drifted resource (or the one asked for).

use crate::cli::input::{self, Side};
use crate::cli::{CliError, DiffArgs, EXIT_CLEAN, EXIT_DRIFT};
use crate::engine::secrets::mask_object;
use crate::engine::{Manifest, identity, normalize};
use crate::model::{ResourceKey, ResourceReport, ResourceStatus};
use crate::report::diff_view::{DiffOptions, render_resource};
use crate::report::sanitize::clean;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::Write as _;

pub fn run(args: &DiffArgs) -> Result<i32, CliError> {
    let filter = args.resource.as_deref().map(ResourceFilter::parse).transpose()?;
    let mut input = input::resolve(&args.source)?;
    input.review_access = false;
    let namespace = input.namespace.clone();
    let now = input.now;
    let mut desired: HashMap<ResourceKey, Value> = HashMap::new();
    let mut live: HashMap<ResourceKey, Value> = HashMap::new();
    // Desired objects by key without namespace: a cluster-scoped object Git gave a namespace
    // pairs with its live copy that has none.
    let mut desired_names: HashSet<ResourceKey> = HashSet::new();
    let wanted = |key: &ResourceKey| filter.as_ref().is_none_or(|f| f.matches(key));
    // Keep only what can be shown side by side: wanted resources present on both sides
    // (desired always arrives before live).
    let keep = |side: Side, manifest: &Manifest| {
        let key = identity::key_of(&manifest.object, &namespace);
        if !wanted(&key) {
            return;
        }
        let unnamespaced = ResourceKey { namespace: String::new(), ..key.clone() };
        match side {
            Side::Desired => {
                desired_names.insert(unnamespaced);
                desired.entry(key).or_insert_with(|| manifest.object.clone());
            }
            Side::Live if desired.contains_key(&key) || desired_names.contains(&unnamespaced) => {
                live.entry(key).or_insert_with(|| manifest.object.clone());
            }
            Side::Live => {}
        }
    };
    let mask_annotations = input.engine.mask_annotations.clone();
    let app = input::compare(input, keep)?;
    let options = DiffOptions {
        style: args.color.style(),
        width: args.width.or_else(columns).unwrap_or(160),
        full: args.full,
        now,
    };
    let shown: Vec<&ResourceReport> = app
        .resources
        .iter()
        .filter(|r| wanted(&r.key()))
        .filter(|r| filter.is_some() || r.status != ResourceStatus::Synced)
        .collect();
    if let (Some(f), true) = (&filter, shown.is_empty()) {
        return Err(CliError::NoSuchResource(f.text.clone()));
    }
    let mut out = String::new();
    for finding in &app.findings {
        // Why the comparison may be stale or impossible (a render failure, a failed apply).
        let reason = clean(&finding.reason);
        out.push_str(&format!("── {} · {}: {reason}\n\n", clean(&app.name), finding.category.as_str()));
    }
    for resource in &shown {
        let key = resource.key();
        match (pair_side(&desired, &key), pair_side(&live, &key)) {
            (Some(d), Some(l)) => {
                let (d, l) = normalized_pair(resource, d, l, &mask_annotations);
                out.push_str(&render_resource(resource, &d, &l, &options));
            }
            _ => {
                // Missing or orphan: nothing to put side by side; say so with the reason and,
                // for an orphan, who put it there.
                let (reason, owner) = crate::report::alone_phrase(resource);
                let owner = if owner.is_empty() { owner } else { format!(" (owner: {owner})") };
                let line = format!("── {key} · {}{owner}: {reason}\n", resource.status.as_str());
                out.push_str(&clean(&line));
            }
        }
        out.push('\n');
    }
    if shown.is_empty() && app.findings.is_empty() {
        out.push_str(&format!("{}: no drift\n", clean(&app.name)));
    }
    // Manager names, values and renderer errors come from data: each is cleaned where it is
    // written, and this last pass is the net under that rule.
    let out = crate::report::sanitize::clean_output(&out, options.style.color);
    std::io::stdout().write_all(out.as_bytes())?;
    let needs_action = app.all_findings().any(|f| f.needs_action());
    Ok(if args.exit_code && needs_action { EXIT_DRIFT } else { EXIT_CLEAN })
}

/// The object kept under `key`, or — for a cluster-scoped key — under the same kind and name
/// in any namespace (Git may give such an object one the API server ignores).
fn pair_side<'m>(objects: &'m HashMap<ResourceKey, Value>, key: &ResourceKey) -> Option<&'m Value> {
    objects.get(key).or_else(|| match key.namespace.is_empty() {
        true => objects.iter().find(|(other, _)| identity::same_object_but_namespace(other, key)).map(|(_, v)| v),
        false => None,
    })
}

/// Both sides normalized as the engine compared them, with Secret values masked; a key gets
/// the longer "changed" mask exactly when the engine reported a finding on it.
pub(crate) fn normalized_pair(
    resource: &ResourceReport,
    desired: &Value,
    live: &Value,
    mask_annotations: &[String],
) -> (Value, Value) {
    let kind = resource.kind.as_str();
    // The report knows the scope the engine settled on (custom kinds included).
    let cluster_scoped = resource.namespace.is_empty();
    let (mut d, mut l) = (desired.clone(), live.clone());
    normalize::normalize(&mut d, kind, cluster_scoped);
    normalize::normalize(&mut l, kind, cluster_scoped);
    let has_finding = |pointer: &str| resource.findings.iter().any(|f| f.path == pointer);
    mask_object(&mut d, mask_annotations, |_| false);
    mask_object(&mut l, mask_annotations, has_finding);
    (d, l)
}

/// The terminal's width when stdout is one, else `$COLUMNS`.
fn columns() -> Option<usize> {
    let from_terminal = terminal_size::terminal_size_of(std::io::stdout()).map(|(width, _)| usize::from(width.0));
    from_terminal.or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
}

/// `--resource KIND/NAME` or `KIND/NAMESPACE/NAME`, kind case-insensitive.
pub(crate) struct ResourceFilter {
    pub(crate) text: String,
    kind: String,
    namespace: Option<String>,
    name: String,
}

impl ResourceFilter {
    pub(crate) fn parse(text: &str) -> Result<ResourceFilter, CliError> {
        let parts: Vec<&str> = text.split('/').collect();
        let (kind, namespace, name) = match parts.as_slice() {
            [kind, name] => (*kind, None, *name),
            [kind, namespace, name] => (*kind, Some((*namespace).to_owned()), *name),
            _ => return Err(CliError::BadResource(text.to_owned())),
        };
        if kind.is_empty() || name.is_empty() {
            return Err(CliError::BadResource(text.to_owned()));
        }
        Ok(ResourceFilter { text: text.to_owned(), kind: kind.to_ascii_lowercase(), namespace, name: name.to_owned() })
    }

    pub(crate) fn matches(&self, key: &ResourceKey) -> bool {
        key.kind.to_ascii_lowercase() == self.kind
            && key.name == self.name
            && self.namespace.as_ref().is_none_or(|ns| *ns == key.namespace)
    }
}
