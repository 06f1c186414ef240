//! Writing a `serde_json::Value` as block-style YAML the way `kubectl get -o yaml` prints
//! it: two-space indentation, sequences under a key not indented, `{}` and `[]` for empty
//! collections, and strings quoted only when reading them back would change them.

use serde_json::{Map, Value};

use crate::resolve::{is_yaml_float, resolve_plain, Resolved};

/// Serialises a value as a YAML document (without a `---` line), ending in a newline.
///
/// ```
/// let value = serde_json::json!({"kind": "Pod", "spec": {"containers": [{"name": "app"}]}});
/// assert_eq!(
///     kanon_yaml::to_string(&value),
///     "kind: Pod\nspec:\n  containers:\n  - name: app\n"
/// );
/// ```
#[must_use]
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// Appends a value as a YAML document (without a `---` line) to `out`.
pub fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => write_map(map, 0, false, out),
        Value::Array(items) if !items.is_empty() => write_seq(items, 0, false, out),
        _ => {
            write_scalar(value, 2, out);
            out.push('\n');
        }
    }
}

fn indent(width: usize, out: &mut String) {
    for _ in 0..width {
        out.push(' ');
    }
}

/// A mapping whose keys are at column `width`; with `inline` the first key continues
/// the current line (after `- `).
fn write_map(map: &Map<String, Value>, width: usize, inline: bool, out: &mut String) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline {
            indent(width, out);
        }
        write_string(key, width + 2, true, out);
        out.push(':');
        match value {
            Value::Object(map) if !map.is_empty() => {
                out.push('\n');
                write_map(map, width + 2, false, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_seq(items, width, false, out);
            }
            _ => {
                out.push(' ');
                write_scalar(value, width + 2, out);
                out.push('\n');
            }
        }
    }
}

/// A sequence whose `- ` entries are at column `width`.
fn write_seq(items: &[Value], width: usize, inline: bool, out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline {
            indent(width, out);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => write_map(map, width + 2, true, out),
            Value::Array(items) if !items.is_empty() => write_seq(items, width + 2, true, out),
            _ => {
                write_scalar(item, width + 2, out);
                out.push('\n');
            }
        }
    }
}

/// A scalar or empty collection; `width` is the indentation of block scalar content.
fn write_scalar(value: &Value, width: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => match number.as_f64().filter(|_| number.is_f64()) {
            Some(float) => out.push_str(&format_float(float)),
            None => out.push_str(&number.to_string()),
        },
        Value::String(text) => write_string(text, width, false, out),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// A float in a form that reads back as the same `f64` and as a float, not an integer.
fn format_float(value: f64) -> String {
    let text = format!("{value:?}");
    if is_yaml_float(&text) {
        text
    } else {
        // Not reached for finite values; keep the output readable anyway.
        format!("{value:e}")
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

fn write_string(text: &str, width: usize, key: bool, out: &mut String) {
    match style(text, key) {
        Style::Plain => out.push_str(text),
        Style::Single => {
            out.push('\'');
            for part in text.split_inclusive('\'') {
                out.push_str(part);
                if part.ends_with('\'') {
                    out.push('\'');
                }
            }
            out.push('\'');
        }
        Style::Double => write_double(text, out),
        Style::Literal => write_literal(text, width, out),
    }
}

fn style(text: &str, key: bool) -> Style {
    if text.is_empty() {
        return Style::Single;
    }
    let multi_line = text.contains('\n');
    if multi_line && !key && literal_ok(text) {
        return Style::Literal;
    }
    if text.chars().any(needs_escape) {
        return Style::Double;
    }
    if plain_ok(text, key) {
        Style::Plain
    } else {
        Style::Single
    }
}

/// Characters that only a double-quoted scalar can hold: controls (tab and line breaks
/// included), DEL, C1 controls, the BOM, Unicode line separators and non-characters.
fn needs_escape(c: char) -> bool {
    c < ' '
        || ('\u{7f}'..='\u{9f}').contains(&c)
        || matches!(
            c,
            '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
        )
}

fn plain_ok(text: &str, key: bool) -> bool {
    let bytes = text.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    let starts_badly = match first {
        b'-' => matches!(bytes.get(1), None | Some(b' ')),
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
        | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b' ' => true,
        _ => false,
    };
    !starts_badly
        && last != b' '
        && last != b':'
        && resolve_plain(text) == Resolved::Str
        && !(key && text == "<<")
        && !text.starts_with("---")
        && !text.starts_with("...")
        && !text.contains(": ")
        && !text.contains(" #")
        && !looks_like_timestamp(text)
}

/// Four digits and a dash: the start of every YAML 1.1 timestamp.
fn looks_like_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() > 4 && bytes.iter().take(4).all(u8::is_ascii_digit) && bytes.get(4) == Some(&b'-')
}

/// Whether a multi-line string can be written as a `|` block: printable, no spaces at
/// the end of lines, and a first non-empty line that does not start with a space.
fn literal_ok(text: &str) -> bool {
    if text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return false;
    }
    if text.split('\n').any(|line| line.ends_with(' ')) {
        return false;
    }
    text.split('\n')
        .find(|line| !line.is_empty())
        .is_some_and(|line| !line.starts_with(' '))
}

fn write_literal(text: &str, width: usize, out: &mut String) {
    let body = text.trim_end_matches('\n');
    let trailing = text.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(width, out);
            out.push_str(line);
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

fn write_double(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if u32::from(c) < 0x100 && needs_escape(c) => {
                out.push_str(&format!("\\x{:02X}", u32::from(c)));
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(value: &Value, expected: &str) {
        assert_eq!(to_string(value), expected);
        let back: Vec<Value> = crate::documents(expected, &crate::Limits::default())
            .map(|document| document.unwrap().value)
            .collect();
        assert_eq!(back, vec![value.clone()], "reading back {expected:?}");
    }

    #[test]
    fn kubectl_layout() {
        check(
            &json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "web", "labels": {}},
                "spec": {
                    "containers": [
                        {"name": "app", "args": ["--port", "8080"], "ports": [{"containerPort": 80}]},
                    ],
                    "volumes": [],
                },
            }),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {}\nspec:\n  containers:\n  - name: app\n    args:\n    - --port\n    - '8080'\n    ports:\n    - containerPort: 80\n  volumes: []\n",
        );
    }

    #[test]
    fn nested_sequences_and_top_level_scalars() {
        check(&json!([[1, 2], [], [[3]]]), "- - 1\n  - 2\n- []\n- - - 3\n");
        check(&json!("text"), "text\n");
        check(&json!(null), "null\n");
        check(&json!({}), "{}\n");
        check(&json!(1.5), "1.5\n");
        check(&json!(1.0), "1.0\n");
        check(&json!(1e30), "1e30\n");
        check(&json!(-7), "-7\n");
        check(&json!(u64::MAX), "18446744073709551615\n");
    }

    #[test]
    fn strings_that_would_change_are_quoted() {
        for text in [
            "",
            "yes",
            "No",
            "on",
            "y",
            "~",
            "null",
            "0644",
            "1e3",
            ".5",
            "08",
            "1_000",
            "+1",
            "0x1F",
            ".inf",
            "-.inf",
            ".nan",
            "2024-01-02",
            " lead",
            "trail ",
            "a: b",
            "a #b",
            "end:",
            "- x",
            "-",
            "?x",
            ":x",
            "[a]",
            "{a}",
            "#c",
            "&a",
            "*a",
            "!t",
            "|",
            ">",
            "'q",
            "\"q",
            "%p",
            "@a",
            "`b",
            "---",
            "...",
        ] {
            let out = to_string(&json!(text));
            assert!(
                !out.starts_with(text) || text.is_empty(),
                "{text:?} written as {out:?}"
            );
            check(
                &json!({ "k": text }),
                &format!("k: {}", to_string(&json!(text))),
            );
        }
        check(&json!("it's"), "it's\n");
        check(&json!("'q' it's"), "'''q'' it''s'\n");
        check(&json!({"<<": 1}), "'<<': 1\n");
        check(&json!({"v": "<<"}), "v: <<\n");
    }

    #[test]
    fn plain_strings_stay_plain() {
        for text in [
            "--flag",
            "a#b",
            "a:b",
            "http://x/y?z=1",
            "Hello, world",
            "ünïcode",
            "0b",
        ] {
            assert_eq!(to_string(&json!(text)), format!("{text}\n"));
        }
    }

    #[test]
    fn control_characters_use_double_quotes() {
        check(&json!("a\tb"), "\"a\\tb\"\n");
        check(
            &json!("bell\u{7}\u{1}\u{7f}\u{85}\u{feff}"),
            "\"bell\\a\\x01\\x7F\\N\\uFEFF\"\n",
        );
        check(&json!({"k\nk": 1}), "\"k\\nk\": 1\n");
    }

    #[test]
    fn multi_line_strings_use_literal_blocks() {
        check(&json!({"s": "a\nb\n"}), "s: |\n  a\n  b\n");
        check(&json!({"s": "a\n\nb"}), "s: |-\n  a\n\n  b\n");
        check(&json!({"s": "a\n\n\n"}), "s: |+\n  a\n\n\n");
        check(&json!(["x\ny"]), "- |-\n  x\n  y\n");
        check(&json!([{"s": "x\ny"}]), "- s: |-\n    x\n    y\n");
        check(&json!("\nlead"), "|-\n\n  lead\n");
        check(&json!({"s": " a\nb"}), "s: \" a\\nb\"\n");
        check(&json!({"s": "a \nb"}), "s: \"a \\nb\"\n");
        check(&json!({"s": "a\r\nb"}), "s: \"a\\r\\nb\"\n");
    }

    #[test]
    fn keep_chomping_before_another_key() {
        let value = json!({"s": "a\n\n", "t": 1});
        check(&value, "s: |+\n  a\n\nt: 1\n");
    }
}
