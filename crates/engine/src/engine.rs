//! Evaluation of one request against a policy set.

use crate::namespaces::Namespaces;
use crate::policy_set::PolicySet;
use kanon_core::{
    object, AdmissionRequest, EvalContext, Evaluation, Finding, Labels, Manifest, Operation,
    ResourceRef,
};

/// Evaluates requests against a compiled [`PolicySet`]. Cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Engine {
    policies: PolicySet,
}

impl Engine {
    /// An engine for this policy set.
    pub fn new(policies: PolicySet) -> Self {
        Engine { policies }
    }

    /// The policy set.
    pub fn policies(&self) -> &PolicySet {
        &self.policies
    }

    /// Whether any policy may produce findings for this kind (the webhook's fast path).
    pub fn may_match(&self, group: &str, kind: &str) -> bool {
        self.policies
            .policies()
            .iter()
            .any(|p| p.may_match(group, kind))
    }

    /// Evaluates a request with what is known of its namespace; returns the findings of every
    /// policy, in policy order.
    pub fn evaluate(
        &self,
        request: &AdmissionRequest,
        namespace_labels: Option<&Labels>,
    ) -> Vec<Finding> {
        let ctx = EvalContext {
            request,
            namespace_labels,
        };
        let mut findings = Vec::new();
        for policy in self.policies.policies() {
            if policy.may_match(&request.kind.group, &request.kind.kind) {
                policy.evaluate(&ctx, &mut findings);
            }
        }
        findings
    }

    /// Evaluates an object read from a manifest as the request an API server would receive.
    pub fn evaluate_manifest(
        &self,
        manifest: Manifest,
        operation: Operation,
        default_namespace: &str,
        namespaces: &Namespaces,
    ) -> Evaluation {
        let origin = manifest.origin.clone();
        let request = manifest.into_request(operation, default_namespace);
        let labels = request
            .namespace
            .as_deref()
            .and_then(|ns| namespaces.get(ns));
        let findings = self.evaluate(&request, labels);
        Evaluation {
            resource: resource_ref(&request),
            origin: Some(origin),
            findings,
        }
    }
}

/// The report reference of a request's object.
pub fn resource_ref(request: &AdmissionRequest) -> ResourceRef {
    let subject = request.subject();
    ResourceRef {
        api_version: request.kind.api_version(),
        kind: request.kind.kind.clone(),
        namespace: request.namespace.clone(),
        name: request.name.clone(),
        uid: subject.and_then(object::uid).map(str::to_owned),
    }
}
