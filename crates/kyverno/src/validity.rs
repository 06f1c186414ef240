//! The checks Kyverno runs before it accepts a policy. A policy that fails them is set aside:
//! `kyverno test` reports its results as skipped ("Invalid Policy"), and the admission
//! controller would refuse to create it.

use crate::anchor::{self, AnchorKind};
use crate::policy::{KyvernoPolicy, Rule};
use crate::variables::variables_in;
use serde_json::Value;
use std::collections::BTreeSet;

/// Checks a compiled policy; `Err` says why Kyverno would reject it.
pub(crate) fn check(policy: &KyvernoPolicy) -> Result<(), String> {
    if policy.kind == "ClusterPolicy" {
        let namespace = policy
            .raw
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if !namespace.is_empty() {
            return Err("a ClusterPolicy must not have a namespace".to_owned());
        }
    }
    if policy.name.len() > 63 {
        return Err(format!(
            "policy name {:?} is longer than 63 characters",
            policy.name
        ));
    }
    if policy
        .annotations
        .get(crate::autogen::CONTROLLERS_ANNOTATION)
        .map(String::as_str)
        == Some("all")
    {
        return Err("the autogen-controllers annotation value 'all' is not supported".to_owned());
    }
    let mut names = BTreeSet::new();
    for rule in &policy.rules {
        if !names.insert(rule.name.as_str()) {
            return Err(format!("duplicate rule name: {:?}", rule.name));
        }
    }
    let generated = policy.autogen.values().flatten();
    for rule in policy.rules.iter().chain(generated) {
        check_rule(policy, rule).map_err(|e| format!("rule {}: {e}", rule.name))?;
    }
    Ok(())
}

fn check_rule(policy: &KyvernoPolicy, rule: &Rule) -> Result<(), String> {
    if !rule.match_.any.is_empty() && !rule.match_.all.is_empty() {
        return Err("match can't have both any and all".to_owned());
    }
    if policy.background {
        if rule.match_.has_user_info() || rule.exclude.as_ref().is_some_and(|e| e.has_user_info()) {
            return Err("invalid variable used at path: match/exclude user info (roles, clusterRoles, subjects) is not allowed when background is true".to_owned());
        }
        if rule.match_.kinds().contains(&"*") {
            return Err("wildcard policy can not be used with background mode".to_owned());
        }
    }
    if let Some(validate) = &rule.validate {
        let bodies = [
            validate.pattern.is_some(),
            validate.any_pattern.is_some(),
            validate.deny.is_some(),
            validate.foreach.is_some(),
            validate.pod_security.is_some(),
            validate.cel.is_some(),
            validate.manifests.is_some(),
            validate.assert.is_some(),
        ];
        if bodies.iter().filter(|b| **b).count() > 1 {
            return Err("only one of pattern, anyPattern, deny, foreach, podSecurity, cel, manifests or assert can be specified".to_owned());
        }
        for pattern in validate.pattern.iter().chain(validate.any_pattern.iter()) {
            check_anchors(pattern)?;
        }
    }
    let context_names = context_names(&rule.raw);
    check_variables(&rule.raw, "", &context_names, policy.background)
}

fn check_anchors(pattern: &Value) -> Result<(), String> {
    match pattern {
        Value::Object(map) => {
            for (key, value) in map {
                if let Some(a) = anchor::parse(key) {
                    if a.kind == AnchorKind::AddIfNotPresent {
                        return Err(format!(
                            "add-if-not-present anchor {key:?} is not allowed in validate patterns"
                        ));
                    }
                    if a.kind == AnchorKind::Existence
                        && value.as_array().is_none_or(|l| l.is_empty())
                    {
                        return Err(format!("existence anchor {key:?} needs a non-empty list"));
                    }
                }
                check_anchors(value)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(check_anchors),
        _ => Ok(()),
    }
}

/// Names of the rule's context entries, including those of foreach loops.
fn context_names(rule: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    fn collect(value: &Value, names: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Array(entries)) = map.get("context") {
                    for entry in entries {
                        if let Some(name) = entry.get("name").and_then(Value::as_str) {
                            names.insert(name.to_owned());
                        }
                    }
                }
                for child in map.values() {
                    collect(child, names);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| collect(i, names)),
            _ => {}
        }
    }
    collect(rule, &mut names);
    names
}

const USER_INFO_VARIABLES: &[&str] = &[
    "serviceAccountName",
    "serviceAccountNamespace",
    "request.userInfo",
    "request.roles",
    "request.clusterRoles",
];

fn check_variables(
    value: &Value,
    path: &str,
    context_names: &BTreeSet<String>,
    background: bool,
) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if path.is_empty() && (key == "match" || key == "exclude") {
                    if child.to_string().contains("{{") {
                        return Err(format!("variables are not allowed in {key}"));
                    }
                    continue;
                }
                check_string(key, path, context_names, background)?;
                check_variables(child, &format!("{path}/{key}"), context_names, background)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().enumerate().try_for_each(|(index, item)| {
            check_variables(item, &format!("{path}/{index}"), context_names, background)
        }),
        Value::String(s) => check_string(s, path, context_names, background),
        _ => Ok(()),
    }
}

fn check_string(
    s: &str,
    path: &str,
    context_names: &BTreeSet<String>,
    background: bool,
) -> Result<(), String> {
    for expression in variables_in(s) {
        if background {
            for forbidden in USER_INFO_VARIABLES {
                if mentions_after_non_dot(&expression, forbidden) {
                    return Err(format!(
                        "invalid variable used at path: {path}: variable {{{{{expression}}}}} is not allowed when background is true"
                    ));
                }
            }
        }
        let is_element = expression.starts_with("element") || expression == "elementIndex";
        if is_element && !path.contains("/foreach/") {
            return Err(format!(
                "variable '{expression}' present outside of foreach at path {path}"
            ));
        }
        if !allowed(&expression, context_names) {
            return Err(format!(
                "variable {{{{{expression}}}}} is not defined in the context (path {path})"
            ));
        }
        if kanon_jmespath::Expression::parse(&expression).is_err() && expression != "@" {
            return Err(format!(
                "invalid JMESPath expression {{{{{expression}}}}} at path {path}"
            ));
        }
    }
    Ok(())
}

fn mentions_after_non_dot(expression: &str, name: &str) -> bool {
    expression.match_indices(name).any(|(at, _)| {
        at == 0
            || expression
                .as_bytes()
                .get(at - 1)
                .is_some_and(|b| *b != b'.')
    })
}

/// Kyverno's allow-list of variable roots, matched anywhere in the expression.
fn allowed(expression: &str, context_names: &BTreeSet<String>) -> bool {
    let unquoted = expression.replace(['"', '\''], "");
    if ["request", "element", "images", "image", "@"]
        .iter()
        .any(|root| unquoted.contains(root))
    {
        return true;
    }
    let has_call = unquoted.char_indices().any(|(i, c)| {
        c == '('
            && unquoted.get(..i).is_some_and(|before| {
                before.ends_with(|p: char| p.is_ascii_alphanumeric() || p == '_')
            })
    });
    if has_call {
        return true;
    }
    let root: String = unquoted
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    context_names
        .iter()
        .any(|name| unquoted.trim().starts_with(name.as_str()) || *name == root)
}

#[cfg(test)]
mod tests {
    use crate::policy::KyvernoPolicy;
    use serde_json::json;

    fn invalid(spec: serde_json::Value) -> Option<String> {
        KyvernoPolicy::from_value(&json!({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "p"}, "spec": spec}))
            .unwrap()
            .invalid
    }

    #[test]
    fn background_policies_cannot_read_user_info() {
        let rule = json!({"name": "r", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                          "validate": {"deny": {"conditions": {"any": [{"key": "{{request.userInfo.username}}", "operator": "Equals", "value": "x"}]}}}});
        assert!(invalid(json!({"rules": [rule.clone()]})).is_some());
        assert_eq!(invalid(json!({"background": false, "rules": [rule]})), None);
    }

    #[test]
    fn unknown_variables_and_bad_anchors() {
        let unknown = json!({"name": "r", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                             "validate": {"message": "{{ foo }}", "deny": {}}});
        assert!(invalid(json!({"rules": [unknown]})).is_some());
        let defined = json!({"name": "r", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                             "context": [{"name": "foo", "variable": {"value": 1}}],
                             "validate": {"message": "{{ foo }}", "deny": {}}});
        assert_eq!(invalid(json!({"rules": [defined]})), None);
        let add = json!({"name": "r", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                         "validate": {"pattern": {"+(a)": "b"}}});
        assert!(invalid(json!({"rules": [add]})).is_some());
    }
}
