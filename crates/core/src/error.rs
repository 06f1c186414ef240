//! The error type of `kanon-core`: why a manifest could not become an object to evaluate.

use std::sync::Arc;

/// A `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a document could not be loaded. Each variant names the source and the position, so the
/// binary can print `file:line: document N: ...` without more context.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The YAML text of a document does not parse (or breaks a limit).
    #[error("{source_name}:{line}:{column}: document {document}: {message}")]
    Yaml {
        /// Display name of the input (file path or `<stdin>`).
        source_name: Arc<str>,
        /// 1-based line in the whole input.
        line: usize,
        /// 1-based column.
        column: usize,
        /// 1-based index of the document in the stream.
        document: usize,
        /// What is wrong.
        message: String,
        /// The parser's error.
        #[source]
        cause: kanon_yaml::Error,
    },
    /// A JSON input does not parse.
    #[error("{source_name}:{line}:{column}: document {document}: {cause}")]
    Json {
        /// Display name of the input.
        source_name: Arc<str>,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// 1-based index of the JSON value in the stream.
        document: usize,
        /// The parser's error.
        #[source]
        cause: serde_json::Error,
    },
    /// The document parsed but is not a Kubernetes object (not a mapping, or lacks
    /// `apiVersion`/`kind`).
    #[error("{source_name}:{line}: document {document}{item}: {message}", item = item.map(|i| format!(", item {i}")).unwrap_or_default())]
    NotAnObject {
        /// Display name of the input.
        source_name: Arc<str>,
        /// 1-based line where the document starts.
        line: usize,
        /// 1-based document index.
        document: usize,
        /// 0-based index inside a `List`, when the problem is in an item.
        item: Option<usize>,
        /// What is missing or wrong.
        message: String,
    },
    /// The input is not text (binary data or invalid UTF-8).
    #[error("{source_name}: not a text file: {message}")]
    NotText {
        /// Display name of the input.
        source_name: Arc<str>,
        /// What was found.
        message: String,
    },
}

impl Error {
    /// The display name of the input the error is about.
    pub fn source_name(&self) -> &str {
        match self {
            Error::Yaml { source_name, .. }
            | Error::Json { source_name, .. }
            | Error::NotAnObject { source_name, .. }
            | Error::NotText { source_name, .. } => source_name,
        }
    }
}
