//! Turning manifest text into Kubernetes objects, as `kubectl apply -f` reads it.
//!
//! Multi-document YAML, JSON (one value or a stream of them), and `List`/`*List` objects are
//! expanded into one [`Manifest`] per object. Empty documents are skipped. A document that
//! cannot be read yields an [`Error`] naming source, document and line, and reading goes on
//! with the next document.

use crate::admission::{AdmissionRequest, GroupVersionKind, Operation};
use crate::error::Error;
use crate::kinds;
use crate::object;
use serde_json::Value;
use std::sync::Arc;

pub use kanon_yaml::Limits;

/// Where an object was read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    /// Display name of the input (file path, or `<stdin>`).
    pub source: Arc<str>,
    /// 1-based index of the document in the input.
    pub document: usize,
    /// 1-based line where the object starts (the document's first line for `List` items).
    pub line: usize,
    /// 0-based index inside a `List`, for objects that came from one.
    pub item: Option<usize>,
}

/// One object read from a manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The object.
    pub object: Value,
    /// Where it came from.
    pub origin: Origin,
}

impl Manifest {
    /// The object's group, version and kind.
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::from_api_version(
            object::api_version(&self.object),
            object::kind(&self.object),
        )
    }

    /// Builds the admission request an API server would send for this object. Namespaced
    /// objects without `metadata.namespace` go to `default_namespace`, as `kubectl` does.
    pub fn into_request(self, operation: Operation, default_namespace: &str) -> AdmissionRequest {
        let kind = self.gvk();
        let resource = kinds::resource_for(&kind);
        let namespace = if kinds::is_namespaced(&kind.group, &kind.kind) {
            Some(
                object::namespace(&self.object)
                    .unwrap_or(default_namespace)
                    .to_owned(),
            )
        } else {
            None
        };
        let name = object::name(&self.object).to_owned();
        let (object, old_object) = match operation {
            Operation::Delete => (None, Some(self.object)),
            _ => (Some(self.object), None),
        };
        AdmissionRequest {
            uid: String::new(),
            kind,
            resource,
            sub_resource: None,
            name,
            namespace,
            operation,
            user_info: Default::default(),
            object,
            old_object,
            dry_run: true,
            options: None,
        }
    }
}

/// Whether manifest text may hold an object of `kind`: somewhere `kind:` (or `"kind":`) is
/// followed on the same line by the kind's name, optionally quoted. True for YAML and JSON as
/// people and tools write them; used to skip parsing text that cannot matter (a value on the
/// line after `kind:` is not recognised).
pub fn may_contain_kind(text: &str, kind: &str) -> bool {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.';
    memchr::memmem::find_iter(bytes, kind.as_bytes()).any(|at| {
        if bytes.get(at + kind.len()).is_some_and(|b| is_word(*b)) {
            return false;
        }
        let before = bytes.get(..at).unwrap_or_default();
        let before = before
            .strip_suffix(b"\"")
            .or_else(|| before.strip_suffix(b"'"))
            .unwrap_or(before);
        let before = before.trim_ascii_end();
        let Some(before) = before.strip_suffix(b":") else {
            return false;
        };
        let before = before.trim_ascii_end();
        let before = before.strip_suffix(b"\"").unwrap_or(before);
        let Some(before) = before.strip_suffix(b"kind") else {
            return false;
        };
        !before.last().is_some_and(|b| is_word(*b))
    })
}

/// How deeply `List`s may nest inside `List`s.
const MAX_LIST_NESTING: usize = 4;

/// Checks that raw bytes are text and reads them as manifests (see [`load_str`]).
pub fn load_bytes(
    bytes: &[u8],
    source: Arc<str>,
    limits: &Limits,
    sink: &mut dyn FnMut(Result<Manifest, Error>),
) {
    match text_of(bytes) {
        Ok(text) => load_str(text, source, limits, sink),
        Err(message) => sink(Err(Error::NotText {
            source_name: source,
            message,
        })),
    }
}

/// Why bytes are not a manifest's text, or the text.
fn text_of(bytes: &[u8]) -> Result<&str, String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("UTF-16 text; convert it to UTF-8".to_owned());
    }
    let sniff = bytes.get(..8192).unwrap_or(bytes);
    if let Some(offset) = sniff.iter().position(|b| *b == 0) {
        return Err(format!("binary data (NUL byte at offset {offset})"));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "invalid UTF-8 at byte {} (line {})",
            e.valid_up_to(),
            line_of_offset(bytes, e.valid_up_to())
        )
    })
}

fn line_of_offset(bytes: &[u8], offset: usize) -> usize {
    bytes
        .get(..offset)
        .unwrap_or(bytes)
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Reads manifest text (YAML or JSON) and hands every object, or the reason a document could
/// not be read, to `sink`, in input order.
pub fn load_str(
    text: &str,
    source: Arc<str>,
    limits: &Limits,
    sink: &mut dyn FnMut(Result<Manifest, Error>),
) {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = body.trim_start().as_bytes().first().copied();
    if matches!(first, Some(b'{') | Some(b'[')) && load_json(body, &source, sink) {
        return;
    }
    for document in kanon_yaml::documents(body, limits) {
        match document {
            Ok(doc) => {
                let origin = Origin {
                    source: Arc::clone(&source),
                    document: doc.index,
                    line: doc.line,
                    item: None,
                };
                emit(doc.value, origin, 0, sink);
            }
            Err(err) => sink(Err(Error::Yaml {
                source_name: Arc::clone(&source),
                line: err.line,
                column: err.column,
                document: err.document,
                message: err.kind.to_string(),
                cause: err,
            })),
        }
    }
}

/// Reads a JSON stream. Returns false, having emitted nothing, when the first value is not
/// JSON, so that the caller can read the text as YAML (flow-style YAML looks like JSON).
fn load_json(text: &str, source: &Arc<str>, sink: &mut dyn FnMut(Result<Manifest, Error>)) -> bool {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut document = 0;
    let mut start = 0;
    let mut line = 1;
    loop {
        // Find where the next value starts, for its line number.
        let rest = text.get(start..).unwrap_or("");
        let skipped = rest.len() - rest.trim_start().len();
        line += rest.get(..skipped).unwrap_or("").matches('\n').count();
        match stream.next() {
            None => return true,
            Some(Ok(value)) => {
                document += 1;
                let origin = Origin {
                    source: Arc::clone(source),
                    document,
                    line,
                    item: None,
                };
                emit(value, origin, 0, sink);
                let end = stream.byte_offset();
                line += text
                    .get(start + skipped..end)
                    .unwrap_or("")
                    .matches('\n')
                    .count();
                start = end;
            }
            Some(Err(cause)) => {
                if document == 0 {
                    return false;
                }
                sink(Err(Error::Json {
                    source_name: Arc::clone(source),
                    line: cause.line(),
                    column: cause.column(),
                    document: document + 1,
                    cause,
                }));
                return true;
            }
        }
    }
}

/// Checks that a value is an object and expands lists.
fn emit(value: Value, origin: Origin, depth: usize, sink: &mut dyn FnMut(Result<Manifest, Error>)) {
    let not_an_object = |origin: &Origin, message: String| Error::NotAnObject {
        source_name: Arc::clone(&origin.source),
        line: origin.line,
        document: origin.document,
        item: origin.item,
        message,
    };
    match value {
        // An empty document (`---` with nothing, or only `null`) is skipped.
        Value::Null => {}
        Value::Array(items) if depth == 0 => {
            expand(items, &origin, depth, sink);
        }
        Value::Object(ref map) => {
            let kind = match map.get("kind") {
                Some(Value::String(kind)) if !kind.is_empty() => kind.as_str(),
                Some(Value::String(_)) | None => {
                    sink(Err(not_an_object(&origin, "object has no kind".to_owned())));
                    return;
                }
                Some(other) => {
                    sink(Err(not_an_object(
                        &origin,
                        format!("kind must be a string, found {}", object::describe(other)),
                    )));
                    return;
                }
            };
            if kind.ends_with("List") {
                if let Some(Value::Array(_)) = map.get("items") {
                    if depth >= MAX_LIST_NESTING {
                        sink(Err(not_an_object(
                            &origin,
                            format!("lists nested more than {MAX_LIST_NESTING} deep"),
                        )));
                        return;
                    }
                    if let Value::Object(mut map) = value {
                        if let Some(Value::Array(items)) = map.shift_remove("items") {
                            expand(items, &origin, depth, sink);
                        }
                    }
                    return;
                }
            }
            match map.get("apiVersion") {
                Some(Value::String(v)) if !v.is_empty() => {}
                Some(Value::String(_)) | None => {
                    sink(Err(not_an_object(
                        &origin,
                        format!("{kind} has no apiVersion"),
                    )));
                    return;
                }
                Some(other) => {
                    sink(Err(not_an_object(
                        &origin,
                        format!(
                            "apiVersion must be a string, found {}",
                            object::describe(other)
                        ),
                    )));
                    return;
                }
            }
            if let Some(meta) = map.get("metadata") {
                if !meta.is_object() && !meta.is_null() {
                    sink(Err(not_an_object(
                        &origin,
                        format!(
                            "metadata must be an object, found {}",
                            object::describe(meta)
                        ),
                    )));
                    return;
                }
            }
            sink(Ok(Manifest {
                object: value,
                origin,
            }));
        }
        other => sink(Err(not_an_object(
            &origin,
            format!(
                "expected a Kubernetes object (a mapping), found {}",
                object::describe(&other)
            ),
        ))),
    }
}

fn expand(
    items: Vec<Value>,
    origin: &Origin,
    depth: usize,
    sink: &mut dyn FnMut(Result<Manifest, Error>),
) {
    for (index, item) in items.into_iter().enumerate() {
        let item_origin = Origin {
            item: Some(index),
            ..origin.clone()
        };
        if item.is_null() {
            sink(Err(Error::NotAnObject {
                source_name: Arc::clone(&origin.source),
                line: origin.line,
                document: origin.document,
                item: Some(index),
                message: "list item is null".to_owned(),
            }));
            continue;
        }
        emit(item, item_origin, depth + 1, sink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Vec<Result<Manifest, Error>> {
        let mut out = Vec::new();
        load_str(text, "t.yaml".into(), &Limits::default(), &mut |m| {
            out.push(m)
        });
        out
    }

    #[test]
    fn lists_are_expanded_and_empty_documents_skipped() {
        let out = load(
            "---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n---\n# only a comment\n",
        );
        assert_eq!(out.len(), 2);
        let names: Vec<_> = out
            .iter()
            .map(|m| object::name(&m.as_ref().unwrap().object).to_owned())
            .collect();
        assert_eq!(names, ["a", "b"]);
        let origin = &out[1].as_ref().unwrap().origin;
        assert_eq!((origin.document, origin.line, origin.item), (1, 3, Some(1)));
    }

    #[test]
    fn a_broken_document_does_not_stop_the_others() {
        let out =
            load("apiVersion: v1\nkind: Pod\n---\nkind: [\n---\napiVersion: v1\nkind: Service\n");
        assert_eq!(out.len(), 3);
        assert!(out[0].is_ok());
        let err = out[1].as_ref().unwrap_err().to_string();
        assert!(
            err.starts_with("t.yaml:5:1: document 2: did not find expected"),
            "{err}"
        );
        assert!(err.contains("document 2"), "{err}");
        assert!(out[2].is_ok());
    }

    #[test]
    fn objects_need_kind_and_api_version() {
        let out = load("metadata: {name: x}\n---\nkind: Pod\n---\n- 1\n");
        let errors: Vec<String> = out
            .iter()
            .map(|r| r.as_ref().unwrap_err().to_string())
            .collect();
        assert_eq!(errors[0], "t.yaml:1: document 1: object has no kind");
        assert_eq!(errors[1], "t.yaml:3: document 2: Pod has no apiVersion");
        assert!(errors[2].contains("item 0"), "{}", errors[2]);
    }

    #[test]
    fn kind_mentions_are_found_in_yaml_and_json() {
        for text in [
            "kind: Namespace\n",
            "  kind:   'Namespace'  # ns\n",
            "{\"kind\": \"Namespace\", \"apiVersion\": \"v1\"}",
            "- {apiVersion: v1, kind: Namespace}",
        ] {
            assert!(may_contain_kind(text, "Namespace"), "{text}");
        }
        for text in [
            "kind: NamespaceList\n",
            "shareProcessNamespace: true\n",
            "targetKind: Namespace\n",
            "kind: Pod\n# Namespace\n",
            "createNamespace: Namespace",
        ] {
            assert!(!may_contain_kind(text, "Namespace"), "{text}");
        }
    }

    #[test]
    fn json_streams_have_lines() {
        let out = load("{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}\n\n{\"apiVersion\": \"v1\",\n \"kind\": \"Service\"}\n");
        let lines: Vec<_> = out
            .iter()
            .map(|m| m.as_ref().unwrap().origin.line)
            .collect();
        assert_eq!(lines, [1, 3]);
    }

    #[test]
    fn binary_and_invalid_utf8_are_not_text() {
        let mut out = Vec::new();
        load_bytes(b"\x7fELF\0\0", "bin".into(), &Limits::default(), &mut |m| {
            out.push(m)
        });
        assert!(out[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("binary data"));
        out.clear();
        load_bytes(
            b"kind: Pod\nname: \xff\xfe",
            "u".into(),
            &Limits::default(),
            &mut |m| out.push(m),
        );
        assert!(out[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("invalid UTF-8 at byte 16 (line 2)"));
    }

    #[test]
    fn namespaced_objects_default_their_namespace() {
        let mut out = load("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n");
        let ns = out
            .remove(1)
            .unwrap()
            .into_request(Operation::Create, "dflt");
        let pod = out
            .remove(0)
            .unwrap()
            .into_request(Operation::Create, "dflt");
        assert_eq!(pod.namespace.as_deref(), Some("dflt"));
        assert_eq!(pod.resource.resource, "pods");
        assert_eq!(ns.namespace, None);
    }
}
