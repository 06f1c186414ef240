//! Kyverno policies from the CLI: `kanon apply -p` and `kanon test`, as a user calls them.

mod common;

use common::{assert_summary, kanon};

const DIR: &str = "crates/cli/tests/data/kyverno";
const POLICIES: &str = "crates/cli/tests/data/kyverno/require-team-label.yaml";
const RESOURCES: &str = "crates/cli/tests/data/kyverno/resources.yaml";

#[test]
fn apply_with_kyverno_policies() {
    let run = kanon(&["apply", "-p", POLICIES, "-f", RESOURCES]);
    // The Enforce policy fails the unlabelled Pod; the Audit policy only warns.
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.stderr, "");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn audit_only_violations_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    let text = std::fs::read_to_string(common::workspace().join(POLICIES)).unwrap();
    std::fs::write(
        &policy,
        text.replace(
            "validationFailureAction: Enforce",
            "validationFailureAction: Audit",
        ),
    )
    .unwrap();
    let run = kanon(&["apply", "-p", policy.to_str().unwrap(), "-f", RESOURCES]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_summary(&run, "pass: 3, fail: 0, warn: 3, error: 0, skip: 0");
}

#[test]
fn policies_among_the_inputs_replace_the_builtin_defaults() {
    // Kyverno policies given with -f are used (and not evaluated as resources); the
    // built-in Pod Security defaults are not applied unless asked for.
    let run = kanon(&["apply", "-f", POLICIES, "-f", RESOURCES]);
    assert_eq!(run.code, 1);
    assert!(!run.stdout.contains("pod-security"), "{}", run.stdout);
    assert!(!run.stdout.contains("ClusterPolicy"), "{}", run.stdout);
    let with_pss = kanon(&[
        "apply",
        "-f",
        POLICIES,
        "-f",
        RESOURCES,
        "--pss",
        "baseline",
        "--show-passing",
    ]);
    assert_eq!(
        with_pss.stdout.matches("PASS   pod-security").count(),
        3,
        "{}",
        with_pss.stdout
    );
}

#[test]
fn unsupported_rules_are_errors_not_passes() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("mutate.yaml");
    std::fs::write(
        &policy,
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: add-label}\nspec:\n  rules:\n  - name: add\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    mutate: {patchStrategicMerge: {metadata: {labels: {managed: 'yes'}}}}\n",
    )
    .unwrap();
    let run = kanon(&["apply", "-p", policy.to_str().unwrap(), "-f", RESOURCES]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_summary(&run, "pass: 0, fail: 0, warn: 0, error: 3, skip: 0");
    assert!(
        run.stdout
            .contains("autogen-add  kanon does not support mutate rules yet"),
        "the Deployment gets the generated rule's error too: {}",
        run.stdout
    );
}

#[test]
fn non_policy_documents_given_as_policies_are_errors() {
    let run = kanon(&["apply", "-p", RESOURCES, "-f", RESOURCES]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "error: {RESOURCES}:12: v1/Pod \"unlabelled\" is not a policy"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn test_passes_when_results_match() {
    let run = kanon(&["test", DIR]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn test_fails_when_a_result_differs() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["require-team-label.yaml", "resources.yaml"] {
        std::fs::copy(
            common::workspace().join(DIR).join(file),
            dir.path().join(file),
        )
        .unwrap();
    }
    let test = std::fs::read_to_string(common::workspace().join(DIR).join("kyverno-test.yaml"))
        .unwrap()
        // `good` passes the team-label rule; expecting a failure must be reported.
        .replacen(
            "resources: [good]\n  kind: Pod\n  result: pass",
            "resources: [good]\n  kind: Pod\n  result: fail",
            1,
        );
    std::fs::write(dir.path().join("kyverno-test.yaml"), test).unwrap();
    let path = dir.path().to_str().unwrap();

    let run = kanon(&["test", path, "--fail-only"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let rows: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(
        rows.len(),
        1,
        "--fail-only shows only the failure: {}",
        run.stdout
    );
    assert!(
        rows[0].starts_with("  FAIL  require-team-label"),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("v1/Pod/shop/good"), "{}", rows[0]);
    assert!(
        run.stdout.ends_with("4 passed, 1 failed, 0 skipped\n"),
        "{}",
        run.stdout
    );

    let junit = kanon(&["test", path, "-o", "junit"]);
    assert_eq!(junit.code, 1);
    assert!(
        junit
            .stdout
            .contains("<testsuites name=\"kanon test\" tests=\"5\" failures=\"1\" errors=\"0\" skipped=\"0\">"),
        "{}",
        junit.stdout
    );
    assert_eq!(junit.stdout.matches("<failure ").count(), 1);
}

#[test]
fn test_reports_a_missing_path() {
    let run = kanon(&["test", "no/such/dir"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("no/such/dir: no such file or directory"),
        "{}",
        run.stderr
    );
}

#[test]
fn values_and_userinfo_answer_what_a_cluster_would() {
    let offline = "crates/cli/tests/data/kyverno-offline";
    let policy = format!("{offline}/policy.yaml");
    let values = format!("{offline}/values.yaml");
    // Without namespace labels the namespaceSelector matches nothing.
    let bare = kanon(&["apply", "-p", &policy, "-f", RESOURCES]);
    assert_eq!(bare.code, 0, "{}", bare.stdout);
    assert_summary(&bare, "pass: 0, fail: 0, warn: 0, error: 0, skip: 0");
    // The values file labels `shop` as prod; the user file names the requester.
    let with = |values_flag: &str, user: &str| {
        let user = format!("{offline}/{user}");
        kanon(&[
            "apply",
            "-p",
            &policy,
            "-f",
            RESOURCES,
            values_flag,
            &values,
            "--userinfo",
            &user,
        ])
    };
    let run = with("--values", "user.yaml");
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("validation error: alice may not use latest in shop."),
        "{}",
        run.stdout
    );
    assert_summary(&run, "pass: 1, fail: 2, warn: 0, error: 0, skip: 0");
    // A cluster-admin is excluded.
    let run = with("--values-file", "admin.yaml");
    assert_eq!(run.code, 0, "{}", run.stdout);
    // A missing file is a usage error.
    let missing = kanon(&[
        "apply",
        "-p",
        &policy,
        "-f",
        RESOURCES,
        "--userinfo",
        "nope.yaml",
    ]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("nope.yaml: cannot read"),
        "{}",
        missing.stderr
    );
}
