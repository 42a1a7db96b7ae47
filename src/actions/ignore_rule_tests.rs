//! Unit tests of the ignore action (`ignore_rule.rs`): the jq prefix expression written for a
//! family of annotations or labels.

use super::*;
use crate::engine::ignore::jq::JqDeletion;

#[test]
fn annotation_families_become_a_prefix_expression_that_deletes_only_them() {
    assert_eq!(
        key_prefix("/metadata/annotations/platform.example.com~1injected-at").as_deref(),
        Some("platform.example.com/")
    );
    assert_eq!(key_prefix("/metadata/annotations/plain"), None);
    let expression =
        ".metadata.annotations[(.metadata.annotations // {} | keys[] | select(startswith(\"platform.example.com/\")))]";
    let jq = JqDeletion::compile(expression).unwrap();
    let object = json!({"metadata": {"annotations": {"platform.example.com/a": "1", "platform.example.com/b": "2", "team": "x"}}});
    assert_eq!(jq.delete_from(&object).unwrap().into_owned(), json!({"metadata": {"annotations": {"team": "x"}}}));
    assert_eq!(jq.delete_from(&json!({"metadata": {}})).unwrap().into_owned(), json!({"metadata": {}}));
}
