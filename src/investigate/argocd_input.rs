//! Desired state as Argo CD rendered it (`--argocd-server`): the app's objects from its API,
//! and the rule that keeps Secret data — which that API masks — out of the comparison.

use crate::engine::{EngineConfig, Manifest};
use crate::investigate::InvestigateError;
use crate::investigate::spec::SourceSpec;
use crate::sources;
use crate::sources::argocd::{ArgoCd, ArgoSpec};

/// The objects Argo CD rendered for `args.app`, and the app's name. Argo CD's API masks
/// Secret data (`++++`), so a rule marks what differs there as not compared.
pub(super) fn rendered(
    argo: &ArgoSpec,
    args: &SourceSpec,
    engine: &mut EngineConfig,
) -> Result<(Vec<Manifest>, String), InvestigateError> {
    let Some(app) = args.app.clone() else {
        return Err(InvestigateError::NoSource);
    };
    let timeout = std::time::Duration::from_secs(args.request_timeout);
    let argocd = ArgoCd::connect(argo, timeout).map_err(sources::SourceError::from)?;
    let rendered = argocd.managed_resources(&app, argo.app_namespace.as_deref()).map_err(sources::SourceError::from)?;
    // Argo CD's API leaves hooks out: one still live is not an orphan.
    engine.hooks_not_desired = true;
    engine.rules.push(crate::engine::ignore::IgnoreRule {
        source: format!("Argo CD at {} (its API masks Secret data)", argocd.server()),
        rule: "managed-resources".to_owned(),
        target: crate::engine::ignore::Target::Argo {
            group: String::new(),
            kind: "Secret".to_owned(),
            name: None,
            namespace: None,
        },
        pointers: vec!["/data".to_owned(), "/stringData".to_owned()],
        jq: Vec::new(),
        managers: Vec::new(),
    });
    Ok((rendered.desired, app))
}
