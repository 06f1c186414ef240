//! gator test suites (`test.gatekeeper.sh/v1alpha1` `Suite`), run with `gator verify`'s
//! semantics: every case starts from a fresh engine holding only its test's template and
//! constraint plus the case's inventory; all assertions of a case must hold.
//!
//! No I/O here: the caller hands in a function that reads the documents of a file named
//! relative to the suite.

use crate::constraint::Constraint;
use crate::error::Error;
use crate::review;
use crate::template::{EngineChoice, Template};
use crate::GatekeeperSet;

/// gator's enforcement point (for `scoped` constraints).
pub const GATOR_POINT: &str = "gator.gatekeeper.sh";
use kanon_core::object;
use serde_json::Value;

/// A suite file.
#[derive(Debug, Clone)]
pub struct Suite {
    /// `metadata.name`.
    pub name: String,
    /// `skip`: the whole suite is skipped.
    pub skip: bool,
    /// The tests.
    pub tests: Vec<SuiteTest>,
}

/// One test: a template, a constraint, and cases.
#[derive(Debug, Clone)]
pub struct SuiteTest {
    /// `name`.
    pub name: String,
    /// Path of the template, relative to the suite file.
    pub template: String,
    /// Path of the constraint.
    pub constraint: String,
    /// `expansion` (an ExpansionTemplate), when given.
    pub expansion: Option<String>,
    /// `invalid`: the constraint must fail validation.
    pub invalid: bool,
    /// `skip`.
    pub skip: bool,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One case: an object under review and what must be said about it.
#[derive(Debug, Clone)]
pub struct Case {
    /// `name`.
    pub name: String,
    /// Path of the object (exactly one document).
    pub object: String,
    /// Paths of inventory files.
    pub inventory: Vec<String>,
    /// `skip`.
    pub skip: bool,
    /// The assertions; all must hold.
    pub assertions: Vec<Assertion>,
    /// Why the case is malformed (an invalid assertion), if it is.
    pub invalid: Option<String>,
}

/// One assertion.
#[derive(Debug, Clone)]
pub struct Assertion {
    /// How many matching results are expected.
    pub violations: Expectation,
    /// Only results whose message matches this (unanchored) regular expression count.
    pub message: Option<String>,
}

/// `violations: yes | no | N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// At least one.
    Yes,
    /// None.
    No,
    /// Exactly this many.
    Count(usize),
}

impl std::fmt::Display for Assertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.violations {
            Expectation::Yes => write!(f, "violations: yes")?,
            Expectation::No => write!(f, "violations: no")?,
            Expectation::Count(n) => write!(f, "violations: {n}")?,
        }
        if let Some(message) = &self.message {
            write!(f, " /{message}/")?;
        }
        Ok(())
    }
}

/// Whether a document is a gator suite.
pub fn is_suite_document(document: &Value) -> bool {
    object::kind(document) == "Suite"
        && object::api_version(document).starts_with("test.gatekeeper.sh/")
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// Reads a suite document.
pub fn parse_suite(document: &Value) -> Result<Suite, Error> {
    let name = object::name(document).to_owned();
    let invalid = |reason: String| Error::Suite {
        name: name.clone(),
        reason,
    };
    if document
        .get("tests")
        .is_some_and(|t| !t.is_array() && !t.is_null())
    {
        return Err(invalid("tests must be a list".to_owned()));
    }
    let mut tests = Vec::new();
    for test in document
        .get("tests")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let test_name = text(test, "name");
        let mut cases = Vec::new();
        for case in test
            .get("cases")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let case_name = text(case, "name");
            let mut assertions = Vec::new();
            let mut invalid_assertion = None;
            for assertion in case
                .get("assertions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let violations = match assertion.get("violations") {
                    None | Some(Value::Null) => Ok(Expectation::Yes),
                    Some(Value::String(s)) if s == "yes" => Ok(Expectation::Yes),
                    Some(Value::String(s)) if s == "no" => Ok(Expectation::No),
                    // kanon's YAML reader follows Kubernetes (YAML 1.1), where an unquoted
                    // yes/no is a boolean; gator reads them as the strings.
                    Some(Value::Bool(true)) => Ok(Expectation::Yes),
                    Some(Value::Bool(false)) => Ok(Expectation::No),
                    Some(Value::Number(n)) => n
                        .as_u64()
                        .map(|n| Expectation::Count(usize::try_from(n).unwrap_or(usize::MAX)))
                        .ok_or_else(|| n.to_string()),
                    Some(other) => Err(other.to_string()),
                };
                // An invalid assertion fails its case only, as in gator.
                let violations = match violations {
                    Ok(v) => v,
                    Err(got) => {
                        invalid_assertion.get_or_insert(format!(
                            "invalid assertion: violations must be \"yes\", \"no\" or a count >= 0, got {got}"
                        ));
                        Expectation::Yes
                    }
                };
                let message = assertion
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                assertions.push(Assertion {
                    violations,
                    message,
                });
            }
            cases.push(Case {
                name: case_name,
                object: text(case, "object"),
                inventory: case
                    .get("inventory")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                skip: flag(case, "skip"),
                assertions,
                invalid: invalid_assertion,
            });
        }
        tests.push(SuiteTest {
            name: test_name,
            template: text(test, "template"),
            constraint: text(test, "constraint"),
            expansion: test
                .get("expansion")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            invalid: flag(test, "invalid"),
            skip: flag(test, "skip"),
            cases,
        });
    }
    Ok(Suite {
        name,
        skip: flag(document, "skip"),
        tests,
    })
}

/// How a case went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every assertion held.
    Pass,
    /// One did not (or the case could not run).
    Fail,
    /// Skipped by the suite.
    Skip,
}

/// The outcome of one case.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    /// The case's name.
    pub name: String,
    /// The constraint (`Kind/name`).
    pub constraint: String,
    /// What the assertions expect, in short.
    pub expected: String,
    /// The outcome.
    pub outcome: Outcome,
    /// `Ok`, or what went wrong.
    pub reason: String,
    /// The messages of the results.
    pub messages: Vec<String>,
}

/// The outcome of one test.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The test's name.
    pub name: String,
    /// Why the test could not run (its template or constraint did not load).
    pub error: Option<String>,
    /// One outcome per case.
    pub cases: Vec<CaseOutcome>,
}

/// Reads the documents of a file named relative to the suite.
pub type ReadFn<'a> = dyn Fn(&str) -> Result<Vec<Value>, String> + 'a;

/// Runs a suite. `filter` (gator's `--run`) selects tests and cases by name: `TEST` or
/// `TEST//CASE` regular expressions.
pub fn run_suite(
    suite: &Suite,
    read: &ReadFn<'_>,
    filter: Option<&Filter>,
    engine: EngineChoice,
) -> Vec<TestOutcome> {
    suite
        .tests
        .iter()
        .filter(|t| {
            filter.is_none_or(|f| {
                selected(f, &t.name, None)
                    || (f.case.is_none()
                        && t.cases.iter().any(|c| selected(f, &t.name, Some(&c.name))))
            })
        })
        .map(|test| {
            if suite.skip || test.skip {
                return TestOutcome {
                    name: test.name.clone(),
                    error: None,
                    cases: test
                        .cases
                        .iter()
                        .map(|c| skipped(c, "skipped by the suite"))
                        .collect(),
                };
            }
            run_test(test, read, filter, engine)
        })
        .collect()
}

/// gator's filters: `TEST//CASE` needs both to match; a single pattern selects a test when
/// the test or any of its cases matches, and a case when it or its test matches.
fn selected(filter: &Filter, test: &str, case: Option<&str>) -> bool {
    match (&filter.case, case) {
        (Some(c), Some(case)) => filter.test.is_match(test) && c.is_match(case),
        (Some(_), None) => filter.test.is_match(test),
        (None, Some(case)) => filter.test.is_match(test) || filter.test.is_match(case),
        (None, None) => filter.test.is_match(test),
    }
}

/// gator's `--run`: `TEST` or `TEST//CASE`, each a regular expression.
#[derive(Debug, Clone)]
pub struct Filter {
    test: regex::Regex,
    case: Option<regex::Regex>,
}

impl Filter {
    /// Parses a `--run` value.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let parts: Vec<&str> = text.split("//").collect();
        let compile = |p: &str| regex::Regex::new(p).map_err(|e| format!("{p:?}: {e}"));
        match parts.as_slice() {
            [test] => Ok(Filter {
                test: compile(test)?,
                case: None,
            }),
            [test, case] => Ok(Filter {
                test: compile(test)?,
                case: Some(compile(case)?),
            }),
            _ => Err(format!("{text:?}: at most one `//` (TEST//CASE)")),
        }
    }
}

fn skipped(case: &Case, why: &str) -> CaseOutcome {
    CaseOutcome {
        name: case.name.clone(),
        constraint: String::new(),
        expected: expected_text(&case.assertions),
        outcome: Outcome::Skip,
        reason: why.to_owned(),
        messages: Vec::new(),
    }
}

fn expected_text(assertions: &[Assertion]) -> String {
    let parts: Vec<String> = assertions.iter().map(ToString::to_string).collect();
    parts.join(", ")
}

fn one_document(read: &ReadFn<'_>, path: &str, what: &str) -> Result<Value, String> {
    let mut documents = read(path)?;
    match documents.len() {
        1 => Ok(documents.remove(0)),
        0 => Err(format!("{what} {path}: no document")),
        n => Err(format!("{what} {path}: {n} documents, want exactly one")),
    }
}

fn run_test(
    test: &SuiteTest,
    read: &ReadFn<'_>,
    filter: Option<&Filter>,
    engine: EngineChoice,
) -> TestOutcome {
    let mut outcome = TestOutcome {
        name: test.name.clone(),
        error: None,
        cases: Vec::new(),
    };
    let loaded = (|| -> Result<Option<(Template, Constraint)>, String> {
        if let Some(expansion) = &test.expansion {
            return Err(format!(
                "expansion {expansion}: ExpansionTemplates are not supported by kanon yet"
            ));
        }
        let template = one_document(read, &test.template, "template")?;
        let template = Template::compile(&template, engine).map_err(|e| e.to_string())?;
        let constraint = one_document(read, &test.constraint, "constraint")?;
        let mut constraint = Constraint::from_value(&constraint).map_err(|e| e.to_string())?;
        if constraint.kind != template.kind {
            return Err(format!(
                "constraint {}/{}: the template defines the kind {:?}",
                constraint.kind, constraint.name, template.kind
            ));
        }
        // Only a schema violation makes a constraint "invalid" to gator.
        let parsed = constraint
            .bind(template.schema.as_ref())
            .map(|()| constraint);
        match (parsed, test.invalid) {
            (Ok(c), false) => Ok(Some((template, c))),
            (Err(e), false) => Err(e.to_string()),
            (Err(_), true) => Ok(None),
            (Ok(c), true) => Err(format!(
                "constraint {}/{} is valid, but the test says it is invalid",
                c.kind, c.name
            )),
        }
    })();
    let (template, constraint) = match loaded {
        Err(e) => {
            outcome.error = Some(e);
            return outcome;
        }
        Ok(None) => {
            outcome.cases.push(CaseOutcome {
                name: "invalid constraint".to_owned(),
                constraint: test.constraint.clone(),
                expected: "rejected".to_owned(),
                outcome: Outcome::Pass,
                reason: "Ok".to_owned(),
                messages: Vec::new(),
            });
            return outcome;
        }
        Ok(Some(loaded)) => loaded,
    };
    let label = format!("{}/{}", constraint.kind, constraint.name);
    for case in &test.cases {
        if filter.is_some_and(|f| !selected(f, &test.name, Some(&case.name))) {
            continue;
        }
        if case.skip {
            outcome.cases.push(skipped(case, "skipped by the suite"));
            continue;
        }
        let mut row = match run_case(case, &template, &constraint, read) {
            Ok(row) => row,
            Err(reason) => CaseOutcome {
                name: case.name.clone(),
                constraint: String::new(),
                expected: expected_text(&case.assertions),
                outcome: Outcome::Fail,
                reason,
                messages: Vec::new(),
            },
        };
        row.constraint.clone_from(&label);
        outcome.cases.push(row);
    }
    outcome
}

fn run_case(
    case: &Case,
    template: &Template,
    constraint: &Constraint,
    read: &ReadFn<'_>,
) -> Result<CaseOutcome, String> {
    if let Some(invalid) = &case.invalid {
        return Err(invalid.clone());
    }
    if case.assertions.is_empty() {
        return Err("the case has no assertions".to_owned());
    }
    let object = one_document(read, &case.object, "object")?;
    let mut inventory_objects = Vec::new();
    for file in &case.inventory {
        inventory_objects.extend(read(file)?);
    }
    let review = if review::is_admission_review(&object) {
        let request = object
            .get("request")
            .ok_or_else(|| format!("object {}: the AdmissionReview has no request", case.object))?;
        review::review_of_request(request).map_err(|e| format!("object {}: {e}", case.object))?
    } else {
        review::review_of_object(&object)
    };
    let template = if case.inventory.is_empty() {
        template.clone()
    } else {
        let inventory = review::inventory(inventory_objects.iter().cloned());
        template
            .with_inventory(&inventory)
            .map_err(|e| e.to_string())?
    };
    // The inventory's Namespace serves namespaceSelector matching; gator's review itself
    // carries no namespaceObject.
    let namespace_labels =
        namespace_object(&review, &inventory_objects).map(crate::constraint::labels_of);
    let mut review = review;
    if let Some(map) = review.as_object_mut() {
        map.insert("namespaceObject".into(), Value::Null);
    }
    let set = GatekeeperSet::new(vec![template], vec![constraint.clone()], None);
    // A scoped constraint acts in gator only when it names gator's enforcement point.
    let messages: Vec<String> = if constraint.enforcement.at(GATOR_POINT).is_none() {
        Vec::new()
    } else {
        set.review(&review, namespace_labels.as_ref())
            .into_iter()
            .flat_map(|r| match r.violations {
                Ok(v) => v.into_iter().map(|v| v.msg).collect::<Vec<_>>(),
                Err(e) => vec![e],
            })
            .collect()
    };
    let row = CaseOutcome {
        name: case.name.clone(),
        constraint: String::new(),
        expected: expected_text(&case.assertions),
        outcome: Outcome::Pass,
        reason: "Ok".to_owned(),
        messages: Vec::new(),
    };
    check_assertions(case, row, &messages)
}

/// Checks every assertion of `case` against the result messages.
fn check_assertions(
    case: &Case,
    mut row: CaseOutcome,
    messages: &[String],
) -> Result<CaseOutcome, String> {
    let mut failures = Vec::new();
    for assertion in &case.assertions {
        let matching = match &assertion.message {
            None => messages.len(),
            Some(pattern) => {
                let regex = regex::Regex::new(pattern)
                    .map_err(|e| format!("assertion message {pattern:?}: {e}"))?;
                messages.iter().filter(|m| regex.is_match(m)).count()
            }
        };
        let holds = match assertion.violations {
            Expectation::Yes => matching > 0,
            Expectation::No => matching == 0,
            Expectation::Count(n) => matching == n,
        };
        if !holds {
            failures.push(format!("want {assertion}, got {matching}"));
        }
    }
    if !failures.is_empty() {
        row.outcome = Outcome::Fail;
        row.reason = failures.join("; ");
    }
    row.messages = messages.to_vec();
    Ok(row)
}

/// The review's Namespace, when the inventory holds it.
fn namespace_object<'a>(review: &Value, inventory: &'a [Value]) -> Option<&'a Value> {
    let namespace = review::ReviewFacts::of_review(review).namespace?;
    inventory.iter().find(|o| {
        object::kind(o) == "Namespace"
            && object::api_version(o) == "v1"
            && object::name(o) == namespace
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn files() -> BTreeMap<&'static str, Value> {
        let template = json!({
            "apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
            "metadata": {"name": "k8sdeny"},
            "spec": {
                "crd": {"spec": {"names": {"kind": "K8sDeny"}, "validation": {"openAPIV3Schema": {
                    "type": "object", "properties": {"n": {"type": "integer"}}}}}},
                "targets": [{"target": "admission.k8s.gatekeeper.sh",
                    "rego": "package k8sdeny\nviolation[{\"msg\": \"denied\"}] { true }\n"}]
            }
        });
        let constraint = |name: &str, spec: Value| {
            json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sDeny",
                "metadata": {"name": name}, "spec": spec})
        };
        BTreeMap::from([
            ("template.yaml", template),
            (
                "good.yaml",
                constraint("good", json!({"parameters": {"n": 1}})),
            ),
            (
                "bad.yaml",
                constraint("bad", json!({"parameters": {"n": "one"}})),
            ),
            (
                "scoped.yaml",
                constraint(
                    "scoped",
                    json!({"enforcementAction": "scoped", "scopedEnforcementActions": [
                        {"action": "deny", "enforcementPoints": [{"name": "audit.gatekeeper.sh"}]}]}),
                ),
            ),
            (
                "pod.yaml",
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}),
            ),
        ])
    }

    fn run(tests: Value) -> Vec<TestOutcome> {
        let files = files();
        let read = |path: &str| -> Result<Vec<Value>, String> {
            files
                .get(path)
                .cloned()
                .map(|d| vec![d])
                .ok_or(format!("{path}: missing"))
        };
        let suite = parse_suite(
            &json!({"kind": "Suite", "apiVersion": "test.gatekeeper.sh/v1alpha1",
            "metadata": {"name": "s"}, "tests": tests}),
        )
        .unwrap();
        run_suite(&suite, &read, None, EngineChoice::PreferCel)
    }

    #[test]
    fn invalid_constraints_and_scoped_actions() {
        let case = |violations: &str| json!([{"name": "c", "object": "pod.yaml", "assertions": [{"violations": violations}]}]);
        let out = run(json!([
            {"name": "good", "template": "template.yaml", "constraint": "good.yaml", "cases": case("yes")},
            {"name": "bad-is-invalid", "template": "template.yaml", "constraint": "bad.yaml", "invalid": true},
            {"name": "good-is-not-invalid", "template": "template.yaml", "constraint": "good.yaml", "invalid": true},
            {"name": "bad-fails", "template": "template.yaml", "constraint": "bad.yaml", "cases": case("yes")},
            {"name": "scoped-elsewhere", "template": "template.yaml", "constraint": "scoped.yaml", "cases": case("no")},
            {"name": "bad-assertion", "template": "template.yaml", "constraint": "good.yaml", "cases": case("maybe")}
        ]));
        let summary: Vec<(String, Option<bool>, Vec<Outcome>)> = out
            .into_iter()
            .map(|t| {
                (
                    t.name,
                    t.error.map(|_| true),
                    t.cases.into_iter().map(|c| c.outcome).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("good".to_owned(), None, vec![Outcome::Pass]),
                ("bad-is-invalid".to_owned(), None, vec![Outcome::Pass]),
                ("good-is-not-invalid".to_owned(), Some(true), vec![]),
                ("bad-fails".to_owned(), Some(true), vec![]),
                ("scoped-elsewhere".to_owned(), None, vec![Outcome::Pass]),
                ("bad-assertion".to_owned(), None, vec![Outcome::Fail]),
            ]
        );
    }
}
