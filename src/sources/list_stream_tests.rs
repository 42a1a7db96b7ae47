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
    let deep = format!("{}{}", "[".repeat(126), "]".repeat(126));
    let cases = [
        // Cut, then parsed whole: an alias to an anchor in another run (the runs cannot parse
        // it, the whole can); an item without a name, then a syntax error further down (the
        // syntax error wins); an item without a name only; nesting past the parser's limit.
        (
            list(&format!("{two}- &shared\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: c}}\n- *shared\n")),
            true,
        ),
        (
            list(&format!("{two}- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{}}\n- apiVersion: v1\n  kind: [\n")),
            true,
        ),
        (list(&format!("{two}- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{}}\n")), true),
        (list(&format!("{two}- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: d}}, x: {deep}}}\n")), true),
        // Never cut: `items:` with no entry (null); two documents; an indented sequence; a
        // flow list; no `kind: List`; top-level keys that do not parse, or spelled another
        // way (a quoted `items` or `kind` the parser reads as the same key); a byte order
        // mark, which the parser skips at the start of any line.
        ("apiVersion: v1\nitems:\nkind: List\n".to_owned(), false),
        (format!("{}---\n{}", list(&two), list(&two)), false),
        (
            format!(
                "apiVersion: v1\nkind: List\nitems:\n{}",
                two.lines().map(|l| format!("  {l}\n")).collect::<String>()
            ),
            false,
        ),
        (
            "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}]\n".to_owned(),
            false,
        ),
        (format!("apiVersion: v1\nitems:\n{two}kind: ConfigMapList\n"), false),
        (format!("apiVersion: v1\nitems:\n{two}kind: List\nmetadata: [\n"), false),
        (format!("{}\"items\": []\n", list(&two)), false),
        (format!("{}'kind': Secret\n", list(&two)), false),
        (format!("{}kind : Secret\n", list(&two)), false),
        (
            list(&format!(
                "{two}- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: z\n\u{feff}\n  kind: Secret\n"
            )),
            false,
        ),
    ];
    for (text, cut) in &cases {
        assert_eq!(runs_of_items(text, TINY).is_some(), *cut, "{text}");
        assert_eq!(streamed(text), whole(text), "{text}");
    }
    assert_eq!(whole(&cases[0].0).map(|all| all.len()), Ok(4), "the alias is an item too");
    assert!(whole(&cases[3].0).is_err_and(|e| e.contains("recursion limit")), "{:?}", whole(&cases[3].0));
}
