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

const PARAM_POLICY: &str = "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: object.spec.replicas <= int(params.data.maxReplicas)
    messageExpression: \"'replicas must be at most ' + params.data.maxReplicas\"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: limits}
spec:
  policyName: max-replicas
  validationActions: [Deny]
  paramRef: {name: replica-limits, namespace: default, parameterNotFoundAction: Deny}
";

const PARAM_RESOURCES: &str = "apiVersion: v1
kind: ConfigMap
metadata: {name: replica-limits, namespace: default}
data: {maxReplicas: \"3\"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: big, namespace: default}
spec:
  replicas: 5
  selector: {matchLabels: {app: x}}
  template: {metadata: {labels: {app: x}}, spec: {containers: [{name: c, image: nginx}]}}
";

#[test]
fn admission_policy_parameters_come_from_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    let resources = dir.path().join("resources.yaml");
    std::fs::write(&policy, PARAM_POLICY).unwrap();
    std::fs::write(&resources, PARAM_RESOURCES).unwrap();
    let (policy, resources) = (policy.to_str().unwrap(), resources.to_str().unwrap());
    let run = kanon(&["apply", "-p", policy, "-f", resources]);
    assert!(
        run.stdout.contains(
            "ValidatingAdmissionPolicy 'max-replicas' with binding 'limits' denied request: replicas must be at most 3"
        ),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_summary(&run, "pass: 0, fail: 1, warn: 0, error: 0, skip: 0");

    // Without the ConfigMap the binding's `parameterNotFoundAction: Deny` denies.
    let only_deployment = dir.path().join("deployment.yaml");
    std::fs::write(
        &only_deployment,
        PARAM_RESOURCES.split("---\n").nth(1).unwrap(),
    )
    .unwrap();
    let run = kanon(&[
        "apply",
        "-p",
        policy,
        "-f",
        only_deployment.to_str().unwrap(),
    ]);
    assert!(
        run.stdout
            .contains("no params found for policy binding with `Deny` parameterNotFoundAction"),
        "{}",
        run.stdout
    );
    assert_summary(&run, "pass: 0, fail: 1, warn: 0, error: 0, skip: 0");
}

#[test]
fn input_policies_are_used_without_p_and_ignored_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let mixed = dir.path().join("mixed.yaml");
    std::fs::write(&mixed, format!("{PARAM_POLICY}---\n{PARAM_RESOURCES}")).unwrap();
    let mixed = mixed.to_str().unwrap();

    // Alone in `-f`, the admission policy is used (and the built-in defaults are off).
    let run = kanon(&["apply", "-f", mixed]);
    assert_summary(&run, "pass: 0, fail: 1, warn: 0, error: 0, skip: 0");
    assert!(!run.stdout.contains("pod-security"), "{}", run.stdout);

    // `--input-policies ignore`: the policy documents are resources, the defaults apply.
    let run = kanon(&["apply", "-f", mixed, "--input-policies", "ignore"]);
    assert!(!run.stdout.contains("max-replicas"), "{}", run.stdout);
    assert!(run.stdout.contains("pod-security"), "{}", run.stdout);

    // With `-p`, only its policies count: the admission policy in `-f` is not applied.
    let run = kanon(&["apply", "-p", POLICIES, "-f", mixed, "--show-passing"]);
    assert!(
        !run.stdout.contains("max-replicas  limits"),
        "{}",
        run.stdout
    );
    let run = kanon(&[
        "apply",
        "-p",
        POLICIES,
        "-f",
        mixed,
        "--input-policies",
        "use",
    ]);
    assert!(
        run.stdout.contains("with binding 'limits' denied request"),
        "{}",
        run.stdout
    );
}

#[test]
fn validate_cel_rules_take_parameters_from_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    let resources = dir.path().join("resources.yaml");
    std::fs::write(
        &policy,
        "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: replicas}
spec:
  validationFailureAction: Enforce
  rules:
  - name: max
    match: {any: [{resources: {kinds: [Deployment]}}]}
    validate:
      cel:
        paramKind: {apiVersion: v1, kind: ConfigMap}
        paramRef: {name: replica-limits}
        expressions:
        - expression: object.spec.replicas <= int(params.data.maxReplicas)
          messageExpression: \"'at most ' + params.data.maxReplicas\"
",
    )
    .unwrap();
    std::fs::write(&resources, PARAM_RESOURCES).unwrap();
    let run = kanon(&[
        "apply",
        "-p",
        policy.to_str().unwrap(),
        "-f",
        resources.to_str().unwrap(),
    ]);
    assert!(
        run.stdout.contains("FAIL   replicas  max  at most 3"),
        "{}",
        run.stdout
    );
    assert_summary(&run, "pass: 0, fail: 1, warn: 0, error: 0, skip: 0");
}
