//! Operators: heterogeneous equality, ordering (with cross-type numeric comparison) and
//! checked arithmetic, as cel-go's `common/types` defines them.

use std::cmp::Ordering;
use std::sync::Arc;

use kanon_core::duration::Duration;

use crate::error::{EvalError, EvalResult};
use crate::value::{List, Map, Value};

/// CEL `==`: numbers compare across `int`, `uint` and `double`; values of different types are
/// unequal; NaN equals nothing.
pub(crate) fn equals(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x.as_str() == y.as_str(),
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x), Value::List(y)) => lists_equal(x, y),
        (Value::Map(x), Value::Map(y)) => maps_equal(x, y),
        (Value::Timestamp(x), Value::Timestamp(y)) => x == y,
        (Value::Duration(x), Value::Duration(y)) => x == y,
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Optional(x), Value::Optional(y)) => match (x, y) {
            (None, None) => true,
            (Some(x), Some(y)) => equals(x, y),
            _ => false,
        },
        (Value::Object(x), Value::Object(y)) => x == y,
        _ => numeric_cmp(a, b) == Some(Ordering::Equal),
    }
}

fn lists_equal(a: &List<'_>, b: &List<'_>) -> bool {
    a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| equals(&x, &y))
}

fn maps_equal(a: &Map<'_>, b: &Map<'_>) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(k, v)| b.get(&k.to_value()).is_some_and(|other| equals(&v, &other)))
}

/// Orders two numbers of any numeric types; `None` when either is not a number or is NaN.
fn numeric_cmp(a: &Value<'_>, b: &Value<'_>) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Uint(x), Value::Uint(y)) => Some(x.cmp(y)),
        (Value::Double(x), Value::Double(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Uint(y)) => Some(i128::from(*x).cmp(&i128::from(*y))),
        (Value::Uint(x), Value::Int(y)) => Some(i128::from(*x).cmp(&i128::from(*y))),
        (Value::Int(x), Value::Double(y)) => cmp_int_double(*x, *y),
        (Value::Uint(x), Value::Double(y)) => cmp_uint_double(*x, *y),
        (Value::Double(x), Value::Int(y)) => cmp_int_double(*y, *x).map(Ordering::reverse),
        (Value::Double(x), Value::Uint(y)) => cmp_uint_double(*y, *x).map(Ordering::reverse),
        _ => None,
    }
}

/// Compares an `int` with a double as cel-go does: doubles outside the `int` range order
/// outside it; others compare with the integer converted to a double (lossy beyond 2^53, as in
/// cel-go).
fn cmp_int_double(i: i64, d: f64) -> Option<Ordering> {
    if d.is_nan() {
        None
    } else if d < -9_223_372_036_854_775_808.0 {
        Some(Ordering::Greater)
    } else if d > 9_223_372_036_854_775_807.0 {
        Some(Ordering::Less)
    } else {
        (i as f64).partial_cmp(&d)
    }
}

/// Compares a `uint` with a double as cel-go does.
fn cmp_uint_double(u: u64, d: f64) -> Option<Ordering> {
    if d.is_nan() {
        None
    } else if d < 0.0 {
        Some(Ordering::Greater)
    } else if d > 18_446_744_073_709_551_615.0 {
        Some(Ordering::Less)
    } else {
        (u as f64).partial_cmp(&d)
    }
}

/// CEL ordering for `<`, `<=`, `>`, `>=` (and the list/sort functions).
pub(crate) fn compare(a: &Value<'_>, b: &Value<'_>) -> EvalResult<Ordering> {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => Ok(x.cmp(y)),
        (Value::String(x), Value::String(y)) => Ok(x.as_str().cmp(y.as_str())),
        (Value::Bytes(x), Value::Bytes(y)) => Ok(x.cmp(y)),
        (Value::Timestamp(x), Value::Timestamp(y)) => Ok(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Ok(x.cmp(y)),
        _ => match numeric_cmp(a, b) {
            Some(ordering) => Ok(ordering),
            None if is_number(a) && is_number(b) => {
                Err(EvalError::msg("NaN values cannot be ordered"))
            }
            None => Err(EvalError::NoSuchOverload),
        },
    }
}

fn is_number(v: &Value<'_>) -> bool {
    matches!(v, Value::Int(_) | Value::Uint(_) | Value::Double(_))
}

fn duration_result(nanos: Option<i64>) -> EvalResult<Value<'static>> {
    nanos
        .map(|n| Value::Duration(Duration::from_nanos(n)))
        .ok_or(EvalError::DurationOverflow)
}

/// `a + b`.
pub(crate) fn add<'a>(a: &Value<'a>, b: &Value<'a>) -> EvalResult<Value<'a>> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_add(*y).ok_or(EvalError::IntegerOverflow)?)
        }
        (Value::Uint(x), Value::Uint(y)) => {
            Value::Uint(x.checked_add(*y).ok_or(EvalError::UintOverflow)?)
        }
        (Value::Double(x), Value::Double(y)) => Value::Double(x + y),
        (Value::String(x), Value::String(y)) => {
            let mut s = String::with_capacity(x.as_str().len() + y.as_str().len());
            s.push_str(x.as_str());
            s.push_str(y.as_str());
            Value::string(s)
        }
        (Value::Bytes(x), Value::Bytes(y)) => {
            let mut v = Vec::with_capacity(x.len() + y.len());
            v.extend_from_slice(x);
            v.extend_from_slice(y);
            Value::Bytes(Arc::from(v))
        }
        (Value::List(x), Value::List(y)) => {
            if y.is_empty() {
                return Ok(a.clone());
            }
            if x.is_empty() {
                return Ok(b.clone());
            }
            let mut v = Vec::with_capacity(x.len() + y.len());
            v.extend(x.iter());
            v.extend(y.iter());
            Value::list(v)
        }
        (Value::Duration(x), Value::Duration(y)) => {
            return duration_result(x.as_nanos().checked_add(y.as_nanos()))
        }
        (Value::Timestamp(t), Value::Duration(d)) | (Value::Duration(d), Value::Timestamp(t)) => {
            Value::Timestamp(t.add(*d)?)
        }
        _ => return Err(EvalError::NoSuchOverload),
    })
}

/// `a - b`.
pub(crate) fn sub<'a>(a: &Value<'a>, b: &Value<'a>) -> EvalResult<Value<'a>> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_sub(*y).ok_or(EvalError::IntegerOverflow)?)
        }
        (Value::Uint(x), Value::Uint(y)) => {
            Value::Uint(x.checked_sub(*y).ok_or(EvalError::UintOverflow)?)
        }
        (Value::Double(x), Value::Double(y)) => Value::Double(x - y),
        (Value::Duration(x), Value::Duration(y)) => {
            return duration_result(x.as_nanos().checked_sub(y.as_nanos()))
        }
        (Value::Timestamp(t), Value::Duration(d)) => Value::Timestamp(t.sub_duration(*d)?),
        (Value::Timestamp(x), Value::Timestamp(y)) => Value::Duration(x.since(*y)?),
        _ => return Err(EvalError::NoSuchOverload),
    })
}

/// `a * b`.
pub(crate) fn mul<'a>(a: &Value<'a>, b: &Value<'a>) -> EvalResult<Value<'a>> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_mul(*y).ok_or(EvalError::IntegerOverflow)?)
        }
        (Value::Uint(x), Value::Uint(y)) => {
            Value::Uint(x.checked_mul(*y).ok_or(EvalError::UintOverflow)?)
        }
        (Value::Double(x), Value::Double(y)) => Value::Double(x * y),
        _ => return Err(EvalError::NoSuchOverload),
    })
}

/// `a / b`.
pub(crate) fn div<'a>(a: &Value<'a>, b: &Value<'a>) -> EvalResult<Value<'a>> {
    Ok(match (a, b) {
        (Value::Int(_), Value::Int(0)) | (Value::Uint(_), Value::Uint(0)) => {
            return Err(EvalError::DivisionByZero)
        }
        (Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_div(*y).ok_or(EvalError::IntegerOverflow)?)
        }
        (Value::Uint(x), Value::Uint(y)) => Value::Uint(x / y),
        (Value::Double(x), Value::Double(y)) => Value::Double(x / y),
        _ => return Err(EvalError::NoSuchOverload),
    })
}

/// `a % b`.
pub(crate) fn rem<'a>(a: &Value<'a>, b: &Value<'a>) -> EvalResult<Value<'a>> {
    Ok(match (a, b) {
        (Value::Int(_), Value::Int(0)) | (Value::Uint(_), Value::Uint(0)) => {
            return Err(EvalError::ModulusByZero)
        }
        (Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_rem(*y).ok_or(EvalError::IntegerOverflow)?)
        }
        (Value::Uint(x), Value::Uint(y)) => Value::Uint(x % y),
        _ => return Err(EvalError::NoSuchOverload),
    })
}

/// `-a`.
pub(crate) fn neg<'a>(a: &Value<'a>) -> EvalResult<Value<'a>> {
    Ok(match a {
        Value::Int(x) => Value::Int(x.checked_neg().ok_or(EvalError::IntegerOverflow)?),
        Value::Double(x) => Value::Double(-x),
        Value::Duration(d) => return duration_result(d.as_nanos().checked_neg()),
        _ => return Err(EvalError::NoSuchOverload),
    })
}

/// `a in b`: list membership or map key presence.
pub(crate) fn contains(a: &Value<'_>, b: &Value<'_>) -> EvalResult<bool> {
    match b {
        Value::List(items) => Ok(items.iter().any(|item| equals(a, &item))),
        Value::Map(map) => Ok(map.contains_key(a)),
        _ => Err(EvalError::NoSuchOverload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heterogeneous_numbers() {
        assert!(equals(&Value::Int(3), &Value::Double(3.0)));
        assert!(equals(&Value::Int(1), &Value::Uint(1)));
        assert!(!equals(&Value::Int(-1), &Value::Uint(u64::MAX)));
        assert!(!equals(&Value::Double(f64::NAN), &Value::Double(f64::NAN)));
        assert!(!equals(&Value::Int(1), &Value::string("1")));
        assert_eq!(
            compare(&Value::Int(2), &Value::Double(2.5)).unwrap(),
            Ordering::Less
        );
        assert_eq!(
            compare(&Value::Uint(u64::MAX), &Value::Int(-1)).unwrap(),
            Ordering::Greater
        );
        // Lossy, as in cel-go: i64::MAX converts to 2^63.
        assert_eq!(
            compare(
                &Value::Int(i64::MAX),
                &Value::Double(9.223_372_036_854_776e18)
            )
            .unwrap(),
            Ordering::Equal
        );
        assert!(compare(&Value::Int(1), &Value::string("a")).is_err());
    }

    #[test]
    fn overflow() {
        assert_eq!(
            add(&Value::Int(i64::MAX), &Value::Int(1)).unwrap_err(),
            EvalError::IntegerOverflow
        );
        assert_eq!(
            div(&Value::Int(i64::MIN), &Value::Int(-1)).unwrap_err(),
            EvalError::IntegerOverflow
        );
        assert_eq!(
            rem(&Value::Int(1), &Value::Int(0)).unwrap_err(),
            EvalError::ModulusByZero
        );
        assert_eq!(
            sub(&Value::Uint(0), &Value::Uint(1)).unwrap_err(),
            EvalError::UintOverflow
        );
    }
}
