//! Loading and compiling policies and bindings: every CEL expression is compiled once, when
//! the policy is loaded. A compile error is kept with its expression and reported as an
//! `error` result whenever the expression would run, as the API server's validator does.

use crate::error::VapError;
use crate::model::{BindingSpec, Metadata, Named, NamedExpression, PolicySpec, Validation};
use kanon_cel::{Env, Program};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;

/// A compiled CEL expression, or why it did not compile.
#[derive(Clone)]
pub struct Compiled {
    /// The source.
    pub source: String,
    /// Where the expression is in its policy, e.g. `spec.validations[0].expression`.
    pub path: String,
    /// The program, or the compile error's text.
    pub program: Result<Arc<Program>, String>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("source", &self.source)
            .field("ok", &self.program.is_ok())
            .finish()
    }
}

impl Compiled {
    /// Compiles `source` (found at `path` in its policy) in `env`.
    pub fn new(env: &Env, source: &str, path: String) -> Compiled {
        Compiled {
            source: source.to_owned(),
            path,
            program: Program::compile(env, source)
                .map(Arc::new)
                // The first line: cel-go's `ERROR: <input>:line:column: message` (the
                // source snippet and caret that follow do not fit in a report).
                .map_err(|e| e.to_string().lines().next().unwrap_or_default().to_owned()),
        }
    }
}

/// A validation with its programs.
#[derive(Debug, Clone)]
pub struct CompiledValidation {
    /// The expression.
    pub expression: Compiled,
    /// `message`.
    pub message: Option<String>,
    /// `messageExpression`.
    pub message_expression: Option<Compiled>,
    /// `reason`.
    pub reason: Option<String>,
}

/// A named expression with its program.
#[derive(Debug, Clone)]
pub struct CompiledNamed {
    /// The name.
    pub name: String,
    /// The expression.
    pub expression: Compiled,
}

/// The CEL environment of admission policies: the Kubernetes libraries and the admission
/// variables. `authorizer` is not declared: kanon has no authorizer offline, so an expression
/// that uses it fails to compile and says so.
pub fn admission_env() -> Env {
    let mut env = Env::kubernetes();
    for name in [
        "object",
        "oldObject",
        "request",
        "params",
        "namespaceObject",
        "variables",
    ] {
        env.declare(name);
    }
    // Kyverno runs admission policies with its orValue compatibility; it only accepts more
    // expressions than the API server does.
    env.set_or_value_compat(true);
    env
}

/// Compiles named expressions (`matchConditions`, `variables`) found at `path`.
pub fn compile_named(env: &Env, list: &[NamedExpression], path: &str) -> Vec<CompiledNamed> {
    list.iter()
        .enumerate()
        .map(|(i, item)| CompiledNamed {
            name: item.name.clone(),
            expression: Compiled::new(env, &item.expression, format!("{path}[{i}].expression")),
        })
        .collect()
}

/// Compiles `validations` found at `path`.
pub fn compile_validations(env: &Env, list: &[Validation], path: &str) -> Vec<CompiledValidation> {
    list.iter()
        .enumerate()
        .map(|(i, v)| CompiledValidation {
            expression: Compiled::new(env, &v.expression, format!("{path}[{i}].expression")),
            message: v.message.clone().filter(|m| !m.is_empty()),
            message_expression: v
                .message_expression
                .as_deref()
                .filter(|m| !m.is_empty())
                .map(|m| Compiled::new(env, m, format!("{path}[{i}].messageExpression"))),
            reason: v.reason.clone(),
        })
        .collect()
}

/// A compiled ValidatingAdmissionPolicy.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    /// `metadata.name`.
    pub name: String,
    /// The spec as written.
    pub spec: PolicySpec,
    /// `matchConditions`.
    pub match_conditions: Vec<CompiledNamed>,
    /// `variables`.
    pub variables: Vec<CompiledNamed>,
    /// `validations`.
    pub validations: Vec<CompiledValidation>,
}

impl CompiledPolicy {
    /// Compiles a ValidatingAdmissionPolicy document.
    pub fn from_value(document: &Value) -> Result<CompiledPolicy, VapError> {
        let (metadata, spec) = named::<PolicySpec>(document, "ValidatingAdmissionPolicy")?;
        let env = admission_env();
        Ok(CompiledPolicy {
            name: metadata.name,
            match_conditions: compile_named(&env, &spec.match_conditions, "spec.matchConditions"),
            variables: compile_named(&env, &spec.variables, "spec.variables"),
            validations: compile_validations(&env, &spec.validations, "spec.validations"),
            spec,
        })
    }

    /// Every expression that did not compile: `path: error`.
    pub fn compile_errors(&self) -> Vec<String> {
        compile_errors(&self.match_conditions, &self.variables, &self.validations)
    }

    /// Whether an evaluation error should be ignored (`failurePolicy: Ignore`).
    pub fn ignores_failures(&self) -> bool {
        self.spec.failure_policy.as_deref() == Some("Ignore")
    }
}

/// A ValidatingAdmissionPolicyBinding.
#[derive(Debug, Clone)]
pub struct Binding {
    /// `metadata.name`.
    pub name: String,
    /// The spec.
    pub spec: BindingSpec,
}

impl Binding {
    /// Reads a ValidatingAdmissionPolicyBinding document.
    pub fn from_value(document: &Value) -> Result<Binding, VapError> {
        let (metadata, spec) = named::<BindingSpec>(document, "ValidatingAdmissionPolicyBinding")?;
        if spec.policy_name.is_empty() {
            return Err(VapError::Shape {
                kind: "ValidatingAdmissionPolicyBinding".to_owned(),
                name: metadata.name,
                message: "spec.policyName is required".to_owned(),
            });
        }
        Ok(Binding {
            name: metadata.name,
            spec,
        })
    }
}

fn named<S: DeserializeOwned>(document: &Value, kind: &str) -> Result<(Metadata, S), VapError> {
    let name = document
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let shape = |message: String| VapError::Shape {
        kind: kind.to_owned(),
        name: name.clone(),
        message,
    };
    let parsed: Named<S> =
        serde_json::from_value(document.clone()).map_err(|e| shape(e.to_string()))?;
    let spec = parsed
        .spec
        .ok_or_else(|| shape("spec is required".to_owned()))?;
    Ok((parsed.metadata, spec))
}

/// The compile errors of a policy's expressions, as `path: error`.
pub fn compile_errors(
    match_conditions: &[CompiledNamed],
    variables: &[CompiledNamed],
    validations: &[CompiledValidation],
) -> Vec<String> {
    match_conditions
        .iter()
        .chain(variables)
        .map(|n| &n.expression)
        .chain(
            validations
                .iter()
                .flat_map(|v| std::iter::once(&v.expression).chain(&v.message_expression)),
        )
        .filter_map(|c| c.program.as_ref().err().map(|e| format!("{}: {e}", c.path)))
        .collect()
}
