//! Advice that agrees with the app's state: when the GitOps controller cannot apply what Git
//! says (a failed apply, a render error, a controller that is down), no finding may suggest a
//! sync — it would fail the same way. Those findings say so and suggest fixing the delivery
//! first (escalate to whoever owns it).

use crate::model::{Finding, Response};

/// Rewrites every finding a sync would fix while `blocked` says why the controller cannot.
pub fn hold_syncs<'f>(findings: impl IntoIterator<Item = &'f mut Finding>, blocked: &str) {
    for finding in findings {
        if finding.response != Response::Sync || finding.ignored_by.is_some() || !finding.category.is_harmful() {
            continue;
        }
        finding.response = Response::Escalate;
        finding.review_required = true;
        finding.reason.push_str(&format!(
            "; but {blocked}, so a sync would fail the same way: fix the delivery first (the app-level finding says why)"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Severity};

    fn finding(category: Category, response: Response) -> Finding {
        Finding {
            path: "/spec/template/spec/containers/0/image".into(),
            display_path: "spec.template.spec.containers[name=app].image".into(),
            desired: None,
            live: None,
            category,
            severity: Severity::High,
            response,
            review_required: false,
            owner: None,
            ignored_by: None,
            reason: "Git changed the image to v1.3.0".into(),
            desired_path: None,
            git_commit: None,
            oracle: None,
        }
    }

    #[test]
    fn only_harmful_findings_that_suggest_a_sync_are_held() {
        let mut findings = vec![
            finding(Category::DesiredConfig, Response::Sync),
            finding(Category::DesiredConfig, Response::Backport),
            finding(Category::ControllerManaged, Response::Ignore),
        ];
        hold_syncs(&mut findings, "Flux Kustomization flux-system/checkout-api failed to apply main@sha1:def456");
        assert_eq!(findings[0].response, Response::Escalate);
        assert!(findings[0].review_required);
        assert!(
            findings[0].reason.ends_with(
                "so a sync would fail the same way: fix the delivery first (the app-level finding says why)"
            )
        );
        assert!(findings[0].reason.contains("but Flux Kustomization flux-system/checkout-api failed to apply"));
        assert_eq!((findings[1].response, findings[2].response), (Response::Backport, Response::Ignore));
    }
}
