//! `kanon serve` (the admission webhook) and `kanon webhook-config` (its configurations).

use crate::exit;
use clap::{Args, ValueEnum};
use kanon_admission::mutation::{DefaultSeccomp, Mutator};
use kanon_admission::policies::{self, LoadOptions};
use kanon_admission::tls::TlsSource;
use kanon_admission::webhook_config::{webhook_configurations, WebhookConfigParams};
use kanon_admission::ServeConfig;
use kanon_core::manifest;
use kanon_pss::PssConfig;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kanon serve --addr 127.0.0.1:8443 --self-signed localhost --ca-bundle-out ca.pem
  curl --cacert ca.pem https://localhost:8443/validate -d @review.json
  kanon serve --tls-cert /tls/tls.crt --tls-key /tls/tls.key --policies /policies --namespaces ns.yaml

Endpoints: POST /validate and /mutate (AdmissionReview admission.k8s.io/v1 or v1beta1, answered
in the same version), GET /healthz, /readyz (ready once policies are compiled), /metrics.

Without --policies the built-in default set serves: Pod Security Standards, baseline enforced,
restricted warned. Policy files and certificate files are re-read when they change; a reload that
fails keeps the previous set serving and is reported in the log, /metrics and /readyz.
SIGTERM stops accepting and lets requests in flight finish.")]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8443")]
    addr: SocketAddr,

    /// Serving certificate chain (PEM); reloaded when the file changes.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        conflicts_with = "self_signed"
    )]
    tls_cert: Option<PathBuf>,

    /// Serving certificate key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Make a CA and a serving certificate for these DNS names (or IPs) at start.
    #[arg(long, value_name = "DNSNAME", num_args = 1.., required_unless_present = "tls_cert")]
    self_signed: Vec<String>,

    /// Write the CA certificate of --self-signed here (for the webhook's caBundle).
    #[arg(long, value_name = "FILE", requires = "self_signed")]
    ca_bundle_out: Option<PathBuf>,

    /// Policy files or directories, any dialect kanon evaluates; hot-reloaded. Repeatable.
    #[arg(long, value_name = "PATH")]
    policies: Vec<PathBuf>,

    /// With --policies, also apply the built-in Pod Security defaults.
    #[arg(long)]
    builtin_pss: bool,

    /// Pod Security Admission's exact behaviour: workloads whose pod template violates the
    /// enforce level are allowed with a warning instead of denied.
    #[arg(long)]
    psa_compat: bool,

    /// Namespace manifests (file or directory) whose labels are known from the start; others
    /// are learned from Namespace requests.
    #[arg(long, value_name = "FILE|DIR")]
    namespaces: Vec<PathBuf>,

    /// On /mutate, set the pod-level seccompProfile of Pods and pod templates when absent.
    #[arg(long, value_name = "TYPE", value_parser = ["RuntimeDefault", "Localhost", "Unconfined"])]
    default_seccomp: Option<String>,

    /// Answer within this many seconds (keep it below the webhook's timeoutSeconds).
    #[arg(long, value_name = "SECONDS", default_value_t = 8.0)]
    timeout: f64,

    /// Requests evaluated at once (default: one per core).
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,

    /// Seconds between checks of policy and certificate files for changes.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    reload_interval: f64,

    /// Seconds requests in flight get to finish after SIGTERM.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    shutdown_grace: f64,

    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

fn seconds(value: f64, flag: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value).map_err(|_| format!("{flag}: {value} is not a duration"))
}

fn pss_config(psa_compat: bool) -> PssConfig {
    PssConfig {
        psa_compat,
        ..PssConfig::default()
    }
}

/// Runs `kanon serve` until SIGTERM or Ctrl-C; returns the exit code.
pub(crate) fn run(args: ServeArgs) -> u8 {
    init_logging(args.log_format);
    match serve(args) {
        Ok(()) => exit::CLEAN,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("error: {message}");
            exit::ERROR
        }
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => TlsSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ => TlsSource::SelfSigned {
            names: args.self_signed.clone(),
            ca_bundle_out: args.ca_bundle_out.clone(),
        },
    };
    let mut mutators: Vec<Arc<dyn Mutator>> = Vec::new();
    if let Some(profile_type) = &args.default_seccomp {
        mutators.push(Arc::new(DefaultSeccomp {
            profile_type: profile_type.clone(),
        }));
    }
    let pss = (args.policies.is_empty() || args.builtin_pss).then(|| pss_config(args.psa_compat));
    let config = ServeConfig {
        addr: args.addr,
        tls,
        policies: LoadOptions {
            paths: args.policies.clone(),
            pss,
        },
        namespaces: read_namespaces(&args.namespaces)?,
        mutators,
        timeout: seconds(args.timeout, "--timeout")?,
        concurrency: args
            .concurrency
            .unwrap_or_else(|| 2 * std::thread::available_parallelism().map_or(1, |n| n.get())),
        reload_interval: seconds(args.reload_interval, "--reload-interval")?,
    };
    let grace = seconds(args.shutdown_grace, "--shutdown-grace")?;
    // Evaluation threads are bounded by --concurrency (plus room for file watching), which
    // also bounds the allocator's per-thread caches.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(config.concurrency + 2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let running = kanon_admission::start(config)
            .await
            .map_err(|e| e.to_string())?;
        eprintln!("kanon: serving on https://{}", running.local_addr());
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        running.shutdown(grace).await.map_err(|e| e.to_string())
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KANON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Namespace objects from files or directories.
fn read_namespaces(paths: &[PathBuf]) -> Result<Vec<Value>, String> {
    let mut namespaces = Vec::new();
    let (inputs, errors) = crate::input::discover(
        &paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>(),
    );
    if let Some(error) = errors.first() {
        return Err(error.clone());
    }
    for input in &inputs {
        let bytes = input.read(64 << 20).map_err(|e| e.to_string())?;
        let mut problem = None;
        manifest::load_bytes(
            &bytes,
            input.display_name(),
            &manifest::Limits::default(),
            &mut |loaded| match loaded {
                Ok(m) if kanon_core::object::kind(&m.object) == "Namespace" => {
                    namespaces.push(m.object);
                }
                Ok(_) => {}
                Err(e) => problem = Some(e.to_string()),
            },
        );
        if let Some(problem) = problem {
            return Err(problem);
        }
    }
    Ok(namespaces)
}

#[derive(Debug, Args)]
#[command(after_help = "Example:
  kanon webhook-config --service kanon --namespace kanon --ca-bundle ca.pem | kubectl apply -f -

Rules cover only the kinds and operations the policies can match (plus Namespaces, whose labels
the webhook learns); kube-system and kanon's own namespace are excluded.")]
pub(crate) struct WebhookConfigArgs {
    /// Name of kanon's Service.
    #[arg(long)]
    service: String,

    /// Namespace kanon runs in.
    #[arg(long)]
    namespace: String,

    /// The CA certificate (PEM) that signed kanon's serving certificate.
    #[arg(long, value_name = "FILE")]
    ca_bundle: PathBuf,

    /// What the API server does when kanon cannot answer.
    #[arg(long, default_value = "Fail", value_parser = ["Fail", "Ignore"])]
    failure_policy: String,

    /// The API server's timeout for a call (1 to 30).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=30))]
    timeout_seconds: u32,

    /// Port of the Service.
    #[arg(long, default_value_t = 443)]
    port: u16,

    /// The policies kanon serves (as for `kanon serve --policies`), to narrow the rules.
    #[arg(long, value_name = "PATH")]
    policies: Vec<PathBuf>,

    /// With --policies, the built-in Pod Security defaults are served too.
    #[arg(long)]
    builtin_pss: bool,
}

/// Prints the webhook configurations as YAML; returns the exit code.
pub(crate) fn webhook_config(args: WebhookConfigArgs) -> u8 {
    let ca_bundle_pem = match std::fs::read_to_string(&args.ca_bundle) {
        Ok(text) if text.contains("-----BEGIN CERTIFICATE-----") => text,
        Ok(_) => {
            eprintln!("error: {}: not a PEM certificate", args.ca_bundle.display());
            return exit::ERROR;
        }
        Err(e) => {
            eprintln!("error: {}: {e}", args.ca_bundle.display());
            return exit::ERROR;
        }
    };
    let pss = (args.policies.is_empty() || args.builtin_pss).then(|| pss_config(false));
    let loaded = match policies::load(
        &LoadOptions {
            paths: args.policies.clone(),
            pss,
        },
        0,
    ) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::ERROR;
        }
    };
    let params = WebhookConfigParams {
        service: args.service,
        namespace: args.namespace,
        ca_bundle_pem,
        failure_policy: args.failure_policy,
        timeout_seconds: args.timeout_seconds,
        port: args.port,
    };
    let mut out = String::new();
    for (index, document) in webhook_configurations(&params, &loaded.engine)
        .iter()
        .enumerate()
    {
        if index > 0 {
            out.push_str("---\n");
        }
        out.push_str(&kanon_yaml::to_string(document));
    }
    print!("{out}");
    exit::CLEAN
}
