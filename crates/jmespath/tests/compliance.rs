//! Runs the official JMESPath compliance suite (github.com/jmespath/jmespath.test) when
//! `JMESPATH_COMPLIANCE_DIR` points at its `tests/` folder; without it the test does nothing.
//! The suite's data is not part of the repository.
//!
//! Cases that differ because of Kyverno's missing-key errors, or because kanon follows
//! go-jmespath where it departs from the specification, are listed in [`EXPECTED_DIFFERENCES`]
//! and must keep failing in the same way; every other case must pass.

use std::path::Path;

use kanon_jmespath::{json_equal, search, Error, Runtime};
use serde_json::Value;

/// Cases that fail with [`Runtime::kyverno`] because Kyverno replaces the standard `sum` with
/// its own (a fold with `add` that needs at least one element).
const KYVERNO_SUM_DIFFERENCES: &[&str] = &[
    "functions.json#0#108: sum(array)",
    "functions.json#0#110: sum(`[]`)",
];

/// Cases where the specification gives null for a missing key and Kyverno's dialect reports
/// `Unknown key "k" in path` instead.
const EXPECTED_NOT_FOUND: &[&str] = &[
    "basic.json#0#5: foo.bar.bad",
    "basic.json#0#6: foo.bad",
    "basic.json#0#7: bad",
    "basic.json#0#8: bad.morebad.morebad",
    "indices.json#1#5: foo[3].bar",
    "multiselect.json#0#10: foo.badkey.{nokey: nokey, alsonokey: alsonokey}",
    "syntax.json#0#0: foo.bar",
    "syntax.json#0#1: foo",
    "syntax.json#9#0: foo[0]",
    "syntax.json#9#3: foo.[*]",
    "syntax.json#9#12: foo.[abc]",
    "syntax.json#9#13: foo.[abc, def]",
    "syntax.json#10#14: a.{foo: bar}",
    "syntax.json#10#15: a.{foo: bar, baz: bam}",
    "syntax.json#11#5: foo.[a || b]",
    "syntax.json#14#0: foo",
    "syntax.json#14#1: \"foo\"",
    "syntax.json#14#2: \"\\\\\"",
];

#[derive(Debug)]
enum Outcome {
    Pass,
    /// Failed only because a missing key raised Kyverno's NotFound error.
    NotFound(String),
    Fail(String),
}

fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::Parse { .. } | Error::TooDeep { .. } => "syntax",
        Error::InvalidType { .. } => "invalid-type",
        Error::InvalidArity { .. } => "invalid-arity",
        Error::UnknownFunction(_) => "unknown-function",
        Error::InvalidValue { .. } => "invalid-value",
        Error::NotFound { .. } => "not-found",
        Error::Function { message, .. } if message.starts_with("invalid type") => "invalid-type",
        Error::Function { message, .. } if message.contains("sort_by comparison") => "invalid-type",
        _ => "other",
    }
}

fn run_case(given: &Value, case: &Value, runtime: &Runtime) -> Option<Outcome> {
    let expression = case.get("expression")?.as_str()?;
    let actual = search(expression, given, runtime);
    if let Some(expected) = case.get("result") {
        return Some(match actual {
            Ok(value) if json_equal(&value, expected) => Outcome::Pass,
            Ok(value) => Outcome::Fail(format!("got {value}, want {expected}")),
            Err(error) if error.is_not_found() => Outcome::NotFound(error.to_string()),
            Err(error) => Outcome::Fail(format!("error {error:?}, want {expected}")),
        });
    }
    if let Some(expected) = case.get("error").and_then(Value::as_str) {
        return Some(match actual {
            Err(error) if error_kind(&error) == expected => Outcome::Pass,
            Err(error) => Outcome::Fail(format!(
                "error {error:?} ({}), want {expected} error",
                error_kind(&error)
            )),
            Ok(value) => Outcome::Fail(format!("got {value}, want {expected} error")),
        });
    }
    // Benchmark cases only have to evaluate without panicking.
    None
}

#[test]
fn compliance_suite_standard_functions() {
    run_suite("standard", &Runtime::standard(), &[]);
}

#[test]
fn compliance_suite_kyverno_functions() {
    run_suite("kyverno", &Runtime::kyverno(), KYVERNO_SUM_DIFFERENCES);
}

fn run_suite(label: &str, runtime: &Runtime, expected_failures: &[&str]) {
    let Ok(dir) = std::env::var("JMESPATH_COMPLIANCE_DIR") else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(Path::new(&dir))
        .expect("compliance directory")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut total, mut passed, mut benches) = (0, 0, 0);
    let mut not_found = Vec::new();
    let mut failures = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let suites: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for (s, suite) in suites.iter().enumerate() {
            let given = &suite["given"];
            for (c, case) in suite["cases"].as_array().unwrap().iter().enumerate() {
                let id = format!(
                    "{name}#{s}#{c}: {}",
                    case["expression"].as_str().unwrap_or("")
                );
                match run_case(given, case, runtime) {
                    None => benches += 1,
                    Some(outcome) => {
                        total += 1;
                        match outcome {
                            Outcome::Pass => passed += 1,
                            Outcome::NotFound(why) => not_found.push((id, why)),
                            Outcome::Fail(why) => failures.push((id, why)),
                        }
                    }
                }
            }
        }
    }
    println!("compliance ({label} runtime): {passed} passed / {total} cases ({benches} benchmark cases evaluated)");
    println!(
        "differences from Kyverno's missing-key errors: {}",
        not_found.len()
    );
    for (id, why) in &not_found {
        println!("  NOTFOUND {id} -> {why}");
    }
    println!("other failures: {}", failures.len());
    for (id, why) in &failures {
        println!("  FAIL {id} -> {why}");
    }
    let unexpected: Vec<_> = failures
        .iter()
        .filter(|(id, _)| !expected_failures.contains(&id.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} unexpected failures",
        unexpected.len()
    );
    let found: Vec<&str> = not_found.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(found, EXPECTED_NOT_FOUND, "missing-key differences changed");
}
