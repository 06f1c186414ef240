//! Runs Pod Security Admission's own fixtures (`../shared/conformance/pss/testdata`) through
//! kanon: every `pass/` Pod must be allowed and every `fail/` Pod denied with the expected
//! wording, at exactly its level and version, directly and through a Deployment's pod template.

use kanon_core::{manifest, EvalContext, Finding, Labels, Operation, Policy, Verdict};
use kanon_pss::{PodSecurity, PssConfig};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/pss/testdata")
}

/// The substring Pod Security Admission's fixture test expects for a fixture file name.
fn expected_substring(stem: &str) -> Option<&'static str> {
    let prefix = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    Some(match prefix {
        "apparmorprofile" => "forbidden AppArmor profile",
        "capabilities_baseline" => "capabilities",
        "hostnamespaces" => "host namespaces",
        "hostpathvolumes" => "hostPath",
        "hostports" => "hostPort",
        "hostprobesandhostlifecycle" => "probe or lifecycle host",
        "privileged" => "privileged",
        "procmount" | "procmount_restricted" => "procMount",
        "selinuxoptions" => "seLinuxOptions",
        "seccompprofile_baseline" | "seccompprofile_restricted" => "seccompProfile",
        "sysctls" => "forbidden sysctl",
        "windowshostprocess" => "hostProcess",
        "allowprivilegeescalation" => "allowPrivilegeEscalation",
        "capabilities_restricted" => "unrestricted capabilities",
        "restrictedvolumes" => "restricted volume types",
        "runasnonroot" => "runAsNonRoot",
        "runasuser" => "runAsUser",
        _ => return None,
    })
}

fn namespace_labels(level: &str, version: &str) -> Labels {
    [
        ("pod-security.kubernetes.io/enforce", level),
        ("pod-security.kubernetes.io/enforce-version", version),
        ("pod-security.kubernetes.io/warn", level),
        ("pod-security.kubernetes.io/warn-version", version),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn evaluate(policy: &PodSecurity, object: Value, labels: &Labels) -> Vec<Finding> {
    let manifest = manifest::Manifest {
        object,
        origin: manifest::Origin {
            source: "fixture".into(),
            document: 1,
            line: 1,
            item: None,
        },
    };
    let request = manifest.into_request(Operation::Create, "conformance");
    let mut out = Vec::new();
    policy.evaluate(
        &EvalContext {
            request: &request,
            namespace_labels: Some(labels),
        },
        &mut out,
    );
    out
}

fn as_deployment(pod: &Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "fixture"},
        "spec": {"template": {"metadata": pod.get("metadata"), "spec": pod.get("spec")}},
    })
}

/// Checks one fixture; returns a description of each way it does not conform.
fn check_fixture(path: &Path, level: &str, version: &str, expect_pass: bool) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let mut objects = Vec::new();
    manifest::load_str(&text, "fixture".into(), &Default::default(), &mut |m| {
        objects.push(m.expect("fixture parses").object)
    });
    let [pod] = objects.as_slice() else {
        return vec![format!("expected one document, found {}", objects.len())];
    };
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let labels = namespace_labels(level, version);
    let strict = PodSecurity::new(PssConfig::default());
    let compat = PodSecurity::new(PssConfig {
        psa_compat: true,
        ..PssConfig::default()
    });
    let mut problems = Vec::new();
    let mut expect = |what: &str, findings: &[Finding], verdict: Verdict| {
        let bad: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.verdict != Verdict::Pass)
            .collect();
        if expect_pass {
            if !bad.is_empty() {
                problems.push(format!(
                    "{what}: expected allowed, got {:?}",
                    bad[0].message
                ));
            }
            return;
        }
        let Some(substring) = expected_substring(stem) else {
            problems.push(format!("no expected substring known for {stem}"));
            return;
        };
        match findings.iter().find(|f| f.verdict == verdict) {
            None => problems.push(format!("{what}: expected {verdict}, got {findings:?}")),
            Some(f) if !f.message.contains(substring) => {
                problems.push(format!("{what}: {:?} lacks {substring:?}", f.message))
            }
            Some(f) if f.message.contains("unknown forbidden reason") => problems.push(format!(
                "{what}: unknown forbidden reason in {:?}",
                f.message
            )),
            Some(_) => {}
        }
    };
    expect(
        "pod",
        &evaluate(&strict, pod.clone(), &labels),
        Verdict::Fail,
    );
    // Upstream's "fail requires error": the API server rejects these in validation instead.
    let minor: u32 = version.trim_start_matches("v1.").parse().unwrap_or(0);
    let validation_rejects = level == "baseline" && stem.starts_with("procmount") && minor >= 35;
    if !validation_rejects || expect_pass {
        let deployment = as_deployment(pod);
        expect(
            "deployment (psa-compat)",
            &evaluate(&compat, deployment.clone(), &labels),
            Verdict::Warn,
        );
        expect(
            "deployment",
            &evaluate(&strict, deployment, &labels),
            Verdict::Fail,
        );
    }
    problems
}

#[test]
fn pod_security_admission_fixtures() {
    let root = testdata();
    if !root.is_dir() {
        panic!("conformance fixtures missing at {}", root.display());
    }
    let mut total = 0;
    let mut failures = Vec::new();
    for level in ["baseline", "restricted"] {
        let mut versions: Vec<_> = std::fs::read_dir(root.join(level))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        versions.sort();
        for version in versions {
            for outcome in ["pass", "fail"] {
                let dir = root.join(level).join(&version).join(outcome);
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
                files.sort();
                for file in files {
                    total += 1;
                    for problem in check_fixture(&file, level, &version, outcome == "pass") {
                        failures.push(format!(
                            "{}: {problem}",
                            file.strip_prefix(&root).unwrap().display()
                        ));
                    }
                }
            }
        }
    }
    let failed_files: std::collections::BTreeSet<&str> = failures
        .iter()
        .map(|f| f.split(':').next().unwrap_or(""))
        .collect();
    println!("pss conformance: {}/{}", total - failed_files.len(), total);
    assert!(
        total > 3000,
        "expected the full fixture set, found {total} files"
    );
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
