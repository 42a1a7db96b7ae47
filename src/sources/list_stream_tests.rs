//! Unit tests of item-by-item `kind: List` reading (`list_stream.rs`): cut into many small
//! runs, every file gives exactly the objects, origins or error that parsing it whole gives.

use super::*;

/// Small runs, every file: each of the few items below is a run of its own.
const TINY: Cut = Cut { from_bytes: 0, run_bytes: 1 };

fn streamed(text: &str) -> Result<Vec<(Value, String)>, String> {
    let mut found = Vec::new();
    for_each_object(text, "live.yaml", 2, TINY, &mut |m| found.push((m.object, m.origin)))
        .map_err(|problem| problem.at(std::path::Path::new("live.yaml")).to_string())?;
    Ok(found)
}

fn whole(text: &str) -> Result<Vec<(Value, String)>, String> {
    parse_documents(text, "live.yaml")
        .map(|all| all.into_iter().map(|m| (m.object, m.origin)).collect())
        .map_err(|problem| problem.at(std::path::Path::new("live.yaml")).to_string())
}

fn config_map(name: &str, extra: &str) -> String {
    format!(
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: {name}\n    namespace: prod\n  data:\n    note: |\n      line one\n      line two\n{extra}"
    )
}

fn list(items: &str) -> String {
    format!("apiVersion: v1\nitems:\n{items}kind: List\nmetadata:\n  resourceVersion: \"\"\n")
}

#[test]
fn a_list_as_kubectl_writes_it_is_cut_into_runs_that_give_the_same_objects() {
    let items: String = (0..20).map(|i| config_map(&format!("cm-{i}"), "  # a comment\n\n")).collect();
    let text = list(&items);
    assert!(runs_of_items(&text, TINY).is_some_and(|runs| runs.len() == 20), "cut item by item");
    let found = streamed(&text).expect("parses");
    assert_eq!(found.len(), 20);
    assert_eq!(found[19].1, "live.yaml#1, item 20");
    assert_eq!(found[3].0["data"]["note"], "line one\nline two\n");
    assert_eq!(Ok(found), whole(&text));
}

#[test]
fn unusual_files_give_what_parsing_them_whole_gives() {
    let two = format!("{}{}", config_map("a", ""), config_map("b", ""));
    let cases = [
        // An alias to an anchor in another run: the runs cannot parse it, the whole can.
        list(&format!("{}- &shared\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: c}}\n- *shared\n", two)),
        // An item without a name, then a syntax error further down: the syntax error wins.
        list(&format!("{}- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{}}\n- apiVersion: v1\n  kind: [\n", two)),
        // An item without a name only.
        list(&format!("{}- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{}}\n", two)),
        // `items:` with no entry is null.
        "apiVersion: v1\nitems:\nkind: List\n".to_owned(),
        // Two documents, an indented sequence, a flow list, no `kind: List`.
        format!("{}---\n{}", list(&two), list(&two)),
        format!("apiVersion: v1\nkind: List\nitems:\n{}", two.lines().map(|l| format!("  {l}\n")).collect::<String>()),
        "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}]\n".to_owned(),
        format!("apiVersion: v1\nitems:\n{two}kind: ConfigMapList\n"),
        // Top-level keys that do not parse around the list.
        format!("apiVersion: v1\nitems:\n{two}kind: List\nmetadata: [\n"),
    ];
    for (index, text) in cases.iter().enumerate() {
        // The first three are cut (and fall back part way); the others are never cut.
        assert_eq!(runs_of_items(text, TINY).is_some(), index < 3, "{text}");
        assert_eq!(streamed(text), whole(text), "{text}");
    }
    assert_eq!(whole(&cases[0]).map(|all| all.len()), Ok(4), "the alias is an item too");
}
