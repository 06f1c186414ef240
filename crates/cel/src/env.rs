//! The compilation environment: declared variables, host functions and options.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::error::EvalError;
use crate::value::Value;

/// A function the host provides (Kyverno's `resource.Get`, `parseServiceAccount`...).
///
/// For a receiver-style function the receiver is `args[0]`. A function that does not accept
/// the argument types returns [`EvalError::NoSuchOverload`], and the next overload registered
/// under the same name is tried.
pub type HostFn =
    Arc<dyn for<'v> Fn(&Call<'v>, &[Value<'v>]) -> Result<Value<'v>, EvalError> + Send + Sync>;

/// What a host function can see of the evaluation besides its arguments.
pub struct Call<'a> {
    pub(crate) host: Option<&'a (dyn Any + Sync)>,
    pub(crate) name: Arc<str>,
}

impl<'a> Call<'a> {
    /// The host data given to [`Activation::set_host`](crate::Activation::set_host).
    pub fn host(&self) -> Option<&'a (dyn Any + Sync)> {
        self.host
    }

    /// The host data as a `T`, if it is one.
    pub fn host_ref<T: Any>(&self) -> Option<&'a T> {
        let host: &'a dyn Any = self.host?;
        host.downcast_ref::<T>()
    }

    /// The function's name as written, e.g. `resource.Get`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Declarations expressions compile against. Cheap to clone.
#[derive(Clone)]
pub struct Env {
    pub(crate) inner: Arc<EnvInner>,
}

#[derive(Clone, Default)]
pub(crate) struct EnvInner {
    pub(crate) variables: HashSet<String>,
    /// Host overloads by name: global ones and receiver-style ones apart.
    pub(crate) globals: HashMap<String, Vec<HostFn>>,
    pub(crate) methods: HashMap<String, Vec<HostFn>>,
    pub(crate) or_value_compat: bool,
    /// Unknown identifiers and functions are compile errors (as with cel-go's checker);
    /// off, they become runtime errors.
    pub(crate) strict: bool,
}

impl Env {
    /// Standard CEL with optional types, cel-go's extension libraries as Kubernetes and
    /// Kyverno enable them (strings incl. `format`, lists, sets, math, encoders, `cel.bind`,
    /// two-variable comprehensions) and the Kubernetes libraries (quantity, semver, IP/CIDR,
    /// URL, regex `find`/`findAll`, lists, named formats). No authorizer.
    pub fn kubernetes() -> Env {
        Env {
            inner: Arc::new(EnvInner {
                strict: true,
                ..EnvInner::default()
            }),
        }
    }

    fn inner_mut(&mut self) -> &mut EnvInner {
        Arc::make_mut(&mut self.inner)
    }

    /// Declares a variable; referencing an undeclared identifier is a compile error
    /// (`undeclared reference to 'x'`).
    pub fn declare(&mut self, name: &str) {
        self.inner_mut().variables.insert(name.to_string());
    }

    /// Registers a host function: a global (`parseServiceAccount`), a namespaced global
    /// (`resource.Get`: the part before the dot is not a variable), or, with `receiver`, a
    /// method (`x.registry()`, the receiver being `args[0]`). Several overloads may share a
    /// name; they are tried in registration order.
    pub fn add_function(&mut self, name: &str, receiver: bool, f: HostFn) {
        let inner = self.inner_mut();
        let table = if receiver {
            &mut inner.methods
        } else {
            &mut inner.globals
        };
        table.entry(name.to_string()).or_default().push(f);
    }

    /// Kyverno's compatibility rewrite: `x.orValue(y)` gives x's value when x is an optional
    /// with a value, `y` when x is an empty optional or when evaluating x errs, and x itself
    /// when x is not an optional.
    pub fn set_or_value_compat(&mut self, on: bool) {
        self.inner_mut().or_value_compat = on;
    }

    /// Whether unknown identifiers and functions are compile errors (the default, as with
    /// cel-go's type checker). Off, they compile and err when evaluated, as in cel-go without
    /// the checker (the conformance tests' `disable_check`).
    pub fn set_strict_references(&mut self, on: bool) {
        self.inner_mut().strict = on;
    }

    pub(crate) fn is_variable(&self, name: &str) -> bool {
        self.inner.variables.contains(name)
    }
}
