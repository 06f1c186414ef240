//! The tree-walking evaluator, with cel-go's error absorption and runtime cost tracking.
//!
//! Costs follow cel-go's `interpreter/runtimecost.go` and Kubernetes' `library/cost.go`:
//! 1 per identifier, field selection, index and call (more for calls on strings and lists in
//! proportion to their size), 10 per list literal, 30 per map literal, nothing for constants,
//! `has()` and the logical operators; comprehensions cost what their expanded form
//! (`@not_strictly_false(@result)`, `@result && pred`, ...) would. One deliberate
//! difference: list concatenation costs the length of the result, because kanon copies
//! lists where cel-go shares them, so memory stays bounded by the cost limit.

use std::sync::Arc;

use crate::ast::BinaryOp;
use crate::env::{Call, HostFn};
use crate::error::{EvalError, EvalResult};
use crate::functions;
use crate::plan::{CallNode, Func, Node, RegexCall, RegexFn, SelectMode};
use crate::program::{Activation, Binding, LazyField, LazyState};
use crate::value::{Key, Map, Value};
use crate::{cost, ops};

mod comprehension;

/// Cost of creating a list (`common.ListCreateBaseCost`).
pub(crate) const LIST_CREATE_COST: u64 = 10;
/// Cost of creating a map (`common.MapCreateBaseCost`).
pub(crate) const MAP_CREATE_COST: u64 = 30;

pub(crate) struct Eval<'p, 'a> {
    act: &'p Activation<'a>,
    locals: Vec<Value<'a>>,
    pub(crate) cost: u64,
    limit: u64,
}

/// Whether an error may be absorbed by `&&`, `||`, the quantifier macros and `orValue`: all but
/// cancellation.
fn absorbable(e: &EvalError) -> bool {
    !matches!(e, EvalError::CostLimitExceeded)
}

impl<'p, 'a: 'p> Eval<'p, 'a> {
    pub(crate) fn new(act: &'p Activation<'a>, limit: u64) -> Self {
        Eval {
            act,
            locals: Vec::new(),
            cost: 0,
            limit,
        }
    }

    /// Adds to the cost; errs once the limit is passed.
    #[inline]
    pub(crate) fn charge(&mut self, amount: u64) -> EvalResult<()> {
        self.cost = self.cost.saturating_add(amount);
        if self.cost > self.limit {
            Err(EvalError::CostLimitExceeded)
        } else {
            Ok(())
        }
    }

    /// Charges for building `bytes` of output that the function's own cost does not cover,
    /// beyond a small allowance: memory held by results stays bounded by the cost limit (about
    /// ten bytes per unit), where cel-go's cost model leaves some outputs free.
    pub(crate) fn charge_allocation(&mut self, bytes: usize) -> EvalResult<()> {
        const FREE_BYTES: usize = 1024;
        if bytes > FREE_BYTES {
            let cost = crate::cost::traversal(bytes as u64);
            self.ensure_budget(cost)?;
            self.charge(cost)?;
        }
        Ok(())
    }

    /// The cost that may still be spent.
    pub(crate) fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.cost)
    }

    /// Errs unless `amount` more can be spent; for work that allocates before its cost is
    /// known to be affordable.
    pub(crate) fn ensure_budget(&mut self, amount: u64) -> EvalResult<()> {
        if self.cost.saturating_add(amount) > self.limit {
            self.cost = self.limit.saturating_add(1);
            Err(EvalError::CostLimitExceeded)
        } else {
            Ok(())
        }
    }

    pub(crate) fn eval(&mut self, node: &'p Node) -> EvalResult<Value<'a>> {
        match node {
            Node::Const(v) => Ok(v.clone()),
            Node::Var(name) => {
                self.charge(1)?;
                self.variable(name)
            }
            Node::Local(slot) => {
                self.charge(1)?;
                self.locals
                    .get(*slot)
                    .cloned()
                    .ok_or_else(|| EvalError::msg("internal error: unbound local"))
            }
            Node::Select(operand, field, mode) => self.select(operand, field, *mode),
            Node::Path(base, fields) => self.path(base, fields),
            Node::Index(operand, index, optional) => {
                let container = self.eval(operand)?;
                let key = self.eval(index)?;
                self.charge(1)?;
                index_value(&container, &key, *optional)
            }
            Node::Call(call) => self.call(call),
            Node::Not(operand) => {
                let v = self.eval(operand)?;
                self.charge(1)?;
                match v {
                    Value::Bool(b) => Ok(Value::Bool(!b)),
                    _ => Err(EvalError::NoSuchOverload),
                }
            }
            Node::Neg(operand) => {
                let v = self.eval(operand)?;
                self.charge(1)?;
                ops::neg(&v)
            }
            Node::And(lhs, rhs) => self.logical(lhs, rhs, false),
            Node::Or(lhs, rhs) => self.logical(lhs, rhs, true),
            Node::Cond(cond, then, otherwise) => match self.eval(cond)? {
                Value::Bool(true) => self.eval(then),
                Value::Bool(false) => self.eval(otherwise),
                _ => Err(EvalError::NoSuchOverload),
            },
            Node::Binary(op, lhs, rhs) => {
                let l = self.eval(lhs)?;
                let r = self.eval(rhs)?;
                self.binary(*op, &l, &r)
            }
            Node::List(items) => self.list_literal(items),
            Node::Map(entries) => self.map_literal(entries),
            Node::Compr(compr) => self.comprehension(compr),
            Node::Bind(slot, init, body) => {
                let value = self.eval(init)?;
                self.locals.truncate(*slot);
                self.locals.push(value);
                let result = self.eval(body);
                self.locals.truncate(*slot);
                result
            }
            Node::OrValueCompat(operand, default) => {
                let result = self.eval(operand);
                self.charge(1)?;
                match result {
                    Ok(Value::Optional(Some(v))) => Ok((*v).clone()),
                    Ok(Value::Optional(None)) => self.eval(default),
                    Ok(v) => Ok(v),
                    Err(e) if absorbable(&e) => self.eval(default),
                    Err(e) => Err(e),
                }
            }
            Node::Regex(call) => self.regex(call),
            Node::Fail(e) => Err(e.clone()),
        }
    }

    #[inline(never)]
    fn variable(&mut self, name: &str) -> EvalResult<Value<'a>> {
        let act = self.act;
        match act.binding(name) {
            Some(Binding::Value(v)) => Ok(v.clone()),
            Some(Binding::Lazy(fields)) => {
                let mut entries = Vec::with_capacity(fields.len());
                for field in fields {
                    let value = self.lazy_field(field)?;
                    entries.push((Key::String(field.name.clone().into()), value));
                }
                Ok(Value::Map(Map::from_entries_unchecked(entries)))
            }
            None => Err(EvalError::NoSuchAttribute(name.to_string())),
        }
    }

    #[inline(never)]
    fn lazy_field(&mut self, field: &'p LazyField<'a>) -> EvalResult<Value<'a>> {
        match &*field.state.borrow() {
            LazyState::Done(result) => return result.clone(),
            LazyState::Running => {
                return Err(EvalError::msg(format!(
                    "variable '{}' refers to itself",
                    field.name
                )))
            }
            LazyState::Pending => {}
        }
        *field.state.borrow_mut() = LazyState::Running;
        let saved = std::mem::take(&mut self.locals);
        let result = self.eval(&field.program.root);
        self.locals = saved;
        *field.state.borrow_mut() = LazyState::Done(result.clone());
        result
    }

    fn path(&mut self, base: &'p Node, fields: &'p [Arc<str>]) -> EvalResult<Value<'a>> {
        let (mut value, rest) = match (base, fields.split_first()) {
            (Node::Var(name), Some((first, rest))) => {
                self.charge(1)?;
                let act = self.act;
                match act.binding(name) {
                    Some(Binding::Value(v)) => (v.clone(), fields),
                    Some(Binding::Lazy(lazy)) => {
                        (self.lazy_select(lazy, first, SelectMode::Plain)?, rest)
                    }
                    None => return Err(EvalError::NoSuchAttribute(name.to_string())),
                }
            }
            _ => (self.eval(base)?, fields),
        };
        for field in rest {
            self.charge(1)?;
            value = select_value(&value, field, SelectMode::Plain)?;
        }
        Ok(value)
    }

    /// `variables.name` (or `has()`, `.?`) on lazily bound fields.
    #[inline(never)]
    fn lazy_select(
        &mut self,
        fields: &'p [LazyField<'a>],
        field: &str,
        mode: SelectMode,
    ) -> EvalResult<Value<'a>> {
        let found = fields.iter().find(|f| f.name == field);
        match (mode, found) {
            (SelectMode::Has, found) => Ok(Value::Bool(found.is_some())),
            (SelectMode::Plain, Some(f)) => {
                self.charge(1)?;
                self.lazy_field(f)
            }
            (SelectMode::Optional, Some(f)) => {
                self.charge(1)?;
                Ok(Value::optional_of(self.lazy_field(f)?))
            }
            (SelectMode::Plain, None) => Err(EvalError::NoSuchKey(field.to_string())),
            (SelectMode::Optional, None) => Ok(Value::optional_none()),
        }
    }

    fn select(
        &mut self,
        operand: &'p Node,
        field: &str,
        mode: SelectMode,
    ) -> EvalResult<Value<'a>> {
        if let Node::Var(name) = operand {
            let act = self.act;
            if let Some(Binding::Lazy(fields)) = act.binding(name) {
                self.charge(1)?;
                return self.lazy_select(fields, field, mode);
            }
        }
        let value = self.eval(operand)?;
        if mode != SelectMode::Has {
            self.charge(1)?;
        }
        select_value(&value, field, mode)
    }

    #[inline(never)]
    fn logical(&mut self, lhs: &'p Node, rhs: &'p Node, or: bool) -> EvalResult<Value<'a>> {
        // `false && x` and `true || x` decide without x; errors on either side are absorbed
        // when the other side decides.
        let decisive = or;
        let left = self.eval(lhs);
        match &left {
            Ok(Value::Bool(b)) if *b == decisive => return Ok(Value::Bool(decisive)),
            Err(e) if !absorbable(e) => return left,
            _ => {}
        }
        let right = self.eval(rhs);
        match (&left, &right) {
            (_, Ok(Value::Bool(b))) if *b == decisive => Ok(Value::Bool(decisive)),
            (_, Err(e)) if !absorbable(e) => right,
            (Ok(Value::Bool(_)), Ok(Value::Bool(_))) => Ok(Value::Bool(!decisive)),
            (Err(_), _) => left,
            (_, Err(_)) => right,
            _ => Err(EvalError::NoSuchOverload),
        }
    }

    #[inline(never)]
    fn binary(&mut self, op: BinaryOp, l: &Value<'a>, r: &Value<'a>) -> EvalResult<Value<'a>> {
        match op {
            BinaryOp::Eq | BinaryOp::Ne => {
                self.charge(cost::traversal(l.cost_size().min(r.cost_size())))?;
                let eq = ops::equals(l, r);
                Ok(Value::Bool(if op == BinaryOp::Eq { eq } else { !eq }))
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let cost = match (l, r) {
                    (Value::String(_) | Value::Bytes(_), Value::String(_) | Value::Bytes(_)) => {
                        cost::traversal(l.cost_size().min(r.cost_size()))
                    }
                    _ => 1,
                };
                self.charge(cost)?;
                let ordering = ops::compare(l, r)?;
                Ok(Value::Bool(match op {
                    BinaryOp::Lt => ordering.is_lt(),
                    BinaryOp::Le => ordering.is_le(),
                    BinaryOp::Gt => ordering.is_gt(),
                    _ => ordering.is_ge(),
                }))
            }
            BinaryOp::In => {
                let cost = match r {
                    Value::List(items) => items.len() as u64,
                    _ => 1,
                };
                self.charge(cost)?;
                Ok(Value::Bool(ops::contains(l, r)?))
            }
            BinaryOp::Add => {
                let cost = match (l, r) {
                    (Value::String(_), Value::String(_)) | (Value::Bytes(_), Value::Bytes(_)) => {
                        cost::traversal(l.cost_size() + r.cost_size())
                    }
                    (Value::List(a), Value::List(b)) => 1 + (a.len() + b.len()) as u64,
                    _ => 1,
                };
                self.charge(cost)?;
                ops::add(l, r)
            }
            BinaryOp::Sub => {
                self.charge(1)?;
                ops::sub(l, r)
            }
            BinaryOp::Mul => {
                self.charge(1)?;
                ops::mul(l, r)
            }
            BinaryOp::Div => {
                self.charge(1)?;
                ops::div(l, r)
            }
            BinaryOp::Rem => {
                self.charge(1)?;
                ops::rem(l, r)
            }
        }
    }

    #[inline(never)]
    fn call(&mut self, call: &'p CallNode) -> EvalResult<Value<'a>> {
        match call.args.as_slice() {
            [a] => {
                let a = self.eval(a)?;
                self.dispatch(call, &[a])
            }
            [a, b] => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                self.dispatch(call, &[a, b])
            }
            [a, b, c] => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                let c = self.eval(c)?;
                self.dispatch(call, &[a, b, c])
            }
            nodes => {
                let mut args = Vec::with_capacity(nodes.len());
                for arg in nodes {
                    args.push(self.eval(arg)?);
                }
                self.dispatch(call, &args)
            }
        }
    }

    fn dispatch(&mut self, call: &'p CallNode, args: &[Value<'a>]) -> EvalResult<Value<'a>> {
        match &call.func {
            Func::Builtin(builtin) => functions::call(self, *builtin, args),
            Func::Host(fns) => self.host_call(&call.name, fns, args),
            Func::Both(builtin, fns) => match functions::call(self, *builtin, args) {
                Err(EvalError::NoSuchOverload) => self.host_call(&call.name, fns, args),
                result => result,
            },
        }
    }

    #[inline(never)]
    fn host_call(
        &mut self,
        name: &Arc<str>,
        fns: &[HostFn],
        args: &[Value<'a>],
    ) -> EvalResult<Value<'a>> {
        self.charge(1)?;
        let context = Call {
            host: self.act.host(),
            name: name.clone(),
        };
        for f in fns {
            match f(&context, args) {
                Err(EvalError::NoSuchOverload) => continue,
                result => return result,
            }
        }
        Err(EvalError::NoSuchOverload)
    }

    #[inline(never)]
    fn list_literal(&mut self, items: &'p [(Node, bool)]) -> EvalResult<Value<'a>> {
        let mut values = Vec::with_capacity(items.len());
        for (item, optional) in items {
            let value = self.eval(item)?;
            if *optional {
                match value {
                    Value::Optional(Some(v)) => values.push((*v).clone()),
                    Value::Optional(None) => {}
                    other => {
                        return Err(EvalError::msg(format!(
                            "cannot initialize optional list element from non-optional value {}",
                            crate::functions::debug_string(&other)
                        )))
                    }
                }
            } else {
                values.push(value);
            }
        }
        self.charge(LIST_CREATE_COST)?;
        Ok(Value::list(values))
    }

    #[inline(never)]
    fn map_literal(&mut self, entries: &'p [(Node, Node, bool)]) -> EvalResult<Value<'a>> {
        let mut values = Vec::with_capacity(entries.len());
        for (key, value, optional) in entries {
            let key_value = self.eval(key)?;
            let key = Key::from_value(&key_value).ok_or_else(|| {
                EvalError::msg(format!("unsupported key type: {}", key_value.type_of()))
            })?;
            let value = self.eval(value)?;
            if *optional {
                match value {
                    Value::Optional(Some(v)) => values.push((key, (*v).clone())),
                    Value::Optional(None) => {}
                    other => {
                        return Err(EvalError::msg(format!(
                            "cannot initialize optional entry '{}' from non-optional value {}",
                            crate::functions::debug_string(&key_value),
                            crate::functions::debug_string(&other)
                        )))
                    }
                }
            } else {
                values.push((key, value));
            }
        }
        self.charge(MAP_CREATE_COST)?;
        Map::from_entries(values)
            .map(Value::Map)
            .map_err(|_| EvalError::msg("Failed with repeated key"))
    }

    #[inline(never)]
    fn regex(&mut self, call: &'p RegexCall) -> EvalResult<Value<'a>> {
        let target = self.eval(&call.target)?;
        let limit = match &call.limit {
            Some(limit) => Some(self.eval(limit)?),
            None => None,
        };
        let Value::String(text) = &target else {
            return Err(EvalError::NoSuchOverload);
        };
        self.charge(cost::regex(target.cost_size(), call.pattern_size))?;
        let text = text.as_str();
        match call.function {
            RegexFn::Matches => Ok(Value::Bool(call.regex.is_match(text))),
            RegexFn::Find => Ok(Value::string(
                call.regex.find(text).map_or("", |m| m.as_str()),
            )),
            RegexFn::FindAll => {
                let limit = match limit {
                    None => -1,
                    Some(Value::Int(n)) => n,
                    Some(_) => return Err(EvalError::NoSuchOverload),
                };
                Ok(functions::find_all(&call.regex, text, limit))
            }
        }
    }
}

/// `value.field`, `has(value.field)` or `value.?field`. As in cel-go without
/// `EnableErrorOnBadPresenceTest` (Kubernetes' configuration), a presence test or optional
/// selection on a value that has no fields (null, a string...) is simply absent.
fn select_value<'a>(value: &Value<'a>, field: &str, mode: SelectMode) -> EvalResult<Value<'a>> {
    match (value, mode) {
        (Value::Map(map), SelectMode::Plain) => map
            .get_str(field)
            .ok_or_else(|| EvalError::NoSuchKey(field.to_string())),
        (Value::Map(map), SelectMode::Has) => Ok(Value::Bool(map.get_str(field).is_some())),
        (Value::Map(map), SelectMode::Optional) => Ok(match map.get_str(field) {
            Some(v) => Value::optional_of(v),
            None => Value::optional_none(),
        }),
        (Value::Optional(None), SelectMode::Plain | SelectMode::Optional) => {
            Ok(Value::optional_none())
        }
        (Value::Optional(None), SelectMode::Has) => Ok(Value::Bool(false)),
        (Value::Optional(Some(inner)), SelectMode::Plain | SelectMode::Optional) => {
            select_value(inner, field, SelectMode::Optional)
        }
        (Value::Optional(Some(inner)), SelectMode::Has) => select_value(inner, field, mode),
        (Value::List(_), _) => Err(EvalError::msg("unsupported index type 'string' in list")),
        (_, SelectMode::Has) => Ok(Value::Bool(false)),
        (_, SelectMode::Optional) => Ok(Value::optional_none()),
        (_, SelectMode::Plain) => Err(EvalError::NoSuchKey(field.to_string())),
    }
}

/// `container[key]` or `container[?key]`.
pub(crate) fn index_value<'a>(
    container: &Value<'a>,
    key: &Value<'_>,
    optional: bool,
) -> EvalResult<Value<'a>> {
    match container {
        Value::List(items) => {
            let index = match key {
                Value::Int(i) => Some(*i),
                Value::Uint(u) => i64::try_from(*u).ok(),
                Value::Double(d) if d.fract() == 0.0 && d.abs() < 9.2e18 => Some(*d as i64),
                Value::Double(_) => {
                    return Err(EvalError::msg(format!(
                        "unsupported index value {} in list",
                        crate::functions::debug_string(key)
                    )))
                }
                _ => {
                    return Err(EvalError::msg(format!(
                        "unsupported index type '{}' in list",
                        key.type_of()
                    )))
                }
            };
            let found = index
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| items.get(i));
            match (found, optional) {
                (Some(v), false) => Ok(v),
                (Some(v), true) => Ok(Value::optional_of(v)),
                (None, true) => Ok(Value::optional_none()),
                (None, false) => Err(EvalError::IndexOutOfBounds(crate::functions::debug_string(
                    key,
                ))),
            }
        }
        Value::Map(map) => {
            if !matches!(
                key,
                Value::String(_)
                    | Value::Int(_)
                    | Value::Uint(_)
                    | Value::Bool(_)
                    | Value::Double(_)
            ) {
                return Err(EvalError::msg(format!(
                    "unsupported key type: {}",
                    key.type_of()
                )));
            }
            match (map.get(key), optional) {
                (Some(v), false) => Ok(v),
                (Some(v), true) => Ok(Value::optional_of(v)),
                (None, true) => Ok(Value::optional_none()),
                (None, false) => Err(EvalError::NoSuchKey(crate::functions::debug_string(key))),
            }
        }
        Value::Optional(None) => Ok(Value::optional_none()),
        Value::Optional(Some(inner)) => index_value(inner, key, true),
        _ if optional => Ok(Value::optional_none()),
        _ => Err(EvalError::NoSuchKey(crate::functions::debug_string(key))),
    }
}
