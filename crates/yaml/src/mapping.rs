//! Building mappings: string keys, strict duplicate detection, and YAML 1.1 merge keys
//! (`<<`), where explicit keys win over merged ones and earlier merge sources win over
//! later ones.
//!
//! Entries of small mappings wait on a scratch stack shared by the whole parse
//! ([`Scratch`]), so that each map is allocated once at its final size; duplicates are
//! found by comparing keys. A mapping that outgrows [`SMALL`] entries moves to a real
//! map and hashing.

use serde_json::{Map, Value};

use crate::error::{ErrorKind, ParseError, ParseResult};
use crate::parser::{describe, Parser};
use crate::resolve::go_format_float32;

/// Entries a mapping keeps on the scratch stack before it switches to hashing.
const SMALL: usize = 8;

/// A mapping key, already turned into a string.
#[derive(Debug)]
pub(crate) enum Key {
    /// An ordinary key.
    Str(String),
    /// The merge key `<<`.
    Merge,
}

impl Key {
    /// The key for a node that is already a value (an alias or an explicit `? ` key).
    pub(crate) fn from_value(value: Value, offset: usize) -> ParseResult<Self> {
        let key = match value {
            Value::String(text) => text,
            Value::Bool(value) => value.to_string(),
            Value::Number(number) => {
                if number.is_f64() {
                    go_format_float32(number.as_f64().unwrap_or_default())
                } else {
                    number.to_string()
                }
            }
            Value::Null | Value::Array(_) | Value::Object(_) => {
                return Err(ParseError::new(
                    ErrorKind::UnsupportedKey(describe(&value).into()),
                    offset,
                ))
            }
        };
        Ok(Self::Str(key))
    }
}

/// Stacks reused across mappings and sequences while a document is parsed.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Entries of small mappings being built: key, value, offset of the key.
    entries: Vec<(String, Value, usize)>,
    /// Offsets of the keys of large mappings being built, in insertion order.
    offsets: Vec<usize>,
    /// Items of sequences being built.
    pub(crate) items: Vec<Value>,
}

impl Scratch {
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.offsets.clear();
        self.items.clear();
    }
}

/// Collects the entries of one mapping.
pub(crate) struct MapBuilder {
    /// Where this mapping's entries start in `Scratch::entries`.
    base: usize,
    /// Where this mapping's key offsets start in `Scratch::offsets` (large mode).
    offset_base: usize,
    /// The map, once the mapping has more than [`SMALL`] entries.
    large: Option<Map<String, Value>>,
    /// The merge source, the number of explicit keys before it, and its offset.
    merge: Option<(Value, usize, usize)>,
}

impl MapBuilder {
    pub(crate) fn new(parser: &Parser<'_>) -> Self {
        Self {
            base: parser.scratch.entries.len(),
            offset_base: parser.scratch.offsets.len(),
            large: None,
            merge: None,
        }
    }

    fn len(&self, parser: &Parser<'_>) -> usize {
        match &self.large {
            Some(map) => map.len(),
            None => parser.scratch.entries.len() - self.base,
        }
    }

    /// Adds an entry; a key seen before is an error that names the first line.
    pub(crate) fn insert(
        &mut self,
        parser: &mut Parser<'_>,
        key: Key,
        value: Value,
        offset: usize,
    ) -> ParseResult<()> {
        let key = match key {
            Key::Merge => return self.set_merge(parser, value, offset),
            Key::Str(key) => key,
        };
        if let Some(map) = &mut self.large {
            return match map.entry(key) {
                serde_json::map::Entry::Vacant(entry) => {
                    entry.insert(value);
                    parser.scratch.offsets.push(offset);
                    Ok(())
                }
                serde_json::map::Entry::Occupied(entry) => {
                    let key = entry.key().clone();
                    let index = map.keys().position(|existing| *existing == key);
                    let first = index
                        .and_then(|index| parser.scratch.offsets.get(self.offset_base + index))
                        .copied()
                        .unwrap_or(offset);
                    Err(duplicate(parser, key, first, offset))
                }
            };
        }
        let mine = parser.scratch.entries.get(self.base..).unwrap_or_default();
        if let Some((_, _, first)) = mine.iter().find(|(existing, _, _)| *existing == key) {
            let first = *first;
            return Err(duplicate(parser, key, first, offset));
        }
        let count = mine.len() + 1;
        parser.scratch.entries.push((key, value, offset));
        if count > SMALL {
            let mut map = Map::with_capacity(SMALL * 4);
            for (key, value, offset) in parser.scratch.entries.drain(self.base..) {
                map.insert(key, value);
                parser.scratch.offsets.push(offset);
            }
            self.large = Some(map);
        }
        Ok(())
    }

    fn set_merge(&mut self, parser: &Parser<'_>, value: Value, offset: usize) -> ParseResult<()> {
        if let Some((_, _, first)) = &self.merge {
            return Err(duplicate(parser, "<<".into(), *first, offset));
        }
        let valid = match &value {
            Value::Object(_) => true,
            Value::Array(items) => items.iter().all(Value::is_object),
            _ => false,
        };
        if !valid {
            return Err(ParseError::new(ErrorKind::InvalidMerge, offset));
        }
        self.merge = Some((value, self.len(parser), offset));
        Ok(())
    }

    /// Applies the merge, if any, and returns the mapping.
    pub(crate) fn finish(self, parser: &mut Parser<'_>) -> Value {
        let map = match self.large {
            Some(map) => {
                parser.scratch.offsets.truncate(self.offset_base);
                map
            }
            None => {
                let entries = parser.scratch.entries.drain(self.base..);
                let mut map = Map::with_capacity(entries.len());
                for (key, value, _) in entries {
                    map.insert(key, value);
                }
                map
            }
        };
        match self.merge {
            None => Value::Object(map),
            Some((source, before, _)) => Value::Object(merge(map, source, before)),
        }
    }
}

fn duplicate(parser: &Parser<'_>, key: String, first: usize, offset: usize) -> ParseError {
    let line = parser.line_of(first);
    ParseError::new(ErrorKind::DuplicateKey(key, line), offset)
}

/// Merges `source` (a mapping or a sequence of mappings) into `explicit`, whose first
/// `before` entries came before the `<<` key.
fn merge(explicit: Map<String, Value>, source: Value, before: usize) -> Map<String, Value> {
    let sources: Vec<Map<String, Value>> = match source {
        Value::Object(map) => vec![map],
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut explicit = explicit.into_iter();
    let mut out = Map::new();
    for (key, value) in explicit.by_ref().take(before) {
        out.insert(key, value);
    }
    let later: Map<String, Value> = explicit.collect();
    for source in sources {
        for (key, value) in source {
            if !out.contains_key(&key) && !later.contains_key(&key) {
                out.insert(key, value);
            }
        }
    }
    for (key, value) in later {
        out.insert(key, value);
    }
    out
}
