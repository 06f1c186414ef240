//! Gatekeeper through the CLI: every gator suite of `../shared/conformance/gatekeeper-library`
//! via `kanon test` (pass rate printed, held above a floor), the exact `kanon test DIR`
//! invocation on one policy folder, and `kanon apply -p templates-and-constraints -f ...`.

mod common;

use common::{kanon, workspace};
use serde_json::Value;
use std::path::Path;

/// Pass-rate floor for the gator cases, in percent. Raise it as kanon improves; never lower it
/// to make a regression pass.
const FLOOR: f64 = 100.0;

const LIBRARY: &str = "../shared/conformance/gatekeeper-library";

/// `N passed, N failed, N skipped[, N tests could not be loaded]` from a table run.
fn totals(stdout: &str) -> (usize, usize, usize, usize) {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .expect("summary line");
    let numbers: Vec<usize> = line
        .split([',', ' '])
        .filter_map(|w| w.parse().ok())
        .collect();
    (
        numbers[0],
        numbers[1],
        numbers[2],
        numbers.get(3).copied().unwrap_or(0),
    )
}

#[test]
fn gatekeeper_library_suites() {
    let library = workspace().join(LIBRARY);
    if !library.exists() {
        eprintln!("skipping: {} not found", library.display());
        return;
    }
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(library.join("index.json")).unwrap())
            .unwrap();
    let total = index["totals"]["cases"].as_u64().expect("totals.cases") as usize;
    // As the library's CI: once preferring CEL where a template has it, once Rego only.
    for engine in ["cel", "rego"] {
        let mut passed_all = 0;
        for category in ["general", "pod-security-policy"] {
            let run = kanon(&[
                "test",
                "--gatekeeper-engine",
                engine,
                &format!("{LIBRARY}/library/{category}"),
            ]);
            let (passed, failed, skipped, unloaded) = totals(&run.stdout);
            println!(
                "gatekeeper-library {category} ({engine}): {passed} cases passed, {failed} failed, {skipped} skipped, {unloaded} tests not loaded"
            );
            for line in run
                .stdout
                .lines()
                .filter(|l| l.contains("FAIL") || l.contains("ERROR"))
            {
                println!("  {line}");
            }
            assert!(passed + failed + skipped > 0, "{}", run.stdout);
            passed_all += passed;
        }
        let rate = 100.0 * passed_all as f64 / total as f64;
        println!("gatekeeper-library (gator suites, {engine}): {passed_all}/{total} ({rate:.1}%)");
        assert!(
            rate >= FLOOR,
            "{engine}: pass rate {rate:.1}% fell below the floor {FLOOR}%"
        );
    }
}

#[test]
fn kanon_test_on_a_policy_folder() {
    let dir = format!("{LIBRARY}/library/general/requiredlabels");
    if !workspace().join(&dir).exists() {
        return;
    }
    let run = kanon(&["test", &dir]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("  PASS  K8sRequiredLabels/all-must-have-owner"),
        "{}",
        run.stdout
    );
    let (passed, failed, _, unloaded) = totals(&run.stdout);
    assert!(
        passed >= 5 && failed == 0 && unloaded == 0,
        "{}",
        run.stdout
    );

    // The same folder with one assertion turned around fails with exit code 1.
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&workspace().join(&dir), copy.path());
    let suite = copy.path().join("suite.yaml");
    let text = std::fs::read_to_string(&suite).unwrap();
    let flipped = text.replacen("violations: no", "violations: yes", 1);
    assert_ne!(text, flipped);
    std::fs::write(&suite, flipped).unwrap();
    let run = kanon(&["test", copy.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("FAIL") && run.stdout.contains("want violations: yes, got 0"),
        "{}",
        run.stdout
    );

    // `--run` selects cases by name.
    let run = kanon(&["test", &dir, "--run", "must-have-owner//example-allowed"]);
    let (passed, failed, _, _) = totals(&run.stdout);
    assert_eq!((passed, failed), (1, 0), "{}", run.stdout);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn kanon_apply_with_templates_and_constraints() {
    let dir = format!("{LIBRARY}/library/general/requiredlabels");
    if !workspace().join(&dir).exists() {
        return;
    }
    // The template carries CEL and Rego; their messages differ (upstream's own templates).
    let run = kanon(&[
        "apply",
        "-p",
        &format!("{dir}/template.yaml"),
        "-p",
        &format!("{dir}/samples/all-must-have-owner/constraint.yaml"),
        "-f",
        &format!("{dir}/samples/all-must-have-owner/example_disallowed.yaml"),
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("missing required label, requires all of: owner"),
        "{}",
        run.stdout
    );
    let run = kanon(&[
        "apply",
        "--gatekeeper-engine",
        "rego",
        "-p",
        &format!("{dir}/template.yaml"),
        "-p",
        &format!("{dir}/samples/all-must-have-owner/constraint.yaml"),
        "-f",
        &format!("{dir}/samples/all-must-have-owner/example_disallowed.yaml"),
        "-f",
        &format!("{dir}/samples/all-must-have-owner/example_allowed.yaml"),
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let reports: Value = serde_json::from_str(&run.stdout).expect("json output");
    let results: Vec<&Value> = reports["items"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["results"].as_array().into_iter().flatten())
        .collect();
    let fail = results
        .iter()
        .find(|r| r["result"] == "fail")
        .unwrap_or_else(|| panic!("a fail result: {}", run.stdout));
    assert_eq!(fail["policy"], "all-must-have-owner");
    assert_eq!(fail["rule"], "K8sRequiredLabels");
    assert_eq!(fail["source"], "k8srequiredlabels");
    assert!(fail["message"]
        .as_str()
        .unwrap()
        .contains("must have an `owner` label"));
    assert!(
        results.iter().any(|r| r["result"] == "pass"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_constraint_parameters_are_error_results() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("template.yaml"),
        r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8smaxreplicas}
spec:
  crd:
    spec:
      names: {kind: K8sMaxReplicas}
      validation:
        openAPIV3Schema:
          type: object
          properties:
            max: {type: integer}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8smaxreplicas
      violation[{"msg": msg}] {
        print("debug output from the template")
        input.review.object.spec.replicas > input.parameters.max
        msg := sprintf("%v replicas, at most %v", [input.review.object.spec.replicas, input.parameters.max])
      }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sMaxReplicas
metadata: {name: bad}
spec:
  match: {kinds: [{apiGroups: [apps], kinds: [Deployment]}]}
  parameters: {max: "three"}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sMaxReplicas
metadata: {name: three}
spec:
  enforcementAction: warn
  match: {kinds: [{apiGroups: [apps], kinds: [Deployment]}]}
  parameters: {max: 3}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("deploy.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\nspec: {replicas: 5}\n",
    )
    .unwrap();
    let p = dir.path().join("template.yaml");
    let f = dir.path().join("deploy.yaml");
    let run = kanon(&[
        "apply",
        "-p",
        p.to_str().unwrap(),
        "-f",
        f.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("spec.parameters.max"), "{}", run.stdout);
    // Rego `print` output does not leak into kanon's output streams.
    assert!(!run.stderr.contains("debug output") && !run.stdout.contains("debug output"));
    assert!(
        run.stdout.contains("5 replicas, at most 3"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("warn: 1") && run.stdout.contains("error: 1"),
        "{}",
        run.stdout
    );
}

#[test]
fn constraints_without_their_template_are_load_errors_once() {
    let dir = tempfile::tempdir().unwrap();
    let constraint = dir.path().join("constraint.yaml");
    std::fs::write(
        &constraint,
        "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sNowhere\nmetadata: {name: orphan}\n---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sNowhere\nmetadata: {name: bad-selector}\nspec:\n  match:\n    labelSelector:\n      matchExpressions: [{key: a, operator: Sometimes}]\n",
    )
    .unwrap();
    let run = kanon(&[
        "apply",
        "-p",
        constraint.to_str().unwrap(),
        "-f",
        common::DEBUG_POD,
    ]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr
            .matches("no ConstraintTemplate defines the kind \"K8sNowhere\"")
            .count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("not a valid selector operator"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("ERROR"), "{}", run.stdout);
}
