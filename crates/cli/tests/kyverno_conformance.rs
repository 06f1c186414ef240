//! Runs Kyverno's own `kyverno test` suites (`../shared/conformance/kyverno-policies` and
//! `kyverno-cli`) through `kanon test`, prints the pass rate per dialect class and category,
//! and holds the rate of the classic validate cases above a floor.

mod common;

use common::{kanon, workspace};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Pass-rate floors for the classic `kyverno.io/v1` validate cases, in percent. Raise them as
/// kanon improves; never lower them to make a regression pass.
const FLOOR_POLICIES: f64 = 99.0;
const FLOOR_CLI: f64 = 95.0;

/// Floors for the CEL validation classes (ClusterPolicy `validate.cel`, ValidatingPolicy,
/// ValidatingAdmissionPolicy). The CLI suite's misses are ValidatingPolicies in the Envoy and
/// HTTP evaluation modes (kyverno-authz), which kanon reports as unsupported.
const CEL_FLOOR_POLICIES: f64 = 99.0;
const CEL_FLOOR_CLI: f64 = 85.0;

/// Whether a class is one of the CEL validation classes.
fn is_cel_validation(class: &str) -> bool {
    class == "cel"
        || (class.split('+').any(|k| {
            matches!(
                k,
                "ValidatingPolicy" | "NamespacedValidatingPolicy" | "ValidatingAdmissionPolicy"
            )
        }) && !class.contains("Mutating")
            && !class.contains("Image")
            && !class.contains("Generating")
            && !class.contains("Deleting"))
}

fn suite(name: &str) -> PathBuf {
    workspace().join("../shared/conformance").join(name)
}

fn documents(path: &Path) -> Vec<Value> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    kanon_yaml::documents(&text, &Default::default())
        .filter_map(Result::ok)
        .map(|d| d.value)
        .collect()
}

/// The dialect class of a case: `validate` (classic validate rules only), or what else it
/// needs (`cel`, `mutate`, `generate`, `verifyImages`, `cel-policy`...).
fn class_of(case_dir: &Path, test_file: &str, engine: &str) -> String {
    let manifest = case_dir.join(test_file);
    let dir = manifest.parent().unwrap_or(case_dir).to_path_buf();
    if engine != "kyverno-v1" {
        // CEL-era cases are classed by the policy kinds they load.
        let mut kinds: Vec<String> = Vec::new();
        for test in documents(&manifest) {
            for file in test
                .get("policies")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                for policy in documents(&dir.join(file)) {
                    let kind = policy.get("kind").and_then(Value::as_str).unwrap_or("");
                    if !kind.ends_with("Binding") && !kind.is_empty() {
                        kinds.push(kind.to_owned());
                    }
                }
            }
        }
        kinds.sort_unstable();
        kinds.dedup();
        return if kinds.is_empty() {
            engine.to_owned()
        } else {
            kinds.join("+")
        };
    }
    let mut needs = Vec::new();
    for test in documents(&manifest) {
        for policy_file in test
            .get("policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(file) = policy_file.as_str() else {
                continue;
            };
            for policy in documents(&dir.join(file)) {
                for rule in policy
                    .pointer("/spec/rules")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    for key in ["mutate", "generate", "verifyImages"] {
                        if rule.get(key).is_some_and(|v| !v.is_null()) {
                            needs.push(key);
                        }
                    }
                    for key in ["cel", "manifests", "assert"] {
                        if rule
                            .get("validate")
                            .and_then(|v| v.get(key))
                            .is_some_and(|v| !v.is_null())
                        {
                            needs.push(key);
                        }
                    }
                }
            }
        }
    }
    needs.sort_unstable();
    needs.dedup();
    if needs.is_empty() {
        "validate".to_owned()
    } else {
        needs.join("+")
    }
}

/// Runs `kanon test` on a whole suite and returns (case dir → passed) from its JUnit output.
fn run_suite(name: &str) -> BTreeMap<String, bool> {
    let root = suite(name);
    let run = kanon(&["test", root.to_str().unwrap(), "-o", "junit"]);
    let prefix = format!("{}/", root.display());
    let mut cases: BTreeMap<String, bool> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in run.stdout.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("<testsuite name=\"") {
            let manifest = rest.split(" (").next().unwrap_or("");
            let relative = manifest.strip_prefix(&prefix).unwrap_or(manifest);
            let case = relative
                .trim_end_matches("kyverno-test.yaml")
                .trim_end_matches('/')
                .trim_end_matches(".kyverno-test")
                .trim_end_matches('/')
                .to_owned();
            cases.entry(case.clone()).or_insert(true);
            current = Some(case);
        } else if line.contains("<failure") || line.contains("<error") {
            if let Some(case) = &current {
                cases.insert(case.clone(), false);
            }
        }
    }
    cases
}

fn report(name: &str, floor: f64, cel_floor: f64) {
    let root = suite(name);
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("index.json")).unwrap()).unwrap();
    let results = run_suite(name);
    let mut by_class: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut by_category: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failing = Vec::new();
    let mut failing_cel = Vec::new();
    let mut cel = (0usize, 0usize);
    for case in index["cases"].as_array().unwrap() {
        let dir = case["case"].as_str().unwrap();
        let class = class_of(
            &root.join(dir),
            case["test_file"].as_str().unwrap_or("kyverno-test.yaml"),
            case["engine"].as_str().unwrap_or(""),
        );
        let reported = results.get(dir).copied().unwrap_or(false);
        // A negative case must make the run fail.
        let negative = case["negative"]
            .as_str()
            .is_some_and(|n| n.starts_with("negative case"));
        let passed = if negative { !reported } else { reported };
        let entry = by_class.entry(class.clone()).or_default();
        entry.1 += 1;
        if passed {
            entry.0 += 1;
        }
        if is_cel_validation(&class) {
            cel.1 += 1;
            if passed {
                cel.0 += 1;
            } else {
                failing_cel.push(format!("{dir} [{class}]"));
            }
        }
        if class == "validate" {
            let category = dir.split('/').next().unwrap_or("").to_owned();
            let entry = by_category.entry(category).or_default();
            entry.1 += 1;
            if passed {
                entry.0 += 1;
            } else {
                failing.push(dir.to_owned());
            }
        }
    }
    for (class, (passed, total)) in &by_class {
        println!("{name} conformance [{class}]: {passed}/{total}");
    }
    for (category, (passed, total)) in &by_category {
        println!("{name} validate [{category}]: {passed}/{total}");
    }
    println!("{name} failing validate cases: {failing:?}");
    println!("{name} failing CEL validation cases: {failing_cel:?}");
    let (passed, total) = by_class.get("validate").copied().unwrap_or((0, 0));
    let rate = if total == 0 {
        0.0
    } else {
        100.0 * passed as f64 / total as f64
    };
    println!("{name} kyverno.io/v1 validate: {passed}/{total} ({rate:.1}%)");
    let cel_rate = if cel.1 == 0 {
        0.0
    } else {
        100.0 * cel.0 as f64 / cel.1 as f64
    };
    println!(
        "{name} CEL validation (validate.cel, ValidatingPolicy, ValidatingAdmissionPolicy): {}/{} ({cel_rate:.1}%)",
        cel.0, cel.1
    );
    assert!(
        cel_rate >= cel_floor,
        "{name}: CEL validation pass rate {cel_rate:.1}% fell below the floor of {cel_floor}%"
    );
    assert!(total > 0, "no validate cases found in {name}");
    assert!(
        rate >= floor,
        "{name}: validate pass rate {rate:.1}% fell below the floor of {floor}%"
    );
}

#[test]
fn kyverno_policies_suite() {
    report("kyverno-policies", FLOOR_POLICIES, CEL_FLOOR_POLICIES);
}

#[test]
fn kyverno_cli_suite() {
    report("kyverno-cli", FLOOR_CLI, CEL_FLOOR_CLI);
}
