//! `validate.cel` rules of kyverno.io policies: Kubernetes admission CEL (the environment of
//! ValidatingAdmissionPolicy, without Kyverno's CEL libraries), with `celPreconditions`,
//! `variables` and `expressions`, evaluated as Kyverno does: the validator runs fail-closed,
//! so an evaluation error is a `fail`, not an `error`.

use crate::evaluate::{PolicyInput, RuleResponse, RuleStatus};
use kanon_core::kinds;
use kanon_vap::compile::{
    admission_env, compile_named, compile_validations, CompiledNamed, CompiledValidation,
};
use kanon_vap::evaluate::{
    activation, check, params_in_namespace, Budget, Checked, RUNTIME_COST_BUDGET,
};
use kanon_vap::model::{NamedExpression, ParamKind, ParamRef, Validation};
use serde_json::{json, Value};

/// A compiled `validate.cel` block.
#[derive(Debug, Clone)]
pub struct CelRule {
    expressions: Vec<CompiledValidation>,
    variables: Vec<CompiledNamed>,
    preconditions: Vec<CompiledNamed>,
    /// `validate.message`: the default message of expressions without one.
    default_message: Option<String>,
    /// `paramKind` and `paramRef`: the rule runs once per parameter object.
    params: Option<(ParamKind, ParamRef)>,
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

    /// The `(apiVersion, kind)` of the rule's parameters, if it takes any.
    pub fn param_kind(&self) -> Option<(&str, &str)> {
        self.params
            .as_ref()
            .map(|(kind, _)| (kind.api_version.as_str(), kind.kind.as_str()))
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
        let field = |key: &str| cel.get(key).filter(|v| !v.is_null());
        let params = match (field("paramKind"), field("paramRef")) {
            (None, None) => None,
            (Some(kind), Some(reference)) => Some((
                serde_json::from_value(kind.clone())
                    .map_err(|e| format!("validate.cel.paramKind: {e}"))?,
                serde_json::from_value(reference.clone())
                    .map_err(|e| format!("validate.cel.paramRef: {e}"))?,
            )),
            (Some(_), None) => return Err("validate.cel.paramKind is set without paramRef".into()),
            (None, Some(_)) => return Err("validate.cel.paramRef is set without paramKind".into()),
        };
        Ok(CelRule {
            expressions: compile_validations(&env, &expressions, "validate.cel.expressions"),
            variables: compile_named(&env, &variables, "validate.cel.variables"),
            preconditions: compile_named(&env, &preconditions, "celPreconditions"),
            default_message: message.map(str::to_owned).filter(|m| !m.is_empty()),
            params,
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
    let params = match &cel.params {
        None => vec![&Value::Null],
        Some((kind, reference)) => {
            let namespace = request.get("namespace").and_then(Value::as_str);
            match collect_params(kind, reference, namespace.unwrap_or(""), input) {
                Ok(params) => params,
                Err(e) => {
                    return RuleResponse::new(
                        rule_name,
                        RuleStatus::Error,
                        format!("error in parameterized resource: {e}"),
                    )
                }
            }
        }
    };
    // Every parameter object is checked in turn (none found and no `Deny`: nothing to check).
    for param in params {
        let act = match activation(
            input.object,
            input.old_object,
            &request,
            param,
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
    }
    RuleResponse::new(
        rule_name,
        RuleStatus::Pass,
        format!("Validation rule '{rule_name}' passed."),
    )
}

/// The parameter objects of a rule, found as Kyverno finds them in the cluster: by name, or
/// by label selector, in `paramRef.namespace` or the request's namespace for namespaced kinds.
fn collect_params<'a>(
    kind: &ParamKind,
    reference: &ParamRef,
    request_namespace: &str,
    input: &PolicyInput<'a>,
) -> Result<Vec<&'a Value>, String> {
    let group = kind.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let reference_namespace = reference.namespace.as_deref().unwrap_or("");
    let namespace = if kinds::is_namespaced(group, &kind.kind) {
        match (reference_namespace, request_namespace) {
            ("", "") => {
                return Err(
                    "can't use namespaced paramRef to match cluster-scoped resources".to_owned(),
                )
            }
            ("", ns) | (ns, _) => Some(ns),
        }
    } else if !reference_namespace.is_empty() {
        return Err(
            "paramRef.namespace must not be provided for a cluster-scoped `paramKind`".to_owned(),
        );
    } else {
        None
    };
    let candidates = params_in_namespace(input.params, kind, namespace.is_some(), namespace);
    let mut found = Vec::new();
    if let Some(name) = reference.name.as_deref().filter(|n| !n.is_empty()) {
        let object = candidates
            .into_iter()
            .find(|o| kanon_core::object::name(o) == name)
            .ok_or_else(|| match namespace {
                Some(ns) => format!("{} {ns}/{name} not found", kind.kind),
                None => format!("{} {name} not found", kind.kind),
            })?;
        return Ok(vec![object]);
    }
    if let Some(selector) = &reference.selector {
        for object in candidates {
            let labels = kanon_vap::evaluate::labels_of(Some(object)).unwrap_or_default();
            if selector.matches(&labels)? {
                found.push(object);
            }
        }
    }
    if found.is_empty() && reference.parameter_not_found_action.as_deref() == Some("Deny") {
        return Err("no params found".to_owned());
    }
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use crate::evaluate::{NoValues, PolicyInput, RuleStatus};
    use crate::{evaluate_policy, KyvernoPolicy};
    use kanon_core::GroupVersionKind;
    use serde_json::{json, Value};

    fn policy(param_ref: Value) -> KyvernoPolicy {
        KyvernoPolicy::from_value(&json!({
            "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
            "metadata": {"name": "replicas"},
            "spec": {"validationFailureAction": "Enforce", "rules": [{
                "name": "max",
                "match": {"any": [{"resources": {"kinds": ["Deployment"]}}]},
                "validate": {"cel": {
                    "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
                    "paramRef": param_ref,
                    "expressions": [{
                        "expression": "object.spec.replicas <= int(params.data.max)",
                        "messageExpression": "'at most ' + params.data.max"
                    }]
                }}
            }]}
        }))
        .unwrap()
    }

    fn config_map(name: &str, namespace: &str, max: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": name, "namespace": namespace, "labels": {"limits": "yes"}},
               "data": {"max": max}})
    }

    fn run(policy: &KyvernoPolicy, params: &[Value]) -> (RuleStatus, String) {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"}, "spec": {"replicas": 4}});
        let kind = GroupVersionKind::from_api_version("apps/v1", "Deployment");
        let responses = evaluate_policy(
            policy,
            &PolicyInput {
                object: &deployment,
                old_object: &Value::Null,
                kind: &kind,
                subresource: "",
                operation: "CREATE",
                namespace_labels: &Default::default(),
                user: None,
                values: &NoValues,
                exceptions: &[],
                params: &kanon_vap::ParamList(params),
            },
        );
        let response = responses.into_iter().next().unwrap();
        (response.status, response.message)
    }

    #[test]
    fn a_named_parameter_in_the_request_namespace() {
        let policy = policy(json!({"name": "limits"}));
        let params = [
            config_map("limits", "shop", "3"),
            config_map("limits", "dev", "9"),
        ];
        assert_eq!(
            run(&policy, &params),
            (RuleStatus::Fail, "at most 3".to_owned())
        );
        let params = [config_map("limits", "shop", "5")];
        assert_eq!(run(&policy, &params).0, RuleStatus::Pass);
        let (status, message) = run(&policy, &[config_map("limits", "dev", "9")]);
        assert_eq!(status, RuleStatus::Error);
        assert_eq!(
            message,
            "error in parameterized resource: ConfigMap shop/limits not found"
        );
    }

    #[test]
    fn selected_parameters_are_each_checked() {
        let selected =
            policy(json!({"namespace": "dev", "selector": {"matchLabels": {"limits": "yes"}}}));
        let params = [config_map("a", "dev", "9"), config_map("b", "dev", "2")];
        assert_eq!(
            run(&selected, &params),
            (RuleStatus::Fail, "at most 2".to_owned())
        );
        // None selected: nothing to check, unless parameterNotFoundAction is Deny.
        assert_eq!(run(&selected, &[]).0, RuleStatus::Pass);
        let deny = policy(json!({"selector": {}, "parameterNotFoundAction": "Deny"}));
        assert_eq!(
            run(&deny, &[]),
            (
                RuleStatus::Error,
                "error in parameterized resource: no params found".to_owned()
            )
        );
    }
}
