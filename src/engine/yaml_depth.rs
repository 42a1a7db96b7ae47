//! A linear guard in front of the YAML parser: text nested deeper in flow style (`[[[…`,
//! `{"a":{"a":…`) than any real object is refused before parsing, because the parser's own
//! limit is reached only after scanning in time that grows with the square of the depth.
//! Files, rules and argocd-cm entries are all checked here first.

/// Flow nesting (`[[[…`, `{"a":{"a":…`) past which a text is refused before parsing: the
/// parser refuses more than 128 levels anyway, but only after scanning them in time that
/// grows with the square of the depth.
pub const MAX_FLOW_DEPTH: usize = 256;

/// Where flow nesting first passes `limit`, in one linear pass: brackets inside quoted
/// strings, comments and block scalars do not count.
pub fn too_deep(text: &str, limit: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    // A block scalar's body: lines indented deeper than the line that opened it.
    let mut block_indent: Option<usize> = None;
    for (number, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        match block_indent {
            Some(opener) if line.trim().is_empty() || indent > opener => continue,
            _ => block_indent = None,
        }
        let bytes = line.as_bytes();
        let mut at = 0;
        let mut previous = b' ';
        while at < bytes.len() {
            let byte = bytes[at];
            match byte {
                b'#' if previous == b' ' || previous == b'\t' => break,
                b'"' => at = closing(bytes, at, b'"'),
                b'\'' if matches!(previous, b' ' | b'\t' | b'[' | b'{' | b',' | b':') => at = closing(bytes, at, b'\''),
                b'[' | b'{' => {
                    depth += 1;
                    if depth > limit {
                        return Some((number + 1, at + 1));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
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
        if opens_block && depth == 0 {
            block_indent = Some(indent);
        }
    }
    None
}

/// The index of the quote closing the string opened at `open` (the line's end when none).
fn closing(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut at = open + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' if quote == b'"' => at += 1,
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
