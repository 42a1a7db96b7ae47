//! A linear guard in front of the YAML parser: text nested deeper in flow style (`[[[…`,
//! `{"a":{"a":…`) than any real object is refused before parsing, because the parser's own
//! limit is reached only after scanning in time that grows with the square of the depth.
//! Files, rules and argocd-cm entries are all checked here first.

/// Flow nesting (`[[[…`, `{"a":{"a":…`) past which a text is refused before parsing: the
/// parser refuses more than 128 levels anyway, but only after scanning them in time that
/// grows with the square of the depth.
pub const MAX_FLOW_DEPTH: usize = 256;

/// Where flow nesting first passes `limit`, in one linear pass. A bracket counts only where
/// YAML reads it as a collection (at a value's start: after indentation, `- `, `: `, `?`,
/// or inside a flow collection after `[`, `{` or `,`), not inside plain text, quoted strings
/// (which may run over several lines), comments or block scalars; each document starts at 0.
pub fn too_deep(text: &str, limit: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    // A block scalar's body: lines indented deeper than the line that opened it.
    let mut block_indent: Option<usize> = None;
    // A quoted string still open at the end of the previous line.
    let mut open_quote: Option<u8> = None;
    for (number, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if open_quote.is_none() {
            match block_indent {
                Some(opener) if line.trim().is_empty() || indent > opener => continue,
                _ => block_indent = None,
            }
            if line.starts_with("---") || line.starts_with("...") {
                depth = 0;
                continue;
            }
        }
        let bytes = line.as_bytes();
        let mut at = 0;
        if let Some(quote) = open_quote.take() {
            at = close_from(bytes, 0, quote);
            if at >= bytes.len() {
                open_quote = Some(quote);
                continue;
            }
            at += 1;
        }
        // The last significant byte before `at`: what a bracket follows decides what it is.
        let mut previous = b'\n';
        while at < bytes.len() {
            let byte = bytes[at];
            let value_start = matches!(previous, b'\n' | b'[' | b'{' | b',' | b':' | b'-' | b'?');
            match byte {
                b' ' | b'\t' => {
                    at += 1;
                    continue;
                }
                b'#' if at == 0 || bytes[at - 1] == b' ' || bytes[at - 1] == b'\t' => break,
                b'"' | b'\'' if value_start => {
                    let end = closing(bytes, at, byte);
                    if end >= bytes.len() {
                        open_quote = Some(byte);
                        break;
                    }
                    at = end;
                }
                b'[' | b'{' if value_start => {
                    depth += 1;
                    if depth > limit {
                        return Some((number + 1, at + 1));
                    }
                }
                b']' | b'}' if depth > 0 => depth -= 1,
                _ => {}
            }
            previous = byte;
            at += 1;
        }
        let trimmed = line.trim_end();
        let opens_block = trimmed.ends_with(['|', '>'])
            || trimmed.rsplit_once(' ').is_some_and(|(_, last)| {
                last.starts_with(['|', '>']) && last[1..].bytes().all(|b| matches!(b, b'-' | b'+' | b'0'..=b'9'))
            });
        if opens_block && depth == 0 && open_quote.is_none() {
            block_indent = Some(indent);
        }
    }
    None
}

/// The index of the quote closing the string opened at `open` (the line's end when none).
fn closing(bytes: &[u8], open: usize, quote: u8) -> usize {
    close_from(bytes, open + 1, quote)
}

/// The first closing `quote` at or after `from`; `''` inside single quotes is an escaped
/// quote, `\"` inside double ones.
fn close_from(bytes: &[u8], from: usize, quote: u8) -> usize {
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' if quote == b'"' => at += 1,
            b'\'' if quote == b'\'' && bytes.get(at + 1) == Some(&b'\'') => at += 1,
            byte if byte == quote => return at,
            _ => {}
        }
        at += 1;
    }
    bytes.len()
}

/// `too_deep` as the parse error callers report: "nested more than 256 levels deep (line L,
/// column C)".
pub fn check(text: &str) -> Result<(), String> {
    match too_deep(text, MAX_FLOW_DEPTH) {
        Some((line, column)) => {
            Err(format!("nested more than {MAX_FLOW_DEPTH} levels deep (line {line}, column {column})"))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_brackets_yaml_reads_as_collections_count() {
        let rules: String = (0..300).map(|n| format!("rule{n}: match [a-z\n")).collect();
        assert_eq!(too_deep(&rules, MAX_FLOW_DEPTH), None, "brackets inside plain text");
        let quoted: String = (0..300).map(|n| format!("k{n}: \"first [ line\n  second {{ line\"\n")).collect();
        assert_eq!(too_deep(&quoted, MAX_FLOW_DEPTH), None, "quoted strings over two lines");
        let documents: String = (0..300).map(|_| "a: [1, [2\n---\n").collect();
        assert_eq!(too_deep(&documents, MAX_FLOW_DEPTH), None, "each document starts over");
        let single = format!("a: 'it''s [{}'\n", "[".repeat(300));
        assert_eq!(too_deep(&single, MAX_FLOW_DEPTH), None);
        assert!(too_deep(&"[".repeat(300), MAX_FLOW_DEPTH).is_some());
        assert!(too_deep(&format!("a:\n  - {}", "{\"k\": ".repeat(300)), MAX_FLOW_DEPTH).is_some());
        assert!(too_deep(&format!("a: {}", "[ ".repeat(300)), MAX_FLOW_DEPTH).is_some());
    }
}
