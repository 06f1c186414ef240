//! The compiled form of an expression: names resolved to variables, comprehension locals and
//! functions; macros expanded into comprehension nodes; constant regular expressions compiled.

use std::sync::Arc;

use crate::ast::BinaryOp;
use crate::env::HostFn;
use crate::error::EvalError;
use crate::functions::Builtin;
use crate::types::Type;
use crate::value::Value;

#[derive(Clone)]
pub(crate) enum Node {
    Const(Value<'static>),
    /// A variable of the activation.
    Var(Arc<str>),
    /// A comprehension or `cel.bind` local: an index into the locals stack.
    Local(usize),
    Select(Box<Node>, Arc<str>, SelectMode),
    /// Plain field selections in a row: `base.f1.f2...` (one node, so that long paths into
    /// objects do not recurse).
    Path(Box<Node>, Box<[Arc<str>]>),
    /// `operand[index]`; `true` for `operand[?index]`.
    Index(Box<Node>, Box<Node>, bool),
    Call(Box<CallNode>),
    Not(Box<Node>),
    Neg(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
    Binary(BinaryOp, Box<Node>, Box<Node>),
    /// A list literal; `true` marks optional elements.
    List(Box<[(Node, bool)]>),
    /// A map literal; `true` marks optional entries.
    Map(Box<[(Node, Node, bool)]>),
    Compr(Box<Comprehension>),
    /// `cel.bind(slot, init, body)`.
    Bind(usize, Box<Node>, Box<Node>),
    /// Kyverno's `x.orValue(y)` rewrite.
    OrValueCompat(Box<Node>, Box<Node>),
    /// A call whose regular expression argument is a constant, compiled once.
    Regex(Box<RegexCall>),
    /// What evaluates to an error whenever reached (unchecked programs only: an unknown
    /// identifier or function).
    Fail(EvalError),
}

/// How a field is selected.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum SelectMode {
    /// `a.f`.
    Plain,
    /// `has(a.f)`.
    Has,
    /// `a.?f`.
    Optional,
}

#[derive(Clone)]
pub(crate) struct CallNode {
    pub(crate) name: Arc<str>,
    pub(crate) func: Func,
    /// The receiver first, for receiver-style calls.
    pub(crate) args: Vec<Node>,
}

/// What a call runs.
#[derive(Clone)]
pub(crate) enum Func {
    Builtin(Builtin),
    /// Host overloads, tried in order until one does not answer `NoSuchOverload`.
    Host(Arc<[HostFn]>),
    /// A builtin, then host overloads of the same name.
    Both(Builtin, Arc<[HostFn]>),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RegexFn {
    Matches,
    Find,
    FindAll,
}

#[derive(Clone)]
pub(crate) struct RegexCall {
    pub(crate) function: RegexFn,
    pub(crate) regex: Arc<regex::Regex>,
    /// The pattern's length in code points, for the cost.
    pub(crate) pattern_size: u64,
    pub(crate) target: Node,
    /// `findAll`'s limit.
    pub(crate) limit: Option<Node>,
}

/// A macro that iterates over a list or map.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ComprKind {
    All,
    Exists,
    ExistsOne,
    /// `map(x, t)` and `map(x, p, t)`.
    Map,
    Filter,
    TransformList,
    TransformMap,
    TransformMapEntry,
    SortBy,
    OptMap,
    OptFlatMap,
}

#[derive(Clone)]
pub(crate) struct Comprehension {
    pub(crate) kind: ComprKind,
    pub(crate) range: Node,
    /// The slot of the (first) iteration variable; the second, if any, is the next slot.
    pub(crate) slot: usize,
    pub(crate) two_vars: bool,
    /// The predicate of `map(x, p, t)` and of four-argument transforms.
    pub(crate) filter: Option<Node>,
    pub(crate) body: Node,
}

impl Node {
    /// The type every evaluation that succeeds returns, when it follows from the expression
    /// alone; `None` for `dyn` (variables, fields, host functions...).
    pub(crate) fn static_type(&self) -> Option<Type> {
        use crate::ast::BinaryOp as Op;
        match self {
            Node::Const(v) => Some(v.type_of()),
            Node::Select(_, _, SelectMode::Has) => Some(Type::Bool),
            Node::Select(_, _, SelectMode::Optional) => Some(Type::Optional),
            Node::Var(_) | Node::Local(_) | Node::Select(..) | Node::Path(..) | Node::Index(..) => {
                None
            }
            Node::Not(_) | Node::And(..) | Node::Or(..) => Some(Type::Bool),
            Node::Neg(operand) => operand.static_type(),
            Node::Cond(_, then, otherwise) | Node::OrValueCompat(then, otherwise) => {
                let t = then.static_type()?;
                (otherwise.static_type()? == t).then_some(t)
            }
            Node::Binary(op, lhs, rhs) => match op {
                Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::In => Some(Type::Bool),
                _ => {
                    let (l, r) = (lhs.static_type()?, rhs.static_type()?);
                    match (op, l, r) {
                        (Op::Sub, Type::Timestamp, Type::Timestamp) => Some(Type::Duration),
                        (Op::Add | Op::Sub, Type::Timestamp, Type::Duration)
                        | (Op::Add, Type::Duration, Type::Timestamp) => Some(Type::Timestamp),
                        _ if l == r => Some(l),
                        _ => None,
                    }
                }
            },
            Node::List(_) => Some(Type::List),
            Node::Map(_) => Some(Type::Map),
            Node::Compr(c) => Some(match c.kind {
                ComprKind::All | ComprKind::Exists | ComprKind::ExistsOne => Type::Bool,
                ComprKind::Map
                | ComprKind::Filter
                | ComprKind::TransformList
                | ComprKind::SortBy => Type::List,
                ComprKind::TransformMap | ComprKind::TransformMapEntry => Type::Map,
                ComprKind::OptMap | ComprKind::OptFlatMap => Type::Optional,
            }),
            Node::Bind(_, _, body) => body.static_type(),
            Node::Regex(call) => Some(match call.function {
                RegexFn::Matches => Type::Bool,
                RegexFn::Find => Type::String,
                RegexFn::FindAll => Type::List,
            }),
            Node::Call(call) => match call.func {
                Func::Builtin(b) => crate::functions::result_type(b, &call.args),
                Func::Host(_) | Func::Both(..) => None,
            },
            Node::Fail(_) => None,
        }
    }
}
