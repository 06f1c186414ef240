//! The API objects: `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy and
//! ValidatingAdmissionPolicyBinding, and the admission match types they share with Kyverno's
//! CEL policies.

use kanon_core::LabelSelector;
use serde::Deserialize;

/// `matchConstraints` / `matchResources`: which requests a policy or binding is about.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchResources {
    /// Labels of the request's namespace (or of a Namespace object itself).
    #[serde(default)]
    pub namespace_selector: Option<LabelSelector>,
    /// Labels of the object (new or old).
    #[serde(default)]
    pub object_selector: Option<LabelSelector>,
    /// Requests to match.
    #[serde(default)]
    pub resource_rules: Vec<NamedRuleWithOperations>,
    /// Requests to leave out, even when a resource rule matches.
    #[serde(default)]
    pub exclude_resource_rules: Vec<NamedRuleWithOperations>,
    /// `Exact` or `Equivalent` (the default).
    #[serde(default)]
    pub match_policy: Option<String>,
}

/// One resource rule: operations × groups × versions × resources, optionally narrowed to
/// names and a scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedRuleWithOperations {
    /// Object names; empty means any.
    #[serde(default)]
    pub resource_names: Vec<String>,
    /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT` or `*`.
    #[serde(default)]
    pub operations: Vec<String>,
    /// API groups (`""` is core), or `*`.
    #[serde(default)]
    pub api_groups: Vec<String>,
    /// API versions, or `*`.
    #[serde(default)]
    pub api_versions: Vec<String>,
    /// Resources: `pods`, `pods/status`, `pods/*`, `*`, `*/scale`, `*/*`.
    #[serde(default)]
    pub resources: Vec<String>,
    /// `Cluster`, `Namespaced` or `*` (the default).
    #[serde(default)]
    pub scope: Option<String>,
}

/// A named CEL expression (`matchConditions`, `variables`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedExpression {
    /// Name (`variables.<name>`; the condition's name in messages).
    #[serde(default)]
    pub name: String,
    /// CEL source.
    #[serde(default)]
    pub expression: String,
}

/// One entry of `validations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// CEL source; must yield a bool.
    #[serde(default)]
    pub expression: String,
    /// Message when the expression is false.
    #[serde(default)]
    pub message: Option<String>,
    /// CEL source of a message (string), preferred over `message` when it evaluates.
    #[serde(default)]
    pub message_expression: Option<String>,
    /// Reason (`Invalid`, `Forbidden`...).
    #[serde(default)]
    pub reason: Option<String>,
}

/// One entry of `auditAnnotations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditAnnotation {
    /// Annotation key (prefixed with the policy name in the audit event).
    #[serde(default)]
    pub key: String,
    /// CEL source of the value (string or null).
    #[serde(default)]
    pub value_expression: String,
}

/// `paramKind`: the kind of the parameter objects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParamKind {
    /// `group/version` or `v1`.
    #[serde(default)]
    pub api_version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
}

/// The spec of a ValidatingAdmissionPolicy.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicySpec {
    /// Kind of the parameters, when the policy takes any.
    #[serde(default)]
    pub param_kind: Option<ParamKind>,
    /// Requests the policy is about.
    #[serde(default)]
    pub match_constraints: Option<MatchResources>,
    /// The checks.
    #[serde(default)]
    pub validations: Vec<Validation>,
    /// `Fail` (default) or `Ignore`: what an evaluation error means.
    #[serde(default)]
    pub failure_policy: Option<String>,
    /// Values recorded in audit events.
    #[serde(default)]
    pub audit_annotations: Vec<AuditAnnotation>,
    /// Preconditions; all must be true for the policy to apply.
    #[serde(default)]
    pub match_conditions: Vec<NamedExpression>,
    /// Named values for the other expressions.
    #[serde(default)]
    pub variables: Vec<NamedExpression>,
}

/// `paramRef` of a binding.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParamRef {
    /// One parameter object by name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its namespace (for namespaced parameter kinds; default: the request's namespace).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Every parameter object matching these labels.
    #[serde(default)]
    pub selector: Option<LabelSelector>,
    /// `Allow` or `Deny`: what a missing parameter means.
    #[serde(default)]
    pub parameter_not_found_action: Option<String>,
}

/// The spec of a ValidatingAdmissionPolicyBinding.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingSpec {
    /// The policy this binds.
    #[serde(default)]
    pub policy_name: String,
    /// Where the parameters come from.
    #[serde(default)]
    pub param_ref: Option<ParamRef>,
    /// Narrows the policy's requests further.
    #[serde(default)]
    pub match_resources: Option<MatchResources>,
    /// `Deny`, `Warn`, `Audit`.
    #[serde(default)]
    pub validation_actions: Vec<String>,
}

/// A document with `metadata.name` and a typed `spec`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Named<S> {
    /// `metadata`.
    #[serde(default)]
    pub metadata: Metadata,
    /// `spec`.
    #[serde(default = "Option::default")]
    pub spec: Option<S>,
}

/// The part of `metadata` policies use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Metadata {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Namespace (for namespaced kinds).
    #[serde(default)]
    pub namespace: Option<String>,
}
