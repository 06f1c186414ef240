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
pub mod constraint;
mod error;
pub mod review;
mod schema;
mod source;
pub mod suite;
pub mod template;

pub use constraint::{Constraint, Enforcement, Match, Subject};
pub use error::Error;
pub use template::{Template, Violation};

use kanon_core::{object, EvalContext, Finding, Labels, Policy, Verdict};
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
        inventory: Option<&Value>,
    ) -> GatekeeperSet {
        let mut by_kind: BTreeMap<String, Arc<Template>> = BTreeMap::new();
        for template in templates {
            let template = match inventory {
                Some(inventory) if template.reads_inventory => {
                    template.with_inventory(inventory).unwrap_or(template)
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
                            let params = regorus::Value::from(constraint.parameters.clone());
                            (template, params)
                        })
                        .map_err(|e| e.to_string()),
                };
                let template_name = binding
                    .as_ref()
                    .map(|(t, _)| t.name.as_str())
                    .unwrap_or(constraint.kind.as_str())
                    .to_lowercase();
                Bound {
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

    /// Reviews `review` (`input.review`) against every constraint that matches it. Results are
    /// in constraint order; constraints that do not match are left out.
    pub fn review(
        &self,
        review: &Value,
        namespace_labels: Option<&Labels>,
    ) -> Vec<ConstraintResult<'_>> {
        let group = review
            .pointer("/kind/group")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = review
            .pointer("/kind/kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut results = Vec::new();
        let mut input_review: Option<regorus::Value> = None;
        for bound in &self.bound {
            if !bound.constraint.matcher.may_match(group, kind) {
                continue;
            }
            let violations = match matches(&bound.constraint.matcher, review, namespace_labels) {
                Ok(false) => continue,
                Err(e) => Err(e),
                Ok(true) => match &bound.binding {
                    Err(e) => Err(e.clone()),
                    Ok((template, params)) => {
                        let review_value = input_review
                            .get_or_insert_with(|| regorus::Value::from(review.clone()))
                            .clone();
                        let mut input = BTreeMap::new();
                        input.insert(regorus::Value::from("review"), review_value);
                        input.insert(regorus::Value::from("parameters"), params.clone());
                        template.evaluate(regorus::Value::from(input))
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
    review: &Value,
    namespace_labels: Option<&Labels>,
) -> Result<bool, String> {
    let group = review
        .pointer("/kind/group")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = review
        .pointer("/kind/kind")
        .and_then(Value::as_str)
        .unwrap_or("");
    let null = Value::Null;
    let object = review.get("object").filter(|o| !o.is_null());
    let old = review.get("oldObject").filter(|o| !o.is_null());
    let namespace = review
        .get("namespace")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .or_else(|| object.or(old).and_then(object::namespace));
    let subject = |o: &Value| {
        matcher.matches(&Subject {
            group,
            kind,
            object: o,
            namespace,
            namespace_labels,
            generated: false,
        })
    };
    let update = review.get("operation").and_then(Value::as_str) == Some("UPDATE");
    match (object, old) {
        (Some(o), Some(old)) if update => Ok(subject(o)? || subject(old)?),
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
        let review = review::review_of(request);
        let results = self.review(&review, ctx.namespace_labels);
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
