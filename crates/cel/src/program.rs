//! Compiled programs and the activations they evaluate in.

use std::any::Any;
use std::cell::RefCell;
use std::sync::Arc;

use crate::env::Env;
use crate::error::{CompileError, EvalError};
use crate::interp::Eval;
use crate::plan::Node;
use crate::value::Value;

/// Kubernetes' `PerCallLimit`: the default cost limit of one evaluation.
pub const DEFAULT_COST_LIMIT: u64 = 1_000_000;

/// A compiled expression: compile once, evaluate many times, from many threads.
pub struct Program {
    source: String,
    pub(crate) root: Node,
}

impl Program {
    /// Parses and checks `source` against `env`.
    pub fn compile(env: &Env, source: &str) -> Result<Program, CompileError> {
        let expr = crate::parser::parse(source)?;
        let root = crate::compile::compile(env, source, &expr)?;
        Ok(Program {
            source: source.to_string(),
            root,
        })
    }

    /// Evaluates with Kubernetes' per-call cost limit ([`DEFAULT_COST_LIMIT`]).
    pub fn eval<'a>(&self, activation: &Activation<'a>) -> Result<Value<'a>, EvalError> {
        self.eval_with_limit(activation, DEFAULT_COST_LIMIT).0
    }

    /// Evaluates with a cost limit and returns the cost used too. Passing the limit stops the
    /// evaluation with [`EvalError::CostLimitExceeded`].
    pub fn eval_with_limit<'a>(
        &self,
        activation: &Activation<'a>,
        limit: u64,
    ) -> (Result<Value<'a>, EvalError>, u64) {
        let mut eval = Eval::new(activation, limit);
        let result = eval.eval(&self.root);
        (result, eval.cost)
    }

    /// The type the expression evaluates to when that follows from the expression itself
    /// (`a == b`, `x.all(...)`, `has(...)`, `size(...)`, literals...); `None` when it depends
    /// on data (`object.spec.hostNetwork`, host functions): cel-go's checker would say `dyn`.
    pub fn result_type(&self) -> Option<crate::Type> {
        self.root.static_type()
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// The variables of one evaluation, and host data for host functions.
#[derive(Default)]
pub struct Activation<'a> {
    bindings: Vec<(String, Binding<'a>)>,
    host: Option<&'a (dyn Any + Sync)>,
}

pub(crate) enum Binding<'a> {
    Value(Value<'a>),
    Lazy(Vec<LazyField<'a>>),
}

pub(crate) struct LazyField<'a> {
    pub(crate) name: String,
    pub(crate) program: Arc<Program>,
    pub(crate) state: RefCell<LazyState<'a>>,
}

pub(crate) enum LazyState<'a> {
    Pending,
    Running,
    Done(Result<Value<'a>, EvalError>),
}

impl<'a> Activation<'a> {
    /// An activation with no variables.
    pub fn new() -> Self {
        Self::default()
    }

    fn set(&mut self, name: &str, binding: Binding<'a>) {
        if let Some(slot) = self.bindings.iter_mut().find(|(n, _)| n == name) {
            slot.1 = binding;
        } else {
            self.bindings.push((name.to_string(), binding));
        }
    }

    /// Binds JSON without converting it: objects and arrays are read in place.
    pub fn bind_json(&mut self, name: &str, value: &'a serde_json::Value) {
        self.set(name, Binding::Value(Value::borrow_json(value)));
    }

    /// Binds a value.
    pub fn bind(&mut self, name: &str, value: Value<'a>) {
        self.set(name, Binding::Value(value));
    }

    /// Binds lazy, memoised fields: `name.<field>` evaluates that field's program in this same
    /// activation on first access (Kubernetes' and Kyverno's `variables`: a variable may use
    /// earlier ones). Errors are memoised too; the cost of a field is charged to the
    /// evaluation that first reads it.
    pub fn bind_lazy(&mut self, name: &str, fields: Vec<(String, Arc<Program>)>) {
        let fields = fields
            .into_iter()
            .map(|(name, program)| LazyField {
                name,
                program,
                state: RefCell::new(LazyState::Pending),
            })
            .collect();
        self.set(name, Binding::Lazy(fields));
    }

    /// Host data that host functions reach through [`Call::host`](crate::Call::host).
    pub fn set_host(&mut self, host: &'a (dyn Any + Sync)) {
        self.host = Some(host);
    }

    pub(crate) fn host(&self) -> Option<&'a (dyn Any + Sync)> {
        self.host
    }

    pub(crate) fn binding(&self, name: &str) -> Option<&Binding<'a>> {
        self.bindings
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, binding)| binding)
    }
}
