//! Block structure: nodes, mappings and sequences laid out by indentation.
//!
//! Nesting recurses on the call stack, so the functions on the recursive path
//! (`block_node`, `block_mapping`, `mapping_value`, `block_sequence`, `indicator_value`,
//! `node_on_next_line`) are kept small: everything that does not recurse (properties,
//! scalars, keys, the checks between entries) lives in helpers that return first. This
//! keeps unoptimised builds within a 2 MiB thread stack at the default depth limit.

use std::borrow::Cow;

use serde_json::Value;

use crate::chars::is_blankz;
use crate::error::{ErrorKind, ParseError, ParseResult};
use crate::mapping::{Key, MapBuilder};
use crate::parser::{can_start_plain, describe, Ctx, Parser};
use crate::props::Props;

/// What the first token of a block node says about the rest of it.
enum Head<'a> {
    /// The node is complete.
    Done(Value),
    /// Only properties on this line: the node is on a later line.
    NextLine(Props<'a>),
    /// A block sequence starts here.
    Sequence(Props<'a>),
    /// A block mapping starts here, with its first key if it is implicit.
    Mapping(Option<(Key, usize)>, Props<'a>),
    /// A flow collection starts here.
    Flow(Props<'a>),
}

/// The key of a block mapping entry.
enum KeyHead {
    /// An implicit key, read; the position is at its `:`.
    Implicit(Key, usize),
    /// An explicit key: the position is after its `?`.
    Explicit(usize),
}

impl<'a> Parser<'a> {
    /// After an indicator (`:`, `-`, `?`): parses the node that follows on this line or,
    /// if the line ends, on a later line.
    pub(crate) fn indicator_value(&mut self, ctx: Ctx, tabs_ok: bool) -> ParseResult<Value> {
        if self.indicator_line_ends(tabs_ok)? {
            return self.node_on_next_line(ctx, Props::default());
        }
        self.block_node(ctx, Props::default())
    }

    /// Skips blanks after an indicator; if the line ends there, also skips to the next
    /// token and returns `true`.
    fn indicator_line_ends(&mut self, tabs_ok: bool) -> ParseResult<bool> {
        self.skip_blanks(tabs_ok)?;
        if self.at_line_end() {
            self.skip_block_ws(false)?;
            return Ok(true);
        }
        Ok(false)
    }

    /// The current token starts a later line than its parent indicator: it is the node
    /// if it is indented enough, else the node is empty.
    fn node_on_next_line(&mut self, ctx: Ctx, props: Props<'a>) -> ParseResult<Value> {
        if self.peek().is_some() {
            let col = self.col();
            if col >= ctx.min {
                let ctx = Ctx {
                    compact: true,
                    ..ctx
                };
                return self.block_node(ctx, props);
            }
            if ctx.same_col_seq && col + 1 == ctx.min && self.at_block_entry() {
                return self.block_sequence(col, true, props);
            }
        }
        self.empty_scalar(props, self.pos)
    }

    /// Parses a block node starting at the current token. `outer` holds properties
    /// written on an earlier line, which belong to this node even if it is a mapping.
    pub(crate) fn block_node(&mut self, ctx: Ctx, outer: Props<'a>) -> ParseResult<Value> {
        let col = self.col();
        match self.block_head(ctx, outer)? {
            Head::Done(value) => Ok(value),
            Head::NextLine(props) => self.node_on_next_line(ctx, props),
            Head::Sequence(props) => self.block_sequence(col, false, props),
            Head::Mapping(first, props) => self.block_mapping(col, first, props),
            Head::Flow(props) => self.block_flow(props),
        }
    }

    /// Reads the properties and first token of a block node: scalars and aliases are
    /// finished here; collections are only recognised.
    fn block_head(&mut self, ctx: Ctx, outer: Props<'a>) -> ParseResult<Head<'a>> {
        let node_start = self.pos;
        let mut inline = Props::default();
        if matches!(self.peek(), Some(b'&' | b'!')) {
            self.properties(&mut inline)?;
            if self.at_line_end() {
                let props = outer.merge(inline, self.pos)?;
                self.skip_block_ws(true)?;
                return Ok(Head::NextLine(props));
            }
        }
        let start = self.pos;
        let Some(byte) = self.peek() else {
            let props = outer.merge(inline, start)?;
            return Ok(Head::Done(self.empty_scalar(props, node_start)?));
        };
        let next_blank = is_blankz(self.peek_at(1));
        match byte {
            b'-' if next_blank => {
                if !ctx.compact || !inline.is_empty() {
                    return self.error("block sequence entries are not allowed in this context");
                }
                Ok(Head::Sequence(outer))
            }
            b'?' if next_blank => {
                if !ctx.compact || !inline.is_empty() {
                    return self.error("mapping keys are not allowed in this context");
                }
                Ok(Head::Mapping(None, outer))
            }
            b':' if next_blank => {
                if !ctx.compact {
                    return self.error("mapping values are not allowed in this context");
                }
                Err(ParseError::new(
                    ErrorKind::UnsupportedKey("null".into()),
                    start,
                ))
            }
            b'|' | b'>' => {
                let text = self.block_scalar(ctx.min)?;
                let props = outer.merge(inline, start)?;
                let value = self.scalar_value(Cow::Owned(text), false, props, node_start)?;
                Ok(Head::Done(value))
            }
            b'[' | b'{' => Ok(Head::Flow(outer.merge(inline, start)?)),
            b'*' => {
                if !inline.is_empty() {
                    return self.error("did not find expected node content");
                }
                let value = self.alias()?;
                self.skip_blanks(true)?;
                if self.at_value_indicator() {
                    if !ctx.compact {
                        return self.error("mapping values are not allowed in this context");
                    }
                    let key = Key::from_value(value, start)?;
                    return Ok(Head::Mapping(Some((key, start)), outer));
                }
                if !outer.is_empty() {
                    return Err(ParseError::syntax(
                        "did not find expected node content",
                        start,
                    ));
                }
                Ok(Head::Done(value))
            }
            b'"' | b'\'' => {
                let line = self.line_start;
                let text = self.quoted()?;
                self.skip_blanks(true)?;
                if self.at_value_indicator() {
                    if !ctx.compact || self.line_start != line {
                        return self.error("mapping values are not allowed in this context");
                    }
                    let key = self.key_from_scalar(text, false, inline, start)?;
                    return Ok(Head::Mapping(Some((key, start)), outer));
                }
                let props = outer.merge(inline, start)?;
                Ok(Head::Done(
                    self.scalar_value(text, false, props, node_start)?,
                ))
            }
            _ => {
                if !can_start_plain(byte, self.peek_at(1), false) {
                    return self.error("found character that cannot start any token");
                }
                let end = self.plain_line(false);
                if self.at_value_indicator() {
                    if !ctx.compact {
                        return self.error("mapping values are not allowed in this context");
                    }
                    let text = Cow::Borrowed(self.slice(start, end));
                    let key = self.key_from_scalar(text, true, inline, start)?;
                    return Ok(Head::Mapping(Some((key, start)), outer));
                }
                let text = self.plain_rest(start, end, ctx.min, false)?;
                let props = outer.merge(inline, start)?;
                Ok(Head::Done(
                    self.scalar_value(text, true, props, node_start)?,
                ))
            }
        }
    }

    /// A flow collection used as a block node; nothing but a comment may follow it.
    fn block_flow(&mut self, props: Props<'a>) -> ParseResult<Value> {
        let start = self.pos;
        let value = self.flow_collection(props)?;
        self.skip_blanks(true)?;
        if self.at_value_indicator() {
            return Err(ParseError::new(
                ErrorKind::UnsupportedKey(describe(&value).into()),
                start,
            ));
        }
        Ok(value)
    }

    /// A block mapping whose entries start at column `col`. `first` is an implicit key
    /// already read (the position is then at its `:`); without it the mapping starts
    /// with an explicit `? ` key.
    fn block_mapping(
        &mut self,
        col: usize,
        first: Option<(Key, usize)>,
        props: Props<'a>,
    ) -> ParseResult<Value> {
        let start = first.as_ref().map_or(self.pos, |(_, offset)| *offset);
        self.enter(start)?;
        let mut builder = MapBuilder::new(self);
        let mut pending = first.map(|(key, offset)| KeyHead::Implicit(key, offset));
        loop {
            self.mapping_entry(col, &mut builder, pending.take())?;
            if !self.mapping_continues(col)? {
                break;
            }
        }
        self.finish_mapping(builder, props, start)
    }

    /// Parses one entry of a block mapping, whose key may already be read.
    fn mapping_entry(
        &mut self,
        col: usize,
        builder: &mut MapBuilder,
        pending: Option<KeyHead>,
    ) -> ParseResult<()> {
        let (key, offset, explicit) = self.entry_key(col, pending)?;
        let value = self.mapping_value(col, explicit)?;
        builder.insert(self, key, value, offset)
    }

    /// The key of a mapping entry, its offset, and whether it was explicit (`? `).
    fn entry_key(
        &mut self,
        col: usize,
        pending: Option<KeyHead>,
    ) -> ParseResult<(Key, usize, bool)> {
        let head = match pending {
            Some(head) => head,
            None => self.block_key()?,
        };
        match head {
            KeyHead::Implicit(key, offset) => Ok((key, offset, false)),
            KeyHead::Explicit(offset) => {
                let node = self.indicator_value(Self::nested(col, false), false)?;
                Ok((Key::from_value(node, offset)?, offset, true))
            }
        }
    }

    fn finish_mapping(
        &mut self,
        builder: MapBuilder,
        props: Props<'a>,
        start: usize,
    ) -> ParseResult<Value> {
        let value = builder.finish(self);
        self.leave();
        self.finish_collection(value, props, start)
    }

    /// The context of a node nested in a block collection at column `col`.
    fn nested(col: usize, same_col_seq: bool) -> Ctx {
        Ctx {
            min: col + 1,
            compact: true,
            same_col_seq,
        }
    }

    /// The value of a mapping entry, after its key.
    fn mapping_value(&mut self, col: usize, explicit: bool) -> ParseResult<Value> {
        if explicit {
            if !self.explicit_value_follows(col)? {
                return Ok(Value::Null);
            }
            return self.indicator_value(Self::nested(col, true), false);
        }
        self.pos += 1;
        let ctx = Ctx {
            compact: false,
            ..Self::nested(col, true)
        };
        self.indicator_value(ctx, true)
    }

    /// After an explicit key: whether a `:` at the mapping's column (or on the key's
    /// line) introduces a value; if so, the position is after it.
    fn explicit_value_follows(&mut self, col: usize) -> ParseResult<bool> {
        let crossed = self.skip_block_ws(true)?;
        if self.at_value_indicator() && (!crossed || self.col() == col) {
            self.pos += 1;
            return Ok(true);
        }
        Ok(false)
    }

    /// After a mapping entry: whether another entry follows at column `col`.
    fn mapping_continues(&mut self, col: usize) -> ParseResult<bool> {
        let crossed = self.skip_block_ws(true)?;
        if self.peek().is_none() {
            return Ok(false);
        }
        if !crossed && !self.first_on_line() {
            return if self.at_value_indicator() {
                self.error("mapping values are not allowed in this context")
            } else {
                self.error("did not find expected key")
            };
        }
        let current = self.col();
        if current > col {
            return self.error("did not find expected key");
        }
        Ok(current == col)
    }

    /// Reads the key of a block mapping entry.
    fn block_key(&mut self) -> ParseResult<KeyHead> {
        let offset = self.pos;
        let next_blank = is_blankz(self.peek_at(1));
        match self.peek() {
            Some(b'?') if next_blank => {
                self.pos += 1;
                return Ok(KeyHead::Explicit(offset));
            }
            Some(b':') if next_blank => {
                return Err(ParseError::new(
                    ErrorKind::UnsupportedKey("null".into()),
                    offset,
                ));
            }
            Some(b'-') if next_blank => return self.error("did not find expected key"),
            _ => {}
        }
        let mut props = Props::default();
        if matches!(self.peek(), Some(b'&' | b'!')) {
            self.properties(&mut props)?;
        }
        let start = self.pos;
        let key = match self.peek() {
            Some(b'"' | b'\'') => {
                let line = self.line_start;
                let text = self.quoted()?;
                if self.line_start != line {
                    return Err(ParseError::syntax("could not find expected ':'", offset));
                }
                self.key_from_scalar(text, false, props, offset)?
            }
            Some(b'*') if props.is_empty() => Key::from_value(self.alias()?, offset)?,
            Some(b'[' | b'{') => {
                let value = self.flow_collection(Props::default())?;
                return Err(ParseError::new(
                    ErrorKind::UnsupportedKey(describe(&value).into()),
                    offset,
                ));
            }
            Some(byte) if can_start_plain(byte, self.peek_at(1), false) => {
                let end = self.plain_line(false);
                let text = Cow::Borrowed(self.slice(start, end));
                self.key_from_scalar(text, true, props, offset)?
            }
            Some(_) if !self.at_line_end() => {
                return self.error("found character that cannot start any token")
            }
            _ => return Err(ParseError::syntax("could not find expected ':'", offset)),
        };
        self.skip_blanks(true)?;
        if !self.at_value_indicator() {
            return Err(ParseError::syntax("could not find expected ':'", offset));
        }
        Ok(KeyHead::Implicit(key, offset))
    }

    /// A block sequence whose `- ` entries are at column `col`. `in_map` tells that it is
    /// the value of a mapping key at the same column, so a line at `col` without `-`
    /// ends it rather than being an error.
    fn block_sequence(&mut self, col: usize, in_map: bool, props: Props<'a>) -> ParseResult<Value> {
        let start = self.pos;
        self.enter(start)?;
        let base = self.scratch.items.len();
        loop {
            self.sequence_entry(col)?;
            if !self.sequence_continues(col, in_map)? {
                break;
            }
        }
        self.leave();
        let items = self.take_items(base);
        self.finish_collection(items, props, start)
    }

    /// Parses one `- ` entry of a block sequence onto the scratch stack.
    fn sequence_entry(&mut self, col: usize) -> ParseResult<()> {
        self.pos += 1;
        let item = self.indicator_value(Self::nested(col, false), false)?;
        self.scratch.items.push(item);
        Ok(())
    }

    /// After a sequence entry: whether another `- ` entry follows at column `col`.
    fn sequence_continues(&mut self, col: usize, in_map: bool) -> ParseResult<bool> {
        let crossed = self.skip_block_ws(true)?;
        if self.peek().is_none() {
            return Ok(false);
        }
        if !crossed && !self.first_on_line() {
            return if self.at_value_indicator() {
                self.error("mapping values are not allowed in this context")
            } else {
                self.error("did not find expected '-' indicator")
            };
        }
        let current = self.col();
        if current < col {
            return Ok(false);
        }
        if current > col || (!self.at_block_entry() && !in_map) {
            return self.error("did not find expected '-' indicator");
        }
        Ok(self.at_block_entry())
    }
}
