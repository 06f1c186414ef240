//! Random and mutated expressions must never panic: parse errors and evaluation errors are
//! fine, crashes are not. The generator is seeded, so failures reproduce.

use kanon_jmespath::{search, Expression, Runtime};
use serde_json::{json, Value};

/// A small xorshift generator; no dependency needed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SEEDS: &[&str] = &[
    "foo.bar",
    "foo[0].bar[-1]",
    "foo[1:3:-1]",
    "foo[*].bar[?baz > `1`].qux",
    "foo[].bar[]",
    "foo.*.bar",
    "{a: foo, b: bar.baz}",
    "[foo, bar[0]]",
    "foo || bar && !baz",
    "foo | bar | [0]",
    "length(foo) == `3`",
    "sort_by(people, &age)[0].name",
    "max_by(people, &age)",
    "map(&name, people)",
    "to_string(foo) != 'x'",
    "`{\"a\": [1, 2, {\"b\": null}]}`.a[2].b",
    "'raw \\' string'",
    "\"quoted\".\"ident\"",
    "@.foo[?@ == `true`]",
    "request.object.metadata.labels.app || ''",
    "add('1Gi', '512Mi')",
    "divide(`10`, `3`)",
    "modulo('13s', '2s')",
    "multiply('100m', `3`)",
    "regex_match('^a+$', foo)",
    "regex_replace_all('(a)', 'aaa', '$1$1')",
    "pattern_match('a*', 'abc')",
    "split('a,b', ',')",
    "time_add('2021-01-02T15:04:05Z', '1h')",
    "time_parse('2006-01-02', '2021-01-02')",
    "time_truncate('2021-01-02T15:04:05Z', '1h')",
    "semver_compare('1.2.3', '>=1.x || <0.1.0')",
    "image_normalize('ghcr.io/a/b:1')",
    "items(foo, 'k', 'v')",
    "lookup(people, `1`)",
    "object_from_lists(`[\"a\"]`, `[1]`)",
    "parse_json('{\"a\": 1}').a",
    "parse_yaml('a: [1, 2]').a[1]",
    "base64_decode(base64_encode('x'))",
    "sum(`[1, 2]`)",
    "round(`1.25`, `1`)",
    "to_boolean('TRUE')",
    "trim('  x  ', ' ')",
    "path_canonicalize('/a/../b')",
    "truncate('abc', `2`)",
    "label_match(`{\"a\": \"b\"}`, foo)",
];

const TOKENS: &[&str] = &[
    "foo",
    "bar",
    "people",
    "age",
    "name",
    "@",
    ".",
    "*",
    "[",
    "]",
    "[]",
    "[?",
    "(",
    ")",
    "{",
    "}",
    ",",
    ":",
    "|",
    "||",
    "&&",
    "!",
    "&",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "`1`",
    "`\"s\"`",
    "`[1,2]`",
    "`{}`",
    "`null`",
    "'x'",
    "\"q\"",
    "0",
    "-1",
    "1",
    "2:",
    "::",
    "length(",
    "sort_by(",
    "map(",
    "add(",
    "divide(",
    "to_string(",
    "regex_match(",
    "time_since(",
    "lookup(",
    "items(",
    "merge(",
    "not_null(",
    "'1Gi'",
    "'30s'",
    "'2021-01-02T15:04:05Z'",
    " ",
    "=",
    "^",
    "é",
    "\\",
    "`",
    "'",
    "\"",
];

fn document() -> Value {
    json!({
        "foo": {"bar": [1, 2, {"baz": 3, "qux": "x"}], "baz": true},
        "bar": [[1, 2], [3, [4, 5]], "s", null, {"a": 1}],
        "people": [{"name": "a", "age": 30}, {"name": "b", "age": 20}, {"name": "c"}],
        "request": {"object": {"metadata": {"labels": {"app": "x"}}}}
    })
}

fn exercise(text: &str, data: &Value, runtimes: &[Runtime]) {
    if let Ok(expression) = Expression::parse(text) {
        for runtime in runtimes {
            let _ = expression.search(data, runtime);
            let _ = expression.search(&Value::Null, runtime);
        }
    }
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(4) {
        match rng.below(5) {
            0 if !chars.is_empty() => {
                let at = rng.below(chars.len());
                chars.remove(at);
            }
            1 => {
                let at = rng.below(chars.len() + 1);
                let insert: Vec<char> = rng.pick(TOKENS).chars().collect();
                chars.splice(at..at, insert);
            }
            2 if chars.len() > 1 => {
                let (a, b) = (rng.below(chars.len()), rng.below(chars.len()));
                chars.swap(a, b);
            }
            3 => {
                let at = rng.below(chars.len() + 1);
                chars.insert(at, char::from(rng.below(128) as u8));
            }
            _ => {
                let at = rng.below(chars.len() + 1);
                let seed: Vec<char> = rng.pick(SEEDS).chars().collect();
                chars.splice(at..at, seed);
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn random_token_soup_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let data = document();
    let runtimes = [
        Runtime::standard(),
        Runtime::kyverno().with_now(1_700_000_000),
    ];
    for _ in 0..5000 {
        let length = 1 + rng.below(12);
        let text: String = (0..length).map(|_| rng.pick(TOKENS)).collect();
        exercise(&text, &data, &runtimes);
    }
}

#[test]
fn mutated_expressions_never_panic() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let data = document();
    let runtimes = [
        Runtime::standard(),
        Runtime::kyverno().with_now(1_700_000_000),
    ];
    for seed in SEEDS {
        exercise(seed, &data, &runtimes);
    }
    for _ in 0..10000 {
        let seed = rng.pick(SEEDS);
        let text = mutate(&mut rng, seed);
        exercise(&text, &data, &runtimes);
    }
}

#[test]
fn functions_with_random_arguments_never_panic() {
    const FUNCTIONS: &[&str] = &[
        "abs",
        "avg",
        "ceil",
        "contains",
        "ends_with",
        "floor",
        "join",
        "keys",
        "length",
        "map",
        "max",
        "max_by",
        "merge",
        "min",
        "min_by",
        "not_null",
        "reverse",
        "sort",
        "sort_by",
        "starts_with",
        "sum",
        "to_array",
        "to_number",
        "to_string",
        "type",
        "values",
        "compare",
        "equal_fold",
        "replace",
        "replace_all",
        "to_upper",
        "to_lower",
        "trim",
        "trim_prefix",
        "split",
        "regex_replace_all",
        "regex_replace_all_literal",
        "regex_match",
        "pattern_match",
        "label_match",
        "to_boolean",
        "add",
        "subtract",
        "multiply",
        "divide",
        "modulo",
        "round",
        "base64_decode",
        "base64_encode",
        "path_canonicalize",
        "truncate",
        "semver_compare",
        "parse_json",
        "parse_yaml",
        "lookup",
        "items",
        "object_from_lists",
        "random",
        "x509_decode",
        "time_since",
        "time_now",
        "time_now_utc",
        "time_add",
        "time_parse",
        "time_to_cron",
        "time_utc",
        "time_diff",
        "time_before",
        "time_after",
        "time_between",
        "time_truncate",
        "image_normalize",
        "is_external_url",
        "sha256",
        "sha1",
        "md5",
    ];
    const ARGS: &[&str] = &[
        "`1`",
        "`-1.5`",
        "`0`",
        "`1e308`",
        "`-9223372036854775808`",
        "`[]`",
        "`[1, 2]`",
        "`[\"a\", \"b\"]`",
        "`{}`",
        "`{\"a\": 1}`",
        "`null`",
        "`true`",
        "''",
        "'a'",
        "'1Gi'",
        "'100m'",
        "'1.5'",
        "'30s'",
        "'-2h'",
        "'1e3'",
        "'8Ei'",
        "'9999999999999999999999Ei'",
        "'2021-01-02T15:04:05Z'",
        "'2006-01-02'",
        "'[a-'",
        "'(a)'",
        "'$1'",
        "'*'",
        "'>=1.x'",
        "'1.2.3'",
        "'x || '",
        "'{'",
        "'a: ['",
        "'::'",
        "'http://[::1]'",
        "'nginx:latest'",
        "'SGk='",
        "'%'",
        "&@",
        "&name",
        "people",
        "foo.bar",
        "missing",
    ];
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let data = document();
    let runtime = Runtime::kyverno().with_now(1_700_000_000);
    for name in FUNCTIONS {
        for _ in 0..60 {
            let count = rng.below(4);
            let args: Vec<&str> = (0..count).map(|_| rng.pick(ARGS)).collect();
            let text = format!("{name}({})", args.join(", "));
            let _ = search(&text, &data, &runtime);
        }
    }
}

#[test]
fn deep_inputs_never_overflow_the_stack() {
    let runtime = Runtime::kyverno();
    let data = document();
    for depth in [10, 100, 255, 256, 257, 1000, 20000] {
        for (open, close) in [("(", ")"), ("[", "]"), ("{a:", "}"), ("!", ""), ("f(", ")")] {
            let text = format!("{}foo{}", open.repeat(depth), close.repeat(depth));
            let _ = search(&text, &data, &runtime);
        }
        let chain = format!("foo{}", ".bar".repeat(depth));
        let _ = search(&chain, &data, &runtime);
        let pipes = format!("foo{}", " | @".repeat(depth));
        let _ = search(&pipes, &data, &runtime);
        let ors = format!("foo{}", " || bar".repeat(depth));
        let _ = search(&ors, &data, &runtime);
    }
}
