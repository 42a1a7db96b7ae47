//! Paths of findings in two spellings built in one pass: the RFC 6901 pointer into the live
//! object (`/spec/template/spec/containers/0/image`) and the readable display path
//! (`spec.template.spec.containers[name=app].image`).

use crate::engine::merge_keys::ItemKey;
use std::fmt::Write as _;

#[derive(Debug, Default)]
pub struct PathBuilder {
    pointer: String,
    display: String,
    marks: Vec<(usize, usize)>,
}

impl PathBuilder {
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    pub fn display(&self) -> &str {
        &self.display
    }

    fn mark(&mut self) {
        self.marks.push((self.pointer.len(), self.display.len()));
    }

    pub fn push_field(&mut self, key: &str) {
        self.mark();
        self.pointer.push('/');
        push_pointer_token(&mut self.pointer, key);
        if !self.display.is_empty() {
            self.display.push('.');
        }
        push_display_key(&mut self.display, key);
    }

    pub fn push_index(&mut self, index: usize) {
        self.mark();
        let _ = write!(self.pointer, "/{index}");
        let _ = write!(self.display, "[{index}]");
    }

    /// A list item matched by merge key: live position in the pointer, key in the display.
    pub fn push_keyed_item(&mut self, index: usize, key: &ItemKey<'_>) {
        self.mark();
        let _ = write!(self.pointer, "/{index}");
        key.write_display(&mut self.display);
    }

    /// A keyed item only Git has: `-` is where an apply would append it.
    pub fn push_keyed_item_absent(&mut self, key: &ItemKey<'_>) {
        self.mark();
        self.pointer.push_str("/-");
        key.write_display(&mut self.display);
    }

    pub fn pop(&mut self) {
        if let Some((pointer, display)) = self.marks.pop() {
            self.pointer.truncate(pointer);
            self.display.truncate(display);
        }
    }
}

/// RFC 6901: `~` becomes `~0` and `/` becomes `~1`.
pub fn push_pointer_token(out: &mut String, token: &str) {
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            _ => out.push(c),
        }
    }
}

/// The display spelling of an RFC 6901 `pointer` (`spec.containers[0].image`);
/// `is_index(depth)` says which tokens are list positions, as a map key may be all digits.
pub fn display_of_pointer(pointer: &str, is_index: impl Fn(usize) -> bool) -> String {
    let mut display = String::new();
    for (depth, token) in pointer.split('/').skip(1).enumerate() {
        let token = token.replace("~1", "/").replace("~0", "~");
        if is_index(depth) && token.bytes().all(|b| b.is_ascii_digit()) {
            let _ = write!(display, "[{token}]");
            continue;
        }
        if !display.is_empty() {
            display.push('.');
        }
        push_display_key(&mut display, &token);
    }
    display
}

/// Keys such as `app.kubernetes.io/name` are quoted so the dots stay readable.
fn push_display_key(out: &mut String, key: &str) {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        out.push_str(key);
    } else {
        let _ = write!(out, "\"{}\"", key.replace('"', "\\\""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pointer_reads_as_a_display_path() {
        let pointer = "/spec/containers/0/env/12/value";
        assert_eq!(display_of_pointer(pointer, |depth| depth == 2 || depth == 4), "spec.containers[0].env[12].value");
        let key = "/data/8080/metadata~1a.b";
        assert_eq!(display_of_pointer(key, |_| false), "data.8080.\"metadata/a.b\"");
    }

    #[test]
    fn pointer_and_display_are_built_together() {
        let mut path = PathBuilder::default();
        path.push_field("metadata");
        path.push_field("annotations");
        path.push_field("platform.example.com/injected-policy");
        assert_eq!(path.pointer(), "/metadata/annotations/platform.example.com~1injected-policy");
        assert_eq!(path.display(), "metadata.annotations.\"platform.example.com/injected-policy\"");
        path.pop();
        path.pop();
        assert_eq!(path.pointer(), "/metadata");
        assert_eq!(path.display(), "metadata");
    }
}
