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
    // Depth grows only at an opening bracket: a text with no more of them than the limit
    // cannot pass it (most manifests), and counting them runs at memory speed.
    if memchr::memchr2_iter(b'[', b'{', text.as_bytes()).take(limit + 1).count() <= limit {
        return None;
    }
    let mut depth = 0usize;
    // A block scalar's body: lines indented deeper than the line that opened it.
    let mut block_indent: Option<usize> = None;
    // A quoted string still open at the end of the previous line.
    let mut open_quote: Option<u8> = None;
    for (number, line) in text.lines().enumerate() {
        let indent = indentation(line);
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
            // Bytes that are none of the ones below only pass by, and the last that is not a
            // space or a tab becomes `previous`: skip their run.
            let run = bytes[at..].iter().position(|&b| SIGNIFICANT[usize::from(b)]).unwrap_or(bytes.len() - at);
            if run > 0 {
                if let Some(&last) = bytes[at..at + run].iter().rev().find(|&&b| b != b' ' && b != b'\t') {
                    previous = last;
                }
                at += run;
                continue;
            }
            let byte = bytes[at];
            let value_start = matches!(previous, b'\n' | b'[' | b'{' | b',' | b':' | b'-' | b'?');
            match byte {
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
        // A block scalar's header ends in `|`, `>`, a digit, `+` or `-` (`|2-`): checking
        // the last byte first spares the search for the header on every other line.
        let header_end =
            trimmed.bytes().next_back().is_some_and(|b| matches!(b, b'|' | b'>' | b'+' | b'-' | b'0'..=b'9'));
        let opens_block = header_end
            && (trimmed.ends_with(['|', '>'])
                || trimmed.rsplit_once(' ').is_some_and(|(_, last)| {
                    last.starts_with(['|', '>']) && last[1..].bytes().all(|b| matches!(b, b'-' | b'+' | b'0'..=b'9'))
                }));
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
    // Only the quote and, in double quotes, the backslash matter: jump between them.
    let next = |at: usize| match quote {
        b'"' => memchr::memchr2(b'"', b'\\', &bytes[at..]),
        _ => memchr::memchr(quote, &bytes[at..]),
    };
    while at < bytes.len() {
        let Some(offset) = next(at) else { break };
        at += offset;
        match bytes[at] {
            b'\\' if quote == b'"' => at += 1,
            b'\'' if quote == b'\'' && bytes.get(at + 1) == Some(&b'\'') => at += 1,
            _ => return at,
        }
        at += 1;
    }
    bytes.len()
}

/// The length of `line`'s leading whitespace, as `trim_start` counts it, read byte by byte
/// where it is ASCII (indentation nearly always is).
fn indentation(line: &str) -> usize {
    let ascii = line.bytes().position(|b| !matches!(b, b' ' | b'\t'..=b'\r')).unwrap_or(line.len());
    match line.as_bytes().get(ascii) {
        Some(byte) if !byte.is_ascii() => line.len() - line.trim_start().len(),
        _ => ascii,
    }
}

/// The bytes `too_deep` looks at one by one; all others only pass by.
const SIGNIFICANT: [bool; 256] = {
    let mut table = [false; 256];
    let mut index = 0;
    let bytes = b"#\"'[]{}";
    while index < bytes.len() {
        table[bytes[index] as usize] = true;
        index += 1;
    }
    table
};

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
        for line in ["", "   a", "\t\x0b b", " \u{3000}\u{2028} c", "\u{a0}d", "  \u{e9}"] {
            assert_eq!(indentation(line), line.len() - line.trim_start().len(), "{line:?}");
        }
        // At the limit exactly (counted without reading the text), and one past it.
        assert_eq!(too_deep(&"[".repeat(MAX_FLOW_DEPTH), MAX_FLOW_DEPTH), None);
        assert_eq!(too_deep(&"[".repeat(MAX_FLOW_DEPTH + 1), MAX_FLOW_DEPTH), Some((1, MAX_FLOW_DEPTH + 1)));
        let quoted_json = format!("a: '{}'\nb: \"{}\\\" [\"\n", "{\"k\":".repeat(300), "[".repeat(300));
        assert_eq!(too_deep(&quoted_json, MAX_FLOW_DEPTH), None, "brackets in quotes, escaped quotes");
    }
}
