//! Functions kanon adds to (or replaces in) regorus so templates behave as under OPA:
//! `sprintf` with Go's `fmt` rendering, the deprecated `re_match`, `any` and `all` that older
//! templates (Azure Policy's among them) still call, and Gatekeeper's `external_data`.

use regorus::Value;
use std::fmt::Write as _;

/// Names and argument counts of the functions [`register`] adds.
pub(crate) const EXTENSIONS: &[(&str, u8)] = &[
    ("sprintf", 2),
    ("re_match", 2),
    ("any", 1),
    ("all", 1),
    ("external_data", 1),
    ("cast_array", 1),
    ("cast_set", 1),
];

/// Adds kanon's functions to an engine.
pub(crate) fn register(engine: &mut regorus::Engine) -> anyhow::Result<()> {
    engine.add_extension("sprintf".into(), 2, Box::new(sprintf_ext))?;
    engine.add_extension("re_match".into(), 2, Box::new(re_match))?;
    engine.add_extension(
        "any".into(),
        1,
        Box::new(|args: Vec<Value>| any_all(args, true)),
    )?;
    engine.add_extension(
        "all".into(),
        1,
        Box::new(|args: Vec<Value>| any_all(args, false)),
    )?;
    engine.add_extension("external_data".into(), 1, Box::new(external_data))?;
    engine.add_extension("cast_array".into(), 1, Box::new(cast_array))?;
    engine.add_extension("cast_set".into(), 1, Box::new(cast_set))?;
    Ok(())
}

fn sprintf_ext(args: Vec<Value>) -> anyhow::Result<Value> {
    let (Some(Value::String(format)), Some(list)) = (args.first(), args.get(1)) else {
        anyhow::bail!("sprintf: operand 1 must be string");
    };
    let Value::Array(items) = list else {
        anyhow::bail!("sprintf: operand 2 must be array");
    };
    let args: Vec<GoArg> = items.iter().map(GoArg::from_value).collect();
    Ok(Value::from(sprintf(format, &args)))
}

fn re_match(args: Vec<Value>) -> anyhow::Result<Value> {
    let (Some(Value::String(pattern)), Some(Value::String(value))) = (args.first(), args.get(1))
    else {
        anyhow::bail!("re_match: operands must be strings");
    };
    let regex = regex::Regex::new(pattern)
        .map_err(|e| anyhow::anyhow!("re_match: invalid regular expression: {e}"))?;
    Ok(Value::Bool(regex.is_match(value)))
}

/// OPA's deprecated `any`/`all` over an array or set of values (`true` counts, anything else
/// does not).
fn any_all(args: Vec<Value>, any: bool) -> anyhow::Result<Value> {
    let name = if any { "any" } else { "all" };
    let items: Vec<&Value> = match args.first() {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Set(s)) => s.iter().collect(),
        _ => anyhow::bail!("{name}: operand 1 must be one of {{array, set}}"),
    };
    let truth = |v: &&Value| matches!(v, Value::Bool(true));
    Ok(Value::Bool(if any {
        items.iter().any(truth)
    } else {
        items.iter().all(truth)
    }))
}

/// OPA's deprecated `cast_array`: an array or set as an array.
fn cast_array(args: Vec<Value>) -> anyhow::Result<Value> {
    match args.into_iter().next() {
        Some(v @ Value::Array(_)) => Ok(v),
        Some(Value::Set(s)) => Ok(Value::from(s.iter().cloned().collect::<Vec<_>>())),
        _ => anyhow::bail!("cast_array: operand 1 must be one of {{array, set}}"),
    }
}

/// OPA's deprecated `cast_set`: an array or set as a set.
fn cast_set(args: Vec<Value>) -> anyhow::Result<Value> {
    match args.into_iter().next() {
        Some(v @ Value::Set(_)) => Ok(v),
        Some(Value::Array(a)) => Ok(Value::from(
            a.iter().cloned().collect::<std::collections::BTreeSet<_>>(),
        )),
        _ => anyhow::bail!("cast_set: operand 1 must be one of {{array, set}}"),
    }
}

/// Gatekeeper's `external_data`: there are no external data providers offline, so every key
/// comes back as an error and `system_error` says why (templates check these fields).
fn external_data(args: Vec<Value>) -> anyhow::Result<Value> {
    let request = args.first().cloned().unwrap_or(Value::Null);
    let field = |name: &str| -> Value {
        match &request {
            Value::Object(o) => o.get(&Value::from(name)).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    };
    let provider = match field("provider") {
        Value::String(s) => s.to_string(),
        _ => String::new(),
    };
    let reason =
        format!("external data provider {provider:?} is not available (kanon evaluates offline)");
    let keys: Vec<Value> = match field("keys") {
        Value::Array(a) => a.iter().cloned().collect(),
        Value::Set(s) => s.iter().cloned().collect(),
        _ => Vec::new(),
    };
    let errors: Vec<Value> = keys
        .into_iter()
        .map(|k| Value::from(vec![k, Value::from(reason.as_str())]))
        .collect();
    let mut out = std::collections::BTreeMap::new();
    out.insert(Value::from("responses"), Value::from(Vec::<Value>::new()));
    out.insert(Value::from("errors"), Value::from(errors));
    out.insert(Value::from("status_code"), Value::from(503u64));
    out.insert(Value::from("system_error"), Value::from(reason.as_str()));
    Ok(Value::from(out))
}

/// An argument as OPA hands it to Go's `fmt.Sprintf`: integers as `int` (or `*big.Int`),
/// other numbers as `float64`, strings as `string`, everything else as its Rego text (a
/// `string`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum GoArg {
    /// A Go `int`.
    Int(i64),
    /// A `*big.Int` (decimal digits, maybe with a sign).
    Big(String),
    /// A `float64`.
    Float(f64),
    /// A `string`.
    Str(String),
}

impl GoArg {
    pub(crate) fn from_value(value: &Value) -> GoArg {
        match value {
            Value::Number(n) => {
                if let Some(i) = n.as_i64().filter(|_| n.is_integer()) {
                    GoArg::Int(i)
                } else if n.is_integer() {
                    GoArg::Big(rego_text(value))
                } else {
                    GoArg::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => GoArg::Str(s.to_string()),
            other => GoArg::Str(rego_text(other)),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            GoArg::Int(_) => "int",
            GoArg::Big(_) => "*big.Int",
            GoArg::Float(_) => "float64",
            GoArg::Str(_) => "string",
        }
    }

    /// `%v` of the value (what Go prints inside `%!x(type=value)`).
    fn plain(&self) -> String {
        match self {
            GoArg::Int(i) => i.to_string(),
            GoArg::Big(s) | GoArg::Str(s) => s.clone(),
            GoArg::Float(f) => go_float(*f, 'g', None),
        }
    }
}

/// A Rego value as OPA's `Term.String()` writes it: strings quoted, sets `{a, b}` (`set()` when
/// empty), objects `{"k": v}`.
pub(crate) fn rego_text(value: &Value) -> String {
    let mut out = String::new();
    write_rego(value, &mut out);
    out
}

fn write_rego(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64().filter(|_| n.is_integer()) {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64().filter(|_| n.is_integer()) {
                let _ = write!(out, "{u}");
            } else if n.is_integer() {
                out.push_str(&n.format_decimal());
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                let _ = write!(out, "{f}");
            }
        }
        Value::String(s) => out.push_str(&go_quote(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_rego(item, out);
            }
            out.push(']');
        }
        Value::Set(items) => {
            if items.is_empty() {
                out.push_str("set()");
                return;
            }
            out.push('{');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_rego(item, out);
            }
            out.push('}');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_rego(k, out);
                out.push_str(": ");
                write_rego(v, out);
            }
            out.push('}');
        }
        Value::Undefined => out.push_str("undefined"),
    }
}

/// Go's `strconv.Quote`.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Formats like Go's `fmt.Sprintf`, including its in-band error text: `%!v(MISSING)` for a
/// verb without argument, `%!(EXTRA type=value, ...)` for arguments left over, `%!d(string=x)`
/// for a verb that does not fit its argument.
pub(crate) fn sprintf(format: &str, args: &[GoArg]) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let mut next = 0usize;
    // Go reports unused arguments only when no explicit index was used.
    let mut reordered = false;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                '#' => spec.sharp = true,
                _ => break,
            }
            chars.next();
        }
        match read_number(&mut chars, args, &mut next) {
            Ok(width) => spec.width = width,
            Err(()) => out.push_str("%!(BADWIDTH)"),
        }
        if chars.peek() == Some(&'.') {
            chars.next();
            match read_number(&mut chars, args, &mut next) {
                Ok(precision) => spec.precision = Some(precision.unwrap_or(0)),
                Err(()) => out.push_str("%!(BADPREC)"),
            }
        }
        // `%[n]v`: an explicit (1-based) argument index.
        let mut bad_index = false;
        if chars.peek() == Some(&'[') {
            chars.next();
            let digits: String =
                std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect();
            match (chars.next_if_eq(&']'), digits.parse::<usize>()) {
                (Some(_), Ok(n)) if n >= 1 && n <= args.len() => {
                    next = n - 1;
                    reordered = true;
                }
                _ => bad_index = true,
            }
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        if bad_index {
            let _ = write!(out, "%!{verb}(BADINDEX)");
            reordered = true;
            continue;
        }
        let Some(arg) = args.get(next) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        next += 1;
        format_one(&mut out, verb, &spec, arg);
    }
    if !reordered && next < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, arg) in args.iter().enumerate().skip(next) {
            if i > next {
                out.push_str(", ");
            }
            let _ = write!(out, "{}={}", arg.type_name(), arg.plain());
        }
        out.push(')');
    }
    out
}

#[derive(Debug, Default)]
struct Spec {
    minus: bool,
    plus: bool,
    zero: bool,
    space: bool,
    sharp: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// Go's limit on widths and precisions (`fmt`'s `tooLarge`).
const MAX_WIDTH: usize = 1_000_000;

/// A width or precision: digits, or `*` taking an int argument. `Err` when it is not an int
/// or larger than Go allows (`%!(BADWIDTH)`/`%!(BADPREC)`).
fn read_number(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    args: &[GoArg],
    next: &mut usize,
) -> Result<Option<usize>, ()> {
    if chars.peek() == Some(&'*') {
        chars.next();
        let n = match args.get(*next) {
            Some(GoArg::Int(i)) => usize::try_from(i.unsigned_abs()).ok(),
            _ => None,
        };
        *next += 1;
        return match n {
            Some(n) if n <= MAX_WIDTH => Ok(Some(n)),
            _ => Err(()),
        };
    }
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        chars.next();
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
        if n.is_some_and(|n| n > MAX_WIDTH) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            return Err(());
        }
    }
    Ok(n)
}

fn bad_verb(out: &mut String, verb: char, arg: &GoArg) {
    let _ = write!(out, "%!{verb}({}={})", arg.type_name(), arg.plain());
}

fn format_one(out: &mut String, verb: char, spec: &Spec, arg: &GoArg) {
    let body = match (verb, arg) {
        ('T', _) => arg.type_name().to_owned(),
        ('v' | 'd', GoArg::Int(i)) => signed(i.to_string(), spec),
        ('v' | 'd', GoArg::Big(s)) => signed(s.clone(), spec),
        ('x' | 'X' | 'o' | 'b' | 'O', GoArg::Int(i)) => {
            let magnitude = i.unsigned_abs();
            let digits = match verb {
                'x' => format!("{magnitude:x}"),
                'X' => format!("{magnitude:X}"),
                'o' | 'O' => format!("{magnitude:o}"),
                _ => format!("{magnitude:b}"),
            };
            let prefix = match (verb, spec.sharp) {
                ('x', true) => "0x",
                ('X', true) => "0X",
                ('o', true) => "0",
                ('O', _) => "0o",
                _ => "",
            };
            let sign = if *i < 0 { "-" } else { "" };
            format!("{sign}{prefix}{digits}")
        }
        ('c', GoArg::Int(i)) => u32::try_from(*i)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or('\u{fffd}')
            .to_string(),
        ('q', GoArg::Int(i)) => {
            let c = u32::try_from(*i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            format!("'{c}'")
        }
        ('v', GoArg::Float(f)) => signed(go_float(*f, 'g', spec.precision), spec),
        ('e' | 'E' | 'f' | 'F' | 'g' | 'G', GoArg::Float(f)) => {
            let precision = spec.precision.or(match verb {
                'g' | 'G' => None,
                _ => Some(6),
            });
            signed(go_float(*f, verb, precision), spec)
        }
        ('v' | 's', GoArg::Str(s)) => match spec.precision {
            Some(p) => s.chars().take(p).collect(),
            None => s.clone(),
        },
        ('q', GoArg::Str(s)) => go_quote(s),
        ('x' | 'X', GoArg::Str(s)) => s
            .bytes()
            .map(|b| {
                if verb == 'x' {
                    format!("{b:02x}")
                } else {
                    format!("{b:02X}")
                }
            })
            .collect(),
        _ => {
            bad_verb(out, verb, arg);
            return;
        }
    };
    pad(
        out,
        &body,
        spec,
        matches!(arg, GoArg::Int(_) | GoArg::Big(_) | GoArg::Float(_)),
    );
}

fn signed(digits: String, spec: &Spec) -> String {
    if digits.starts_with('-') {
        digits
    } else if spec.plus {
        format!("+{digits}")
    } else if spec.space {
        format!(" {digits}")
    } else {
        digits
    }
}

fn pad(out: &mut String, body: &str, spec: &Spec, numeric: bool) {
    let len = body.chars().count();
    let width = spec.width.unwrap_or(0);
    if len >= width {
        out.push_str(body);
        return;
    }
    let fill = width - len;
    if spec.minus {
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if spec.zero && numeric {
        let (sign, rest) = match body.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (Some(c), &body[1..]),
            _ => (None, body),
        };
        if let Some(sign) = sign {
            out.push(sign);
        }
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(rest);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(body);
    }
}

/// Go's `strconv.FormatFloat(f, verb, precision, 64)` for `e`, `f` and `g` (and their upper-case
/// forms); `None` precision is the shortest representation that reads back exactly.
pub(crate) fn go_float(f: f64, verb: char, precision: Option<usize>) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let upper = verb.is_ascii_uppercase();
    let out = match verb.to_ascii_lowercase() {
        'f' => match precision {
            Some(p) => format!("{f:.p$}"),
            None => format!("{f}"),
        },
        'e' => go_exponent(f, precision),
        _ => {
            // %g: the exponent form when the exponent is < -4 or >= the precision (6 for the
            // shortest form), trailing zeros removed.
            let (digits, exp) = decimal_digits(f, precision.map(|p| p.max(1)));
            let eprec = match precision {
                None => 6,
                Some(p) => {
                    let p = p.max(1) as i32;
                    if p > digits.len() as i32 && digits.len() as i32 > exp {
                        digits.len() as i32
                    } else {
                        p
                    }
                }
            };
            let sign = if f.is_sign_negative() { "-" } else { "" };
            if exp < -4 || exp >= eprec {
                let mantissa = if digits.len() > 1 {
                    format!("{}.{}", &digits[..1], &digits[1..])
                } else {
                    digits.clone()
                };
                format!(
                    "{sign}{mantissa}e{}{:02}",
                    if exp < 0 { '-' } else { '+' },
                    exp.abs()
                )
            } else if exp < 0 {
                format!("{sign}0.{}{digits}", "0".repeat((-exp - 1) as usize))
            } else {
                let int_len = (exp + 1) as usize;
                if digits.len() <= int_len {
                    format!("{sign}{digits}{}", "0".repeat(int_len - digits.len()))
                } else {
                    format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
                }
            }
        }
    };
    if upper {
        out.to_uppercase()
    } else {
        out
    }
}

/// Significant decimal digits (no trailing zeros) and decimal exponent of `|f|`: shortest when
/// `precision` is `None`, else rounded to that many significant digits.
fn decimal_digits(f: f64, precision: Option<usize>) -> (String, i32) {
    let text = match precision {
        None => format!("{:e}", f.abs()),
        Some(p) => format!("{:.*e}", p - 1, f.abs()),
    };
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    (digits, exp.parse().unwrap_or(0))
}

fn go_exponent(f: f64, precision: Option<usize>) -> String {
    let text = match precision {
        Some(p) => format!("{f:.p$e}"),
        None => format!("{f:e}"),
    };
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    format!(
        "{mantissa}e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> GoArg {
        GoArg::Str(v.to_owned())
    }

    #[test]
    fn sprintf_renders_like_go() {
        assert_eq!(sprintf("%v and %v", &[GoArg::Int(1)]), "1 and %!v(MISSING)");
        assert_eq!(
            sprintf("%v", &[GoArg::Int(1), s("x")]),
            "1%!(EXTRA string=x)"
        );
        assert_eq!(sprintf("%d", &[s("x")]), "%!d(string=x)");
        assert_eq!(sprintf("%s", &[GoArg::Int(5)]), "%!s(int=5)");
        assert_eq!(
            sprintf(
                "100%% %5d|%-4s|%05d",
                &[GoArg::Int(3), s("ab"), GoArg::Int(-42)]
            ),
            "100%     3|ab  |-0042"
        );
        assert_eq!(
            sprintf("%q %x", &[s("a\"b"), GoArg::Int(255)]),
            "\"a\\\"b\" ff"
        );
        assert_eq!(
            sprintf("%.2f %v", &[GoArg::Float(1.005), GoArg::Float(0.5)]),
            "1.00 0.5"
        );
        assert_eq!(sprintf("trailing %", &[]), "trailing %!(NOVERB)");
        assert_eq!(sprintf("%[2]v-%[1]v", &[s("a"), s("b")]), "b-a");
        assert_eq!(sprintf("%[3]v", &[s("a")]), "%!v(BADINDEX)");
        assert_eq!(
            sprintf("%*d", &[GoArg::Int(1_000_000_000_000), GoArg::Int(1)]),
            "%!(BADWIDTH)1"
        );
        assert_eq!(
            sprintf("%.*f", &[s("x"), GoArg::Float(1.5)]),
            "%!(BADPREC)1.500000"
        );
    }

    #[test]
    fn floats_use_go_shortest_g() {
        assert_eq!(go_float(1.5, 'g', None), "1.5");
        assert_eq!(go_float(1_234_567.5, 'g', None), "1.2345675e+06");
        assert_eq!(go_float(100_000.5, 'g', None), "100000.5");
        assert_eq!(go_float(0.000_01, 'g', None), "1e-05");
        assert_eq!(go_float(0.000_1, 'g', None), "0.0001");
        assert_eq!(go_float(1e21, 'g', None), "1e+21");
        assert_eq!(go_float(-2.25, 'g', None), "-2.25");
        assert_eq!(go_float(1.0, 'e', Some(2)), "1.00e+00");
        assert_eq!(go_float(123.456, 'g', Some(4)), "123.5");
    }

    #[test]
    fn composite_arguments_render_as_rego() {
        let v = regorus::Value::from_json_str(r#"{"b": [1, "x", null, true], "a": {}}"#).unwrap();
        assert_eq!(rego_text(&v), r#"{"a": {}, "b": [1, "x", null, true]}"#);
        assert_eq!(rego_text(&regorus::Value::new_set()), "set()");
        let args = [
            GoArg::from_value(&v),
            GoArg::from_value(&regorus::Value::from(2.5)),
        ];
        assert_eq!(
            sprintf("%v / %v", &args),
            r#"{"a": {}, "b": [1, "x", null, true]} / 2.5"#
        );
    }
}
