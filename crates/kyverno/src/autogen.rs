//! Autogen: rules written for Pods also apply to the pod controllers, as Kyverno generates
//! them (`autogen-<rule>` on `spec.template`, `autogen-cronjob-<rule>` on
//! `spec.jobTemplate.spec.template`), following `pod-policies.kyverno.io/autogen-controllers`.

use crate::policy::{KyvernoPolicy, ResourceDescription, Rule};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The annotation that picks the controllers.
pub(crate) const CONTROLLERS_ANNOTATION: &str = "pod-policies.kyverno.io/autogen-controllers";

const POD_CONTROLLERS: &[&str] = &[
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
];

fn controller_gvk(kind: &str) -> String {
    match kind {
        "DaemonSet" => "apps/v1/DaemonSet",
        "Deployment" => "apps/v1/Deployment",
        "Job" => "batch/v1/Job",
        "StatefulSet" => "apps/v1/StatefulSet",
        "ReplicaSet" => "apps/v1/ReplicaSet",
        "ReplicationController" => "v1/ReplicationController",
        "CronJob" => "batch/v1/CronJob",
        "Pod" => "v1/Pod",
        other => other,
    }
    .to_owned()
}

/// The kind part of a kind selector (`apps/v1/Deployment` → `Deployment`, `Pod/exec` →
/// `Pod`), as Kyverno's `ContainsKind` compares them.
pub(crate) fn kind_of_selector(selector: &str) -> &str {
    let parts: Vec<&str> = selector.split('/').collect();
    let kind = match parts.as_slice() {
        [kind] => kind,
        [first, second] => {
            if crate::matching::looks_like_version(first) {
                second
            } else {
                first
            }
        }
        [first, second, _] => {
            if crate::matching::looks_like_version(first) {
                second
            } else {
                parts.get(2).copied().unwrap_or("")
            }
        }
        [_, _, kind, _] => kind,
        _ => "",
    };
    kind.split('.').next().unwrap_or(kind)
}

fn contains_kind(kinds: &[&str], kind: &str) -> bool {
    kinds.iter().any(|k| kind_of_selector(k) == kind)
}

fn supports_autogen(description: &ResourceDescription, needed: &mut bool) -> bool {
    let kinds: Vec<&str> = description.kinds.iter().map(String::as_str).collect();
    if description.name.as_deref().is_some_and(|n| !n.is_empty())
        || !description.names.is_empty()
        || description.selector.is_some()
        || description.annotations.is_some()
        || (kinds.len() > 1 && contains_kind(&kinds, "Pod"))
    {
        return false;
    }
    *needed |= kinds
        .iter()
        .any(|k| *k == "Pod" || POD_CONTROLLERS.contains(k));
    true
}

/// The controllers rules are generated for (`None`: no autogen).
pub(crate) fn controllers(policy: &KyvernoPolicy) -> Option<Vec<String>> {
    let mut needed = false;
    for rule in &policy.rules {
        if rule.raw.get("generate").is_some_and(|g| !g.is_null()) {
            return None;
        }
        if let Some(mutate) = rule.raw.get("mutate") {
            let json6902 = mutate.get("patchesJson6902").is_some_and(|p| !p.is_null())
                || mutate
                    .get("foreach")
                    .and_then(Value::as_array)
                    .is_some_and(|items| {
                        items
                            .iter()
                            .any(|i| i.get("patchesJson6902").is_some_and(|p| !p.is_null()))
                    });
            if json6902 {
                return None;
            }
        }
        let mut descriptions = rule.match_.descriptions();
        if let Some(exclude) = &rule.exclude {
            descriptions.extend(exclude.descriptions());
        }
        for description in descriptions {
            if !supports_autogen(description, &mut needed) {
                return None;
            }
        }
    }
    if !needed {
        return None;
    }
    match policy.annotations.get(CONTROLLERS_ANNOTATION) {
        Some(list) => Some(list.split(',').map(str::to_owned).collect()),
        None => Some(POD_CONTROLLERS.iter().map(|s| (*s).to_owned()).collect()),
    }
}

/// Generates the rules for every controller kind the policy covers.
pub(crate) fn generate(policy: &KyvernoPolicy) -> BTreeMap<String, Vec<Rule>> {
    let mut out = BTreeMap::new();
    let Some(controllers) = controllers(policy) else {
        return out;
    };
    for kind in controllers
        .iter()
        .filter(|k| POD_CONTROLLERS.contains(&k.as_str()))
    {
        let generated: Vec<Rule> = policy
            .rules
            .iter()
            .filter_map(|rule| {
                if kind == "CronJob" {
                    cronjob_rule(rule)
                } else {
                    controller_rule(rule, std::slice::from_ref(kind))
                }
            })
            .filter_map(|raw| {
                let path = format!(
                    "autogen rule {}",
                    raw.get("name").and_then(Value::as_str).unwrap_or("")
                );
                Rule::from_value(&raw, &path).ok()
            })
            .collect();
        if !generated.is_empty() {
            out.insert(kind.clone(), generated);
        }
    }
    out
}

fn autogen_name(prefix: &str, name: &str) -> String {
    let mut full = format!("{prefix}-{name}");
    if full.len() > 63 {
        let mut cut = 63;
        while !full.is_char_boundary(cut) {
            cut -= 1;
        }
        full.truncate(cut);
    }
    full
}

/// The rule for pod controllers (not CronJob), before the variable rewriting.
fn controller_rule_unconverted(rule: &Rule, kinds: &[String]) -> Option<Value> {
    if rule.name.starts_with("autogen-") || kinds.is_empty() {
        return None;
    }
    let match_kinds = rule.match_.kinds();
    let exclude_kinds = rule.exclude.as_ref().map(|e| e.kinds()).unwrap_or_default();
    if !contains_kind(&match_kinds, "Pod")
        || (!exclude_kinds.is_empty() && !contains_kind(&exclude_kinds, "Pod"))
    {
        return None;
    }
    let mut kinds: Vec<String> = kinds.to_vec();
    kinds.sort();
    generate_rule(
        &autogen_name("autogen", &rule.name),
        &rule.raw,
        "template",
        &kinds,
        replace_pod_filter_kinds,
    )
}

fn controller_rule(rule: &Rule, kinds: &[String]) -> Option<Value> {
    controller_rule_unconverted(rule, kinds).map(|raw| rewrite_variables(raw, "spec.template."))
}

fn cronjob_rule(rule: &Rule) -> Option<Value> {
    let inner_raw = controller_rule_unconverted(rule, &["CronJob".to_owned()])?;
    let generated = generate_rule(
        &autogen_name("autogen-cronjob", &rule.name),
        &inner_raw,
        "jobTemplate",
        &["CronJob".to_owned()],
        |filters, kinds| {
            for filter in filters.iter_mut() {
                set_kinds(filter, kinds);
            }
        },
    )?;
    Some(rewrite_variables(
        generated,
        "spec.jobTemplate.spec.template.",
    ))
}

fn set_kinds(filter: &mut Value, kinds: &[String]) {
    let gvks: Vec<Value> = kinds
        .iter()
        .map(|k| Value::String(controller_gvk(k)))
        .collect();
    if let Some(map) = filter.as_object_mut() {
        let resources = map.entry("resources").or_insert_with(|| json!({}));
        if let Some(resources) = resources.as_object_mut() {
            resources.insert("kinds".to_owned(), Value::Array(gvks));
        }
    }
}

fn filter_kinds(filter: &Value) -> Vec<&str> {
    filter
        .get("resources")
        .and_then(|r| r.get("kinds"))
        .and_then(Value::as_array)
        .map(|kinds| kinds.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn replace_pod_filter_kinds(filters: &mut [Value], kinds: &[String]) {
    for filter in filters.iter_mut() {
        if contains_kind(&filter_kinds(filter), "Pod") {
            set_kinds(filter, kinds);
        }
    }
}

/// Kyverno's `generateRule`: rewrites match/exclude kinds and wraps the validation under
/// `spec.<template_key>`.
fn generate_rule(
    name: &str,
    raw: &Value,
    template_key: &str,
    kinds: &[String],
    rewrite_filters: impl Fn(&mut [Value], &[String]),
) -> Option<Value> {
    let mut rule = raw.as_object()?.clone();
    rule.insert("name".to_owned(), Value::String(name.to_owned()));
    for (key, is_match) in [("match", true), ("exclude", false)] {
        let Some(Value::Object(block)) = rule.get_mut(key) else {
            continue;
        };
        let non_empty =
            |v: Option<&Value>| v.and_then(Value::as_array).is_some_and(|a| !a.is_empty());
        if non_empty(block.get("any")) {
            if let Some(Value::Array(filters)) = block.get_mut("any") {
                rewrite_filters(filters, kinds);
            }
        } else if non_empty(block.get("all")) {
            if let Some(Value::Array(filters)) = block.get_mut("all") {
                rewrite_filters(filters, kinds);
            }
        } else {
            let has_kinds = block
                .get("resources")
                .and_then(|r| r.get("kinds"))
                .and_then(Value::as_array)
                .is_some_and(|k| !k.is_empty());
            if is_match || has_kinds {
                let gvks: Vec<Value> = kinds
                    .iter()
                    .map(|k| Value::String(controller_gvk(k)))
                    .collect();
                let resources = block.entry("resources").or_insert_with(|| json!({}));
                if let Some(resources) = resources.as_object_mut() {
                    resources.insert("kinds".to_owned(), Value::Array(gvks));
                }
            }
        }
    }
    let Some(validate) = rule.get("validate").and_then(Value::as_object).cloned() else {
        // Mutate and verifyImages rules are generated for controllers too; kanon does not
        // evaluate them yet, so the generated rule keeps its body unchanged and reports
        // itself as unsupported, as the Pod rule does.
        let unsupported = ["mutate", "verifyImages"]
            .iter()
            .any(|key| rule.get(*key).is_some_and(|v| !v.is_null()));
        return unsupported.then_some(Value::Object(rule));
    };
    let mut kept = Map::new();
    for key in [
        "message",
        "failureAction",
        "failureActionOverrides",
        "allowExistingViolations",
    ] {
        if let Some(value) = validate.get(key).filter(|v| !v.is_null()) {
            kept.insert(key.to_owned(), value.clone());
        }
    }
    let wrap = |pattern: &Value| json!({"spec": {template_key: pattern}});
    let new_validate = if let Some(pattern) = validate.get("pattern").filter(|p| !p.is_null()) {
        kept.insert("pattern".to_owned(), wrap(pattern));
        kept
    } else if let Some(deny) = validate.get("deny").filter(|d| !d.is_null()) {
        kept.insert("deny".to_owned(), deny.clone());
        kept
    } else if let Some(pss) = validate.get("podSecurity").filter(|p| !p.is_null()) {
        kept.insert("podSecurity".to_owned(), pss.clone());
        kept
    } else if let Some(any) = validate.get("anyPattern").filter(|p| !p.is_null()) {
        let patterns: Vec<Value> = any
            .as_array()
            .map(|items| items.iter().map(wrap).collect())
            .unwrap_or_default();
        kept.insert("anyPattern".to_owned(), Value::Array(patterns));
        kept
    } else if let Some(foreach) = validate
        .get("foreach")
        .and_then(Value::as_array)
        .filter(|f| !f.is_empty())
    {
        kept.insert("foreach".to_owned(), Value::Array(foreach.clone()));
        kept
    } else if validate.get("cel").is_some_and(|c| !c.is_null()) {
        validate
    } else {
        return None;
    };
    rule.insert("validate".to_owned(), Value::Object(new_validate));
    for key in ["mutate", "generate", "verifyImages"] {
        rule.remove(key);
    }
    Some(Value::Object(rule))
}

/// Kyverno's blind text replacement of `request.object.spec`/`metadata` paths over the whole
/// generated rule.
/// Rules with `validate.cel` get CEL's variable names instead (`object.spec`...), replaced
/// one after the other like Kyverno does (so `oldObject.spec`, already rewritten by the
/// `object.spec` replacement, is rewritten twice, as in Kyverno).
fn rewrite_variables(rule: Value, insert: &str) -> Value {
    let cel = rule
        .get("validate")
        .and_then(|v| v.get("cel"))
        .is_some_and(|c| !c.is_null());
    let prefix = if cel { "" } else { "request." };
    let mut replaced = rule.to_string();
    for (variable, field) in [
        ("object", "spec"),
        ("oldObject", "spec"),
        ("object", "metadata"),
        ("oldObject", "metadata"),
    ] {
        replaced = replaced.replace(
            &format!("{prefix}{variable}.{field}"),
            &format!("{prefix}{variable}.{insert}{field}"),
        );
    }
    serde_json::from_str(&replaced).unwrap_or(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(rules: Value, annotations: Value) -> KyvernoPolicy {
        KyvernoPolicy::from_value(&json!({
            "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
            "metadata": {"name": "p", "annotations": annotations},
            "spec": {"rules": rules},
        }))
        .unwrap()
    }

    #[test]
    fn pod_rules_are_generated_for_controllers() {
        let p = policy(
            json!([{"name": "check", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                     "validate": {"message": "m", "pattern": {"spec": {"containers": [{"image": "!*:latest"}]}}},
                     "preconditions": {"all": [{"key": "{{request.object.metadata.name}}", "operator": "NotEquals", "value": ""}]}}]),
            json!({}),
        );
        let deployment = p.rules_for_kind("Deployment");
        assert_eq!(deployment.len(), 2);
        let generated = deployment[1];
        assert_eq!(generated.name, "autogen-check");
        assert_eq!(
            generated.match_.any[0].resources.kinds,
            ["apps/v1/Deployment"]
        );
        assert_eq!(
            generated.validate.as_ref().unwrap().pattern,
            Some(json!({"spec": {"template": {"spec": {"containers": [{"image": "!*:latest"}]}}}}))
        );
        assert!(generated
            .raw
            .to_string()
            .contains("request.object.spec.template.metadata.name"));
        let cronjob = p.rules_for_kind("CronJob");
        assert_eq!(cronjob[1].name, "autogen-cronjob-check");
        assert_eq!(
            cronjob[1].validate.as_ref().unwrap().pattern,
            Some(
                json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"image": "!*:latest"}]}}}}}})
            )
        );
        assert!(cronjob[1]
            .raw
            .to_string()
            .contains("request.object.spec.jobTemplate.spec.template.metadata.name"));
        assert_eq!(p.rules_for_kind("Pod").len(), 1);
    }

    #[test]
    fn annotations_and_selectors_limit_autogen() {
        let rules = json!([{"name": "r", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "validate": {"deny": {}}}]);
        let some = policy(rules.clone(), json!({CONTROLLERS_ANNOTATION: "Deployment"}));
        assert_eq!(some.rules_for_kind("Deployment").len(), 2);
        assert_eq!(some.rules_for_kind("CronJob").len(), 1);
        let none = policy(rules, json!({CONTROLLERS_ANNOTATION: "none"}));
        assert_eq!(none.rules_for_kind("Deployment").len(), 1);
        let selected = policy(
            json!([{"name": "r", "match": {"any": [{"resources": {"kinds": ["Pod"], "selector": {"matchLabels": {"a": "b"}}}}]}, "validate": {"deny": {}}}]),
            json!({}),
        );
        assert_eq!(selected.rules_for_kind("Deployment").len(), 1);
    }
}
