//! The drifted pairs the API server can be asked about (a server-side dry-run apply of Git's
//! object, DESIGN §3), and its answers kept for classification.

use crate::engine::pairs::{self, PredictedText};
use crate::engine::{Comparator, DRY_RUN_MANAGER, DryRunRequest, normalize};
use crate::model::ResourceKey;
use serde_json::Value;

impl Comparator<'_> {
    /// The drifted pairs the API server could settle with a dry run (Secrets are never sent).
    pub fn dry_run_requests(&self) -> Vec<DryRunRequest> {
        self.desired
            .iter()
            .filter_map(|desired| {
                let compared = desired.compared.as_ref()?;
                let pair = compared.pair.as_ref().filter(|_| !compared.diffs.is_empty())?;
                if desired.key.kind == "Secret" {
                    return None;
                }
                let mut object = pairs::parse(&pair.desired);
                if !desired.key.namespace.is_empty()
                    && let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut)
                {
                    metadata.insert("namespace".to_owned(), Value::String(desired.key.namespace.clone()));
                }
                let managed_fields = pair.managed_fields.as_deref().map(pairs::parse);
                Some(DryRunRequest {
                    key: desired.key.clone(),
                    version: desired.version.clone(),
                    object,
                    field_manager: self.server_side_manager(managed_fields.as_ref()),
                })
            })
            .collect()
    }

    /// The GitOps manager that applies this object server-side, if one does.
    fn server_side_manager(&self, managed_fields: Option<&Value>) -> String {
        let entries = managed_fields.and_then(Value::as_array).into_iter().flatten();
        entries
            .filter(|entry| entry.get("operation").and_then(Value::as_str) == Some("Apply"))
            .filter_map(|entry| entry.get("manager").and_then(Value::as_str))
            .find(|manager| self.config.managers.is_gitops(manager))
            .unwrap_or(DRY_RUN_MANAGER)
            .to_owned()
    }

    /// Records the API server's answer to a dry run of `key`'s desired object.
    pub fn add_predicted(&mut self, key: &ResourceKey, manager: &str, mut object: Value) {
        let Some(&slot) = self.index.get(key) else {
            return;
        };
        let Some(pair) = self.desired[slot].compared.as_mut().and_then(|c| c.pair.as_mut()) else {
            return;
        };
        let removed = normalize::normalize(&mut object, &key.kind, key.namespace.is_empty());
        pair.predicted = Some(PredictedText {
            object: pairs::to_text(&object),
            managed_fields: removed.managed_fields.as_ref().map(pairs::to_text),
            manager: manager.to_owned(),
        });
    }
}
