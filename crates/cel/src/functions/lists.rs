//! cel-go's lists (version 3) and sets extensions, and Kubernetes' list functions
//! (`isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`).

use std::cmp::Ordering;

use super::{arg, int_arg, Builtin};
use crate::error::{EvalError, EvalResult};
use crate::interp::{Eval, LIST_CREATE_COST};
use crate::ops;
use crate::types::Type;
use crate::value::{List, Value};

pub(super) fn call<'a>(
    ev: &mut Eval<'_, 'a>,
    f: Builtin,
    args: &[Value<'a>],
) -> EvalResult<Value<'a>> {
    if f == Builtin::Range {
        let n = int_arg(args, 0)?;
        let n = u64::try_from(n).unwrap_or(0);
        let cost = n.saturating_add(1 + LIST_CREATE_COST);
        ev.ensure_budget(cost)?;
        ev.charge(cost)?;
        return Ok(Value::list((0..n).map(|i| Value::Int(i as i64)).collect()));
    }
    if matches!(
        f,
        Builtin::SetsContains | Builtin::SetsEquivalent | Builtin::SetsIntersects
    ) {
        return sets(ev, f, args);
    }
    let Value::List(list) = arg(args, 0)? else {
        return Err(EvalError::NoSuchOverload);
    };
    let n = list.len() as u64;
    match f {
        Builtin::Slice => {
            let (start, end) = (int_arg(args, 1)?, int_arg(args, 2)?);
            if start < 0 || end < 0 {
                return Err(EvalError::msg(format!(
                    "cannot slice({start}, {end}), negative indexes not supported"
                )));
            }
            if start > end {
                return Err(EvalError::msg(format!(
                    "cannot slice({start}, {end}), start index must be less than or equal to end index"
                )));
            }
            if (n as i64) < end {
                return Err(EvalError::msg(format!(
                    "cannot slice({start}, {end}), list is length {n}"
                )));
            }
            let items: Vec<Value<'a>> = list
                .iter()
                .skip(start as usize)
                .take((end - start) as usize)
                .collect();
            ev.charge(1 + LIST_CREATE_COST + items.len() as u64)?;
            Ok(Value::list(items))
        }
        Builtin::Flatten => {
            let depth = match args.get(1) {
                None => 1,
                Some(_) => int_arg(args, 1)?,
            };
            if depth < 0 {
                return Err(EvalError::msg("level must be non-negative"));
            }
            ev.charge(
                (depth as u64)
                    .saturating_mul(n)
                    .saturating_add(1 + LIST_CREATE_COST),
            )?;
            let mut out = Vec::new();
            flatten(list, depth, &mut out);
            Ok(Value::list(out))
        }
        Builtin::Sort => {
            ev.charge(self_compare_cost(list))?;
            let keys = list.to_vec();
            sort(list.to_vec(), keys)
        }
        Builtin::Distinct => {
            ev.charge(self_compare_cost(list))?;
            let mut unique: Vec<Value<'a>> = Vec::new();
            for item in list.iter() {
                if !unique.iter().any(|u| ops::equals(u, &item)) {
                    unique.push(item);
                }
            }
            Ok(Value::list(unique))
        }
        Builtin::Reverse => {
            ev.charge(1 + LIST_CREATE_COST + n)?;
            Ok(Value::list(list.iter().rev().collect()))
        }
        Builtin::First | Builtin::Last => {
            ev.charge(1)?;
            let item = if f == Builtin::First {
                list.get(0)
            } else {
                list.iter().next_back()
            };
            Ok(item.map_or_else(Value::optional_none, Value::optional_of))
        }
        Builtin::IsSorted | Builtin::Sum | Builtin::Min | Builtin::Max => {
            ev.charge(traversal_cost(&Value::List(list.clone())))?;
            aggregate(f, list)
        }
        Builtin::IndexOf | Builtin::LastIndexOf => {
            ev.charge(traversal_cost(&Value::List(list.clone())))?;
            let needle = arg(args, 1)?;
            let found = if f == Builtin::IndexOf {
                list.iter().position(|item| ops::equals(&item, needle))
            } else {
                let items = list.to_vec();
                items.iter().rposition(|item| ops::equals(item, needle))
            };
            Ok(Value::Int(found.map_or(-1, |i| i as i64)))
        }
        _ => Err(EvalError::NoSuchOverload),
    }
}

fn flatten<'a>(list: &List<'a>, depth: i64, out: &mut Vec<Value<'a>>) {
    for item in list.iter() {
        match &item {
            Value::List(inner) if depth > 0 => flatten(inner, depth - 1, out),
            _ => out.push(item),
        }
    }
}

/// cel-go's `trackListSelfCompare`: quadratic in the list length.
fn self_compare_cost(list: &List<'_>) -> u64 {
    let n = list.len() as u64;
    let stringy = matches!(list.get(0), Some(Value::String(_) | Value::Bytes(_)));
    let factor = if stringy { 2.1 } else { 2.0 };
    ((n.saturating_mul(n)) as f64 * factor) as u64 + 1 + LIST_CREATE_COST
}

/// Kubernetes' `traversalCost`: a tenth of the length of each string, 1 for other scalars,
/// summed over lists and maps.
pub(crate) fn traversal_cost(value: &Value<'_>) -> u64 {
    let mut total = 0u64;
    let mut stack = vec![value.clone()];
    while let Some(v) = stack.pop() {
        match &v {
            Value::String(s) => total += (s.as_str().len() as f64 * 0.1) as u64,
            Value::Bytes(b) => total += (b.len() as f64 * 0.1) as u64,
            Value::List(items) => stack.extend(items.iter()),
            Value::Map(map) => {
                for (k, item) in map.iter() {
                    stack.push(k.to_value());
                    stack.push(item);
                }
            }
            _ => total += 1,
        }
    }
    total
}

fn comparable(value: &Value<'_>) -> bool {
    matches!(
        value,
        Value::Int(_)
            | Value::Uint(_)
            | Value::Double(_)
            | Value::Bool(_)
            | Value::String(_)
            | Value::Bytes(_)
            | Value::Timestamp(_)
            | Value::Duration(_)
    )
}

/// Sorts `items` by `keys` (stable), which must share one comparable type.
fn sort<'a>(items: Vec<Value<'a>>, keys: Vec<Value<'a>>) -> EvalResult<Value<'a>> {
    if items.len() != keys.len() {
        return Err(EvalError::msg(format!(
            "@sortByAssociatedKeys() expected a list of the same size as the associated keys list, but got {} and {} elements respectively",
            items.len(),
            keys.len()
        )));
    }
    let Some(first) = keys.first() else {
        return Ok(Value::list(items));
    };
    if !comparable(first) {
        return Err(EvalError::msg("list elements must be comparable"));
    }
    let key_type: Type = first.type_of();
    if keys.iter().any(|k| k.type_of() != key_type) {
        return Err(EvalError::msg("list elements must have the same type"));
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|a, b| match (keys.get(*a), keys.get(*b)) {
        (Some(x), Some(y)) => ops::compare(x, y).unwrap_or(Ordering::Equal),
        _ => Ordering::Equal,
    });
    Ok(Value::list(
        order
            .into_iter()
            .filter_map(|i| items.get(i).cloned())
            .collect(),
    ))
}

/// `sortBy`: sorts by the keys its macro computed.
pub(crate) fn sort_by_keys<'a>(
    ev: &mut Eval<'_, 'a>,
    items: Vec<Value<'a>>,
    keys: Vec<Value<'a>>,
) -> EvalResult<Value<'a>> {
    ev.charge(self_compare_cost(&List::from_vec(keys.clone())))?;
    sort(items, keys)
}

fn aggregate<'a>(f: Builtin, list: &List<'a>) -> EvalResult<Value<'a>> {
    match f {
        Builtin::IsSorted => {
            let mut previous: Option<Value<'a>> = None;
            for item in list.iter() {
                if !comparable(&item) {
                    return Err(EvalError::NoSuchOverload);
                }
                if let Some(p) = &previous {
                    if ops::compare(p, &item)? == Ordering::Greater {
                        return Ok(Value::Bool(false));
                    }
                }
                previous = Some(item);
            }
            Ok(Value::Bool(true))
        }
        Builtin::Sum => {
            let mut total: Option<Value<'a>> = None;
            for item in list.iter() {
                if !matches!(
                    item,
                    Value::Int(_) | Value::Uint(_) | Value::Double(_) | Value::Duration(_)
                ) {
                    return Err(EvalError::NoSuchOverload);
                }
                total = Some(match total {
                    None => item,
                    Some(t) => ops::add(&t, &item)?,
                });
            }
            Ok(total.unwrap_or(Value::Int(0)))
        }
        _ => {
            let prefer = if f == Builtin::Min {
                Ordering::Greater
            } else {
                Ordering::Less
            };
            let mut best: Option<Value<'a>> = None;
            for item in list.iter() {
                if !comparable(&item) {
                    return Err(EvalError::NoSuchOverload);
                }
                best = Some(match best {
                    None => item,
                    Some(b) => {
                        if ops::compare(&b, &item)? == prefer {
                            item
                        } else {
                            b
                        }
                    }
                });
            }
            let name = if f == Builtin::Min { "min" } else { "max" };
            best.ok_or_else(|| EvalError::msg(format!("{name} called on empty list")))
        }
    }
}

fn sets<'a>(ev: &mut Eval<'_, 'a>, f: Builtin, args: &[Value<'a>]) -> EvalResult<Value<'a>> {
    let (Value::List(a), Value::List(b)) = (arg(args, 0)?, arg(args, 1)?) else {
        return Err(EvalError::NoSuchOverload);
    };
    // cel-go's sets costs: one comparison per pair (two passes for `equivalent`), plus the call.
    let pairs = (a.len() as u64).saturating_mul(b.len() as u64);
    let passes = if f == Builtin::SetsEquivalent { 2 } else { 1 };
    ev.charge(pairs.saturating_mul(passes).saturating_add(1))?;
    let contains = |outer: &List<'_>, inner: &List<'_>| {
        inner
            .iter()
            .all(|x| outer.iter().any(|y| ops::equals(&x, &y)))
    };
    Ok(Value::Bool(match f {
        Builtin::SetsContains => contains(a, b),
        Builtin::SetsEquivalent => contains(a, b) && contains(b, a),
        _ => a.iter().any(|x| b.iter().any(|y| ops::equals(&x, &y))),
    }))
}
