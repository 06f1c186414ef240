//! Scalar resolution as go-yaml v2 does it (YAML 1.1 booleans, Go integer syntax,
//! timestamps kept as strings), explicit tags, and turning keys into strings the way
//! sigs.k8s.io/yaml does.

use std::borrow::Cow;

use crate::error::ErrorKind;

/// What a scalar's text means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Resolved {
    /// `~`, `null`, the empty scalar.
    Null,
    /// A YAML 1.1 boolean.
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// An integer above `i64::MAX` that fits `u64`.
    Uint(u64),
    /// A float, possibly infinite or NaN.
    Float(f64),
    /// The text itself, as a string.
    Str,
}

/// An explicit tag on a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Tag {
    /// No tag.
    #[default]
    None,
    /// `!!str`
    Str,
    /// `!!int`
    Int,
    /// `!!float`
    Float,
    /// `!!bool`
    Bool,
    /// `!!null`
    Null,
    /// `!!binary`: the text is kept as a string.
    Binary,
    /// `!!timestamp`: kept as a string.
    Timestamp,
    /// `!!merge`
    Merge,
    /// `!!map`, `!!seq` and every tag we do not know: collections ignore it, scalars
    /// become plain strings (go-yaml returns the raw text for tags it cannot resolve).
    Other,
}

impl Tag {
    /// Classifies a tag as written (`!!int`, `!<tag:yaml.org,2002:int>`, `!foo`).
    pub(crate) fn from_text(text: &str) -> Self {
        let name = if let Some(rest) = text.strip_prefix("!!") {
            rest
        } else if let Some(rest) = text
            .strip_prefix("!<tag:yaml.org,2002:")
            .and_then(|rest| rest.strip_suffix('>'))
        {
            rest
        } else {
            return Self::Other;
        };
        match name {
            "str" => Self::Str,
            "int" => Self::Int,
            "float" => Self::Float,
            "bool" => Self::Bool,
            "null" => Self::Null,
            "binary" => Self::Binary,
            "timestamp" => Self::Timestamp,
            "merge" => Self::Merge,
            _ => Self::Other,
        }
    }

    fn short_name(self) -> &'static str {
        match self {
            Self::Str | Self::None | Self::Other | Self::Binary | Self::Merge => "!!str",
            Self::Int => "!!int",
            Self::Float => "!!float",
            Self::Bool => "!!bool",
            Self::Null => "!!null",
            Self::Timestamp => "!!timestamp",
        }
    }
}

/// Resolves the text of a plain (unquoted, untagged) scalar.
pub(crate) fn resolve_plain(text: &str) -> Resolved {
    let Some(&first) = text.as_bytes().first() else {
        return Resolved::Null;
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            resolve_word(text)
        }
        b'.' => resolve_dot(text),
        b'0'..=b'9' | b'+' | b'-' => resolve_number(text),
        _ => Resolved::Str,
    }
}

/// Resolves a scalar carrying an explicit tag; quoted scalars resolve too when tagged.
pub(crate) fn resolve_tagged(text: &str, tag: Tag) -> Result<Resolved, ErrorKind> {
    let resolved = match tag {
        Tag::None => return Ok(resolve_plain(text)),
        Tag::Str | Tag::Binary | Tag::Other | Tag::Merge => return Ok(Resolved::Str),
        Tag::Int | Tag::Float | Tag::Bool | Tag::Null | Tag::Timestamp => resolve_plain(text),
    };
    let fits = match (tag, resolved) {
        (Tag::Int, Resolved::Int(_) | Resolved::Uint(_))
        | (Tag::Float, Resolved::Float(_))
        | (Tag::Bool, Resolved::Bool(_))
        | (Tag::Null, Resolved::Null) => true,
        (Tag::Float, Resolved::Int(value)) => {
            #[allow(clippy::cast_precision_loss)]
            // go-yaml converts int64 to float64 the same way
            return Ok(Resolved::Float(value as f64));
        }
        (Tag::Timestamp, Resolved::Str) if looks_like_timestamp(text) => true,
        _ => false,
    };
    if fits {
        Ok(resolved)
    } else {
        let found = match resolved {
            Resolved::Null => "!!null",
            Resolved::Bool(_) => "!!bool",
            Resolved::Int(_) | Resolved::Uint(_) => "!!int",
            Resolved::Float(_) => "!!float",
            Resolved::Str => "!!str",
        };
        Err(ErrorKind::TagMismatch(format!(
            "cannot decode {found} `{text}` as a {}",
            tag.short_name()
        )))
    }
}

/// go-yaml v2's quick check before it tries timestamp formats: four digits and a dash.
fn looks_like_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() > 4 && bytes.iter().take(4).all(u8::is_ascii_digit) && bytes.get(4) == Some(&b'-')
}

fn resolve_word(text: &str) -> Resolved {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => Resolved::Null,
        _ => Resolved::Str,
    }
}

fn resolve_dot(text: &str) -> Resolved {
    match text {
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" => Resolved::Float(f64::INFINITY),
        _ if is_yaml_float(text) => parse_finite(text),
        _ => Resolved::Str,
    }
}

fn resolve_number(text: &str) -> Resolved {
    match text {
        "+.inf" | "+.Inf" | "+.INF" => return Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let plain: Cow<'_, str> = if text.contains('_') {
        Cow::Owned(text.replace('_', ""))
    } else {
        Cow::Borrowed(text)
    };
    if let Some(value) = go_parse_int(&plain) {
        return Resolved::Int(value);
    }
    if let Some(value) = go_parse_uint_base0(&plain) {
        return Resolved::Uint(value);
    }
    if is_yaml_float(&plain) {
        if let Resolved::Float(value) = parse_finite(&plain) {
            return Resolved::Float(value);
        }
    }
    if let Some(rest) = plain.strip_prefix("0b") {
        if let Some(value) = parse_signed_radix(rest, 2) {
            return Resolved::Int(value);
        }
        if let Some(value) = parse_digits(rest.as_bytes(), 2) {
            return Resolved::Uint(value);
        }
    } else if let Some(rest) = plain.strip_prefix("-0b") {
        if let Some(value) = parse_digits(rest.as_bytes(), 2).and_then(negate) {
            return Resolved::Int(value);
        }
    }
    Resolved::Str
}

/// Parses already-validated float text; an overflow to infinity keeps the text a string.
fn parse_finite(text: &str) -> Resolved {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Resolved::Float(value),
        _ => Resolved::Str,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
pub(crate) fn is_yaml_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// Go's `strconv.ParseInt(s, 0, 64)` (after underscores were removed).
fn go_parse_int(text: &str) -> Option<i64> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'+' => (false, text.get(1..)?),
        b'-' => (true, text.get(1..)?),
        _ => (false, text),
    };
    let magnitude = go_parse_uint_base0(rest)?;
    if negative {
        negate(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

fn negate(magnitude: u64) -> Option<i64> {
    if magnitude == 1 << 63 {
        Some(i64::MIN)
    } else {
        i64::try_from(magnitude).ok().map(|value| -value)
    }
}

/// Go's `strconv.ParseInt(s, base, 64)` with an explicit base, which accepts a sign.
fn parse_signed_radix(text: &str, radix: u64) -> Option<i64> {
    match text.as_bytes().first()? {
        b'+' => i64::try_from(parse_digits(text.get(1..)?.as_bytes(), radix)?).ok(),
        b'-' => negate(parse_digits(text.get(1..)?.as_bytes(), radix)?),
        _ => i64::try_from(parse_digits(text.as_bytes(), radix)?).ok(),
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`: `0x`, `0o`, `0b` prefixes and a leading `0` for octal.
fn go_parse_uint_base0(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    let (radix, digits) = if bytes.first() == Some(&b'0') {
        match bytes.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if bytes.len() >= 3 => (2, bytes.get(2..)?),
            Some(b'o') if bytes.len() >= 3 => (8, bytes.get(2..)?),
            Some(b'x') if bytes.len() >= 3 => (16, bytes.get(2..)?),
            _ => (8, bytes.get(1..)?),
        }
    } else {
        (10, bytes)
    };
    if radix != 8 && digits.is_empty() {
        return None;
    }
    parse_digits(digits, radix)
}

/// Digits in `radix` with overflow checking; empty input parses as 0 only for the
/// octal case of a lone `0`, which the caller handles.
fn parse_digits(digits: &[u8], radix: u64) -> Option<u64> {
    let mut value: u64 = 0;
    for &byte in digits {
        let digit = match byte {
            b'0'..=b'9' => u64::from(byte - b'0'),
            b'a'..=b'z' => u64::from(byte - b'a') + 10,
            b'A'..=b'Z' => u64::from(byte - b'A') + 10,
            _ => return None,
        };
        if digit >= radix {
            return None;
        }
        value = value.checked_mul(radix)?.checked_add(digit)?;
    }
    if digits.is_empty() && radix != 8 {
        return None;
    }
    Some(value)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`, with sigs.k8s.io/yaml's names for the
/// non-finite values: how a float mapping key becomes a string.
pub(crate) fn go_format_float32(value: f64) -> String {
    #[allow(clippy::cast_possible_truncation)] // Go formats the key as a float32 too
    let narrow = value as f32;
    if narrow.is_nan() {
        return ".nan".to_owned();
    }
    if narrow.is_infinite() {
        return if narrow > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    // Shortest digits that round-trip as f32, e.g. "1.5e-3" or "-2e0".
    let scientific = format!("{narrow:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits = if digits.chars().all(|c| c == '0') {
        "0".to_owned()
    } else {
        digits
    };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    let count = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if digits == "0" {
        out.push('0');
    } else if !(-4..6).contains(&exponent) {
        let (head, tail) = digits.split_at_checked(1).unwrap_or((&digits, ""));
        out.push_str(head);
        if !tail.is_empty() {
            out.push('.');
            out.push_str(tail);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(&magnitude.to_string());
    } else {
        let point = exponent + 1; // digits before the decimal point
        if point <= 0 {
            out.push_str("0.");
            for _ in 0..-point {
                out.push('0');
            }
            out.push_str(&digits);
        } else if point >= count {
            out.push_str(&digits);
            for _ in 0..point - count {
                out.push('0');
            }
        } else {
            let split = usize::try_from(point).unwrap_or(0);
            let (int_part, frac_part) = digits.split_at_checked(split).unwrap_or((&digits, ""));
            out.push_str(int_part);
            out.push('.');
            out.push_str(frac_part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Resolved) {
        let got = resolve_plain(text);
        match (got, expected) {
            (Resolved::Float(a), Resolved::Float(b)) if a.is_nan() && b.is_nan() => {}
            _ => assert_eq!(got, expected, "resolving {text:?}"),
        }
    }

    #[test]
    fn nulls() {
        for text in ["", "~", "null", "Null", "NULL"] {
            check(text, Resolved::Null);
        }
        for text in ["nULL", "nil", "None"] {
            check(text, Resolved::Str);
        }
    }

    #[test]
    fn yaml_1_1_booleans() {
        for text in [
            "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
        ] {
            check(text, Resolved::Bool(true));
        }
        for text in [
            "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
        ] {
            check(text, Resolved::Bool(false));
        }
        for text in ["yES", "tRUE", "oN", "nO", "offf", "t", "f"] {
            check(text, Resolved::Str);
        }
    }

    #[test]
    fn go_integer_syntax() {
        let cases: &[(&str, Resolved)] = &[
            ("0", Resolved::Int(0)),
            ("-0", Resolved::Int(0)),
            ("+12", Resolved::Int(12)),
            ("-12", Resolved::Int(-12)),
            ("0644", Resolved::Int(420)),
            ("0o17", Resolved::Int(15)),
            ("0O17", Resolved::Int(15)),
            ("0x1F", Resolved::Int(31)),
            ("0X1f", Resolved::Int(31)),
            ("-0x10", Resolved::Int(-16)),
            ("0b101", Resolved::Int(5)),
            ("-0b101", Resolved::Int(-5)),
            ("1_000", Resolved::Int(1000)),
            ("0b1_0", Resolved::Int(2)),
            ("0b-1", Resolved::Int(-1)),
            ("9223372036854775807", Resolved::Int(i64::MAX)),
            ("-9223372036854775808", Resolved::Int(i64::MIN)),
            (
                "9223372036854775808",
                Resolved::Uint(9_223_372_036_854_775_808),
            ),
            ("18446744073709551615", Resolved::Uint(u64::MAX)),
            // Not an octal integer, but the float pattern matches.
            ("08", Resolved::Float(8.0)),
            ("0799", Resolved::Float(799.0)),
            (
                "18446744073709551616",
                Resolved::Float(18_446_744_073_709_551_616.0),
            ),
            (
                "+18446744073709551615",
                Resolved::Float(18_446_744_073_709_551_615.0),
            ),
            ("0x", Resolved::Str),
            ("0b", Resolved::Str),
            ("0o", Resolved::Str),
            ("0xG", Resolved::Str),
            ("-", Resolved::Str),
            ("+", Resolved::Str),
            ("-_", Resolved::Str),
            ("1-2", Resolved::Str),
            ("2024-01-02", Resolved::Str),
            ("2001-12-14t21:59:43.10-05:00", Resolved::Str),
            ("12:30", Resolved::Str),
            ("1.2.3", Resolved::Str),
            ("123abc", Resolved::Str),
        ];
        for (text, expected) in cases {
            check(text, *expected);
        }
    }

    #[test]
    fn floats() {
        let cases: &[(&str, Resolved)] = &[
            ("1.5", Resolved::Float(1.5)),
            ("-1.5", Resolved::Float(-1.5)),
            ("+1.5", Resolved::Float(1.5)),
            ("1.", Resolved::Float(1.0)),
            ("1e3", Resolved::Float(1000.0)),
            ("1E3", Resolved::Float(1000.0)),
            ("1.e3", Resolved::Float(1000.0)),
            ("1e+3", Resolved::Float(1000.0)),
            ("1e-3", Resolved::Float(0.001)),
            ("+.5", Resolved::Float(0.5)),
            ("-.5", Resolved::Float(-0.5)),
            (".5", Resolved::Float(0.5)),
            (".5e1", Resolved::Float(5.0)),
            ("1_000.5", Resolved::Float(1000.5)),
            ("1e400", Resolved::Str),
            (".1e999", Resolved::Str),
            ("1e", Resolved::Str),
            ("1e+", Resolved::Str),
            (".", Resolved::Str),
            (".e5", Resolved::Str),
            (".5_0", Resolved::Str),
            ("._5", Resolved::Str),
            (".iNf", Resolved::Str),
            ("1.5.", Resolved::Str),
            (".inf", Resolved::Float(f64::INFINITY)),
            (".Inf", Resolved::Float(f64::INFINITY)),
            (".INF", Resolved::Float(f64::INFINITY)),
            ("+.inf", Resolved::Float(f64::INFINITY)),
            ("-.Inf", Resolved::Float(f64::NEG_INFINITY)),
            (".nan", Resolved::Float(f64::NAN)),
            (".NaN", Resolved::Float(f64::NAN)),
            (".NAN", Resolved::Float(f64::NAN)),
            ("-.nan", Resolved::Str),
        ];
        for (text, expected) in cases {
            check(text, *expected);
        }
    }

    #[test]
    fn other_first_characters_are_strings() {
        for text in ["abc", "<<", "=", "_1", "@x", "Yes please", "true1"] {
            check(text, Resolved::Str);
        }
    }

    #[test]
    fn tags_force_or_check_types() {
        assert_eq!(resolve_tagged("12", Tag::Str), Ok(Resolved::Str));
        assert_eq!(resolve_tagged("12", Tag::Int), Ok(Resolved::Int(12)));
        assert_eq!(resolve_tagged("12", Tag::Float), Ok(Resolved::Float(12.0)));
        assert_eq!(resolve_tagged("yes", Tag::Bool), Ok(Resolved::Bool(true)));
        assert_eq!(resolve_tagged("~", Tag::Null), Ok(Resolved::Null));
        assert_eq!(resolve_tagged("", Tag::Null), Ok(Resolved::Null));
        assert_eq!(resolve_tagged("12", Tag::Other), Ok(Resolved::Str));
        assert_eq!(resolve_tagged("aGk=", Tag::Binary), Ok(Resolved::Str));
        assert_eq!(
            resolve_tagged("2001-12-14", Tag::Timestamp),
            Ok(Resolved::Str)
        );
        assert_eq!(
            resolve_tagged("abc", Tag::Int),
            Err(ErrorKind::TagMismatch(
                "cannot decode !!str `abc` as a !!int".into()
            ))
        );
        assert_eq!(
            resolve_tagged("1.5", Tag::Int),
            Err(ErrorKind::TagMismatch(
                "cannot decode !!float `1.5` as a !!int".into()
            ))
        );
        assert!(resolve_tagged("1", Tag::Bool).is_err());
        assert!(resolve_tagged("", Tag::Int).is_err());
        assert!(resolve_tagged("x", Tag::Timestamp).is_err());
    }

    #[test]
    fn tag_names() {
        assert_eq!(Tag::from_text("!!str"), Tag::Str);
        assert_eq!(Tag::from_text("!<tag:yaml.org,2002:int>"), Tag::Int);
        assert_eq!(Tag::from_text("!!map"), Tag::Other);
        assert_eq!(Tag::from_text("!foo"), Tag::Other);
        assert_eq!(Tag::from_text("!"), Tag::Other);
    }

    #[test]
    fn float_keys_format_like_go() {
        let cases: &[(f64, &str)] = &[
            (1.5, "1.5"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1000.0, "1000"),
            (123_456.0, "123456"),
            (1e6, "1e+06"),
            (1_234_567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.1, "0.1"),
            (1e30, "1e+30"),
            (1e300, ".inf"),
            (-1e300, "-.inf"),
            (3.25e-10, "3.25e-10"),
            (f64::NAN, ".nan"),
        ];
        for (value, expected) in cases {
            assert_eq!(go_format_float32(*value), *expected, "formatting {value}");
        }
    }
}
