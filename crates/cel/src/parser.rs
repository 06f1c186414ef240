//! A recursive-descent parser for CEL's grammar (cel-go's `CEL.g4`), with cel-go's limits:
//! at most 100,000 code points of source and a nesting depth of 250.

use crate::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use crate::error::CompileError;
use crate::lexer::{tokenize, Tok, Token};

/// cel-go's default `ExpressionSizeCodePointLimit`.
const MAX_SOURCE_CODE_POINTS: usize = 100_000;
/// cel-go's default `maxRecursionDepth`.
pub(crate) const MAX_DEPTH: usize = 250;

/// How deeply parentheses, brackets, braces and call arguments may nest. Lower than cel-go's
/// 250 so that parsing and evaluation stay well within a 2 MiB thread stack even in debug
/// builds; real policies nest a handful of levels.
pub(crate) const MAX_NESTING: usize = 100;

/// Identifiers that may be field names but not variables or functions.
const RESERVED: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// Parses a whole expression.
pub(crate) fn parse(source: &str) -> Result<Expr, CompileError> {
    let size = source.chars().count();
    if size > MAX_SOURCE_CODE_POINTS {
        return Err(CompileError::at(
            source,
            0,
            format!(
                "expression code point size exceeds limit: size: {size}, limit {MAX_SOURCE_CODE_POINTS}"
            ),
        ));
    }
    let tokens = tokenize(source).map_err(|e| CompileError::at(source, e.pos, e.message))?;
    let mut parser = Parser {
        source,
        tokens,
        next: 0,
        nesting: 0,
    };
    let expr = parser.expr().map_err(|e| *e)?;
    if parser.peek() != &Tok::Eof {
        return Err(*parser.unexpected("<EOF>"));
    }
    Ok(expr)
}

struct Parser<'s> {
    source: &'s str,
    tokens: Vec<Token>,
    next: usize,
    nesting: usize,
}

/// Tree depths, kept beside each node while parsing so that left-deep chains (`a + b + ...`)
/// are bounded as well as nesting.
struct Node {
    expr: Expr,
    depth: usize,
}

/// Errors are boxed to keep the recursive functions' frames small.
type PResult<T> = Result<T, Box<CompileError>>;

/// The binding power of a binary operator (higher binds tighter).
fn precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 3,
        BinaryOp::Add | BinaryOp::Sub => 2,
        _ => 1,
    }
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.next).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        self.tokens
            .get(self.next + ahead)
            .map_or(&Tok::Eof, |t| &t.tok)
    }

    fn pos(&self) -> usize {
        self.tokens
            .get(self.next)
            .or(self.tokens.last())
            .map_or(0, |t| t.pos)
    }

    fn bump(&mut self) -> Tok {
        let tok = self.peek().clone();
        if self.next < self.tokens.len() {
            self.next += 1;
        }
        tok
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == tok {
            self.next += 1;
            true
        } else {
            false
        }
    }

    #[cold]
    #[inline(never)]
    fn error_at(&self, pos: usize, message: String) -> Box<CompileError> {
        Box::new(CompileError::at(self.source, pos, message))
    }

    #[cold]
    #[inline(never)]
    fn error_here(&self, message: &str) -> Box<CompileError> {
        self.error_at(self.pos(), message.to_string())
    }

    #[cold]
    #[inline(never)]
    fn unexpected(&self, expecting: &str) -> Box<CompileError> {
        let found = self.peek().describe();
        self.error_at(
            self.pos(),
            format!("Syntax error: mismatched input '{found}' expecting {expecting}"),
        )
    }

    fn expect(&mut self, tok: &Tok) -> PResult<()> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{}'", tok.describe())))
        }
    }

    fn node(&self, kind: ExprKind, pos: usize, depth: usize) -> PResult<Node> {
        if depth > MAX_DEPTH {
            return Err(self.error_at(
                pos,
                format!("expression recursion limit exceeded: {MAX_DEPTH}"),
            ));
        }
        Ok(Node {
            expr: Expr { kind, pos },
            depth,
        })
    }

    fn expr(&mut self) -> PResult<Expr> {
        Ok(self.expr_node()?.expr)
    }

    fn expr_node(&mut self) -> PResult<Node> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(self.error_at(
                self.pos(),
                format!("expression recursion limit exceeded: {MAX_NESTING}"),
            ));
        }
        let result = self.conditional();
        self.nesting -= 1;
        result
    }

    #[inline(never)]
    fn conditional(&mut self) -> PResult<Node> {
        let cond = self.logical(true)?;
        if self.peek() != &Tok::Question {
            return Ok(cond);
        }
        let pos = self.pos();
        self.bump();
        let then = self.logical(true)?;
        self.expect(&Tok::Colon)?;
        let otherwise = self.expr_node()?;
        let depth = cond.depth.max(then.depth).max(otherwise.depth) + 1;
        self.node(
            ExprKind::Cond(
                Box::new(cond.expr),
                Box::new(then.expr),
                Box::new(otherwise.expr),
            ),
            pos,
            depth,
        )
    }

    /// `||` (when `or`) or `&&` chains, balanced into a tree as cel-go does.
    fn logical(&mut self, or: bool) -> PResult<Node> {
        let op = if or { Tok::Or } else { Tok::And };
        let first = if or {
            self.logical(false)?
        } else {
            self.binary_chain()?
        };
        let mut terms = vec![first];
        let mut positions = Vec::new();
        while self.peek() == &op {
            positions.push(self.pos());
            self.bump();
            terms.push(if or {
                self.logical(false)?
            } else {
                self.binary_chain()?
            });
        }
        if terms.len() == 1 {
            return terms
                .pop()
                .ok_or_else(|| self.error_here("empty expression"));
        }
        self.balance(or, terms, &positions)
    }

    fn balance(&self, or: bool, mut terms: Vec<Node>, positions: &[usize]) -> PResult<Node> {
        if terms.len() == 1 {
            return terms
                .pop()
                .ok_or_else(|| self.error_here("empty expression"));
        }
        let mid = terms.len() / 2;
        let right_terms = terms.split_off(mid);
        let pos = positions.get(mid - 1).copied().unwrap_or(0);
        let left = self.balance(or, terms, positions.get(..mid - 1).unwrap_or(&[]))?;
        let right = self.balance(or, right_terms, positions.get(mid..).unwrap_or(&[]))?;
        let depth = left.depth.max(right.depth) + 1;
        let (l, r) = (Box::new(left.expr), Box::new(right.expr));
        let kind = if or {
            ExprKind::Or(l, r)
        } else {
            ExprKind::And(l, r)
        };
        self.node(kind, pos, depth)
    }

    /// Relations, additions and multiplications, all left-associative, parsed with operator
    /// stacks (one frame, whatever the precedence levels).
    fn binary_chain(&mut self) -> PResult<Node> {
        let mut operands: Vec<Node> = vec![self.unary()?];
        let mut operators: Vec<(BinaryOp, usize)> = Vec::new();
        loop {
            let op = match self.peek() {
                Tok::Lt => BinaryOp::Lt,
                Tok::Le => BinaryOp::Le,
                Tok::Gt => BinaryOp::Gt,
                Tok::Ge => BinaryOp::Ge,
                Tok::Eq => BinaryOp::Eq,
                Tok::Ne => BinaryOp::Ne,
                Tok::In => BinaryOp::In,
                Tok::Plus => BinaryOp::Add,
                Tok::Minus => BinaryOp::Sub,
                Tok::Star => BinaryOp::Mul,
                Tok::Slash => BinaryOp::Div,
                Tok::Percent => BinaryOp::Rem,
                _ => break,
            };
            while operators
                .last()
                .is_some_and(|(top, _)| precedence(*top) >= precedence(op))
            {
                self.reduce(&mut operands, &mut operators)?;
            }
            operators.push((op, self.pos()));
            self.bump();
            operands.push(self.unary()?);
        }
        while !operators.is_empty() {
            self.reduce(&mut operands, &mut operators)?;
        }
        operands
            .pop()
            .ok_or_else(|| self.error_here("empty expression"))
    }

    fn reduce(
        &self,
        operands: &mut Vec<Node>,
        operators: &mut Vec<(BinaryOp, usize)>,
    ) -> PResult<()> {
        let (Some((op, pos)), Some(rhs), Some(lhs)) =
            (operators.pop(), operands.pop(), operands.pop())
        else {
            return Err(self.error_here("empty expression"));
        };
        let depth = lhs.depth.max(rhs.depth) + 1;
        operands.push(self.node(
            ExprKind::Binary(op, Box::new(lhs.expr), Box::new(rhs.expr)),
            pos,
            depth,
        )?);
        Ok(())
    }

    fn unary(&mut self) -> PResult<Node> {
        let pos = self.pos();
        let (op, tok) = match self.peek() {
            Tok::Bang => (UnaryOp::Not, Tok::Bang),
            Tok::Minus => {
                // `-` directly before a number is part of the literal (`-9223372036854775808`).
                if matches!(self.peek_at(1), Tok::Int(_) | Tok::Double(_)) {
                    return self.member();
                }
                (UnaryOp::Neg, Tok::Minus)
            }
            _ => return self.member(),
        };
        let mut count = 0usize;
        while self.eat(&tok) {
            count += 1;
        }
        let operand = self.member()?;
        if count % 2 == 0 {
            return Ok(operand);
        }
        let depth = operand.depth + 1;
        self.node(ExprKind::Unary(op, Box::new(operand.expr)), pos, depth)
    }

    fn member(&mut self) -> PResult<Node> {
        let mut node = self.primary()?;
        loop {
            node = match self.peek() {
                Tok::Dot => self.select_suffix(node)?,
                Tok::LBracket => self.index_suffix(node)?,
                _ => return Ok(node),
            };
        }
    }

    /// `.field`, `.?field` or `.method(args)` after `node`.
    #[inline(never)]
    fn select_suffix(&mut self, node: Node) -> PResult<Node> {
        let pos = self.pos();
        self.bump();
        let optional = self.eat(&Tok::Question);
        let (field, escaped) = match self.bump() {
            Tok::Ident(name) => (name, false),
            Tok::EscIdent(name) => (name, true),
            _ => {
                self.next = self.next.saturating_sub(1);
                return Err(self.unexpected("IDENTIFIER"));
            }
        };
        let depth = node.depth + 1;
        if !optional && !escaped && self.peek() == &Tok::LParen {
            self.bump();
            let (args, args_depth) = self.expr_list(&Tok::RParen)?;
            return self.node(
                ExprKind::Call {
                    target: Some(Box::new(node.expr)),
                    name: field,
                    args,
                    leading_dot: false,
                },
                pos,
                depth.max(args_depth + 1),
            );
        }
        self.node(
            ExprKind::Select {
                operand: Box::new(node.expr),
                field,
                optional,
            },
            pos,
            depth,
        )
    }

    /// `[index]` or `[?index]` after `node`.
    #[inline(never)]
    fn index_suffix(&mut self, node: Node) -> PResult<Node> {
        let pos = self.pos();
        self.bump();
        let optional = self.eat(&Tok::Question);
        let index = self.expr_node()?;
        self.expect(&Tok::RBracket)?;
        let depth = node.depth.max(index.depth) + 1;
        self.node(
            ExprKind::Index {
                operand: Box::new(node.expr),
                index: Box::new(index.expr),
                optional,
            },
            pos,
            depth,
        )
    }

    /// Comma-separated expressions up to `close` (consumed); returns them and their depth.
    #[inline(never)]
    fn expr_list(&mut self, close: &Tok) -> PResult<(Vec<Expr>, usize)> {
        let mut items = Vec::new();
        let mut depth = 0;
        if self.eat(close) {
            return Ok((items, depth));
        }
        loop {
            let item = self.expr_node()?;
            depth = depth.max(item.depth);
            items.push(item.expr);
            if self.eat(close) {
                return Ok((items, depth));
            }
            if !self.eat(&Tok::Comma) {
                return Err(self.unexpected(&format!("{{',', '{}'}}", close.describe())));
            }
        }
    }

    fn check_reserved(&self, name: &str, pos: usize) -> PResult<()> {
        if RESERVED.contains(&name) {
            return Err(self.error_at(pos, format!("reserved identifier: {name}")));
        }
        Ok(())
    }

    /// Whether `IDENT (. IDENT)* {` starts here (a message literal).
    fn message_ahead(&self) -> bool {
        let mut i = 1;
        loop {
            match (self.peek_at(i), self.peek_at(i + 1)) {
                (Tok::LBrace, _) => return true,
                (Tok::Dot, Tok::Ident(_)) => i += 2,
                _ => return false,
            }
        }
    }

    fn primary(&mut self) -> PResult<Node> {
        let pos = self.pos();
        let leading_dot = self.peek() == &Tok::Dot && matches!(self.peek_at(1), Tok::Ident(_));
        if leading_dot {
            self.bump();
        }
        match self.peek() {
            Tok::Ident(_) => self.identifier(pos, leading_dot),
            Tok::LParen => {
                self.bump();
                let inner = self.expr_node()?;
                self.expect(&Tok::RParen)?;
                Ok(inner)
            }
            Tok::LBracket => self.list(pos),
            Tok::LBrace => self.map(pos),
            _ => self.literal(pos),
        }
    }

    #[inline(never)]
    fn identifier(&mut self, pos: usize, leading_dot: bool) -> PResult<Node> {
        if self.message_ahead() {
            return self.message(pos);
        }
        let Tok::Ident(name) = self.bump() else {
            return Err(self.unexpected("IDENTIFIER"));
        };
        self.check_reserved(&name, pos)?;
        if self.eat(&Tok::LParen) {
            let (args, depth) = self.expr_list(&Tok::RParen)?;
            return self.node(
                ExprKind::Call {
                    target: None,
                    name,
                    args,
                    leading_dot,
                },
                pos,
                depth + 1,
            );
        }
        self.node(ExprKind::Ident { name, leading_dot }, pos, 1)
    }

    #[inline(never)]
    fn list(&mut self, pos: usize) -> PResult<Node> {
        self.bump();
        let mut items = Vec::new();
        let mut depth = 0;
        while !self.eat(&Tok::RBracket) {
            let optional = self.eat(&Tok::Question);
            let item = self.expr_node()?;
            depth = depth.max(item.depth);
            items.push((item.expr, optional));
            if !self.eat(&Tok::Comma) {
                self.expect(&Tok::RBracket)?;
                break;
            }
        }
        self.node(ExprKind::List(items), pos, depth + 1)
    }

    #[inline(never)]
    fn map(&mut self, pos: usize) -> PResult<Node> {
        self.bump();
        let mut entries = Vec::new();
        let mut depth = 0;
        while !self.eat(&Tok::RBrace) {
            let optional = self.eat(&Tok::Question);
            let key = self.expr_node()?;
            self.expect(&Tok::Colon)?;
            let value = self.expr_node()?;
            depth = depth.max(key.depth).max(value.depth);
            entries.push((key.expr, value.expr, optional));
            if !self.eat(&Tok::Comma) {
                self.expect(&Tok::RBrace)?;
                break;
            }
        }
        self.node(ExprKind::Map(entries), pos, depth + 1)
    }

    #[inline(never)]
    fn literal(&mut self, pos: usize) -> PResult<Node> {
        let kind = match self.bump() {
            Tok::Minus => match self.bump() {
                Tok::Int(text) => self.int_literal(&text, true, pos)?,
                Tok::Double(text) => self.double_literal(&text, true, pos)?,
                _ => return Err(self.unexpected("a number")),
            },
            Tok::Int(text) => self.int_literal(&text, false, pos)?,
            Tok::Uint(text) => {
                let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                    Some(hex) => u64::from_str_radix(hex, 16),
                    None => text.parse::<u64>(),
                };
                ExprKind::Uint(
                    parsed.map_err(|_| self.error_at(pos, "invalid uint literal".into()))?,
                )
            }
            Tok::Double(text) => self.double_literal(&text, false, pos)?,
            Tok::Str(s) => ExprKind::String(s),
            Tok::Bytes(b) => ExprKind::Bytes(b),
            Tok::True => ExprKind::Bool(true),
            Tok::False => ExprKind::Bool(false),
            Tok::Null => ExprKind::Null,
            other => {
                self.next = self.next.saturating_sub(1);
                return Err(self.not_an_expression(&other));
            }
        };
        self.node(kind, pos, 1)
    }

    #[cold]
    #[inline(never)]
    fn not_an_expression(&self, found: &Tok) -> Box<CompileError> {
        let expected = "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";
        let message = if found == &Tok::Eof {
            format!("Syntax error: mismatched input '<EOF>' expecting {expected}")
        } else {
            format!(
                "Syntax error: extraneous input '{}' expecting {expected}",
                found.describe()
            )
        };
        self.error_at(self.pos(), message)
    }

    fn int_literal(&self, text: &str, negative: bool, pos: usize) -> PResult<ExprKind> {
        let magnitude = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) => i128::from_str_radix(hex, 16),
            None => text.parse::<i128>(),
        };
        magnitude
            .ok()
            .map(|m| if negative { -m } else { m })
            .and_then(|v| i64::try_from(v).ok())
            .map(ExprKind::Int)
            .ok_or_else(|| self.error_at(pos, "invalid int literal".into()))
    }

    fn double_literal(&self, text: &str, negative: bool, pos: usize) -> PResult<ExprKind> {
        text.parse::<f64>()
            .map(|v| ExprKind::Double(if negative { -v } else { v }))
            .map_err(|_| self.error_at(pos, "invalid double literal".into()))
    }

    /// A message literal: parsed so that the error names the type, then rejected by the
    /// compiler (kanon has no protocol buffer types).
    #[inline(never)]
    fn message(&mut self, pos: usize) -> PResult<Node> {
        let mut name = String::new();
        loop {
            match self.bump() {
                Tok::Ident(part) => name.push_str(&part),
                Tok::Dot => name.push('.'),
                Tok::LBrace => break,
                _ => return Err(self.unexpected("'{'")),
            }
        }
        let mut depth = 0;
        while !self.eat(&Tok::RBrace) {
            self.eat(&Tok::Question);
            match self.bump() {
                Tok::Ident(_) | Tok::EscIdent(_) => {}
                _ => return Err(self.unexpected("IDENTIFIER")),
            }
            self.expect(&Tok::Colon)?;
            depth = depth.max(self.expr_node()?.depth);
            if !self.eat(&Tok::Comma) {
                self.expect(&Tok::RBrace)?;
                break;
            }
        }
        self.node(ExprKind::Message { name }, pos, depth + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parses(source: &str) -> bool {
        parse(source).is_ok()
    }

    #[test]
    fn grammar() {
        assert!(parses("a.b.c[0].d(1, 2) + -x * 3 <= 4 && !y || z ? 1 : 2"));
        assert!(parses("[1, 2, ?x,]"));
        assert!(parses("{'a': 1, ?'b': x,}"));
        assert!(parses("object.metadata.namespace"));
        assert!(parses("x.?y[?0]"));
        assert!(parses("-9223372036854775808"));
        assert!(parses(".x"));
        assert!(!parses("9223372036854775808"));
        assert!(!parses("a +"));
        assert!(!parses("(a"));
        assert!(!parses("package"));
        assert!(!parses("a.?b()"));
    }

    #[test]
    fn depth_is_limited() {
        let deep = format!(
            "{}1{}",
            "(".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        assert!(parse(&deep)
            .unwrap_err()
            .message
            .contains("recursion limit"));
        let deep = format!(
            "{}1{}",
            "[".repeat(MAX_NESTING - 1),
            "]".repeat(MAX_NESTING - 1)
        );
        assert!(parse(&deep).is_ok());
        let long = format!("1{}", " + 1".repeat(300));
        assert!(parse(&long)
            .unwrap_err()
            .message
            .contains("recursion limit"));
        let ors = format!("x{}", " || x".repeat(5000));
        assert!(parses(&ors));
        assert!(parses(&format!("{}1{}", "[".repeat(50), "]".repeat(50))));
    }

    #[test]
    fn error_positions() {
        let e = parse("a +\n  )").unwrap_err();
        assert_eq!((e.line, e.column), (2, 3));
        assert!(e
            .to_string()
            .starts_with("ERROR: <input>:2:3: Syntax error"));
    }
}
