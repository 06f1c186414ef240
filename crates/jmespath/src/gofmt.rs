//! Go's text forms of values decoded into `interface{}`: `json.Marshal`, `fmt.Sprint` and
//! `strconv.FormatFloat`, which Kyverno's behaviour depends on (§6.5 of the semantics notes).

use std::fmt::Write as _;

use serde_json::Value;

/// The shortest decimal digits that round-trip `value` (which must be finite and non-zero),
/// and the decimal exponent `dp` such that `value = 0.DIGITS × 10^dp`.
fn shortest_digits(value: f64) -> (String, i32) {
    decompose(&format!("{:e}", value.abs()))
}

/// Like [`shortest_digits`] for the `f32` nearest to `value`.
fn shortest_digits_f32(value: f32) -> (String, i32) {
    decompose(&format!("{:e}", value.abs()))
}

/// Splits Rust's `{:e}` output (`1.2345e6`) into digits and Go's decimal point position.
fn decompose(text: &str) -> (String, i32) {
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    (digits, exponent + 1)
}

/// Digits laid out without an exponent (`%f` with the shortest precision).
fn layout_fixed(digits: &str, dp: i32) -> String {
    let count = digits.len() as i32;
    if dp <= 0 {
        format!("0.{}{digits}", "0".repeat(dp.unsigned_abs() as usize))
    } else if dp >= count {
        format!("{digits}{}", "0".repeat((dp - count) as usize))
    } else {
        let (whole, fraction) = digits.split_at(dp as usize);
        format!("{whole}.{fraction}")
    }
}

/// Digits laid out as `d.ddde±XX` (at least two exponent digits).
fn layout_exponent(digits: &str, dp: i32, marker: char) -> String {
    let mut out = String::new();
    let mut chars = digits.chars();
    out.push(chars.next().unwrap_or('0'));
    let rest: String = chars.collect();
    if !rest.is_empty() {
        out.push('.');
        out.push_str(&rest);
    }
    let exponent = dp - 1;
    let sign = if exponent < 0 { '-' } else { '+' };
    let _ = write!(out, "{marker}{sign}{:02}", exponent.unsigned_abs());
    out
}

fn non_finite(value: f64) -> Option<String> {
    if value.is_nan() {
        Some("NaN".into())
    } else if value.is_infinite() {
        Some(if value > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else {
        None
    }
}

fn signed(negative: bool, body: String) -> String {
    if negative {
        format!("-{body}")
    } else {
        body
    }
}

/// Go's `strconv.FormatFloat(v, 'g', -1, 64)`, which is also `fmt.Sprint` of a float64:
/// `8080`, `1e+06`, `1.234567e+06`, `0.0001`, `1e-05`.
pub fn format_float_g(value: f64) -> String {
    if let Some(text) = non_finite(value) {
        return text;
    }
    if value == 0.0 {
        return signed(value.is_sign_negative(), "0".into());
    }
    let (digits, dp) = shortest_digits(value);
    let exponent = dp - 1;
    let body = if !(-4..6).contains(&exponent) {
        layout_exponent(&digits, dp, 'e')
    } else {
        layout_fixed(&digits, dp)
    };
    signed(value < 0.0, body)
}

/// Go's `strconv.FormatFloat(v, 'E', -1, 64)`: `8.08E+03`, `1E+00`.
pub fn format_float_e(value: f64) -> String {
    if let Some(text) = non_finite(value) {
        return text;
    }
    if value == 0.0 {
        return signed(value.is_sign_negative(), "0E+00".into());
    }
    let (digits, dp) = shortest_digits(value);
    signed(value < 0.0, layout_exponent(&digits, dp, 'E'))
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 32)`: the shortest digits of the nearest `float32`,
/// without an exponent. Kyverno converts numbers to strings this way in `regex_match` and
/// friends, so `123456789` becomes `123456790`.
pub fn format_float_f32(value: f64) -> String {
    let single = value as f32;
    if let Some(text) = non_finite(f64::from(single)) {
        return text;
    }
    if single == 0.0 {
        return signed(single.is_sign_negative(), "0".into());
    }
    let (digits, dp) = shortest_digits_f32(single);
    signed(single < 0.0, layout_fixed(&digits, dp))
}

/// A float64 as Go's `encoding/json` writes it: shortest digits, no exponent within
/// `[1e-6, 1e21)`, otherwise `1e+21` / `1e-7`.
fn format_float_json(value: f64) -> String {
    if let Some(text) = non_finite(value) {
        return text;
    }
    if value == 0.0 {
        return signed(value.is_sign_negative(), "0".into());
    }
    let (digits, dp) = shortest_digits(value);
    let magnitude = value.abs();
    let body = if !(1e-6..1e21).contains(&magnitude) {
        let text = layout_exponent(&digits, dp, 'e');
        // Go cleans `e-07` up to `e-7` (negative exponents only).
        match text.rsplit_once("e-0") {
            Some((head, tail)) if tail.len() == 1 => format!("{head}e-{tail}"),
            _ => text,
        }
    } else {
        layout_fixed(&digits, dp)
    };
    signed(value < 0.0, body)
}

/// Go's `json.Marshal` of the value decoded into `interface{}`: compact, object keys sorted,
/// numbers as float64, and `<`, `>`, `&`, U+2028 and U+2029 escaped.
pub fn go_json(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_float_json(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

fn write_json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `fmt.Sprint` of the value decoded into `interface{}`: strings bare, numbers as
/// [`format_float_g`], `<nil>`, `[a b]`, `map[k:v k2:v2]` with sorted keys.
pub fn go_sprint(value: &Value) -> String {
    let mut out = String::new();
    write_sprint(value, &mut out);
    out
}

fn write_sprint(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_float_g(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_sprint(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push_str("map[");
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                write_sprint(item, out);
            }
            out.push(']');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn float_g() {
        for (value, text) in [
            (8080.0, "8080"),
            (100000.0, "100000"),
            (1000000.0, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5, "1.5"),
            (-2.0, "-2"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
            (123456.7, "123456.7"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::INFINITY, "+Inf"),
        ] {
            assert_eq!(format_float_g(value), text, "{value}");
        }
    }

    #[test]
    fn float_e() {
        for (value, text) in [
            (8080.0, "8.08E+03"),
            (1.0, "1E+00"),
            (0.0, "0E+00"),
            (-1.5, "-1.5E+00"),
            (0.001, "1E-03"),
            (1e100, "1E+100"),
        ] {
            assert_eq!(format_float_e(value), text, "{value}");
        }
    }

    #[test]
    fn float_f32() {
        for (value, text) in [
            (12.0, "12"),
            (-12.0, "-12"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (123456789.0, "123456790"),
            (1e10, "10000000000"),
            (0.000001, "0.000001"),
            (1e40, "+Inf"),
        ] {
            assert_eq!(format_float_f32(value), text, "{value}");
        }
    }

    #[test]
    fn json_like_go() {
        assert_eq!(
            go_json(&json!({"b": 1, "a": [1.5, "x", null, true], "c": {"z": 1e21, "y": 1e-7}})),
            r#"{"a":[1.5,"x",null,true],"b":1,"c":{"y":1e-7,"z":1e+21}}"#
        );
        assert_eq!(
            go_json(&json!("<a href='x'>&\u{2028}\n\t\u{1}\u{8}\"\\é")),
            r#""\u003ca href='x'\u003e\u0026\u2028\n\t\u0001\b\"\\é""#
        );
        assert_eq!(go_json(&json!(0.000001)), "0.000001");
        assert_eq!(go_json(&json!(100)), "100");
        assert_eq!(go_json(&json!(1e20)), "100000000000000000000");
        assert_eq!(go_json(&json!(-0.0000001)), "-1e-7");
        assert_eq!(go_json(&json!(1.5e-10)), "1.5e-10");
        assert_eq!(
            go_json(&json!(12345678901234567890u64)),
            "12345678901234567000"
        );
    }

    #[test]
    fn sprint_like_go() {
        assert_eq!(go_sprint(&json!(null)), "<nil>");
        assert_eq!(go_sprint(&json!("text")), "text");
        assert_eq!(go_sprint(&json!(1000000)), "1e+06");
        assert_eq!(go_sprint(&json!(8080)), "8080");
        assert_eq!(
            go_sprint(&json!([1, "a", null, [true]])),
            "[1 a <nil> [true]]"
        );
        assert_eq!(
            go_sprint(&json!({"b": {"y": 2}, "a": "x"})),
            "map[a:x b:map[y:2]]"
        );
        assert_eq!(go_sprint(&json!({})), "map[]");
        assert_eq!(go_sprint(&json!([])), "[]");
    }
}
