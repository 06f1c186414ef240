//! Condition blocks (`preconditions`, `deny.conditions`, exception conditions): the legacy
//! list form or `{any, all}`, evaluated with short-circuiting and message collection.

use crate::context::{Context, EntryLoader};
use crate::operators::ConditionOperator;
use crate::variables::substitute_cow;
use serde_json::Value;

/// The outcome of a condition block: whether it holds, and the messages of the conditions
/// that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) holds: bool,
    pub(crate) message: String,
}

/// Evaluates one condition (`{key, operator, value, message}`). Returns whether it holds and
/// its message.
fn evaluate_one(
    condition: &Value,
    context: &mut Context,
    loader: &dyn EntryLoader,
) -> Result<(bool, String), String> {
    let key = condition.get("key").unwrap_or(&Value::Null);
    let value = condition.get("value").unwrap_or(&Value::Null);
    let key = substitute_cow(key, context, loader)
        .map_err(|e| format!("failed to substitute variables in condition key: {e}"))?;
    let value = substitute_cow(value, context, loader)
        .map_err(|e| format!("failed to substitute variables in condition value: {e}"))?;
    let operator_name = condition
        .get("operator")
        .and_then(Value::as_str)
        .unwrap_or("");
    let operator = ConditionOperator::parse(operator_name).ok_or_else(|| {
        format!("failed to find handler for condition operator {operator_name:?}")
    })?;
    let message = condition
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    Ok((operator.evaluate(&key, &value), message))
}

fn join_messages(messages: Vec<String>) -> String {
    messages
        .into_iter()
        .filter(|m| !m.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Evaluates a condition block. A missing or empty block holds.
pub(crate) fn evaluate(
    conditions: Option<&Value>,
    context: &mut Context,
    loader: &dyn EntryLoader,
) -> Result<Outcome, String> {
    let holds = |message| Outcome {
        holds: true,
        message,
    };
    match conditions {
        None | Some(Value::Null) => Ok(holds(String::new())),
        Some(Value::Array(list)) => {
            let mut passed = Vec::new();
            for condition in list {
                let (ok, message) = evaluate_one(condition, context, loader)?;
                if !ok {
                    return Ok(Outcome {
                        holds: false,
                        message: join_messages(vec![message]),
                    });
                }
                passed.push(message);
            }
            Ok(holds(join_messages(passed)))
        }
        Some(Value::Object(block)) => {
            let mut true_messages = Vec::new();
            let mut false_messages = Vec::new();
            let mut any_holds = true;
            if let Some(any) = block.get("any").filter(|a| !a.is_null()) {
                any_holds = false;
                for condition in any.as_array().map(Vec::as_slice).unwrap_or_default() {
                    let (ok, message) = evaluate_one(condition, context, loader)?;
                    if ok {
                        any_holds = true;
                        true_messages.push(message);
                        break;
                    }
                    false_messages.push(message);
                }
            }
            let mut all_holds = true;
            if let Some(all) = block.get("all").filter(|a| !a.is_null()) {
                for condition in all.as_array().map(Vec::as_slice).unwrap_or_default() {
                    let (ok, message) = evaluate_one(condition, context, loader)?;
                    if ok {
                        true_messages.push(message);
                    } else {
                        all_holds = false;
                        false_messages.push(message);
                        break;
                    }
                }
            }
            let holds_all = any_holds && all_holds;
            Ok(Outcome {
                holds: holds_all,
                message: join_messages(if holds_all {
                    true_messages
                } else {
                    false_messages
                }),
            })
        }
        Some(other) => Err(format!(
            "conditions must be a list or an object with any/all, found {other}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::NoEntries;
    use serde_json::json;

    fn run(conditions: Value) -> Result<Outcome, String> {
        let root = json!({"request": {"operation": "UPDATE", "object": {"spec": {"replicas": 3}}}});
        let mut context = Context::new(root.as_object().unwrap().clone());
        evaluate(Some(&conditions), &mut context, &NoEntries)
    }

    #[test]
    fn any_all_and_legacy_forms() {
        let any = json!({"any": [
            {"key": "{{request.operation}}", "operator": "Equals", "value": "CREATE", "message": "not create"},
            {"key": "{{request.operation}}", "operator": "Equals", "value": "UPDATE", "message": "is update"},
        ]});
        assert_eq!(
            run(any).unwrap(),
            Outcome {
                holds: true,
                message: "is update".into()
            }
        );
        let all = json!({"all": [{"key": "{{request.object.spec.replicas}}", "operator": "GreaterThan", "value": 5, "message": "too few"}]});
        assert_eq!(
            run(all).unwrap(),
            Outcome {
                holds: false,
                message: "too few".into()
            }
        );
        assert!(
            run(json!([{"key": 1, "operator": "Equals", "value": 1}]))
                .unwrap()
                .holds
        );
        assert!(!run(json!({"any": []})).unwrap().holds);
        assert!(run(json!({})).unwrap().holds);
    }

    #[test]
    fn short_circuits_before_errors() {
        let guarded = json!({"all": [
            {"key": "{{request.operation}}", "operator": "Equals", "value": "DELETE"},
            {"key": "{{request.object.missing}}", "operator": "Equals", "value": "x"},
        ]});
        assert!(!run(guarded).unwrap().holds);
        let failing = json!({"all": [{"key": "{{request.object.missing}}", "operator": "Equals", "value": "x"}]});
        assert!(run(failing)
            .unwrap_err()
            .starts_with("failed to substitute variables in condition key"));
        assert!(run(json!([{"key": 1, "operator": "Bogus", "value": 1}])).is_err());
    }
}
