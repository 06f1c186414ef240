//! CEL's standard definitions: `size`, string tests, conversions, `type`, timestamp and
//! duration accessors; the optional-type functions; and the encoders extension.

use std::sync::Arc;

use base64::Engine as _;
use kanon_core::duration::Duration;

use super::{arg, str_arg, Builtin};
use crate::cost::traversal;
use crate::error::{EvalError, EvalResult};
use crate::interp::Eval;
use crate::time::{zone_offset, Timestamp};
use crate::types::Type;
use crate::value::Value;

pub(super) fn call<'a>(
    ev: &mut Eval<'_, 'a>,
    f: Builtin,
    args: &[Value<'a>],
) -> EvalResult<Value<'a>> {
    let first = arg(args, 0);
    match f {
        Builtin::Size => {
            ev.charge(1)?;
            size(first?)
        }
        Builtin::Contains | Builtin::StartsWith | Builtin::EndsWith => {
            let (text, part) = (str_arg(args, 0)?, str_arg(args, 1)?);
            let text_cost = traversal(first?.cost_size());
            ev.charge(match f {
                Builtin::Contains => text_cost.saturating_mul(traversal(arg(args, 1)?.cost_size())),
                _ => text_cost,
            })?;
            Ok(Value::Bool(match f {
                Builtin::Contains => text.contains(part),
                Builtin::StartsWith => text.starts_with(part),
                _ => text.ends_with(part),
            }))
        }
        Builtin::Matches => {
            let (text, pattern) = (str_arg(args, 0)?, str_arg(args, 1)?);
            ev.charge(crate::cost::regex(
                first?.cost_size(),
                arg(args, 1)?.cost_size(),
            ))?;
            let regex = compile_regex(pattern)?;
            Ok(Value::Bool(regex.is_match(text)))
        }
        Builtin::ToString | Builtin::ToBytes => {
            let value = first?;
            ev.charge(match value {
                Value::String(_) | Value::Bytes(_) => traversal(value.cost_size()),
                _ => 1,
            })?;
            if f == Builtin::ToString {
                to_string(value)
            } else {
                to_bytes(value)
            }
        }
        Builtin::Base64Encode | Builtin::Base64Decode => {
            let value = first?;
            ev.charge(1 + traversal(value.cost_size()))?;
            if f == Builtin::Base64Encode {
                base64_encode(value)
            } else {
                base64_decode(value)
            }
        }
        _ => {
            ev.charge(1)?;
            simple(f, args)
        }
    }
}

/// The functions with a fixed unit cost.
fn simple<'a>(f: Builtin, args: &[Value<'a>]) -> EvalResult<Value<'a>> {
    let first = arg(args, 0);
    match f {
        Builtin::ToInt => to_int(first?),
        Builtin::ToUint => to_uint(first?),
        Builtin::ToDouble => to_double(first?),
        Builtin::ToBool => to_bool(first?),
        Builtin::ToDuration => to_duration(first?),
        Builtin::ToTimestamp => to_timestamp(first?),
        Builtin::Dyn => Ok(first?.clone()),
        Builtin::TypeOf => Ok(Value::Type(first?.type_of())),
        Builtin::GetFullYear
        | Builtin::GetMonth
        | Builtin::GetDayOfYear
        | Builtin::GetDayOfMonth
        | Builtin::GetDate
        | Builtin::GetDayOfWeek
        | Builtin::GetHours
        | Builtin::GetMinutes
        | Builtin::GetSeconds
        | Builtin::GetMilliseconds => accessor(f, args),
        Builtin::OptionalOf => Ok(Value::optional_of(first?.clone())),
        Builtin::OptionalNone => Ok(Value::optional_none()),
        Builtin::OptionalOfNonZero => {
            let value = first?;
            Ok(if is_zero_value(value) {
                Value::optional_none()
            } else {
                Value::optional_of(value.clone())
            })
        }
        Builtin::HasValue => match first? {
            Value::Optional(inner) => Ok(Value::Bool(inner.is_some())),
            _ => Err(EvalError::NoSuchOverload),
        },
        Builtin::OptValue => match first? {
            Value::Optional(Some(inner)) => Ok((**inner).clone()),
            Value::Optional(None) => Err(EvalError::msg("optional.none() dereference")),
            _ => Err(EvalError::NoSuchOverload),
        },
        Builtin::OptOr => match (first?, arg(args, 1)?) {
            (value @ Value::Optional(Some(_)), Value::Optional(_)) => Ok(value.clone()),
            (Value::Optional(None), other @ Value::Optional(_)) => Ok(other.clone()),
            _ => Err(EvalError::NoSuchOverload),
        },
        Builtin::OptOrValue => match first? {
            Value::Optional(Some(inner)) => Ok((**inner).clone()),
            Value::Optional(None) => Ok(arg(args, 1)?.clone()),
            _ => Err(EvalError::NoSuchOverload),
        },
        _ => Err(EvalError::NoSuchOverload),
    }
}

fn size(value: &Value<'_>) -> EvalResult<Value<'static>> {
    let n = match value {
        Value::String(s) => s.as_str().chars().count(),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        _ => return Err(EvalError::NoSuchOverload),
    };
    Ok(Value::Int(n as i64))
}

/// Compiles an RE2-syntax pattern (unanchored search, as Go's `regexp.MatchString`).
pub(crate) fn compile_regex(pattern: &str) -> EvalResult<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| EvalError::msg(format!("error parsing regexp: {e}")))
}

fn conversion_error(from: Type, to: Type) -> EvalError {
    EvalError::msg(format!("type conversion error from '{from}' to '{to}'"))
}

/// 2^63 as a double: the first double past `i64::MAX`.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

fn to_int(value: &Value<'_>) -> EvalResult<Value<'static>> {
    Ok(Value::Int(match value {
        Value::Int(i) => *i,
        Value::Uint(u) => i64::try_from(*u).map_err(|_| EvalError::IntegerOverflow)?,
        Value::Double(d) => {
            if !d.is_finite() || *d <= -TWO_POW_63 || *d >= TWO_POW_63 {
                return Err(EvalError::IntegerOverflow);
            }
            d.trunc() as i64
        }
        Value::String(s) => s
            .as_str()
            .parse::<i64>()
            .map_err(|_| conversion_error(Type::String, Type::Int))?,
        Value::Timestamp(t) => t.unix_seconds(),
        Value::Duration(d) => d.as_nanos(),
        other => return Err(conversion_error(other.type_of(), Type::Int)),
    }))
}

fn to_uint(value: &Value<'_>) -> EvalResult<Value<'static>> {
    Ok(Value::Uint(match value {
        Value::Uint(u) => *u,
        Value::Int(i) => u64::try_from(*i).map_err(|_| EvalError::UintOverflow)?,
        Value::Double(d) => {
            if !d.is_finite() || *d <= -1.0 || *d >= 2.0 * TWO_POW_63 {
                return Err(EvalError::UintOverflow);
            }
            d.trunc() as u64
        }
        Value::String(s) => s
            .as_str()
            .parse::<u64>()
            .map_err(|_| conversion_error(Type::String, Type::Uint))?,
        other => return Err(conversion_error(other.type_of(), Type::Uint)),
    }))
}

fn to_double(value: &Value<'_>) -> EvalResult<Value<'static>> {
    Ok(Value::Double(match value {
        Value::Double(d) => *d,
        Value::Int(i) => *i as f64,
        Value::Uint(u) => *u as f64,
        Value::String(s) => parse_go_float(s.as_str())
            .ok_or_else(|| conversion_error(Type::String, Type::Double))?,
        other => return Err(conversion_error(other.type_of(), Type::Double)),
    }))
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal input and the special values.
fn parse_go_float(text: &str) -> Option<f64> {
    let unsigned = text.trim_start_matches(['+', '-']);
    let special = matches!(
        unsigned.to_ascii_lowercase().as_str(),
        "inf" | "infinity" | "nan"
    );
    let plain = !unsigned.is_empty()
        && unsigned
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if special || plain {
        text.parse().ok()
    } else {
        None
    }
}

pub(crate) fn to_string<'a>(value: &Value<'a>) -> EvalResult<Value<'a>> {
    Ok(match value {
        Value::String(_) => value.clone(),
        Value::Int(i) => Value::string(i.to_string()),
        Value::Uint(u) => Value::string(u.to_string()),
        Value::Double(d) => Value::string(crate::gofmt::format_g(*d)),
        Value::Bool(b) => Value::string(if *b { "true" } else { "false" }),
        Value::Bytes(b) => Value::string(
            std::str::from_utf8(b)
                .map_err(|_| EvalError::msg("invalid UTF-8 in bytes, cannot convert to string"))?,
        ),
        Value::Timestamp(t) => Value::string(t.to_string()),
        Value::Duration(d) => Value::string(crate::time::duration_string(*d)),
        Value::Type(t) => Value::string(t.name()),
        Value::Object(o) if o.has_string_conversion() => Value::string(o.to_string()),
        other => return Err(conversion_error(other.type_of(), Type::String)),
    })
}

fn to_bytes<'a>(value: &Value<'a>) -> EvalResult<Value<'a>> {
    match value {
        Value::Bytes(_) => Ok(value.clone()),
        Value::String(s) => Ok(Value::Bytes(Arc::from(s.as_str().as_bytes()))),
        other => Err(conversion_error(other.type_of(), Type::Bytes)),
    }
}

fn to_bool(value: &Value<'_>) -> EvalResult<Value<'static>> {
    match value {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) => match s.as_str() {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(Value::Bool(true)),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(Value::Bool(false)),
            _ => Err(conversion_error(Type::String, Type::Bool)),
        },
        other => Err(conversion_error(other.type_of(), Type::Bool)),
    }
}

/// `duration(string)`: Go's `time.ParseDuration`.
pub(crate) fn parse_duration(text: &str) -> EvalResult<Duration> {
    Duration::parse(text).map_err(|_| conversion_error(Type::String, Type::Duration))
}

fn to_duration(value: &Value<'_>) -> EvalResult<Value<'static>> {
    match value {
        Value::Duration(d) => Ok(Value::Duration(*d)),
        Value::String(s) => Ok(Value::Duration(parse_duration(s.as_str())?)),
        other => Err(conversion_error(other.type_of(), Type::Duration)),
    }
}

/// `timestamp(string)`: RFC 3339.
pub(crate) fn parse_timestamp(text: &str) -> EvalResult<Timestamp> {
    Timestamp::parse(text).ok_or_else(|| conversion_error(Type::String, Type::Timestamp))
}

fn to_timestamp(value: &Value<'_>) -> EvalResult<Value<'static>> {
    match value {
        Value::Timestamp(t) => Ok(Value::Timestamp(*t)),
        Value::String(s) => Ok(Value::Timestamp(parse_timestamp(s.as_str())?)),
        Value::Int(i) => Timestamp::from_unix(*i, 0)
            .map(Value::Timestamp)
            .ok_or(EvalError::TimestampOverflow),
        other => Err(conversion_error(other.type_of(), Type::Timestamp)),
    }
}

fn accessor(f: Builtin, args: &[Value<'_>]) -> EvalResult<Value<'static>> {
    let zone = match args.get(1) {
        None => 0,
        Some(Value::String(z)) => zone_offset(z.as_str())?,
        Some(_) => return Err(EvalError::NoSuchOverload),
    };
    match arg(args, 0)? {
        Value::Timestamp(t) => {
            let c = t.civil(zone);
            let n = match f {
                Builtin::GetFullYear => c.year,
                Builtin::GetMonth => i64::from(c.month) - 1,
                Builtin::GetDayOfYear => i64::from(c.yday),
                Builtin::GetDayOfMonth => i64::from(c.day) - 1,
                Builtin::GetDate => i64::from(c.day),
                Builtin::GetDayOfWeek => i64::from(c.weekday),
                Builtin::GetHours => i64::from(c.hour),
                Builtin::GetMinutes => i64::from(c.minute),
                Builtin::GetSeconds => i64::from(c.second),
                _ => i64::from(c.nanos / 1_000_000),
            };
            Ok(Value::Int(n))
        }
        Value::Duration(d) if args.len() == 1 => {
            let nanos = d.as_nanos();
            let n = match f {
                Builtin::GetHours => nanos / 3_600_000_000_000,
                Builtin::GetMinutes => nanos / 60_000_000_000,
                Builtin::GetSeconds => nanos / 1_000_000_000,
                Builtin::GetMilliseconds => nanos / 1_000_000,
                _ => return Err(EvalError::NoSuchOverload),
            };
            Ok(Value::Int(n))
        }
        _ => Err(EvalError::NoSuchOverload),
    }
}

/// Whether a value is its type's zero value (for `optional.ofNonZeroValue`).
fn is_zero_value(value: &Value<'_>) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Uint(u) => *u == 0,
        Value::Double(d) => *d == 0.0,
        Value::String(s) => s.as_str().is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Duration(d) => d.as_nanos() == 0,
        Value::Timestamp(t) => t.unix_seconds() == 0 && t.subsec_nanos() == 0,
        Value::Optional(o) => o.is_none(),
        Value::Type(_) | Value::Object(_) => false,
    }
}

fn base64_encode<'a>(value: &Value<'a>) -> EvalResult<Value<'a>> {
    match value {
        Value::Bytes(b) => Ok(Value::string(
            base64::engine::general_purpose::STANDARD.encode(b),
        )),
        _ => Err(EvalError::NoSuchOverload),
    }
}

fn base64_decode<'a>(value: &Value<'a>) -> EvalResult<Value<'a>> {
    let Value::String(s) = value else {
        return Err(EvalError::NoSuchOverload);
    };
    let text = s.as_str();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
        .map_err(|e| EvalError::msg(format!("illegal base64 data: {e}")))?;
    Ok(Value::Bytes(Arc::from(decoded)))
}
