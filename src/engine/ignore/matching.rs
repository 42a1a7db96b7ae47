//! Which objects a rule applies to: Argo CD globs (`*`, `?`) for group and kind, Flux's
//! anchored regexes for its target fields, and Kubernetes label selectors
//! (`app=web,tier!=db,env in (prod,staging),!legacy`) for Flux label/annotation selectors.

use regex::Regex;
use std::collections::BTreeMap;

/// An Argo CD glob: `*` any run of characters, `?` one character, everything else literal.
/// The empty pattern matches only the empty text (the core API group).
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative wildcard matching with one backtrack point (the last `*`).
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if *c == '?' || *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// A Flux target field: a regex matched against the whole value (kustomize anchors it).
#[derive(Debug, Clone)]
pub struct AnchoredRegex {
    pub text: String,
    regex: Regex,
}

impl AnchoredRegex {
    pub fn new(text: &str) -> Result<Self, String> {
        // A name or kind pattern is short; a pattern built to explode at compile time
        // (`\w{150}` repeated) is refused at a size bound instead of taking minutes and
        // gigabytes. The message stays on one line.
        let regex = regex::RegexBuilder::new(&format!("^(?:{text})$"))
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| match e {
                regex::Error::CompiledTooBig(_) => {
                    format!("regex '{text}' is too large to compile (over 1 MiB compiled)")
                }
                // The parser's message draws the pattern with a caret over several lines:
                // its last line says what is wrong.
                other => {
                    format!("invalid regex '{text}': {}", other.to_string().lines().last().unwrap_or_default().trim())
                }
            })?;
        Ok(AnchoredRegex { text: text.to_owned(), regex })
    }

    pub fn matches(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed Kubernetes label selector (also used for annotations, as Flux does).
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub text: String,
    requirements: Vec<Requirement>,
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut requirements = Vec::new();
        for term in split_terms(text) {
            let term = term.trim();
            if term.is_empty() {
                return Err(format!("selector '{text}' has an empty term"));
            }
            requirements.push(parse_term(term).ok_or_else(|| format!("cannot parse selector term '{term}'"))?);
        }
        Ok(Selector { text: text.to_owned(), requirements })
    }

    pub fn matches(&self, labels: &BTreeMap<&str, &str>) -> bool {
        self.requirements.iter().all(|requirement| match requirement {
            Requirement::Equals(k, v) => labels.get(k.as_str()) == Some(&v.as_str()),
            Requirement::NotEquals(k, v) => labels.get(k.as_str()) != Some(&v.as_str()),
            Requirement::In(k, values) => labels.get(k.as_str()).is_some_and(|l| values.iter().any(|v| v == l)),
            Requirement::NotIn(k, values) => labels.get(k.as_str()).is_none_or(|l| values.iter().all(|v| v != l)),
            Requirement::Exists(k) => labels.contains_key(k.as_str()),
            Requirement::NotExists(k) => !labels.contains_key(k.as_str()),
        })
    }
}

/// Splits on commas outside parentheses (`a in (x,y),b` is two terms).
fn split_terms(text: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (index, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    terms.push(&text[start..]);
    terms
}

fn parse_term(term: &str) -> Option<Requirement> {
    if let Some(key) = term.strip_prefix('!') {
        return valid_key(key.trim()).map(Requirement::NotExists);
    }
    if let Some((key, value)) = term.split_once("!=") {
        return Some(Requirement::NotEquals(valid_key(key.trim())?, value.trim().to_owned()));
    }
    if let Some((key, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return Some(Requirement::Equals(valid_key(key.trim())?, value.trim().to_owned()));
    }
    if let Some((key, rest)) = term.split_once(char::is_whitespace) {
        let rest = rest.trim_start();
        let (operator, values) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let values = values.trim().strip_prefix('(')?.strip_suffix(')')?;
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_owned()).collect();
        let key = valid_key(key.trim())?;
        return match operator {
            "in" => Some(Requirement::In(key, values)),
            "notin" => Some(Requirement::NotIn(key, values)),
            _ => None,
        };
    }
    valid_key(term).map(Requirement::Exists)
}

fn valid_key(key: &str) -> Option<String> {
    let ok = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    ok.then(|| key.to_owned())
}

/// Compiled size a Flux target regex may reach.
const REGEX_SIZE_LIMIT: usize = 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_argo_cd() {
        assert!(glob_matches("*", "apps"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("", ""));
        assert!(!glob_matches("", "apps"), "an empty group means the core group only");
        assert!(glob_matches("*.crossplane.io", "s3.aws.crossplane.io"));
        assert!(glob_matches("Deploy*", "Deployment"));
        assert!(glob_matches("Stateful?et", "StatefulSet"));
        assert!(!glob_matches("Deploy*", "StatefulSet"));
        assert!(!glob_matches("apps", "apps.example.com"));
    }

    #[test]
    fn flux_regexes_are_anchored() {
        let kind = AnchoredRegex::new("Deployment|StatefulSet").unwrap();
        assert!(kind.matches("StatefulSet"));
        assert!(!kind.matches("DeploymentConfig"));
        assert!(AnchoredRegex::new("(").is_err());
        let error = AnchoredRegex::new("(").err().unwrap_or_default();
        assert!(!error.contains('\n'), "one line: {error}");
        // Built to explode at compile time: refused at once, not after minutes.
        let started = std::time::Instant::now();
        let bomb = "\\w{150}N".repeat(1000);
        assert!(AnchoredRegex::new(&bomb).err().unwrap_or_default().contains("too large to compile"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }

    #[test]
    fn label_selectors_support_every_operator() {
        let labels: BTreeMap<&str, &str> = [("app", "web"), ("env", "prod")].into_iter().collect();
        for (text, expected) in [
            ("app=web", true),
            ("app==web,env=prod", true),
            ("app!=web", false),
            ("env in (prod, staging)", true),
            ("env notin (prod)", false),
            ("app", true),
            ("!legacy", true),
            ("!app", false),
            ("tier=db", false),
        ] {
            assert_eq!(Selector::parse(text).unwrap().matches(&labels), expected, "{text}");
        }
        assert!(Selector::parse("env in prod").is_err());
        assert!(Selector::parse("a=b,,c").is_err());
    }
}
