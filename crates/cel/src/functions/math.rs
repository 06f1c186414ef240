//! cel-go's math extension (version 2): `math.greatest`, `math.least`, rounding, `abs`,
//! `sign`, floating-point classification, bit operations and `sqrt`.

use std::cmp::Ordering;

use super::{arg, Builtin};
use crate::error::{EvalError, EvalResult};
use crate::ops;
use crate::value::Value;

pub(super) fn call<'a>(f: Builtin, args: &[Value<'a>]) -> EvalResult<Value<'a>> {
    let first = arg(args, 0)?;
    match f {
        Builtin::Greatest | Builtin::Least => extreme(f == Builtin::Greatest, args),
        Builtin::Ceil | Builtin::Floor | Builtin::Round | Builtin::Trunc => {
            let Value::Double(d) = first else {
                return Err(EvalError::NoSuchOverload);
            };
            Ok(Value::Double(match f {
                Builtin::Ceil => d.ceil(),
                Builtin::Floor => d.floor(),
                // Go's math.Round: half away from zero, as Rust's `round`.
                Builtin::Round => d.round(),
                _ => d.trunc(),
            }))
        }
        Builtin::IsNaN | Builtin::IsInf | Builtin::IsFinite => {
            let Value::Double(d) = first else {
                return Err(EvalError::NoSuchOverload);
            };
            Ok(Value::Bool(match f {
                Builtin::IsNaN => d.is_nan(),
                Builtin::IsInf => d.is_infinite(),
                _ => d.is_finite(),
            }))
        }
        Builtin::Abs => match first {
            Value::Int(i) => i
                .checked_abs()
                .map(Value::Int)
                .ok_or(EvalError::IntegerOverflow),
            Value::Uint(_) => Ok(first.clone()),
            Value::Double(d) => Ok(Value::Double(d.abs())),
            _ => Err(EvalError::NoSuchOverload),
        },
        Builtin::Sign => match first {
            Value::Int(i) => Ok(Value::Int(i.signum())),
            Value::Uint(u) => Ok(Value::Uint(u64::from(*u != 0))),
            Value::Double(d) if d.is_nan() => Ok(first.clone()),
            Value::Double(d) => Ok(Value::Double(if *d > 0.0 {
                1.0
            } else if *d < 0.0 {
                -1.0
            } else {
                0.0
            })),
            _ => Err(EvalError::NoSuchOverload),
        },
        Builtin::Sqrt => match first {
            Value::Int(i) => Ok(Value::Double((*i as f64).sqrt())),
            Value::Uint(u) => Ok(Value::Double((*u as f64).sqrt())),
            Value::Double(d) => Ok(Value::Double(d.sqrt())),
            _ => Err(EvalError::msg("no such overload: sqrt")),
        },
        Builtin::BitNot => match first {
            Value::Int(i) => Ok(Value::Int(!i)),
            Value::Uint(u) => Ok(Value::Uint(!u)),
            _ => Err(EvalError::NoSuchOverload),
        },
        Builtin::BitAnd | Builtin::BitOr | Builtin::BitXor => {
            let op = |a: u64, b: u64| match f {
                Builtin::BitAnd => a & b,
                Builtin::BitOr => a | b,
                _ => a ^ b,
            };
            match (first, arg(args, 1)?) {
                (Value::Int(a), Value::Int(b)) => Ok(Value::Int(op(*a as u64, *b as u64) as i64)),
                (Value::Uint(a), Value::Uint(b)) => Ok(Value::Uint(op(*a, *b))),
                _ => Err(EvalError::NoSuchOverload),
            }
        }
        Builtin::BitShiftLeft | Builtin::BitShiftRight => {
            let left = f == Builtin::BitShiftLeft;
            let Value::Int(bits) = arg(args, 1)? else {
                return Err(EvalError::NoSuchOverload);
            };
            if *bits < 0 {
                let name = if left {
                    "bitShiftLeft"
                } else {
                    "bitShiftRight"
                };
                return Err(EvalError::msg(format!(
                    "math.{name}() negative offset: {bits}"
                )));
            }
            let shift = |v: u64| -> u64 {
                let n = u32::try_from(*bits).unwrap_or(u32::MAX);
                if left {
                    v.checked_shl(n).unwrap_or(0)
                } else {
                    v.checked_shr(n).unwrap_or(0)
                }
            };
            match first {
                Value::Int(v) => Ok(Value::Int(shift(*v as u64) as i64)),
                Value::Uint(v) => Ok(Value::Uint(shift(*v))),
                _ => Err(EvalError::NoSuchOverload),
            }
        }
        _ => Err(EvalError::NoSuchOverload),
    }
}

/// `math.greatest` / `math.least` over the arguments, or over a single list argument.
fn extreme<'a>(greatest: bool, args: &[Value<'a>]) -> EvalResult<Value<'a>> {
    let name = if greatest { "math.@max" } else { "math.@min" };
    let values: Vec<Value<'a>> = match args {
        [Value::List(items)] => {
            if items.is_empty() {
                return Err(EvalError::msg(format!(
                    "{name}(list) argument must not be empty"
                )));
            }
            items.to_vec()
        }
        _ => args.to_vec(),
    };
    let mut best: Option<Value<'a>> = None;
    for value in values {
        if !matches!(value, Value::Int(_) | Value::Uint(_) | Value::Double(_)) {
            return Err(EvalError::msg(format!("no such overload: {name}")));
        }
        best = Some(match best {
            None => value,
            Some(current) => {
                let ordering = ops::compare(&current, &value)?;
                let replace = if greatest {
                    ordering == Ordering::Less
                } else {
                    ordering == Ordering::Greater
                };
                if replace {
                    value
                } else {
                    current
                }
            }
        });
    }
    best.ok_or_else(|| EvalError::msg(format!("{name}(list) argument must not be empty")))
}
