//! Turns the syntax tree into a program: resolves identifiers (comprehension locals,
//! declared variables, type names, namespaced functions), expands macros, picks builtin or
//! host functions, and compiles constant regular expressions, durations and timestamps.

use std::sync::Arc;

use crate::ast::{Expr, ExprKind, UnaryOp};
use crate::env::Env;
use crate::error::{CompileError, EvalError};
use crate::functions::{self, Builtin, Lookup};
use crate::plan::{CallNode, ComprKind, Comprehension, Func, Node, RegexCall, RegexFn, SelectMode};
use crate::types::Type;
use crate::value::Value;

type CResult<T> = Result<T, CompileError>;

pub(crate) fn compile(env: &Env, source: &str, expr: &Expr) -> CResult<Node> {
    Compiler {
        env,
        source,
        scopes: Vec::new(),
    }
    .expr(expr)
}

struct Compiler<'e> {
    env: &'e Env,
    source: &'e str,
    /// Names of the comprehension and `cel.bind` locals in scope; a name's index is its slot.
    scopes: Vec<String>,
}

/// `operand.field`, extending a path node when the operand already is one.
fn path(operand: Node, field: Arc<str>) -> Node {
    match operand {
        Node::Path(base, fields) => {
            let mut fields = fields.into_vec();
            fields.push(field);
            Node::Path(base, fields.into_boxed_slice())
        }
        other => Node::Path(Box::new(other), Box::new([field])),
    }
}

/// The parts of a dotted identifier chain such as `a.b.c`; `None` for anything else.
fn dotted(expr: &Expr) -> Option<(Vec<&str>, bool)> {
    match &expr.kind {
        ExprKind::Ident { name, leading_dot } => Some((vec![name.as_str()], *leading_dot)),
        ExprKind::Select {
            operand,
            field,
            optional: false,
        } => {
            let (mut parts, leading_dot) = dotted(operand)?;
            parts.push(field.as_str());
            Some((parts, leading_dot))
        }
        _ => None,
    }
}

impl Compiler<'_> {
    fn error(&self, pos: usize, message: impl Into<String>) -> CompileError {
        CompileError::at(self.source, pos, message)
    }

    fn undeclared(&self, name: &str, pos: usize) -> CResult<Node> {
        if self.env.inner.strict {
            return Err(self.error(
                pos,
                format!("undeclared reference to '{name}' (in container '')"),
            ));
        }
        Ok(Node::Fail(EvalError::msg(format!(
            "undeclared reference to '{name}' (in container '')"
        ))))
    }

    fn local(&self, name: &str) -> Option<usize> {
        self.scopes.iter().rposition(|n| n == name)
    }

    fn exprs(&mut self, exprs: &[Expr]) -> CResult<Vec<Node>> {
        exprs.iter().map(|e| self.expr(e)).collect()
    }

    fn boxed(&mut self, expr: &Expr) -> CResult<Box<Node>> {
        Ok(Box::new(self.expr(expr)?))
    }

    fn expr(&mut self, e: &Expr) -> CResult<Node> {
        Ok(match &e.kind {
            ExprKind::Null => Node::Const(Value::Null),
            ExprKind::Bool(b) => Node::Const(Value::Bool(*b)),
            ExprKind::Int(i) => Node::Const(Value::Int(*i)),
            ExprKind::Uint(u) => Node::Const(Value::Uint(*u)),
            ExprKind::Double(d) => Node::Const(Value::Double(*d)),
            ExprKind::String(s) => Node::Const(Value::string(s.as_str())),
            ExprKind::Bytes(b) => Node::Const(Value::Bytes(Arc::from(b.as_slice()))),
            ExprKind::Ident { name, leading_dot } => self.ident(name, *leading_dot, e.pos)?,
            ExprKind::Select {
                operand,
                field,
                optional,
            } => {
                if !optional {
                    if let Some(node) = self.qualified(e)? {
                        return Ok(node);
                    }
                }
                let operand = self.expr(operand)?;
                let field: Arc<str> = Arc::from(field.as_str());
                if *optional {
                    Node::Select(Box::new(operand), field, SelectMode::Optional)
                } else {
                    path(operand, field)
                }
            }
            ExprKind::Index {
                operand,
                index,
                optional,
            } => Node::Index(self.boxed(operand)?, self.boxed(index)?, *optional),
            ExprKind::Call {
                target,
                name,
                args,
                leading_dot,
            } => self.call(e.pos, target.as_deref(), name, args, *leading_dot)?,
            ExprKind::Unary(UnaryOp::Not, operand) => Node::Not(self.boxed(operand)?),
            ExprKind::Unary(UnaryOp::Neg, operand) => Node::Neg(self.boxed(operand)?),
            ExprKind::Binary(op, lhs, rhs) => Node::Binary(*op, self.boxed(lhs)?, self.boxed(rhs)?),
            ExprKind::And(lhs, rhs) => Node::And(self.boxed(lhs)?, self.boxed(rhs)?),
            ExprKind::Or(lhs, rhs) => Node::Or(self.boxed(lhs)?, self.boxed(rhs)?),
            ExprKind::Cond(cond, then, otherwise) => {
                Node::Cond(self.boxed(cond)?, self.boxed(then)?, self.boxed(otherwise)?)
            }
            ExprKind::List(items) => {
                let mut nodes = Vec::with_capacity(items.len());
                for (item, optional) in items {
                    nodes.push((self.expr(item)?, *optional));
                }
                Node::List(nodes.into_boxed_slice())
            }
            ExprKind::Map(entries) => {
                let mut nodes = Vec::with_capacity(entries.len());
                for (key, value, optional) in entries {
                    nodes.push((self.expr(key)?, self.expr(value)?, *optional));
                }
                Node::Map(nodes.into_boxed_slice())
            }
            ExprKind::Message { name } => {
                return Err(self.error(
                    e.pos,
                    format!("undeclared reference to '{name}' (in container '')"),
                ))
            }
        })
    }

    fn ident(&mut self, name: &str, leading_dot: bool, pos: usize) -> CResult<Node> {
        if !leading_dot {
            if let Some(slot) = self.local(name) {
                return Ok(Node::Local(slot));
            }
        }
        if self.env.is_variable(name) {
            return Ok(Node::Var(Arc::from(name)));
        }
        if let Some(t) = Type::from_name(name) {
            return Ok(Node::Const(Value::Type(t)));
        }
        self.undeclared(name, pos)
    }

    /// A dotted name whose longest prefix (of two or more parts) is a declared variable or a
    /// type, e.g. `google.protobuf.Timestamp`.
    fn qualified(&mut self, e: &Expr) -> CResult<Option<Node>> {
        let Some((parts, leading_dot)) = dotted(e) else {
            return Ok(None);
        };
        let root = parts.first().copied().unwrap_or("");
        if !leading_dot && self.local(root).is_some() {
            return Ok(None);
        }
        for len in (2..=parts.len()).rev() {
            let name = parts.get(..len).unwrap_or(&[]).join(".");
            let node = if self.env.is_variable(&name) {
                Node::Var(Arc::from(name.as_str()))
            } else if let Some(t) = Type::from_name(&name) {
                Node::Const(Value::Type(t))
            } else {
                continue;
            };
            let rest = parts.get(len..).unwrap_or(&[]);
            let node = rest
                .iter()
                .fold(node, |node, field| path(node, Arc::from(*field)));
            return Ok(Some(node));
        }
        Ok(None)
    }

    /// The namespace a call target names, when it is a dotted name that is not a variable:
    /// `math` in `math.greatest(...)`, `resource` in `resource.Get(...)`.
    fn namespace(&self, target: &Expr) -> Option<String> {
        let (parts, leading_dot) = dotted(target)?;
        let root = parts.first().copied()?;
        if (!leading_dot && self.local(root).is_some()) || self.env.is_variable(root) {
            return None;
        }
        Some(parts.join("."))
    }

    fn simple_name(&self, e: &Expr) -> CResult<String> {
        match &e.kind {
            ExprKind::Ident {
                name,
                leading_dot: false,
            } => Ok(name.clone()),
            _ => Err(self.error(e.pos, "argument must be a simple name")),
        }
    }

    fn call(
        &mut self,
        pos: usize,
        target: Option<&Expr>,
        name: &str,
        args: &[Expr],
        leading_dot: bool,
    ) -> CResult<Node> {
        let Some(target) = target else {
            if name == "has" && args.len() == 1 && !leading_dot {
                return self.has(pos, args);
            }
            return match self.global_call(name, args, pos)? {
                Some(node) => Ok(node),
                None => self.undeclared(name, pos),
            };
        };
        if let Some(node) = self.macro_call(target, name, args)? {
            return Ok(node);
        }
        if let Some(namespace) = self.namespace(target) {
            let full = format!("{namespace}.{name}");
            if let Some(node) = self.global_call(&full, args, pos)? {
                return Ok(node);
            }
        }
        let receiver = self.expr(target)?;
        self.member_call(receiver, name, args, pos)
    }

    fn has(&mut self, pos: usize, args: &[Expr]) -> CResult<Node> {
        match args.first().map(|a| &a.kind) {
            Some(ExprKind::Select {
                operand,
                field,
                optional: false,
            }) => Ok(Node::Select(
                self.boxed(operand)?,
                Arc::from(field.as_str()),
                SelectMode::Has,
            )),
            _ => Err(self.error(pos, "invalid argument to has() macro")),
        }
    }

    fn macro_call(&mut self, target: &Expr, name: &str, args: &[Expr]) -> CResult<Option<Node>> {
        use ComprKind as K;
        let arg = |i: usize| args.get(i);
        let node = match (name, args.len()) {
            ("all", 2 | 3) => self.comprehension(K::All, target, args)?,
            ("exists", 2 | 3) => self.comprehension(K::Exists, target, args)?,
            ("exists_one" | "existsOne", 2 | 3) => {
                self.comprehension(K::ExistsOne, target, args)?
            }
            ("map", 2) => self.comprehension(K::Map, target, args)?,
            ("map", 3) => {
                let (var, filter, body) = (arg(0), arg(1), arg(2));
                self.comprehension_parts(K::Map, target, &[var], filter, body)?
            }
            ("filter", 2) => self.comprehension(K::Filter, target, args)?,
            ("transformList" | "transformMap" | "transformMapEntry", 3 | 4) => {
                let kind = match name {
                    "transformList" => K::TransformList,
                    "transformMap" => K::TransformMap,
                    _ => K::TransformMapEntry,
                };
                let filter = if args.len() == 4 { arg(2) } else { None };
                let body = args.last();
                self.comprehension_parts(kind, target, &[arg(0), arg(1)], filter, body)?
            }
            ("sortBy", 2) => self.comprehension(K::SortBy, target, args)?,
            ("optMap", 2) => self.comprehension(K::OptMap, target, args)?,
            ("optFlatMap", 2) => self.comprehension(K::OptFlatMap, target, args)?,
            ("bind", 3) if self.namespace(target).as_deref() == Some("cel") => {
                let (Some(var), Some(init), Some(body)) = (arg(0), arg(1), arg(2)) else {
                    return Ok(None);
                };
                let var = self.simple_name(var)?;
                let init = self.boxed(init)?;
                let slot = self.scopes.len();
                self.scopes.push(var);
                let body = self.expr(body);
                self.scopes.truncate(slot);
                Node::Bind(slot, init, Box::new(body?))
            }
            ("orValue", 1) if self.env.inner.or_value_compat => {
                let (Some(default), operand) = (arg(0), target) else {
                    return Ok(None);
                };
                Node::OrValueCompat(self.boxed(operand)?, self.boxed(default)?)
            }
            _ => return Ok(None),
        };
        Ok(Some(node))
    }

    /// A comprehension whose arguments are the variables and then the body.
    fn comprehension(&mut self, kind: ComprKind, target: &Expr, args: &[Expr]) -> CResult<Node> {
        let (body, vars) = match args.split_last() {
            Some(split) => split,
            None => return Err(self.error(target.pos, "macro needs arguments")),
        };
        let vars: Vec<Option<&Expr>> = vars.iter().map(Some).collect();
        self.comprehension_parts(kind, target, &vars, None, Some(body))
    }

    fn comprehension_parts(
        &mut self,
        kind: ComprKind,
        target: &Expr,
        vars: &[Option<&Expr>],
        filter: Option<&Expr>,
        body: Option<&Expr>,
    ) -> CResult<Node> {
        let Some(body) = body else {
            return Err(self.error(target.pos, "macro needs a body"));
        };
        let range = self.expr(target)?;
        let mut names = Vec::with_capacity(vars.len());
        for var in vars {
            let Some(var) = var else {
                return Err(self.error(target.pos, "argument must be a simple name"));
            };
            names.push(self.simple_name(var)?);
        }
        if names.len() == 2 && names.first() == names.get(1) {
            return Err(self.error(
                target.pos,
                format!(
                    "duplicate variable name: {}",
                    names.first().map_or("", String::as_str)
                ),
            ));
        }
        let two_vars = names.len() == 2;
        let slot = self.scopes.len();
        self.scopes.extend(names);
        let filter = filter.map(|f| self.expr(f)).transpose();
        let body = self.expr(body);
        self.scopes.truncate(slot);
        Ok(Node::Compr(Box::new(Comprehension {
            kind,
            range,
            slot,
            two_vars,
            filter: filter?,
            body: body?,
        })))
    }

    /// The builtin and host overloads of `name`; `None` when the name is unknown.
    fn resolve(&self, name: &str, member: bool, argc: usize, pos: usize) -> CResult<Option<Func>> {
        let hosts = if member {
            &self.env.inner.methods
        } else {
            &self.env.inner.globals
        };
        let host = hosts.get(name).map(|h| Arc::<[_]>::from(h.as_slice()));
        Ok(Some(match (functions::lookup(name, member, argc), host) {
            (Lookup::Found(b), None) => Func::Builtin(b),
            (Lookup::Found(b), Some(h)) => Func::Both(b, h),
            (_, Some(h)) => Func::Host(h),
            (Lookup::WrongArity, None) => {
                let receiver = if member { "a receiver and " } else { "" };
                return Err(self.error(
                    pos,
                    format!("found no matching overload for '{name}' applied to {receiver}{argc} argument(s)"),
                ));
            }
            (Lookup::Unknown, None) => return Ok(None),
        }))
    }

    fn global_call(&mut self, name: &str, args: &[Expr], pos: usize) -> CResult<Option<Node>> {
        let Some(func) = self.resolve(name, false, args.len(), pos)? else {
            return Ok(None);
        };
        let args = self.exprs(args)?;
        self.finish_call(name, func, args, pos).map(Some)
    }

    fn member_call(
        &mut self,
        receiver: Node,
        name: &str,
        args: &[Expr],
        pos: usize,
    ) -> CResult<Node> {
        let Some(func) = self.resolve(name, true, args.len(), pos)? else {
            return self.undeclared(name, pos);
        };
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(receiver);
        all.extend(self.exprs(args)?);
        self.finish_call(name, func, all, pos)
    }

    /// Builds the call node, compiling what is constant: regular expressions, and duration
    /// and timestamp literals (which Kubernetes validates at compile time).
    fn finish_call(&self, name: &str, func: Func, args: Vec<Node>, pos: usize) -> CResult<Node> {
        if let Func::Builtin(builtin) = &func {
            let regex_fn = match builtin {
                Builtin::Matches => Some(RegexFn::Matches),
                Builtin::Find => Some(RegexFn::Find),
                Builtin::FindAll => Some(RegexFn::FindAll),
                _ => None,
            };
            if let Some(function) = regex_fn {
                if let Some(Node::Const(Value::String(pattern))) = args.get(1) {
                    let pattern = pattern.as_str().to_string();
                    let regex = functions::compile_regex(&pattern)
                        .map_err(|e| self.error(pos, format!("invalid matches argument: {e}")))?;
                    let mut args = args.into_iter();
                    let target = args.next().unwrap_or(Node::Const(Value::Null));
                    let _pattern = args.next();
                    return Ok(Node::Regex(Box::new(RegexCall {
                        function,
                        pattern_size: pattern.chars().count() as u64,
                        regex: Arc::new(regex),
                        target,
                        limit: args.next(),
                    })));
                }
            }
            if let (
                Builtin::ToDuration | Builtin::ToTimestamp,
                [Node::Const(Value::String(text))],
            ) = (builtin, args.as_slice())
            {
                let value = if *builtin == Builtin::ToDuration {
                    functions::parse_duration(text.as_str()).map(Value::Duration)
                } else {
                    functions::parse_timestamp(text.as_str()).map(Value::Timestamp)
                };
                return match value {
                    Ok(value) => Ok(Node::Const(value)),
                    Err(e) => Err(self.error(pos, format!("{name}() literal is invalid: {e}"))),
                };
            }
        }
        Ok(Node::Call(Box::new(CallNode {
            name: Arc::from(name),
            func,
            args,
        })))
    }
}
