//! Tree-walking evaluation with Kyverno's missing-key rules.
//!
//! Values are borrowed from the input or the expression wherever possible ([`Cow`]); only
//! projections, multi-selects and function results build new values.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::parser::{stack_address, Comparator, Node, MAX_DEPTH, STACK_BUDGET};
use crate::runtime::{Arg, Runtime};
use crate::value::{as_f64, is_false, json_equal};

static NULL: Value = Value::Null;

/// Evaluates syntax trees against data with one [`Runtime`]'s functions.
pub(crate) struct Interpreter<'r> {
    pub(crate) runtime: &'r Runtime,
    /// Stack address when evaluation started, to bound recursion.
    stack_base: usize,
}

/// Turns Kyverno's missing-key error into null; other errors pass.
fn swallow_not_found<'a>(result: Result<Cow<'a, Value>>) -> Result<Cow<'a, Value>> {
    match result {
        Err(error) if error.is_not_found() => Ok(Cow::Borrowed(&NULL)),
        other => other,
    }
}

/// Evaluates `node` on a value that may be owned by the caller's frame, returning a value that
/// outlives it.
fn on_cow<'a>(
    interpreter: &Interpreter<'_>,
    node: &'a Node,
    value: Cow<'a, Value>,
) -> Result<Cow<'a, Value>> {
    match value {
        Cow::Borrowed(value) => interpreter.eval(node, value),
        Cow::Owned(value) => Ok(Cow::Owned(interpreter.eval(node, &value)?.into_owned())),
    }
}

impl<'r> Interpreter<'r> {
    /// An interpreter for one evaluation.
    pub(crate) fn new(runtime: &'r Runtime) -> Self {
        Self {
            runtime,
            stack_base: stack_address(),
        }
    }

    /// Evaluates `node` with `value` as the current value.
    pub(crate) fn eval<'a>(&self, node: &'a Node, value: &'a Value) -> Result<Cow<'a, Value>> {
        if self.stack_base.abs_diff(stack_address()) > STACK_BUDGET {
            return Err(Error::TooDeep {
                limit: MAX_DEPTH,
                offset: 0,
            });
        }
        match node {
            Node::Identity => Ok(Cow::Borrowed(value)),
            Node::Literal(literal) => Ok(Cow::Borrowed(literal)),
            Node::Field(key) => match value {
                Value::Object(map) => match map.get(key) {
                    Some(found) => Ok(Cow::Borrowed(found)),
                    None => Err(Error::NotFound { key: key.clone() }),
                },
                _ => Ok(Cow::Borrowed(&NULL)),
            },
            Node::Index(index) => match value {
                Value::Array(items) => {
                    let position = if *index < 0 {
                        index.checked_add(items.len() as i64)
                    } else {
                        Some(*index)
                    };
                    let found = position
                        .and_then(|p| usize::try_from(p).ok())
                        .and_then(|p| items.get(p));
                    Ok(Cow::Borrowed(found.unwrap_or(&NULL)))
                }
                _ => Ok(Cow::Borrowed(&NULL)),
            },
            Node::Slice(parts) => match value {
                Value::Array(items) => Ok(Cow::Owned(Value::Array(slice(items, parts)?))),
                _ => Ok(Cow::Borrowed(&NULL)),
            },
            Node::Subexpression(left, right) => {
                let left = self.eval(left, value)?;
                on_cow(self, right, left)
            }
            Node::Projection(left, right) => {
                let left = swallow_not_found(self.eval(left, value))?;
                // `x[]` over a list built here: the items move, nothing is copied.
                if matches!(right.as_ref(), Node::Identity) {
                    if let Cow::Owned(Value::Array(items)) = left {
                        return Ok(Cow::Owned(Value::Array(
                            items.into_iter().filter(|v| !v.is_null()).collect(),
                        )));
                    }
                }
                let Value::Array(items) = left.as_ref() else {
                    return Ok(Cow::Borrowed(&NULL));
                };
                let mut collected = Vec::with_capacity(items.len());
                for item in items {
                    let projected = swallow_not_found(self.eval(right, item))?;
                    if !projected.is_null() {
                        collected.push(projected.into_owned());
                    }
                }
                Ok(Cow::Owned(Value::Array(collected)))
            }
            Node::ValueProjection(left, right) => {
                let Ok(left) = self.eval(left, value) else {
                    return Ok(Cow::Borrowed(&NULL));
                };
                let Value::Object(map) = left.as_ref() else {
                    return Ok(Cow::Borrowed(&NULL));
                };
                let mut collected = Vec::with_capacity(map.len());
                for item in map.values() {
                    let projected = swallow_not_found(self.eval(right, item))?;
                    if !projected.is_null() {
                        collected.push(projected.into_owned());
                    }
                }
                Ok(Cow::Owned(Value::Array(collected)))
            }
            Node::FilterProjection {
                left,
                right,
                condition,
            } => {
                let Ok(left) = self.eval(left, value) else {
                    return Ok(Cow::Borrowed(&NULL));
                };
                let Value::Array(items) = left.as_ref() else {
                    return Ok(Cow::Borrowed(&NULL));
                };
                let mut collected = Vec::new();
                for item in items {
                    let keep = swallow_not_found(self.eval(condition, item))?;
                    if is_false(&keep) {
                        continue;
                    }
                    let projected = swallow_not_found(self.eval(right, item))?;
                    if !projected.is_null() {
                        collected.push(projected.into_owned());
                    }
                }
                Ok(Cow::Owned(Value::Array(collected)))
            }
            Node::Flatten(inner) => {
                let Ok(inner) = self.eval(inner, value) else {
                    return Ok(Cow::Borrowed(&NULL));
                };
                // A list built here (a multi-select, a projection) is flattened by moving.
                if let Cow::Owned(Value::Array(items)) = inner {
                    let mut flattened = Vec::with_capacity(items.len());
                    for item in items {
                        match item {
                            Value::Array(nested) => flattened.extend(nested),
                            other => flattened.push(other),
                        }
                    }
                    return Ok(Cow::Owned(Value::Array(flattened)));
                }
                let Value::Array(items) = inner.as_ref() else {
                    return Ok(Cow::Borrowed(&NULL));
                };
                let mut flattened = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::Array(nested) => flattened.extend(nested.iter().cloned()),
                        other => flattened.push(other.clone()),
                    }
                }
                Ok(Cow::Owned(Value::Array(flattened)))
            }
            Node::MultiSelectList(items) => {
                if value.is_null() {
                    return Ok(Cow::Borrowed(&NULL));
                }
                let mut collected = Vec::with_capacity(items.len());
                for item in items {
                    collected.push(swallow_not_found(self.eval(item, value))?.into_owned());
                }
                Ok(Cow::Owned(Value::Array(collected)))
            }
            Node::MultiSelectHash(pairs) => {
                if value.is_null() {
                    return Ok(Cow::Borrowed(&NULL));
                }
                let mut collected = Map::with_capacity(pairs.len());
                for (key, item) in pairs {
                    let result = swallow_not_found(self.eval(item, value))?.into_owned();
                    collected.insert(key.clone(), result);
                }
                Ok(Cow::Owned(Value::Object(collected)))
            }
            Node::Or(left, right) => {
                let left = swallow_not_found(self.eval(left, value))?;
                if is_false(&left) {
                    return swallow_not_found(self.eval(right, value));
                }
                Ok(left)
            }
            Node::And(left, right) => {
                let left = swallow_not_found(self.eval(left, value))?;
                if is_false(&left) {
                    return Ok(left);
                }
                // go-jmespath lets errors of the right side through, missing keys included.
                self.eval(right, value)
            }
            Node::Not(inner) => {
                let inner = swallow_not_found(self.eval(inner, value))?;
                Ok(Cow::Owned(Value::Bool(is_false(&inner))))
            }
            Node::Pipe(left, right) => {
                let left = swallow_not_found(self.eval(left, value))?;
                swallow_not_found(on_cow(self, right, left))
            }
            Node::Compare(comparator, left, right) => {
                let left = swallow_not_found(self.eval(left, value))?;
                let right = swallow_not_found(self.eval(right, value))?;
                Ok(Cow::Owned(compare(*comparator, &left, &right)))
            }
            Node::Function(name, args) => {
                let mut resolved = Vec::with_capacity(args.len());
                for arg in args {
                    match arg {
                        Node::ExpRef(inner) => resolved.push(Arg::ExpRef(inner)),
                        other => {
                            resolved.push(Arg::Value(swallow_not_found(self.eval(other, value))?))
                        }
                    }
                }
                Ok(Cow::Owned(self.runtime.call(name, resolved, self)?))
            }
            // An expression reference outside a function argument has no JSON value.
            Node::ExpRef(_) => Ok(Cow::Borrowed(&NULL)),
        }
    }
}

/// `==`/`!=` compare any values deeply; ordering needs two numbers, else null.
fn compare(comparator: Comparator, left: &Value, right: &Value) -> Value {
    match comparator {
        Comparator::Eq => return Value::Bool(json_equal(left, right)),
        Comparator::Ne => return Value::Bool(!json_equal(left, right)),
        _ => {}
    }
    let (Some(left), Some(right)) = (as_f64(left), as_f64(right)) else {
        return Value::Null;
    };
    Value::Bool(match comparator {
        Comparator::Lt => left < right,
        Comparator::Lte => left <= right,
        Comparator::Gt => left > right,
        _ => left >= right,
    })
}

/// Python-style slicing, as go-jmespath computes it.
fn slice(items: &[Value], parts: &[Option<i64>; 3]) -> Result<Vec<Value>> {
    let length = items.len() as i64;
    let step = match parts[2] {
        None => 1,
        Some(0) => {
            return Err(Error::InvalidValue {
                message: "Invalid slice, step cannot be 0".into(),
            })
        }
        Some(step) => step,
    };
    let cap = |actual: i64| -> i64 {
        if actual < 0 {
            let adjusted = actual.saturating_add(length);
            if adjusted < 0 {
                if step < 0 {
                    -1
                } else {
                    0
                }
            } else {
                adjusted
            }
        } else if actual >= length {
            if step < 0 {
                length - 1
            } else {
                length
            }
        } else {
            actual
        }
    };
    let start = match parts[0] {
        None if step < 0 => length - 1,
        None => 0,
        Some(start) => cap(start),
    };
    let stop = match parts[1] {
        None if step < 0 => -1,
        None => length,
        Some(stop) => cap(stop),
    };
    let mut result = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        if let Some(item) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
            result.push(item.clone());
        }
        i = match i.checked_add(step) {
            Some(next) => next,
            None => break,
        };
    }
    Ok(result)
}
