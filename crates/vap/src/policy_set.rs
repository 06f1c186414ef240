//! Admission policies as a kanon [`Policy`]: findings for `kanon apply` and the webhook.

use crate::compile::{Binding, CompiledPolicy};
use crate::evaluate::{evaluate_prepared, Input, Outcome, ParamSource, Prepared};
use kanon_core::{EvalContext, Finding, Labels, Policy, Verdict};
use serde_json::{json, Value};
use std::sync::Arc;

/// Every ValidatingAdmissionPolicy loaded, with its bindings and the parameter objects known.
#[derive(Debug, Clone, Default)]
pub struct VapPolicySet {
    policies: Vec<(CompiledPolicy, Arc<str>)>,
    bindings: Vec<Binding>,
    params: Vec<Value>,
}

impl VapPolicySet {
    /// A set of compiled policies, their bindings, and parameter objects.
    pub fn new(policies: Vec<CompiledPolicy>, bindings: Vec<Binding>, params: Vec<Value>) -> Self {
        let policies = policies
            .into_iter()
            .map(|p| {
                let name = Arc::from(p.name.as_str());
                (p, name)
            })
            .collect();
        VapPolicySet {
            policies,
            bindings,
            params,
        }
    }

    /// Whether the set holds no policy.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }
}

impl ParamSource for VapPolicySet {
    fn objects(&self, api_version: &str, kind: &str) -> Vec<&Value> {
        crate::evaluate::objects_of_kind(&self.params, api_version, kind)
    }
}

/// The `namespaceObject` of a namespaced request: a Namespace with the labels kanon knows.
pub fn namespace_object(name: &str, labels: Option<&Labels>) -> Value {
    let mut labels: serde_json::Map<String, Value> = labels
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    labels
        .entry("kubernetes.io/metadata.name")
        .or_insert_with(|| Value::String(name.to_owned()));
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": labels},
    })
}

impl Policy for VapPolicySet {
    fn name(&self) -> &str {
        "validating-admission-policy"
    }

    fn may_match(&self, group: &str, kind: &str) -> bool {
        let plural = kanon_core::kinds::plural(group, kind);
        self.policies.iter().any(|(policy, _)| {
            policy
                .spec
                .match_constraints
                .as_ref()
                .is_some_and(|m| m.may_match_resource(group, &plural))
        })
    }

    fn evaluate(&self, ctx: &EvalContext<'_>, out: &mut Vec<Finding>) {
        let request = ctx.request;
        let is_namespace = request.kind.group.is_empty() && request.kind.kind == "Namespace";
        let own_labels;
        let namespace_labels = if is_namespace {
            own_labels = crate::evaluate::labels_of(request.subject());
            own_labels.as_ref()
        } else {
            ctx.namespace_labels
        };
        let namespace_object = request
            .namespace
            .as_deref()
            .filter(|ns| !ns.is_empty() && !is_namespace)
            .map(|ns| namespace_object(ns, ctx.namespace_labels));
        let input = Input {
            request,
            namespace_object: namespace_object.as_ref(),
            namespace_labels,
            params: self,
            host: None,
        };
        let prepared = Prepared::new(&input);
        for (policy, name) in &self.policies {
            let bindings: Vec<&Binding> = self
                .bindings
                .iter()
                .filter(|b| b.spec.policy_name == policy.name)
                .collect();
            for decision in evaluate_prepared(policy, &bindings, &input, &prepared) {
                let denies = decision.actions.iter().any(|a| a == "Deny");
                let (verdict, message) = match decision.outcome {
                    Outcome::Pass => (Verdict::Pass, String::new()),
                    Outcome::Skip(reason) => (Verdict::Skip, reason),
                    Outcome::Fail { message, .. } if denies => (Verdict::Fail, message),
                    Outcome::Fail { message, .. } => (Verdict::Warn, message),
                    Outcome::Error(message) => (Verdict::Error, message),
                };
                let rule = decision.binding.as_deref().unwrap_or(&policy.name);
                let finding = Finding::new(Arc::clone(name), Arc::from(rule), verdict, message)
                    .with_property("engine", "validating-admission-policy".to_owned())
                    .with_property("validationActions", decision.actions.join(","));
                out.push(finding);
            }
        }
    }
}
