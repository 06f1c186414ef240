//! Evaluation tests: grammar and precedence, Kyverno's missing-key rules at every site, and
//! Kyverno's documented examples re-expressed as cases.

use serde_json::{json, Value};

use crate::{search, ArgSpec, Error, Expression, Function, JpType, Runtime, Signature};

fn check(expression: &str, data: &Value, expected: Value) {
    let runtime = Runtime::kyverno().with_now(1_700_000_000);
    match search(expression, data, &runtime) {
        Ok(actual) => assert_eq!(actual, expected, "{expression}"),
        Err(error) => panic!("{expression}: unexpected error {error}"),
    }
}

fn check_not_found(expression: &str, data: &Value, key: &str) {
    match search(expression, data, &Runtime::kyverno()) {
        Err(Error::NotFound { key: missing }) => assert_eq!(missing, key, "{expression}"),
        other => panic!("{expression}: expected NotFound({key}), got {other:?}"),
    }
}

fn pod() -> Value {
    json!({
        "metadata": {"name": "web", "labels": {"app": "shop", "tier": null}},
        "spec": {
            "containers": [
                {"name": "a", "image": "nginx", "ports": [{"containerPort": 80}, {"containerPort": 443}]},
                {"name": "b", "image": "redis:7", "securityContext": {"privileged": true}}
            ],
            "hostNetwork": false
        }
    })
}

#[test]
fn field_access_and_missing_keys() {
    let pod = pod();
    check("metadata.name", &pod, json!("web"));
    // A key that holds null is not missing.
    check("metadata.labels.tier", &pod, json!(null));
    // Field access on null or non-objects is null.
    check("metadata.labels.tier.x", &pod, json!(null));
    check("metadata.name.x", &pod, json!(null));
    check("spec.containers.name", &pod, json!(null));
    check("spec.containers[0].name.first", &pod, json!(null));
    // A missing key is an error that travels through sub-expressions and indexes.
    check_not_found("metadata.annotations", &pod, "annotations");
    check_not_found("metadata.annotations.x", &pod, "annotations");
    check_not_found("metadata.annotations[0]", &pod, "annotations");
    check_not_found("spec.containers[1].ports", &pod, "ports");
    check_not_found(
        "spec.containers[0].securityContext.privileged",
        &pod,
        "securityContext",
    );
    check_not_found("\"no-such\"", &pod, "no-such");
    // Indexing out of range or indexing a non-array is null.
    check("spec.containers[5]", &pod, json!(null));
    check("metadata[0]", &pod, json!(null));
}

#[test]
fn where_missing_keys_become_null() {
    let pod = pod();
    // Pipes, on both sides.
    check("metadata.missing | @", &pod, json!(null));
    check("metadata | missing", &pod, json!(null));
    assert!(matches!(
        search("metadata.missing | length(@)", &pod, &Runtime::kyverno()),
        Err(Error::InvalidType { .. })
    ));
    // `||` on both sides.
    check("metadata.missing || 'default'", &pod, json!("default"));
    check("metadata.name || metadata.missing", &pod, json!("web"));
    check("metadata.missing || metadata.other", &pod, json!(null));
    // `&&`: the left side is forgiven, the right side is not.
    check("metadata.missing && metadata.name", &pod, json!(null));
    check_not_found("metadata.name && metadata.missing", &pod, "missing");
    // `!` (which binds tighter than `.`: `!metadata.missing` is `(!metadata).missing`).
    check("!(metadata.missing)", &pod, json!(true));
    check("!metadata.missing", &pod, json!(null));
    // Comparisons.
    check("metadata.missing == `null`", &pod, json!(true));
    check("metadata.missing != 'x'", &pod, json!(true));
    check("metadata.missing < `1`", &pod, json!(null));
    // Function arguments.
    check("to_string(metadata.missing)", &pod, json!("null"));
    check("not_null(metadata.missing, 'x')", &pod, json!("x"));
    // Projections, filters, flattens and object projections over a missing left side.
    check("metadata.missing[*].x", &pod, json!(null));
    check("metadata.missing[?x]", &pod, json!(null));
    check("metadata.missing[]", &pod, json!(null));
    check("metadata.missing.*", &pod, json!(null));
    // Projected elements that miss the key are skipped.
    check(
        "spec.containers[*].securityContext.privileged",
        &pod,
        json!([true]),
    );
    check(
        "spec.containers[?securityContext.privileged].name",
        &pod,
        json!(["b"]),
    );
    check(
        "spec.containers[].ports[].containerPort",
        &pod,
        json!([80, 443]),
    );
    check(
        "spec.containers[*].ports[0].containerPort",
        &pod,
        json!([80]),
    );
    check("metadata.*.app", &pod, json!(["shop"]));
    check("metadata.*.missing", &pod, json!([]));
    // Multi-selects give null for missing entries.
    check("metadata.[name, missing]", &pod, json!(["web", null]));
    check(
        "metadata.{n: name, m: missing}",
        &pod,
        json!({"n": "web", "m": null}),
    );
    // Function errors are not missing keys and are not forgiven.
    assert!(matches!(
        search("metadata.missing || length(`1`)", &pod, &Runtime::kyverno()),
        Err(Error::InvalidType { .. })
    ));
    // A missing key inside a function argument becomes null, and may then be a type error.
    assert!(matches!(
        search("length(metadata.missing)", &pod, &Runtime::kyverno()),
        Err(Error::InvalidType { .. })
    ));
}

#[test]
fn grammar_and_precedence() {
    let data = json!({
        "a": {"b": [1, 2, 3, 4, 5], "c": {"x": 1, "y": 2}},
        "people": [{"n": "x", "age": 10}, {"n": "y", "age": 20}, {"n": "z", "age": 30}],
        "nested": [[1, 2], [3, [4]], 5],
        "t": true, "f": false, "e": "", "zero": 0
    });
    check("a.b[0]", &data, json!(1));
    check("a.b[-1]", &data, json!(5));
    check("a.b[1:3]", &data, json!([2, 3]));
    check("a.b[::-2]", &data, json!([5, 3, 1]));
    check("a.b[-2:]", &data, json!([4, 5]));
    check("a.b[:100]", &data, json!([1, 2, 3, 4, 5]));
    check("a.c.*", &data, json!([1, 2]));
    check("people[*].n", &data, json!(["x", "y", "z"]));
    check("people[?age > `15`].n", &data, json!(["y", "z"]));
    check("people[?age >= `20` && n != 'z'].n", &data, json!(["y"]));
    check("people[?n == 'x' || n == 'z'].age", &data, json!([10, 30]));
    check("people[?!(age == `20`)].n", &data, json!(["x", "z"]));
    check("nested[]", &data, json!([1, 2, 3, [4], 5]));
    check("nested[][]", &data, json!([1, 2, 3, 4, 5]));
    check("people[*].n | [0]", &data, json!("x"));
    check("people[*].n[0]", &data, json!([]));
    check("people[0:2].n", &data, json!(["x", "y"]));
    check("people | length(@)", &data, json!(3));
    check(
        "people[].{name: n, a: age}[?a < `20`].name",
        &data,
        json!(["x"]),
    );
    check("[a.c.x, a.c.y]", &data, json!([1, 2]));
    check("{x: a.c.x}", &data, json!({"x": 1}));
    check("`[1, 2]`", &data, json!([1, 2]));
    check(r"'it\'s'", &data, json!("it's"));
    check("\"a\".\"c\".\"x\"", &data, json!(1));
    // Truthiness: empty values and false are falsy; zero is truthy.
    check("t && 'yes'", &data, json!("yes"));
    check("f || 'no'", &data, json!("no"));
    check("e || 'empty'", &data, json!("empty"));
    check("zero || 'unused'", &data, json!(0));
    check("!e", &data, json!(true));
    // Comparisons: numbers as floats, ordering only between numbers.
    check("`1` == `1.0`", &data, json!(true));
    check("`{\"a\": [1]}` == `{\"a\": [1.0]}`", &data, json!(true));
    check("'a' < 'b'", &data, json!(null));
    check("`2` > `1`", &data, json!(true));
    // `||` binds tighter than `|`; `&&` tighter than `||`.
    check("f || t | type(@)", &data, json!("boolean"));
    check("t || f && f", &data, json!(true));
    // Functions with expression references.
    check("sort_by(people, &age)[-1].n", &data, json!("z"));
    check("map(&n, people)", &data, json!(["x", "y", "z"]));
    // A literal projection and the current node.
    check("people[?@.age == `10`] | [0].n", &data, json!("x"));
    check("@", &json!(3), json!(3));
}

#[test]
fn kyverno_arithmetic_examples() {
    let none = json!("");
    for (expression, expected) in [
        ("add(`12`, `13`)", json!(25)),
        ("add('12Ki', '13Ki')", json!("25Ki")),
        ("add('12Ki', '13')", json!("12301")),
        ("add('12s', '13s')", json!("25s")),
        ("sum([`12`, `13`, `1`, `4`])", json!(30)),
        ("sum(['12Ki', '13Ki', '1Ki', '4Ki'])", json!("30Ki")),
        ("sum(['12Ki', '13'])", json!("12301")),
        ("sum(['12s', '13s', '1s', '4s'])", json!("30s")),
        ("sum(['12s'])", json!("12s")),
        ("subtract(`12`, `13`)", json!(-1)),
        ("subtract('12Ki', '13Ki')", json!("-1Ki")),
        ("subtract('12Ki', '13')", json!("12275")),
        ("subtract('12s', '13s')", json!("-1s")),
        ("multiply('12Ki', `2`)", json!("24Ki")),
        ("multiply('12s', `2`)", json!("24s")),
        ("multiply(`2.5`, `2.5`)", json!(6.25)),
        ("multiply(`2.5`, '12Ki')", json!("30Ki")),
        ("multiply(`2.5`, '12')", json!("30")),
        ("multiply(`2.5`, '40s')", json!("1m40s")),
        ("divide('256M', '256M')", json!(1)),
        ("divide('512M', '256M')", json!(2)),
        ("divide('8', '3')", json!(8.0 / 3.0)),
        ("divide('128M', '256M')", json!(0.5)),
        ("divide('12Ki', `3`)", json!("4Ki")),
        ("divide('12Ki', '2Ki')", json!(6)),
        ("divide('12Ki', '200')", json!(61.44)),
        ("divide('12s', `3`)", json!("4s")),
        ("divide('12s', '5s')", json!(2.4)),
        ("divide(`14`, `3`)", json!(4.666666666666667)),
        ("modulo('12Ki', '5Ki')", json!("2Ki")),
        ("modulo('13s', '2s')", json!("1s")),
        ("modulo(`13`, `5`)", json!(3)),
        ("round(`9.414675`, `2`)", json!(9.41)),
        ("round(`14.123`, `6`)", json!(14.123)),
    ] {
        check(expression, &none, expected);
    }
    for expression in [
        "add('12', '13s')",
        "add(`12`, '13Ki')",
        "add(`12`, '13')",
        "add('12Ki', `13`)",
        "add('12s', '13')",
        "sum([])",
        "sum(['12s', '13Ki'])",
        "multiply('12Ki', '12')",
        "multiply('12s', '12s')",
        "divide('12Ki', '2s')",
        "divide('12s', '4')",
        "divide(`14`, '5')",
        "divide('4Ki', '0Ki')",
        "divide('4', '0')",
        "divide('4s', '0s')",
        "modulo('12Ki', `13`)",
        "modulo('4', '1.5')",
        "modulo('4.5', '1')",
        "modulo(`14`, `1.5`)",
        "modulo('4s', '0s')",
        "round(`23`, '12Ki')",
        "round(`14`, `1.5`)",
        "round(`14`, `-2`)",
    ] {
        assert!(
            search(expression, &none, &Runtime::kyverno()).is_err(),
            "{expression} should fail"
        );
    }
}

#[test]
fn kyverno_time_examples() {
    let none = json!("");
    for (expression, expected) in [
        ("time_since('', '2021-01-02T15:04:05-07:00', '2021-01-10T03:14:05-07:00')", "180h10m0s"),
        (
            "time_since('Mon Jan _2 15:04:05 MST 2006', 'Mon Jan 02 15:04:05 MST 2021', 'Mon Jan 10 03:14:16 MST 2021')",
            "180h10m11s",
        ),
        ("time_to_cron('2023-02-02T15:04:05Z')", "4 15 2 2 4"),
        ("time_to_cron(time_utc('2023-02-02T15:04:05-07:00'))", "4 22 2 2 4"),
        ("time_add('2021-01-02T15:04:05-07:00', '3h')", "2021-01-02T18:04:05-07:00"),
        (
            "time_add(time_parse('Mon Jan 02 15:04:05 -0700 2006', 'Sat Jan 02 15:04:05 -0700 2021'), '5h30m40s')",
            "2021-01-02T20:34:45-07:00",
        ),
        ("time_parse('2006-01-02T15:04:05Z07:00', '2021-01-02T15:04:05-07:00')", "2021-01-02T15:04:05-07:00"),
        ("time_parse('1702691171', '1702691171')", "2023-12-16T01:46:11Z"),
        ("time_utc('2023-02-02T15:04:05-07:00')", "2023-02-02T22:04:05Z"),
        ("time_diff('2021-01-02T15:04:05-07:00', '2021-01-10T03:14:05-07:00')", "180h10m0s"),
    ] {
        check(expression, &none, json!(expected));
    }
}

#[test]
fn kyverno_policy_idioms() {
    let request = json!({"request": {"object": pod(), "operation": "CREATE"}});
    check(
        "request.object.spec.containers[?securityContext.privileged == `true`].name | length(@)",
        &request,
        json!(1),
    );
    check(
        "request.object.metadata.annotations.foo || ''",
        &request,
        json!(""),
    );
    check(
        "request.object.spec.containers[].image | [?contains(@, ':') == `false`]",
        &request,
        json!(["nginx"]),
    );
    check(
        "request.object.spec.containers[].image_normalize(image)",
        &request,
        json!(["docker.io/nginx:latest", "docker.io/redis:7"]),
    );
    check("to_upper(request.operation)", &request, json!("CREATE"));
    check(
        "request.object.metadata.labels.app | split(@, 'o')",
        &request,
        json!(["sh", "p"]),
    );
    check(
        "request.object.spec.containers[].ports[].containerPort | max(@)",
        &request,
        json!(443),
    );
    check(
        "request.object.metadata.name | truncate(@, `2`)",
        &request,
        json!("we"),
    );
    check(
        "items(request.object.metadata.labels, 'k', 'v')[?v != null].k",
        &request,
        json!(["app"]),
    );
}

struct Double;

impl Function for Double {
    fn signature(&self) -> Signature {
        Signature::new(vec![ArgSpec::new(&[JpType::Number])])
    }

    fn call(&self, args: &[Value], _runtime: &Runtime) -> crate::Result<Value> {
        let value = args.first().and_then(Value::as_f64).unwrap_or(0.0);
        Ok(crate::value::number(value * 2.0))
    }
}

#[test]
fn user_functions() {
    let mut runtime = Runtime::standard();
    assert!(!runtime.has_function("double"));
    runtime.register("double", Box::new(Double));
    assert_eq!(
        search("double(`21`)", &json!(null), &runtime).unwrap(),
        json!(42)
    );
    assert!(matches!(
        search("double('x')", &json!(null), &runtime),
        Err(Error::InvalidType { position: 1, .. })
    ));
    assert!(matches!(
        search("to_upper('x')", &json!(null), &runtime),
        Err(Error::UnknownFunction(name)) if name == "to_upper"
    ));
}

#[test]
fn expressions_are_reusable_and_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Expression>();
    assert_send_sync::<Runtime>();
    let expression = Expression::parse("a.b").unwrap();
    assert_eq!(expression.as_str(), "a.b");
    assert_eq!(expression.to_string(), "a.b");
    let runtime = Runtime::standard();
    for i in 0..3 {
        let data = json!({"a": {"b": i}});
        assert_eq!(
            expression.clone().search(&data, &runtime).unwrap(),
            json!(i)
        );
    }
}

#[test]
fn parse_errors_have_positions() {
    match Expression::parse("a.b | [") {
        Err(Error::Parse { offset, message }) => {
            assert_eq!(offset, 7);
            assert_eq!(message, "Incomplete expression");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        Expression::parse("a ^ b").unwrap_err().to_string(),
        "SyntaxError: Unknown char: '^'"
    );
}

#[test]
fn deep_evaluation_is_bounded() {
    // 200 nested parentheses parse; evaluation stays within the stack budget.
    let nested = format!("{}a{}", "(".repeat(200), ")".repeat(200));
    let result = search(&nested, &json!({"a": 1}), &Runtime::standard());
    assert!(
        matches!(result, Ok(_) | Err(Error::TooDeep { .. })),
        "{result:?}"
    );
    let deep = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
    assert!(matches!(
        Expression::parse(&deep),
        Err(Error::TooDeep { .. })
    ));
}
