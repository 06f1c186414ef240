//! `PolicyException` (`kyverno.io/v2`, `v2beta1`): named rules of named policies are skipped
//! for the resources the exception matches.

use crate::conditions;
use crate::context::{Context, EntryLoader};
use crate::matching::MatchTarget;
use crate::policy::{KyvernoPolicy, MatchResources, ResourceFilter};
use crate::wildcard;
use serde_json::Value;

/// A compiled policy exception.
#[derive(Debug, Clone)]
pub struct PolicyException {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `(policy key, rule name patterns)` pairs.
    pub exceptions: Vec<(String, Vec<String>)>,
    /// `spec.match`.
    pub match_: MatchResources,
    /// `spec.conditions`.
    pub conditions: Option<Value>,
    /// `spec.podSecurity`: controls excluded from `podSecurity` rules instead of skipping
    /// them.
    pub pod_security: Vec<Value>,
}

impl PolicyException {
    /// Whether a document is a `PolicyException` of the kyverno.io API.
    pub fn is_exception_document(value: &Value) -> bool {
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
        kind == "PolicyException" && api_version.starts_with("kyverno.io/")
    }

    /// Compiles an exception document.
    pub fn from_value(value: &Value) -> Result<PolicyException, String> {
        let metadata = value.get("metadata");
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
        let spec = value.get("spec").cloned().unwrap_or(Value::Null);
        let exceptions = spec
            .get("exceptions")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|item| {
                        let rules = item
                            .get("ruleNames")
                            .and_then(Value::as_array)
                            .map(|r| {
                                r.iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_owned)
                                    .collect()
                            })
                            .unwrap_or_default();
                        (text(item.get("policyName")), rules)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let match_ = match spec.get("match") {
            Some(m) if !m.is_null() => {
                serde_json::from_value(m.clone()).map_err(|e| format!("spec.match: {e}"))?
            }
            _ => MatchResources::default(),
        };
        Ok(PolicyException {
            name: text(metadata.and_then(|m| m.get("name"))),
            namespace: text(metadata.and_then(|m| m.get("namespace"))),
            exceptions,
            match_,
            conditions: spec.get("conditions").filter(|c| !c.is_null()).cloned(),
            pod_security: spec
                .get("podSecurity")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        })
    }

    /// `namespace/name`, or `name` without a namespace.
    pub fn key(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }

    fn covers(&self, policy_key: &str, rule: &str) -> bool {
        self.exceptions.iter().any(|(policy, rules)| {
            policy == policy_key && rules.iter().any(|r| wildcard::matches(r, rule))
        })
    }
}

/// What an exception's `match` is checked against.
pub(crate) trait ExceptionTarget {
    /// Whether the exception's match block selects the request.
    fn matches_filter(&self, match_: &MatchResources) -> bool;
}

/// A filter of an exception: like an exclude filter (user info is not ignored), but
/// operations are not checked.
fn filter_matches(filter: &ResourceFilter, target: &MatchTarget<'_>) -> bool {
    let mut filter = filter.clone();
    filter.resources.operations.clear();
    crate::matching::exclude_filter(&filter, target)
}

/// Whether an exception's `match` (any/all) selects the target.
pub(crate) fn exception_match(match_: &MatchResources, target: &MatchTarget<'_>) -> bool {
    if !match_.any.is_empty() {
        match_.any.iter().any(|f| filter_matches(f, target))
    } else if !match_.all.is_empty() {
        match_.all.iter().all(|f| filter_matches(f, target))
    } else {
        false
    }
}

/// The exceptions that apply to this rule of this policy for the request.
pub(crate) fn matching<'e>(
    exceptions: &'e [PolicyException],
    policy: &KyvernoPolicy,
    rule: &str,
    target: &dyn ExceptionTarget,
    context: &mut Context,
    loader: &dyn EntryLoader,
) -> Vec<&'e PolicyException> {
    let policy_key = policy.key();
    let mut matched = Vec::new();
    for exception in exceptions {
        if !exception.covers(&policy_key, rule) || !target.matches_filter(&exception.match_) {
            continue;
        }
        if let Some(conditions) = &exception.conditions {
            let all_first = conditions.as_object().map(|block| {
                let mut reordered = serde_json::Map::new();
                if let Some(all) = block.get("all") {
                    reordered.insert("all".to_owned(), all.clone());
                }
                let any = block
                    .get("any")
                    .filter(|a| a.as_array().is_some_and(|l| !l.is_empty()));
                if let Some(any) = any {
                    reordered.insert("any".to_owned(), any.clone());
                }
                Value::Object(reordered)
            });
            match conditions::evaluate(all_first.as_ref().or(Some(conditions)), context, loader) {
                Ok(outcome) if outcome.holds => {}
                _ => continue,
            }
        }
        matched.push(exception);
    }
    matched
}
