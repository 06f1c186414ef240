//! CEL, the Common Expression Language, with cel-go's semantics and the libraries Kubernetes
//! (ValidatingAdmissionPolicy) and Kyverno (ValidatingPolicy, `validate.cel`) enable.
//!
//! kanon evaluates CEL itself rather than through the `cel` crate because policy results
//! depend on details where that crate differs from cel-go: JSON integers are `int` (so
//! `object.spec.replicas + 1` works), numbers compare across `int`, `uint` and `double`
//! (`3 == 3.0`), `size('héllo')` counts code points, optional syntax (`x.?f`, `m[?k]`),
//! `dyn()`, `cel.bind()`, and bound objects are read in place instead of being converted per
//! evaluation.
//!
//! The language: the whole grammar with macros (`has`, `all`, `exists`, `exists_one`, `map`,
//! `filter`, two-variable comprehensions, `cel.bind`, `sortBy`), optional types, the standard
//! functions and conversions, timestamps and durations; cel-go's extension libraries (strings
//! with `format`, lists, sets, math, base64) and Kubernetes' (quantity, semver, IP, CIDR,
//! URL, regex `find`/`findAll`, lists, named formats). Errors are values as in cel-go: `&&`,
//! `||` and the quantifiers absorb them. Evaluation tracks cel-go's runtime cost and stops at
//! a limit ([`EvalError::CostLimitExceeded`]).
//!
//! This is *not* a type checker: expressions are checked for undeclared identifiers and
//! functions, but types are checked at run time (an `int + string` is a
//! [`EvalError::NoSuchOverload`] when evaluated, not a compile error);
//! [`Program::result_type`] tells the result type where the expression alone decides it. No
//! protocol buffer messages (`Object{...}`, `JSONPatch{...}`), no IANA time-zone database
//! (only `UTC` and fixed offsets such as `'+05:30'`), no authorizer. The crate does no I/O:
//! host data and host functions come from the caller.
//!
//! Where cel-go versions differ, kanon follows the one Kubernetes ships and configures:
//! `format()` is the strings library version 2 (`%e` prints `1.0 × 10⁰⁰` for en-US),
//! `indexOf` with an offset past the end errs, presence tests on values without fields are
//! false rather than errors, and IPv4-mapped IPv6 addresses are rejected. Other deliberate
//! differences: nesting is limited to 100 levels (cel-go: 250) so that debug builds stay
//! within a 2 MiB stack, and list concatenation and large string outputs (`replace`,
//! `format`, `split`) count their size towards the cost, so that memory stays bounded by the
//! cost limit.
//!
//! ```
//! use kanon_cel::{Activation, Env, Program};
//! use serde_json::json;
//!
//! let mut env = Env::kubernetes();
//! env.declare("object");
//! let program = Program::compile(
//!     &env,
//!     "object.spec.containers.all(c, !c.image.endsWith(':latest'))",
//! )?;
//!
//! let pod = json!({"spec": {"containers": [{"image": "nginx:1.27"}, {"image": "redis:latest"}]}});
//! let mut activation = Activation::new();
//! activation.bind_json("object", &pod);
//! assert_eq!(program.eval(&activation)?.as_bool(), Some(false));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod ast;
mod compile;
mod cost;
mod env;
mod error;
mod functions;
mod gofmt;
mod interp;
mod k8s;
mod lexer;
mod objects;
mod ops;
mod parser;
mod plan;
mod program;
mod time;
mod types;
mod value;

#[cfg(test)]
mod tests;

// The public surface: what callers compile against and the values they exchange.
pub use env::{Call, Env, HostFn};
pub use error::{CompileError, EvalError};
/// Durations are Go's `time.Duration`, shared with the rest of kanon.
pub use kanon_core::duration::Duration;
pub use objects::Object;
pub use program::{Activation, Program, DEFAULT_COST_LIMIT};
pub use time::Timestamp;
pub use types::Type;
pub use value::{Key, List, ListIter, Map, MapIter, Str, Value};
