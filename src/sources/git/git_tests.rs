//! Unit tests of reading Git: lines found by desired pointer, origins parsed, and remote URLs
//! compared across SSH and HTTPS.

use super::*;
use crate::sources::git::blame::line_of;

const TEXT: &str = "# leading comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:v1\n        resources:\n          limits:\n            memory: 512Mi\n";

#[test]
fn lines_are_found_by_desired_pointer_in_the_right_document() {
    assert_eq!(line_of(TEXT, 1, None, "/metadata/name"), Some(6));
    let memory = "/spec/template/spec/containers/0/resources/limits/memory";
    assert_eq!(line_of(TEXT, 2, None, memory), Some(20));
    assert_eq!(line_of(TEXT, 2, None, "/spec/template/spec/containers/0/image"), Some(17));
    // A key Git does not have: its nearest existing ancestor.
    assert_eq!(line_of(TEXT, 2, None, "/spec/template/spec/containers/0/env"), Some(16));
    assert_eq!(line_of(TEXT, 3, None, "/metadata/name"), None);
}

#[test]
fn origins_name_file_document_and_list_item() {
    assert_eq!(parse_origin("apps/web/a.yaml@1a2b3c4#2"), Some(("apps/web/a.yaml", 2, None)));
    assert_eq!(parse_origin("a.yaml@1a2b3c4#1, item 3"), Some(("a.yaml", 1, Some(3))));
    assert_eq!(parse_origin("a.yaml#1"), None);
}

#[test]
fn ssh_and_https_urls_of_one_repository_match() {
    let https = normalize_url("https://github.com/Org/apps.git");
    assert_eq!(https, "github.com/org/apps");
    assert_eq!(normalize_url("git@github.com:org/apps.git"), https);
    assert_eq!(normalize_url("https://user@github.com/org/apps/"), https);
    assert_eq!(normalize_url("ssh://git@git.example.com:2222/org/apps"), "git.example.com:2222/org/apps");
    assert_ne!(normalize_url("https://github.com/org/other.git"), https);
}
