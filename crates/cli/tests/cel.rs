//! CEL policies from the CLI: Kubernetes ValidatingAdmissionPolicy (with bindings) and
//! Kyverno ValidatingPolicy through `kanon apply -p`.

mod common;

use common::{assert_summary, kanon};

const POLICIES: &str = "crates/cli/tests/data/cel";
const RESOURCES: &str = "crates/cli/tests/data/cel-resources/resources.yaml";

#[test]
fn admission_policy_and_validating_policy() {
    let run = kanon(&["apply", "-p", POLICIES, "-f", RESOURCES]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stderr, "");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn bindings_select_by_namespace_labels() {
    // The binding selects namespaces labelled env=prod: `shop` (a Namespace in the input),
    // not `dev`.
    let vap = format!("{POLICIES}/replicas-vap.yaml");
    let run = kanon(&["apply", "-p", &vap, "-f", RESOURCES, "--show-passing"]);
    assert!(
        run.stdout.contains(
            "ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-prod' denied request: replicas must be at most 5, not 8"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("dev/api"), "{}", run.stdout);
    assert_summary(&run, "pass: 0, fail: 1, warn: 0, error: 0, skip: 0");
}

#[test]
fn broken_expressions_are_errors_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("broken.yaml");
    std::fs::write(
        &policy,
        "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: broken}\nspec:\n  validationActions: [Deny]\n  matchConstraints:\n    resourceRules: [{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}]\n  validations:\n  - expression: object.spec.containers.all(c, c.image.startsWith(\n",
    )
    .unwrap();
    let run = kanon(&["apply", "-p", policy.to_str().unwrap(), "-f", RESOURCES]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("ERROR"), "{}", run.stdout);
    assert!(run.stdout.contains("compilation failed"), "{}", run.stdout);
    // The Pod, and both Deployments through the policy's autogen copies.
    assert_summary(&run, "pass: 0, fail: 0, warn: 0, error: 3, skip: 0");
    assert!(
        run.stdout
            .contains("spec.validations[0].expression: compilation failed: ERROR: <input>:1:"),
        "{}",
        run.stdout
    );
    // Loading names the file, the policy, the field and the column.
    assert!(
        run.stderr.starts_with(&format!(
            "warning: {}:1: ValidatingPolicy \"broken\": spec.validations[0].expression: ERROR: <input>:1:50: Syntax error",
            policy.display()
        )),
        "{}",
        run.stderr
    );
}
