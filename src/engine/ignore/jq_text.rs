//! What a jq expression may be before jaq reads it: rules come from files and from live
//! objects anyone with write access can create, and jaq's lexer, parser and compiler recurse
//! once per level (a few thousand `(` or `|`, `try` or `def` overflow a stack), so an
//! expression is measured first, in one pass that never recurses, as jaq's lexer would read
//! it: words, symbols and brackets count; the text of strings and comments does not (but the
//! code interpolated in a string does).

/// The names kdrift's programs use for themselves; a rule may not use them.
pub const RESERVED: &str = "__kdrift";
/// The longest expression accepted (Argo CD's own examples are under 200 bytes).
pub const MAX_BYTES: usize = 16 * 1024;
/// The most tokens an expression may hold: each may be a level of recursion when jaq
/// parses and compiles it (Argo CD's own examples hold under 30).
pub const MAX_TOKENS: usize = 1024;

/// Why `expression` cannot be a rule before jaq reads it, if it cannot.
pub fn refused(expression: &str) -> Option<String> {
    if expression.len() > MAX_BYTES {
        return Some(format!("invalid jq: longer than {} KiB", MAX_BYTES / 1024));
    }
    if expression.contains(RESERVED) {
        return Some(format!("invalid jq: names starting with {RESERVED} are kdrift's own"));
    }
    match tokens(expression) {
        Err(why) => Some(format!("invalid jq: {why}")),
        Ok(count) if count > MAX_TOKENS => {
            Some(format!("invalid jq: more than {MAX_TOKENS} words, operators and brackets: too deep to read safely"))
        }
        Ok(_) => None,
    }
}

/// How many tokens jaq's lexer would read in `text`, or why it would not read it (a
/// character it does not know, brackets that do not match, a string left open): refused
/// here, the count follows what jaq reads (an over-count where it differs).
pub fn tokens(text: &str) -> Result<usize, String> {
    let bytes = text.as_bytes();
    let mut count = 0;
    // The closing bracket each open one expects, innermost last; a `\(` inside a string is
    // one, and its `)` goes back into the string.
    let mut open: Vec<(u8, bool)> = Vec::new();
    let mut in_string = false;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if in_string {
            match byte {
                b'"' => in_string = false,
                b'\\' if bytes.get(at + 1) == Some(&b'(') => {
                    count += 1;
                    open.push((b')', true));
                    in_string = false;
                    at += 1;
                }
                b'\\' => at += 1,
                _ => {}
            }
            at += 1;
            continue;
        }
        match byte {
            b'#' => {
                at = comment_end(bytes, at);
                continue;
            }
            b'"' => {
                count += 1;
                in_string = true;
            }
            b'(' | b'[' | b'{' => {
                count += 1;
                open.push((if byte == b'(' { b')' } else { byte + 2 }, false));
            }
            b')' | b']' | b'}' => match open.pop() {
                Some((expected, interpolation)) if expected == byte => in_string = interpolation,
                _ => return Err(format!("'{}' closes nothing open", char::from(byte))),
            },
            _ if byte.is_ascii_whitespace() || byte == 0x0B => {}
            // Outside ASCII, only whitespace is code (jaq skips Unicode whitespace).
            0x80.. => {
                let ch = text.get(at..).and_then(|rest| rest.chars().next()).unwrap_or('?');
                if !ch.is_whitespace() {
                    return Err(format!("unexpected character '{}'", ch.escape_default()));
                }
                at += ch.len_utf8();
                continue;
            }
            _ if byte.is_ascii_digit() => {
                // A number; letters straight after it start another token, as in jaq.
                count += 1;
                at += 1;
                while bytes.get(at).is_some_and(|b| b.is_ascii_digit() || *b == b'.') {
                    at += 1;
                }
                continue;
            }
            _ if byte.is_ascii_alphabetic() || matches!(byte, b'_' | b'$' | b'@' | b'.') => {
                // A word, a variable, a format or a path step reads as one token.
                count += 1;
                at += 1;
                while bytes.get(at).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                    at += 1;
                }
                continue;
            }
            b'|' | b'=' | b'!' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'%' | b':' | b';' | b',' | b'?' => {
                count += 1
            }
            _ => {
                return Err(format!(
                    "unexpected character '{}'",
                    text.get(at..).and_then(|t| t.chars().next()).unwrap_or('?').escape_default()
                ));
            }
        }
        at += 1;
    }
    if in_string {
        return Err("a string is not closed".to_owned());
    }
    if !open.is_empty() {
        return Err("a bracket is not closed".to_owned());
    }
    Ok(count)
}

/// Where the comment starting at `start` ends: at a line end, unless the line ends with an
/// odd number of backslashes, which carries the comment on to the next line (as in jq 1.7
/// and jaq).
fn comment_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start;
    loop {
        let Some(newline) = bytes.get(at..).and_then(|rest| rest.iter().position(|b| *b == b'\n')) else {
            return bytes.len();
        };
        let line = bytes.get(at..at + newline).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        at += newline + 1;
        if line.iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0 {
            return at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_comments_do_not_count_but_interpolated_code_does() {
        assert_eq!(tokens(r#".spec.containers[] | select(.name == "istio-proxy")"#), Ok(10));
        assert_eq!(tokens(&format!(r#"test("{}")"#, "a|b(".repeat(500))), Ok(3), "a regex is one string");
        assert_eq!(tokens(&format!(".a # {}\n", "((((".repeat(500))), Ok(1), "a comment is nothing");
        assert_eq!(tokens(r#""x\(.a | .b)y""#), Ok(5), "the string, its interpolation, .a, |, .b");
        assert_eq!(tokens(r#""\"\\(" | .a"#), Ok(3), "an escaped backslash opens no interpolation");
        assert_eq!(tokens("# a \\\n((((\n.a"), Ok(1), "a comment ending in one backslash goes on");
        assert_eq!(tokens("# a \\\\\n(.a)"), Ok(2), "two backslashes end it");
        assert_eq!(tokens("1and 2as"), Ok(4), "a number and the word after it are two tokens");
        assert_eq!(tokens(".a\u{a0}|\u{3000}.b\u{b}"), Ok(3), "Unicode whitespace, as jaq skips it");
        assert!(tokens(".a é").is_err(), "other characters outside strings are not jq");
    }

    #[test]
    fn deep_or_long_expressions_are_refused_before_jaq_reads_them() {
        assert!(refused(&vec![".a"; 2000].join("|")).unwrap().contains("more than 1024 words"));
        assert!(refused(&"try ".repeat(1100)).is_some(), "keywords are levels too");
        assert!(refused(&format!("{}.a", "def f: ".repeat(400))).is_some());
        let nested = format!("{}{}", "\"\\(".repeat(600), ")\"".repeat(600));
        assert!(refused(&nested).is_some(), "interpolation nests");
        assert!(refused(&"a".repeat(MAX_BYTES + 1)).unwrap().contains("longer than 16 KiB"));
        assert!(refused("__kdrift_0").unwrap().contains("kdrift's own"));
        assert_eq!(refused(&format!("{}.a{}", "(".repeat(500), ")".repeat(500))), None);
        for broken in [r#""\(.a]"#, ".a & .b", "(.a", ".a)", "\"open", r#""\(.a""#] {
            assert!(refused(broken).is_some(), "{broken}");
        }
    }
}
