//! Bad and hostile input: a clear error naming file, document and line, never a panic, and
//! every other document still evaluated (exit code 2).

mod common;

use common::kanon;

const GOOD_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n";

/// Writes `bad` and a good file next to it, runs kanon on both; the good one must still be
/// evaluated. Returns stderr.
fn run_with(bad_name: &str, bad: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(bad_name), bad).unwrap();
    std::fs::write(dir.path().join("zz-good.yaml"), GOOD_POD).unwrap();
    let run = kanon(&["apply", "-f", dir.path().to_str().unwrap()]);
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.contains("Pod default/good"),
        "the good file was not evaluated: {}",
        run.stdout
    );
    let prefix = dir.path().display().to_string();
    run.stderr.replace(&prefix, "DIR")
}

#[test]
fn a_broken_document_names_file_document_and_line() {
    let text = format!(
        "{GOOD_POD}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n---\n{}",
        GOOD_POD.replace("good", "third")
    );
    let stderr = run_with("multi.yaml", text.as_bytes());
    assert!(
        stderr.contains("error: DIR/multi.yaml:10:1: document 2: did not find expected ',' or ']'"),
        "{stderr}"
    );
    assert!(stderr.contains("document 2:"), "{stderr}");
    assert!(
        stderr.ends_with("error: 1 input could not be read; the rest was evaluated\n"),
        "{stderr}"
    );
}

#[test]
fn the_other_documents_of_a_broken_file_are_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{GOOD_POD}---\nkind: Pod\n  bad: indentation\n---\n{}",
        GOOD_POD.replace("good", "third")
    );
    let file = dir.path().join("f.yaml");
    std::fs::write(&file, text).unwrap();
    let run = kanon(&["apply", "-f", file.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("Pod default/good"), "{}", run.stdout);
    assert!(run.stdout.contains("Pod default/third"), "{}", run.stdout);
}

#[test]
fn binary_files() {
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    bytes.extend((0..4096u32).map(|i| (i * 7 % 256) as u8));
    let stderr = run_with("binary.yaml", &bytes);
    assert!(
        stderr.contains("DIR/binary.yaml: not a text file: binary data (NUL byte at offset 7)"),
        "{stderr}"
    );
}

#[test]
fn invalid_utf8() {
    let stderr = run_with(
        "latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\ndata:\n  city: M\xfcnchen\n",
    );
    assert!(
        stderr.contains("DIR/latin1.yaml: not a text file: invalid UTF-8 at byte 46 (line 4)"),
        "{stderr}"
    );
}

#[test]
fn a_single_100_mb_document() {
    let mut text = String::with_capacity(101 << 20);
    text.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n");
    let line = format!("  k{{}}: {}\n", "x".repeat(1000));
    let mut index = 0;
    while text.len() < 100 << 20 {
        text.push_str(&line.replace("{}", &index.to_string()));
        index += 1;
    }
    let stderr = run_with("huge.yaml", text.as_bytes());
    assert!(
        stderr.contains("DIR/huge.yaml:1:1: document 1:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("more than the limit of 33554432 bytes"),
        "{stderr}"
    );
}

#[test]
fn nesting_ten_thousand_levels_deep() {
    let flow = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let stderr = run_with("flow.yaml", flow.as_bytes());
    assert!(stderr.contains("DIR/flow.yaml:3:"), "{stderr}");
    assert!(
        stderr.contains("nesting is deeper than the limit of 256 levels"),
        "{stderr}"
    );
    // Indentation alone would make a 10,000-deep block document 50 MB; compact nested
    // sequences (`- - - x`) nest without indenting.
    let block = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  x:\n  {}x\n",
        "- ".repeat(10_000)
    );
    let stderr = run_with("block.yaml", block.as_bytes());
    assert!(stderr.contains("DIR/block.yaml:5:"), "{stderr}");
    assert!(
        stderr.contains("nesting is deeper than the limit of 256 levels"),
        "{stderr}"
    );
    let json = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"data\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let stderr = run_with("deep.json", json.as_bytes());
    assert!(stderr.contains("DIR/deep.json:1:"), "{stderr}");
    assert!(
        stderr.contains("nesting is deeper than the limit of 256 levels"),
        "{stderr}"
    );
}

#[test]
fn billion_laughs() {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let refs: Vec<String> = (0..9).map(|_| format!("*a{}", level - 1)).collect();
        text.push_str(&format!("  a{level}: &a{level} [{}]\n", refs.join(", ")));
    }
    let stderr = run_with("lol.yaml", text.as_bytes());
    assert!(stderr.contains("DIR/lol.yaml:"), "{stderr}");
    assert!(stderr.contains("alias"), "{stderr}");
}

#[test]
fn duplicate_keys() {
    let stderr = run_with(
        "dup.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\nspec: {containers: []}\n",
    );
    assert!(stderr.contains("DIR/dup.yaml:5:"), "{stderr}");
    assert!(stderr.contains("name"), "{stderr}");
}

#[test]
fn documents_that_are_not_objects() {
    let stderr = run_with(
        "scalars.yaml",
        b"just a string\n---\n- 1\n- 2\n---\nmetadata: {name: x}\n",
    );
    assert!(stderr.contains("DIR/scalars.yaml:1: document 1: expected a Kubernetes object (a mapping), found string \"just a string\""), "{stderr}");
    assert!(
        stderr.contains("DIR/scalars.yaml:6: document 3: object has no kind"),
        "{stderr}"
    );
}

#[test]
fn mistyped_fields_are_errors_not_passes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.yaml");
    std::fs::write(&file, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    securityContext: {privileged: \"true\"}\n").unwrap();
    let run = kanon(&["apply", "-f", file.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("ERROR  pod-security  baseline:latest  cannot evaluate Pod Security of this Pod: spec.containers[0].securityContext.privileged: expected boolean, found string \"true\""), "{}", run.stdout);
}
