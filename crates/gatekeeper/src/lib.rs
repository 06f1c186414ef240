//! OPA Gatekeeper: ConstraintTemplates (Rego, run in-process by regorus) and their Constraints,
//! evaluated the way Gatekeeper does it, plus gator test suites.
//!
//! - [`template`]: a ConstraintTemplate compiled once (Rego read through [`source`] so regorus
//!   reads it as OPA would, kanon's [`builtins`] added, every called function checked at load);
//! - [`constraint`]: `spec.match`, parameters checked against the template's schema with its
//!   defaults applied, enforcement actions;
//! - [`review`]: `input.review` and `data.inventory`;
//! - [`GatekeeperSet`]: the [`kanon_core::Policy`] the engine runs;
//! - [`suite`]: `gator verify` suites.

#![forbid(unsafe_code)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod builtins;
mod cel;
pub mod constraint;
mod error;
pub mod review;
mod schema;
mod source;
pub mod suite;
pub mod template;

pub use constraint::{Constraint, Enforcement, Match, Subject};
pub use error::Error;
pub use template::{EngineChoice, Template, Violation};

use kanon_core::{EvalContext, Finding, Labels, Policy, Verdict};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The enforcement point kanon's offline runs (`kanon apply`) and audit act as.
pub const AUDIT_POINT: &str = "audit.gatekeeper.sh";
/// The webhook's enforcement point.
pub const VALIDATION_POINT: &str = "validation.gatekeeper.sh";

/// A constraint bound to its template.
#[derive(Debug)]
struct Bound {
    constraint: Constraint,
    /// The template and the parameters as a Rego value; `Err` says why the constraint cannot
    /// be evaluated (no template of its kind, parameters that do not fit the schema).
    binding: Result<(Arc<Template>, regorus::Value), String>,
    /// The constraint as CEL's `params` (kind, name and parameters).
    params_doc: Value,
    template_name: Arc<str>,
    name: Arc<str>,
    kind: Arc<str>,
}

/// What one constraint said about one review.
#[derive(Debug)]
pub struct ConstraintResult<'a> {
    /// The constraint.
    pub constraint: &'a Constraint,
    /// Its violations, or the error (matching, binding or evaluation) that stands for them.
    pub violations: Result<Vec<Violation>, String>,
}

/// Templates and constraints, bound together.
#[derive(Debug)]
pub struct GatekeeperSet {
    bound: Vec<Bound>,
    point: &'static str,
}

impl GatekeeperSet {
    /// Binds every constraint to the template of its kind. `inventory` (objects for
    /// `data.inventory`) is given to the templates that read it.
    pub fn new(
        templates: Vec<Template>,
        constraints: Vec<Constraint>,
        inventory: Option<Value>,
    ) -> GatekeeperSet {
        let mut by_kind: BTreeMap<String, Arc<Template>> = BTreeMap::new();
        // Converted once; templates share it (Rego values are reference counted).
        let data = inventory
            .filter(|_| templates.iter().any(|t| t.reads_inventory))
            .map(|inventory| review::rego_object([("inventory", review::into_rego(inventory))]));
        for template in templates {
            let template = match &data {
                Some(data) if template.reads_inventory => {
                    template.with_data(data.clone()).unwrap_or(template)
                }
                _ => template,
            };
            by_kind.insert(template.kind.clone(), Arc::new(template));
        }
        let bound = constraints
            .into_iter()
            .map(|mut constraint| {
                let template = by_kind.get(&constraint.kind).cloned();
                let binding = match template {
                    None => Err(format!(
                        "no ConstraintTemplate defines the kind {:?}",
                        constraint.kind
                    )),
                    Some(template) => constraint
                        .bind(template.schema.as_ref())
                        .map(|()| {
                            let params = review::to_rego(&constraint.input_parameters());
                            (template, params)
                        })
                        .map_err(|e| e.to_string()),
                };
                let template_name = binding
                    .as_ref()
                    .map(|(t, _)| t.name.as_str())
                    .unwrap_or(constraint.kind.as_str())
                    .to_lowercase();
                let mut params_doc = constraint.document.clone();
                if let Some(spec) = params_doc.get_mut("spec").and_then(Value::as_object_mut) {
                    spec.entry("enforcementAction")
                        .or_insert_with(|| Value::String("deny".into()));
                }
                Bound {
                    params_doc,
                    name: Arc::from(constraint.name.as_str()),
                    kind: Arc::from(constraint.kind.as_str()),
                    template_name: Arc::from(template_name.as_str()),
                    constraint,
                    binding,
                }
            })
            .collect();
        GatekeeperSet {
            bound,
            point: AUDIT_POINT,
        }
    }

    /// Acts as the given enforcement point for `scoped` constraints.
    pub fn at_point(mut self, point: &'static str) -> GatekeeperSet {
        self.point = point;
        self
    }

    /// How many constraints the set holds.
    pub fn len(&self) -> usize {
        self.bound.len()
    }

    /// Whether the set holds no constraint.
    pub fn is_empty(&self) -> bool {
        self.bound.is_empty()
    }

    /// Reviews `review` (`input.review` as JSON) against every constraint that matches it.
    /// Results are in constraint order; constraints that do not match are left out.
    pub fn review(
        &self,
        review: &Value,
        namespace_labels: Option<&Labels>,
    ) -> Vec<ConstraintResult<'_>> {
        self.review_facts(
            &review::ReviewFacts::of_review(review),
            || review::to_rego(review),
            || review.clone(),
            namespace_labels,
        )
    }

    /// Reviews a request given by its facts; `rego_review` builds `input.review` (once, and only
    /// when some constraint matches).
    pub fn review_facts(
        &self,
        facts: &review::ReviewFacts<'_>,
        rego_review: impl FnOnce() -> regorus::Value,
        json_review: impl FnOnce() -> Value,
        namespace_labels: Option<&Labels>,
    ) -> Vec<ConstraintResult<'_>> {
        let mut results = Vec::new();
        let mut rego_review = Some(rego_review);
        let mut input_review: Option<regorus::Value> = None;
        let mut json_review = Some(json_review);
        let mut cel_review: Option<Value> = None;
        for bound in &self.bound {
            let violations = match matches(&bound.constraint.matcher, facts, namespace_labels) {
                Ok(false) => continue,
                Err(e) => Err(e),
                Ok(true) => match &bound.binding {
                    Err(e) => Err(e.clone()),
                    Ok((template, _)) if template.uses_cel() => {
                        if cel_review.is_none() {
                            cel_review = json_review.take().map(|build| build());
                        }
                        let review = cel_review.as_ref().unwrap_or(&Value::Null);
                        template
                            .evaluate_cel(review, &bound.params_doc)
                            .unwrap_or_else(|| Ok(Vec::new()))
                    }
                    Ok((template, params)) => {
                        if input_review.is_none() {
                            input_review = rego_review.take().map(|build| build());
                        }
                        let review_value = input_review.clone().unwrap_or(regorus::Value::Null);
                        let input = review::rego_object([
                            ("review", review_value),
                            ("parameters", params.clone()),
                        ]);
                        template.evaluate(input)
                    }
                },
            };
            results.push(ConstraintResult {
                constraint: &bound.constraint,
                violations,
            });
        }
        results
    }
}

/// Whether a constraint's match applies to the review: the object, or for an UPDATE either the
/// object or the old object.
fn matches(
    matcher: &Match,
    facts: &review::ReviewFacts<'_>,
    namespace_labels: Option<&Labels>,
) -> Result<bool, String> {
    let null = Value::Null;
    // Gatekeeper matches each object on its own apiVersion/kind.
    let subject = |o: &Value| {
        let (group, kind) = if o.is_null() {
            (facts.group, facts.kind)
        } else {
            let (group, _) = review::split_api_version(kanon_core::object::api_version(o));
            (group, kanon_core::object::kind(o))
        };
        matcher.matches(&Subject {
            group,
            kind,
            object: o,
            namespace: facts.namespace,
            namespace_labels,
            generated: false,
        })
    };
    match (facts.object, facts.old_object) {
        // Gatekeeper's matchAny: either object.
        (Some(o), Some(old)) => Ok(subject(o)? || subject(old)?),
        (Some(o), _) => subject(o),
        (None, Some(old)) => subject(old),
        (None, None) => subject(&null),
    }
}

impl Policy for GatekeeperSet {
    fn name(&self) -> &str {
        "gatekeeper"
    }

    fn may_match(&self, group: &str, kind: &str) -> bool {
        self.bound
            .iter()
            .any(|b| b.constraint.matcher.may_match(group, kind))
    }

    fn evaluate(&self, ctx: &EvalContext<'_>, out: &mut Vec<Finding>) {
        let request = ctx.request;
        if !self.may_match(&request.kind.group, &request.kind.kind) {
            return;
        }
        let facts = review::ReviewFacts::of_request(request);
        let results = self.review_facts(
            &facts,
            || review::rego_review_of(request, ctx.namespace_labels),
            || review::review_of(request, ctx.namespace_labels),
            ctx.namespace_labels,
        );
        let mut results = results.into_iter().peekable();
        for bound in &self.bound {
            let Some(result) = results.next_if(|r| std::ptr::eq(r.constraint, &bound.constraint))
            else {
                continue;
            };
            let action = bound.constraint.enforcement.at(self.point);
            let finding = |verdict: Verdict, message: String| {
                let mut finding = Finding::new(
                    Arc::clone(&bound.name),
                    Arc::clone(&bound.kind),
                    verdict,
                    message,
                );
                finding.source = Arc::clone(&bound.template_name);
                finding.category = Some(Arc::from("Gatekeeper"));
                finding.with_property(
                    "enforcementAction",
                    action.map_or("none", Enforcement::as_str).to_owned(),
                )
            };
            match result.violations {
                Err(error) => out.push(finding(Verdict::Error, error)),
                Ok(violations) if violations.is_empty() => {
                    out.push(finding(Verdict::Pass, String::new()));
                }
                Ok(violations) => {
                    for violation in violations {
                        let (verdict, scored) = match action {
                            Some(Enforcement::Deny) => (Verdict::Fail, true),
                            Some(Enforcement::Warn) => (Verdict::Warn, true),
                            Some(Enforcement::Unrecognized(action)) => {
                                out.push(finding(
                                    Verdict::Error,
                                    format!(
                                        "unrecognized enforcementAction {action:?}: {}",
                                        violation.msg
                                    ),
                                ));
                                continue;
                            }
                            _ => (Verdict::Skip, false),
                        };
                        let mut f = finding(verdict, violation.msg);
                        f.scored = scored;
                        if violation.details.as_object().is_some_and(|d| !d.is_empty()) {
                            f = f.with_property("details", violation.details.to_string());
                        }
                        out.push(f);
                    }
                }
            }
        }
    }
}
