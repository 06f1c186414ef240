//! `validate.cel` rules of kyverno.io policies: Kubernetes admission CEL (the environment of
//! ValidatingAdmissionPolicy, without Kyverno's CEL libraries), with `celPreconditions`,
//! `variables` and `expressions`, evaluated as Kyverno does: the validator runs fail-closed,
//! so an evaluation error is a `fail`, not an `error`.

use crate::evaluate::{PolicyInput, RuleResponse, RuleStatus};
use kanon_core::kinds;
use kanon_vap::compile::{
    admission_env, compile_named, compile_validations, CompiledNamed, CompiledValidation,
};
use kanon_vap::evaluate::{activation, check, Budget, Checked, RUNTIME_COST_BUDGET};
use kanon_vap::model::{NamedExpression, Validation};
use serde_json::{json, Value};

/// A compiled `validate.cel` block.
#[derive(Debug, Clone)]
pub struct CelRule {
    expressions: Vec<CompiledValidation>,
    variables: Vec<CompiledNamed>,
    preconditions: Vec<CompiledNamed>,
    /// `validate.message`: the default message of expressions without one.
    default_message: Option<String>,
    /// A feature of the block kanon does not evaluate yet.
    pub unsupported: Option<&'static str>,
    source: Value,
}

impl PartialEq for CelRule {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl CelRule {
    /// Every expression that did not compile: `path: error`.
    pub fn compile_errors(&self) -> Vec<String> {
        kanon_vap::compile::compile_errors(&self.preconditions, &self.variables, &self.expressions)
    }

    /// Compiles `validate.cel` (with the rule's `celPreconditions` and `validate.message`).
    pub fn compile(
        cel: &Value,
        preconditions: Option<&Value>,
        message: Option<&str>,
    ) -> Result<CelRule, String> {
        let env = admission_env();
        let list = |key: &str| cel.get(key).cloned().unwrap_or(Value::Array(Vec::new()));
        let expressions: Vec<Validation> = serde_json::from_value(list("expressions"))
            .map_err(|e| format!("validate.cel.expressions: {e}"))?;
        let variables: Vec<NamedExpression> = serde_json::from_value(list("variables"))
            .map_err(|e| format!("validate.cel.variables: {e}"))?;
        let preconditions: Vec<NamedExpression> = match preconditions {
            Some(value) => serde_json::from_value(value.clone())
                .map_err(|e| format!("celPreconditions: {e}"))?,
            None => Vec::new(),
        };
        let present = |key: &str| cel.get(key).is_some_and(|v| !v.is_null());
        let unsupported = if present("paramKind") || present("paramRef") {
            Some("validate.cel paramKind/paramRef")
        } else {
            None
        };
        Ok(CelRule {
            expressions: compile_validations(&env, &expressions, "validate.cel.expressions"),
            variables: compile_named(&env, &variables, "validate.cel.variables"),
            preconditions: compile_named(&env, &preconditions, "celPreconditions"),
            default_message: message.map(str::to_owned).filter(|m| !m.is_empty()),
            unsupported,
            source: cel.clone(),
        })
    }
}

/// The `request` variable of a kyverno.io rule's CEL: the admission request Kyverno builds.
fn request_value(input: &PolicyInput<'_>, subject: &Value) -> Value {
    let kind = input.kind;
    let resource = kinds::resource_for(kind);
    let meta = subject.get("metadata");
    let text = |key: &str| {
        meta.and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let namespace = if kinds::is_namespaced(&kind.group, &kind.kind) {
        text("namespace")
    } else {
        ""
    };
    let user = input
        .user
        .map(|u| u.user_info.clone())
        .unwrap_or_else(|| json!({}));
    let kind = json!({"group": kind.group, "version": kind.version, "kind": kind.kind});
    let resource = json!({
        "group": resource.group, "version": resource.version, "resource": resource.resource,
    });
    let mut value = json!({
        "uid": "",
        "kind": kind,
        "resource": resource,
        "requestKind": kind,
        "requestResource": resource,
        "name": text("name"),
        "namespace": namespace,
        "operation": input.operation,
        "userInfo": user,
        "dryRun": false,
    });
    if !input.subresource.is_empty() {
        if let Some(map) = value.as_object_mut() {
            map.insert("subResource".to_owned(), json!(input.subresource));
            map.insert("requestSubResource".to_owned(), json!(input.subresource));
        }
    }
    value
}

/// Evaluates a `validate.cel` rule on a request that matched it.
pub(crate) fn evaluate(rule_name: &str, cel: &CelRule, input: &PolicyInput<'_>) -> RuleResponse {
    if let Some(feature) = cel.unsupported {
        return RuleResponse::new(
            rule_name,
            RuleStatus::Error,
            format!("kanon does not support {feature} yet"),
        );
    }
    let subject = if input.operation == "DELETE" {
        input.old_object
    } else {
        input.object
    };
    let request = request_value(input, subject);
    // Offline, Kyverno knows only the namespace's name.
    let namespace = request
        .get("namespace")
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty())
        .map(|ns| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}))
        .unwrap_or(Value::Null);
    let fail = |message: String| RuleResponse::new(rule_name, RuleStatus::Fail, message);
    let act = match activation(
        input.object,
        input.old_object,
        &request,
        &Value::Null,
        &namespace,
        &cel.variables,
        None,
    ) {
        Ok(act) => act,
        Err(e) => return fail(e),
    };
    match check(
        &cel.preconditions,
        &cel.expressions,
        &act,
        cel.default_message.as_deref(),
        &Budget::new(RUNTIME_COST_BUDGET),
    ) {
        Checked::Passed => {}
        Checked::ConditionFalse(_) => {
            return RuleResponse::new(rule_name, RuleStatus::Skip, "cel preconditions not met")
        }
        Checked::Failed { message, .. } => return fail(message),
        Checked::ConditionErrors(e) | Checked::Error(e) => return fail(e),
    }
    RuleResponse::new(
        rule_name,
        RuleStatus::Pass,
        format!("Validation rule '{rule_name}' passed."),
    )
}
