//! Running the built `kanon` binary from the workspace root.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A privileged Pod that the baseline level rejects (relative to the workspace root).
pub(crate) const DEBUG_POD: &str = "crates/cli/tests/data/debug-pod.yaml";

/// What a run printed and returned.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// The workspace root (tests run with paths relative to it, as the README's commands do).
pub(crate) fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs kanon with `args` from the workspace root.
pub(crate) fn kanon(args: &[&str]) -> Run {
    kanon_stdin(args, "")
}

/// Runs kanon with `args`, feeding `stdin`.
pub(crate) fn kanon_stdin(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kanon"))
        .args(args)
        .current_dir(workspace())
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kanon starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    let text = stdin.to_owned();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(text.as_bytes());
    });
    let output = child.wait_with_output().expect("kanon runs");
    writer.join().expect("stdin writer");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "kanon panicked: {}",
        run.stderr
    );
    run
}

/// Asserts that a table run ends with this summary line (`pass: N, fail: N, ...`).
pub(crate) fn assert_summary(run: &Run, summary: &str) {
    assert!(
        run.stdout.ends_with(&format!("{summary}\n")),
        "expected summary {summary:?}:\n{}",
        run.stdout
    );
}
