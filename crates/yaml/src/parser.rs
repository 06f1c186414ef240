//! The recursive-descent parser for one document: state, whitespace handling and the
//! document level. Block and flow collections, scalars, properties and mappings are in
//! sibling modules as further `impl Parser` blocks.
//!
//! The parser works on bytes of the whole stream (so offsets are global) and builds
//! `serde_json::Value` directly, with no token or event stream in between. Block
//! structure is driven by columns: `min` is the smallest column that content nested in
//! the current block collection may use (libyaml's `indent + 1`; 0 at the top level).

use std::collections::HashMap;

use serde_json::Value;

use crate::chars::{count_newlines, is_blankz};
use crate::error::{ErrorKind, ParseError, ParseResult};
use crate::mapping::Scratch;
use crate::props::Props;
use crate::Limits;

/// Hard cap on nesting, whatever the configured limit: recursion uses the call stack.
pub(crate) const HARD_MAX_DEPTH: usize = 512;

/// Most stack the parser may use for one document. An optimised build needs about
/// 1 KiB per level, so this never binds before [`HARD_MAX_DEPTH`]; an unoptimised build
/// needs up to 5 KiB per level, and there this turns a stack overflow into
/// [`ErrorKind::TooDeep`]. It leaves 512 KiB of the 2 MiB of a spawned thread to the
/// caller.
const STACK_BUDGET: usize = 3 << 19;

/// An address on the current stack, to measure how much the parser has used.
#[inline(never)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::ptr::from_ref(&marker).addr()
}

/// A value stored for an anchor, with its size for the alias budget.
pub(crate) struct Anchor {
    pub(crate) value: Value,
    pub(crate) nodes: usize,
    pub(crate) depth: usize,
}

/// Where a block node is parsed.
#[derive(Clone, Copy)]
pub(crate) struct Ctx {
    /// Smallest column for nested content.
    pub(crate) min: usize,
    /// Whether a block collection may start on the current line (after `- `, `? `, or at
    /// the start of a line), as opposed to after `key: ` or `--- `.
    pub(crate) compact: bool,
    /// Whether a block sequence at column `min - 1` on a later line belongs to this node
    /// (`key:\n- a`).
    pub(crate) same_col_seq: bool,
}

/// Parser state for one document; reused across the documents of a stream.
pub(crate) struct Parser<'a> {
    pub(crate) text: &'a str,
    pub(crate) bytes: &'a [u8],
    pub(crate) pos: usize,
    pub(crate) line_start: usize,
    /// Offset and line number of the document start, to compute lines of offsets.
    base: (usize, usize),
    depth: usize,
    /// Stack address when the document's parsing started.
    stack_base: usize,
    pub(crate) max_depth: usize,
    pub(crate) max_alias_nodes: usize,
    pub(crate) alias_nodes: usize,
    pub(crate) anchors: HashMap<&'a str, Anchor>,
    /// Entries and items of the collections being built.
    pub(crate) scratch: Scratch,
    /// A stretch of line breaks and spaces that a scanner already looked over and gave
    /// back: from, to, and the line start at `to`. Lets [`Self::skip_block_ws`] jump.
    pub(crate) skip_hint: (usize, usize, usize),
}

impl<'a> Parser<'a> {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            text: "",
            bytes: b"",
            pos: 0,
            line_start: 0,
            base: (0, 1),
            depth: 0,
            stack_base: 0,
            max_depth: limits.max_depth.min(HARD_MAX_DEPTH),
            max_alias_nodes: limits.max_alias_nodes,
            alias_nodes: 0,
            anchors: HashMap::new(),
            scratch: Scratch::default(),
            skip_hint: (usize::MAX, 0, 0),
        }
    }

    /// Prepares to parse the document `stream[start..end]`, which begins on line `line`.
    pub(crate) fn reset(&mut self, stream: &'a str, start: usize, end: usize, line: usize) {
        self.text = stream.get(..end).unwrap_or(stream);
        self.bytes = self.text.as_bytes();
        self.pos = start;
        self.line_start = if start == 0 || self.bytes.get(start - 1) == Some(&b'\n') {
            start
        } else {
            self.bytes
                .get(..start)
                .unwrap_or_default()
                .iter()
                .rposition(|&byte| byte == b'\n')
                .map_or(0, |newline| newline + 1)
        };
        self.base = (start, line);
        self.depth = 0;
        self.alias_nodes = 0;
        self.anchors.clear();
        self.scratch.clear();
        self.skip_hint = (usize::MAX, 0, 0);
    }

    // ----- small helpers -----

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    pub(crate) fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    /// Column (in bytes) of the current position.
    #[inline]
    pub(crate) fn col(&self) -> usize {
        self.pos - self.line_start
    }

    /// The text between two offsets (always on character boundaries).
    #[inline]
    pub(crate) fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// 1-based line of an offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        let (start, line) = self.base;
        line + count_newlines(self.bytes.get(start..offset).unwrap_or_default())
    }

    pub(crate) fn error<T>(&self, message: &str) -> ParseResult<T> {
        Err(ParseError::syntax(message, self.pos))
    }

    /// Whether the next byte is `:` followed by a blank: a mapping value indicator.
    #[inline]
    pub(crate) fn at_value_indicator(&self) -> bool {
        self.peek() == Some(b':') && is_blankz(self.peek_at(1))
    }

    /// Whether the next bytes are `- ` (or `-` at the end of a line).
    #[inline]
    pub(crate) fn at_block_entry(&self) -> bool {
        self.peek() == Some(b'-') && is_blankz(self.peek_at(1))
    }

    /// Whether the rest of the line holds nothing but a comment.
    #[inline]
    pub(crate) fn at_line_end(&self) -> bool {
        matches!(self.peek(), None | Some(b'#' | b'\n' | b'\r'))
    }

    /// Whether only spaces precede the current position on its line.
    pub(crate) fn first_on_line(&self) -> bool {
        self.bytes
            .get(self.line_start..self.pos)
            .is_some_and(|indent| indent.iter().all(|&byte| byte == b' '))
    }

    /// Gives back a look-ahead over line breaks and spaces, from `from` to the current
    /// position: the position returns to `from`, and the next [`Self::skip_block_ws`]
    /// from there jumps back here.
    pub(crate) fn give_back(&mut self, from: (usize, usize)) {
        self.skip_hint = (from.0, self.pos, self.line_start);
        (self.pos, self.line_start) = from;
    }

    /// Consumes a line break (`\n`, `\r\n` or `\r`) at the current position.
    #[inline]
    pub(crate) fn consume_break(&mut self) {
        if self.peek() == Some(b'\r') {
            self.pos += 1;
        }
        if self.peek() == Some(b'\n') {
            self.pos += 1;
        }
        self.line_start = self.pos;
    }

    /// Moves to the line break (or end) that ends the current line.
    pub(crate) fn skip_to_line_end(&mut self) {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos += rest
            .iter()
            .position(|&byte| byte == b'\n' || byte == b'\r')
            .unwrap_or(rest.len());
    }

    /// Skips spaces, and tabs if `tabs_ok`; a tab otherwise is an indentation error.
    pub(crate) fn skip_blanks(&mut self, tabs_ok: bool) -> ParseResult<()> {
        loop {
            match self.peek() {
                Some(b' ') => self.pos += 1,
                Some(b'\t') if tabs_ok => self.pos += 1,
                Some(b'\t') => return Err(ParseError::new(ErrorKind::Tab, self.pos)),
                _ => return Ok(()),
            }
        }
    }

    /// Skips blanks, comments and line breaks in block context. Tabs are allowed before
    /// the first line break only if `tabs_ok` (go-yaml rejects tabs where a simple key
    /// could start: at the start of a line and after `-`, `?` or a complex `:`).
    /// Returns whether a line break was crossed.
    pub(crate) fn skip_block_ws(&mut self, mut tabs_ok: bool) -> ParseResult<bool> {
        let mut crossed = false;
        let (from, to, line_start) = self.skip_hint;
        if from == self.pos {
            self.pos = to;
            self.line_start = line_start;
            crossed = true;
            tabs_ok = false;
        }
        loop {
            match self.peek() {
                Some(b' ') => self.skip_spaces(),
                Some(b'\t') if tabs_ok => self.pos += 1,
                Some(b'\t') => return Err(ParseError::new(ErrorKind::Tab, self.pos)),
                Some(b'#') => self.skip_to_line_end(),
                Some(b'\n' | b'\r') => {
                    self.consume_break();
                    crossed = true;
                    tabs_ok = false;
                }
                // A byte-order mark may start a line (concatenated files), as in libyaml.
                Some(0xEF) if self.col() == 0 && self.at_bom() => {
                    self.pos += 3;
                    self.line_start = self.pos;
                }
                _ => return Ok(crossed),
            }
        }
    }

    fn at_bom(&self) -> bool {
        self.bytes.get(self.pos..self.pos + 3) == Some("\u{feff}".as_bytes())
    }

    /// Skips a run of spaces.
    #[inline]
    pub(crate) fn skip_spaces(&mut self) {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos += rest
            .iter()
            .position(|&byte| byte != b' ')
            .unwrap_or(rest.len());
    }

    /// Opens a collection, refusing to nest deeper than the limit or to use more stack
    /// than [`STACK_BUDGET`] (then the depth reached is reported as the limit).
    pub(crate) fn enter(&mut self, offset: usize) -> ParseResult<()> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(ParseError::new(ErrorKind::TooDeep(self.max_depth), offset));
        }
        if self.stack_base.abs_diff(stack_address()) > STACK_BUDGET {
            return Err(ParseError::new(ErrorKind::TooDeep(self.depth - 1), offset));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The sequence whose items start at `base` on the scratch stack, allocated once.
    pub(crate) fn take_items(&mut self, base: usize) -> Value {
        Value::Array(self.scratch.items.drain(base..).collect())
    }

    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    // ----- document -----

    /// Parses the document; `Ok(None)` when it holds no node. On success also returns
    /// the offset of the first token of the content.
    pub(crate) fn document(&mut self) -> ParseResult<Option<(Value, usize)>> {
        self.stack_base = stack_address();
        self.skip_block_ws(false)?;
        let mut directives = false;
        while self.peek() == Some(b'%') && self.col() == 0 {
            directives = true;
            self.skip_to_line_end();
            self.skip_block_ws(false)?;
        }
        let explicit = self.col() == 0
            && self.bytes.get(self.pos..self.pos + 3) == Some(b"---")
            && is_blankz(self.peek_at(3));
        let top = Ctx {
            min: 0,
            compact: true,
            same_col_seq: false,
        };
        let (value, first) = if explicit {
            self.pos += 3;
            self.skip_blanks(true)?;
            if self.at_line_end() {
                self.skip_block_ws(false)?;
                if self.peek().is_none() {
                    return Ok(None);
                }
                let first = self.pos;
                (self.block_node(top, Props::default())?, first)
            } else {
                let first = self.pos;
                let ctx = Ctx {
                    compact: false,
                    ..top
                };
                (self.block_node(ctx, Props::default())?, first)
            }
        } else {
            if self.peek().is_none() {
                return Ok(None);
            }
            if directives {
                return self.error("did not find expected <document start>");
            }
            let first = self.pos;
            (self.block_node(top, Props::default())?, first)
        };
        self.skip_block_ws(true)?;
        if self.peek().is_some() {
            return self.error("did not find expected <document start>");
        }
        Ok(Some((value, first)))
    }
}

/// Whether a plain scalar may start with `byte` followed by `next` (go-yaml v2 rules).
pub(crate) fn can_start_plain(byte: u8, next: Option<u8>, flow: bool) -> bool {
    match byte {
        b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*'
        | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => false,
        b'-' => !matches!(next, None | Some(b' ' | b'\t' | b'\r' | b'\n')),
        b'?' | b':' => !flow && !is_blankz(next),
        _ => true,
    }
}

/// Names the kind of a value for messages about keys.
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}
