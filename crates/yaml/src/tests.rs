//! Tests of the whole parser through the public API: features, hostile input, error
//! positions, and the corpus (differential against serde-saphyr, emitter round trip).

use serde_json::Value;

use crate::{documents, Error, ErrorKind, Limits};

mod corpus;
mod features;
mod hostile;

/// Parses a stream with the default limits.
fn parse(text: &str) -> Vec<Result<Value, Error>> {
    documents(text, &Limits::default())
        .map(|document| document.map(|document| document.value))
        .collect()
}

/// Asserts that `yaml` is one document whose value is `expected` (written as JSON).
#[track_caller]
fn check(yaml: &str, expected: &str) {
    let expected: Value = serde_json::from_str(expected).expect("expected value is JSON");
    match parse(yaml).as_slice() {
        [Ok(value)] => assert_eq!(*value, expected, "parsing {yaml:?}"),
        other => panic!("parsing {yaml:?}: expected one document, got {other:?}"),
    }
}

/// Asserts that `yaml` is one document that fails with `kind` at `line`:`column`.
#[track_caller]
fn check_error(yaml: &str, kind: &ErrorKind, line: usize, column: usize) {
    match parse(yaml).as_slice() {
        [Err(error)] => {
            assert_eq!(error.kind, *kind, "parsing {yaml:?}: {error}");
            assert_eq!(
                (error.line, error.column),
                (line, column),
                "position of {error} in {yaml:?}"
            );
        }
        other => panic!("parsing {yaml:?}: expected one error, got {other:?}"),
    }
}

/// Asserts that `yaml` fails with a syntax error whose message is `message`.
#[track_caller]
fn check_syntax(yaml: &str, message: &str) {
    match parse(yaml).as_slice() {
        [Err(Error {
            kind: ErrorKind::Syntax(got),
            ..
        })] => assert_eq!(got, message, "parsing {yaml:?}"),
        other => panic!("parsing {yaml:?}: expected a syntax error, got {other:?}"),
    }
}

fn syntax(message: &str) -> ErrorKind {
    ErrorKind::Syntax(message.to_owned())
}
