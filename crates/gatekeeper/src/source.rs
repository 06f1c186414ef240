//! Rego source, read at the token level before regorus sees it.
//!
//! regorus 0.14.1 differs from OPA on a few constructs that Gatekeeper templates use. Rather than
//! patching the interpreter, kanon rewrites the source into equivalent Rego that regorus reads
//! the way OPA does, keeping every line where it was so error positions stay true:
//!
//! * chained rule bodies `head { a } { b }` become `head { a } head { b }`;
//! * a line that begins with `(` right after a complete expression is a new expression, not a
//!   call: a `;` is put at the end of the previous line;
//! * OPA evaluates reference and call arguments of a negated call (and the operands of a
//!   negated comparison) *before* the negation, so an undefined argument makes the body fail
//!   (`not f(input.missing)` is not true in OPA). The arguments are bound first:
//!   `__kanon_h0 = input.missing; not f(__kanon_h0)`.
//!
//! The same scan lists the functions a module defines and the ones it calls, so that a call to
//! a function nobody provides is a load error instead of a surprise at evaluation.

use std::collections::BTreeSet;

/// A token of Rego source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Ident,
    Number,
    Str,
    Punct,
    Newline,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
    line: usize,
}

const KEYWORDS: &[&str] = &[
    "not", "some", "in", "with", "as", "else", "every", "if", "contains", "default", "import",
    "package", "true", "false", "null",
];

fn is_keyword(text: &str) -> bool {
    KEYWORDS.contains(&text)
}

/// Splits Rego source into tokens (comments dropped, newlines kept). Unterminated strings end at
/// the end of input; regorus reports them properly afterwards.
fn tokenize(src: &str) -> Vec<Token> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while let Some(&b) = bytes.get(i) {
        let start = i;
        let kind = match b {
            b'\n' => {
                i += 1;
                tokens.push(Token {
                    kind: Tok::Newline,
                    start,
                    end: i,
                    line,
                });
                line += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    i += 1;
                    match c {
                        b'\\' => i += 1,
                        b'"' | b'\n' => break,
                        _ => {}
                    }
                }
                Tok::Str
            }
            b'`' => {
                let first_line = line;
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    i += 1;
                    if c == b'\n' {
                        line += 1;
                    }
                    if c == b'`' {
                        break;
                    }
                }
                tokens.push(Token {
                    kind: Tok::Str,
                    start,
                    end: i.min(bytes.len()),
                    line: first_line,
                });
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while bytes
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    i += 1;
                }
                Tok::Ident
            }
            c if c.is_ascii_digit() => {
                while bytes
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.')
                {
                    i += 1;
                }
                Tok::Number
            }
            _ => {
                let two = bytes.get(i..i + 2);
                i += match two {
                    Some(b":=" | b"==" | b"!=" | b"<=" | b">=") => 2,
                    _ => src[i..].chars().next().map_or(1, char::len_utf8),
                };
                Tok::Punct
            }
        };
        tokens.push(Token {
            kind,
            start,
            end: i.min(bytes.len()),
            line,
        });
    }
    tokens
}

/// Negated expressions longer than this many tokens are not rewritten (real ones are short;
/// the bound keeps hostile input linear).
const MAX_EXPRESSION_TOKENS: usize = 2048;

/// An edit of the source: replace `start..end` by `text`.
#[derive(Debug)]
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// What the scan of one module found.
#[derive(Debug, Default)]
pub(crate) struct Scanned {
    /// The source regorus should load.
    pub(crate) source: String,
    /// Names of the functions the module defines (rule heads with arguments).
    pub(crate) defines: BTreeSet<String>,
    /// Every call: dotted function name and line.
    pub(crate) calls: Vec<(String, usize)>,
}

struct Scanner<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    edits: Vec<Edit>,
    hoisted: usize,
}

impl<'a> Scanner<'a> {
    fn text(&self, t: &Token) -> &'a str {
        &self.src[t.start..t.end]
    }

    /// Whether the token at `index` is a keyword (`contains(` is the v0 builtin, not one).
    fn keyword_at(&self, index: usize) -> bool {
        let text = self.tok_text(index);
        is_keyword(text) && !(text == "contains" && self.is_punct(index + 1, "("))
    }

    fn tok_text(&self, index: usize) -> &'a str {
        self.tokens.get(index).map_or("", |t| self.text(t))
    }

    fn is_punct(&self, index: usize, p: &str) -> bool {
        self.tokens
            .get(index)
            .is_some_and(|t| t.kind == Tok::Punct && self.text(t) == p)
    }

    /// The previous token that is not a newline.
    fn prev_significant(&self, index: usize) -> Option<usize> {
        (0..index)
            .rev()
            .find(|&j| self.tokens.get(j).is_some_and(|t| t.kind != Tok::Newline))
    }

    /// The index of the bracket closing the one at `open`, if any.
    /// (Only tokens before `limit` are looked at, so hostile unbalanced input stays linear.)
    fn matching(&self, open: usize, limit: usize) -> Option<usize> {
        let mut depth = 0usize;
        for (j, t) in self.tokens.iter().enumerate().take(limit).skip(open) {
            if t.kind != Tok::Punct {
                continue;
            }
            match self.text(t) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(j);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Token range `[from, to)` of the expression starting at `from`: up to a newline, `;` or
    /// `with` at its own depth, or a closing bracket that leaves it.
    /// Scans at most [`MAX_EXPRESSION_TOKENS`]: a longer "expression" (or unbalanced input)
    /// ends there, and the callers leave it alone.
    fn expression_end(&self, from: usize) -> usize {
        let mut depth = 0usize;
        let mut j = from;
        while let Some(t) = self
            .tokens
            .get(j)
            .filter(|_| j < from + MAX_EXPRESSION_TOKENS)
        {
            match t.kind {
                Tok::Newline if depth == 0 => return j,
                Tok::Ident if depth == 0 && self.text(t) == "with" => return j,
                Tok::Punct => match self.text(t) {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => {
                        if depth == 0 {
                            return j;
                        }
                        depth -= 1;
                    }
                    ";" if depth == 0 => return j,
                    _ => {}
                },
                _ => {}
            }
            j += 1;
        }
        j
    }

    /// Splits `[from, to)` at top-level tokens satisfying `split`.
    fn split_top(
        &self,
        from: usize,
        to: usize,
        split: impl Fn(&str) -> bool,
    ) -> Vec<(usize, usize)> {
        let mut parts = Vec::new();
        let mut depth = 0usize;
        let mut start = from;
        for j in from..to {
            let Some(t) = self.tokens.get(j) else { break };
            if t.kind != Tok::Punct {
                continue;
            }
            let text = self.text(t);
            match text {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                _ if depth == 0 && split(text) => {
                    parts.push((start, j));
                    start = j + 1;
                }
                _ => {}
            }
        }
        parts.push((start, to));
        parts
    }

    /// Without newlines, the `[from, to)` tokens that are not newlines.
    fn trim(&self, from: usize, to: usize) -> Option<(usize, usize)> {
        let from =
            (from..to).find(|&j| self.tokens.get(j).is_some_and(|t| t.kind != Tok::Newline))?;
        let to = (from..to)
            .rev()
            .find(|&j| self.tokens.get(j).is_some_and(|t| t.kind != Tok::Newline))?
            + 1;
        Some((from, to))
    }

    /// A dotted name `a.b.c` starting at `from`: the index after it.
    fn dotted_end(&self, from: usize) -> usize {
        let mut j = from;
        if self.tokens.get(j).is_none_or(|t| t.kind != Tok::Ident) {
            return from;
        }
        j += 1;
        while self.is_punct(j, ".") && self.tokens.get(j + 1).is_some_and(|t| t.kind == Tok::Ident)
        {
            j += 2;
        }
        j
    }

    /// Whether `[from, to)` is a call `name(...)`.
    fn is_call(&self, from: usize, to: usize) -> bool {
        let name_end = self.dotted_end(from);
        name_end > from
            && !self.keyword_at(from)
            && self.is_punct(name_end, "(")
            && self.matching(name_end, to) == Some(to - 1)
    }

    /// Whether `[from, to)` needs evaluation OPA does before a negation: a reference with at
    /// least one step, a call, or an arithmetic expression. Plain variables, literals and
    /// composite literals stay where they are.
    fn needs_hoisting(&self, from: usize, to: usize, refs_too: bool) -> bool {
        let Some(first) = self.tokens.get(from) else {
            return false;
        };
        if to <= from + 1 {
            return false;
        }
        let arithmetic = self
            .split_top(from, to, |p| {
                matches!(p, "+" | "-" | "*" | "/" | "%" | "|" | "&")
            })
            .len()
            > 1;
        if arithmetic {
            return true;
        }
        // `(a - b)`: what is inside decides.
        if self.is_punct(from, "(") && self.matching(from, to) == Some(to - 1) {
            return self
                .trim(from + 1, to - 1)
                .is_some_and(|(a, b)| self.needs_hoisting(a, b, refs_too));
        }
        if first.kind != Tok::Ident || self.keyword_at(from) {
            return false;
        }
        self.is_call(from, to) || refs_too
    }

    /// References and calls inside a composite literal (`[input.a]`, `{"k": input.b}`),
    /// which OPA evaluates before the expression; comprehensions are left alone.
    fn literal_parts(&self, from: usize, to: usize, out: &mut Vec<(usize, usize)>) {
        let open = self.tok_text(from);
        if !matches!(open, "[" | "{") || !self.is_punct(from, open) {
            return;
        }
        if self.matching(from, to) != Some(to - 1) {
            return;
        }
        if self.split_top(from + 1, to - 1, |p| p == "|").len() > 1 {
            return;
        }
        for (a, b) in self.split_top(from + 1, to - 1, |p| p == ",") {
            for (c, d) in self.split_top(a, b, |p| p == ":") {
                if let Some((c, d)) = self.trim(c, d) {
                    if self.needs_hoisting(c, d, true) {
                        out.push((c, d));
                    } else {
                        self.literal_parts(c, d, out);
                    }
                }
            }
        }
    }

    /// The bracketed operands of a reference term (`data.x[input.y]`) that OPA evaluates
    /// first: references and calls inside `[...]` at the term's top level.
    fn dynamic_ref_parts(&self, from: usize, to: usize, out: &mut Vec<(usize, usize)>) {
        if self.tokens.get(from).is_none_or(|t| t.kind != Tok::Ident) || self.keyword_at(from) {
            return;
        }
        let mut j = from + 1;
        while j < to {
            if self.is_punct(j, "[") {
                let Some(close) = self.matching(j, to) else {
                    return;
                };
                if let Some((a, b)) = self.trim(j + 1, close) {
                    if self.needs_hoisting(a, b, true) {
                        out.push((a, b));
                    }
                }
                j = close + 1;
            } else if self.is_punct(j, ".")
                && self.tokens.get(j + 1).is_some_and(|t| t.kind == Tok::Ident)
            {
                j += 2;
            } else {
                return;
            }
        }
    }

    fn hoist(&mut self, not_index: usize, from: usize, to: usize, with: &str) {
        let (Some(first), Some(last), Some(not)) = (
            self.tokens.get(from).copied(),
            self.tokens.get(to - 1).copied(),
            self.tokens.get(not_index).copied(),
        ) else {
            return;
        };
        let name = format!("__kanon_h{}", self.hoisted);
        self.hoisted += 1;
        let term = &self.src[first.start..last.end];
        self.edits.push(Edit {
            start: not.start,
            end: not.start,
            text: format!("{name} = {term}{with}; "),
        });
        self.edits.push(Edit {
            start: first.start,
            end: last.end,
            text: name,
        });
    }

    fn negation(&mut self, not_index: usize) {
        let from = not_index + 1;
        let end = self.expression_end(from);
        if end >= from + MAX_EXPRESSION_TOKENS {
            return;
        }
        let Some((from, to)) = self.trim(from, end) else {
            return;
        };
        let comparison = self.split_top(from, to, |p| {
            matches!(p, "==" | "!=" | "<" | "<=" | ">" | ">=" | "=" | ":=")
        });
        let mut hoist = Vec::new();
        // `x in xs` is the membership call: both sides are its arguments.
        let membership = (comparison.len() == 1)
            .then(|| {
                let mut depth = 0usize;
                (from..to).find(|&j| {
                    let Some(t) = self.tokens.get(j) else {
                        return false;
                    };
                    match (t.kind, self.text(t)) {
                        (Tok::Punct, "(" | "[" | "{") => depth += 1,
                        (Tok::Punct, ")" | "]" | "}") => depth = depth.saturating_sub(1),
                        (Tok::Ident, "in") => return depth == 0,
                        _ => {}
                    }
                    false
                })
            })
            .flatten();
        if let [(l0, l1), (r0, r1)] = comparison[..] {
            let Some(op) = self.tokens.get(l1) else {
                return;
            };
            let equality = matches!(self.text(op), "==" | "=" | ":=");
            for (a, b) in [(l0, l1), (r0, r1)] {
                if let Some((a, b)) = self.trim(a, b) {
                    if self.needs_hoisting(a, b, !equality) {
                        hoist.push((a, b));
                    } else {
                        if equality {
                            self.dynamic_ref_parts(a, b, &mut hoist);
                        }
                        self.literal_parts(a, b, &mut hoist);
                    }
                }
            }
        } else if let Some(at) = membership {
            for (a, b) in [(from, at), (at + 1, to)] {
                if let Some((a, b)) = self.trim(a, b) {
                    if self.needs_hoisting(a, b, true) {
                        hoist.push((a, b));
                    } else {
                        self.literal_parts(a, b, &mut hoist);
                    }
                }
            }
        } else if comparison.len() == 1 && !self.is_call(from, to) {
            self.dynamic_ref_parts(from, to, &mut hoist);
        } else if comparison.len() == 1 && self.is_call(from, to) {
            let open = self.dotted_end(from);
            for (a, b) in self.split_top(open + 1, to - 1, |p| p == ",") {
                if let Some((a, b)) = self.trim(a, b) {
                    if self.needs_hoisting(a, b, true) {
                        hoist.push((a, b));
                    } else {
                        self.literal_parts(a, b, &mut hoist);
                    }
                }
            }
        }
        // Hoisting is skipped where a one-line binding could not say the same: terms that
        // span lines (comprehension bodies, comments), `_` wildcards (OPA rejects those in a
        // negation) and expressions with `with` modifiers.
        // `with` modifiers apply to the bindings too (OPA copies them onto the generated
        // expressions).
        let mut with_end = end;
        while self.tok_text(with_end) == "with" {
            let next = self.expression_end(with_end + 1);
            if next >= with_end + 1 + MAX_EXPRESSION_TOKENS {
                return;
            }
            with_end = next;
        }
        let with = match (
            self.tokens.get(end),
            with_end.checked_sub(1).and_then(|i| self.tokens.get(i)),
        ) {
            (Some(first), Some(last)) if with_end > end => {
                let text = &self.src[first.start..last.end];
                if text.contains('\n') {
                    return;
                }
                format!(" {text}")
            }
            _ => String::new(),
        };
        for (a, b) in hoist {
            let plain = (a..b).all(|j| {
                self.tokens.get(j).is_some_and(|t| {
                    t.kind != Tok::Newline
                        && !(t.kind == Tok::Ident && self.text(t) == "_")
                        && !(t.kind == Tok::Str && self.text(t).contains('\n'))
                })
            });
            if plain {
                self.hoist(not_index, a, b, &with);
            }
        }
    }

    /// The source of tokens `[from, to)` without comments or newlines (a rule head to
    /// repeat on one line): tokens keep their text, any gap becomes one space.
    fn head_text(&self, from: usize, to: usize) -> String {
        let mut out = String::new();
        let mut prev_end: Option<usize> = None;
        for t in self.tokens.get(from..to).into_iter().flatten() {
            if t.kind == Tok::Newline {
                continue;
            }
            if prev_end.is_some_and(|end| end < t.start) {
                out.push(' ');
            }
            out.push_str(self.text(t));
            prev_end = Some(t.end);
        }
        out
    }

    fn apply(self) -> String {
        let mut edits = self.edits;
        edits.sort_by_key(|e| (e.start, e.end));
        let mut out = String::with_capacity(self.src.len() + 64);
        let mut at = 0;
        for edit in edits {
            if edit.start < at {
                continue;
            }
            out.push_str(&self.src[at..edit.start]);
            out.push_str(&edit.text);
            at = edit.end;
        }
        out.push_str(&self.src[at..]);
        out
    }
}

/// Reads a module: rewrites the constructs regorus reads differently from OPA and lists the
/// functions it defines and calls.
pub(crate) fn scan(src: &str) -> Scanned {
    let mut scanner = Scanner {
        src,
        tokens: tokenize(src),
        edits: Vec::new(),
        hoisted: 0,
    };
    let mut scanned = Scanned::default();
    // Bracket stack: the opening text and whether it is a rule body.
    let mut stack: Vec<(&str, bool)> = Vec::new();
    let mut statement_start: Option<usize> = None;
    let mut last_body_end: Option<usize> = None;
    let mut head = String::new();
    let mut line_first = true;
    for index in 0..scanner.tokens.len() {
        let Some(token) = scanner.tokens.get(index).copied() else {
            break;
        };
        if token.kind == Tok::Newline {
            line_first = true;
            continue;
        }
        let first_on_line = std::mem::replace(&mut line_first, false);
        let text = scanner.text(&token);
        if stack.is_empty() && first_on_line && !matches!(text, "{" | "}" | "else") {
            statement_start = Some(index);
        }
        match (token.kind, text) {
            (Tok::Punct, "{") => {
                // At the top level a `{` opens a rule body, unless it starts a value
                // (`f(x) = {"a": x} { ... }`).
                let value_start = scanner.prev_significant(index).is_some_and(|p| {
                    scanner.tokens.get(p).is_some_and(|t| {
                        t.kind == Tok::Punct
                            && matches!(
                                scanner.text(t),
                                "=" | ":=" | "==" | "," | ":" | "(" | "[" | "|"
                            )
                    })
                });
                let body = stack.is_empty() && !value_start;
                if body {
                    let prev = scanner.prev_significant(index);
                    let chained = prev.is_some_and(|p| Some(p) == last_body_end);
                    if chained {
                        scanner.edits.push(Edit {
                            start: token.start,
                            end: token.start,
                            text: format!("{head} "),
                        });
                    } else if let Some(start) = statement_start {
                        if last_body_end.is_none_or(|end| start > end) {
                            head = scanner.head_text(start, index);
                        }
                    }
                }
                stack.push(("{", body));
            }
            (Tok::Punct, "(" | "[") => {
                if text == "(" && first_on_line && stack.last().is_some_and(|(o, _)| *o == "{") {
                    if let Some(prev) = scanner.prev_significant(index) {
                        let p = scanner.tokens.get(prev).copied();
                        let ends_expression = p.is_some_and(|p| match p.kind {
                            Tok::Ident => {
                                !is_keyword(scanner.text(&p))
                                    || scanner.text(&p) == "true"
                                    || scanner.text(&p) == "false"
                                    || scanner.text(&p) == "null"
                            }
                            Tok::Number | Tok::Str => true,
                            Tok::Punct => matches!(scanner.text(&p), ")" | "]" | "}"),
                            Tok::Newline => false,
                        }) && !scanner.is_punct(prev, "{");
                        if let (true, Some(p)) = (ends_expression, p) {
                            scanner.edits.push(Edit {
                                start: p.end,
                                end: p.end,
                                text: ";".to_owned(),
                            });
                        }
                    }
                }
                stack.push((if text == "(" { "(" } else { "[" }, false));
            }
            (Tok::Punct, ")" | "]" | "}") => {
                if let Some((_, body)) = stack.pop() {
                    if body && stack.is_empty() {
                        last_body_end = Some(index);
                    }
                }
            }
            (Tok::Ident, "not") if !stack.is_empty() => scanner.negation(index),
            (Tok::Ident, _) => {
                let prev_dot = index > 0 && scanner.is_punct(index - 1, ".");
                if !prev_dot && !scanner.keyword_at(index) {
                    let name_end = scanner.dotted_end(index);
                    if scanner.is_punct(name_end, "(") {
                        let name: String = (index..name_end).map(|j| scanner.tok_text(j)).collect();
                        let head = statement_start == Some(index)
                            || statement_start.is_some_and(|s| {
                                scanner.tok_text(s) == "default" && s + 1 == index
                            });
                        if stack.is_empty() && head {
                            scanned.defines.insert(name);
                        } else {
                            scanned.calls.push((name, token.line));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    scanned.source = scanner.apply();
    scanned
}

#[cfg(test)]
mod tests {
    use super::scan;

    #[test]
    fn chained_bodies_repeat_the_head() {
        let s =
            scan("package t\nv[{\"msg\": m}] {\n  input.a\n  m := \"a\"\n} {\n  m := \"b\"\n}\n");
        assert_eq!(
            s.source,
            "package t\nv[{\"msg\": m}] {\n  input.a\n  m := \"a\"\n} v[{\"msg\": m}] {\n  m := \"b\"\n}\n"
        );
    }

    #[test]
    fn object_values_in_heads_are_not_bodies() {
        let src = "package t\nf(x) = {\"a\": x} {\n  x\n}\ng[{\"m\": 1}] {\n  true\n}\n";
        assert_eq!(scan(src).source, src);
    }

    #[test]
    fn else_chains_are_left_alone() {
        let src = "package t\nf(x) = 1 {\n  x\n} else = 2 {\n  true\n}\n";
        assert_eq!(scan(src).source, src);
    }

    #[test]
    fn a_parenthesised_line_starts_a_new_expression() {
        let s = scan("package t\np {\n  x := input.a\n  (x - 1) >= 0\n}\n");
        assert_eq!(
            s.source,
            "package t\np {\n  x := input.a;\n  (x - 1) >= 0\n}\n"
        );
        // A call's arguments on the next line are untouched.
        let src = "package t\np {\n  x := sprintf(\n  \"%v\", [1])\n}\n";
        assert_eq!(scan(src).source, src);
    }

    #[test]
    fn negated_call_arguments_are_bound_first() {
        let s = scan("package t\np {\n  not f(input.p.missing, x)\n}\n");
        assert_eq!(
            s.source,
            "package t\np {\n  __kanon_h0 = input.p.missing; not f(__kanon_h0, x)\n}\n"
        );
        let s = scan("package t\np {\n  not input.a.b > 1\n}\n");
        assert!(s
            .source
            .contains("__kanon_h0 = input.a.b; not __kanon_h0 > 1"));
        // Equality binds only nested calls; plain negated references stay.
        for src in [
            "package t\np {\n  not input.a.b == 1\n}\n",
            "package t\np {\n  not input.a.b\n}\n",
            "package t\np {\n  not f(x, \"a\")\n}\n",
        ] {
            assert_eq!(scan(src).source, src);
        }
    }

    #[test]
    fn more_negation_shapes_follow_opa() {
        for (body, want) in [
            (
                "not contains(input.a, \"x\")",
                "__kanon_h0 = input.a; not contains(__kanon_h0, \"x\")",
            ),
            (
                "not c.name in input.parameters.exempt",
                "__kanon_h0 = c.name; __kanon_h1 = input.parameters.exempt; not __kanon_h0 in __kanon_h1",
            ),
            ("not data.x[input.y]", "__kanon_h0 = input.y; not data.x[__kanon_h0]"),
            ("not (input.a - 1) > 0", "__kanon_h0 = (input.a - 1); not __kanon_h0 > 0"),
            ("not f([input.a, 1])", "__kanon_h0 = input.a; not f([__kanon_h0, 1])"),
            (
                "not x == {\"k\": input.b}",
                "__kanon_h0 = input.b; not x == {\"k\": __kanon_h0}",
            ),
        ] {
            let s = scan(&format!("package t\np {{\n  {body}\n}}\n"));
            assert!(s.source.contains(want), "{body}: {}", s.source);
        }
    }

    #[test]
    fn terms_a_binding_cannot_carry_stay_in_place() {
        for src in [
            "package t\np {\n  not count([c |\n    c := input.x[_]\n  ]) > 0\n}\n",
            "package t\np {\n  not startswith(input.c[_].image, \"r/\")\n}\n",
        ] {
            assert_eq!(scan(src).source, src);
        }
        let s = scan("package t\np {\n  not f(input.x) with input as {\"x\": 1}\n}\n");
        assert!(
            s.source.contains(
                "__kanon_h0 = input.x with input as {\"x\": 1}; not f(__kanon_h0) with input as {\"x\": 1}"
            ),
            "{}",
            s.source
        );
    }

    #[test]
    fn unbalanced_negations_are_left_alone() {
        // Thousands of unclosed `not f(` lines: each negation would run to the end of the
        // module; the pass gives up on them instead of scanning the rest each time.
        let src = format!(
            "package t\np {{\n{}}}\n",
            "  not f(input.a\n".repeat(30_000)
        );
        let out = scan(&src).source;
        assert!(out.starts_with("package t\np {\n  not f(input.a\n  not f(input.a\n"));
        assert_eq!(out.lines().count(), src.lines().count());
    }

    #[test]
    fn chained_heads_drop_comments() {
        let s = scan(
            "package t\nv[{\"msg\": m, # why\n  \"details\": {}}] {\n  m := 1\n} {\n  m := 2\n}\n",
        );
        assert!(
            s.source.contains("} v[{\"msg\": m, \"details\": {}}] {"),
            "{}",
            s.source
        );
    }

    #[test]
    fn definitions_and_calls_are_listed() {
        let s = scan(
            "package t\nimport data.lib.x\nf(a) = b {\n  b := lower(a)\n}\nv[m] {\n  x.g(input)\n  m := sprintf(\"%v\", [f(1)])\n}\n",
        );
        assert!(s.defines.contains("f"));
        let calls: Vec<&str> = s.calls.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(calls, ["lower", "x.g", "sprintf", "f"]);
    }
}
