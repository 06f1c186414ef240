//! JMESPath as Kyverno evaluates it: the `kyverno/go-jmespath` dialect, Kyverno's custom
//! functions, and Go's ways of printing values.
//!
//! The grammar and the standard functions are those of the JMESPath specification as
//! go-jmespath implements them (binding powers, error texts). Kyverno's fork differs in one
//! deliberate way: reading a field from an object that **lacks the key** fails with
//! [`Error::NotFound`] (`Unknown key "k" in path`) instead of giving null. Reading a field of
//! null or of a non-object still gives null. The error travels through sub-expressions and
//! index expressions (`a.b`, `a[0]`) and is turned into null by:
//!
//! - pipes, on either side (`a.missing | @` is null);
//! - `||` on either side, `&&` on its left side only (an error on the right passes), `!`;
//! - comparisons, function arguments (`to_string(missing)` is `"null"`);
//! - projections: `a[*]`, `a.*`, `a[]` and `a[?…]` on a missing `a` give null (for `.*`,
//!   `[]` and filters any error of the left side does), and elements whose projected
//!   expression is missing are skipped;
//! - multi-select lists and hashes (missing entries become null).
//!
//! Operator precedence is go-jmespath's (and jmespath.py's): `!` binds tighter than `.`, so
//! `!a.b` means `(!a).b`; write `!(a.b)`.
//!
//! All numbers behave as Go's `float64`: `1 == 1.0` ([`json_equal`]), and numeric results are
//! integers when integral ([`value::number`]). Ordering comparisons need two numbers.
//!
//! This is *not* JMESPath Community Edition (no `let`, no string ordering) and not a general
//! JSON toolkit; besides evaluation it offers the Go formatting helpers Kyverno's semantics
//! depend on ([`go_json`], [`go_sprint`], [`format_float_e`]), Kyverno's image-reference
//! parser ([`image::parse_image`]) and wildcard matcher ([`wildcard::matches`]).
//!
//! This crate does no I/O: the time functions read the clock given with
//! [`Runtime::with_now`], `is_external_url` answers only for IP addresses, and `random` and
//! `x509_decode` report that they are not supported.
//!
//! ```
//! use kanon_jmespath::{Expression, Runtime};
//! use serde_json::json;
//!
//! let runtime = Runtime::kyverno();
//! let pod = json!({"metadata": {"name": "web", "labels": {"app": "shop"}}});
//! let expression = Expression::parse("metadata.labels.app")?;
//! assert_eq!(expression.search(&pod, &runtime)?, json!("shop"));
//!
//! // A missing key is an error, which `||` turns into a default.
//! let team = kanon_jmespath::search("metadata.labels.team || 'none'", &pod, &runtime)?;
//! assert_eq!(team, json!("none"));
//! let error = kanon_jmespath::search("metadata.labels.team", &pod, &runtime).unwrap_err();
//! assert!(error.is_not_found());
//!
//! // Kyverno's functions.
//! let memory = kanon_jmespath::search("add('1.5Gi', '512Mi')", &pod, &runtime)?;
//! assert_eq!(memory, json!("2Gi"));
//! # Ok::<(), kanon_jmespath::Error>(())
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod error;
mod functions;
pub mod gofmt;
mod goregex;
mod gotime;
pub mod image;
mod interpreter;
mod lexer;
mod parser;
mod runtime;
mod semver;
pub mod value;
pub mod wildcard;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use serde_json::Value;

pub use error::{Error, Result};
pub use gofmt::{format_float_e, go_json, go_sprint};
pub use runtime::{ArgSpec, Function, JpType, Runtime, Signature};
pub use value::json_equal;

/// A parsed expression, ready to be evaluated many times.
///
/// Cheap to clone (the syntax tree is shared) and `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Expression {
    text: Arc<str>,
    ast: Arc<parser::Node>,
}

impl Expression {
    /// Parses `text`; the error carries the byte offset of the problem.
    pub fn parse(text: &str) -> Result<Expression> {
        let ast = parser::parse(text)?;
        Ok(Expression {
            text: Arc::from(text),
            ast: Arc::new(ast),
        })
    }

    /// The text the expression was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Evaluates the expression against `data` with the functions of `runtime`.
    pub fn search(&self, data: &Value, runtime: &Runtime) -> Result<Value> {
        let interpreter = interpreter::Interpreter::new(runtime);
        Ok(interpreter.eval(&self.ast, data)?.into_owned())
    }
}

impl std::fmt::Display for Expression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses `expression` and evaluates it against `data`.
pub fn search(expression: &str, data: &Value, runtime: &Runtime) -> Result<Value> {
    Expression::parse(expression)?.search(data, runtime)
}
