//! Evaluating a ValidatingAdmissionPolicy on one request, as the API server does: each
//! binding that selects the request (with the policy's own `matchConstraints`) is evaluated
//! against each of its parameter objects; `matchConditions` decide applicability; the first
//! validation that fails or errs decides the outcome.

use crate::compile::{Binding, Compiled, CompiledNamed, CompiledPolicy, CompiledValidation};
use crate::matching::{MatchOutcome, RequestFacts};
use crate::model::MatchResources;
use kanon_cel::Activation;
use kanon_core::{AdmissionRequest, LabelSelector, Labels};
use serde_json::{json, Value};
use std::sync::Arc;

/// The longest message a `messageExpression` may produce (the API server's limit).
const MAX_MESSAGE_BYTES: usize = 5 * 1024;

/// Where parameter objects come from (the test's `paramResources`, `-f` inputs, or the
/// cluster).
pub trait ParamSource {
    /// Every known object of this `apiVersion` and `kind`.
    fn objects(&self, api_version: &str, kind: &str) -> Vec<&Value>;
}

/// No parameter objects.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoParams;

/// Parameter objects in a slice.
#[derive(Debug, Clone, Copy)]
pub struct ParamList<'a>(pub &'a [Value]);

impl ParamSource for ParamList<'_> {
    fn objects(&self, api_version: &str, kind: &str) -> Vec<&Value> {
        objects_of_kind(self.0, api_version, kind)
    }
}

/// The objects of `list` with this `apiVersion` and `kind`.
pub fn objects_of_kind<'a>(list: &'a [Value], api_version: &str, kind: &str) -> Vec<&'a Value> {
    list.iter()
        .filter(|o| {
            kanon_core::object::api_version(o) == api_version && kanon_core::object::kind(o) == kind
        })
        .collect()
}

impl ParamSource for NoParams {
    fn objects(&self, _: &str, _: &str) -> Vec<&Value> {
        Vec::new()
    }
}

/// One request, with what is known around it.
pub struct Input<'a> {
    /// The request.
    pub request: &'a AdmissionRequest,
    /// The request's Namespace object (`namespaceObject`), when known.
    pub namespace_object: Option<&'a Value>,
    /// Labels of the request's namespace (or of a Namespace object itself), when known.
    pub namespace_labels: Option<&'a Labels>,
    /// Parameter objects.
    pub params: &'a dyn ParamSource,
    /// Data for host functions (Kyverno's libraries), if any.
    pub host: Option<&'a (dyn std::any::Any + Sync)>,
}

/// What a binding decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every validation holds.
    Pass,
    /// The policy does not apply (a match condition is false, or a failure was ignored).
    Skip(String),
    /// A validation failed: the request is denied (or warned/audited, per the actions).
    Fail {
        /// The message as the API server words it.
        message: String,
        /// `reason` of the failing validation (`Invalid` by default).
        reason: String,
    },
    /// The policy could not be evaluated (compile or evaluation error, `failurePolicy: Fail`).
    Error(String),
}

/// The outcome of one binding (or of the policy itself when it is evaluated unbound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The binding's name; `None` for an unbound evaluation.
    pub binding: Option<String>,
    /// `validationActions` of the binding (`Deny` for an unbound evaluation).
    pub actions: Vec<String>,
    /// The outcome.
    pub outcome: Outcome,
}

/// Facts and CEL inputs prepared once per request and shared by every policy evaluated on
/// it (see [`evaluate_prepared`]).
pub struct Prepared<'a> {
    object: &'a Value,
    old_object: &'a Value,
    request: std::cell::OnceCell<Value>,
    namespace_object: &'a Value,
    facts_labels: (Option<Labels>, Option<Labels>),
}

impl<'a> Prepared<'a> {
    /// Prepares `input`'s request; the `request` variable is built when a policy first
    /// matches.
    pub fn new(input: &Input<'a>) -> Self {
        let request = input.request;
        Prepared {
            object: request.object.as_ref().unwrap_or(&NULL),
            old_object: request.old_object.as_ref().unwrap_or(&NULL),
            request: std::cell::OnceCell::new(),
            namespace_object: input.namespace_object.unwrap_or(&NULL),
            facts_labels: (
                labels_of(request.object.as_ref()),
                labels_of(request.old_object.as_ref()),
            ),
        }
    }
}

/// The labels of an object (`None` when there is no object).
pub fn labels_of(object: Option<&Value>) -> Option<Labels> {
    let object = object.filter(|o| !o.is_null())?;
    Some(
        object
            .get("metadata")
            .and_then(|m| m.get("labels"))
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// The `request` variable: the admission request without its objects.
pub fn request_value(request: &AdmissionRequest) -> Value {
    let kind = json!({
        "group": request.kind.group,
        "version": request.kind.version,
        "kind": request.kind.kind,
    });
    let resource = json!({
        "group": request.resource.group,
        "version": request.resource.version,
        "resource": request.resource.resource,
    });
    let mut value = json!({
        "uid": request.uid,
        "kind": kind,
        "resource": resource,
        "requestKind": kind,
        "requestResource": resource,
        "name": request.name,
        "namespace": request.namespace.as_deref().unwrap_or(""),
        "operation": request.operation.as_str(),
        "userInfo": serde_json::to_value(&request.user_info).unwrap_or(Value::Null),
        "dryRun": request.dry_run,
    });
    if let Some(map) = value.as_object_mut() {
        if let Some(sub) = request.sub_resource.as_deref().filter(|s| !s.is_empty()) {
            map.insert("subResource".to_owned(), json!(sub));
            map.insert("requestSubResource".to_owned(), json!(sub));
        }
        if let Some(options) = &request.options {
            map.insert("options".to_owned(), options.clone());
        }
    }
    value
}

/// The matching facts of a request.
pub fn facts<'a>(
    request: &'a AdmissionRequest,
    labels: &'a (Option<Labels>, Option<Labels>),
    namespace_labels: Option<&'a Labels>,
) -> RequestFacts<'a> {
    RequestFacts {
        group: &request.resource.group,
        version: &request.resource.version,
        resource: &request.resource.resource,
        subresource: request.sub_resource.as_deref().unwrap_or(""),
        operation: request.operation.as_str(),
        name: &request.name,
        namespace: request.namespace.as_deref().unwrap_or(""),
        object_labels: labels.0.as_ref(),
        old_object_labels: labels.1.as_ref(),
        namespace_labels,
    }
}

static NULL: Value = Value::Null;

/// Evaluates `policy` on a request through `bindings` (those whose `policyName` is the
/// policy's). With no binding at all, the policy is evaluated as if bound to everything its
/// `matchConstraints` select with `Deny` — how offline tools run an unbound policy.
pub fn evaluate(
    policy: &CompiledPolicy,
    bindings: &[&Binding],
    input: &Input<'_>,
) -> Vec<Decision> {
    evaluate_prepared(policy, bindings, input, &Prepared::new(input))
}

/// [`evaluate`] with the request prepared by the caller, once for many policies.
pub fn evaluate_prepared(
    policy: &CompiledPolicy,
    bindings: &[&Binding],
    input: &Input<'_>,
    prepared: &Prepared<'_>,
) -> Vec<Decision> {
    let request = input.request;
    let facts = facts(request, &prepared.facts_labels, input.namespace_labels);
    let decide = |binding: Option<&Binding>, outcome: Outcome| Decision {
        binding: binding.map(|b| b.name.clone()),
        actions: binding.map_or_else(
            || vec!["Deny".to_owned()],
            |b| b.spec.validation_actions.clone(),
        ),
        outcome,
    };
    match matches(policy.spec.match_constraints.as_ref(), &facts) {
        Ok(true) => {}
        Ok(false) => return Vec::new(),
        Err(e) => {
            return vec![decide(
                None,
                Outcome::Error(format!("matchConstraints: {e}")),
            )]
        }
    }
    if bindings.is_empty() {
        let outcome = run(policy, None, None, prepared, input);
        return vec![decide(None, outcome)];
    }
    let mut out = Vec::new();
    for binding in bindings {
        if let Some(resources) = &binding.spec.match_resources {
            match resources
                .matches_binding(&facts)
                .map(|o| o == MatchOutcome::Matched)
            {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    out.push(decide(
                        Some(binding),
                        Outcome::Error(format!("matchResources: {e}")),
                    ));
                    continue;
                }
            }
        }
        let outcome = match resolve_params(policy, binding, input) {
            Err(outcome) => outcome,
            Ok(None) => run(policy, Some(binding), None, prepared, input),
            Ok(Some(params)) => params
                .into_iter()
                .map(|p| run(policy, Some(binding), Some(p), prepared, input))
                .find(|o| *o != Outcome::Pass)
                .unwrap_or(Outcome::Pass),
        };
        out.push(decide(Some(binding), outcome));
    }
    out
}

fn matches(resources: Option<&MatchResources>, facts: &RequestFacts<'_>) -> Result<bool, String> {
    match resources {
        None => Ok(false),
        Some(r) => Ok(r.matches(facts)? == MatchOutcome::Matched),
    }
}

/// The parameter objects of a binding: `Ok(None)` when the policy takes none; `Err` with the
/// outcome when they cannot be found.
fn resolve_params<'a>(
    policy: &CompiledPolicy,
    binding: &Binding,
    input: &Input<'a>,
) -> Result<Option<Vec<&'a Value>>, Outcome> {
    let Some(kind) = &policy.spec.param_kind else {
        return Ok(None);
    };
    let Some(reference) = &binding.spec.param_ref else {
        return Err(Outcome::Error(format!(
            "policy {:?} has paramKind {}/{} but binding {:?} has no paramRef",
            policy.name, kind.api_version, kind.kind, binding.name
        )));
    };
    let group = kind.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let namespaced = kanon_core::kinds::is_namespaced(group, &kind.kind);
    let request_namespace = input.request.namespace.as_deref().unwrap_or("");
    let namespace = reference
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .or((namespaced && !request_namespace.is_empty()).then_some(request_namespace));
    let selector = reference
        .selector
        .clone()
        .unwrap_or_else(LabelSelector::default);
    let mut found = Vec::new();
    for object in params_in_namespace(input.params, kind, namespaced, namespace) {
        let selected = match reference.name.as_deref().filter(|n| !n.is_empty()) {
            Some(name) => kanon_core::object::name(object) == name,
            None => {
                let labels = labels_of(Some(object)).unwrap_or_default();
                selector
                    .matches(&labels)
                    .map_err(|e| Outcome::Error(format!("paramRef.selector: {e}")))?
            }
        };
        if selected {
            found.push(object);
        }
    }
    if found.is_empty() {
        return Err(match reference.parameter_not_found_action.as_deref() {
            Some("Allow") => {
                Outcome::Skip("no params found; parameterNotFoundAction is Allow".to_owned())
            }
            _ => Outcome::Fail {
                message: deny_message(
                    policy,
                    Some(binding),
                    "no params found for policy binding with `Deny` parameterNotFoundAction",
                ),
                reason: "Invalid".to_owned(),
            },
        });
    }
    Ok(Some(found))
}

/// The parameter objects of `kind` in `namespace` (all of them when `None`). Objects of a
/// namespaced kind written without a namespace live in `default`, as with kubectl.
pub fn params_in_namespace<'a>(
    params: &'a dyn ParamSource,
    kind: &crate::model::ParamKind,
    namespaced: bool,
    namespace: Option<&str>,
) -> Vec<&'a Value> {
    let mut objects = params.objects(&kind.api_version, &kind.kind);
    if let Some(namespace) = namespace {
        objects.retain(|object| {
            let own = kanon_core::object::namespace(object).unwrap_or("");
            let own = if own.is_empty() && namespaced {
                "default"
            } else {
                own
            };
            own == namespace
        });
    }
    objects
}

/// `ValidatingAdmissionPolicy 'p' with binding 'b' denied request: <message>`.
pub fn deny_message(policy: &CompiledPolicy, binding: Option<&Binding>, message: &str) -> String {
    match binding {
        Some(b) => format!(
            "ValidatingAdmissionPolicy '{}' with binding '{}' denied request: {message}",
            policy.name, b.name
        ),
        None => format!(
            "ValidatingAdmissionPolicy '{}' denied request: {message}",
            policy.name
        ),
    }
}

/// Binds the admission variables of one evaluation.
pub fn activation<'a>(
    object: &'a Value,
    old_object: &'a Value,
    request: &'a Value,
    params: &'a Value,
    namespace_object: &'a Value,
    variables: &[CompiledNamed],
    host: Option<&'a (dyn std::any::Any + Sync)>,
) -> Result<Activation<'a>, String> {
    let mut act = Activation::new();
    act.bind_json("object", object);
    act.bind_json("oldObject", old_object);
    act.bind_json("request", request);
    act.bind_json("params", params);
    act.bind_json("namespaceObject", namespace_object);
    let mut fields = Vec::with_capacity(variables.len());
    for variable in variables {
        match &variable.expression.program {
            Ok(program) => fields.push((variable.name.clone(), Arc::clone(program))),
            Err(e) => {
                return Err(format!(
                    "variable {:?}: compilation failed: {e}",
                    variable.name
                ))
            }
        }
    }
    act.bind_lazy("variables", fields);
    if let Some(host) = host {
        act.set_host(host);
    }
    Ok(act)
}

/// Kubernetes' runtime cost budget for one evaluation of a policy binding (validations and
/// message expressions together).
pub const RUNTIME_COST_BUDGET: u64 = 10_000_000;

/// What is left of an evaluation's cost budget. Each expression also stays within the
/// per-call limit ([`kanon_cel::DEFAULT_COST_LIMIT`]).
#[derive(Debug)]
pub struct Budget(std::cell::Cell<u64>);

impl Budget {
    /// A budget of `total` cost units.
    pub fn new(total: u64) -> Budget {
        Budget(std::cell::Cell::new(total))
    }

    /// Only the per-call limit applies (Kyverno's ValidatingPolicies have no aggregate one).
    pub fn per_call_only() -> Budget {
        Budget::new(u64::MAX)
    }

    fn run<'a>(
        &self,
        program: &kanon_cel::Program,
        act: &Activation<'a>,
    ) -> Result<kanon_cel::Value<'a>, String> {
        let remaining = self.0.get();
        let limit = remaining.min(kanon_cel::DEFAULT_COST_LIMIT);
        let (result, cost) = program.eval_with_limit(act, limit);
        self.0.set(remaining.saturating_sub(cost));
        result.map_err(|e| match e {
            kanon_cel::EvalError::CostLimitExceeded if limit < kanon_cel::DEFAULT_COST_LIMIT => {
                "validation failed due to running out of cost budget, no further validation rules will be run".to_owned()
            }
            other => other.to_string(),
        })
    }
}

/// Evaluates a compiled boolean expression within `budget`.
pub fn eval_bool(
    compiled: &Compiled,
    act: &Activation<'_>,
    budget: &Budget,
) -> Result<bool, String> {
    let program = compiled
        .program
        .as_ref()
        .map_err(|e| format!("{}: compilation failed: {e}", compiled.path))?;
    let value = budget
        .run(program, act)
        .map_err(|e| format!("expression '{}' resulted in error: {e}", compiled.source))?;
    value.as_bool().ok_or_else(|| {
        format!(
            "expression '{}' resulted in a non-boolean value",
            compiled.source
        )
    })
}

/// The message of a `messageExpression`, if it yields a usable string (non-empty after
/// trimming, at most 5 KiB, on one line), as the API server accepts it.
pub fn eval_message(compiled: &Compiled, act: &Activation<'_>, budget: &Budget) -> Option<String> {
    let program = compiled.program.as_ref().ok()?;
    let value = budget.run(program, act).ok()?;
    let text = value.as_str()?.trim();
    (!text.is_empty() && text.len() <= MAX_MESSAGE_BYTES && !text.contains(['\n', '\r']))
        .then(|| text.to_owned())
}

/// What conditions and validations decided, the API server's way: a false condition makes
/// the policy not apply; condition errors (without a false one) fail; then the first
/// validation that errs or is false decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Every condition and validation holds.
    Passed,
    /// This condition is false.
    ConditionFalse(String),
    /// Conditions erred (none was false).
    ConditionErrors(String),
    /// A validation is false.
    Failed {
        /// `messageExpression`'s result, else `message`, else the default, else
        /// `failed expression: <source>`.
        message: String,
        /// `reason` (`Invalid` by default).
        reason: String,
    },
    /// A validation erred.
    Error(String),
}

/// Evaluates conditions, then validations (see [`Checked`]).
pub fn check(
    conditions: &[CompiledNamed],
    validations: &[CompiledValidation],
    act: &Activation<'_>,
    default_message: Option<&str>,
    budget: &Budget,
) -> Checked {
    let mut errors = Vec::new();
    for condition in conditions {
        match eval_bool(&condition.expression, act, budget) {
            Ok(true) => {}
            Ok(false) => return Checked::ConditionFalse(condition.name.clone()),
            Err(e) => errors.push(format!("condition {:?}: {e}", condition.name)),
        }
    }
    if !errors.is_empty() {
        return Checked::ConditionErrors(errors.join("; "));
    }
    for validation in validations {
        match eval_bool(&validation.expression, act, budget) {
            Ok(true) => {}
            Ok(false) => {
                let message = validation
                    .message_expression
                    .as_ref()
                    .and_then(|m| eval_message(m, act, budget))
                    .or_else(|| validation.message.clone())
                    .or_else(|| default_message.map(str::to_owned))
                    .unwrap_or_else(|| {
                        format!("failed expression: {}", validation.expression.source)
                    });
                return Checked::Failed {
                    message,
                    reason: validation
                        .reason
                        .clone()
                        .unwrap_or_else(|| "Invalid".to_owned()),
                };
            }
            Err(e) => return Checked::Error(e),
        }
    }
    Checked::Passed
}

fn run(
    policy: &CompiledPolicy,
    binding: Option<&Binding>,
    params: Option<&Value>,
    prepared: &Prepared<'_>,
    input: &Input<'_>,
) -> Outcome {
    let failure = |message: String| {
        if policy.ignores_failures() {
            Outcome::Skip(format!("failurePolicy is Ignore: {message}"))
        } else {
            Outcome::Error(message)
        }
    };
    let act = match activation(
        prepared.object,
        prepared.old_object,
        prepared
            .request
            .get_or_init(|| request_value(input.request)),
        params.unwrap_or(&NULL),
        prepared.namespace_object,
        &policy.variables,
        input.host,
    ) {
        Ok(act) => act,
        Err(e) => return failure(e),
    };
    let budget = Budget::new(RUNTIME_COST_BUDGET);
    match check(
        &policy.match_conditions,
        &policy.validations,
        &act,
        None,
        &budget,
    ) {
        Checked::Passed => Outcome::Pass,
        Checked::ConditionFalse(name) => {
            Outcome::Skip(format!("match condition {name:?} is false"))
        }
        Checked::Failed { message, reason } => Outcome::Fail {
            message: deny_message(policy, binding, &message),
            reason,
        },
        Checked::ConditionErrors(e) | Checked::Error(e) => failure(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kanon_core::{GroupVersionKind, GroupVersionResource, Operation};

    fn policy(spec: Value) -> CompiledPolicy {
        CompiledPolicy::from_value(&json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": "replicas"},
            "spec": spec,
        }))
        .unwrap()
    }

    fn binding(spec: Value) -> Binding {
        Binding::from_value(&json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": "replicas-binding"},
            "spec": spec,
        }))
        .unwrap()
    }

    fn deployment(replicas: i64) -> AdmissionRequest {
        AdmissionRequest {
            kind: GroupVersionKind {
                group: "apps".into(),
                version: "v1".into(),
                kind: "Deployment".into(),
            },
            resource: GroupVersionResource {
                group: "apps".into(),
                version: "v1".into(),
                resource: "deployments".into(),
            },
            name: "web".into(),
            namespace: Some("shop".into()),
            operation: Operation::Create,
            object: Some(json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop", "labels": {"tier": "front"}},
                "spec": {"replicas": replicas}
            })),
            ..AdmissionRequest::default()
        }
    }

    struct Params(Vec<Value>);
    impl ParamSource for Params {
        fn objects(&self, _: &str, _: &str) -> Vec<&Value> {
            self.0.iter().collect()
        }
    }

    fn run(
        policy: &CompiledPolicy,
        bindings: &[&Binding],
        request: &AdmissionRequest,
        params: &Params,
    ) -> Vec<Decision> {
        let input = Input {
            request,
            namespace_object: None,
            namespace_labels: None,
            params,
            host: None,
        };
        evaluate(policy, bindings, &input)
    }

    fn deployments() -> Value {
        json!({"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["deployments"]}]})
    }

    #[test]
    fn validations_messages_and_bindings() {
        let p = policy(json!({
            "matchConstraints": deployments(),
            "variables": [{"name": "limit", "expression": "5"}],
            "validations": [
                {"expression": "object.spec.replicas <= variables.limit",
                 "messageExpression": "'replicas must be at most ' + string(variables.limit)"},
                {"expression": "object.spec.replicas > 0"}
            ]
        }));
        let none = Params(Vec::new());
        let unbound = run(&p, &[], &deployment(3), &none);
        assert_eq!(unbound.len(), 1);
        assert_eq!(unbound[0].outcome, Outcome::Pass);
        let too_many = run(&p, &[], &deployment(7), &none);
        assert_eq!(
            too_many[0].outcome,
            Outcome::Fail {
                message: "ValidatingAdmissionPolicy 'replicas' denied request: replicas must be at most 5".into(),
                reason: "Invalid".into(),
            }
        );
        let zero = run(&p, &[], &deployment(0), &none);
        assert!(matches!(&zero[0].outcome, Outcome::Fail { message, .. }
            if message.ends_with("failed expression: object.spec.replicas > 0")));
        // A binding that selects other objects leaves the request alone.
        let other = binding(
            json!({"policyName": "replicas", "validationActions": ["Warn"],
            "matchResources": {"objectSelector": {"matchLabels": {"tier": "back"}}}}),
        );
        assert!(run(&p, &[&other], &deployment(7), &none).is_empty());
        let front = binding(
            json!({"policyName": "replicas", "validationActions": ["Warn"],
            "matchResources": {"objectSelector": {"matchLabels": {"tier": "front"}}}}),
        );
        let warned = run(&p, &[&front], &deployment(7), &none);
        assert_eq!(warned[0].actions, ["Warn"]);
        assert!(matches!(&warned[0].outcome, Outcome::Fail { message, .. }
            if message.starts_with("ValidatingAdmissionPolicy 'replicas' with binding 'replicas-binding' denied request:")));
    }

    #[test]
    fn params_conditions_and_errors() {
        let p = policy(json!({
            "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
            "matchConstraints": deployments(),
            "matchConditions": [{"name": "not-system", "expression": "object.metadata.namespace != 'kube-system'"}],
            "validations": [{"expression": "object.spec.replicas <= int(params.data.max)", "message": "too many"}]
        }));
        let b = binding(
            json!({"policyName": "replicas", "validationActions": ["Deny"],
            "paramRef": {"name": "limits", "namespace": "shop", "parameterNotFoundAction": "Deny"}}),
        );
        let params = Params(vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "limits", "namespace": "shop"}, "data": {"max": "4"}})]);
        assert_eq!(
            run(&p, &[&b], &deployment(3), &params)[0].outcome,
            Outcome::Pass
        );
        assert!(matches!(
            run(&p, &[&b], &deployment(5), &params)[0].outcome,
            Outcome::Fail { .. }
        ));
        let missing = run(&p, &[&b], &deployment(3), &Params(Vec::new()));
        assert!(
            matches!(&missing[0].outcome, Outcome::Fail { message, .. } if message.contains("no params found"))
        );
        let mut system = deployment(3);
        system.namespace = Some("kube-system".into());
        if let Some(meta) = system.object.as_mut().and_then(|o| o.get_mut("metadata")) {
            meta["namespace"] = json!("kube-system");
        }
        assert!(matches!(
            run(&p, &[&b], &system, &params)[0].outcome,
            Outcome::Skip(_)
        ));
        // An expression that errs is an error (failurePolicy Fail), never a pass.
        let broken = policy(json!({
            "matchConstraints": deployments(),
            "validations": [{"expression": "object.spec.missing > 1"}]
        }));
        assert!(
            matches!(&run(&broken, &[], &deployment(1), &params)[0].outcome,
            Outcome::Error(message) if message.contains("no such key"))
        );
        let bad_syntax = policy(json!({
            "matchConstraints": deployments(),
            "validations": [{"expression": "object.spec.replicas >"}]
        }));
        assert!(
            matches!(&run(&bad_syntax, &[], &deployment(1), &params)[0].outcome,
            Outcome::Error(message) if message.contains("compilation failed"))
        );
    }

    #[test]
    fn the_policy_budget_is_shared_by_its_expressions() {
        let expensive = "lists.range(400).all(i, lists.range(400).all(j, i + j >= 0))";
        let p = policy(json!({
            "matchConstraints": deployments(),
            "validations": (0..40).map(|_| json!({"expression": expensive})).collect::<Vec<_>>(),
        }));
        let outcome = &run(&p, &[], &deployment(1), &Params(Vec::new()))[0].outcome;
        assert!(
            matches!(outcome, Outcome::Error(m) if m.contains("running out of cost budget")
                || m.contains("cost limit exceeded")),
            "{outcome:?}"
        );
    }
}
