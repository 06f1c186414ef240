//! `<string>.format(<list>)` of cel-go's strings extension as Kubernetes enables it (version
//! 2: the original `formatting.go`, numbers printed for the `en-US` locale).

use crate::error::{EvalError, EvalResult};
use crate::gofmt;
use crate::value::{Key, Value};

/// The largest precision accepted in `%.<n>f` and `%.<n>e`.
const MAX_PRECISION: usize = 100;

/// Formats `args` into `format`; errs with a cancellation once the output could not be
/// traversed within `budget`.
pub(super) fn format<'a>(
    format: &Value<'a>,
    args: &Value<'a>,
    budget: u64,
) -> EvalResult<Value<'a>> {
    let (Value::String(format), Value::List(args)) = (format, args) else {
        return Err(EvalError::NoSuchOverload);
    };
    let format = format.as_str();
    let bytes = format.as_bytes();
    let mut out = String::with_capacity(format.len());
    let mut i = 0;
    let mut arg_index = 0usize;
    while i < bytes.len() {
        let Some(rest) = format.get(i..) else { break };
        if !rest.starts_with('%') {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8().max(1);
            continue;
        }
        if rest.starts_with("%%") {
            out.push('%');
            i += 2;
            continue;
        }
        let arg = args
            .get(arg_index)
            .ok_or_else(|| EvalError::msg(format!("index {arg_index} out of range")))?;
        if i + 1 >= bytes.len() {
            return Err(EvalError::msg("unexpected end of string"));
        }
        let (read, clause) = parse_clause(rest.get(1..).unwrap_or(""))
            .map_err(|e| EvalError::msg(format!("could not parse formatting clause: {e}")))?;
        let text = clause
            .apply(&arg)
            .map_err(|e| EvalError::msg(format!("error during formatting: {e}")))?;
        out.push_str(&text);
        if crate::cost::traversal(out.len() as u64) > budget {
            return Err(EvalError::CostLimitExceeded);
        }
        i += 1 + read;
        arg_index += 1;
    }
    Ok(Value::string(out))
}

enum Clause {
    String,
    Decimal,
    Fixed(usize),
    Scientific(usize),
    Binary,
    Hex(bool),
    Octal,
}

fn parse_clause(text: &str) -> Result<(usize, Clause), String> {
    let mut i = 0;
    let mut precision = None;
    if text.starts_with('.') {
        let digits: String = text
            .get(1..)
            .unwrap_or("")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if 1 + digits.len() >= text.len() {
            return Err(
                "error while parsing precision: could not find end of precision specifier".into(),
            );
        }
        let value: usize = digits.parse().map_err(|e| {
            format!(
                "error while parsing precision: error while converting precision to integer: {e}"
            )
        })?;
        if value > MAX_PRECISION {
            return Err(format!(
                "error while parsing precision: precision {value} exceeds maximum allowed precision {MAX_PRECISION}"
            ));
        }
        precision = Some(value);
        i = 1 + digits.len();
    }
    let verb = text.get(i..).and_then(|s| s.chars().next()).unwrap_or(' ');
    let clause = match verb {
        's' => Clause::String,
        'd' => Clause::Decimal,
        'f' => Clause::Fixed(precision.unwrap_or(6)),
        'e' => Clause::Scientific(precision.unwrap_or(6)),
        'b' => Clause::Binary,
        'x' => Clause::Hex(false),
        'X' => Clause::Hex(true),
        'o' => Clause::Octal,
        other => return Err(format!("unrecognized formatting clause \"{other}\"")),
    };
    Ok((i + verb.len_utf8(), clause))
}

impl Clause {
    fn apply(&self, arg: &Value<'_>) -> Result<String, String> {
        let type_name = arg.type_of().name();
        match self {
            Clause::String => format_string(arg),
            Clause::Decimal => decimal(arg).ok_or_else(|| {
                format!("decimal clause can only be used on integers, was given {type_name}")
            }),
            Clause::Fixed(precision) => float_arg(arg)
                .map(|d| localized_fixed(d, *precision))
                .ok_or_else(|| {
                    format!("fixed-point clause can only be used on doubles, was given {type_name}")
                }),
            Clause::Scientific(precision) => float_arg(arg)
                .map(|d| localized_scientific(d, *precision))
                .ok_or_else(|| {
                    format!("scientific clause can only be used on doubles, was given {type_name}")
                }),
            Clause::Binary => match arg {
                Value::Int(i) => Ok(signed_radix(*i, |u| format!("{u:b}"))),
                Value::Uint(u) => Ok(format!("{u:b}")),
                Value::Bool(b) => Ok(if *b { "1" } else { "0" }.into()),
                _ => Err(format!(
                    "only integers and bools can be formatted as binary, was given {type_name}"
                )),
            },
            Clause::Hex(upper) => {
                let text = match arg {
                    Value::Int(i) => signed_radix(*i, |u| format!("{u:x}")),
                    Value::Uint(u) => format!("{u:x}"),
                    Value::String(s) => hex_bytes(s.as_str().as_bytes()),
                    Value::Bytes(b) => hex_bytes(b),
                    _ => {
                        return Err(format!(
                            "only integers, byte buffers, and strings can be formatted as hex, was given {type_name}"
                        ))
                    }
                };
                Ok(if *upper { text.to_uppercase() } else { text })
            }
            Clause::Octal => match arg {
                Value::Int(i) => Ok(signed_radix(*i, |u| format!("{u:o}"))),
                Value::Uint(u) => Ok(format!("{u:o}")),
                _ => Err(format!(
                    "octal clause can only be used on integers, was given {type_name}"
                )),
            },
        }
    }
}

fn signed_radix(i: i64, digits: impl Fn(u64) -> String) -> String {
    if i < 0 {
        format!("-{}", digits(i.unsigned_abs()))
    } else {
        digits(i as u64)
    }
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decimal(arg: &Value<'_>) -> Option<String> {
    match arg {
        Value::Int(i) => Some(i.to_string()),
        Value::Uint(u) => Some(u.to_string()),
        _ => None,
    }
}

/// A double, or one of the strings `NaN`, `Infinity`, `-Infinity`.
fn float_arg(arg: &Value<'_>) -> Option<f64> {
    match arg {
        Value::Double(d) => Some(*d),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

fn non_finite(d: f64) -> Option<String> {
    if d.is_nan() {
        Some("NaN".into())
    } else if d.is_infinite() {
        Some(if d > 0.0 { "∞" } else { "-∞" }.into())
    } else {
        None
    }
}

/// `%.<p>f` as golang.org/x/text prints it for en-US: digit grouping with commas.
fn localized_fixed(d: f64, precision: usize) -> String {
    if let Some(text) = non_finite(d) {
        return text;
    }
    let plain = gofmt::format_f(d, precision);
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// `%.<p>e` as golang.org/x/text prints it for en-US: `2.718280 × 10⁰⁰`.
fn localized_scientific(d: f64, precision: usize) -> String {
    if let Some(text) = non_finite(d) {
        return text;
    }
    let plain = gofmt::format_e(d, precision);
    let (mantissa, exponent) = plain.split_once('e').unwrap_or((&plain, "+00"));
    let superscript: String = exponent
        .chars()
        .filter_map(|c| match c {
            '-' => Some('⁻'),
            '+' => None,
            d => d.to_digit(10).and_then(|n| {
                ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹']
                    .get(n as usize)
                    .copied()
            }),
        })
        .collect();
    format!("{mantissa}\u{202f}×\u{202f}10{superscript}")
}

/// The `%s` clause.
fn format_string(arg: &Value<'_>) -> Result<String, String> {
    match arg {
        Value::List(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items.iter() {
                parts.push(nested(&item)?);
            }
            Ok(format!("[{}]", parts.join(", ")))
        }
        Value::Map(map) => {
            let mut pairs = Vec::with_capacity(map.len());
            for (key, value) in map.iter() {
                let key_text = match &key {
                    Key::String(s) => go_quote(s.as_str()),
                    Key::Bool(b) => b.to_string(),
                    Key::Int(i) => i.to_string(),
                    Key::Uint(u) => u.to_string(),
                };
                pairs.push((key_text, nested(&value)?));
            }
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            let parts: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
            Ok(format!("{{{}}}", parts.join(", ")))
        }
        Value::Null => Ok("null".into()),
        Value::Int(_)
        | Value::Uint(_)
        | Value::Double(_)
        | Value::Bool(_)
        | Value::String(_)
        | Value::Timestamp(_)
        | Value::Bytes(_)
        | Value::Duration(_)
        | Value::Type(_) => super::standard::to_string(arg)
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .map_err(|e| e.to_string()),
        other => Err(format!(
            "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given {}",
            other.type_of().name()
        )),
    }
}

/// An element of a list or map inside `%s`.
fn nested(value: &Value<'_>) -> Result<String, String> {
    Ok(match value {
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Double(d) => {
            let text = gofmt::format_f(*d, 6);
            if d.is_finite() {
                text
            } else {
                go_quote(&text)
            }
        }
        Value::String(s) => go_quote(s.as_str()),
        Value::Bytes(_) => format!("b{}", go_quote(&format_string(value)?)),
        Value::Timestamp(t) => format!("timestamp({})", go_quote(&t.to_string())),
        Value::Duration(d) => format!("duration({})", go_quote(&crate::time::duration_string(*d))),
        Value::Bool(_) | Value::Null | Value::Type(_) | Value::List(_) | Value::Map(_) => {
            format_string(value)?
        }
        other => {
            return Err(format!(
                "no formatting function for {}",
                other.type_of().name()
            ))
        }
    })
}

/// Go's `%q`: a double-quoted string with Go escapes.
pub(crate) fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if let Some(escape) = super::strings::letter_escape(c) {
            out.push_str(escape);
            continue;
        }
        match c {
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(format_text: &str, args: Vec<Value<'static>>) -> Result<String, String> {
        format(&Value::string(format_text), &Value::list(args), u64::MAX)
            .map(|v| v.as_str().unwrap().to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn clauses() {
        assert_eq!(
            fmt("%s and %d", vec!["str".into(), 42i64.into()]).unwrap(),
            "str and 42"
        );
        assert_eq!(fmt("%%%s%%", vec!["text".into()]).unwrap(), "%text%");
        assert_eq!(fmt("%.3f", vec![1.2345.into()]).unwrap(), "1.234");
        assert_eq!(fmt("%f", vec![1.234_56.into()]).unwrap(), "1.234560");
        assert_eq!(fmt("%f", vec![1234.5.into()]).unwrap(), "1,234.500000");
        assert_eq!(
            fmt("%e", vec![1.234_56.into()]).unwrap(),
            "1.234560\u{202f}×\u{202f}10⁰⁰"
        );
        assert_eq!(
            fmt("%.6e", vec![1052.032911275.into()]).unwrap(),
            "1.052033\u{202f}×\u{202f}10⁰³"
        );
        assert_eq!(fmt("%b", vec![5i64.into()]).unwrap(), "101");
        assert_eq!(fmt("%b", vec![(-5i64).into()]).unwrap(), "-101");
        assert_eq!(fmt("%x", vec![30i64.into()]).unwrap(), "1e");
        assert_eq!(fmt("%X", vec![30i64.into()]).unwrap(), "1E");
        assert_eq!(
            fmt("%x", vec!["Hello world!".into()]).unwrap(),
            "48656c6c6f20776f726c6421"
        );
        assert_eq!(fmt("%o", vec![11i64.into()]).unwrap(), "13");
        assert_eq!(fmt("%s", vec![2.71.into()]).unwrap(), "2.71");
        assert_eq!(
            fmt("%s", vec![Value::list(vec![2.71.into()])]).unwrap(),
            "[2.710000]"
        );
        assert_eq!(fmt("%s", vec![Value::Null]).unwrap(), "null");
        assert_eq!(fmt("%f", vec!["NaN".into()]).unwrap(), "NaN");
        assert_eq!(fmt("%f", vec!["-Infinity".into()]).unwrap(), "-∞");
    }

    #[test]
    fn errors() {
        assert_eq!(
            fmt("%a", vec![1i64.into()]).unwrap_err(),
            "could not parse formatting clause: unrecognized formatting clause \"a\""
        );
        assert_eq!(
            fmt("%d %d %d", vec![0i64.into(), 1i64.into()]).unwrap_err(),
            "index 2 out of range"
        );
        assert_eq!(
            fmt("string is %b", vec!["abc".into()]).unwrap_err(),
            "error during formatting: only integers and bools can be formatted as binary, was given string"
        );
    }
}
