//! The error type: what went wrong in which document, and where in the stream.

/// A result whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A problem with one document of a YAML stream, with its position.
///
/// `line` and `column` are 1-based and count from the start of the whole stream
/// (not of the document); the column counts characters, not bytes.
/// Display gives "line L, column C: message"; the caller adds the file name and,
/// if it wants, the document index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {kind}")]
#[non_exhaustive]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// 1-based line in the stream.
    pub line: usize,
    /// 1-based column (in characters) in that line.
    pub column: usize,
    /// 1-based index of the document among the non-empty documents of the stream.
    pub document: usize,
}

/// The kinds of [`Error`].
///
/// Messages follow go-yaml v2 (which `kubectl` uses) where there is an equivalent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not valid YAML; the message reads like go-yaml's.
    #[error("{0}")]
    Syntax(String),
    /// A mapping defines the same key twice (strict decoding, as the API server's
    /// strict field validation does).
    #[error("key {0:?} already set in map (first defined on line {1})")]
    DuplicateKey(String, usize),
    /// Collections are nested deeper than the limit given (the configured one, or less
    /// if the parser would otherwise run short of stack).
    #[error("nesting is deeper than the limit of {0} levels")]
    TooDeep(usize),
    /// The document is larger than the configured limit; it was not parsed.
    #[error("document has {bytes} bytes, more than the limit of {limit} bytes")]
    DocumentTooLarge {
        /// Size of the document in bytes.
        bytes: usize,
        /// The configured limit.
        limit: usize,
    },
    /// Aliases expand to more nodes than the configured budget (a "billion laughs" document).
    #[error("document contains excessive aliasing (more than {0} nodes from aliases)")]
    AliasBudget(usize),
    /// An alias refers to an anchor that was not defined before it in the document.
    #[error("unknown anchor '{0}' referenced")]
    UnknownAlias(String),
    /// A mapping key is null or a collection, which JSON cannot represent.
    #[error("unsupported map key: {0}")]
    UnsupportedKey(String),
    /// A value (`.nan`, `.inf`) that JSON cannot represent.
    #[error("json: unsupported value: {0}")]
    NotRepresentable(String),
    /// A tab character is used for indentation.
    #[error("found a tab character where an indentation space is expected")]
    Tab,
    /// A scalar with an explicit tag (`!!int`, `!!bool`, ...) that its text does not fit.
    #[error("{0}")]
    TagMismatch(String),
    /// A merge key (`<<`) whose value is not a mapping or a sequence of mappings.
    #[error("map merge requires map or sequence of maps as the value")]
    InvalidMerge,
}

impl ErrorKind {
    /// Builds a [`ErrorKind::Syntax`] from a message.
    pub(crate) fn syntax(message: &str) -> Self {
        Self::Syntax(message.to_owned())
    }
}

/// An error found while parsing, positioned by byte offset in the stream.
/// [`crate::Documents`] turns it into an [`Error`] with line and column.
#[derive(Debug)]
pub(crate) struct ParseError {
    pub(crate) kind: ErrorKind,
    pub(crate) offset: usize,
}

impl ParseError {
    pub(crate) fn new(kind: ErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    pub(crate) fn syntax(message: &str, offset: usize) -> Self {
        Self::new(ErrorKind::syntax(message), offset)
    }
}

/// The result type used inside the parser.
pub(crate) type ParseResult<T> = std::result::Result<T, ParseError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_puts_position_first() {
        let error = Error {
            kind: ErrorKind::syntax("did not find expected key"),
            line: 3,
            column: 7,
            document: 2,
        };
        assert_eq!(
            error.to_string(),
            "line 3, column 7: did not find expected key"
        );
    }

    #[test]
    fn duplicate_key_names_the_first_line() {
        let kind = ErrorKind::DuplicateKey("name".into(), 4);
        assert_eq!(
            kind.to_string(),
            "key \"name\" already set in map (first defined on line 4)"
        );
    }
}
