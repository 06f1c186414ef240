//! The syntax tree the parser builds; the compiler turns it into a program.

/// An expression with its byte offset in the source.
#[derive(Debug, Clone)]
pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    pub(crate) pos: usize,
}

/// A unary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnaryOp {
    Not,
    Neg,
}

/// A binary operator other than `&&` and `||`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
}

#[derive(Debug, Clone)]
pub(crate) enum ExprKind {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    String(String),
    Bytes(Vec<u8>),
    /// An identifier; `leading_dot` for `.name` (root scope).
    Ident {
        name: String,
        leading_dot: bool,
    },
    /// `operand.field` or `operand.?field`.
    Select {
        operand: Box<Expr>,
        field: String,
        optional: bool,
    },
    /// `operand[index]` or `operand[?index]`.
    Index {
        operand: Box<Expr>,
        index: Box<Expr>,
        optional: bool,
    },
    /// `name(args)` or `target.name(args)`.
    Call {
        target: Option<Box<Expr>>,
        name: String,
        args: Vec<Expr>,
        leading_dot: bool,
    },
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A list literal; `true` marks `?elem` optional elements.
    List(Vec<(Expr, bool)>),
    /// A map literal; `true` marks `?key: value` optional entries.
    Map(Vec<(Expr, Expr, bool)>),
    /// A message literal `a.b.M{f: v}` (protocol buffers, which kanon does not support).
    Message {
        name: String,
    },
}
