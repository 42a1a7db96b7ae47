//! Text from data made safe for a terminal: C0 and C1 control characters (but newline and
//! tab), DEL and the bidirectional overrides become visible escapes (`\u{1b}`), so an
//! annotation, a manager name or a renderer's stderr can never clear the screen, set the
//! window title, move the cursor or reorder what the responder reads. Colour comes only from
//! kdrift's own `Style`.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character replaced by its visible escape.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The same for a single line (a note, an error): newlines and tabs become visible too, so
/// one message stays one line.
pub fn clean_line(text: &str) -> String {
    clean(text).replace('\n', "\\n").replace('\t', " ")
}

/// A whole rendered output, cleaned. With `keep_style`, the SGR colour sequences kdrift's
/// `Style` wrote (`ESC [ digits;… m`) stay; `Style::paint` cleans what it wraps, so no SGR
/// from data is inside them.
pub fn clean_output(text: &str, keep_style: bool) -> String {
    if !keep_style {
        return clean(text).into_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\x1b') {
        out.push_str(&clean(&rest[..at]));
        let sequence = &rest[at..];
        let length = sgr_length(sequence);
        if length > 0 {
            out.push_str(&sequence[..length]);
            rest = &sequence[length..];
        } else {
            out.push_str("\\u{1b}");
            rest = &sequence[1..];
        }
    }
    out.push_str(&clean(rest));
    out
}

/// The length of the colour sequence `text` starts with (`\x1b[1;33m`), 0 when it is none
/// or sets anything but colour and weight (concealed or blinking text is never kept).
fn sgr_length(text: &str) -> usize {
    let Some(body) = text.strip_prefix("\x1b[") else { return 0 };
    let digits = body.bytes().take_while(|b| b.is_ascii_digit() || *b == b';').count();
    match body.as_bytes().get(digits) {
        Some(b'm') if digits <= 32 && colour_only(&body[..digits]) => 2 + digits + 1,
        _ => 0,
    }
}

/// Whether SGR parameters only reset, embolden, dim, underline or colour.
fn colour_only(parameters: &str) -> bool {
    let mut numbers = parameters.split(';').map(|p| if p.is_empty() { Some(0) } else { p.parse::<u16>().ok() });
    while let Some(number) = numbers.next() {
        match number {
            Some(0..=2 | 4 | 22 | 24 | 39 | 49 | 30..=37 | 40..=47 | 90..=97 | 100..=107) => {}
            // 38;5;N and 38;2;R;G;B (48 for the background).
            Some(38 | 48) => {
                let count = match numbers.next() {
                    Some(Some(5)) => 1,
                    Some(Some(2)) => 3,
                    _ => return false,
                };
                if (0..count).any(|_| !matches!(numbers.next(), Some(Some(0..=255)))) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_and_plain_text_is_untouched() {
        assert!(matches!(clean("nginx:1.27\n\tok"), Cow::Borrowed(_)));
        assert_eq!(clean("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("\x1b]0;owned\x07"), "\\u{1b}]0;owned\\u{7}");
        assert_eq!(clean("\u{9b}31m"), "\\u{9b}31m", "C1 CSI");
        assert_eq!(clean("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(clean_line("two\nlines"), "two\\nlines");
    }

    #[test]
    fn kdrifts_own_colour_survives_and_nothing_else_does() {
        let painted = "\x1b[1;33mOutOfSync\x1b[0m and \x1b]0;title\x07 and \x1b[2J";
        assert_eq!(clean_output(painted, true), "\x1b[1;33mOutOfSync\x1b[0m and \\u{1b}]0;title\\u{7} and \\u{1b}[2J");
        assert_eq!(clean_output(painted, false).matches('\x1b').count(), 0);
        assert_eq!(clean_output("\x1b[8mhidden\x1b[38;2;1;2;3mx", true), "\\u{1b}[8mhidden\x1b[38;2;1;2;3mx");
    }
}
