//! One table-driven test per YAML feature, all through `check`.

use super::{check, check_error, check_syntax, parse, syntax};
use crate::{documents, ErrorKind, Limits};

#[test]
fn block_mappings() {
    check("a: 1\nb: two\n", r#"{"a": 1, "b": "two"}"#);
    check("a:\n  b:\n    c: d\n", r#"{"a": {"b": {"c": "d"}}}"#);
    check("a:\nb: 1", r#"{"a": null, "b": 1}"#);
    check("a b: c", r#"{"a b": "c"}"#);
    check("a : b", r#"{"a": "b"}"#);
    check("a:    b   # comment\n# more\n", r#"{"a": "b"}"#);
    check(
        "url: http://x:80/p?q=1#frag",
        r##"{"url": "http://x:80/p?q=1#frag"}"##,
    );
    check("a: b:c", r#"{"a": "b:c"}"#);
    check("a:b: c", r#"{"a:b": "c"}"#);
    check("a:\tb", r#"{"a": "b"}"#);
    check("a: b\t# c", r#"{"a": "b"}"#);
    check("a: b#c", r##"{"a": "b#c"}"##);
    check("\"a\": 1\n'b': 2", r#"{"a": 1, "b": 2}"#);
    check("a:\n\n  # comment\n\n  b: 1\n", r#"{"a": {"b": 1}}"#);
    check("a: 1\n\n\nb: 2\n\n", r#"{"a": 1, "b": 2}"#);
}

#[test]
fn block_sequences() {
    check("- a\n- b", r#"["a", "b"]"#);
    check(
        "key:\n- a\n- b\nother: 1",
        r#"{"key": ["a", "b"], "other": 1}"#,
    );
    check("key:\n  - a\n  - b", r#"{"key": ["a", "b"]}"#);
    check(
        "- key: v\n  k2: v2\n- k3: v",
        r#"[{"key": "v", "k2": "v2"}, {"k3": "v"}]"#,
    );
    check("- - a\n  - b\n- c", r#"[["a", "b"], "c"]"#);
    check("- - - x", r#"[[["x"]]]"#);
    check("-\n  a: 1", r#"[{"a": 1}]"#);
    check("-\n-", "[null, null]");
    check("- a:\n    - 1", r#"[{"a": [1]}]"#);
    check(
        "a:\n- b:\n  - c\n  d: e",
        r#"{"a": [{"b": ["c"], "d": "e"}]}"#,
    );
    check("- # comment\n  a", r#"["a"]"#);
    check("-   spaced", r#"["spaced"]"#);
}

#[test]
fn explicit_keys() {
    check("? a\n: b", r#"{"a": "b"}"#);
    check("? a\n? b\n: c", r#"{"a": null, "b": "c"}"#);
    // As in libyaml, `a : b` after `? ` is a compact mapping, which cannot be a key.
    check_error(
        "? a : b",
        &ErrorKind::UnsupportedKey("a mapping".into()),
        1,
        1,
    );
    check("x: 1\n? w\n: 2", r#"{"x": 1, "w": 2}"#);
    check_error(
        "? [a]\n: b",
        &ErrorKind::UnsupportedKey("a sequence".into()),
        1,
        1,
    );
}

#[test]
fn plain_scalars_fold_lines() {
    check("a: b\n  c\n\n  d\ne: f", r#"{"a": "b c\nd", "e": "f"}"#);
    check("- a\n  b", r#"["a b"]"#);
    check("a\nb", r#""a b""#);
    check("a: x\n  - y", r#"{"a": "x - y"}"#);
    check("a: x  \n   y  ", r#"{"a": "x y"}"#);
    check("a: 1\n  2", r#"{"a": "1 2"}"#);
    check("a: x\n \ty", r#"{"a": "x y"}"#);
}

#[test]
fn quoted_scalars() {
    check("a: 'it''s'", r#"{"a": "it's"}"#);
    check("a: '\"'", r#"{"a": "\""}"#);
    check(r#"a: "x\ty""#, r#"{"a": "x\ty"}"#);
    check(r#"a: "'\\\"""#, r#"{"a": "'\\\""}"#);
    check(
        "a: \"\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\0\\a\\b\\e\\f\\v\\/\\ \\\t\"",
        r#"{"a": "Aé😀\u0085\u00a0\u2028\u2029\u0000\u0007\b\u001b\f\u000b/ \t"}"#,
    );
    check("a: \"x\n  y\"", r#"{"a": "x y"}"#);
    check("a: \"x\n\n  y\"", r#"{"a": "x\ny"}"#);
    check("a: \"x \\\n  y\"", r#"{"a": "x y"}"#);
    check("a: \"x\\\n  y\"", r#"{"a": "xy"}"#);
    check("a: \"a  \n b\"", r#"{"a": "a b"}"#);
    check("a: 'a\n  b\n\n  c'", r#"{"a": "a b\nc"}"#);
    check("a: ''", r#"{"a": ""}"#);
    check("a: \"\"", r#"{"a": ""}"#);
    check("a: '# not a comment'", r##"{"a": "# not a comment"}"##);
    check("a: \"x\" # comment", r#"{"a": "x"}"#);
    check("- \"a\"\n- 'b'", r#"["a", "b"]"#);
    check_syntax("a: \"\\q\"", "found unknown escape character");
    check_syntax("a: \"\\x4\"", "did not find expected hexdecimal number");
    check_syntax(
        "a: \"\\uD800\"",
        "found invalid Unicode character escape code",
    );
    check_error("a: \"abc", &syntax("found unexpected end of stream"), 1, 4);
}

#[test]
fn block_scalars() {
    check("a: |\n  x\n  y\n", r#"{"a": "x\ny\n"}"#);
    check("a: |-\n  x\n", r#"{"a": "x"}"#);
    check("a: |+\n  x\n\n", r#"{"a": "x\n\n"}"#);
    check("a: >\n  x\n  y\n\n  z\n", r#"{"a": "x y\nz\n"}"#);
    check("a: >\n a\n  b\n c\n", r#"{"a": "a\n b\nc\n"}"#);
    check("a: >-\n  x\n  y", r#"{"a": "x y"}"#);
    check("a: |2\n    x\n", r#"{"a": "  x\n"}"#);
    check("a: |-2\n    x\n", r#"{"a": "  x"}"#);
    check("a: |2-\n    x\n", r#"{"a": "  x"}"#);
    check("a: |\n  x\nb: 1", r#"{"a": "x\n", "b": 1}"#);
    check("- |\n  x\n- z", r#"["x\n", "z"]"#);
    check("a: |+\n  x\n\nb: 1", r#"{"a": "x\n\n", "b": 1}"#);
    check("a: |\nb: 1", r#"{"a": "", "b": 1}"#);
    check("a: | # comment\n  x\n", r#"{"a": "x\n"}"#);
    // At the end of the stream without a line break, clipping keeps no newline.
    check("a: |\n  x", r#"{"a": "x"}"#);
    check("--- |\n  x\n", r#""x\n""#);
    check("a: |\n  x\n\n  y\n", r#"{"a": "x\n\ny\n"}"#);
    check("a: |\r\n  x\r\n  y\r\n", r#"{"a": "x\ny\n"}"#);
    check(
        "a: |\n  # not a comment\n   indented\n  \tb\n",
        r##"{"a": "# not a comment\n indented\n\tb\n"}"##,
    );
    check(
        "a:\n  b: |\n    x\n  c: >\n    y\n",
        r#"{"a": {"b": "x\n", "c": "y\n"}}"#,
    );
    check("- a: |1\n    x\n", r#"[{"a": " x\n"}]"#);
    check_syntax("a: |0\n  x", "found an indentation indicator equal to 0");
    check_syntax("a: |x\n  x", "did not find expected comment or line break");
}

#[test]
fn flow_collections() {
    check("[a, b, c]", r#"["a", "b", "c"]"#);
    check("[a, [b, c], {d: e}]", r#"["a", ["b", "c"], {"d": "e"}]"#);
    check("{a: 1, b: [2, 3]}", r#"{"a": 1, "b": [2, 3]}"#);
    check("a: [\n  1,\n  2,\n]", r#"{"a": [1, 2]}"#);
    check("[1, 2, ]", "[1, 2]");
    check("{a: 1,}", r#"{"a": 1}"#);
    check("[a: b, c]", r#"[{"a": "b"}, "c"]"#);
    check(
        r#"{"a":1,"b":[true,null]}"#,
        r#"{"a": 1, "b": [true, null]}"#,
    );
    check("{a, b: c}", r#"{"a": null, "b": "c"}"#);
    check("{a: }", r#"{"a": null}"#);
    check("[a b, c d]", r#"["a b", "c d"]"#);
    check("[http://x/y]", r#"["http://x/y"]"#);
    check("{a:1}", r#"{"a:1": null}"#);
    check("[a\n  b]", r#"["a b"]"#);
    check("[]", "[]");
    check("{}", "{}");
    check("[ ]", "[]");
    check("[a, # comment\n b]", r#"["a", "b"]"#);
    check("key: [a, b] # c", r#"{"key": ["a", "b"]}"#);
    check("- {a: 1}\n- [2]", r#"[{"a": 1}, [2]]"#);
    check("[\t1,\t2 ]", "[1, 2]");
    check("{a: 'x', \"b\": \"y\"}", r#"{"a": "x", "b": "y"}"#);
    check("[-1, -a]", r#"[-1, "-a"]"#);
    check("a: {\n  b: 1\n}\nc: 2", r#"{"a": {"b": 1}, "c": 2}"#);
    check_syntax("a: [1, 2", "did not find expected ',' or ']'");
    check_syntax("a: {b: 1", "did not find expected ',' or '}'");
    check_syntax("[1,,2]", "did not find expected node content");
    check_syntax("[a] b", "did not find expected <document start>");
}

#[test]
fn anchors_and_aliases() {
    check("a: &x 1\nb: *x", r#"{"a": 1, "b": 1}"#);
    check(
        "a: &x\n  k: v\nb: *x",
        r#"{"a": {"k": "v"}, "b": {"k": "v"}}"#,
    );
    check("- &x [1, 2]\n- *x", "[[1, 2], [1, 2]]");
    check("a: &k key\n*k : v", r#"{"a": "key", "key": "v"}"#);
    check("&k a: 1\nb: *k", r#"{"a": 1, "b": "a"}"#);
    check("a: &x 1\nb: &x 2\nc: *x", r#"{"a": 1, "b": 2, "c": 2}"#);
    check("a: &x\nb: *x", r#"{"a": null, "b": null}"#);
    check("[&a x, *a]", r#"["x", "x"]"#);
    check("a: &x !!str 1\nb: *x", r#"{"a": "1", "b": "1"}"#);
    check("- &anchor-1_x a\n- *anchor-1_x", r#"["a", "a"]"#);
    check_error("a: *y", &ErrorKind::UnknownAlias("y".into()), 1, 4);
    check_syntax(
        "a: &x.y b",
        "did not find expected alphabetic or numeric character",
    );
}

#[test]
fn merge_keys() {
    // Not `y`: go-yaml v2 reads a plain `y` key as the boolean true.
    let base = "base: &b\n  x: 1\n  z: 2\n";
    check(
        &format!("{base}d:\n  <<: *b\n  z: 3\n"),
        r#"{"base": {"x": 1, "z": 2}, "d": {"x": 1, "z": 3}}"#,
    );
    check(
        &format!("{base}d:\n  z: 3\n  <<: *b\n"),
        r#"{"base": {"x": 1, "z": 2}, "d": {"x": 1, "z": 3}}"#,
    );
    check(
        "a: &a {x: 1, z: 1}\nb: &b {z: 2, w: 2}\nc:\n  <<: [*a, *b]\n",
        r#"{"a": {"x": 1, "z": 1}, "b": {"z": 2, "w": 2}, "c": {"x": 1, "z": 1, "w": 2}}"#,
    );
    check("c:\n  <<: {x: 1}\n  z: 2", r#"{"c": {"x": 1, "z": 2}}"#);
    check(
        "a: &a {x: 1}\nb: {<<: *a, z: 5}",
        r#"{"a": {"x": 1}, "b": {"x": 1, "z": 5}}"#,
    );
    check("'<<': 1", r#"{"<<": 1}"#);
    check("a: !!merge <<", r#"{"a": "<<"}"#);
    check_error("a:\n  <<: 1", &ErrorKind::InvalidMerge, 2, 3);
    check_error("a:\n  <<: [1]", &ErrorKind::InvalidMerge, 2, 3);
    check_error(
        &format!("{base}c:\n  <<: *b\n  x: 1\n  x: 2"),
        &ErrorKind::DuplicateKey("x".into(), 6),
        7,
        3,
    );
    // Merged keys never clash with explicit ones.
    check(
        &format!("{base}c:\n  x: 5\n  <<: *b"),
        r#"{"base": {"x": 1, "z": 2}, "c": {"x": 5, "z": 2}}"#,
    );
}

#[test]
fn tags() {
    check("a: !!str 123", r#"{"a": "123"}"#);
    check("a: !!int \"42\"", r#"{"a": 42}"#);
    check("a: !!float 1", r#"{"a": 1.0}"#);
    check("a: !!float '1.5'", r#"{"a": 1.5}"#);
    check("a: !!bool yes", r#"{"a": true}"#);
    check("a: !!null ''", r#"{"a": null}"#);
    check("a: !foo bar", r#"{"a": "bar"}"#);
    check("a: !foo 12", r#"{"a": "12"}"#);
    check("a: ! 12", r#"{"a": "12"}"#);
    check("a: !!binary aGVsbG8=", r#"{"a": "aGVsbG8="}"#);
    check("a: !foo {b: 1}", r#"{"a": {"b": 1}}"#);
    check("a: !!map\n  b: 1", r#"{"a": {"b": 1}}"#);
    check("a: !!seq\n- 1", r#"{"a": [1]}"#);
    check("a: !<tag:yaml.org,2002:str> 1", r#"{"a": "1"}"#);
    check("a: !!str", r#"{"a": ""}"#);
    check("a: !!str\nb: 1", r#"{"a": "", "b": 1}"#);
    check("!!str 1: a", r#"{"1": "a"}"#);
    check("[!!str 1, !!int '2']", r#"["1", 2]"#);
    check_error(
        "a: !!int abc",
        &ErrorKind::TagMismatch("cannot decode !!str `abc` as a !!int".into()),
        1,
        4,
    );
}

#[test]
fn scalar_resolution() {
    let cases = [
        ("~", "null"),
        ("null", "null"),
        ("Null", "null"),
        ("NULL", "null"),
        ("", "null"),
        ("y", "true"),
        ("Yes", "true"),
        ("ON", "true"),
        ("true", "true"),
        ("N", "false"),
        ("off", "false"),
        ("FALSE", "false"),
        ("0644", "420"),
        ("0o17", "15"),
        ("0x1F", "31"),
        ("0b101", "5"),
        ("-0b101", "-5"),
        ("1_000", "1000"),
        ("+5", "5"),
        ("-0", "0"),
        ("08", "8.0"),
        ("1e3", "1000.0"),
        ("1.5", "1.5"),
        ("-.5", "-0.5"),
        (".5", "0.5"),
        ("1.", "1.0"),
        ("9223372036854775807", "9223372036854775807"),
        ("9223372036854775808", "9223372036854775808"),
        ("18446744073709551615", "18446744073709551615"),
        ("18446744073709551616", "18446744073709551616.0"),
        ("1e400", "\"1e400\""),
        ("2024-01-02", "\"2024-01-02\""),
        (
            "2001-12-14t21:59:43.10-05:00",
            "\"2001-12-14t21:59:43.10-05:00\"",
        ),
        ("12:30:00", "\"12:30:00\""),
        ("0x", "\"0x\""),
        ("yES", "\"yES\""),
        ("=", "\"=\""),
        ("<<", "\"<<\""),
        ("1.2.3", "\"1.2.3\""),
        ("'1'", "\"1\""),
        ("\"true\"", "\"true\""),
        ("|\n  1\n", "\"1\\n\""),
        ("|\n  1", "\"1\""),
    ];
    for (yaml, json) in cases {
        check(&format!("v: {yaml}"), &format!("{{\"v\": {json}}}"));
    }
    check_error("v: .nan", &ErrorKind::NotRepresentable("NaN".into()), 1, 4);
    check_error("v: .inf", &ErrorKind::NotRepresentable("+Inf".into()), 1, 4);
    check_error("- -.Inf", &ErrorKind::NotRepresentable("-Inf".into()), 1, 3);
}

#[test]
fn keys_become_strings() {
    check("1: a", r#"{"1": "a"}"#);
    check("0x10: a", r#"{"16": "a"}"#);
    check("010: a", r#"{"8": "a"}"#);
    check("1.5: a", r#"{"1.5": "a"}"#);
    check("1e6: a", r#"{"1e+06": "a"}"#);
    check("true: a\nn: b", r#"{"true": "a", "false": "b"}"#);
    // go-yaml v2 reads a plain `y` as true, so kubectl turns the key `y` into "true".
    check("y: a", r#"{"true": "a"}"#);
    check(".inf: a", r#"{".inf": "a"}"#);
    check("{1: a, 2.5: b}", r#"{"1": "a", "2.5": "b"}"#);
    let null_key = ErrorKind::UnsupportedKey("null".into());
    check_error("~: a", &null_key, 1, 1);
    check_error("a: 1\nnull: a", &null_key, 2, 1);
    check_error(": a", &null_key, 1, 1);
    check_error("{: a}", &null_key, 1, 2);
    check_error(
        "[a]: b",
        &ErrorKind::UnsupportedKey("a sequence".into()),
        1,
        1,
    );
    check_error(
        "{a: 1}: b",
        &ErrorKind::UnsupportedKey("a mapping".into()),
        1,
        1,
    );
}

#[test]
fn duplicate_keys() {
    check_error(
        "a: 1\nb: 2\na: 3",
        &ErrorKind::DuplicateKey("a".into(), 1),
        3,
        1,
    );
    check_error(
        "'1': a\n1: b",
        &ErrorKind::DuplicateKey("1".into(), 1),
        2,
        1,
    );
    check_error(
        "x:\n  a: 1\n  a: 2",
        &ErrorKind::DuplicateKey("a".into(), 2),
        3,
        3,
    );
    check_error(
        "{a: 1, a: 2}",
        &ErrorKind::DuplicateKey("a".into(), 1),
        1,
        8,
    );
    check_error(
        "- a: 1\n  b: 1\n  a: 1",
        &ErrorKind::DuplicateKey("a".into(), 1),
        3,
        3,
    );
    check_error(
        "yes: 1\ntrue: 2",
        &ErrorKind::DuplicateKey("true".into(), 1),
        2,
        1,
    );
    // The same key in different mappings is fine.
    check("- a: 1\n- a: 2", r#"[{"a": 1}, {"a": 2}]"#);
    check(
        "a:\n  a: 1\nb:\n  a: 2",
        r#"{"a": {"a": 1}, "b": {"a": 2}}"#,
    );
}

#[test]
fn documents_and_streams() {
    check("--- {a: 1}", r#"{"a": 1}"#);
    check("--- a", r#""a""#);
    check("---\n---\na: 1", r#"{"a": 1}"#);
    check(
        "# only comment\n---\na: 1\n---\n# nothing\n...\n",
        r#"{"a": 1}"#,
    );
    check(
        "%YAML 1.1\n%TAG ! tag:example.com,2000:\n---\na: 1",
        r#"{"a": 1}"#,
    );
    check("\u{feff}a: 1", r#"{"a": 1}"#);
    check("a: 1\n\u{feff}b: 2", r#"{"a": 1, "b": 2}"#);
    check("---\n\u{feff}a: 1", r#"{"a": 1}"#);
    check("a: 1\r\nb:\r\n  - x\r\n", r#"{"a": 1, "b": ["x"]}"#);
    check("hello", r#""hello""#);
    check("42", "42");
    check("~", "null");
    check("---\n!!str", r#""""#);
    check("a: 1\n...\n", r#"{"a": 1}"#);
    assert!(parse("").is_empty());
    assert!(parse("# c\n---\n# d\n...\n---\n").is_empty());
    check_syntax("%YAML 1.1\na: 1", "did not find expected <document start>");
    check_syntax("--- a: 1", "mapping values are not allowed in this context");
    check_syntax(
        "--- - a",
        "block sequence entries are not allowed in this context",
    );

    let stream = "# c\n\n---\n\n  a: 1\n---\n- x\n--- # empty\n---\nlast";
    let found: Vec<(usize, usize)> = documents(stream, &Limits::default())
        .map(|document| document.map(|document| (document.index, document.line)))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(found, vec![(1, 5), (2, 7), (3, 10)]);
}

#[test]
fn syntax_errors_read_like_go_yaml() {
    let cases = [
        (
            "a: b: c",
            "mapping values are not allowed in this context",
            1,
            5,
        ),
        ("a: 1\nb\nc: 2", "could not find expected ':'", 2, 1),
        ("a:\n  b: 1\n c: 2", "did not find expected key", 3, 2),
        ("- a\nb: c", "did not find expected '-' indicator", 2, 1),
        ("a: 'x'\n  b: 1", "did not find expected key", 2, 3),
        (
            "a: - b",
            "block sequence entries are not allowed in this context",
            1,
            4,
        ),
        ("a: @b", "found character that cannot start any token", 1, 4),
        (
            "a: 1\n  b: 2",
            "mapping values are not allowed in this context",
            2,
            4,
        ),
        ("a: [1, 2", "did not find expected ',' or ']'", 1, 9),
        ("a: x # c\n  y", "did not find expected key", 2, 3),
        (
            "a: 1\n%x",
            "found character that cannot start any token",
            2,
            1,
        ),
    ];
    for (yaml, message, line, column) in cases {
        check_error(yaml, &syntax(message), line, column);
    }
}

#[test]
fn tabs_in_indentation_are_errors() {
    check_error("a:\n\tb: 1", &ErrorKind::Tab, 2, 1);
    check_error("- \tb", &ErrorKind::Tab, 1, 3);
    check_error("a: |\n\tx", &ErrorKind::Tab, 2, 1);
    check_error("a: 1\n\t\nb: 2", &ErrorKind::Tab, 2, 1);
    check_error("a: x\n\ty", &ErrorKind::Tab, 2, 1);
    // Tabs inside values and flow collections are fine.
    check("a: x\ty\t", r#"{"a": "x\ty"}"#);
    check("a: [1,\n\t2]", r#"{"a": [1, 2]}"#);
}

#[test]
fn errors_point_into_the_whole_stream() {
    let stream = "a: 1\n---\nb: [\n---\nc: 3\n";
    let results: Vec<_> = documents(stream, &Limits::default()).collect();
    assert_eq!(results.len(), 3);
    assert_eq!(
        results[0].as_ref().unwrap().value,
        serde_json::json!({"a": 1})
    );
    let error = results[1].as_ref().unwrap_err();
    assert_eq!(
        (error.line, error.column, error.document),
        (4, 1, 2),
        "{error}"
    );
    assert_eq!(error.kind, syntax("did not find expected ',' or ']'"));
    let last = results[2].as_ref().unwrap();
    assert_eq!((last.index, last.line), (3, 5));
    assert_eq!(last.value, serde_json::json!({"c": 3}));
}
