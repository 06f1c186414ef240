//! The two ways a CEL expression fails: it does not compile ([`CompileError`]) or its
//! evaluation errs ([`EvalError`]). Messages follow cel-go's wording, because Kubernetes and
//! Kyverno show them to users (`no such key: x`, `no such overload`, ...).

use std::fmt;

/// An expression that does not parse or refers to something the environment does not know.
///
/// `Display` gives cel-go's form, with the offending line and a caret:
///
/// ```text
/// ERROR: <input>:1:12: Syntax error: mismatched input ')' expecting ...
///  | object.spec)
///  | ...........^
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// What is wrong, e.g. `Syntax error: unexpected end of input` or
    /// `undeclared reference to 'x' (in container '')`.
    pub message: String,
    /// 1-based line of the problem in the source.
    pub line: usize,
    /// 1-based column (in characters) of the problem in the source.
    pub column: usize,
    /// The source line, for the caret display.
    snippet: String,
}

impl CompileError {
    /// An error at byte `offset` of `source`.
    pub(crate) fn at(source: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(source.len());
        let before = source.get(..offset).unwrap_or(source);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        let snippet = source
            .get(line_start..)
            .and_then(|rest| rest.split('\n').next())
            .unwrap_or("")
            .to_string();
        CompileError {
            message: message.into(),
            line,
            column,
            snippet,
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ERROR: <input>:{}:{}: {}",
            self.line, self.column, self.message
        )?;
        if !self.snippet.is_empty() {
            let caret: String = ".".repeat(self.column.saturating_sub(1));
            write!(f, "\n | {}\n | {}^", self.snippet, caret)?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileError {}

/// A runtime error of an evaluation. Errors are values in CEL: `&&`, `||`, the comprehension
/// macros and `orValue` (in Kyverno's compatibility mode) can absorb them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A map (or object) lacks the selected key.
    #[error("no such key: {0}")]
    NoSuchKey(String),
    /// No overload of a function or operator accepts the argument types.
    #[error("no such overload")]
    NoSuchOverload,
    /// Integer division by zero.
    #[error("division by zero")]
    DivisionByZero,
    /// Integer remainder by zero.
    #[error("modulus by zero")]
    ModulusByZero,
    /// An `int` result outside 64 bits.
    #[error("integer overflow")]
    IntegerOverflow,
    /// A `uint` result outside 64 bits.
    #[error("unsigned integer overflow")]
    UintOverflow,
    /// A duration outside Go's `time.Duration` range.
    #[error("duration overflow")]
    DurationOverflow,
    /// A timestamp outside years 0001 to 9999.
    #[error("timestamp overflow")]
    TimestampOverflow,
    /// A list index outside the list.
    #[error("index out of bounds: {0}")]
    IndexOutOfBounds(String),
    /// A variable that the activation does not bind.
    #[error("no such attribute(s): {0}")]
    NoSuchAttribute(String),
    /// The evaluation cost passed the limit (cel-go's wording).
    #[error("operation cancelled: actual cost limit exceeded")]
    CostLimitExceeded,
    /// Any other error, with cel-go's message (conversion errors, bad regular expressions,
    /// library functions' own errors...).
    #[error("{0}")]
    Message(String),
}

impl EvalError {
    /// An error with the given message.
    pub fn msg(message: impl Into<String>) -> Self {
        EvalError::Message(message.into())
    }
}

/// Results of evaluation.
pub(crate) type EvalResult<T> = Result<T, EvalError>;
