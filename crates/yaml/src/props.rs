//! Node properties (anchors and tags), aliases, and turning scalars into values or
//! mapping keys.

use std::borrow::Cow;

use serde_json::{Number, Value};

use crate::chars::{is_anchor_char, is_blankz};
use crate::error::{ErrorKind, ParseError, ParseResult};
use crate::mapping::Key;
use crate::parser::{Anchor, Parser};
use crate::resolve::{go_format_float32, resolve_plain, resolve_tagged, Resolved, Tag};

/// The anchor and tag written before a node.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Props<'a> {
    pub(crate) anchor: Option<&'a str>,
    pub(crate) tag: Tag,
}

impl<'a> Props<'a> {
    pub(crate) fn is_empty(&self) -> bool {
        self.anchor.is_none() && self.tag == Tag::None
    }

    /// Combines properties from an earlier line with those on the node's own line.
    #[inline]
    pub(crate) fn merge(self, other: Props<'a>, offset: usize) -> ParseResult<Props<'a>> {
        if other.is_empty() {
            return Ok(self);
        }
        if (self.anchor.is_some() && other.anchor.is_some())
            || (self.tag != Tag::None && other.tag != Tag::None)
        {
            return Err(ParseError::syntax(
                "did not find expected node content",
                offset,
            ));
        }
        Ok(Props {
            anchor: self.anchor.or(other.anchor),
            tag: if self.tag == Tag::None {
                other.tag
            } else {
                self.tag
            },
        })
    }
}

impl<'a> Parser<'a> {
    /// Reads anchors and tags at the current position, each followed by blanks.
    pub(crate) fn properties(&mut self, props: &mut Props<'a>) -> ParseResult<()> {
        loop {
            match self.peek() {
                Some(b'&') => {
                    if props.anchor.is_some() {
                        return self.error("did not find expected node content");
                    }
                    props.anchor = Some(self.name()?);
                }
                Some(b'!') => {
                    if props.tag != Tag::None {
                        return self.error("did not find expected node content");
                    }
                    props.tag = self.tag()?;
                }
                _ => return Ok(()),
            }
            self.skip_blanks(true)?;
        }
    }

    /// Reads the name after `&` or `*`.
    fn name(&mut self) -> ParseResult<&'a str> {
        let indicator = self.pos;
        self.pos += 1;
        let start = self.pos;
        while self.peek().is_some_and(is_anchor_char) {
            self.pos += 1;
        }
        let ends_well = is_blankz(self.peek())
            || matches!(
                self.peek(),
                Some(b'?' | b':' | b',' | b']' | b'}' | b'%' | b'@' | b'`')
            );
        if self.pos == start || !ends_well {
            return Err(ParseError::syntax(
                "did not find expected alphabetic or numeric character",
                indicator,
            ));
        }
        Ok(self.slice(start, self.pos))
    }

    /// Reads a tag (`!`, `!!int`, `!local`, `!<verbatim>`).
    fn tag(&mut self) -> ParseResult<Tag> {
        let start = self.pos;
        if self.peek_at(1) == Some(b'<') {
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            let Some(close) = rest.iter().position(|&byte| byte == b'>') else {
                return self.error("did not find the expected '>'");
            };
            self.pos += close + 1;
        } else {
            while !is_blankz(self.peek())
                && !matches!(self.peek(), Some(b',' | b'[' | b']' | b'{' | b'}'))
            {
                self.pos += 1;
            }
        }
        if !is_blankz(self.peek()) && !matches!(self.peek(), Some(b',' | b']' | b'}')) {
            return self.error("did not find expected whitespace or line break");
        }
        Ok(Tag::from_text(self.slice(start, self.pos)))
    }

    /// Reads an alias (`*name`) and returns a copy of the anchored value, charging the
    /// alias budget.
    pub(crate) fn alias(&mut self) -> ParseResult<Value> {
        let start = self.pos;
        let name = self.name()?;
        let Some(anchor) = self.anchors.get(name) else {
            return Err(ParseError::new(
                ErrorKind::UnknownAlias(name.to_owned()),
                start,
            ));
        };
        let (nodes, depth) = (anchor.nodes, anchor.depth);
        self.charge_alias_nodes(nodes, start)?;
        if self.depth() + depth > self.max_depth {
            return Err(ParseError::new(ErrorKind::TooDeep(self.max_depth), start));
        }
        Ok(self
            .anchors
            .get(name)
            .map_or(Value::Null, |anchor| anchor.value.clone()))
    }

    /// Remembers a copy of `value` under `name` for later aliases. The copy is charged
    /// to the alias budget too, so that nested anchors cannot make parsing quadratic.
    fn define_anchor(&mut self, name: &'a str, value: &Value, offset: usize) -> ParseResult<()> {
        let (nodes, depth) = measure(value);
        self.charge_alias_nodes(nodes, offset)?;
        self.anchors.insert(
            name,
            Anchor {
                value: value.clone(),
                nodes,
                depth,
            },
        );
        Ok(())
    }

    fn charge_alias_nodes(&mut self, nodes: usize, offset: usize) -> ParseResult<()> {
        self.alias_nodes = self.alias_nodes.saturating_add(nodes);
        if self.alias_nodes > self.max_alias_nodes {
            return Err(ParseError::new(
                ErrorKind::AliasBudget(self.max_alias_nodes),
                offset,
            ));
        }
        Ok(())
    }

    /// Applies properties to a finished collection (tags on collections are ignored).
    pub(crate) fn finish_collection(
        &mut self,
        value: Value,
        props: Props<'a>,
        offset: usize,
    ) -> ParseResult<Value> {
        if let Some(name) = props.anchor {
            self.define_anchor(name, &value, offset)?;
        }
        Ok(value)
    }

    /// The value of a node with no content (`key:`), given its properties.
    pub(crate) fn empty_scalar(&mut self, props: Props<'a>, offset: usize) -> ParseResult<Value> {
        self.scalar_value(Cow::Borrowed(""), true, props, offset)
    }

    /// Resolves a scalar to a value. Untagged quoted and block scalars are strings.
    pub(crate) fn scalar_value(
        &mut self,
        text: Cow<'a, str>,
        plain: bool,
        props: Props<'a>,
        offset: usize,
    ) -> ParseResult<Value> {
        let resolved = match (props.tag, plain) {
            (Tag::None, true) => resolve_plain(&text),
            (Tag::None, false) => Resolved::Str,
            (tag, _) => resolve_tagged(&text, tag).map_err(|kind| ParseError::new(kind, offset))?,
        };
        let value = match resolved {
            Resolved::Str => Value::String(text.into_owned()),
            Resolved::Null => Value::Null,
            Resolved::Bool(value) => Value::Bool(value),
            Resolved::Int(value) => Value::Number(value.into()),
            Resolved::Uint(value) => Value::Number(value.into()),
            Resolved::Float(value) => match Number::from_f64(value) {
                Some(number) => Value::Number(number),
                None => {
                    return Err(ParseError::new(
                        ErrorKind::NotRepresentable(go_float_name(value).into()),
                        offset,
                    ))
                }
            },
        };
        if let Some(name) = props.anchor {
            self.define_anchor(name, &value, offset)?;
        }
        Ok(value)
    }

    /// Turns a scalar in key position into a mapping key, as sigs.k8s.io/yaml does:
    /// integers, floats and booleans become their string form, null is rejected.
    pub(crate) fn key_from_scalar(
        &mut self,
        text: Cow<'a, str>,
        plain: bool,
        props: Props<'a>,
        offset: usize,
    ) -> ParseResult<Key> {
        if text == "<<" && ((plain && props.tag == Tag::None) || props.tag == Tag::Merge) {
            return Ok(Key::Merge);
        }
        let resolved = match (props.tag, plain) {
            (Tag::None, true) => resolve_plain(&text),
            (Tag::None, false) => Resolved::Str,
            (tag, _) => resolve_tagged(&text, tag).map_err(|kind| ParseError::new(kind, offset))?,
        };
        if let Some(name) = props.anchor {
            let value = match resolved {
                Resolved::Str => Value::String(text.to_string()),
                Resolved::Null => Value::Null,
                Resolved::Bool(value) => Value::Bool(value),
                Resolved::Int(value) => Value::Number(value.into()),
                Resolved::Uint(value) => Value::Number(value.into()),
                Resolved::Float(value) => {
                    Number::from_f64(value).map_or(Value::Null, Value::Number)
                }
            };
            self.define_anchor(name, &value, offset)?;
        }
        let key = match resolved {
            Resolved::Str => text.into_owned(),
            Resolved::Null => {
                return Err(ParseError::new(
                    ErrorKind::UnsupportedKey("null".into()),
                    offset,
                ))
            }
            Resolved::Bool(value) => value.to_string(),
            Resolved::Int(value) => value.to_string(),
            Resolved::Uint(value) => value.to_string(),
            Resolved::Float(value) => go_format_float32(value),
        };
        Ok(Key::Str(key))
    }
}

/// How Go prints a non-finite float, for the "unsupported value" message.
fn go_float_name(value: f64) -> &'static str {
    if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

/// Counts the nodes of a value and its nesting depth (0 for a scalar).
fn measure(value: &Value) -> (usize, usize) {
    match value {
        Value::Array(items) => items.iter().fold((1, 1), |(nodes, depth), item| {
            let (n, d) = measure(item);
            (nodes.saturating_add(n), depth.max(d + 1))
        }),
        Value::Object(map) => map.values().fold((1, 1), |(nodes, depth), item| {
            let (n, d) = measure(item);
            (nodes.saturating_add(n), depth.max(d + 1))
        }),
        _ => (1, 0),
    }
}
