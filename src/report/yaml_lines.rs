//! YAML for people, one line at a time, each line remembering the RFC 6901 pointer of the
//! field or list item it shows, so a diff view can put ownership next to the right line.

use crate::engine::path::push_pointer_token;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YamlLine {
    pub text: String,
    pub pointer: String,
    /// Byte offset in `text` where the line's scalar value starts (`text.len()` for a line
    /// that opens a map or list), so a viewer can show the whole value alone.
    pub value_at: usize,
}

impl YamlLine {
    fn new(text: String, pointer: String, value_at: usize) -> YamlLine {
        YamlLine { value_at: value_at.min(text.len()), text, pointer }
    }

    /// A line that opens a nested map or list: it has no value of its own.
    fn opening(text: String, pointer: String) -> YamlLine {
        YamlLine { value_at: text.len(), text, pointer }
    }
}

/// Renders a value in block style (`kubectl get -o yaml` layout).
pub(crate) fn render(value: &Value) -> Vec<YamlLine> {
    let mut out = Vec::new();
    let mut pointer = String::new();
    match value {
        Value::Object(_) | Value::Array(_) => render_block(value, 0, &mut pointer, "", &mut out),
        scalar => out.push(YamlLine::new(scalar_text(scalar), String::new(), 0)),
    }
    out
}

/// Renders the entries of a map or list at `indent`; `first_prefix` replaces the indent of
/// the first line (the `- ` of a list item whose first key shares its line).
fn render_block(value: &Value, indent: usize, pointer: &mut String, first_prefix: &str, out: &mut Vec<YamlLine>) {
    let mut first = true;
    let lead = |first: &mut bool| -> String {
        if std::mem::take(first) && !first_prefix.is_empty() { first_prefix.to_owned() } else { " ".repeat(indent) }
    };
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let mark = pointer.len();
                pointer.push('/');
                push_pointer_token(pointer, key);
                let head = format!("{}{}:", lead(&mut first), key_text(key));
                emit_entry(child, head, indent, pointer, out);
                pointer.truncate(mark);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let mark = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                let dash = format!("{}- ", lead(&mut first));
                match item {
                    Value::Object(map) if !map.is_empty() => render_block(item, indent + 2, pointer, &dash, out),
                    Value::Array(list) if !list.is_empty() => {
                        out.push(YamlLine::opening(dash.trim_end().to_owned(), pointer.clone()));
                        render_block(item, indent + 2, pointer, "", out);
                    }
                    scalar => {
                        out.push(YamlLine::new(format!("{dash}{}", inline_text(scalar)), pointer.clone(), dash.len()))
                    }
                }
                pointer.truncate(mark);
            }
        }
        _ => {}
    }
}

fn emit_entry(child: &Value, head: String, indent: usize, pointer: &mut String, out: &mut Vec<YamlLine>) {
    match child {
        Value::Object(map) if !map.is_empty() => {
            out.push(YamlLine::opening(head, pointer.clone()));
            render_block(child, indent + 2, pointer, "", out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push(YamlLine::opening(head, pointer.clone()));
            // kubectl's layout: list items at the key's own indent.
            render_block(child, indent, pointer, "", out);
        }
        scalar => {
            let value_at = head.len() + 1;
            out.push(YamlLine::new(format!("{head} {}", inline_text(scalar)), pointer.clone(), value_at));
        }
    }
}

fn inline_text(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".to_owned(),
        Value::Array(_) => "[]".to_owned(),
        scalar => scalar_text(scalar),
    }
}

fn key_text(key: &str) -> String {
    scalar_text(&Value::String(key.to_owned()))
}

/// A scalar as YAML writes it, quoted only when needed; multi-line strings stay on one line
/// (JSON-escaped) so every output line keeps one pointer.
pub(crate) fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) if s.contains('\n') => serde_json::to_string(s).unwrap_or_default(),
        // kubectl's YAML 1.1 parser reads bare yes/no/on/off as booleans; quote them.
        Value::String(s) if is_yaml11_bool(s) => format!("'{s}'"),
        // Most keys and values need no quoting; asking the emitter costs one per string.
        Value::String(s) if is_plain(s) => s.clone(),
        Value::String(_) => yaml_serde::to_string(value).map(|text| text.trim_end().to_owned()).unwrap_or_default(),
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

/// Text the YAML emitter writes as it is (checked against it in the tests): a letter, then
/// letters, digits, `_`, `-`, `.`, `/` or inner spaces, not a word YAML reads as another type.
fn is_plain(text: &str) -> bool {
    const WORDS: &[&str] = &["null", "true", "false", "inf", "infinity", "nan"];
    let bytes = text.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.len() <= 64
        && !text.ends_with(' ')
        && !text.contains("  ")
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/' | b' '))
        && !WORDS.iter().any(|w| w.eq_ignore_ascii_case(text))
}

fn is_yaml11_bool(text: &str) -> bool {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false"];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lines_carry_pointers_in_kubectl_layout() {
        let value = json!({"spec": {"containers": [{"name": "app", "image": "x:1", "args": ["--v=2"]}],
            "selector": {}, "note": "yes"}});
        let lines = render(&value);
        let shown: Vec<(&str, &str)> = lines.iter().map(|l| (l.text.as_str(), l.pointer.as_str())).collect();
        assert_eq!(
            shown,
            [
                ("spec:", "/spec"),
                ("  containers:", "/spec/containers"),
                ("  - name: app", "/spec/containers/0/name"),
                ("    image: x:1", "/spec/containers/0/image"),
                ("    args:", "/spec/containers/0/args"),
                ("    - --v=2", "/spec/containers/0/args/0"),
                ("  selector: {}", "/spec/selector"),
                ("  note: 'yes'", "/spec/note"),
            ]
        );
    }

    #[test]
    fn each_line_knows_where_its_value_starts() {
        let value = json!({"spec": {"image": "x:1", "args": ["--v=2", ["a"]], "note": "multi\nline", "none": {}}});
        let lines = render(&value);
        let values: Vec<(&str, &str)> = lines.iter().map(|l| (l.pointer.as_str(), &l.text[l.value_at..])).collect();
        assert_eq!(
            values,
            [
                ("/spec", ""),
                ("/spec/image", "x:1"),
                ("/spec/args", ""),
                ("/spec/args/0", "--v=2"),
                ("/spec/args/1", ""),
                ("/spec/args/1/0", "a"),
                ("/spec/note", "\"multi\\nline\""),
                ("/spec/none", "{}"),
            ]
        );
    }

    /// The shortcut for plain strings writes exactly what the emitter writes.
    #[test]
    fn plain_strings_are_written_as_the_emitter_writes_them() {
        let mut words: Vec<String> = [
            "app",
            "checkout-api",
            "registry.example.com/app:v1",
            "a b",
            "value 1 of the config",
            "Null",
            "TRUE",
            "False",
            "inf",
            "Infinity",
            "NaN",
            "nan",
            "e1",
            "x1e3",
            "a.b.c",
            "a/b",
            "a-",
            "a_",
            "Yes",
            "n",
            "ON",
            "a  b",
            "a b ",
            "z",
            "v1.2.3",
            "abc-",
            "true1",
            "nullx",
            "Inf1",
        ]
        .iter()
        .map(|w| (*w).to_owned())
        .collect();
        words.push("word ".repeat(12).trim_end().to_owned());
        words.push("x".repeat(64));
        words.push("x".repeat(65));
        for word in words {
            let value = Value::String(word.clone());
            let emitted = yaml_serde::to_string(&value).expect("emits").trim_end().to_owned();
            if is_plain(&word) {
                assert_eq!(word, emitted, "{word}");
            }
            assert_eq!(
                scalar_text(&value),
                if is_yaml11_bool(&word) { format!("'{word}'") } else { emitted },
                "{word}"
            );
        }
    }

    #[test]
    fn rendered_yaml_parses_back_to_the_same_value() {
        let value = json!({"a": {"b": [1, "two", {"c": null, "d": "x: y"}], "e": "multi\nline"}, "f": true});
        let text: Vec<String> = render(&value).into_iter().map(|l| l.text).collect();
        let parsed: Value = yaml_serde::from_str(&text.join("\n")).expect("valid YAML");
        assert_eq!(parsed, value);
    }
}
