//! Flow collections: `[a, b]`, `{a: 1}`, nested and over several lines, with trailing
//! commas, single-pair mappings in sequences (`[a: b]`) and JSON-style `"a":1`.

use std::borrow::Cow;

use serde_json::Value;

use crate::error::{ErrorKind, ParseError, ParseResult};
use crate::mapping::{Key, MapBuilder};
use crate::parser::{can_start_plain, Parser};
use crate::props::Props;

/// A node in a flow collection, kept as a scalar until we know whether it is a key.
pub(crate) enum Node<'a> {
    Scalar {
        text: Cow<'a, str>,
        plain: bool,
        props: Props<'a>,
        offset: usize,
    },
    Value(Value),
}

impl Node<'_> {
    fn empty(offset: usize) -> Self {
        Node::Scalar {
            text: Cow::Borrowed(""),
            plain: true,
            props: Props::default(),
            offset,
        }
    }
}

impl<'a> Parser<'a> {
    /// Parses the flow collection starting at `[` or `{`, with its properties.
    pub(crate) fn flow_collection(&mut self, props: Props<'a>) -> ParseResult<Value> {
        if self.peek() == Some(b'[') {
            self.flow_sequence(props)
        } else {
            self.flow_mapping(props)
        }
    }

    /// Skips blanks (tabs included), comments and line breaks.
    fn skip_flow_ws(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'\n' | b'\r') => self.consume_break(),
                Some(b'#') => self.skip_to_line_end(),
                _ => return,
            }
        }
    }

    fn flow_sequence(&mut self, props: Props<'a>) -> ParseResult<Value> {
        let start = self.pos;
        self.enter(start)?;
        self.pos += 1;
        let base = self.scratch.items.len();
        while self.flow_entry_starts(b']')? {
            self.flow_sequence_entry()?;
            if !self.flow_entry_ends(b']')? {
                break;
            }
        }
        self.leave();
        let items = self.take_items(base);
        self.finish_collection(items, props, start)
    }

    /// One entry of a flow sequence (a node, or a single-pair mapping), onto the
    /// scratch stack.
    fn flow_sequence_entry(&mut self) -> ParseResult<()> {
        let offset = self.pos;
        let node = self.flow_key_node()?;
        let item = if self.flow_value_follows() {
            self.flow_pair(node, offset)?
        } else {
            self.node_value(node)?
        };
        self.scratch.items.push(item);
        Ok(())
    }

    /// A single-pair mapping inside a flow sequence (`[a: b]`); the position is after
    /// the `:`.
    fn flow_pair(&mut self, key: Node<'a>, offset: usize) -> ParseResult<Value> {
        self.enter(offset)?;
        let value = self.flow_value(b']')?;
        let key = self.node_key(key, offset)?;
        let mut builder = MapBuilder::new(self);
        builder.insert(self, key, value, offset)?;
        let pair = builder.finish(self);
        self.leave();
        Ok(pair)
    }

    fn flow_mapping(&mut self, props: Props<'a>) -> ParseResult<Value> {
        let start = self.pos;
        self.enter(start)?;
        self.pos += 1;
        let mut builder = MapBuilder::new(self);
        while self.flow_entry_starts(b'}')? {
            self.flow_mapping_entry(&mut builder)?;
            if !self.flow_entry_ends(b'}')? {
                break;
            }
        }
        self.finish_flow_mapping(builder, props, start)
    }

    fn finish_flow_mapping(
        &mut self,
        builder: MapBuilder,
        props: Props<'a>,
        start: usize,
    ) -> ParseResult<Value> {
        let value = builder.finish(self);
        self.leave();
        self.finish_collection(value, props, start)
    }

    /// One `key: value` (or lone `key`) entry of a flow mapping.
    fn flow_mapping_entry(&mut self, builder: &mut MapBuilder) -> ParseResult<()> {
        let offset = self.pos;
        let node = self.flow_key_node()?;
        let value = self.flow_mapping_value()?;
        let key = self.node_key(node, offset)?;
        builder.insert(self, key, value, offset)
    }

    /// The value of a flow mapping entry: after a `:`, or null without one.
    fn flow_mapping_value(&mut self) -> ParseResult<Value> {
        if self.flow_value_follows() {
            return self.flow_value(b'}');
        }
        Ok(Value::Null)
    }

    /// Before an entry of a flow collection closed by `close`: `false` (after consuming
    /// it) at the closing bracket; otherwise skips an explicit `?` and returns `true`.
    fn flow_entry_starts(&mut self, close: u8) -> ParseResult<bool> {
        self.skip_flow_ws();
        match self.peek() {
            Some(byte) if byte == close => {
                self.pos += 1;
                Ok(false)
            }
            None if close == b']' => self.error("did not find expected ',' or ']'"),
            None => self.error("did not find expected ',' or '}'"),
            Some(b',') => self.error("did not find expected node content"),
            _ => {
                if self.peek() == Some(b'?') && crate::chars::is_blankz(self.peek_at(1)) {
                    self.pos += 1;
                    self.skip_flow_ws();
                }
                Ok(true)
            }
        }
    }

    /// After an entry: `true` after a `,`, `false` after the closing bracket.
    fn flow_entry_ends(&mut self, close: u8) -> ParseResult<bool> {
        self.skip_flow_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(byte) if byte == close => {
                self.pos += 1;
                Ok(false)
            }
            _ if close == b']' => self.error("did not find expected ',' or ']'"),
            _ => self.error("did not find expected ',' or '}'"),
        }
    }

    /// The node in key position; empty if the entry starts with `:`.
    fn flow_key_node(&mut self) -> ParseResult<Node<'a>> {
        if self.peek() == Some(b':') {
            return Ok(Node::empty(self.pos));
        }
        self.flow_node()
    }

    /// Skips to the next token; if it is `:`, consumes it and returns `true`.
    fn flow_value_follows(&mut self) -> bool {
        self.skip_flow_ws();
        if self.peek() == Some(b':') {
            self.pos += 1;
            return true;
        }
        false
    }

    /// The value after a `:` in a flow collection closed by `close`; empty is null.
    fn flow_value(&mut self, close: u8) -> ParseResult<Value> {
        self.skip_flow_ws();
        if self.peek() == Some(b',') || self.peek() == Some(close) {
            return Ok(Value::Null);
        }
        let node = self.flow_node()?;
        self.node_value(node)
    }

    /// Parses one node inside a flow collection.
    fn flow_node(&mut self) -> ParseResult<Node<'a>> {
        let offset = self.pos;
        let props = self.flow_properties()?;
        if matches!(self.peek(), Some(b'[' | b'{')) {
            return Ok(Node::Value(self.flow_collection(props)?));
        }
        self.flow_scalar(props, offset)
    }

    fn flow_properties(&mut self) -> ParseResult<Props<'a>> {
        let mut props = Props::default();
        if matches!(self.peek(), Some(b'&' | b'!')) {
            self.properties(&mut props)?;
            self.skip_flow_ws();
        }
        Ok(props)
    }

    /// A node in a flow collection that is not itself a collection.
    fn flow_scalar(&mut self, props: Props<'a>, offset: usize) -> ParseResult<Node<'a>> {
        let empty = Node::Scalar {
            text: Cow::Borrowed(""),
            plain: true,
            props,
            offset,
        };
        let Some(byte) = self.peek() else {
            return Ok(empty);
        };
        match byte {
            b',' | b']' | b'}' | b':' => Ok(empty),
            b'*' => {
                if !props.is_empty() {
                    return self.error("did not find expected node content");
                }
                Ok(Node::Value(self.alias()?))
            }
            b'"' | b'\'' => Ok(Node::Scalar {
                text: self.quoted()?,
                plain: false,
                props,
                offset,
            }),
            _ if can_start_plain(byte, self.peek_at(1), true) => {
                let start = self.pos;
                let end = self.plain_line(true);
                let text = self.plain_rest(start, end, 0, true)?;
                Ok(Node::Scalar {
                    text,
                    plain: true,
                    props,
                    offset,
                })
            }
            b'-' => self.error("did not find expected node content"),
            _ => self.error("found character that cannot start any token"),
        }
    }

    fn node_value(&mut self, node: Node<'a>) -> ParseResult<Value> {
        match node {
            Node::Value(value) => Ok(value),
            Node::Scalar {
                text,
                plain,
                props,
                offset,
            } => self.scalar_value(text, plain, props, offset),
        }
    }

    fn node_key(&mut self, node: Node<'a>, offset: usize) -> ParseResult<Key> {
        match node {
            Node::Value(value) => Key::from_value(value, offset),
            Node::Scalar {
                text,
                plain,
                props,
                offset,
            } => {
                if text.is_empty() && plain && props.is_empty() {
                    return Err(ParseError::new(
                        ErrorKind::UnsupportedKey("null".into()),
                        offset,
                    ));
                }
                self.key_from_scalar(text, plain, props, offset)
            }
        }
    }
}
