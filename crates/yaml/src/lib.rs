//! kanon-yaml reads Kubernetes manifests the way Kubernetes reads them, and writes
//! values back as `kubectl get -o yaml` does.
//!
//! Reading follows `sigs.k8s.io/yaml` on top of go-yaml v2, which is what `kubectl` and
//! the API server use: YAML 1.1 scalars (`yes` and `on` are booleans, `0644` is 420),
//! timestamps kept as strings, keys turned into strings, merge keys (`<<`), and strict
//! rejection of duplicate keys. Values are built directly as [`serde_json::Value`] by a
//! hand-written byte-level parser (about 90 MB/s of manifests on one core).
//!
//! The parser is meant for untrusted input: it never panics, rejects nesting beyond
//! [`Limits::max_depth`], documents beyond [`Limits::max_document_bytes`] and alias
//! expansion beyond [`Limits::max_alias_nodes`] ("billion laughs"). A stream is split at
//! document markers first, so a broken document does not hide the ones after it.
//!
//! This crate is *not* a general YAML library: it has no event API, no serde
//! `Deserializer`, no comments or styles in its output, and values that JSON cannot hold
//! (`.nan`, `.inf`, null or collection keys) are errors, as they are for `kubectl`.
//!
//! The entry points are [`documents`] and [`to_string`]:
//!
//! ```
//! let text = "kind: Pod\nmetadata:\n  name: web\n---\nkind: Service\nspec:\n  ports: [80, 443]\n";
//! let mut kinds = Vec::new();
//! for document in kanon_yaml::documents(text, &kanon_yaml::Limits::default()) {
//!     let document = document?;
//!     kinds.push(document.value["kind"].clone());
//! }
//! assert_eq!(kinds, ["Pod", "Service"]);
//! # Ok::<(), kanon_yaml::Error>(())
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod block;
mod chars;
mod emit;
mod error;
mod flow;
mod mapping;
mod parser;
mod props;
mod resolve;
mod scalar;
mod stream;

#[cfg(test)]
mod tests;

pub use emit::{to_string, write};
pub use error::{Error, ErrorKind, Result};
pub use stream::{split, Documents, RawDocument};

/// Limits against hostile input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of collections (block or flow) in a document. Values above
    /// 512 are treated as 512, because parsing recurses on the call stack. The parser
    /// also stops with [`ErrorKind::TooDeep`] before it uses 1.5 MiB of stack, which can
    /// happen first in unoptimised builds (at 360 levels or more); call it from a thread
    /// with at least 2 MiB of stack, the default for spawned threads.
    pub max_depth: usize,
    /// Largest document, in bytes; a larger one is reported without being parsed.
    pub max_document_bytes: usize,
    /// Most nodes that aliases may produce in one document.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    /// 256 levels, 32 MiB, 100,000 nodes from aliases.
    fn default() -> Self {
        Self {
            max_depth: 256,
            max_document_bytes: 32 << 20,
            max_alias_nodes: 100_000,
        }
    }
}

/// One YAML document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document's content.
    pub value: serde_json::Value,
    /// 1-based index among the non-empty documents of the stream. A document is empty
    /// when it holds only comments, whitespace or directives; empty documents are
    /// skipped and not counted.
    pub index: usize,
    /// 1-based line of the first token of the content (not of the `---`).
    pub line: usize,
}

/// Iterates over the documents of a YAML stream.
///
/// Yields `Ok(Document)` or `Err(Error)` for each non-empty document. The stream is
/// split at document markers first (a line starting with `---` or `...` followed by a
/// space, tab or line end), and each document is parsed on its own, so a syntax error
/// in one document does not stop the later ones. Content after `--- ` on the same line
/// belongs to the new document. A UTF-8 byte-order mark, `%YAML`/`%TAG` directives and
/// CRLF line endings are accepted.
pub fn documents<'a>(text: &'a str, limits: &Limits) -> Documents<'a> {
    Documents::new(text, limits)
}
