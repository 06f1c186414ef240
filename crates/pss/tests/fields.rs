//! Field errors against Pod Security Admission's `fail/` fixtures: every behaviour of every
//! check that rejects a fixture Pod names at least one field, and a field error that carries
//! a scalar value names a field of the Pod that holds that value.

use kanon_core::manifest;
use kanon_pss::checks::CHECKS;
use kanon_pss::fields::{BadValue, ErrorType, FieldError};
use kanon_pss::pod;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/pss/testdata")
}

/// The JSON pointer of a field path: `spec.containers[0].x` → `/spec/containers/0/x`,
/// `metadata.annotations[a.b/c]` → `/metadata/annotations/a.b~1c`.
fn pointer(field: &str) -> String {
    let mut out = String::new();
    let mut in_brackets = false;
    out.push('/');
    for c in field.chars() {
        match c {
            '.' if !in_brackets => out.push('/'),
            '[' => {
                in_brackets = true;
                out.push('/');
            }
            ']' => in_brackets = false,
            '/' => out.push_str("~1"),
            '~' => out.push_str("~0"),
            c => out.push(c),
        }
    }
    out
}

/// What is wrong with one field error of a fixture Pod, if anything.
fn problem(pod: &Value, error: &FieldError) -> Option<String> {
    if error.error_type != ErrorType::Forbidden {
        return None;
    }
    let found = pod.pointer(&pointer(&error.field));
    let expected = match &error.bad_value {
        BadValue::String(text) if text == "nil" => return None,
        BadValue::String(text) if text.is_empty() => {
            return found.is_none().then(|| format!("{error:?}: no such field"));
        }
        BadValue::String(text) if error.field.ends_with(".hostPath") => {
            let path = found.and_then(|v| v.get("path")).and_then(Value::as_str);
            return (path.unwrap_or("") != text).then(|| format!("{error:?}: path {path:?}"));
        }
        BadValue::String(text) => Value::from(text.as_str()),
        BadValue::Bool(flag) => Value::from(*flag),
        BadValue::Int(number) => Value::from(*number),
        BadValue::List(_) => return found.is_none().then(|| format!("{error:?}: no such field")),
    };
    (found != Some(&expected)).then(|| format!("{error:?}: found {found:?}"))
}

#[test]
fn rejected_fixture_pods_have_field_errors_on_their_fields() {
    let mut pods = Vec::new();
    for level in ["baseline", "restricted"] {
        for version in std::fs::read_dir(testdata().join(level)).unwrap() {
            let dir = version.unwrap().path().join("fail");
            for file in std::fs::read_dir(&dir).into_iter().flatten() {
                let path = file.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                manifest::load_str(&text, "fixture".into(), &Default::default(), &mut |m| {
                    pods.push((path.clone(), m.unwrap().object))
                });
            }
        }
    }
    assert!(pods.len() > 2000, "found {} fixture pods", pods.len());
    let mut problems = Vec::new();
    let mut rejections = 0;
    for (path, pod) in &pods {
        let view = pod::view(pod.get("metadata"), pod.get("spec"), "", false).unwrap();
        for def in CHECKS {
            for behaviour in def.versions {
                if (behaviour.check)(&view).is_none() {
                    continue;
                }
                rejections += 1;
                let errors = (behaviour.fields)(&view);
                if errors.is_empty() && def.id != "hostProbesAndHostLifecycle" {
                    problems.push(format!(
                        "{}: {} has no field errors",
                        path.display(),
                        def.id
                    ));
                }
                for error in &errors {
                    if let Some(problem) = problem(pod, error) {
                        problems.push(format!("{}: {}: {problem}", path.display(), def.id));
                    }
                }
            }
        }
    }
    assert!(rejections > 2000, "only {rejections} rejections");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
