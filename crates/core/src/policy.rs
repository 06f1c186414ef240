//! The contract between the engine and a compiled policy of any dialect.

use crate::admission::AdmissionRequest;
use crate::finding::Finding;
use std::collections::BTreeMap;

/// Labels of an object (namespace labels, mostly).
pub type Labels = BTreeMap<String, String>;

/// Everything a policy may look at for one request.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    /// The request under evaluation.
    pub request: &'a AdmissionRequest,
    /// Labels of the request's namespace when kanon knows the namespace (from the input, a
    /// labels file, or the webhook's cache); `None` when it has never seen it.
    pub namespace_labels: Option<&'a Labels>,
}

/// A policy compiled into its evaluation plan. Compilation happens once per load;
/// [`Policy::evaluate`] runs once per request and should allocate little.
///
/// A policy that cannot evaluate a request (malformed object, unsupported feature) reports an
/// [`crate::Verdict::Error`] finding: it never returns early with nothing, and never passes
/// silently.
pub trait Policy: Send + Sync + std::fmt::Debug {
    /// The policy's name, as it appears in results.
    fn name(&self) -> &str;

    /// Cheap pre-filter: could this policy produce findings for objects of this kind?
    /// The webhook uses it for its fast path and to narrow its rules. Defaults to yes.
    fn may_match(&self, _group: &str, _kind: &str) -> bool {
        true
    }

    /// The operations whose requests this policy may produce findings for (the webhook
    /// narrows its rules to them). Defaults to every operation.
    fn operations(&self) -> &'static [crate::Operation] {
        &[
            crate::Operation::Create,
            crate::Operation::Update,
            crate::Operation::Delete,
            crate::Operation::Connect,
        ]
    }

    /// Evaluates one request, appending findings to `out`.
    fn evaluate(&self, ctx: &EvalContext<'_>, out: &mut Vec<Finding>);
}
