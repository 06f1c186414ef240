//! A Pratt parser with go-jmespath's binding powers, building the syntax tree.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::lexer::{parse_json_literal, tokenize, Tok, Token};

/// Deepest nesting the parser accepts; evaluation recursion is bounded by it too.
pub(crate) const MAX_DEPTH: usize = 256;

/// Most stack that parsing or evaluating one expression may use. Optimised builds need far
/// less for [`MAX_DEPTH`] levels; unoptimised ones can need more, and there this turns a
/// stack overflow into [`Error::TooDeep`]. It leaves 1 MiB of a spawned thread's 2 MiB to
/// the caller.
pub(crate) const STACK_BUDGET: usize = 1 << 20;

/// An address on the current stack, to measure how much recursion has used.
#[inline(never)]
pub(crate) fn stack_address() -> usize {
    let marker = 0u8;
    std::ptr::from_ref(&marker).addr()
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparator {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

/// A node of the syntax tree; names follow go-jmespath's AST.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// The current value (`@`, or implied, as on the left of `[*]`).
    Identity,
    Field(String),
    Index(i64),
    Slice([Option<i64>; 3]),
    Literal(Value),
    /// `left.right`, and `left[index]`: the right side is evaluated on the left's result.
    Subexpression(Box<Node>, Box<Node>),
    /// `left[*]right`, `left[]right`, `left[a:b]right`.
    Projection(Box<Node>, Box<Node>),
    /// `left.*right`
    ValueProjection(Box<Node>, Box<Node>),
    /// `left[?condition]right`
    FilterProjection {
        left: Box<Node>,
        right: Box<Node>,
        condition: Box<Node>,
    },
    Flatten(Box<Node>),
    MultiSelectList(Vec<Node>),
    MultiSelectHash(Vec<(String, Node)>),
    Or(Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Pipe(Box<Node>, Box<Node>),
    Compare(Comparator, Box<Node>, Box<Node>),
    Function(String, Vec<Node>),
    ExpRef(Box<Node>),
}

/// Parses a whole expression.
pub(crate) fn parse(text: &str) -> Result<Node> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        index: 0,
        depth: 0,
        stack_base: stack_address(),
    };
    let node = parser.expression(0)?;
    if parser.current() != &Tok::Eof {
        return Err(parser.error(format!(
            "Unexpected token at the end of the expression: {}",
            parser.current().name()
        )));
    }
    Ok(node)
}

struct Parser {
    tokens: Vec<Token>,
    index: usize,
    depth: usize,
    stack_base: usize,
}

/// go-jmespath's binding powers.
fn binding_power(tok: &Tok) -> u8 {
    match tok {
        Tok::Pipe => 1,
        Tok::Or => 2,
        Tok::And => 3,
        Tok::Eq | Tok::Ne | Tok::Lt | Tok::Lte | Tok::Gt | Tok::Gte => 5,
        Tok::Flatten => 9,
        Tok::Star => 20,
        Tok::Filter => 21,
        Tok::Dot => 40,
        Tok::Not => 45,
        Tok::Lbrace => 50,
        Tok::Lbracket => 55,
        Tok::Lparen => 60,
        _ => 0,
    }
}

impl Parser {
    fn token(&self, ahead: usize) -> &Token {
        // The token list always ends with Eof; reading past it yields Eof again.
        static EOF: Token = Token {
            tok: Tok::Eof,
            offset: 0,
        };
        self.tokens
            .get(self.index + ahead)
            .or_else(|| self.tokens.last())
            .unwrap_or(&EOF)
    }

    fn current(&self) -> &Tok {
        &self.token(0).tok
    }

    fn lookahead(&self, ahead: usize) -> &Tok {
        &self.token(ahead).tok
    }

    fn advance(&mut self) -> Token {
        let token = self.token(0).clone();
        if self.index < self.tokens.len() {
            self.index += 1;
        }
        token
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error::Parse {
            message: message.into(),
            offset: self.token(0).offset,
        }
    }

    fn expect(&mut self, tok: &Tok) -> Result<()> {
        if std::mem::discriminant(self.current()) == std::mem::discriminant(tok) {
            self.advance();
            Ok(())
        } else {
            Err(self.error(format!(
                "Expected {}, received: {}",
                tok.name(),
                self.current().name()
            )))
        }
    }

    /// Counts one more level of tree height; fails past [`MAX_DEPTH`].
    fn descend(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH || self.stack_base.abs_diff(stack_address()) > STACK_BUDGET {
            return Err(Error::TooDeep {
                limit: MAX_DEPTH,
                offset: self.token(0).offset,
            });
        }
        Ok(())
    }

    /// Parses an expression whose operators bind tighter than `power`. `depth` counts both
    /// recursion and left-nested chains (`a.b.c`, `a | b | c`), so it bounds the tree height.
    fn expression(&mut self, power: u8) -> Result<Node> {
        let entered = self.depth;
        let result = self.expression_inner(power);
        self.depth = entered;
        result
    }

    fn expression_inner(&mut self, power: u8) -> Result<Node> {
        self.descend()?;
        let token = self.advance();
        let mut left = self.nud(token)?;
        while power < binding_power(self.current()) {
            self.descend()?;
            let token = self.advance();
            left = self.led(token, left)?;
        }
        Ok(left)
    }

    fn nud(&mut self, token: Token) -> Result<Node> {
        match token.tok {
            Tok::JsonLiteral(raw) => Ok(Node::Literal(parse_json_literal(&raw, token.offset)?)),
            Tok::StringLiteral(text) => Ok(Node::Literal(Value::String(text))),
            Tok::UnquotedIdentifier(name) => Ok(Node::Field(name)),
            Tok::QuotedIdentifier(name) => {
                if self.current() == &Tok::Lparen {
                    return Err(Error::Parse {
                        message: "Can't have quoted identifier as function Name.".into(),
                        offset: token.offset,
                    });
                }
                Ok(Node::Field(name))
            }
            Tok::Star => {
                let right = if self.current() == &Tok::Rbracket {
                    Node::Identity
                } else {
                    self.projection_rhs(binding_power(&Tok::Star))?
                };
                Ok(Node::ValueProjection(
                    Box::new(Node::Identity),
                    Box::new(right),
                ))
            }
            Tok::Filter => self.filter(Node::Identity),
            Tok::Lbrace => self.multi_select_hash(),
            Tok::Flatten => {
                let right = self.projection_rhs(binding_power(&Tok::Flatten))?;
                Ok(Node::Projection(
                    Box::new(Node::Flatten(Box::new(Node::Identity))),
                    Box::new(right),
                ))
            }
            Tok::Lbracket => match self.current() {
                Tok::Number(_) | Tok::Colon => {
                    let right = self.index_expression()?;
                    self.project_if_slice(Node::Identity, right)
                }
                Tok::Star if self.lookahead(1) == &Tok::Rbracket => {
                    self.advance();
                    self.advance();
                    let right = self.projection_rhs(binding_power(&Tok::Star))?;
                    Ok(Node::Projection(Box::new(Node::Identity), Box::new(right)))
                }
                _ => self.multi_select_list(),
            },
            Tok::Current => Ok(Node::Identity),
            Tok::Expref => Ok(Node::ExpRef(Box::new(self.expression(0)?))),
            Tok::Not => Ok(Node::Not(Box::new(
                self.expression(binding_power(&Tok::Not))?,
            ))),
            Tok::Lparen => {
                let inner = self.expression(0)?;
                self.expect(&Tok::Rparen)?;
                Ok(inner)
            }
            Tok::Eof => Err(Error::Parse {
                message: "Incomplete expression".into(),
                offset: token.offset,
            }),
            other => Err(Error::Parse {
                message: format!("Invalid token: {}", other.name()),
                offset: token.offset,
            }),
        }
    }

    fn led(&mut self, token: Token, left: Node) -> Result<Node> {
        let power = binding_power(&token.tok);
        match token.tok {
            Tok::Dot => {
                if self.current() == &Tok::Star {
                    self.advance();
                    let right = self.projection_rhs(power)?;
                    return Ok(Node::ValueProjection(Box::new(left), Box::new(right)));
                }
                let right = self.dot_rhs(power)?;
                Ok(Node::Subexpression(Box::new(left), Box::new(right)))
            }
            Tok::Pipe => {
                let right = self.expression(power)?;
                Ok(Node::Pipe(Box::new(left), Box::new(right)))
            }
            Tok::Or => {
                let right = self.expression(power)?;
                Ok(Node::Or(Box::new(left), Box::new(right)))
            }
            Tok::And => {
                let right = self.expression(power)?;
                Ok(Node::And(Box::new(left), Box::new(right)))
            }
            Tok::Lparen => {
                let Node::Field(name) = left else {
                    return Err(Error::Parse {
                        message: "Invalid function name".into(),
                        offset: token.offset,
                    });
                };
                let mut args = Vec::new();
                while self.current() != &Tok::Rparen {
                    args.push(self.expression(0)?);
                    match self.current() {
                        Tok::Comma => {
                            self.advance();
                            if self.current() == &Tok::Rparen {
                                return Err(self.error("Expected an argument after ','"));
                            }
                        }
                        Tok::Rparen => {}
                        other => {
                            return Err(self.error(format!(
                                "Expected tComma or tRparen, received: {}",
                                other.name()
                            )))
                        }
                    }
                }
                self.expect(&Tok::Rparen)?;
                Ok(Node::Function(name, args))
            }
            Tok::Filter => self.filter(left),
            Tok::Flatten => {
                let right = self.projection_rhs(power)?;
                Ok(Node::Projection(
                    Box::new(Node::Flatten(Box::new(left))),
                    Box::new(right),
                ))
            }
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Lte | Tok::Gt | Tok::Gte => {
                let comparator = match token.tok {
                    Tok::Eq => Comparator::Eq,
                    Tok::Ne => Comparator::Ne,
                    Tok::Lt => Comparator::Lt,
                    Tok::Lte => Comparator::Lte,
                    Tok::Gt => Comparator::Gt,
                    _ => Comparator::Gte,
                };
                let right = self.expression(power)?;
                Ok(Node::Compare(comparator, Box::new(left), Box::new(right)))
            }
            Tok::Lbracket => match self.current() {
                Tok::Number(_) | Tok::Colon => {
                    let right = self.index_expression()?;
                    self.project_if_slice(left, right)
                }
                _ => {
                    self.expect(&Tok::Star)?;
                    self.expect(&Tok::Rbracket)?;
                    let right = self.projection_rhs(binding_power(&Tok::Star))?;
                    Ok(Node::Projection(Box::new(left), Box::new(right)))
                }
            },
            other => Err(Error::Parse {
                message: format!("Unexpected token: {}", other.name()),
                offset: token.offset,
            }),
        }
    }

    fn number(&mut self) -> Result<i64> {
        let offset = self.token(0).offset;
        match self.advance().tok {
            Tok::Number(text) => text.parse().map_err(|_| Error::Parse {
                message: format!("invalid number: {text}"),
                offset,
            }),
            other => Err(Error::Parse {
                message: format!("Expected tNumber, received: {}", other.name()),
                offset,
            }),
        }
    }

    /// After `[`: an index `[n]` or a slice `[a:b:c]`, including the closing bracket.
    fn index_expression(&mut self) -> Result<Node> {
        if self.current() == &Tok::Colon || self.lookahead(1) == &Tok::Colon {
            return self.slice_expression();
        }
        let index = self.number()?;
        self.expect(&Tok::Rbracket)?;
        Ok(Node::Index(index))
    }

    fn slice_expression(&mut self) -> Result<Node> {
        let mut parts = [None, None, None];
        let mut part = 0;
        while self.current() != &Tok::Rbracket && part < 3 {
            match self.current() {
                Tok::Colon => {
                    part += 1;
                    if part > 2 {
                        return Err(self.error("Too many colons in slice expression"));
                    }
                    self.advance();
                }
                Tok::Number(_) => {
                    let value = self.number()?;
                    if let Some(slot) = parts.get_mut(part) {
                        *slot = Some(value);
                    }
                }
                other => {
                    return Err(self.error(format!(
                        "Expected tColon or tNumber, received: {}",
                        other.name()
                    )))
                }
            }
        }
        self.expect(&Tok::Rbracket)?;
        Ok(Node::Slice(parts))
    }

    fn project_if_slice(&mut self, left: Node, right: Node) -> Result<Node> {
        let is_slice = matches!(right, Node::Slice(_));
        let index = Node::Subexpression(Box::new(left), Box::new(right));
        if is_slice {
            let rhs = self.projection_rhs(binding_power(&Tok::Star))?;
            return Ok(Node::Projection(Box::new(index), Box::new(rhs)));
        }
        Ok(index)
    }

    fn filter(&mut self, left: Node) -> Result<Node> {
        let condition = self.expression(0)?;
        self.expect(&Tok::Rbracket)?;
        let right = if self.current() == &Tok::Flatten {
            Node::Identity
        } else {
            self.projection_rhs(binding_power(&Tok::Filter))?
        };
        Ok(Node::FilterProjection {
            left: Box::new(left),
            right: Box::new(right),
            condition: Box::new(condition),
        })
    }

    fn dot_rhs(&mut self, power: u8) -> Result<Node> {
        match self.current() {
            Tok::QuotedIdentifier(_) | Tok::UnquotedIdentifier(_) | Tok::Star => {
                self.expression(power)
            }
            Tok::Lbracket => {
                self.advance();
                self.multi_select_list()
            }
            Tok::Lbrace => {
                self.advance();
                self.multi_select_hash()
            }
            _ => Err(self.error("Expected identifier, lbracket, or lbrace")),
        }
    }

    fn projection_rhs(&mut self, power: u8) -> Result<Node> {
        let current = self.current();
        if binding_power(current) < 10 {
            return Ok(Node::Identity);
        }
        match current {
            Tok::Lbracket | Tok::Filter => self.expression(power),
            Tok::Dot => {
                self.advance();
                self.dot_rhs(power)
            }
            other => Err(self.error(format!(
                "Unexpected token after a projection: {}",
                other.name()
            ))),
        }
    }

    fn multi_select_list(&mut self) -> Result<Node> {
        let mut items = Vec::new();
        loop {
            items.push(self.expression(0)?);
            if self.current() == &Tok::Rbracket {
                break;
            }
            self.expect(&Tok::Comma)?;
        }
        self.expect(&Tok::Rbracket)?;
        Ok(Node::MultiSelectList(items))
    }

    fn multi_select_hash(&mut self) -> Result<Node> {
        let mut pairs = Vec::new();
        loop {
            let key = match self.current() {
                Tok::UnquotedIdentifier(name) | Tok::QuotedIdentifier(name) => name.clone(),
                _ => return Err(self.error("Expected tQuotedIdentifier or tUnquotedIdentifier")),
            };
            self.advance();
            self.expect(&Tok::Colon)?;
            let value = self.expression(0)?;
            pairs.push((key, value));
            match self.current() {
                Tok::Comma => {
                    self.advance();
                }
                Tok::Rbrace => {
                    self.advance();
                    break;
                }
                other => {
                    return Err(self.error(format!(
                        "Expected tComma or tRbrace, received: {}",
                        other.name()
                    )))
                }
            }
        }
        Ok(Node::MultiSelectHash(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Box<Node> {
        Box::new(Node::Field(name.into()))
    }

    fn parse_error(text: &str) -> (String, usize) {
        match parse(text) {
            Err(Error::Parse { message, offset }) => (message, offset),
            other => panic!("{text}: expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn precedence() {
        // `||` binds tighter than `|`, `&&` tighter than `||`, comparisons tighter than `&&`.
        assert_eq!(
            parse("a || b | c").unwrap(),
            Node::Pipe(Box::new(Node::Or(field("a"), field("b"))), field("c"))
        );
        assert_eq!(
            parse("a || b && c").unwrap(),
            Node::Or(field("a"), Box::new(Node::And(field("b"), field("c"))))
        );
        assert_eq!(
            parse("a == b && c").unwrap(),
            Node::And(
                Box::new(Node::Compare(Comparator::Eq, field("a"), field("b"))),
                field("c")
            )
        );
        assert_eq!(
            parse("!a == b").unwrap(),
            Node::Compare(Comparator::Eq, Box::new(Node::Not(field("a"))), field("b"))
        );
        // `!` binds tighter than `.` (45 against 40), as in go-jmespath and jmespath.py:
        // `!a.b` is `(!a).b`.
        assert_eq!(
            parse("!a.b").unwrap(),
            Node::Subexpression(Box::new(Node::Not(field("a"))), field("b"))
        );
        // Pipes and ors are left-associative.
        assert_eq!(
            parse("a | b | c").unwrap(),
            Node::Pipe(Box::new(Node::Pipe(field("a"), field("b"))), field("c"))
        );
        // A projection stops at a pipe.
        assert_eq!(
            parse("a[*].b | c").unwrap(),
            Node::Pipe(
                Box::new(Node::Projection(field("a"), field("b"))),
                field("c")
            )
        );
        // `&` takes the whole rest of the expression.
        assert_eq!(
            parse("&a | b").unwrap(),
            Node::ExpRef(Box::new(Node::Pipe(field("a"), field("b"))))
        );
    }

    #[test]
    fn grammar() {
        assert_eq!(
            parse("a[0]").unwrap(),
            Node::Subexpression(field("a"), Box::new(Node::Index(0)))
        );
        assert_eq!(
            parse("[-1]").unwrap(),
            Node::Subexpression(Box::new(Node::Identity), Box::new(Node::Index(-1)))
        );
        assert_eq!(
            parse("a[1:2:3]").unwrap(),
            Node::Projection(
                Box::new(Node::Subexpression(
                    field("a"),
                    Box::new(Node::Slice([Some(1), Some(2), Some(3)]))
                )),
                Box::new(Node::Identity)
            )
        );
        assert_eq!(
            parse("a[::-1]").unwrap(),
            Node::Projection(
                Box::new(Node::Subexpression(
                    field("a"),
                    Box::new(Node::Slice([None, None, Some(-1)]))
                )),
                Box::new(Node::Identity)
            )
        );
        assert_eq!(
            parse("a.*.b").unwrap(),
            Node::ValueProjection(field("a"), field("b"))
        );
        assert_eq!(
            parse("a[].b").unwrap(),
            Node::Projection(Box::new(Node::Flatten(field("a"))), field("b"))
        );
        assert_eq!(
            parse("a[?b > `1`].c").unwrap(),
            Node::FilterProjection {
                left: field("a"),
                right: field("c"),
                condition: Box::new(Node::Compare(
                    Comparator::Gt,
                    field("b"),
                    Box::new(Node::Literal(1.into()))
                )),
            }
        );
        assert_eq!(
            parse("{x: a, \"y\": `null`}").unwrap(),
            Node::MultiSelectHash(vec![
                ("x".into(), Node::Field("a".into())),
                ("y".into(), Node::Literal(Value::Null)),
            ])
        );
        assert_eq!(
            parse("a.[b, 'c']").unwrap(),
            Node::Subexpression(
                field("a"),
                Box::new(Node::MultiSelectList(vec![
                    Node::Field("b".into()),
                    Node::Literal("c".into())
                ]))
            )
        );
        assert_eq!(
            parse("sort_by(a, &b)").unwrap(),
            Node::Function(
                "sort_by".into(),
                vec![Node::Field("a".into()), Node::ExpRef(field("b"))]
            )
        );
        assert_eq!(parse("f()").unwrap(), Node::Function("f".into(), vec![]));
        assert_eq!(parse("(a)").unwrap(), Node::Field("a".into()));
        assert_eq!(parse("@").unwrap(), Node::Identity);
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(
            parse_error("a b"),
            (
                "Unexpected token at the end of the expression: tUnquotedIdentifier".into(),
                2
            )
        );
        assert_eq!(
            parse_error("a."),
            ("Expected identifier, lbracket, or lbrace".into(), 2)
        );
        assert_eq!(parse_error(""), ("Incomplete expression".into(), 0));
        assert_eq!(parse_error("]"), ("Invalid token: tRbracket".into(), 0));
        assert_eq!(
            parse_error("a[0"),
            ("Expected tRbracket, received: tEOF".into(), 3)
        );
        assert_eq!(
            parse_error("{}"),
            (
                "Expected tQuotedIdentifier or tUnquotedIdentifier".into(),
                1
            )
        );
        assert_eq!(
            parse_error("\"f\"(a)"),
            ("Can't have quoted identifier as function Name.".into(), 0)
        );
        for bad in [
            "a = b",
            "f(a b)",
            "f(a,)",
            "a[?b",
            "a.[]",
            "a.1",
            "[1,]",
            "a[x]",
            "a[1:2:3:4]",
            "`{`",
            "a[*]!",
            "@(a)",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let deep = format!("{}a{}", "(".repeat(300), ")".repeat(300));
        assert!(matches!(parse(&deep), Err(Error::TooDeep { .. })));
        let ok = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&ok).is_ok());
        let chain = format!("a{}", ".b".repeat(1000));
        assert!(matches!(parse(&chain), Err(Error::TooDeep { .. })));
        let pipes = format!("a{}", " | b".repeat(1000));
        assert!(matches!(parse(&pipes), Err(Error::TooDeep { .. })));
        assert!(parse(&format!("a{}", ".b".repeat(100))).is_ok());
    }
}
