//! The reports `kanon apply -o json|yaml` writes are valid against the Policy Report CRDs
//! (`../shared/policy-report-api/crds`), checked with a small structural-schema validator:
//! types, required fields, enums, integer formats, and no field the schema does not declare.

mod common;

use common::{kanon, workspace, DEBUG_POD};
use serde_json::Value;

fn crd_schema(file: &str, version: &str) -> Value {
    let path = workspace()
        .join("../shared/policy-report-api/crds")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let crd = kanon_yaml::documents(&text, &Default::default())
        .filter_map(Result::ok)
        .map(|d| d.value)
        .find(|v| v["kind"] == "CustomResourceDefinition")
        .expect("a CRD");
    crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == version)
        .map(|v| v["schema"]["openAPIV3Schema"].clone())
        .expect("the version")
}

/// Validates `value` against a structural schema; returns the problems with their paths.
fn validate(value: &Value, schema: &Value, path: &str, problems: &mut Vec<String>) {
    if schema["x-kubernetes-preserve-unknown-fields"] == true && schema.get("properties").is_none()
    {
        return;
    }
    let ok = match schema["type"].as_str() {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    };
    if !ok {
        problems.push(format!(
            "{path}: expected {}, found {value}",
            schema["type"]
        ));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            problems.push(format!("{path}: {value} not in {allowed:?}"));
        }
    }
    if schema["format"] == "int32" && value.as_i64().is_some_and(|n| i32::try_from(n).is_err()) {
        problems.push(format!("{path}: {value} is not an int32"));
    }
    for required in schema["required"].as_array().into_iter().flatten() {
        if value.get(required.as_str().unwrap()).is_none() {
            problems.push(format!("{path}: missing required {required}"));
        }
    }
    match value {
        Value::Object(map) => {
            let properties = schema["properties"].as_object();
            let additional = schema.get("additionalProperties");
            if properties.is_none() && additional.is_none() {
                return; // e.g. metadata: type object, validated by the API server itself
            }
            for (key, child) in map {
                let child_path = format!("{path}.{key}");
                match (properties.and_then(|p| p.get(key)), additional) {
                    (Some(child_schema), _) => validate(child, child_schema, &child_path, problems),
                    (None, Some(additional)) if additional.is_object() => {
                        validate(child, additional, &child_path, problems)
                    }
                    _ => problems.push(format!("{child_path}: not in the schema")),
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                validate(
                    item,
                    &schema["items"],
                    &format!("{path}[{index}]"),
                    problems,
                );
            }
        }
        _ => {}
    }
}

fn check(args: &[&str], schemas: &[(&str, &str, &str)]) {
    let run = kanon(args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let list: Value = if args.contains(&"yaml") {
        kanon_yaml::documents(&run.stdout, &Default::default())
            .next()
            .unwrap()
            .unwrap()
            .value
    } else {
        serde_json::from_str(&run.stdout).unwrap()
    };
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for report in items {
        let kind = report["kind"].as_str().unwrap();
        let (_, file, version) = schemas
            .iter()
            .find(|(k, _, _)| *k == kind)
            .unwrap_or_else(|| panic!("unexpected kind {kind}"));
        let mut problems = Vec::new();
        validate(report, &crd_schema(file, version), kind, &mut problems);
        assert!(problems.is_empty(), "{kind}: {problems:#?}");
        let results = report["results"].as_array().unwrap();
        for verdict in ["pass", "fail", "warn", "error", "skip"] {
            let counted = results.iter().filter(|r| r["result"] == verdict).count() as u64;
            assert_eq!(
                report["summary"][verdict], counted,
                "{kind} summary.{verdict}"
            );
        }
    }
}

#[test]
fn wgpolicyk8s_v1alpha2_reports_match_the_crd() {
    let schemas = [
        (
            "PolicyReport",
            "wgpolicyk8s.io/v1alpha2/wgpolicyk8s.io_policyreports.yaml",
            "v1alpha2",
        ),
        (
            "ClusterPolicyReport",
            "wgpolicyk8s.io/v1alpha2/wgpolicyk8s.io_clusterpolicyreports.yaml",
            "v1alpha2",
        ),
    ];
    check(
        &["apply", "-f", "examples/", "-f", DEBUG_POD, "-o", "yaml"],
        &schemas,
    );
    check(
        &[
            "apply",
            "-f",
            "examples/",
            "-f",
            DEBUG_POD,
            "-f",
            "crates/cli/tests/data/cluster-scoped.yaml",
            "-o",
            "json",
        ],
        &schemas,
    );
}

#[test]
fn openreports_v1alpha1_reports_match_the_crd() {
    let schemas = [
        (
            "Report",
            "openreports.io/v1alpha1/openreports.io_reports.yaml",
            "v1alpha1",
        ),
        (
            "ClusterReport",
            "openreports.io/v1alpha1/openreports.io_clusterreports.yaml",
            "v1alpha1",
        ),
    ];
    check(
        &[
            "apply",
            "-f",
            "examples/",
            "-f",
            DEBUG_POD,
            "-f",
            "crates/cli/tests/data/cluster-scoped.yaml",
            "-o",
            "json",
            "--report-format",
            "openreports",
        ],
        &schemas,
    );
}

#[test]
fn the_validator_rejects_what_the_crd_rejects() {
    let schema = crd_schema(
        "wgpolicyk8s.io/v1alpha2/wgpolicyk8s.io_policyreports.yaml",
        "v1alpha2",
    );
    let bad = serde_json::json!({
        "apiVersion": "wgpolicyk8s.io/v1alpha2", "kind": "PolicyReport", "metadata": {},
        "source": "kanon",
        "results": [{"result": "maybe", "severity": "HIGH", "timestamp": {"seconds": 1}}],
    });
    let mut problems = Vec::new();
    validate(&bad, &schema, "r", &mut problems);
    assert_eq!(problems.len(), 5, "{problems:#?}");
}
