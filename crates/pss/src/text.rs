//! Wording helpers that reproduce Pod Security Admission's messages byte for byte.

use std::fmt::Write;

/// `"a", "b"`: each item in double quotes, joined by `, ` (Go's `joinQuote`, which does not
/// escape the items).
pub(crate) fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::new();
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(item.as_ref());
        out.push('"');
    }
    out
}

/// `singular` when `count` is 1, else `plural`.
pub(crate) fn pluralize(
    singular: &'static str,
    plural: &'static str,
    count: usize,
) -> &'static str {
    if count == 1 {
        singular
    } else {
        plural
    }
}

/// Sorts and de-duplicates, as Go's `sets.String.List()` returns its members.
pub(crate) fn sorted_set<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

/// Quotes a string as Go's `%q` (`strconv.Quote`) does: double quotes, backslash escapes for
/// quotes, backslashes and control characters, `\u`/`\U` for other non-printable characters.
pub fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.IsPrint` for the characters that matter in practice: C1 controls, line and
/// paragraph separators, and the common invisible format characters are not printable.
fn is_go_printable(c: char) -> bool {
    let code = c as u32;
    !(c.is_control()
        || code == 0xAD
        || (0x200B..=0x200F).contains(&code)
        || (0x2028..=0x202E).contains(&code)
        || (0x2060..=0x2064).contains(&code)
        || code == 0xFEFF
        || (0xFFF9..=0xFFFB).contains(&code)
        || (0xE000..=0xF8FF).contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_matches_strconv_quote() {
        assert_eq!(go_quote("unconfined"), "\"unconfined\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("x\ny\u{1}"), "\"x\\ny\\x01\"");
        assert_eq!(go_quote("héllo"), "\"héllo\"");
        assert_eq!(go_quote("\u{2028}"), "\"\\u2028\"");
    }

    #[test]
    fn join_quote_and_pluralize() {
        assert_eq!(join_quote(&["a", "b"]), "\"a\", \"b\"");
        assert_eq!(join_quote::<&str>(&[]), "");
        assert_eq!(pluralize("container", "containers", 2), "containers");
    }
}
