//! The function registry: built-in functions, user functions, argument checking, the clock.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::functions;
use crate::gofmt::go_sprint;
use crate::interpreter::Interpreter;
use crate::parser::Node;

/// A type an argument may have, as go-jmespath names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JpType {
    /// A number.
    Number,
    /// A string.
    String,
    /// `true` or `false`.
    Boolean,
    /// An array of anything.
    Array,
    /// An object.
    Object,
    /// An array whose elements are all numbers (possibly empty).
    ArrayNumber,
    /// An array whose elements are all strings (possibly empty).
    ArrayString,
    /// An expression reference (`&expr`).
    Expref,
    /// Anything, null included.
    Any,
}

impl JpType {
    /// go-jmespath's name of the type (`array[number]`).
    pub fn name(self) -> &'static str {
        match self {
            JpType::Number => "number",
            JpType::String => "string",
            JpType::Boolean => "boolean",
            JpType::Array => "array",
            JpType::Object => "object",
            JpType::ArrayNumber => "array[number]",
            JpType::ArrayString => "array[string]",
            JpType::Expref => "expref",
            JpType::Any => "any",
        }
    }

    fn accepts(self, arg: &Arg<'_>) -> bool {
        let value = match arg {
            Arg::ExpRef(_) => return matches!(self, JpType::Expref | JpType::Any),
            Arg::Value(value) => value.as_ref(),
        };
        match self {
            JpType::Number => value.is_number(),
            JpType::String => value.is_string(),
            JpType::Boolean => value.is_boolean(),
            JpType::Array => value.is_array(),
            JpType::Object => value.is_object(),
            JpType::ArrayNumber => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_number)),
            JpType::ArrayString => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
            JpType::Expref => false,
            JpType::Any => true,
        }
    }
}

/// The types one argument accepts, and whether it may repeat (only the last may).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgSpec {
    /// Accepted types; any one of them will do.
    pub types: Vec<JpType>,
    /// Whether this last argument may be given any number of times (at least once).
    pub variadic: bool,
}

impl ArgSpec {
    /// One argument of one of `types`.
    pub fn new(types: &[JpType]) -> Self {
        Self {
            types: types.to_vec(),
            variadic: false,
        }
    }

    /// A last argument that may repeat.
    pub fn variadic(types: &[JpType]) -> Self {
        Self {
            types: types.to_vec(),
            variadic: true,
        }
    }

    /// go-jmespath's `%#v` rendering of the accepted types.
    fn expected(&self) -> String {
        let names: Vec<String> = self
            .types
            .iter()
            .map(|t| format!("\"{}\"", t.name()))
            .collect();
        format!("[]jmespath.JpType{{{}}}", names.join(", "))
    }
}

/// The arguments a function takes, checked before it is called. An empty signature accepts
/// anything (as go-jmespath does for functions that declare no arguments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signature {
    /// The arguments in order.
    pub args: Vec<ArgSpec>,
}

impl Signature {
    /// A signature from argument specs.
    pub fn new(args: Vec<ArgSpec>) -> Self {
        Self { args }
    }

    /// Checks arity and types as go-jmespath's `resolveArgs` does (and also checks the
    /// repeated arguments of variadic functions, which go-jmespath leaves to the function).
    pub(crate) fn check(&self, name: &str, args: &[Arg<'_>]) -> Result<()> {
        let Some(last) = self.args.last() else {
            return Ok(());
        };
        let arity_ok = if last.variadic {
            args.len() >= self.args.len()
        } else {
            args.len() == self.args.len()
        };
        if !arity_ok {
            return Err(Error::InvalidArity {
                function: name.to_owned(),
                expected: self.args.len(),
                actual: args.len(),
                variadic: last.variadic,
            });
        }
        for (i, arg) in args.iter().enumerate() {
            let spec = self.args.get(i).unwrap_or(last);
            if !spec.types.iter().any(|t| t.accepts(arg)) {
                let value = match arg {
                    Arg::Value(value) => go_sprint(value),
                    Arg::ExpRef(_) => "expref".to_owned(),
                };
                return Err(Error::InvalidType {
                    function: name.to_owned(),
                    position: i + 1,
                    value,
                    expected: spec.expected(),
                });
            }
        }
        Ok(())
    }
}

/// A function that expressions can call, registered with [`Runtime::register`].
///
/// Arguments arrive already checked against [`Function::signature`]; missing keys in them
/// have become null, as in go-jmespath.
pub trait Function: Send + Sync {
    /// The arguments the function accepts; the default accepts anything.
    fn signature(&self) -> Signature {
        Signature::default()
    }

    /// Computes the result.
    fn call(&self, args: &[Value], runtime: &Runtime) -> Result<Value>;
}

/// An evaluated function argument: a value, or an expression reference for `map`, `sort_by`
/// and the like.
pub(crate) enum Arg<'a> {
    Value(Cow<'a, Value>),
    ExpRef(&'a Node),
}

/// A call being made to a built-in function.
pub(crate) struct Call<'c, 'a> {
    pub(crate) name: &'c str,
    pub(crate) args: Vec<Arg<'a>>,
    pub(crate) interpreter: &'c Interpreter<'c>,
}

impl<'a> Call<'_, 'a> {
    /// The value of argument `index` (0-based); null if absent or an expression reference.
    pub(crate) fn value(&self, index: usize) -> &Value {
        static NULL: Value = Value::Null;
        match self.args.get(index) {
            Some(Arg::Value(value)) => value.as_ref(),
            _ => &NULL,
        }
    }

    /// The string argument `index`, if it is one.
    pub(crate) fn str(&self, index: usize) -> Option<&str> {
        self.value(index).as_str()
    }

    /// The expression reference at `index`.
    pub(crate) fn expref(&self, index: usize) -> Option<&'a Node> {
        match self.args.get(index) {
            Some(Arg::ExpRef(node)) => Some(*node),
            _ => None,
        }
    }

    /// The runtime the call is made in.
    pub(crate) fn runtime(&self) -> &Runtime {
        self.interpreter.runtime
    }

    /// An error of this function, with a ready message.
    pub(crate) fn error(&self, message: impl Into<String>) -> Error {
        Error::function(self.name, message)
    }
}

/// A built-in function's body.
pub(crate) type Native = fn(&Call<'_, '_>) -> Result<Value>;

enum Body {
    Native(Native),
    User(Box<dyn Function>),
}

struct Entry {
    signature: Signature,
    body: Body,
}

/// The functions expressions may call, and the clock for the `time_*` functions.
///
/// [`Runtime::standard`] has the JMESPath specification's functions; [`Runtime::kyverno`]
/// adds Kyverno's (and replaces `sum` with Kyverno's). Build one and share it: it is
/// `Send + Sync` and evaluation does not change it.
pub struct Runtime {
    functions: HashMap<String, Entry>,
    now: Option<i64>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.functions.keys().collect();
        names.sort();
        f.debug_struct("Runtime")
            .field("functions", &names)
            .field("now", &self.now)
            .finish()
    }
}

impl Runtime {
    /// The functions of the JMESPath specification, as go-jmespath implements them.
    pub fn standard() -> Self {
        let mut runtime = Self {
            functions: HashMap::new(),
            now: None,
        };
        functions::standard::register(&mut runtime);
        runtime
    }

    /// The standard functions plus every Kyverno custom function.
    pub fn kyverno() -> Self {
        let mut runtime = Self::standard();
        functions::kyverno::register(&mut runtime);
        functions::arithmetic::register(&mut runtime);
        functions::time::register(&mut runtime);
        functions::encoding::register(&mut runtime);
        runtime
    }

    /// Sets the clock that `time_now`, `time_now_utc` and `time_since` read, in Unix seconds.
    /// Without it those functions fail: evaluation itself never reads the system clock.
    pub fn with_now(mut self, unix_seconds: i64) -> Self {
        self.now = Some(unix_seconds);
        self
    }

    /// The clock set with [`Runtime::with_now`].
    pub fn now(&self) -> Option<i64> {
        self.now
    }

    /// Adds a function, replacing any of the same name.
    pub fn register(&mut self, name: &str, function: Box<dyn Function>) {
        let signature = function.signature();
        self.functions.insert(
            name.to_owned(),
            Entry {
                signature,
                body: Body::User(function),
            },
        );
    }

    /// Whether a function of that name is registered.
    pub fn has_function(&self, name: &str) -> bool {
        self.functions.contains_key(name)
    }

    pub(crate) fn native(&mut self, name: &str, args: Vec<ArgSpec>, body: Native) {
        self.functions.insert(
            name.to_owned(),
            Entry {
                signature: Signature::new(args),
                body: Body::Native(body),
            },
        );
    }

    pub(crate) fn call(
        &self,
        name: &str,
        args: Vec<Arg<'_>>,
        interpreter: &Interpreter<'_>,
    ) -> Result<Value> {
        let entry = self
            .functions
            .get(name)
            .ok_or_else(|| Error::UnknownFunction(name.to_owned()))?;
        entry.signature.check(name, &args)?;
        match &entry.body {
            Body::Native(body) => body(&Call {
                name,
                args,
                interpreter,
            }),
            Body::User(function) => {
                let values: Vec<Value> = args
                    .into_iter()
                    .map(|arg| match arg {
                        Arg::Value(value) => value.into_owned(),
                        Arg::ExpRef(_) => Value::Null,
                    })
                    .collect();
                function.call(&values, self)
            }
        }
    }
}
