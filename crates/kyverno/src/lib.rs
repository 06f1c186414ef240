//! Kyverno `kyverno.io/v1` policies, evaluated the way Kyverno evaluates them.
//!
//! [`KyvernoPolicy`] compiles a `ClusterPolicy` or `Policy` (with autogen rules for pod
//! controllers and Kyverno's validity checks); [`evaluate_policy`] runs it on one request and
//! returns one [`RuleResponse`] per matching rule, with Kyverno's statuses and messages:
//! match/exclude, context entries, preconditions, policy exceptions, `deny`, `pattern` and
//! `anyPattern` with every anchor, `foreach`, and the `podSecurity` sub-rule on kanon's Pod
//! Security Standards checks. [`KyvernoPolicySet`] plugs policies into kanon's engine as a
//! [`kanon_core::Policy`].
//!
//! This crate does no I/O. It does not mutate or generate resources, and reports rules that
//! need those (or CEL, or image verification) as errors naming the feature.
//!
//! ```
//! use kanon_kyverno::{evaluate_policy, KyvernoPolicy, NoValues, PolicyInput, RuleStatus};
//! use serde_json::json;
//! let policy = KyvernoPolicy::from_value(&json!({
//!     "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "no-latest"},
//!     "spec": {"rules": [{"name": "tag", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
//!         "validate": {"message": "Use a tag.", "pattern": {"spec": {"containers": [{"image": "!*:latest"}]}}}}]}
//! })).unwrap();
//! let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
//!                  "spec": {"containers": [{"name": "c", "image": "nginx:latest"}]}});
//! let kind = kanon_core::GroupVersionKind::from_api_version("v1", "Pod");
//! let responses = evaluate_policy(&policy, &PolicyInput {
//!     object: &pod, old_object: &serde_json::Value::Null, kind: &kind, subresource: "",
//!     operation: "CREATE", namespace_labels: &Default::default(), user: None,
//!     values: &NoValues, exceptions: &[], params: &kanon_vap::NoParams,
//! });
//! assert_eq!(responses[0].status, RuleStatus::Fail);
//! assert_eq!(responses[0].message,
//!     "validation error: Use a tag. rule tag failed at path /spec/containers/0/image/");
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod anchor;
mod autogen;
pub mod cel_libs;
mod celrule;
mod conditions;
mod context;
mod evaluate;
mod exceptions;
mod images;
pub mod matching;
mod operators;
mod pattern;
mod podsecurity;
pub mod policy;
mod policy_set;
mod scalar;
pub mod testing;
mod validity;
mod value;
mod variables;
pub mod vpol;
mod wildcard;

pub use evaluate::{
    evaluate_policy, NoValues, PolicyInput, RuleResponse, RuleStatus, Session, UserContext,
    ValueSource,
};
pub use exceptions::PolicyException;
pub use matching::RequestUser;
pub use operators::ConditionOperator;
pub use pattern::{match_pattern, Mismatch};
pub use policy::{KyvernoPolicy, PolicyError};
pub use policy_set::KyvernoPolicySet;
