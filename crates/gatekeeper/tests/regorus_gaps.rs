//! Regression tests for the places where regorus 0.14.1 differs from OPA and kanon's layer
//! makes templates behave as under Gatekeeper (issue #6, item 4 (a)–(f)).

use kanon_gatekeeper::{Constraint, GatekeeperSet, Template};
use serde_json::{json, Value};

fn template(rego: &str) -> Result<Template, String> {
    Template::from_value(&json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8stest"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "K8sTest"}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": rego}]
        }
    }))
    .map_err(|e| e.to_string())
}

/// The messages the template reports for `object` with `parameters`.
fn messages(rego: &str, object: Value, parameters: Value) -> Vec<String> {
    let template = template(rego).expect("template compiles");
    let constraint = Constraint::from_value(&json!({
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "K8sTest",
        "metadata": {"name": "test"},
        "spec": {"parameters": parameters}
    }))
    .expect("constraint loads");
    let set = GatekeeperSet::new(vec![template], vec![constraint], None);
    let review = kanon_gatekeeper::review::review_of_object(&object);
    let mut out: Vec<String> = set
        .review(&review, None)
        .into_iter()
        .flat_map(|r| match r.violations {
            Ok(v) => v.into_iter().map(|v| v.msg).collect(),
            Err(e) => vec![format!("ERROR {e}")],
        })
        .collect();
    out.sort();
    out
}

fn pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}})
}

#[test]
fn a_chained_rule_bodies_are_alternative_definitions() {
    let rego = r#"package k8stest
violation[{"msg": msg}] {
  input.review.object.kind == "Pod"
  msg := "first"
} {
  input.review.object.metadata.name == "p"
  msg := "second"
}
f(x) = "a" { x == 1 } { x == 2 }
violation[{"msg": msg}] { msg := f(2) }
"#;
    assert_eq!(messages(rego, pod(), json!({})), ["a", "first", "second"]);
}

#[test]
fn b_a_parenthesised_line_is_a_new_expression() {
    let rego = r#"package k8stest
violation[{"msg": "spread too small"}] {
  hpa := input.parameters
  hpa.min
  (hpa.max - hpa.min) < 3
}
"#;
    assert_eq!(
        messages(rego, pod(), json!({"min": 1, "max": 2})),
        ["spread too small"]
    );
    assert!(messages(rego, pod(), json!({"min": 1, "max": 9})).is_empty());
}

#[test]
fn c_sprintf_renders_like_go() {
    let rego = r#"package k8stest
violation[{"msg": msg}] {
  msg := sprintf("%v needs %v and %v", ["p", 1.5])
}
violation[{"msg": msg}] {
  msg := sprintf("%v|%d|%s|%v", [{"a": [1, "x"]}, "str", 7, 100000000000])
}
"#;
    assert_eq!(
        messages(rego, pod(), json!({})),
        [
            "p needs 1.5 and %!v(MISSING)",
            r#"{"a": [1, "x"]}|%!d(string=str)|%!s(int=7)|100000000000"#
        ]
    );
}

#[test]
fn d_negating_a_call_with_an_undefined_argument_fails_the_body() {
    let rego = r#"package k8stest
import future.keywords.in
is_allowed(x) { x == "ok" }
violation[{"msg": "call"}] { not is_allowed(input.parameters.missing) }
violation[{"msg": "builtin"}] { not startswith(input.parameters.missing, "a") }
violation[{"msg": "comparison"}] { not input.parameters.missing > 1 }
violation[{"msg": "plain"}] { not input.parameters.missing }
violation[{"msg": "equality"}] { not input.parameters.missing == 1 }
violation[{"msg": "defined"}] { not is_allowed(input.parameters.present) }
violation[{"msg": "contains"}] { not contains(input.parameters.missing, "x") }
violation[{"msg": "membership"}] { not "a" in input.parameters.missing }
violation[{"msg": "dynamic ref"}] { not input.parameters[input.parameters.missing] }
violation[{"msg": "literal"}] { not count([input.parameters.missing]) == 0 }
violation[{"msg": "with"}] { not is_allowed(input.parameters.present) with input.parameters.present as "ok" }
"#;
    // OPA: only the plain negated reference, the negated equality and the call on a defined
    // argument hold; the others fail because their argument is undefined.
    assert_eq!(
        messages(rego, pod(), json!({"present": "no"})),
        ["defined", "equality", "plain"]
    );
}

#[test]
fn e_deprecated_builtins_work() {
    let rego = r#"package k8stest
violation[{"msg": "re_match"}] { re_match("^p$", input.review.object.metadata.name) }
violation[{"msg": "any"}] { any([false, true]) }
violation[{"msg": "all"}] { all([true, true]) }
violation[{"msg": "not all"}] { all([true, false]) }
violation[{"msg": "cast"}] { count(cast_set(["a", "a", "b"])) == 2; cast_array({"x"}) == ["x"] }
"#;
    assert_eq!(
        messages(rego, pod(), json!({})),
        ["all", "any", "cast", "re_match"]
    );
}

#[test]
fn f_unknown_functions_are_load_errors() {
    let rego = r#"package k8stest
violation[{"msg": "x"}] {
  input.review.object
  no_such_function(1)
}
"#;
    let err = template(rego).expect_err("an unknown function is a load error");
    assert!(
        err.contains("template.rego:4") && err.contains("no_such_function"),
        "{err}"
    );
    // Functions defined by libraries are known.
    let ok = Template::from_value(&json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8stest"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "K8sTest"}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh",
                "rego": "package k8stest\nimport data.lib.helpers\nviolation[{\"msg\": \"x\"}] { helpers.yes(1) }\n",
                "libs": ["package lib.helpers\nyes(x) { x == 1 }\n"]}]
        }
    }));
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn builtin_errors_are_undefined_and_other_errors_are_results() {
    // As under Gatekeeper (OPA without strict builtin errors), a builtin that errs only makes
    // its expression undefined; the other violations stay.
    let rego = r#"package k8stest
violation[{"msg": "a"}] { true }
violation[{"msg": "b"}] { to_number(input.review.object.metadata.name) > 1 }
"#;
    assert_eq!(messages(rego, pod(), json!({})), ["a"]);
    // A conflict between complete rule values is an evaluation error: one result with its text.
    let rego = r#"package k8stest
x = 1 { true }
x = 2 { true }
violation[{"msg": "x"}] { x == 1 }
"#;
    let out = messages(rego, pod(), json!({}));
    assert_eq!(out.len(), 1);
    assert!(out[0].starts_with("ERROR"), "{out:?}");
}

#[test]
fn duplicate_violations_are_one_result() {
    let rego = r#"package k8stest
violation[{"msg": "same", "container": c}] { c := ["a", "b"][_] }
"#;
    assert_eq!(messages(rego, pod(), json!({})), ["same"]);
}

#[test]
fn schema_defaults_and_bad_parameters() {
    let doc = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8stest"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "K8sTest"}, "validation": {"openAPIV3Schema": {
                "type": "object",
                "properties": {"mode": {"type": "string", "default": "strict"}, "limit": {"type": "integer"}}
            }}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh",
                "rego": "package k8stest\nviolation[{\"msg\": input.parameters.mode}] { true }\n"}]
        }
    });
    let constraint = |params: Value| {
        Constraint::from_value(&json!({
            "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sTest",
            "metadata": {"name": "c"}, "spec": {"parameters": params}
        }))
        .expect("loads")
    };
    let set = GatekeeperSet::new(
        vec![Template::from_value(&doc).expect("compiles")],
        vec![constraint(json!({})), constraint(json!({"limit": "ten"}))],
        None,
    );
    let review = kanon_gatekeeper::review::review_of_object(&pod());
    let results = set.review(&review, None);
    assert_eq!(
        results[0].violations.as_ref().expect("evaluates")[0].msg,
        "strict"
    );
    let err = results[1].violations.as_ref().expect_err("bad parameter");
    assert!(err.contains("spec.parameters.limit"), "{err}");
}

#[test]
fn templates_with_both_engines_run_the_chosen_one() {
    use kanon_gatekeeper::EngineChoice;
    let doc = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8stest"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "K8sTest"}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "code": [
                {"engine": "K8sNativeValidation", "source": {"validations": [
                    {"expression": "variables.anyObject.metadata.name != 'p'",
                     "messageExpression": "'cel: ' + variables.anyObject.metadata.name + ' ' + string(variables.params.n)"}
                ]}},
                {"engine": "Rego", "source": {"rego":
                    "package k8stest\nviolation[{\"msg\": msg}] { msg := sprintf(\"rego: %v %v\", [input.review.object.metadata.name, input.parameters.n]) }\n"}}
            ]}]
        }
    });
    let constraint = Constraint::from_value(&json!({
        "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sTest",
        "metadata": {"name": "c"}, "spec": {"parameters": {"n": 3}}
    }))
    .unwrap();
    let review = kanon_gatekeeper::review::review_of_object(&pod());
    for (choice, want) in [
        (EngineChoice::PreferCel, "cel: p 3"),
        (EngineChoice::Rego, "rego: p 3"),
    ] {
        let template = Template::compile(&doc, choice).unwrap();
        assert_eq!(template.uses_cel(), choice == EngineChoice::PreferCel);
        let set = GatekeeperSet::new(vec![template], vec![constraint.clone()], None);
        let results = set.review(&review, None);
        assert_eq!(results[0].violations.as_ref().unwrap()[0].msg, want);
    }
}

#[test]
fn admission_reviews_match_on_the_objects_own_kind() {
    // An AdmissionReview request without `kind`: the object's apiVersion/kind decide.
    let rego = "package k8stest\nviolation[{\"msg\": input.review.operation}] { true }\n";
    let template = template(rego).unwrap();
    let constraint = Constraint::from_value(&json!({
        "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sTest", "metadata": {"name": "c"},
        "spec": {"match": {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}}
    }))
    .unwrap();
    let set = GatekeeperSet::new(vec![template], vec![constraint], None);
    let review = kanon_gatekeeper::review::review_of_request(&json!({
        "operation": "CREATE", "object": pod()
    }))
    .unwrap();
    let results = set.review(&review, None);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].violations.as_ref().unwrap()[0].msg, "CREATE");
    // A DELETE without its old object is rejected, as gator does.
    assert!(kanon_gatekeeper::review::review_of_request(&json!({"operation": "DELETE"})).is_err());
}

#[test]
fn absent_parameters_get_no_defaults() {
    let doc = json!({
        "apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
        "metadata": {"name": "k8stest"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "K8sTest"}, "validation": {"openAPIV3Schema": {
                "type": "object", "properties": {"mode": {"type": "string", "default": "strict"}}}}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh",
                "rego": "package k8stest\nviolation[{\"msg\": m}] { m := sprintf(\"%v\", [input.parameters]) }\n"}]
        }
    });
    let constraint = Constraint::from_value(&json!({
        "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sTest", "metadata": {"name": "c"}
    }))
    .unwrap();
    let set = GatekeeperSet::new(
        vec![Template::from_value(&doc).unwrap()],
        vec![constraint],
        None,
    );
    let review = kanon_gatekeeper::review::review_of_object(&pod());
    assert_eq!(
        set.review(&review, None)[0].violations.as_ref().unwrap()[0].msg,
        "{}"
    );
}
