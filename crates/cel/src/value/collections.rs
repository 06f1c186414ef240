//! Strings, lists and maps that are either owned (reference-counted) or borrowed from JSON.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::json::borrow_json;
use super::Value;

/// A CEL string: borrowed from JSON or owned.
#[derive(Clone)]
pub struct Str<'a>(StrRepr<'a>);

#[derive(Clone)]
enum StrRepr<'a> {
    Borrowed(&'a str),
    Owned(Arc<str>),
}

impl<'a> Str<'a> {
    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            StrRepr::Borrowed(s) => s,
            StrRepr::Owned(s) => s,
        }
    }

    pub(crate) fn borrowed(text: &'a str) -> Self {
        Str(StrRepr::Borrowed(text))
    }

    /// Detaches the string from borrowed JSON.
    pub fn into_owned(self) -> Str<'static> {
        match self.0 {
            StrRepr::Borrowed(s) => Str(StrRepr::Owned(Arc::from(s))),
            StrRepr::Owned(s) => Str(StrRepr::Owned(s)),
        }
    }
}

impl From<Arc<str>> for Str<'_> {
    fn from(text: Arc<str>) -> Self {
        Str(StrRepr::Owned(text))
    }
}

impl From<String> for Str<'_> {
    fn from(text: String) -> Self {
        Str(StrRepr::Owned(Arc::from(text)))
    }
}

impl fmt::Debug for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Str<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Str<'_> {}

/// A CEL list: a JSON array borrowed in place, or owned values.
#[derive(Clone)]
pub struct List<'a>(ListRepr<'a>);

#[derive(Clone)]
enum ListRepr<'a> {
    Json(&'a [serde_json::Value]),
    Owned(Arc<Vec<Value<'a>>>),
}

impl<'a> List<'a> {
    pub(crate) fn json(items: &'a [serde_json::Value]) -> Self {
        List(ListRepr::Json(items))
    }

    /// A list of owned values.
    pub fn from_vec(items: Vec<Value<'a>>) -> Self {
        List(ListRepr::Owned(Arc::new(items)))
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        match &self.0 {
            ListRepr::Json(items) => items.len(),
            ListRepr::Owned(items) => items.len(),
        }
    }

    /// Whether the list has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element at `index`.
    pub fn get(&self, index: usize) -> Option<Value<'a>> {
        match &self.0 {
            ListRepr::Json(items) => items.get(index).map(borrow_json),
            ListRepr::Owned(items) => items.get(index).cloned(),
        }
    }

    /// The elements in order.
    pub fn iter(&self) -> ListIter<'_, 'a> {
        match &self.0 {
            ListRepr::Json(items) => ListIter::Json(items.iter()),
            ListRepr::Owned(items) => ListIter::Owned(items.iter()),
        }
    }

    /// The elements as a vector.
    pub fn to_vec(&self) -> Vec<Value<'a>> {
        self.iter().collect()
    }

    /// Detaches the list from borrowed JSON.
    pub fn into_owned(self) -> List<'static> {
        List::from_vec(self.iter().map(Value::into_owned).collect())
    }
}

impl fmt::Debug for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// An iterator over the elements of a [`List`].
pub enum ListIter<'l, 'a> {
    /// Over a borrowed JSON array.
    #[doc(hidden)]
    Json(std::slice::Iter<'a, serde_json::Value>),
    /// Over owned values.
    #[doc(hidden)]
    Owned(std::slice::Iter<'l, Value<'a>>),
}

impl<'a> Iterator for ListIter<'_, 'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        match self {
            ListIter::Json(it) => it.next().map(borrow_json),
            ListIter::Owned(it) => it.next().cloned(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            ListIter::Json(it) => it.size_hint(),
            ListIter::Owned(it) => it.size_hint(),
        }
    }
}

impl DoubleEndedIterator for ListIter<'_, '_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            ListIter::Json(it) => it.next_back().map(borrow_json),
            ListIter::Owned(it) => it.next_back().cloned(),
        }
    }
}

/// A map key: `bool`, `int`, `uint` or `string`. `int` and `uint` keys with the same numeric
/// value are the same key (CEL's heterogeneous equality).
#[derive(Clone, Debug)]
pub enum Key<'a> {
    /// A `bool` key.
    Bool(bool),
    /// An `int` key.
    Int(i64),
    /// A `uint` key.
    Uint(u64),
    /// A `string` key.
    String(Str<'a>),
}

impl<'a> Key<'a> {
    /// The key for a value used as a map key in a literal; `None` for types that cannot be keys.
    pub(crate) fn from_value(value: &Value<'a>) -> Option<Key<'a>> {
        match value {
            Value::Bool(b) => Some(Key::Bool(*b)),
            Value::Int(i) => Some(Key::Int(*i)),
            Value::Uint(u) => Some(Key::Uint(*u)),
            Value::String(s) => Some(Key::String(s.clone())),
            _ => None,
        }
    }

    /// The key to look up for a value: like [`Key::from_value`], and integral doubles find
    /// numeric keys.
    pub(crate) fn for_lookup(value: &Value<'a>) -> Option<Key<'a>> {
        match value {
            Value::Double(d) => {
                if d.fract() != 0.0 || !d.is_finite() {
                    None
                } else if *d >= -9.223_372_036_854_776e18 && *d < 9.223_372_036_854_776e18 {
                    Some(Key::Int(*d as i64))
                } else if *d >= 0.0 && *d < 1.844_674_407_370_955_2e19 {
                    Some(Key::Uint(*d as u64))
                } else {
                    None
                }
            }
            other => Key::from_value(other),
        }
    }

    /// The key as a value.
    pub fn to_value(&self) -> Value<'a> {
        match self {
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Uint(u) => Value::Uint(*u),
            Key::String(s) => Value::String(s.clone()),
        }
    }

    fn numeric(&self) -> Option<i128> {
        match self {
            Key::Int(i) => Some(i128::from(*i)),
            Key::Uint(u) => Some(i128::from(*u)),
            _ => None,
        }
    }

    fn into_owned(self) -> Key<'static> {
        match self {
            Key::Bool(b) => Key::Bool(b),
            Key::Int(i) => Key::Int(i),
            Key::Uint(u) => Key::Uint(u),
            Key::String(s) => Key::String(s.into_owned()),
        }
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Key::Bool(a), Key::Bool(b)) => a == b,
            (Key::String(a), Key::String(b)) => a == b,
            _ => match (self.numeric(), other.numeric()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }
}

impl Eq for Key<'_> {}

impl Hash for Key<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Key::Bool(b) => {
                0u8.hash(state);
                b.hash(state);
            }
            Key::String(s) => {
                1u8.hash(state);
                s.as_str().hash(state);
            }
            Key::Int(_) | Key::Uint(_) => {
                2u8.hash(state);
                self.numeric().hash(state);
            }
        }
    }
}

/// A CEL map: a JSON object borrowed in place, or owned entries in insertion order.
#[derive(Clone)]
pub struct Map<'a>(MapRepr<'a>);

#[derive(Clone)]
enum MapRepr<'a> {
    Json(&'a serde_json::Map<String, serde_json::Value>),
    Owned(Arc<OwnedMap<'a>>),
}

struct OwnedMap<'a> {
    entries: Vec<(Key<'a>, Value<'a>)>,
    /// Entry positions by key hash; built for larger maps only, small ones are searched
    /// linearly.
    index: Option<HashMap<u64, Vec<usize>>>,
}

/// JSON objects up to this size are searched linearly rather than through their hash index.
const LINEAR_SCAN_MAX: usize = 12;

/// Maps with more entries than this get a hash index.
const INDEX_THRESHOLD: usize = 12;

impl<'a> Map<'a> {
    pub(crate) fn json(object: &'a serde_json::Map<String, serde_json::Value>) -> Self {
        Map(MapRepr::Json(object))
    }

    /// A map of the given entries; the key of a repeated entry is returned as the error.
    pub fn from_entries(entries: Vec<(Key<'a>, Value<'a>)>) -> Result<Self, Key<'a>> {
        if entries.len() <= INDEX_THRESHOLD {
            for (i, (key, _)) in entries.iter().enumerate() {
                if entries.iter().take(i).any(|(other, _)| key_eq(other, key)) {
                    return Err(key.clone());
                }
            }
            return Ok(Map(MapRepr::Owned(Arc::new(OwnedMap {
                entries,
                index: None,
            }))));
        }
        let index = build_index(&entries);
        for bucket in index.values() {
            for (n, i) in bucket.iter().enumerate() {
                let Some((key, _)) = entries.get(*i) else {
                    continue;
                };
                let repeated = bucket
                    .iter()
                    .take(n)
                    .filter_map(|j| entries.get(*j))
                    .any(|(other, _)| key_eq(other, key));
                if repeated {
                    return Err(key.clone());
                }
            }
        }
        Ok(Map(MapRepr::Owned(Arc::new(OwnedMap {
            entries,
            index: Some(index),
        }))))
    }

    /// A map of entries known to have distinct keys.
    pub(crate) fn from_entries_unchecked(entries: Vec<(Key<'a>, Value<'a>)>) -> Self {
        let index = (entries.len() > INDEX_THRESHOLD).then(|| build_index(&entries));
        Map(MapRepr::Owned(Arc::new(OwnedMap { entries, index })))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        match &self.0 {
            MapRepr::Json(object) => object.len(),
            MapRepr::Owned(map) => map.entries.len(),
        }
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value under a string key.
    pub fn get_str(&self, key: &str) -> Option<Value<'a>> {
        match &self.0 {
            // Kubernetes objects have small maps, where a scan beats hashing the key.
            MapRepr::Json(object) if object.len() <= LINEAR_SCAN_MAX => object
                .iter()
                .find(|(k, _)| k.as_str() == key)
                .map(|(_, v)| borrow_json(v)),
            MapRepr::Json(object) => object.get(key).map(borrow_json),
            MapRepr::Owned(map) => map.find(&Key::String(Str::borrowed(key))).cloned(),
        }
    }

    /// The value under a key, with CEL's numeric key equivalence (`m[1]`, `m[1u]` and
    /// `m[1.0]` find the same entry).
    pub fn get(&self, key: &Value<'_>) -> Option<Value<'a>> {
        match &self.0 {
            MapRepr::Json(_) => match key {
                Value::String(s) => self.get_str(s.as_str()),
                _ => None,
            },
            MapRepr::Owned(map) => {
                let key = Key::for_lookup(key)?;
                map.find(&key).cloned()
            }
        }
    }

    /// Whether the map has the key.
    pub fn contains_key(&self, key: &Value<'_>) -> bool {
        match &self.0 {
            MapRepr::Json(object) => match key {
                Value::String(s) => object.contains_key(s.as_str()),
                _ => false,
            },
            MapRepr::Owned(map) => Key::for_lookup(key).is_some_and(|k| map.find(&k).is_some()),
        }
    }

    /// The entries in order.
    pub fn iter(&self) -> MapIter<'_, 'a> {
        match &self.0 {
            MapRepr::Json(object) => MapIter::Json(object.iter()),
            MapRepr::Owned(map) => MapIter::Owned(map.entries.iter()),
        }
    }

    /// The keys in order, as values.
    pub fn keys(&self) -> impl Iterator<Item = Value<'a>> + '_ {
        self.iter().map(|(k, _)| k.to_value())
    }

    /// Detaches the map from borrowed JSON.
    pub fn into_owned(self) -> Map<'static> {
        Map::from_entries_unchecked(
            self.iter()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }
}

impl<'a> OwnedMap<'a> {
    fn find(&self, key: &Key<'_>) -> Option<&Value<'a>> {
        if let Some(index) = &self.index {
            return index
                .get(&key_hash(key))?
                .iter()
                .filter_map(|i| self.entries.get(*i))
                .find(|(k, _)| key_eq(k, key))
                .map(|(_, v)| v);
        }
        self.entries
            .iter()
            .find(|(k, _)| key_eq(k, key))
            .map(|(_, v)| v)
    }
}

fn key_hash(key: &Key<'_>) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

fn build_index(entries: &[(Key<'_>, Value<'_>)]) -> HashMap<u64, Vec<usize>> {
    let mut index: HashMap<u64, Vec<usize>> = HashMap::with_capacity(entries.len());
    for (i, (k, _)) in entries.iter().enumerate() {
        index.entry(key_hash(k)).or_default().push(i);
    }
    index
}

fn key_eq(a: &Key<'_>, b: &Key<'_>) -> bool {
    match (a, b) {
        (Key::Bool(x), Key::Bool(y)) => x == y,
        (Key::String(x), Key::String(y)) => x.as_str() == y.as_str(),
        _ => match (a.numeric(), b.numeric()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

impl fmt::Debug for Map<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// An iterator over the entries of a [`Map`].
pub enum MapIter<'l, 'a> {
    /// Over a borrowed JSON object.
    #[doc(hidden)]
    Json(serde_json::map::Iter<'a>),
    /// Over owned entries.
    #[doc(hidden)]
    Owned(std::slice::Iter<'l, (Key<'a>, Value<'a>)>),
}

impl<'a> Iterator for MapIter<'_, 'a> {
    type Item = (Key<'a>, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            MapIter::Json(it) => it
                .next()
                .map(|(k, v)| (Key::String(Str::borrowed(k)), borrow_json(v))),
            MapIter::Owned(it) => it.next().map(|(k, v)| (k.clone(), v.clone())),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            MapIter::Json(it) => it.size_hint(),
            MapIter::Owned(it) => it.size_hint(),
        }
    }
}
