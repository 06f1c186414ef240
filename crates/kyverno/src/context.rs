//! The JSON context that variables and JMESPath expressions read: `request.*`, `images`,
//! `serviceAccountName`, values from a test, rule context entries (loaded lazily, the first
//! time an expression mentions them), and foreach `element`s.

use crate::images;
use kanon_jmespath::{Expression, Runtime};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The JMESPath runtime with Kyverno's functions, shared by every evaluation.
pub(crate) static RUNTIME: LazyLock<Runtime> = LazyLock::new(Runtime::kyverno);

thread_local! {
    /// Compiled expressions, per thread: policies repeat the same few expressions.
    static EXPRESSIONS: RefCell<HashMap<String, Expression>> = RefCell::new(HashMap::new());
}

/// Evaluates a JMESPath expression against `data`, compiling it once per thread.
pub(crate) fn search(expression: &str, data: &Value) -> Result<Value, kanon_jmespath::Error> {
    let compiled = EXPRESSIONS.with(|cache| {
        if let Some(found) = cache.borrow().get(expression) {
            return Ok(found.clone());
        }
        let compiled = Expression::parse(expression)?;
        let mut cache = cache.borrow_mut();
        if cache.len() > 4096 {
            cache.clear();
        }
        cache.insert(expression.to_owned(), compiled.clone());
        Ok(compiled)
    })?;
    compiled.search(data, &RUNTIME)
}

/// A context entry waiting to be loaded.
#[derive(Debug, Clone)]
pub(crate) struct PendingEntry {
    /// The entry's name.
    pub(crate) name: String,
    /// The entry as written in the policy.
    pub(crate) spec: Value,
}

/// How an entry is loaded; implemented by the rule evaluator, which knows values and mocks.
pub(crate) trait EntryLoader {
    /// Loads one entry into the context (or leaves it absent when its source is unavailable).
    fn load(&self, context: &mut Context, entry: &PendingEntry) -> Result<(), String>;
}

/// The evaluation context of one policy on one resource.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    root: Map<String, Value>,
    /// Top-level keys changed since each checkpoint, with their previous values.
    journal: Vec<(String, Option<Value>)>,
    marks: Vec<usize>,
    pending: Vec<PendingEntry>,
    /// The kind `images` is computed for (from `request.object`), until computed.
    images_kind: Option<String>,
    loading: bool,
}

/// A checkpoint to restore.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checkpoint {
    journal: usize,
    pending: usize,
}

impl Context {
    /// A context with the given root object.
    pub(crate) fn new(root: Map<String, Value>) -> Self {
        Context {
            root,
            journal: Vec::new(),
            marks: Vec::new(),
            pending: Vec::new(),
            images_kind: None,
            loading: false,
        }
    }

    /// Arranges for `images` to be computed from `request.object` (or `request.oldObject` for
    /// DELETE) when an expression first mentions it.
    pub(crate) fn set_images_kind(&mut self, kind: &str) {
        self.images_kind = Some(kind.to_owned());
    }

    /// The root object.
    pub(crate) fn root(&self) -> &Map<String, Value> {
        &self.root
    }

    fn root_map(&mut self) -> &mut Map<String, Value> {
        &mut self.root
    }

    /// Evaluates an expression against the root, without loading entries.
    fn search_root(&mut self, expression: &str) -> Result<Value, kanon_jmespath::Error> {
        let root = Value::Object(std::mem::take(&mut self.root));
        let result = search(expression, &root);
        if let Value::Object(map) = root {
            self.root = map;
        }
        result
    }

    fn remember(&mut self, key: &str) {
        let since = self.marks.last().copied().unwrap_or(usize::MAX);
        if since == usize::MAX {
            return;
        }
        if self
            .journal
            .get(since..)
            .is_some_and(|recent| recent.iter().any(|(k, _)| k == key))
        {
            return;
        }
        let previous = self.root.get(key).cloned();
        self.journal.push((key.to_owned(), previous));
    }

    /// Sets a top-level variable.
    pub(crate) fn set(&mut self, key: &str, value: Value) {
        self.remember(key);
        self.root_map().insert(key.to_owned(), value);
    }

    /// Merges `value` at a dotted path (`request.object.metadata.name`), creating objects on
    /// the way; objects merge recursively, anything else replaces.
    pub(crate) fn merge_path(&mut self, path: &[String], value: Value) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        self.remember(first);
        let slot = self.root_map().entry(first.clone()).or_insert(Value::Null);
        merge_into(slot, rest, value);
    }

    /// Replaces the value at a path (objects on the way are created).
    pub(crate) fn replace_path(&mut self, path: &[&str], value: Value) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        self.remember(first);
        let mut slot = self.root.entry((*first).to_owned()).or_insert(Value::Null);
        for key in rest {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(map) = slot else { return };
            slot = map.entry((*key).to_owned()).or_insert(Value::Null);
        }
        *slot = value;
    }

    /// Starts a checkpoint: later changes (and registered entries) can be undone.
    pub(crate) fn checkpoint(&mut self) -> Checkpoint {
        self.marks.push(self.journal.len());
        Checkpoint {
            journal: self.journal.len(),
            pending: self.pending.len(),
        }
    }

    /// Undoes everything since the checkpoint.
    pub(crate) fn restore(&mut self, checkpoint: Checkpoint) {
        while self.journal.len() > checkpoint.journal {
            if let Some((key, previous)) = self.journal.pop() {
                let map = self.root_map();
                match previous {
                    Some(value) => {
                        map.insert(key, value);
                    }
                    None => {
                        map.shift_remove(&key);
                    }
                }
            }
        }
        self.pending.truncate(checkpoint.pending);
        while self.marks.last().is_some_and(|m| *m >= checkpoint.journal) {
            self.marks.pop();
        }
    }

    /// Registers a context entry, loaded the first time an expression mentions its name.
    pub(crate) fn register(&mut self, entry: PendingEntry) {
        self.pending.push(entry);
    }

    /// The operation of the request (`CREATE`...), as the context holds it.
    pub(crate) fn operation(&self) -> &str {
        self.root
            .get("request")
            .and_then(|r| r.get("operation"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Evaluates an expression, first loading the entries it mentions.
    pub(crate) fn query(
        &mut self,
        expression: &str,
        loader: &dyn EntryLoader,
    ) -> Result<Value, String> {
        self.load_mentioned(expression, loader)?;
        let expression = expression.trim();
        if expression.is_empty() {
            return Err("invalid query (nil)".to_owned());
        }
        self.search_root(expression).map_err(|e| match e {
            kanon_jmespath::Error::Parse { .. } => format!("incorrect query {expression}: {e}"),
            other => format!("JMESPath query failed: {other}"),
        })
    }

    fn load_mentioned(&mut self, expression: &str, loader: &dyn EntryLoader) -> Result<(), String> {
        if self.images_kind.is_some()
            && mentions(expression, "images")
            && !self.root.contains_key("images")
        {
            if let Some(kind) = self.images_kind.clone() {
                let request = self.root.get("request");
                let subject = request
                    .and_then(|r| r.get("object"))
                    .filter(|o| !o.is_null())
                    .or_else(|| request.and_then(|r| r.get("oldObject")));
                if let Some(subject) = subject {
                    if let Some(images) = images::images_of(&kind, subject)? {
                        self.root_map().insert("images".to_owned(), images);
                    }
                }
            }
        }
        if self.loading || self.pending.is_empty() {
            return Ok(());
        }
        let matching: Vec<usize> = self
            .pending
            .iter()
            .enumerate()
            .filter(|(_, entry)| mentions(expression, &entry.name))
            .map(|(index, _)| index)
            .collect();
        if matching.is_empty() {
            return Ok(());
        }
        let mut entries = Vec::with_capacity(matching.len());
        for index in matching.into_iter().rev() {
            entries.push(self.pending.remove(index));
        }
        entries.reverse();
        for entry in entries {
            self.loading = true;
            // An entry may mention other entries: load those first.
            let nested = self.load_mentioned_for(&entry, loader);
            self.loading = false;
            nested?;
            loader.load(self, &entry)?;
        }
        Ok(())
    }

    fn load_mentioned_for(
        &mut self,
        entry: &PendingEntry,
        loader: &dyn EntryLoader,
    ) -> Result<(), String> {
        let text = entry.spec.to_string();
        self.loading = false;
        let others: Vec<usize> = self
            .pending
            .iter()
            .enumerate()
            .filter(|(_, other)| other.name != entry.name && mentions(&text, &other.name))
            .map(|(index, _)| index)
            .collect();
        for index in others.into_iter().rev() {
            let other = self.pending.remove(index);
            loader.load(self, &other)?;
        }
        Ok(())
    }
}

fn merge_into(slot: &mut Value, path: &[String], value: Value) {
    match path.split_first() {
        None => match (slot, value) {
            (Value::Object(existing), Value::Object(new)) => {
                for (key, new_value) in new {
                    let entry = existing.entry(key).or_insert(Value::Null);
                    merge_into(entry, &[], new_value);
                }
            }
            (slot, value) => *slot = value,
        },
        Some((first, rest)) => {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(map) = slot {
                let entry = map.entry(first.clone()).or_insert(Value::Null);
                merge_into(entry, rest, value);
            }
        }
    }
}

/// Whether an expression mentions a name as Kyverno's deferred loader decides it: the name
/// preceded by the start, whitespace or a character other than `.`, a digit or a letter, and
/// followed by a word boundary.
pub(crate) fn mentions(expression: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let bytes = expression.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(found) = expression.get(from..).and_then(|rest| rest.find(name)) {
        let at = from + found;
        let end = at + name.len();
        let before_ok = at == 0
            || bytes
                .get(at - 1)
                .is_some_and(|b| !(b.is_ascii_alphanumeric() || *b == b'.'));
        let last_is_word = name.as_bytes().last().copied().is_some_and(is_word);
        let next_is_word = bytes.get(end).copied().is_some_and(is_word);
        let boundary_ok = !(last_is_word && next_is_word);
        if before_ok && boundary_ok {
            return true;
        }
        from = at + 1;
    }
    false
}

/// Splits a dotted variable path with CSV-style quoting (`a."b.c".d` → `a`, `b.c`, `d`).
pub(crate) fn split_dotted(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    parts
}

/// A loader with nothing to load, for tests of code that takes one.
#[cfg(test)]
pub(crate) struct NoEntries;

#[cfg(test)]
impl EntryLoader for NoEntries {
    fn load(&self, _: &mut Context, _: &PendingEntry) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn checkpoints_undo_top_level_changes() {
        let mut root = Map::new();
        root.insert("request".into(), json!({"operation": "CREATE"}));
        let mut context = Context::new(root);
        let mark = context.checkpoint();
        context.set("element", json!(1));
        context.merge_path(&split_dotted("request.operation"), json!("UPDATE"));
        assert_eq!(context.operation(), "UPDATE");
        context.restore(mark);
        assert_eq!(context.operation(), "CREATE");
        assert!(context.root().get("element").is_none());
        assert_eq!(
            context.query("request.operation", &NoEntries).unwrap(),
            json!("CREATE")
        );
    }

    #[test]
    fn mentions_follow_the_deferred_loader_rule() {
        assert!(mentions("foo.bar", "foo"));
        assert!(mentions("length(foo)", "foo"));
        assert!(!mentions("x.foo", "foo"));
        assert!(!mentions("foobar", "foo"));
        assert!(mentions("request.object || foo", "foo"));
    }

    #[test]
    fn dotted_paths_with_quotes() {
        assert_eq!(split_dotted("a.\"b.c\".d"), ["a", "b.c", "d"]);
        assert_eq!(split_dotted("request.operation"), ["request", "operation"]);
    }
}
