//! Kubernetes ValidatingAdmissionPolicy for kanon: the admission match types
//! (`matchConstraints`, `matchResources`), policies and bindings, and their evaluation.
//!
//! Kyverno's CEL policies (`policies.kyverno.io` ValidatingPolicy) match requests exactly as
//! admission policies do, so kanon-kyverno uses [`matching`] too.

#![forbid(unsafe_code)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod compile;
pub mod error;
pub mod evaluate;
pub mod matching;
pub mod model;
pub mod policy_set;

pub use compile::{Binding, CompiledPolicy};
pub use error::VapError;
pub use evaluate::{
    evaluate, evaluate_prepared, Decision, Input, NoParams, Outcome, ParamList, ParamSource,
    Prepared,
};
pub use matching::{MatchOutcome, RequestFacts};
pub use model::{MatchResources, NamedRuleWithOperations};
pub use policy_set::VapPolicySet;
