//! The comprehension macros (`all`, `exists`, `exists_one`, `map`, `filter`, the
//! two-variable forms, `sortBy`, `optMap`), evaluated directly rather than through cel-go's
//! generic fold, with the costs of their expanded forms (`@not_strictly_false(@result)`,
//! `@result && pred`, `@result + [t]`...).

use super::{absorbable, Eval, LIST_CREATE_COST, MAP_CREATE_COST};
use crate::error::{EvalError, EvalResult};
use crate::functions;
use crate::plan::{ComprKind, Comprehension, Node};
use crate::value::{Key, List, Map, MapIter, Value};

/// The elements of a comprehension's range.
enum RangeIter<'r, 'a> {
    List(&'r List<'a>, usize),
    Map(MapIter<'r, 'a>),
}

impl<'a> RangeIter<'_, 'a> {
    /// The next (variable, second variable): for lists (element, -) or, with two variables,
    /// (index, element); for maps (key, value).
    fn next_pair(&mut self, two_vars: bool) -> Option<(Value<'a>, Value<'a>)> {
        match self {
            RangeIter::List(items, i) => {
                let element = items.get(*i)?;
                let index = *i;
                *i += 1;
                if two_vars {
                    Some((Value::Int(index as i64), element))
                } else {
                    Some((element, Value::Null))
                }
            }
            RangeIter::Map(it) => it.next().map(|(k, v)| (k.to_value(), v)),
        }
    }
}

impl<'p, 'a: 'p> Eval<'p, 'a> {
    #[inline(never)]
    pub(super) fn comprehension(&mut self, c: &'p Comprehension) -> EvalResult<Value<'a>> {
        let range = self.eval(&c.range)?;
        self.locals.truncate(c.slot);
        if matches!(c.kind, ComprKind::OptMap | ComprKind::OptFlatMap) {
            let result = self.opt_map(c, range);
            self.locals.truncate(c.slot);
            return result;
        }
        let iter = match &range {
            Value::List(items) => RangeIter::List(items, 0),
            Value::Map(map) => RangeIter::Map(map.iter()),
            other => {
                return Err(EvalError::msg(format!(
                    "got '{}', expected iterable type",
                    other.type_of()
                )))
            }
        };
        self.locals.push(Value::Null);
        if c.two_vars {
            self.locals.push(Value::Null);
        }
        let result = self.fold(c, iter, &range);
        self.locals.truncate(c.slot);
        result
    }

    fn set_vars(&mut self, c: &Comprehension, first: Value<'a>, second: Value<'a>) {
        if let Some(slot) = self.locals.get_mut(c.slot) {
            *slot = first;
        }
        if c.two_vars {
            if let Some(slot) = self.locals.get_mut(c.slot + 1) {
                *slot = second;
            }
        }
    }

    fn predicate(&mut self, node: &'p Node) -> EvalResult<bool> {
        match self.eval(node)? {
            Value::Bool(b) => Ok(b),
            _ => Err(EvalError::NoSuchOverload),
        }
    }

    fn fold(
        &mut self,
        c: &'p Comprehension,
        mut iter: RangeIter<'_, 'a>,
        range: &Value<'a>,
    ) -> EvalResult<Value<'a>> {
        match c.kind {
            ComprKind::All | ComprKind::Exists => self.quantifier(c, iter),
            ComprKind::ExistsOne => {
                let mut count = 0u64;
                while let Some((first, second)) = iter.next_pair(c.two_vars) {
                    self.set_vars(c, first, second);
                    if self.predicate(&c.body)? {
                        count += 1;
                        self.charge(2)?;
                    } else {
                        self.charge(1)?;
                    }
                }
                self.charge(2)?;
                Ok(Value::Bool(count == 1))
            }
            ComprKind::Map | ComprKind::Filter | ComprKind::TransformList | ComprKind::SortBy => {
                // The accumulator starts as an empty list literal.
                self.charge(LIST_CREATE_COST)?;
                let mut out = Vec::new();
                let mut keys = Vec::new();
                while let Some((first, second)) = iter.next_pair(c.two_vars) {
                    let element = match c.kind {
                        ComprKind::Filter | ComprKind::SortBy => Some(first.clone()),
                        _ => None,
                    };
                    self.set_vars(c, first, second);
                    if let Some(filter) = &c.filter {
                        if !self.predicate(filter)? {
                            self.charge(1)?;
                            continue;
                        }
                    }
                    match (c.kind, element) {
                        (ComprKind::Filter, Some(element)) => {
                            if self.predicate(&c.body)? {
                                self.charge(LIST_CREATE_COST + 3)?;
                                out.push(element);
                            } else {
                                self.charge(1)?;
                            }
                        }
                        (ComprKind::SortBy, Some(element)) => {
                            keys.push(self.eval(&c.body)?);
                            self.charge(LIST_CREATE_COST + 2)?;
                            out.push(element);
                        }
                        _ => {
                            let value = self.eval(&c.body)?;
                            self.charge(LIST_CREATE_COST + 2)?;
                            out.push(value);
                        }
                    }
                }
                self.charge(1)?;
                if c.kind == ComprKind::SortBy {
                    let Value::List(_) = range else {
                        return Err(EvalError::NoSuchOverload);
                    };
                    return functions::sort_by_keys(self, out, keys);
                }
                Ok(Value::List(List::from_vec(out)))
            }
            ComprKind::TransformMap | ComprKind::TransformMapEntry => self.transform_map(c, iter),
            ComprKind::OptMap | ComprKind::OptFlatMap => Err(EvalError::NoSuchOverload),
        }
    }

    /// `all` and `exists`: a decisive predicate result (false, true) wins over errors of
    /// other elements, as `&&` and `||` do.
    fn quantifier(
        &mut self,
        c: &'p Comprehension,
        mut iter: RangeIter<'_, 'a>,
    ) -> EvalResult<Value<'a>> {
        let decisive = c.kind == ComprKind::Exists;
        // `@not_strictly_false(@result)` and `@result &&`, or `@not_strictly_false(!@result)`
        // and `@result ||`.
        let per_step = if decisive { 4 } else { 3 };
        let mut error = None;
        while let Some((first, second)) = iter.next_pair(c.two_vars) {
            self.charge(per_step)?;
            self.set_vars(c, first, second);
            match self.eval(&c.body) {
                Ok(Value::Bool(b)) if b == decisive => {
                    self.charge(per_step)?;
                    return Ok(Value::Bool(decisive));
                }
                Ok(Value::Bool(_)) => {}
                Ok(_) => {
                    error.get_or_insert(EvalError::NoSuchOverload);
                }
                Err(e) if !absorbable(&e) => return Err(e),
                Err(e) => {
                    error.get_or_insert(e);
                }
            }
        }
        self.charge(1)?;
        match error {
            Some(e) => Err(e),
            None => Ok(Value::Bool(!decisive)),
        }
    }

    /// `transformMap` and `transformMapEntry`.
    fn transform_map(
        &mut self,
        c: &'p Comprehension,
        mut iter: RangeIter<'_, 'a>,
    ) -> EvalResult<Value<'a>> {
        // The accumulator starts as an empty map literal; each step is a
        // `cel.@mapInsert(@result, ...)` call.
        self.charge(MAP_CREATE_COST)?;
        let mut entries: Vec<(Key<'a>, Value<'a>)> = Vec::new();
        while let Some((first, second)) = iter.next_pair(true) {
            let key = first.clone();
            self.set_vars(c, first, second);
            if let Some(filter) = &c.filter {
                if !self.predicate(filter)? {
                    self.charge(1)?;
                    continue;
                }
            }
            let value = self.eval(&c.body)?;
            if c.kind == ComprKind::TransformMap {
                self.charge(3)?;
                let key = Key::from_value(&key).ok_or(EvalError::NoSuchOverload)?;
                entries.push((key, value));
            } else {
                self.charge(2)?;
                let Value::Map(entry) = value else {
                    return Err(EvalError::NoSuchOverload);
                };
                entries.extend(entry.iter());
            }
        }
        self.charge(1)?;
        Map::from_entries(entries).map(Value::Map).map_err(|key| {
            EvalError::msg(format!(
                "insert failed: key {} already exists",
                functions::debug_string(&key.to_value())
            ))
        })
    }

    /// `optMap` and `optFlatMap`.
    fn opt_map(&mut self, c: &'p Comprehension, range: Value<'a>) -> EvalResult<Value<'a>> {
        let Value::Optional(inner) = range else {
            return Err(EvalError::NoSuchOverload);
        };
        self.charge(1)?;
        let Some(inner) = inner else {
            return Ok(Value::optional_none());
        };
        self.locals.push((*inner).clone());
        let result = self.eval(&c.body)?;
        if c.kind == ComprKind::OptMap {
            return Ok(Value::optional_of(result));
        }
        match result {
            Value::Optional(_) => Ok(result),
            _ => Err(EvalError::NoSuchOverload),
        }
    }
}
