//! Language tests through the public API: each `check` evaluates an expression and compares
//! it with another (same type, CEL equality), so expectations read as CEL.

use std::sync::Arc;

use serde_json::json;

use crate::{Activation, Env, EvalError, HostFn, Program, Value};

fn env() -> Env {
    let mut env = Env::kubernetes();
    for name in ["object", "x", "y", "variables", "request"] {
        env.declare(name);
    }
    env
}

fn pod() -> serde_json::Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "ratio": 0.5,
            "containers": [
                {"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
                {"name": "sidecar", "image": "envoy:latest",
                 "resources": {"limits": {"nvidia.com/gpu": "1", "memory": "64Mi"}}}
            ]
        }
    })
}

fn eval_in(env: &Env, source: &str) -> Result<Value<'static>, String> {
    let program = Program::compile(env, source).map_err(|e| e.to_string())?;
    let pod = pod();
    let mut activation = Activation::new();
    activation.bind_json("object", &pod);
    activation.bind("x", Value::Int(7));
    activation.bind("y", Value::string("héllo"));
    program
        .eval(&activation)
        .map(Value::into_owned)
        .map_err(|e| e.to_string())
}

fn eval(source: &str) -> Result<Value<'static>, String> {
    eval_in(&env(), source)
}

/// Asserts that `source` evaluates to the value of `expected`, with the same type.
#[track_caller]
fn check(source: &str, expected: &str) {
    let got = eval(source).unwrap_or_else(|e| panic!("{source}: {e}"));
    let want = eval(expected).unwrap_or_else(|e| panic!("{expected}: {e}"));
    assert!(
        got.type_of() == want.type_of() && got == want,
        "{source}: got {got:?}, want {want:?}"
    );
}

/// Asserts that `source` fails at run time with a message containing `message`.
#[track_caller]
fn check_err(source: &str, message: &str) {
    match eval(source) {
        Ok(v) => panic!("{source}: expected an error, got {v:?}"),
        Err(e) => assert!(
            e.contains(message),
            "{source}: error {e:?} lacks {message:?}"
        ),
    }
}

#[test]
fn literals_and_arithmetic() {
    check("1 + 2 * 3", "7");
    check("7 / 2", "3");
    check("-7 % 3", "-1");
    check("7u / 2u", "3u");
    check("1.5 + 1.0", "2.5");
    check("0x10", "16");
    check("'a' + 'b'", "'ab'");
    check("b'a' + b'b'", "b'ab'");
    check("[1] + [2, 3]", "[1, 2, 3]");
    check(r#"'\u00e9\x41\101'"#, "'éAA'");
    check("r'\\d'", "'\\\\d'");
    check("'''a\nb'''.size()", "3");
    check("-9223372036854775808", "-9223372036854775807 - 1");
    check_err("9223372036854775807 + 1", "integer overflow");
    check_err("1 / 0", "division by zero");
    check_err("1 % 0", "modulus by zero");
    check_err("0u - 1u", "unsigned integer overflow");
    check_err("1 + 1u", "no such overload");
}

#[test]
fn heterogeneous_numbers_and_json_integers() {
    check("3 == 3.0", "true");
    check("1 == 1u", "true");
    check("1u < 2.5", "true");
    check("[1, 2] == [1.0, 2u]", "true");
    check("{1: 'a'}[1u]", "'a'");
    check("{1: 'a'}[1.0]", "'a'");
    check("1 in [1.0, 2.0]", "true");
    check("object.spec.replicas + 1", "4");
    check("type(object.spec.replicas)", "int");
    check("type(object.spec.ratio)", "double");
    check("object.spec.replicas == 3.0", "true");
    check("0.0/0.0 == 0.0/0.0", "false");
}

#[test]
fn strings_count_code_points() {
    check("size('héllo')", "5");
    check("y.size()", "5");
    check("'héllo'.charAt(1)", "'é'");
    check("'abc' < 'abd'", "true");
    check(
        "'hello'.contains('ell') && 'hello'.startsWith('he') && 'hello'.endsWith('lo')",
        "true",
    );
    check("'ab12'.matches('[0-9]+')", "true");
    check("matches('ab12', '^[0-9]+$')", "false");
}

#[test]
fn logic_absorbs_errors_commutatively() {
    check("false && 1/0 == 1", "false");
    check("1/0 == 1 && false", "false");
    check("true || 1/0 == 1", "true");
    check("1/0 == 1 || true", "true");
    check_err("1/0 == 1 || false", "division by zero");
    check_err("true && 1/0 == 1", "division by zero");
    check("true ? 1 : 1/0", "1");
    check_err("1 ? 1 : 2", "no such overload");
    check("!(1 > 2)", "true");
    check("[0, 1, 2].all(i, 10 / i > 5)", "false");
    check("[0, 1].exists(i, 10 / i == 10)", "true");
    check_err("[0, 1].all(i, 10 / i == 10)", "division by zero");
}

#[test]
fn fields_and_missing_keys() {
    check("object.metadata.name", "'web'");
    check("object.metadata.namespace", "'shop'");
    check(
        "object.spec.containers[1].resources.limits['nvidia.com/gpu']",
        "'1'",
    );
    check_err("object.spec.missing", "no such key: missing");
    check_err("object.spec.containers[5]", "index out of bounds: 5");
    check_err("{'a': 1}['b']", "no such key: b");
    check("has(object.spec.containers)", "true");
    check("has(object.spec.initContainers)", "false");
    check("has(object.metadata.labels.app)", "true");
    // As Kubernetes configures cel-go: presence tests on values without fields are false.
    check("has(object.metadata.name.x)", "false");
    check("has({'a': null}.a.b)", "false");
    check("{'a': null}.?a.b.hasValue()", "false");
    check_err("{'a': null}.a.b", "no such key: b");
    check("'app' in object.metadata.labels", "true");
    check("object.spec.containers.size()", "2");
    check("object.spec.containers[0].ports[0].containerPort", "80");
}

#[test]
fn macros() {
    check(
        "object.spec.containers.all(c, c.image.contains(':'))",
        "true",
    );
    check(
        "object.spec.containers.exists(c, c.image.endsWith(':latest'))",
        "true",
    );
    check(
        "object.spec.containers.exists_one(c, has(c.resources))",
        "true",
    );
    check(
        "object.spec.containers.map(c, c.name)",
        "['app', 'sidecar']",
    );
    check(
        "object.spec.containers.filter(c, has(c.resources)).map(c, c.name)",
        "['sidecar']",
    );
    check("[1, 2, 3, 4].map(n, n % 2 == 0, n * 10)", "[20, 40]");
    check("{'a': 1, 'b': 2}.map(k, k)", "['a', 'b']");
    check("{'a': 1, 'b': 2}.filter(k, k == 'b')", "['b']");
    check("[[1, 2], [3]].map(l, l.map(n, n + 1))", "[[2, 3], [4]]");
    check("[1, 2].all(x, [3].all(x, x == 3))", "true");
    check("cel.bind(a, 'hi', a + a)", "'hihi'");
    check("cel.bind(a, 1, cel.bind(b, a + 1, [a, b]))", "[1, 2]");
    check("[3, 1, 2].sortBy(v, -v)", "[3, 2, 1]");
    check("[10, 20].all(i, v, v == (i + 1) * 10)", "true");
    check("{'a': 1}.exists(k, v, k == 'a' && v == 1)", "true");
    check("[1, 2].transformList(i, v, i + v)", "[1, 3]");
    check("[1, 2, 3].transformList(i, v, v > 1, v * 2)", "[4, 6]");
    check("{'a': 1}.transformMap(k, v, v + 1)", "{'a': 2}");
    check("{'a': 1}.transformMapEntry(k, v, {k + k: v})", "{'aa': 1}");
    check("[1, 2].existsOne(i, v, v == 2)", "true");
}

#[test]
fn optionals() {
    check("object.spec.?initContainers.orValue([])", "[]");
    check("object.spec.?containers.orValue([]).size()", "2");
    check(
        "object.spec.containers[1].?resources.?limits[?'nvidia.com/gpu'].hasValue()",
        "true",
    );
    check(
        "object.spec.containers[0].?resources.?limits[?'nvidia.com/gpu'].hasValue()",
        "false",
    );
    check(
        "object.metadata.?annotations['x'].orValue('none')",
        "'none'",
    );
    check("optional.of(1).value()", "1");
    check("optional.none().or(optional.of(2)).value()", "2");
    check("optional.ofNonZeroValue('').hasValue()", "false");
    check("[?optional.of(1), ?optional.none(), 2]", "[1, 2]");
    check("{?'a': optional.of(1), ?'b': optional.none()}", "{'a': 1}");
    check("[1, 2][?5].orValue(0)", "0");
    check("optional.of(2).optMap(v, v * 2).value()", "4");
    check("optional.none().optMap(v, v * 2).hasValue()", "false");
    check(
        "optional.of(2).optFlatMap(v, optional.of(v + 1)).value()",
        "3",
    );
    check_err("optional.none().value()", "optional.none() dereference");
}

#[test]
fn or_value_compat_absorbs_errors() {
    let mut env = env();
    env.set_or_value_compat(true);
    let run = |source: &str| eval_in(&env, source).unwrap();
    assert_eq!(run("object.spec.foo.orValue(1)"), Value::Int(1));
    assert_eq!(run("object.spec.replicas.orValue(1)"), Value::Int(3));
    assert_eq!(run("object.spec.?foo.orValue(2)"), Value::Int(2));
    assert_eq!(run("optional.of(5).orValue(2)"), Value::Int(5));
    // Without the rewrite, orValue on a non-optional is an error.
    assert!(eval("object.spec.replicas.orValue(1)").is_err());
}

#[test]
fn conversions_and_types() {
    check("int('42') + int(3.9) + int(-3.9)", "42");
    check("uint(42) == 42u", "true");
    check("double('1.5')", "1.5");
    check("string(1.5)", "'1.5'");
    check("string(1e6)", "'1e+06'");
    check("string(true)", "'true'");
    check("string(b'abc')", "'abc'");
    check("bytes('abc')", "b'abc'");
    check("bool('True')", "true");
    check(
        "type(1) == int && type('a') == string && type(type(1)) == type",
        "true",
    );
    check("type(null)", "null_type");
    check("type([]) == list && type({}) == map", "true");
    check("dyn(1) + 2", "3");
    check_err("int('x')", "type conversion error");
    check_err("int(1e19)", "integer overflow");
    check_err("uint(-1)", "unsigned integer overflow");
}

#[test]
fn timestamps_and_durations() {
    check("timestamp('2009-02-13T23:31:30Z').getFullYear()", "2009");
    check("timestamp('2009-02-13T23:31:30Z').getMonth()", "1");
    check("timestamp('2009-02-13T23:31:30Z').getDate()", "13");
    check("timestamp('2009-02-13T23:31:30Z').getDayOfMonth()", "12");
    check("timestamp('2009-02-13T23:31:30Z').getDayOfWeek()", "5");
    check("timestamp('2009-02-13T23:31:30Z').getDayOfYear()", "43");
    check(
        "timestamp('2009-02-13T23:31:30.123Z').getMilliseconds()",
        "123",
    );
    check("timestamp('2009-02-13T23:31:30Z').getHours('+01:00')", "0");
    check("int(timestamp('2009-02-13T23:31:30Z'))", "1234567890");
    check(
        "timestamp(1234567890) == timestamp('2009-02-13T23:31:30Z')",
        "true",
    );
    check(
        "timestamp('2009-02-13T23:31:30Z') + duration('1h')",
        "timestamp('2009-02-14T00:31:30Z')",
    );
    check(
        "timestamp('2009-02-13T23:31:30Z') - timestamp('2009-02-13T22:31:30Z')",
        "duration('1h')",
    );
    check("duration('1h30m').getMinutes()", "90");
    check("duration('1.5s') + duration('500ms')", "duration('2s')");
    check("string(duration('1h45m47s'))", "'6347s'");
    check(
        "string(timestamp('2009-02-13T23:31:30.5+01:00'))",
        "'2009-02-13T23:31:30.5+01:00'",
    );
    check("duration('1m') < duration('2m')", "true");
    check_err(
        "timestamp('9999-12-31T23:59:59Z') + duration('1s')",
        "timestamp overflow",
    );
    assert!(Program::compile(&env(), "duration('1x')").is_err());
    assert!(Program::compile(&env(), "timestamp('yesterday')").is_err());
}

#[test]
fn strings_extension() {
    check("'hello'.charAt(4)", "'o'");
    check("'hello mellow'.indexOf('ello')", "1");
    check("'hello mellow'.indexOf('ello', 2)", "7");
    check("'hello mellow'.lastIndexOf('ello')", "7");
    check("'hello mellow'.lastIndexOf('ello', 6)", "1");
    check("'TacoCÆt Xii'.lowerAscii()", "'tacocÆt xii'");
    check("'TacoCÆt Xii'.upperAscii()", "'TACOCÆT XII'");
    check("'hello hello'.replace('he', 'we', 1)", "'wello hello'");
    check(
        "'hello hello'.replace('', '_')",
        "'_h_e_l_l_o_ _h_e_l_l_o_'",
    );
    check("'a/b/c'.split('/')", "['a', 'b', 'c']");
    check("'a/b/c'.split('/', 2)", "['a', 'b/c']");
    check("'tacocat'.substring(4)", "'cat'");
    check("'tacocat'.substring(0, 4)", "'taco'");
    check("'  \\ttrim\\n '.trim()", "'trim'");
    check("['a', 'b'].join('-')", "'a-b'");
    check("[].join()", "''");
    check("strings.quote('a\"b\\n')", r#"'"a\\"b\\n"'"#);
    check("'gums'.reverse()", "'smug'");
    check(
        "'%s is %d, %.2f%%'.format(['x', 3, 1.0])",
        "'x is 3, 1.00%'",
    );
    check(
        "object.spec.containers[0].image.split(':')[object.spec.containers[0].image.split(':').size() - 1]",
        "'1.27'",
    );
    check_err("'hello'.charAt(-1)", "index out of range");
    check_err("'tacocat'.substring(2, 1)", "invalid substring range");
    check_err("[1].join()", "join: invalid input");
}

#[test]
fn lists_sets_math_encoders() {
    check("[1, 2, 3, 4].slice(1, 3)", "[2, 3]");
    check("[1, [2, [3, [4]]]].flatten(2)", "[1, 2, 3, [4]]");
    check("[3, 1, 2].sort()", "[1, 2, 3]");
    check("['b', 'a'].sort()", "['a', 'b']");
    check("[1, 2, 2, 'b', 'b'].distinct()", "[1, 2, 'b']");
    check("lists.range(3)", "[0, 1, 2]");
    check("[1, 2].reverse()", "[2, 1]");
    check("[1, 2].first().value() + [1, 2].last().value()", "3");
    check("[1, 2, 3].isSorted() && ![2, 1].isSorted()", "true");
    check("[1, 2, 3].sum()", "6");
    check("[1.5, 2.5].sum()", "4.0");
    check("[duration('1m'), duration('1s')].sum()", "duration('61s')");
    check("[3, 1, 2].min() + [3, 1, 2].max()", "4");
    check("[1, 2, 2, 3].indexOf(2) + [1, 2, 2, 3].lastIndexOf(2)", "3");
    check("sets.contains([1, 2, 3], [3, 1])", "true");
    check("sets.equivalent([1, 2], [2.0, 1u, 1])", "true");
    check("sets.intersects([1], [2, 1])", "true");
    check("math.greatest(1, 2.5, 2u)", "2.5");
    check("math.least([3, -1, 2])", "-1");
    check(
        "math.ceil(1.2) + math.floor(1.8) + math.round(2.5) + math.trunc(-1.5)",
        "5.0",
    );
    check("math.abs(-5) + math.sign(-3)", "4");
    check(
        "math.isNaN(0.0/0.0) && math.isInf(1.0/0.0) && math.isFinite(1.0)",
        "true",
    );
    check(
        "math.bitAnd(6, 3) + math.bitOr(4, 1) + math.bitXor(3, 1)",
        "9",
    );
    check("math.bitShiftLeft(1, 4) + math.bitShiftRight(16, 2)", "20");
    check("math.sqrt(16)", "4.0");
    check(
        "regex.replace('hello world hello', 'hello', 'hi')",
        "'hi world hi'",
    );
    check("regex.replace('banana', 'a', 'x', 0)", "'banana'");
    check("regex.replace('banana', 'a', 'x', 2)", "'bxnxna'");
    check("regex.replace('banana', 'a', 'x', -12)", "'bxnxnx'");
    check(
        "regex.replace('foo bar', '(fo)o (ba)r', r'\\2 \\1')",
        "'ba fo'",
    );
    check_err("regex.replace('test', '(.)', r'\\2')", "references group 2");
    check(
        "regex.extract('hello world', 'hello(.*)')",
        "optional.of(' world')",
    );
    check(
        "regex.extract('item-A, item-B', 'item-(\\\\w+)')",
        "optional.of('A')",
    );
    check("regex.extract('HELLO', 'hello').hasValue()", "false");
    check(
        "regex.extractAll('id:123, id:456', 'id:\\\\d+')",
        "['id:123', 'id:456']",
    );
    check("regex.extractAll('id:123, id:456', 'assa')", "[]");
    check_err(
        "regex.extractAll('testuser@testdomain', '(.*)@([^.]*)')",
        "more than one capturing group",
    );
    check(
        "[1, 2, 3].includes(2) && !'model-a'.includes('model-b')",
        "true",
    );
    check("base64.encode(b'hello')", "'aGVsbG8='");
    check("base64.decode('aGVsbG8=')", "b'hello'");
    check("base64.decode('aGVsbG8')", "b'hello'");
    check_err("[].min()", "min called on empty list");
    check_err("[1, 'a'].sort()", "same type");
    check_err("math.abs(-9223372036854775807 - 1)", "integer overflow");
}

#[test]
fn compile_errors() {
    let e = Program::compile(&env(), "undeclared + 1").unwrap_err();
    assert_eq!(
        e.message,
        "undeclared reference to 'undeclared' (in container '')"
    );
    assert_eq!((e.line, e.column), (1, 1));
    let e = Program::compile(&env(), "x.frobnicate()").unwrap_err();
    assert!(e.message.contains("'frobnicate'"));
    let e = Program::compile(&env(), "object.spec +").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("ERROR: <input>:1:14: Syntax error"),
        "{e}"
    );
    assert!(Program::compile(&env(), "has(x)").is_err());
    assert!(Program::compile(&env(), "x.all(1, true)").is_err());
    assert!(Program::compile(&env(), "'a'.matches('(')").is_err());
    assert!(Program::compile(&env(), "size(1, 2)").is_err());
    // Reserved words may be field names but not identifiers.
    assert!(Program::compile(&env(), "object.package").is_ok());
    assert!(Program::compile(&env(), "package").is_err());
}

#[test]
fn result_types_known_without_data() {
    let env = env();
    let ty = |source: &str| Program::compile(&env, source).unwrap().result_type();
    assert_eq!(
        ty("object.spec.containers.all(c, c.image != '')"),
        Some(crate::Type::Bool)
    );
    assert_eq!(
        ty("has(object.spec) && object.spec.replicas > 1"),
        Some(crate::Type::Bool)
    );
    assert_eq!(ty("size(object.spec.containers)"), Some(crate::Type::Int));
    assert_eq!(ty("'a' + 'b'"), Some(crate::Type::String));
    assert_eq!(ty("object.spec.replicas"), None);
    assert_eq!(ty("true ? 1 : 'a'"), None);
    assert_eq!(
        ty("quantity('1')"),
        Some(crate::Type::Named("kubernetes.Quantity"))
    );
}

#[test]
fn lazy_variables_are_memoised_and_may_use_earlier_ones() {
    let env = env();
    let first = Arc::new(Program::compile(&env, "object.spec.replicas * 2").unwrap());
    let second = Arc::new(Program::compile(&env, "variables.double + 1").unwrap());
    let broken = Arc::new(Program::compile(&env, "object.spec.nope").unwrap());
    let main = Program::compile(
        &env,
        "variables.second + variables.second + (has(variables.double) ? 1 : 0)",
    )
    .unwrap();
    let pod = pod();
    let mut activation = Activation::new();
    activation.bind_json("object", &pod);
    activation.bind_lazy(
        "variables",
        vec![
            ("double".into(), first),
            ("second".into(), second),
            ("broken".into(), broken),
        ],
    );
    assert_eq!(main.eval(&activation).unwrap(), Value::Int(15));
    let uses_broken = Program::compile(&env, "variables.broken").unwrap();
    assert_eq!(
        uses_broken.eval(&activation).unwrap_err(),
        EvalError::NoSuchKey("nope".into())
    );
    let absorbed = Program::compile(&env, "variables.broken == 1 || true").unwrap();
    assert_eq!(absorbed.eval(&activation).unwrap(), Value::Bool(true));
    let missing = Program::compile(&env, "variables.nothing").unwrap();
    assert!(missing.eval(&activation).is_err());
}

#[test]
fn host_functions() {
    struct Host {
        namespace: String,
    }
    let mut env = env();
    let parse_sa: HostFn = Arc::new(|_call, args| {
        let name = args
            .first()
            .and_then(Value::as_str)
            .ok_or(EvalError::NoSuchOverload)?;
        let parts: Vec<&str> = name.split(':').collect();
        let (ns, sa) = match parts.as_slice() {
            ["system", "serviceaccount", ns, sa] => (ns.to_string(), sa.to_string()),
            _ => (String::new(), String::new()),
        };
        Ok(Value::map_from([
            ("Namespace", Value::from(ns)),
            ("Name", Value::from(sa)),
        ]))
    });
    env.add_function("parseServiceAccount", false, parse_sa);
    let get: HostFn = Arc::new(|call, args| {
        let host = call
            .host_ref::<Host>()
            .ok_or_else(|| EvalError::msg("no host"))?;
        Ok(Value::string(format!("{}/{}", host.namespace, args.len())))
    });
    env.add_function("resource.Get", false, get);
    let registry: HostFn = Arc::new(|_call, args| match args.first() {
        Some(Value::String(s)) => Ok(Value::string(s.as_str().split('/').next().unwrap_or(""))),
        _ => Err(EvalError::NoSuchOverload),
    });
    env.add_function("registry", true, registry);
    let registry_int: HostFn = Arc::new(|_call, args| match args.first() {
        Some(Value::Int(_)) => Ok(Value::string("int")),
        _ => Err(EvalError::NoSuchOverload),
    });
    env.add_function("registry", true, registry_int);

    let host = Host {
        namespace: "default".into(),
    };
    let mut activation = Activation::new();
    activation.set_host(&host);
    let run = |source: &str| {
        Program::compile(&env, source)
            .unwrap()
            .eval(&activation)
            .map(Value::into_owned)
    };
    assert_eq!(
        run("parseServiceAccount('system:serviceaccount:ns:sa').Namespace").unwrap(),
        Value::string("ns")
    );
    assert_eq!(
        run("resource.Get('v1', 'configmaps', 'x')").unwrap(),
        Value::string("default/3")
    );
    assert_eq!(
        run("'ghcr.io/x'.registry()").unwrap(),
        Value::string("ghcr.io")
    );
    assert_eq!(run("(1).registry()").unwrap(), Value::string("int"));
    assert_eq!(
        run("true.registry()").unwrap_err(),
        EvalError::NoSuchOverload
    );
}

#[test]
fn values_round_trip_through_json() {
    let program = Program::compile(
        &env(),
        "{'a': [1, 2.5, 'x', null, true], 'b': b'hi', 'c': duration('90s')}",
    )
    .unwrap();
    let value = program.eval(&Activation::new()).unwrap();
    assert_eq!(
        value.to_json().unwrap(),
        json!({"a": [1, 2.5, "x", null, true], "b": "aGk=", "c": "90s"})
    );
    let back = Value::from_json(&json!({"n": 1, "d": 1.5}));
    let Value::Map(map) = back else { panic!() };
    assert_eq!(map.get_str("n"), Some(Value::Int(1)));
    assert_eq!(map.get_str("d"), Some(Value::Double(1.5)));
    assert!(Program::compile(&env(), "{1: 2}")
        .unwrap()
        .eval(&Activation::new())
        .unwrap()
        .to_json()
        .is_err());
}

#[test]
fn unbound_variables_err_at_run_time() {
    let program = Program::compile(&env(), "request.name").unwrap();
    assert_eq!(
        program.eval(&Activation::new()).unwrap_err(),
        EvalError::NoSuchAttribute("request".into())
    );
}

#[test]
fn programs_are_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Program>();
    assert_send_sync::<Env>();
    let program = Arc::new(Program::compile(&env(), "object.spec.replicas * 2").unwrap());
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let program = Arc::clone(&program);
            std::thread::spawn(move || {
                let pod = pod();
                let mut activation = Activation::new();
                activation.bind_json("object", &pod);
                program.eval(&activation).map(Value::into_owned)
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap().unwrap(), Value::Int(6));
    }
}

/// The runtime cost of an expression with no variables.
fn cost(source: &str) -> u64 {
    let program = Program::compile(&env(), source).unwrap_or_else(|e| panic!("{source}: {e}"));
    let (result, cost) = program.eval_with_limit(&Activation::new(), u64::MAX);
    result.unwrap_or_else(|e| panic!("{source}: {e}"));
    cost
}

#[test]
fn costs_match_kubernetes_runtime_costs() {
    // Expected values from k8s.io/apiserver/pkg/cel/library/cost_test.go.
    let cases = [
        ("'ABCDEFGHIJ abcdefghij'.lowerAscii()", 3),
        (
            "'ABCDEFGHIJ abcdefghij'.lowerAscii() == 'abcdefghij ABCDEFGHIJ'.lowerAscii()",
            9,
        ),
        ("'abc 123 def 123'.replace('123', '456')", 3),
        ("'abc 123 def 123'.split(' ')", 3),
        ("'abc 123 def 123'.substring(5, 8)", 2),
        ("'  abc 123 def 123  '.trim()", 2),
        (
            "['aa', 'bb', 'cc', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join(' ')",
            15,
        ),
        (
            "['aa', 'bb', 'cc', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join()",
            13,
        ),
        ("'abc 123 def 123'.find('123')", 2),
        ("'abc 123 def 123'.findAll('123', 1)", 2),
        ("quantity('12Mi')", 1),
        ("quantity('200M') == quantity('200M')", 3),
        ("quantity('200M').compareTo(quantity('0.2G')) > 0", 4),
        (
            "quantity('50k').add(20).sub(quantity('100k')).asInteger() > 0",
            6,
        ),
        (
            "format.named('dns1123Label').value().validate('my-name')",
            10,
        ),
        ("sets.contains([1, 2, 3, 4], [2, 3])", 29),
        ("sets.equivalent([1, 2, 3], [3u, 2.0, 1])", 39),
        ("sets.intersects([1, 2], [2u, 2, 2.0])", 27),
        ("!sets.intersects([], [])", 22),
        ("semver('1234.56789012345.67890123456789')", 4),
        ("semver('1.0.0').compareTo(semver('1.2.3'))", 3),
        ("{'a': 1, 'b': 2}.all(k, v, v > 0)", 41),
        ("{'a': 1, 'b': 2}.exists(k, v, v > 0)", 40),
        ("{'a': 1, 'b': 2}.existsOne(k, v, v > 0)", 40),
        ("{'a': 1, 'b': 2}.transformMap(k, v, v + 1)", 71),
        ("{'a': 1, 'b': 2}.transformMap(k, v, v < 5, v + 1)", 75),
        ("{'a': 1, 'b': 2}.transformMapEntry(k, v, {k: v + 1})", 131),
        ("[1, 2].all(i, v, v > 0)", 21),
        ("[1, 2].exists(i, v, v > 0)", 20),
        ("[1, 2].transformList(i, v, v + 1)", 49),
        ("[1, 2].transformList(i, v, v < 5, v + 1)", 53),
        ("[1, 2, 3, 4, 5].sum()", 15),
    ];
    for (source, want) in cases {
        assert_eq!(cost(source), want, "{source}");
    }
    // has() costs nothing beyond its operand (Kubernetes' PresenceTestHasCost(false)).
    assert_eq!(cost("has({'a': 1}.a)"), 30);
}

#[test]
fn cost_limit_stops_hostile_expressions() {
    let env = env();
    let stopped = |source: &str| {
        let program = Program::compile(&env, source).unwrap();
        let start = std::time::Instant::now();
        let (result, cost) = program.eval_with_limit(&Activation::new(), crate::DEFAULT_COST_LIMIT);
        assert!(
            matches!(result, Err(EvalError::CostLimitExceeded)),
            "{source}: not stopped"
        );
        assert!(cost > crate::DEFAULT_COST_LIMIT);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{source}"
        );
    };
    stopped("lists.range(2000000).size() > 0");
    stopped("lists.range(1000).all(a, lists.range(1000).all(b, lists.range(1000).all(c, true)))");
    stopped("lists.range(100).map(a, lists.range(100).map(b, lists.range(100).map(c, [a, b, c])))");
    stopped("cel.bind(s, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', lists.range(500).map(i, s.replace('', s).replace('', s)))");
    stopped("cel.bind(l, lists.range(1000), l.map(a, l.map(b, l.filter(c, c == a + b))))");
    stopped("cel.bind(s, lists.range(300).map(i, 'abcdefghij').join(), lists.range(5000).all(i, '%s%s%s'.format([s, s, s]).size() > 0))");
    // The limit is exclusive of exactly reaching it.
    let program = Program::compile(&env, "1 + 1").unwrap();
    assert_eq!(
        program.eval_with_limit(&Activation::new(), 1).0.unwrap(),
        Value::Int(2)
    );
    assert_eq!(
        program
            .eval_with_limit(&Activation::new(), 0)
            .0
            .unwrap_err(),
        EvalError::CostLimitExceeded
    );
}

#[test]
fn deep_expressions_are_rejected_or_evaluated_without_overflow() {
    let env = env();
    // Within the limits, deep expressions evaluate on a normal thread stack (also in debug).
    let deep_call = format!("{}1{}", "int(".repeat(90), ")".repeat(90));
    let long_sum = format!("1{}", " + 1".repeat(240));
    let deep_macro = format!("{}true{}", "[1].all(x, ".repeat(40), ")".repeat(40));
    for source in [deep_call, long_sum, deep_macro] {
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let program =
                    Program::compile(&env_for_thread(), &source).map_err(|e| e.to_string())?;
                program
                    .eval(&Activation::new())
                    .map(Value::into_owned)
                    .map_err(|e| e.to_string())
            })
            .unwrap();
        assert!(handle.join().unwrap().is_ok());
    }
    let too_deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    assert!(Program::compile(&env, &too_deep).is_err());
    let too_long = "1 + ".repeat(40_000) + "1";
    assert!(Program::compile(&env, &too_long).is_err());
}

fn env_for_thread() -> Env {
    env()
}

#[test]
fn random_inputs_never_panic() {
    const PIECES: &[&str] = &[
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ".",
        ",",
        "?",
        ":",
        "!",
        "-",
        "+",
        "*",
        "/",
        "%",
        "==",
        "!=",
        "<",
        ">=",
        "&&",
        "||",
        " in ",
        "0",
        "1",
        "-1",
        "1u",
        "2.5",
        "1e300",
        "'a'",
        "'héllo'",
        "b'\\xff'",
        "''",
        "x",
        "y",
        "object",
        "object.spec",
        ".containers",
        "size",
        ".all(c, ",
        ".exists(c, ",
        ".map(c, ",
        ".filter(c, ",
        "c",
        "has(",
        "cel.bind(v, ",
        "v",
        "optional.of(",
        "optional.none()",
        ".?",
        "[?",
        ".orValue(",
        ".value()",
        "null",
        "true",
        "false",
        "int(",
        "string(",
        "double(",
        "timestamp('2009-02-13T23:31:30Z')",
        "duration('1h')",
        "lists.range(",
        "quantity('1Gi')",
        ".split(",
        ".join(",
        "'%s'.format(",
        ".matches('a+')",
        "math.greatest(",
        "9223372036854775807",
        "dyn(",
        "type(",
        "[1, 2]",
        "{'k': 1}",
        ".transformMap(k, v, ",
        ".sortBy(e, ",
        "e",
        "k",
        "]]",
        "))",
        "\\",
        "`",
    ];
    let env = env();
    let pod = pod();
    let mut activation = Activation::new();
    activation.bind_json("object", &pod);
    activation.bind("x", Value::Int(7));
    activation.bind("y", Value::string("héllo"));
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut compiled = 0;
    let rounds: usize = std::env::var("CEL_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20_000);
    for _ in 0..rounds {
        let len = 1 + next() % 12;
        let source: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        if let Ok(program) = Program::compile(&env, &source) {
            compiled += 1;
            let _ = program.eval_with_limit(&activation, 100_000);
        }
    }
    assert!(
        compiled > 100,
        "only {compiled} random expressions compiled"
    );
}
