//! Go (RE2) regular expressions on top of the `regex` crate.
//!
//! Both implement RE2 syntax with leftmost-first matching. The differences that matter are
//! Perl classes, which are ASCII-only in Go (`\d` is `[0-9]`), and `\Q…\E` quoting, which
//! Go has and `regex` lacks; patterns are rewritten for both before compiling.

use regex::Regex;

/// Compiles a Go regular expression; the error reads `error parsing regexp: …`.
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(&translate(pattern)).map_err(|error| {
        let detail = error.to_string();
        let last = detail
            .lines()
            .rev()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("invalid pattern")
            .trim()
            .trim_start_matches("error: ")
            .to_owned();
        format!("error parsing regexp: {last}: `{pattern}`")
    })
}

/// Rewrites Go-specific syntax into equivalent `regex` syntax.
fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    // Depth of character classes: `[[:alpha:]]` nests one level.
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push('\\');
                    break;
                };
                if next == 'Q' {
                    let mut literal = String::new();
                    while let Some(q) = chars.next() {
                        if q == '\\' && chars.peek() == Some(&'E') {
                            chars.next();
                            break;
                        }
                        literal.push(q);
                    }
                    if class_depth > 0 {
                        for q in literal.chars() {
                            out.push_str(&regex::escape(&q.to_string()));
                        }
                    } else {
                        out.push_str(&regex::escape(&literal));
                    }
                    continue;
                }
                let inside = class_depth > 0;
                let replacement = match (next, inside) {
                    ('d', false) => Some("[0-9]"),
                    ('D', false) => Some("[^0-9]"),
                    ('w', false) => Some("[0-9A-Za-z_]"),
                    ('W', false) => Some("[^0-9A-Za-z_]"),
                    ('s', false) => Some("[\\t\\n\\f\\r ]"),
                    ('S', false) => Some("[^\\t\\n\\f\\r ]"),
                    ('b', false) => Some("(?-u:\\b)"),
                    ('B', false) => Some("(?-u:\\B)"),
                    ('d', true) => Some("0-9"),
                    ('w', true) => Some("0-9A-Za-z_"),
                    ('s', true) => Some("\\t\\n\\f\\r "),
                    _ => None,
                };
                match replacement {
                    Some(text) => out.push_str(text),
                    None => {
                        out.push('\\');
                        out.push(next);
                    }
                }
            }
            '[' => {
                out.push('[');
                if class_depth > 0 {
                    // A POSIX class such as `[:alpha:]` inside a bracket expression.
                    if chars.peek() == Some(&':') {
                        class_depth += 1;
                    } else {
                        // In Go a `[` inside a class is literal.
                        out.pop();
                        out.push_str("\\[");
                    }
                    continue;
                }
                class_depth = 1;
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                // A leading `]` is a literal in Go.
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(pattern: &str, text: &str) -> bool {
        compile(pattern).unwrap().is_match(text)
    }

    #[test]
    fn perl_classes_are_ascii() {
        assert!(is_match(r"^\d+$", "123"));
        assert!(!is_match(r"^\d+$", "١٢٣"));
        assert!(!is_match(r"^\w+$", "é"));
        assert!(is_match(r"^[\d.]+$", "1.2"));
        assert!(is_match(r"^\S+\s\S+$", "a b"));
        assert!(is_match(r"\bfoo\b", "a foo b"));
    }

    #[test]
    fn go_specific_syntax() {
        assert!(is_match(r"^\Qa.b\E$", "a.b"));
        assert!(!is_match(r"^\Qa.b\E$", "axb"));
        assert!(is_match(r"^[]a]+$", "]a"));
        assert!(is_match(r"^[[:alpha:]]+$", "abc"));
        assert!(is_match(r"^(?i)abc$", "ABC"));
        assert!(is_match(r"^(?P<x>a)(?<y>b)$", "ab"));
    }

    #[test]
    fn errors_read_like_go() {
        let error = compile("(").unwrap_err();
        assert!(error.starts_with("error parsing regexp: "), "{error}");
        assert!(error.ends_with(": `(`"), "{error}");
    }
}
