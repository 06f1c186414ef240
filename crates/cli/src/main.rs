//! `kanon`: the command-line interface of the kanon policy engine.
//!
//! This binary is the edge: it reads files and standard input, looks at the terminal and the
//! clock, runs the engine on all cores and turns errors into messages and exit codes
//! (0 clean, 1 violations, 2 unreadable input or bad usage).

#![forbid(unsafe_code)]

mod apply;
mod input;
mod pipeline;
mod progress;
mod serve;
mod test_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: parsing allocates a node per YAML value, and
/// findings are freed on another thread than the one that made them, which glibc's malloc
/// serialises on arena locks.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, in ripgrep's manner.
pub(crate) mod exit {
    /// Nothing failed.
    pub(crate) const CLEAN: u8 = 0;
    /// At least one resource failed a policy, or a policy could not be evaluated.
    pub(crate) const VIOLATIONS: u8 = 1;
    /// Bad usage, or some input could not be read.
    pub(crate) const ERROR: u8 = 2;
}

#[derive(Debug, Parser)]
#[command(
    name = "kanon",
    version,
    about = "A Kubernetes policy engine: check manifests against policies, offline or in the cluster.",
    long_about = "kanon evaluates Kubernetes resources against policies and reports the results \
as PolicyReports.\n\nWith no policy flags it applies its built-in default set: the Pod Security \
Standards, baseline enforced and restricted warned, at the latest version, with Pod Security \
Admission's exact decisions and messages. Kyverno policies (-p) replace the defaults; \
`kanon test` runs Kyverno CLI test suites (kyverno-test.yaml).",
    after_help = "Examples:\n  kanon apply -f manifests/\n  kanon apply --pss restricted:v1.30 -f pod.yaml\n  helm template my-chart | kanon apply -f - -o sarif > kanon.sarif\n  kanon apply -p policies/ -f manifests/\n  kanon test policies/\n  kanon serve --addr 127.0.0.1:8443 --self-signed localhost --ca-bundle-out ca.pem\n\nExit codes: 0 no failures, 1 a policy failed (or could not be evaluated), 2 bad usage or unreadable input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate manifests against policies, offline.
    Apply(apply::ApplyArgs),
    /// Run the kyverno-test.yaml suites under a directory and check every expected result.
    Test(test_cmd::TestArgs),
    /// Serve the validating and mutating admission webhook over HTTPS.
    Serve(serve::ServeArgs),
    /// Print the ValidatingWebhookConfiguration and MutatingWebhookConfiguration for kanon.
    WebhookConfig(serve::WebhookConfigArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                exit::ERROR
            } else {
                exit::CLEAN
            };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Apply(args) => apply::run(args),
        Command::Test(args) => test_cmd::run(args),
        Command::Serve(args) => serve::run(args),
        Command::WebhookConfig(args) => serve::webhook_config(args),
    };
    ExitCode::from(code)
}
