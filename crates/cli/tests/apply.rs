//! `kanon apply` as a user calls it: the built binary, real files, exit codes, outputs.

mod common;

use common::{kanon, kanon_stdin, workspace, DEBUG_POD};
use serde_json::Value;

#[test]
fn examples_on_the_builtin_defaults() {
    let run = kanon(&["apply", "-f", "examples/"]);
    assert_eq!(run.code, 0, "warnings only: {}", run.stdout);
    assert_eq!(run.stderr, "");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn examples_with_passing_results_and_psa_compat() {
    let run = kanon(&[
        "apply",
        "-f",
        "examples/",
        "-f",
        DEBUG_POD,
        "--show-passing",
        "--psa-compat",
    ]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn a_pinned_level_and_version_for_everything() {
    let dir = tempfile::tempdir().unwrap();
    let pod = dir.path().join("pod.yaml");
    // runAsUser: 0 is only a restricted violation from v1.23 on.
    std::fs::write(
        &pod,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsNonRoot: true, runAsUser: 0, seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: c\n    image: x\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n",
    )
    .unwrap();
    let pod = pod.to_str().unwrap();
    let old = kanon(&["apply", "--pss", "restricted:v1.22", "-f", pod]);
    assert_eq!(old.code, 0, "{}", old.stdout);
    assert!(
        old.stdout
            .ends_with("pass: 1, fail: 0, warn: 0, error: 0, skip: 0\n"),
        "{}",
        old.stdout
    );
    let new = kanon(&["apply", "--pss", "restricted:v1.23", "-f", pod]);
    assert_eq!(new.code, 1);
    assert!(
        new.stdout.contains(
            "violates PodSecurity \"restricted:v1.23\": runAsUser=0 (pod must not set runAsUser=0)"
        ),
        "{}",
        new.stdout
    );
    let baseline = kanon(&["apply", "--pss", "baseline:v1.23", "-f", pod]);
    assert_eq!(baseline.code, 0);
}

#[test]
fn reports_as_yaml_and_json() {
    let yaml = kanon(&["apply", "-f", "examples/", "-f", DEBUG_POD, "-o", "yaml"]);
    assert_eq!(yaml.code, 1);
    let mut docs = Vec::new();
    for doc in kanon_yaml::documents(&yaml.stdout, &Default::default()) {
        docs.push(doc.unwrap().value);
    }
    assert_eq!(docs.len(), 1);
    let json = kanon(&["apply", "-f", "examples/", "-f", DEBUG_POD, "-o", "json"]);
    let from_json: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(redact(docs.remove(0)), redact(from_json.clone()));
    insta::assert_json_snapshot!(redact(from_json));
}

#[test]
fn openreports_format() {
    let run = kanon(&[
        "apply",
        "-f",
        "examples/",
        "-f",
        DEBUG_POD,
        "-o",
        "json",
        "--report-format",
        "openreports",
    ]);
    let list: Value = serde_json::from_str(&run.stdout).unwrap();
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["Report", "Report"]);
    assert_eq!(list["items"][0]["apiVersion"], "openreports.io/v1alpha1");
    assert_eq!(list["items"][0]["source"], "kanon");
}

/// Replaces timestamps, which change every run.
pub(crate) fn redact(mut value: Value) -> Value {
    if let Some(items) = value["items"].as_array_mut() {
        for report in items {
            for result in report["results"].as_array_mut().into_iter().flatten() {
                result["timestamp"] = serde_json::json!({"seconds": 0, "nanos": 0});
            }
        }
    }
    value
}

#[test]
fn standard_input() {
    let text = std::fs::read_to_string(workspace().join(DEBUG_POD)).unwrap();
    let run = kanon_stdin(&["apply", "-f", "-"], &text);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .starts_with("Pod sample/node-debugger (<stdin>:2)\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(
        "FAIL   pod-security  baseline:latest    violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume \"host-root\"), privileged (container \"debugger\" must not set securityContext.privileged=true)"
    ), "{}", run.stdout);
}

#[test]
fn sarif_points_at_files_and_lines() {
    let run = kanon(&["apply", "-f", "examples/", "-f", DEBUG_POD, "-o", "sarif"]);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let fail = results.iter().find(|r| r["level"] == "error").unwrap();
    assert_eq!(fail["ruleId"], "pod-security/baseline:latest");
    let location = &fail["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], DEBUG_POD);
    assert_eq!(location["region"]["startLine"], 2);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(fail["ruleIndex"].as_u64().unwrap() < rules.len() as u64);
}

#[test]
fn junit_has_a_case_per_resource_and_rule() {
    let run = kanon(&["apply", "-f", "examples/", "-f", DEBUG_POD, "-o", "junit"]);
    assert!(run
        .stdout
        .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kanon\""));
    assert!(
        run.stdout
            .contains("<testsuite name=\"Pod sample/node-debugger\" tests=\"2\" failures=\"1\""),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("<failure message=\"violates PodSecurity &quot;baseline:latest&quot;"));
    assert_eq!(
        run.stdout.matches("<testsuite ").count(),
        run.stdout.matches("</testsuite>").count()
    );
    assert!(run.stdout.trim_end().ends_with("</testsuites>"));
}

#[test]
fn namespace_labels_file_sets_levels_for_namespaces_not_in_the_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("labels.yaml"),
        "team-a:\n  pod-security.kubernetes.io/enforce: restricted\nteam-b:\n  pod-security.kubernetes.io/enforce: privileged\n  pod-security.kubernetes.io/warn: privileged\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pods.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: team-a}\nspec: {containers: [{name: c, image: x}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: team-b}\nspec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n",
    )
    .unwrap();
    let labels = dir.path().join("labels.yaml");
    let pods = dir.path().join("pods.yaml");
    let run = kanon(&[
        "apply",
        "--pss-namespace-labels",
        labels.to_str().unwrap(),
        "-f",
        pods.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Pod team-a/a"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("violates PodSecurity \"restricted:latest\""),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("Pod team-b/b"),
        "privileged namespace: {}",
        run.stdout
    );
}

#[test]
fn exemptions_are_skips_and_only_with_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let pod = dir.path().join("pod.yaml");
    std::fs::write(
        &pod,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {kanon.io/pss-exempt: 'privileged, nosuchcheck'}\nspec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n",
    )
    .unwrap();
    let pod = pod.to_str().unwrap();
    let without = kanon(&["apply", "--pss", "baseline", "-f", pod]);
    assert_eq!(without.code, 1);
    let with = kanon(&[
        "apply",
        "--pss",
        "baseline",
        "--allow-exemptions",
        "-f",
        pod,
    ]);
    assert_eq!(
        with.code, 1,
        "the unknown check name is an error: {}",
        with.stdout
    );
    assert!(
        with.stdout.contains("SKIP   pod-security  privileged"),
        "{}",
        with.stdout
    );
    assert!(with.stdout.contains("check privileged exempted by annotation kanon.io/pss-exempt; without the exemption: privileged (container \"c\" must not set securityContext.privileged=true)"), "{}", with.stdout);
    assert!(
        with.stdout.contains("ERROR  pod-security  exemption"),
        "{}",
        with.stdout
    );
    assert!(
        with.stdout
            .ends_with("pass: 1, fail: 0, warn: 0, error: 1, skip: 1\n"),
        "{}",
        with.stdout
    );
}

#[test]
fn usage_errors_exit_2() {
    let bad_level = kanon(&["apply", "--pss", "strict", "-f", "examples/"]);
    assert_eq!(bad_level.code, 2);
    assert!(
        bad_level
            .stderr
            .contains("must be one of privileged, baseline, restricted"),
        "{}",
        bad_level.stderr
    );
    let missing = kanon(&["apply", "-f", "no/such/file.yaml"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .starts_with("error: no/such/file.yaml: cannot read:"),
        "{}",
        missing.stderr
    );
    let no_files = kanon(&["apply"]);
    assert_eq!(no_files.code, 2);
    let help = kanon(&["apply", "--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Exit codes:"));
}
