//! The `K8sNativeValidation` engine: a template's CEL `variables`, `matchConditions` and
//! `validations`, run on kanon's admission CEL (kanon-vap) the way Gatekeeper's CEL driver
//! runs them: `params` is the constraint, `variables.params` its `spec.parameters`,
//! `variables.anyObject` the object (the old object for a DELETE), and every failing
//! validation is one violation.

use crate::template::Violation;
use kanon_vap::compile::{admission_env, compile_named, compile_validations};
use kanon_vap::compile::{CompiledNamed, CompiledValidation};
use kanon_vap::evaluate::{activation, eval_bool, eval_message, Budget, RUNTIME_COST_BUDGET};
use kanon_vap::model::{NamedExpression, Validation};
use serde_json::Value;

/// Variables Gatekeeper declares before the template's own.
const GATEKEEPER_VARIABLES: &[(&str, &str)] = &[
    (
        "params",
        "!has(params.spec) ? null : !has(params.spec.parameters) ? null : params.spec.parameters",
    ),
    (
        "anyObject",
        "has(request.operation) && request.operation == \"DELETE\" && object == null ? oldObject : object",
    ),
];

/// A compiled `K8sNativeValidation` source.
#[derive(Debug, Clone)]
pub(crate) struct CelProgram {
    /// `failurePolicy: Ignore`: errors produce no violation.
    ignore_failures: bool,
    variables: Vec<CompiledNamed>,
    conditions: Vec<CompiledNamed>,
    validations: Vec<CompiledValidation>,
}

fn list<T: serde::de::DeserializeOwned>(source: &Value, key: &str) -> Result<Vec<T>, String> {
    match source.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("source.{key}: {e}")),
    }
}

impl CelProgram {
    /// Compiles the `source` of a `K8sNativeValidation` code entry; `Err` lists the
    /// expressions that do not compile.
    pub(crate) fn compile(source: &Value) -> Result<CelProgram, String> {
        let env = admission_env();
        let mut variables: Vec<NamedExpression> = GATEKEEPER_VARIABLES
            .iter()
            .map(|(name, expression)| NamedExpression {
                name: (*name).to_owned(),
                expression: (*expression).to_owned(),
            })
            .collect();
        variables.extend(list::<NamedExpression>(source, "variables")?);
        // Gatekeeper's source field is `matchCondition`; the plural is accepted too.
        let mut conditions: Vec<NamedExpression> = list(source, "matchCondition")?;
        conditions.extend(list::<NamedExpression>(source, "matchConditions")?);
        let ignore_failures = match source.get("failurePolicy").and_then(Value::as_str) {
            None | Some("Fail") => false,
            Some("Ignore") => true,
            Some(other) => {
                return Err(format!(
                    "source.failurePolicy: Unsupported value: {other:?}: supported values: \"Fail\", \"Ignore\""
                ))
            }
        };
        let validations: Vec<Validation> = list(source, "validations")?;
        let program = CelProgram {
            ignore_failures,
            variables: compile_named(&env, &variables, "source.variables"),
            conditions: compile_named(&env, &conditions, "source.matchConditions"),
            validations: compile_validations(&env, &validations, "source.validations"),
        };
        let errors: Vec<String> =
            program
                .variables
                .iter()
                .chain(&program.conditions)
                .map(|n| &n.expression)
                .chain(program.validations.iter().flat_map(|v| {
                    std::iter::once(&v.expression).chain(v.message_expression.as_ref())
                }))
                .filter_map(|c| c.program.as_ref().err().map(|e| format!("{}: {e}", c.path)))
                .collect();
        if errors.is_empty() {
            Ok(program)
        } else {
            Err(errors.join("; "))
        }
    }

    /// Evaluates on a review (`input.review` as JSON) with the constraint as `params`.
    pub(crate) fn evaluate(
        &self,
        review: &Value,
        params: &Value,
    ) -> Result<Vec<Violation>, String> {
        let null = Value::Null;
        let field = |key: &str| review.get(key).unwrap_or(&null);
        // Gatekeeper puts the old object into `object` on DELETE before any driver runs.
        let act = activation(
            field("object"),
            field("oldObject"),
            review,
            params,
            field("namespaceObject"),
            &self.variables,
            None,
        )?;
        let budget = Budget::new(RUNTIME_COST_BUDGET);
        // A false condition means no match; errors count only when no condition is false.
        let mut condition_errors = Vec::new();
        for condition in &self.conditions {
            match eval_bool(&condition.expression, &act, &budget) {
                Ok(true) => {}
                Ok(false) => return Ok(Vec::new()),
                Err(e) => {
                    condition_errors.push(format!("matchCondition {:?}: {e}", condition.name))
                }
            }
        }
        if !condition_errors.is_empty() {
            if self.ignore_failures {
                return Ok(Vec::new());
            }
            return Err(condition_errors.join("; "));
        }
        let mut violations = Vec::new();
        for validation in &self.validations {
            let msg = match eval_bool(&validation.expression, &act, &budget) {
                Ok(true) => continue,
                Ok(false) => validation
                    .message_expression
                    .as_ref()
                    .and_then(|m| eval_message(m, &act, &budget))
                    .or_else(|| {
                        validation
                            .message
                            .as_deref()
                            .map(str::trim)
                            .filter(|m| !m.is_empty())
                            .map(str::to_owned)
                    })
                    .unwrap_or_else(|| {
                        format!("failed expression: {}", validation.expression.source.trim())
                    }),
                Err(_) if self.ignore_failures => continue,
                Err(e) => e,
            };
            violations.push(Violation {
                msg,
                details: Value::Object(serde_json::Map::new()),
            });
        }
        Ok(violations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_failing_validation_is_a_violation() {
        let program = CelProgram::compile(&json!({
            "variables": [{"name": "name", "expression": "variables.anyObject.metadata.name"}],
            "validations": [
                {"expression": "variables.name != 'bad'", "messageExpression": "'bad name: ' + variables.name"},
                {"expression": "variables.params.max > 1", "message": "max too small"},
                {"expression": "true"}
            ]
        }))
        .unwrap();
        let review =
            json!({"operation": "", "object": {"metadata": {"name": "bad"}}, "oldObject": null});
        let params = json!({"spec": {"parameters": {"max": 1}}});
        let msgs: Vec<String> = program
            .evaluate(&review, &params)
            .unwrap()
            .into_iter()
            .map(|v| v.msg)
            .collect();
        assert_eq!(msgs, ["bad name: bad", "max too small"]);
    }

    #[test]
    fn compile_errors_name_the_expression() {
        let err =
            CelProgram::compile(&json!({"validations": [{"expression": "object.("}]})).unwrap_err();
        assert!(err.starts_with("source.validations[0].expression"), "{err}");
    }
}
