//! Runs cel-spec's conformance tests (`tests/simple/testdata/*.textproto`) when `CEL_SPEC_DIR`
//! points at a checkout of github.com/google/cel-spec (or at its `testdata` directory).
//! Tests that need protocol buffer messages, enums, unknowns or the type checker are counted
//! as skipped. Prints a pass rate per file; `CEL_SPEC_VERBOSE=1` lists the failures.

#[path = "support/textproto.rs"]
mod textproto;

use std::collections::BTreeMap;
use std::path::PathBuf;

use kanon_cel::{Activation, Env, Key, Map, Program, Type, Value};
use textproto::{Field, Message};

#[derive(Default)]
struct Tally {
    pass: usize,
    fail: usize,
    skip: usize,
}

enum Outcome {
    Pass,
    Fail(String),
    Skip(#[allow(dead_code)] &'static str),
}

#[test]
fn cel_spec_conformance() {
    let Some(dir) = std::env::var_os("CEL_SPEC_DIR").map(PathBuf::from) else {
        eprintln!("cel-spec conformance: skipped (set CEL_SPEC_DIR)");
        return;
    };
    let dir = if dir.join("tests/simple/testdata").is_dir() {
        dir.join("tests/simple/testdata")
    } else {
        dir
    };
    let verbose = std::env::var_os("CEL_SPEC_VERBOSE").is_some();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("CEL_SPEC_DIR is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "textproto"))
        .collect();
    files.sort();
    let mut total = Tally::default();
    let mut report = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable test file");
        let root = textproto::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut tally = Tally::default();
        for section in root.messages("section") {
            let section_name = section.string("name").unwrap_or_default();
            for test in section.messages("test") {
                let name = test.string("name").unwrap_or_default();
                match run(test) {
                    Outcome::Pass => tally.pass += 1,
                    Outcome::Skip(_) => tally.skip += 1,
                    Outcome::Fail(why) => {
                        tally.fail += 1;
                        if verbose {
                            eprintln!(
                                "FAIL {}/{section_name}/{name}: {}\n    {why}",
                                file.file_stem().unwrap_or_default().to_string_lossy(),
                                test.string("expr").unwrap_or_default()
                            );
                        }
                    }
                }
            }
        }
        total.pass += tally.pass;
        total.fail += tally.fail;
        total.skip += tally.skip;
        report.insert(
            file.file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string(),
            tally,
        );
    }
    for (name, t) in &report {
        let run = t.pass + t.fail;
        eprintln!(
            "cel-spec {name:16} {:4}/{:4} passed ({:5.1}%), {} skipped",
            t.pass,
            run,
            100.0 * t.pass as f64 / run.max(1) as f64,
            t.skip
        );
    }
    let run = total.pass + total.fail;
    eprintln!(
        "cel-spec conformance: {}/{} passed ({:.1}%), {} skipped",
        total.pass,
        run,
        100.0 * total.pass as f64 / run.max(1) as f64,
        total.skip
    );
}

fn run(test: &Message) -> Outcome {
    if test.bool("check_only") {
        return Outcome::Skip("check only");
    }
    if test.string("container").is_some_and(|c| !c.is_empty()) {
        return Outcome::Skip("container");
    }
    if test.get("unknown").is_some() || test.get("any_unknowns").is_some() {
        return Outcome::Skip("unknowns");
    }
    let Some(expr) = test.string("expr") else {
        return Outcome::Skip("no expression");
    };
    // Protocol buffer messages and cel-go's optimiser-only `cel.block` are out of scope.
    if [
        "google.protobuf.",
        "TestAllTypes",
        "NestedTestAllTypes",
        "cel.block",
        "cel.index",
        "cel.iterVar",
        "cel.accuVar",
    ]
    .iter()
    .any(|marker| expr.contains(marker))
    {
        return Outcome::Skip("protocol buffers or cel.block");
    }
    let mut env = Env::kubernetes();
    env.set_strict_references(!test.bool("disable_check"));
    for decl in test.messages("type_env") {
        if let Some(name) = decl.string("name") {
            env.declare(&name);
        }
    }
    let mut activation = Activation::new();
    for binding in test.messages("bindings") {
        let Some(key) = binding.string("key") else {
            continue;
        };
        let value = binding
            .message("value")
            .and_then(|v| v.message("value"))
            .map(to_value);
        match value {
            Some(Ok(v)) => activation.bind(&key, v),
            Some(Err(why)) => return Outcome::Skip(why),
            None => return Outcome::Skip("binding without a value"),
        }
    }
    let expected = if let Some(value) = test.message("value") {
        Expected::Value(value)
    } else if let Some(typed) = test.message("typed_result") {
        match typed.message("result") {
            Some(value) => Expected::Value(value),
            None => return Outcome::Skip("typed result without value"),
        }
    } else if test.get("eval_error").is_some() {
        Expected::Error
    } else {
        Expected::True
    };
    let expected_value = match &expected {
        Expected::Value(v) => match to_value(v) {
            Ok(v) => Some(v),
            Err(why) => return Outcome::Skip(why),
        },
        Expected::True => Some(Value::Bool(true)),
        Expected::Error => None,
    };
    let program = match Program::compile(&env, &expr) {
        Ok(p) => p,
        Err(e) => {
            return if expected_value.is_none() {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("compile error: {e}"))
            }
        }
    };
    match (program.eval(&activation), expected_value) {
        (Ok(_), None) => Outcome::Fail("expected an error".into()),
        (Err(_), None) => Outcome::Pass,
        (Ok(got), Some(want)) => {
            if same(&got, &want) {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("got {got:?}, want {want:?}"))
            }
        }
        (Err(e), Some(want)) => Outcome::Fail(format!("error {e}, want {want:?}")),
    }
}

enum Expected<'m> {
    Value(&'m Message),
    True,
    Error,
}

/// Strict equality: same types, NaN equal to NaN, maps compared by key.
fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(&p, &q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(k2, _)| same(&k.to_value(), &k2.to_value()))
                        .is_some_and(|(_, v2)| same(&v, &v2))
                })
        }
        _ => a.type_of() == b.type_of() && a == b,
    }
}

fn to_value(message: &Message) -> Result<Value<'static>, &'static str> {
    let Some((name, field)) = message.fields.first() else {
        return Err("empty value");
    };
    Ok(match (name.as_str(), field) {
        ("null_value", _) => Value::Null,
        ("bool_value", f) => Value::Bool(f.as_ident() == Some("true")),
        ("int64_value", f) => Value::Int(
            f.as_number()
                .and_then(|n| n.parse().ok())
                .ok_or("bad int")?,
        ),
        ("uint64_value", f) => Value::Uint(
            f.as_number()
                .and_then(|n| n.parse().ok())
                .ok_or("bad uint")?,
        ),
        ("double_value", f) => Value::Double(parse_double(f).ok_or("bad double")?),
        ("string_value", Field::Str(bytes)) => {
            Value::string(String::from_utf8(bytes.clone()).map_err(|_| "bad utf-8")?)
        }
        ("bytes_value", Field::Str(bytes)) => Value::Bytes(bytes.clone().into()),
        ("list_value", Field::Message(list)) => {
            let items: Result<Vec<_>, _> = list.messages("values").map(to_value).collect();
            Value::list(items?)
        }
        ("map_value", Field::Message(map)) => {
            let mut entries = Vec::new();
            for entry in map.messages("entries") {
                let key = to_value(entry.message("key").ok_or("no key")?)?;
                let value = to_value(entry.message("value").ok_or("no value")?)?;
                let key = match key {
                    Value::Bool(b) => Key::Bool(b),
                    Value::Int(i) => Key::Int(i),
                    Value::Uint(u) => Key::Uint(u),
                    Value::String(s) => Key::String(s),
                    _ => return Err("bad key"),
                };
                entries.push((key, value));
            }
            Value::Map(Map::from_entries(entries).map_err(|_| "duplicate key")?)
        }
        ("type_value", Field::Str(bytes)) => {
            let name = String::from_utf8_lossy(bytes).to_string();
            match Type::from_name(&name) {
                Some(t) => Value::Type(t),
                None => return Err("message type value"),
            }
        }
        ("object_value", _) => return Err("protocol buffer message"),
        ("enum_value", _) => return Err("enum"),
        _ => return Err("unsupported value kind"),
    })
}

fn parse_double(field: &Field) -> Option<f64> {
    match field {
        Field::Number(n) => n.parse().ok(),
        Field::Ident(i) => match i.to_ascii_lowercase().as_str() {
            "inf" | "infinity" => Some(f64::INFINITY),
            "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
            "nan" => Some(f64::NAN),
            _ => None,
        },
        _ => None,
    }
}
