//! Kyverno's CEL policies: `policies.kyverno.io` ValidatingPolicy (v1alpha1, v1beta1, v1) and
//! NamespacedValidatingPolicy. Requests are matched like admission policies
//! (`matchConstraints`), then `matchConditions`, lazy `variables` and `validations` run in
//! Kyverno's CEL environment (the Kubernetes libraries plus Kyverno's: `resource`,
//! `globalContext`, `http`, `image`, `parseServiceAccount`...). One policy gives one result per
//! request: the first validation that errs or fails decides it.
//!
//! Autogen: a policy that matches only Pods (one `""/v1/pods` rule, no names, no object
//! selector, no exclusions) also applies to the pod controllers, through copies of the spec
//! whose text has `object.spec`/`object.metadata` rewritten to the pod template (Kyverno's
//! replacement, which leaves `….metadata.namespace` alone).

use crate::cel_libs;
use kanon_cel::Env;
use kanon_core::Labels;
use kanon_vap::compile::{
    admission_env, compile_named, compile_validations, CompiledNamed, CompiledValidation,
};
use kanon_vap::evaluate::{activation, eval_bool, facts, labels_of, request_value, Budget};
use kanon_vap::model::{MatchResources, NamedExpression, NamedRuleWithOperations, Validation};
use kanon_vap::MatchOutcome;
use serde::Deserialize;
use serde_json::{json, Value};

/// The spec fields kanon reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    #[serde(default)]
    match_constraints: Option<MatchResources>,
    #[serde(default)]
    match_conditions: Vec<NamedExpression>,
    #[serde(default)]
    variables: Vec<NamedExpression>,
    #[serde(default)]
    validations: Vec<Validation>,
    #[serde(default)]
    failure_policy: Option<String>,
    #[serde(default)]
    validation_actions: Vec<String>,
    #[serde(default)]
    evaluation: Option<Value>,
    #[serde(default)]
    autogen: Option<Value>,
}

/// One compiled edition of the spec: the policy as written, or an autogen copy.
#[derive(Debug, Clone)]
struct Edition {
    match_constraints: Option<MatchResources>,
    match_conditions: Vec<CompiledNamed>,
    variables: Vec<CompiledNamed>,
    validations: Vec<CompiledValidation>,
}

/// A compiled ValidatingPolicy.
#[derive(Debug, Clone)]
pub struct ValidatingPolicy {
    /// `ValidatingPolicy` or `NamespacedValidatingPolicy`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// Namespace of a NamespacedValidatingPolicy.
    pub namespace: Option<String>,
    /// `validationActions` (`Deny`, `Audit`, `Warn`).
    pub validation_actions: Vec<String>,
    /// `failurePolicy: Ignore`.
    ignore_failures: bool,
    /// Why kanon cannot evaluate this policy (an evaluation mode it lacks).
    pub unsupported: Option<String>,
    /// `evaluation.mode: JSON`: the policy validates arbitrary JSON documents, unmatched.
    pub json_mode: bool,
    /// The policy, then its autogen copies.
    editions: Vec<Edition>,
}

/// The outcome of a ValidatingPolicy on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpolStatus {
    /// Every validation holds.
    Pass,
    /// A validation is false.
    Fail,
    /// A match condition is false, or an exception exempts the request.
    Skip,
    /// The policy could not be evaluated.
    Error,
}

/// One response of a ValidatingPolicy (per matching edition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpolResponse {
    /// The status.
    pub status: VpolStatus,
    /// The message.
    pub message: String,
}

/// What the policy did with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpolResult {
    /// No edition matched; `simple` tells whether the (first) edition's constraints are
    /// simple — the Kyverno CLI then drops the policy's response entirely.
    NotMatched {
        /// One resource rule, no names, selectors or exclusions.
        simple: bool,
    },
    /// Responses of the editions that matched.
    Responses(Vec<VpolResponse>),
}

/// Kyverno's CEL environment for ValidatingPolicies.
pub fn vpol_env() -> Env {
    let mut env = admission_env();
    cel_libs::register(&mut env);
    env
}

fn compile_edition(env: &Env, spec: &Spec) -> Edition {
    Edition {
        match_constraints: spec.match_constraints.clone(),
        match_conditions: compile_named(env, &spec.match_conditions, "spec.matchConditions"),
        variables: compile_named(env, &spec.variables, "spec.variables"),
        validations: compile_validations(env, &spec.validations, "spec.validations"),
    }
}

/// Whether Kyverno can generate controller copies of a policy with these constraints.
fn can_autogen(constraints: Option<&MatchResources>) -> bool {
    let Some(c) = constraints else {
        return false;
    };
    if c.object_selector.as_ref().is_some_and(|s| !s.is_empty())
        || !c.exclude_resource_rules.is_empty()
    {
        return false;
    }
    let [rule] = c.resource_rules.as_slice() else {
        return false;
    };
    rule.resource_names.is_empty()
        && rule.api_groups == [""]
        && rule.api_versions == ["v1"]
        && rule.resources == ["pods"]
}

/// Kyverno's replacement: `object.<from>` and `oldObject.<from>` become `….<to>`, except
/// where the match is followed by `.namespace` as a whole path segment.
fn replace_protected(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let (before, after_start) = rest.split_at(at);
        out.push_str(before);
        let after = after_start.get(from.len()..).unwrap_or("");
        let protected = after.strip_prefix(".namespace").is_some_and(|next| {
            !next
                .bytes()
                .next()
                .is_some_and(|b| b == b'_' || b.is_ascii_alphanumeric())
        });
        out.push_str(if protected { from } else { to });
        rest = after;
    }
    out.push_str(rest);
    out
}

fn autogen_text(text: &str, template: &str) -> String {
    let mut text = text.to_owned();
    for field in ["spec", "metadata"] {
        for variable in ["object", "oldObject"] {
            text = replace_protected(
                &text,
                &format!("{variable}.{field}"),
                &format!("{variable}.{template}{field}"),
            );
        }
    }
    text
}

/// Autogen copies of a spec: `(controllers' resource rules, spec JSON)`.
fn autogen_specs(spec_json: &Value, spec: &Spec) -> Vec<Value> {
    if !can_autogen(spec.match_constraints.as_ref()) {
        return Vec::new();
    }
    let Some(constraints) = &spec.match_constraints else {
        return Vec::new();
    };
    let configured: Option<Vec<String>> = spec
        .autogen
        .as_ref()
        .and_then(|a| a.get("podControllers"))
        .and_then(|p| p.get("controllers"))
        .filter(|c| !c.is_null())
        .map(|c| {
            c.as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        });
    let wants = |resource: &str| {
        configured
            .as_ref()
            .is_none_or(|list| list.iter().any(|c| c == resource))
    };
    let operations = constraints
        .resource_rules
        .first()
        .map(|r| r.operations.clone())
        .unwrap_or_default();
    let mut out = Vec::new();
    let defaults: Vec<(&str, &str, &str)> = [
        ("apps", "v1", "daemonsets"),
        ("apps", "v1", "deployments"),
        ("apps", "v1", "replicasets"),
        ("apps", "v1", "statefulsets"),
        ("batch", "v1", "jobs"),
    ]
    .into_iter()
    .filter(|(_, _, r)| wants(r))
    .collect();
    let cronjobs = wants("cronjobs");
    for (targets, template) in [
        (defaults, "spec.template."),
        (
            if cronjobs {
                vec![("batch", "v1", "cronjobs")]
            } else {
                Vec::new()
            },
            "spec.jobTemplate.spec.template.",
        ),
    ] {
        if targets.is_empty() || operations.is_empty() {
            continue;
        }
        // One rule per group/version, resources sorted, as Kyverno builds them.
        let mut by_group: Vec<(String, String, Vec<String>)> = Vec::new();
        for (group, version, resource) in targets {
            match by_group
                .iter_mut()
                .find(|(g, v, _)| g == group && v == version)
            {
                Some((_, _, list)) => list.push(resource.to_owned()),
                None => by_group.push((
                    group.to_owned(),
                    version.to_owned(),
                    vec![resource.to_owned()],
                )),
            }
        }
        by_group.sort();
        let rules: Vec<NamedRuleWithOperations> = by_group
            .into_iter()
            .map(|(group, version, mut resources)| {
                resources.sort();
                NamedRuleWithOperations {
                    api_groups: vec![group],
                    api_versions: vec![version],
                    resources,
                    operations: operations.clone(),
                    ..Default::default()
                }
            })
            .collect();
        let text = autogen_text(&spec_json.to_string(), template);
        let Ok(mut copy) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if let Some(map) = copy.as_object_mut() {
            map.insert(
                "matchConstraints".to_owned(),
                json!({
                    "resourceRules": rules.iter().map(rule_json).collect::<Vec<_>>(),
                    "namespaceSelector": constraints.namespace_selector.as_ref().map(selector_json),
                }),
            );
        }
        out.push(copy);
    }
    out
}

fn rule_json(rule: &NamedRuleWithOperations) -> Value {
    json!({
        "apiGroups": rule.api_groups,
        "apiVersions": rule.api_versions,
        "resources": rule.resources,
        "operations": rule.operations,
    })
}

fn selector_json(selector: &kanon_core::LabelSelector) -> Value {
    json!({
        "matchLabels": selector.match_labels,
        "matchExpressions": selector.match_expressions.as_ref().map(|list| {
            list.iter()
                .map(|r| json!({"key": r.key, "operator": r.operator, "values": r.values}))
                .collect::<Vec<_>>()
        }),
    })
}

impl ValidatingPolicy {
    /// Whether a document is a policy of this module.
    pub fn is_policy_document(document: &Value) -> bool {
        let group = document
            .get("apiVersion")
            .and_then(Value::as_str)
            .and_then(|v| v.split_once('/'))
            .map(|(g, _)| g);
        let kind = document.get("kind").and_then(Value::as_str);
        group == Some("policies.kyverno.io")
            && matches!(
                kind,
                Some("ValidatingPolicy" | "NamespacedValidatingPolicy")
            )
    }

    /// Compiles a ValidatingPolicy document.
    pub fn from_value(document: &Value) -> Result<ValidatingPolicy, String> {
        let kind = kanon_core::object::kind(document).to_owned();
        let name = kanon_core::object::name(document).to_owned();
        let spec_json = document.get("spec").cloned().unwrap_or_else(|| json!({}));
        let spec: Spec = serde_json::from_value(spec_json.clone())
            .map_err(|e| format!("{kind} {name:?}: spec: {e}"))?;
        let mode = spec
            .evaluation
            .as_ref()
            .and_then(|e| e.get("mode"))
            .and_then(Value::as_str)
            .unwrap_or("Kubernetes");
        let json_mode = mode == "JSON";
        let unsupported = (mode != "Kubernetes" && !json_mode)
            .then(|| format!("ValidatingPolicy evaluation mode {mode}"));
        let env = vpol_env();
        let mut editions = vec![compile_edition(&env, &spec)];
        for copy in autogen_specs(&spec_json, &spec) {
            if let Ok(copy_spec) = serde_json::from_value::<Spec>(copy) {
                editions.push(compile_edition(&env, &copy_spec));
            }
        }
        let namespace = (kind == "NamespacedValidatingPolicy").then(|| {
            kanon_core::object::namespace(document)
                .unwrap_or("default")
                .to_owned()
        });
        Ok(ValidatingPolicy {
            kind,
            name,
            namespace,
            validation_actions: spec.validation_actions.clone(),
            ignore_failures: spec.failure_policy.as_deref() == Some("Ignore"),
            unsupported,
            json_mode,
            editions,
        })
    }

    /// Every expression of the policy as written that did not compile: `path: error`.
    pub fn compile_errors(&self) -> Vec<String> {
        self.editions.first().map_or_else(Vec::new, |e| {
            kanon_vap::compile::compile_errors(&e.match_conditions, &e.variables, &e.validations)
        })
    }

    /// Whether failing this policy denies the request (`validationActions` has `Deny`).
    pub fn denies(&self) -> bool {
        self.validation_actions.iter().any(|a| a == "Deny")
    }

    /// Evaluates a JSON-mode policy on a document: no matching, `object` is the document and
    /// the admission variables are null.
    pub fn evaluate_json(&self, document: &Value, input: &VpolInput<'_>) -> VpolResponse {
        let request = kanon_core::AdmissionRequest {
            object: Some(document.clone()),
            ..kanon_core::AdmissionRequest::default()
        };
        let json_input = VpolInput {
            request: &request,
            namespace_object: None,
            namespace_labels: None,
            host: input.host,
            exceptions: input.exceptions,
        };
        if let Some(response) = self.exempted(&json_input) {
            return response;
        }
        match self.editions.first() {
            Some(edition) => self.run_with(edition, &json_input, &Value::Null),
            None => VpolResponse {
                status: VpolStatus::Pass,
                message: "success".to_owned(),
            },
        }
    }

    /// Evaluates the policy on a request.
    pub fn evaluate(&self, input: &VpolInput<'_>) -> VpolResult {
        let request = input.request;
        let labels = (
            labels_of(request.object.as_ref()),
            labels_of(request.old_object.as_ref()),
        );
        let facts = facts(request, &labels, input.namespace_labels);
        let mut responses = Vec::new();
        for edition in &self.editions {
            let Some(constraints) = &edition.match_constraints else {
                continue;
            };
            match constraints.matches(&facts) {
                Ok(MatchOutcome::Matched) => {}
                Ok(_) => continue,
                Err(e) => {
                    responses.push(VpolResponse {
                        status: VpolStatus::Error,
                        message: format!("matchConstraints: {e}"),
                    });
                    continue;
                }
            }
            if let Some(reason) = &self.unsupported {
                responses.push(VpolResponse {
                    status: VpolStatus::Error,
                    message: format!("kanon does not support {reason} yet"),
                });
                continue;
            }
            if let Some(response) = self.exempted(input) {
                responses.push(response);
                continue;
            }
            responses.push(self.run(edition, input));
        }
        if responses.is_empty() {
            let simple = self.editions.first().is_some_and(|e| {
                e.match_constraints.as_ref().is_some_and(|c| {
                    c.resource_rules.len() == 1
                        && c.resource_rules.iter().all(|r| r.resource_names.is_empty())
                        && c.object_selector.as_ref().is_none_or(|s| s.is_empty())
                        && c.namespace_selector.as_ref().is_none_or(|s| s.is_empty())
                        && c.exclude_resource_rules.is_empty()
                })
            });
            // Autogen copies with two rules make the whole policy "not simple".
            let simple = simple && self.editions.len() <= 1;
            return VpolResult::NotMatched { simple };
        }
        VpolResult::Responses(responses)
    }

    /// The response when exceptions exempt the request: skip, or pass when the deciding
    /// exception (highest `polex.kyverno.io/priority`, else the first) says `reportResult: pass`.
    fn exempted(&self, input: &VpolInput<'_>) -> Option<VpolResponse> {
        let request = input.request;
        let null = Value::Null;
        let request_json = request_value(request);
        let mut matched: Vec<&CelException> = Vec::new();
        for exception in input.exceptions.iter().filter(|e| e.refers_to(self)) {
            let Ok(act) = activation(
                request.object.as_ref().unwrap_or(&null),
                request.old_object.as_ref().unwrap_or(&null),
                &request_json,
                &null,
                input.namespace_object.unwrap_or(&null),
                &[],
                Some(input.host),
            ) else {
                continue;
            };
            let holds = exception
                .conditions
                .iter()
                .all(|c| eval_bool(&c.expression, &act, &Budget::per_call_only()) == Ok(true));
            if holds && exception.full {
                matched.push(exception);
            }
        }
        if matched.is_empty() {
            return None;
        }
        let keys: Vec<&str> = matched.iter().map(|e| e.key.as_str()).collect();
        let decider = matched
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|(index, e)| (e.priority, std::cmp::Reverse(*index)))
            .map(|(_, e)| e);
        let pass = decider.is_some_and(|e| e.report_pass);
        Some(VpolResponse {
            status: if pass {
                VpolStatus::Pass
            } else {
                VpolStatus::Skip
            },
            message: format!(
                "rule is skipped due to policy exception: {}",
                keys.join(", ")
            ),
        })
    }

    fn run(&self, edition: &Edition, input: &VpolInput<'_>) -> VpolResponse {
        self.run_with(edition, input, &request_value(input.request))
    }

    fn run_with(
        &self,
        edition: &Edition,
        input: &VpolInput<'_>,
        request_json: &Value,
    ) -> VpolResponse {
        let request = input.request;
        let null = Value::Null;
        let error = |message: String| VpolResponse {
            status: VpolStatus::Error,
            message,
        };
        let act = match activation(
            request.object.as_ref().unwrap_or(&null),
            request.old_object.as_ref().unwrap_or(&null),
            request_json,
            &null,
            input.namespace_object.unwrap_or(&null),
            &edition.variables,
            Some(input.host),
        ) {
            Ok(act) => act,
            Err(e) => return error(e),
        };
        let budget = Budget::per_call_only();
        let mut errors = Vec::new();
        for condition in &edition.match_conditions {
            match eval_bool(&condition.expression, &act, &budget) {
                Ok(true) => {}
                Ok(false) => {
                    return VpolResponse {
                        status: VpolStatus::Skip,
                        message: format!("match condition {:?} is false", condition.name),
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return if self.ignore_failures {
                VpolResponse {
                    status: VpolStatus::Skip,
                    message: format!("failurePolicy is Ignore: {}", errors.join("; ")),
                }
            } else {
                error(format!(
                    "failed to evaluate match conditions: {}",
                    errors.join("; ")
                ))
            };
        }
        for (index, validation) in edition.validations.iter().enumerate() {
            match eval_bool(&validation.expression, &act, &budget) {
                Ok(true) => {}
                Ok(false) => {
                    let message = match &validation.message_expression {
                        Some(compiled) => match message_of(compiled, &act) {
                            Ok(m) => m,
                            Err(e) => format!("failed to evaluate message expression: {e}"),
                        },
                        None => validation.message.clone().unwrap_or_else(|| {
                            format!("CEL expression validation failed at index {index}")
                        }),
                    };
                    return VpolResponse {
                        status: VpolStatus::Fail,
                        message,
                    };
                }
                Err(e) => return error(e),
            }
        }
        VpolResponse {
            status: VpolStatus::Pass,
            message: "success".to_owned(),
        }
    }
}

fn message_of(
    compiled: &kanon_vap::compile::Compiled,
    act: &kanon_cel::Activation<'_>,
) -> Result<String, String> {
    let program = compiled.program.as_ref().map_err(Clone::clone)?;
    let value = program.eval(act).map_err(|e| e.to_string())?;
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "messageExpression must evaluate to a string".to_owned())
}

/// One request for ValidatingPolicies.
pub struct VpolInput<'a> {
    /// The request.
    pub request: &'a kanon_core::AdmissionRequest,
    /// `namespaceObject`.
    pub namespace_object: Option<&'a Value>,
    /// Labels of the namespace (or of a Namespace object itself).
    pub namespace_labels: Option<&'a Labels>,
    /// Data for Kyverno's CEL libraries.
    pub host: &'a cel_libs::Host,
    /// `policies.kyverno.io` PolicyExceptions in force.
    pub exceptions: &'a [CelException],
}

/// A `policies.kyverno.io` PolicyException: exempts requests from the referenced CEL
/// policies when all its `matchConditions` hold.
#[derive(Debug, Clone)]
pub struct CelException {
    /// `namespace/name` (or `name`).
    pub key: String,
    refs: Vec<(String, String)>,
    conditions: Vec<CompiledNamed>,
    /// Without `images` or `allowedValues`: a full exemption.
    full: bool,
    report_pass: bool,
    priority: i64,
}

impl CelException {
    /// Whether a document is a CEL PolicyException.
    pub fn is_exception_document(document: &Value) -> bool {
        kanon_core::object::kind(document) == "PolicyException"
            && kanon_core::object::api_version(document).starts_with("policies.kyverno.io/")
    }

    /// Reads and compiles an exception.
    pub fn from_value(document: &Value) -> Result<CelException, String> {
        let name = kanon_core::object::name(document);
        let key = match kanon_core::object::namespace(document) {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_owned(),
        };
        let spec = document.get("spec").cloned().unwrap_or_else(|| json!({}));
        let refs = spec
            .get("policyRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| {
                let text = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                (text("name"), text("kind"))
            })
            .collect();
        let conditions: Vec<NamedExpression> = serde_json::from_value(
            spec.get("matchConditions")
                .cloned()
                .unwrap_or(Value::Array(Vec::new())),
        )
        .map_err(|e| format!("PolicyException {key}: matchConditions: {e}"))?;
        let present = |k: &str| spec.get(k).is_some_and(|v| !v.is_null());
        let priority = document
            .pointer("/metadata/labels/polex.kyverno.io~1priority")
            .and_then(Value::as_str)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        Ok(CelException {
            key,
            refs,
            conditions: compile_named(&vpol_env(), &conditions, "spec.matchConditions"),
            full: !present("images") && !present("allowedValues"),
            report_pass: spec.get("reportResult").and_then(Value::as_str) == Some("pass"),
            priority,
        })
    }

    fn refers_to(&self, policy: &ValidatingPolicy) -> bool {
        self.refs
            .iter()
            .any(|(name, kind)| *name == policy.name && (kind.is_empty() || *kind == policy.kind))
    }
}

/// ValidatingPolicies as a kanon [`kanon_core::Policy`], for `kanon apply` and the webhook.
#[derive(Debug, Clone, Default)]
pub struct VpolPolicySet {
    policies: Vec<(ValidatingPolicy, std::sync::Arc<str>)>,
    host: cel_libs::Host,
}

impl VpolPolicySet {
    /// A set of compiled policies; `host` answers Kyverno's CEL libraries.
    pub fn new(policies: Vec<ValidatingPolicy>, host: cel_libs::Host) -> Self {
        VpolPolicySet {
            policies: policies
                .into_iter()
                .map(|p| {
                    let name = std::sync::Arc::from(p.name.as_str());
                    (p, name)
                })
                .collect(),
            host,
        }
    }
}

impl kanon_core::Policy for VpolPolicySet {
    fn name(&self) -> &str {
        "kyverno-validating-policy"
    }

    fn may_match(&self, group: &str, kind: &str) -> bool {
        let plural = kanon_core::kinds::plural(group, kind);
        self.policies.iter().any(|(policy, _)| {
            policy.editions.iter().any(|edition| {
                edition
                    .match_constraints
                    .as_ref()
                    .is_some_and(|m| m.may_match_resource(group, &plural))
            })
        })
    }

    fn evaluate(&self, ctx: &kanon_core::EvalContext<'_>, out: &mut Vec<kanon_core::Finding>) {
        use kanon_core::{Finding, Verdict};
        let request = ctx.request;
        let namespace_object = request
            .namespace
            .as_deref()
            .filter(|ns| !ns.is_empty())
            .map(|ns| kanon_vap::policy_set::namespace_object(ns, ctx.namespace_labels));
        let input = VpolInput {
            request,
            namespace_object: namespace_object.as_ref(),
            namespace_labels: ctx.namespace_labels,
            host: &self.host,
            exceptions: &[],
        };
        for (policy, name) in &self.policies {
            let VpolResult::Responses(responses) = policy.evaluate(&input) else {
                continue;
            };
            for response in responses {
                let verdict = match response.status {
                    VpolStatus::Pass => Verdict::Pass,
                    VpolStatus::Fail if policy.denies() => Verdict::Fail,
                    VpolStatus::Fail => Verdict::Warn,
                    VpolStatus::Skip => Verdict::Skip,
                    VpolStatus::Error => Verdict::Error,
                };
                let message = if response.status == VpolStatus::Pass {
                    String::new()
                } else {
                    response.message
                };
                out.push(
                    Finding::new(
                        std::sync::Arc::clone(name),
                        std::sync::Arc::clone(name),
                        verdict,
                        message,
                    )
                    .with_property("engine", "kyverno-cel".to_owned())
                    .with_property("validationActions", policy.validation_actions.join(",")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autogen_rewrites_template_paths_but_not_the_namespace() {
        let text = "object.spec.containers + object.metadata.namespace + oldObject.metadata.name + object.metadata.namespaceX";
        assert_eq!(
            autogen_text(text, "spec.template."),
            "object.spec.template.spec.containers + object.metadata.namespace + oldObject.spec.template.metadata.name + object.spec.template.metadata.namespaceX"
        );
    }

    #[test]
    fn only_pod_only_policies_autogen() {
        let pods: MatchResources = serde_json::from_value(json!({"resourceRules": [
            {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}
        ]}))
        .unwrap();
        assert!(can_autogen(Some(&pods)));
        let more: MatchResources = serde_json::from_value(json!({"resourceRules": [
            {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods", "services"]}
        ]}))
        .unwrap();
        assert!(!can_autogen(Some(&more)));
    }
}
