//! The error type of parsing and evaluating expressions; texts read as go-jmespath and
//! Kyverno print them.

/// A result whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an expression could not be parsed or evaluated.
///
/// `Display` gives the text go-jmespath or Kyverno would give, so messages that end up in
/// policy reports read the same.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The expression is not valid JMESPath.
    #[error("SyntaxError: {message}")]
    Parse {
        /// What is wrong, in go-jmespath's words (`Unexpected token at the end of the expression: tNumber`).
        message: String,
        /// Byte offset in the expression where the problem was found.
        offset: usize,
    },
    /// A field was read from an object that lacks it. Kyverno's dialect reports this instead
    /// of yielding null; see the crate documentation for where it is swallowed.
    #[error("Unknown key \"{key}\" in path")]
    NotFound {
        /// The missing key.
        key: String,
    },
    /// A function argument has a type the function does not accept.
    #[error("Invalid type for: {value}, expected: {expected}")]
    InvalidType {
        /// The function called.
        function: String,
        /// 1-based position of the argument.
        position: usize,
        /// The argument as Go's `fmt.Sprint` prints it.
        value: String,
        /// The accepted types as go-jmespath prints them (`[]jmespath.JpType{"string"}`).
        expected: String,
    },
    /// A function was called with the wrong number of arguments.
    #[error("{}", if *variadic { "Invalid arity." } else { "incorrect number of args" })]
    InvalidArity {
        /// The function called.
        function: String,
        /// Arguments declared (the minimum for variadic functions).
        expected: usize,
        /// Arguments given.
        actual: usize,
        /// Whether the function takes a variable number of arguments.
        variadic: bool,
    },
    /// No function of that name is registered in the [`Runtime`](crate::Runtime).
    #[error("unknown function: {0}")]
    UnknownFunction(String),
    /// A function failed; the message is the function's own, often prefixed
    /// `JMESPath function '<name>': ` as Kyverno does.
    #[error("{message}")]
    Function {
        /// The function called.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// An expression used a value that is not allowed there (a zero slice step).
    #[error("{message}")]
    InvalidValue {
        /// What went wrong.
        message: String,
    },
    /// The expression nests deeper than kanon allows (more than `limit` levels, or more
    /// stack than its budget in an unoptimised build).
    #[error("expression nests too deeply (the limit is {limit} levels)")]
    TooDeep {
        /// The nesting limit.
        limit: usize,
        /// Byte offset in the expression where the limit was reached (0 during evaluation).
        offset: usize,
    },
}

impl Error {
    /// Whether this is Kyverno's missing-key error (`Unknown key "k" in path`).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// A function error with a ready message.
    pub(crate) fn function(name: &str, message: impl Into<String>) -> Self {
        Error::Function {
            name: name.to_owned(),
            message: message.into(),
        }
    }

    /// A Kyverno function error: `JMESPath function '<name>': <message>`.
    pub(crate) fn kyverno(name: &str, message: impl std::fmt::Display) -> Self {
        Error::function(name, format!("JMESPath function '{name}': {message}"))
    }

    /// Kyverno's `argument #<n> is not of type <T>`.
    pub(crate) fn kyverno_type(name: &str, position: usize, type_name: &str) -> Self {
        Error::kyverno(
            name,
            format!("argument #{position} is not of type {type_name}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_like_go() {
        let not_found = Error::NotFound { key: "app".into() };
        assert_eq!(not_found.to_string(), r#"Unknown key "app" in path"#);
        assert!(not_found.is_not_found());
        assert_eq!(
            Error::kyverno_type("to_upper", 1, "string").to_string(),
            "JMESPath function 'to_upper': argument #1 is not of type string"
        );
        let arity = Error::InvalidArity {
            function: "length".into(),
            expected: 1,
            actual: 2,
            variadic: false,
        };
        assert_eq!(arity.to_string(), "incorrect number of args");
        assert!(!arity.is_not_found());
    }
}
